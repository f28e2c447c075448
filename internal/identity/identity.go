// Package identity manages who may use copydesk: users and their roles
// (grants, per desk or everywhere), translator locales, desks, and API
// tokens; and it authenticates requests (Authenticate turns a bearer token
// into an auth.Viewer). Every write runs one transaction; SQL lives in
// package postgres and the types and the policy in package auth.
//
// Every change, and listing users, acts for the context's viewer
// (auth.ViewerFrom) and checks the policy (auth.Check) inside its
// transaction, before anything else or, when the decision depends on a row,
// once that row is locked. So a viewer who may not do something learns
// nothing about the input or the data from the refusal. The lookups (User,
// Tokens, Desks…) check nothing: their callers decide what a viewer may see
// (e.g. auth.Viewer.SeesUserPrivate). The operator CLI and the bootstrap act
// as auth.System(), an admin.
//
// Errors are *cerr.Error values whose Field is the GraphQL input path
// ("input.email", "input.grants.1.deskId").
package identity

import (
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/postgres"
)

// DefaultLocale is a new user's locale when none is given.
const DefaultLocale = "en"

// The local admin EnsureLocalAdmin creates on an empty database.
const (
	LocalAdminEmail = "admin@localhost"
	LocalAdminName  = "Local admin"
	LocalAdminToken = "local admin" // the name of its token
)

// Service manages users, desks and tokens. It is safe for concurrent use.
type Service struct {
	DB *postgres.DB
}

// New returns a Service over db.
func New(db *postgres.DB) *Service { return &Service{DB: db} }

// NewUser is a user to create. An empty Locale means DefaultLocale.
// Locales are the locales the user may translate into; they require a
// TRANSLATOR grant, and a TRANSLATOR grant requires at least one.
type NewUser struct {
	Email, Name, Locale string
	Grants              []auth.Grant
	Locales             []string
}
