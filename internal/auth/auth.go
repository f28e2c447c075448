// Package auth is copydesk's identity and authorization model: roles and
// the grants that give them (per desk or everywhere), the Viewer a request
// acts as, API tokens, and the policy (Rules, Check) that says which viewer
// may do what. It is pure: no SQL, no GraphQL. Users, desks and tokens are
// stored by package postgres and managed by package identity.
package auth

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Role is what a user does in the newsroom. A grant gives a role on one desk
// or on every desk.
type Role string

// The roles. An ADMIN grant satisfies any role (see Viewer.HasRole).
const (
	Admin      Role = "ADMIN"
	Editor     Role = "EDITOR"
	Reporter   Role = "REPORTER"
	Reviewer   Role = "REVIEWER"
	Translator Role = "TRANSLATOR"
)

// Roles lists every role, most powerful first.
var Roles = []Role{Admin, Editor, Reporter, Reviewer, Translator}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// ParseRole returns the role named s, compared case-insensitively ("editor"
// → Editor), and false when there is none.
func ParseRole(s string) (Role, bool) {
	r := Role(strings.ToUpper(strings.TrimSpace(s)))
	return r, r.Valid()
}

// Grant gives a user Role on desk DeskID, or on every desk when DeskID is
// nil. ADMIN grants are always for every desk (the database refuses others).
type Grant struct {
	Role   Role
	DeskID *int64
}

// Scope limits what an API token may do.
type Scope string

// Token scopes.
const (
	ScopeFull          Scope = "FULL"           // whatever the token's user may do
	ScopeReadPublished Scope = "READ_PUBLISHED" // only what an anonymous caller may: read published content
)

// Valid reports whether s is ScopeFull or ScopeReadPublished.
func (s Scope) Valid() bool { return s == ScopeFull || s == ScopeReadPublished }

// Viewer is who a request acts as: a user signed in with an API token, or
// the anonymous caller (UserID 0).
//
// Only a viewer whose Scope is ScopeFull may do anything beyond reading
// published content; every other Scope, the zero value included, is treated
// as ScopeReadPublished (least privilege). identity.Service.Authenticate
// fills every field.
type Viewer struct {
	UserID              int64 // 0: anonymous
	Name, Email, Locale string
	Grants              []Grant
	Locales             []string // canonical BCP 47 locales a translator may work in
	Scope               Scope
	TokenID             int64
}

// Anonymous returns the viewer of a request without credentials.
func Anonymous() *Viewer { return &Viewer{Scope: ScopeReadPublished} }

// IsAuthenticated reports whether v is a signed-in user.
func (v *Viewer) IsAuthenticated() bool { return v != nil && v.UserID != 0 }

// full reports whether v is signed in with a token that may do everything
// its user may.
func (v *Viewer) full() bool { return v.IsAuthenticated() && v.Scope == ScopeFull }

// SeesDrafts reports whether v may read unpublished content: a signed-in
// user with a FULL token and at least one grant.
func (v *Viewer) SeesDrafts() bool { return v.full() && len(v.Grants) > 0 }

// HasRole reports whether v holds role r on desk deskID (nil: a resource
// that belongs to no desk). An ADMIN grant satisfies any role; a grant for
// every desk (DeskID nil) matches any desk and no desk; a desk-scoped grant
// matches only that desk, never a resource with no desk. The token's scope
// is not considered here (Check does that).
func (v *Viewer) HasRole(r Role, deskID *int64) bool {
	if v == nil {
		return false
	}
	for _, g := range v.Grants {
		if g.Role != r && g.Role != Admin {
			continue
		}
		if g.DeskID == nil || (deskID != nil && *g.DeskID == *deskID) {
			return true
		}
	}
	return false
}

// hasRoleOnAnyDesk reports whether v holds one of roles (or ADMIN) on at
// least one desk.
func (v *Viewer) hasRoleOnAnyDesk(roles ...Role) bool {
	if v == nil {
		return false
	}
	for _, g := range v.Grants {
		if g.Role == Admin || slices.Contains(roles, g.Role) {
			return true
		}
	}
	return false
}

// hasLocale reports whether locale is one v may translate into. Locales are
// canonical BCP 47 tags, whose case is fixed, so comparing them
// case-insensitively only forgives a caller that did not canonicalise.
func (v *Viewer) hasLocale(locale string) bool {
	if locale == "" {
		return false
	}
	for _, l := range v.Locales {
		if strings.EqualFold(l, locale) {
			return true
		}
	}
	return false
}

type viewerKey struct{}

// WithViewer returns a context carrying v.
func WithViewer(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the viewer in ctx, or Anonymous() when there is none.
func ViewerFrom(ctx context.Context) *Viewer {
	if v, _ := ctx.Value(viewerKey{}).(*Viewer); v != nil {
		return v
	}
	return Anonymous()
}

// User is a person who signs in to copydesk. Grants and Locales are sorted
// (grants by role in the order of Roles, then desk, every-desk first).
type User struct {
	ID         int64
	Email      string
	Name       string
	Locale     string // the user's own language, canonical BCP 47
	Grants     []Grant
	Locales    []string // canonical BCP 47 locales a translator may work in
	CreatedAt  time.Time
	UpdatedAt  time.Time
	DisabledAt *time.Time // non-nil: the user cannot sign in
}

// Token describes an API token. The token itself is shown once, when it is
// created; only its SHA-256 hash is stored, and Prefix (the first 8
// characters after "cdk_") helps a user tell their tokens apart.
type Token struct {
	ID         int64
	UserID     int64
	Name       string
	Prefix     string
	Scope      Scope
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time // updated at most once a minute
}

// Desk is a section of the newsroom (politics, sport…); grants and reports
// may belong to one.
type Desk struct {
	ID        int64
	Slug      string
	Name      string
	CreatedAt time.Time
}

// Gate returns the context's viewer if it may work on newsroom content at
// all (ReadDrafts), before anything is read: an anonymous caller or a
// read-only token learns nothing about which objects exist. What the viewer
// may do to a given object is checked once the object is locked (Check).
func Gate(ctx context.Context) (*Viewer, error) {
	v := ViewerFrom(ctx)
	return v, Check(v, ReadDrafts, Resource{})
}

// OnEveryDesk reports whether v holds a grant on every desk (DeskID nil;
// every ADMIN grant is one, and the System viewer holds one): a member of
// every desk, who sees every desk's private drafts.
func (v *Viewer) OnEveryDesk() bool {
	if v == nil {
		return false
	}
	for _, g := range v.Grants {
		if g.DeskID == nil {
			return true
		}
	}
	return false
}

// MemberOf reports whether v is a member of desk deskID: holds any role on
// it, or a grant on every desk. The token's scope is not considered here
// (a viewer whose token is not FULL reads as the public does).
func (v *Viewer) MemberOf(deskID int64) bool {
	if v == nil {
		return false
	}
	for _, g := range v.Grants {
		if g.DeskID == nil || *g.DeskID == deskID {
			return true
		}
	}
	return false
}

// HiddenDesks returns the desks of private (the desks whose drafts are
// private to their members: workflow.Settings.PrivateDrafts) that v is not
// a member of: their reports do not exist for v in the newsroom. Nil when
// v is a member of every desk.
func HiddenDesks(v *Viewer, private []int64) []int64 {
	if v.OnEveryDesk() {
		return nil
	}
	var out []int64
	for _, id := range private {
		if !v.MemberOf(id) {
			out = append(out, id)
		}
	}
	return out
}
