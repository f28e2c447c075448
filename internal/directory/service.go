// Package directory is copydesk's directory service: tags, people,
// organizations and events, the entries reports refer to, and merging
// duplicates of them. Every write checks the viewer's permission, then runs
// one transaction and records one audit entry in it. It knows nothing of
// GraphQL.
package directory

import (
	"github.com/copydesk/copydesk/internal/postgres"
)

// The directory: the managed tag vocabulary, people and organizations. Every
// method runs one transaction; a failed call changes nothing. Errors are
// *cerr.Error values whose Field is the GraphQL input path ("input.name",
// "input.localizedNames.1.locale", "input.sourceIds.2").
//
// Localized names arrive as a map, so an error about one of them names the
// entry by its index among the map's keys in sorted order.

// Service runs directory mutations. It is safe for concurrent use.
type Service struct {
	DB *postgres.DB
}

// New returns a Service over db.
func New(db *postgres.DB) *Service { return &Service{DB: db} }
