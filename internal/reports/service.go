// Package reports is copydesk's report service: reports (report.go), their
// attendees (attendees.go), tags and authors (relations.go), revisions
// (revisions.go), workflow transitions (workflow.go, running
// workflow.Transitions) and work lists (queue.go). Every write goes through
// one of its methods, which runs one transaction, locks the report, checks
// the viewer's permission inside it (internal/auth), applies the rules from
// packages editorial and workflow, writes through package postgres and
// records one audit entry. It knows nothing of GraphQL.
//
// Lock is its seam for the services that work on a report's parts
// (translation): they lock the report the same way, so concurrent changes to
// a report and its parts serialize.
package reports

import (
	"github.com/copydesk/copydesk/internal/postgres"
)

// Service runs report mutations. It is safe for concurrent use.
type Service struct {
	DB *postgres.DB
}

// New returns a Service over db. The workflow policy (approvals required,
// whether edits reopen review, …) is each desk's workflow.Settings, read
// from the database in the transaction that applies it.
func New(db *postgres.DB) *Service { return &Service{DB: db} }
