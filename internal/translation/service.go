// Package translation is copydesk's translation service: translations of a
// report into other locales, their review workflow and assignments, the
// per-field staleness that tells a translator what changed in the source
// (freshness), the translator's queue and progress, XLIFF 2.0 hand-off to
// agencies, and reading a report in a locale (localization). Every write
// runs one transaction, locks the report first, checks the viewer's
// permission inside it, and records one audit entry. It knows nothing of
// GraphQL.
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
