// Package newsroom wires the editorial services over one database into one
// value, for the callers that use all of them: the server, the demo loader,
// the operator commands and the benchmarks.
package newsroom

import (
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/translation"
)

// Services are the editorial services of one deployment.
type Services struct {
	Reports      *reports.Service
	Directory    *directory.Service
	Translations *translation.Service
}

// New returns the services over db, with the default workflow policy.
func New(db *postgres.DB) *Services {
	return &Services{Reports: reports.New(db), Directory: directory.New(db), Translations: translation.New(db)}
}
