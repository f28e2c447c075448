// Package content is copydesk's content service: every write to reports,
// tags, the directory and events goes through one of its methods, which runs
// one transaction, applies the rules from package editorial, and writes
// through package postgres. It knows nothing of GraphQL.
package content

import "github.com/copydesk/copydesk/internal/postgres"

// Service runs content mutations. It is safe for concurrent use.
type Service struct {
	DB *postgres.DB
}

// New returns a Service over db.
func New(db *postgres.DB) *Service { return &Service{DB: db} }
