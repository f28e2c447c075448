// Package content is copydesk's content service: every write to reports,
// tags, the directory and events goes through one of its methods, which runs
// one transaction, applies the rules from package editorial, and writes
// through package postgres. It knows nothing of GraphQL.
package content

import (
	"context"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/workflow"
)

// Service runs content mutations. It is safe for concurrent use.
type Service struct {
	DB *postgres.DB
	// Workflow is the newsroom's workflow policy (approvals required, whether
	// edits reopen review). New sets workflow.DefaultConfig().
	Workflow workflow.Config
}

// New returns a Service over db with the default workflow policy.
func New(db *postgres.DB) *Service { return &Service{DB: db, Workflow: workflow.DefaultConfig()} }

// write runs fn in one transaction and, when fn succeeds, records in that
// same transaction the audit entry that entry returns (nil: fn changed
// nothing, so there is nothing to record). A change and its audit entry
// commit together or not at all.
func (s *Service) write(ctx context.Context, fn func(tx *postgres.Tx) error, entry func() *audit.Entry) error {
	return audit.Write(ctx, s.DB, fn, entry)
}

// changed returns e when an update moved the object past the version the
// caller edited, and nil for an update that changed nothing.
func changed(version, expected int, e audit.Entry) *audit.Entry {
	if version == expected {
		return nil
	}
	return &e
}
