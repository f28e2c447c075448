// Package graph is copydesk's GraphQL layer: gqlgen's generated executor, thin
// resolvers that decode input, call one internal service method and map the
// result, the per-request dataloaders, and the one place errors become GraphQL
// errors (errors.go).
package graph

import (
	"time"

	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/locale"
	"github.com/copydesk/copydesk/internal/notify"
	"github.com/copydesk/copydesk/internal/operations"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/published"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/richtext"
	"github.com/copydesk/copydesk/internal/translation"
)

// Resolver holds the dependencies every resolver needs. It serves as gqlgen's
// dependency injection point and is built once per process by NewHandler.
type Resolver struct {
	DB *postgres.DB
	// Reports, Directory and Translations run the editorial mutations, one
	// transaction each.
	Reports      *reports.Service
	Directory    *directory.Service
	Translations *translation.Service
	Identity     *identity.Service
	Comments     *comments.Service
	// Notifications is the signed-in user's inbox (nil: notify.New(DB)).
	Notifications *notify.Service
	Version       string
	// Fallbacks are the deployment's locale fallback chains.
	Fallbacks locale.Fallbacks
	// LoaderWait is how long dataloaders collect keys (DefaultLoaderWait when zero).
	LoaderWait time.Duration
	// PublicCache, when set, keeps hot public documents in memory (a public
	// read it answers costs no SQL). It must be kept current by
	// published.Listen on the primary database.
	PublicCache *published.Cache
	// Texts, when set, remembers the plain text of bodies that search
	// snippets were cut from (nil: each is converted again).
	Texts *richtext.Memo

	// ops is the persisted-operation registry NewHandler set up
	// (HandlerOptions.Persisted).
	ops *operations.Registry
}
