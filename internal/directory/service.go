// Package directory is copydesk's directory service: tags, people,
// organizations and events, the entries reports refer to, and merging
// duplicates of them. Every write runs one transaction, checks the viewer's
// permission inside it, and records one audit entry. It knows nothing of
// GraphQL.
package directory

import (
	"github.com/copydesk/copydesk/internal/postgres"
)

// Service runs directory mutations. It is safe for concurrent use.
type Service struct {
	DB *postgres.DB
}

// New returns a Service over db.
func New(db *postgres.DB) *Service { return &Service{DB: db} }
