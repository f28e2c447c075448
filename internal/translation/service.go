// Package translation is copydesk's translation service: translations of a
// report into other locales (translation.go), their review workflow and
// assignments (workflow.go, running workflow.TranslationTransitions), the
// per-field staleness that tells a translator what changed in the source
// (freshness.go, fields.go), the translator's queue and progress (queue.go,
// progress.go), XLIFF 2.0 hand-off to agencies (xliff.go), and reading a
// report in a locale (localize.go). Every write runs one transaction, locks
// the report first, checks the viewer's permission inside it, and records
// one audit entry. It knows nothing of GraphQL.
package translation

import (
	"github.com/copydesk/copydesk/internal/postgres"
)

// Service runs translation mutations and the reads that compute
// translation states. It is safe for concurrent use.
type Service struct {
	DB *postgres.DB
}

// New returns a Service over db.
func New(db *postgres.DB) *Service { return &Service{DB: db} }
