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
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/slugs"
)

// Limits.
const (
	MaxEmail     = 254
	MaxUserName  = 200
	MaxDeskName  = 100
	MaxTokenName = 100
	MaxGrants    = 50
	MaxLocales   = 50
	MaxPage      = 100
	// DefaultLocale is a new user's locale when none is given.
	DefaultLocale = "en"
)

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

// --- users ---

// CreateUser creates a user and returns it. The viewer must be an admin
// (auth.ManageUsers: UNAUTHENTICATED or FORBIDDEN, before any other error).
// BAD_USER_INPUT for a malformed email (input.email), a missing or too long
// name (input.name), a bad locale (input.locale), an unknown role or an
// ADMIN grant limited to a desk (input.grants.N.role / .deskId), bad
// translator locales (input.locales.N) or locales without a TRANSLATOR
// grant (input.locales); NOT_FOUND (input.grants.N.deskId) for an unknown
// desk; CONFLICT (input.email) when the email, compared case-insensitively,
// is taken.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (*auth.User, error) {
	var out *auth.User
	err := s.write(ctx, func(tx *postgres.Tx) error {
		if err := check(ctx, auth.ManageUsers, auth.Resource{}); err != nil {
			return err
		}
		u, err := checkNewUser(in)
		if err != nil {
			return err
		}
		if err := checkDesks(ctx, tx, in.Grants); err != nil {
			return err
		}
		if other, err := postgres.UserByEmail(ctx, tx, u.Email); err == nil {
			return cerr.FieldErrorf(cerr.Conflict, "input.email", "A user with the email %q already exists (user %d).", other.Email, other.ID)
		} else if !cerr.Is(err, cerr.NotFound) {
			return err
		}
		if err := postgres.InsertUser(ctx, tx, u); err != nil {
			return cerr.ByConstraint(err, map[string]cerr.Rule{
				"users_email_key": {Field: "input.email", Message: fmt.Sprintf("A user with the email %q already exists.", u.Email)},
			})
		}
		out = u
		return nil
	}, func() *audit.Entry {
		return &audit.Entry{Action: "user.create", SubjectType: "User", SubjectID: out.ID, After: map[string]any{"email": out.Email, "grants": out.Grants, "locales": out.Locales}}
	})
	return out, err
}

// UpdateUserRoles replaces the grants and translator locales of user userID
// and returns the user. The viewer must be an admin (auth.ManageUsers:
// UNAUTHENTICATED or FORBIDDEN, before any other error). NOT_FOUND
// (input.userId) for an unknown user; CONFLICT (input.grants) when it would
// leave no enabled admin; otherwise the errors of CreateUser about grants
// and locales.
func (s *Service) UpdateUserRoles(ctx context.Context, userID int64, grantsIn []auth.Grant, localesIn []string) (*auth.User, error) {
	return s.updateRoles(ctx, userID, grantsIn, &localesIn)
}

// UpdateUserGrants is UpdateUserRoles keeping the user's translator
// locales (as they are once the user's row is locked), with the same
// errors, except that NOT_FOUND ("User N not found.") comes before those
// about grants and locales.
func (s *Service) UpdateUserGrants(ctx context.Context, userID int64, grantsIn []auth.Grant) (*auth.User, error) {
	return s.updateRoles(ctx, userID, grantsIn, nil)
}

// updateRoles replaces the grants of user userID, and its translator
// locales with *localesIn, or keeps them when localesIn is nil.
func (s *Service) updateRoles(ctx context.Context, userID int64, grantsIn []auth.Grant, localesIn *[]string) (*auth.User, error) {
	var out *auth.User
	err := s.write(ctx, func(tx *postgres.Tx) error {
		if err := check(ctx, auth.ManageUsers, auth.Resource{}); err != nil {
			return err
		}
		var grants []auth.Grant
		var locales []string
		var err error
		if localesIn != nil {
			if grants, locales, err = checkGrants(grantsIn, *localesIn); err != nil {
				return err
			}
		}
		if err := postgres.LockIdentity(ctx, tx); err != nil {
			return err
		}
		cur, err := postgres.LockUser(ctx, tx, userID)
		if localesIn == nil && cerr.Is(err, cerr.NotFound) {
			// The message User(userID) gives, which the API has always
			// returned when the locales are kept.
			return cerr.FieldErrorf(cerr.NotFound, "input.userId", "User %d not found.", userID)
		}
		if err != nil {
			return cerr.DefaultField(err, "input.userId")
		}
		if localesIn == nil {
			if grants, locales, err = checkGrants(grantsIn, cur.Locales); err != nil {
				return err
			}
		}
		if err := checkDesks(ctx, tx, grantsIn); err != nil {
			return err
		}
		if isAdmin(cur.Grants) && cur.DisabledAt == nil && !isAdmin(grants) {
			if err := lastAdmin(ctx, tx, cur.ID, "input.grants", "take the ADMIN role away"); err != nil {
				return err
			}
		}
		if slices.Equal(grantKeys(cur.Grants), grantKeys(grants)) && slices.Equal(cur.Locales, locales) {
			out = cur
			return nil
		}
		if err := postgres.SetUserGrants(ctx, tx, cur.ID, grants, locales); err != nil {
			return err
		}
		next := *cur
		next.Grants, next.Locales, next.UpdatedAt = grants, locales, tx.Now
		out = &next
		return nil
	}, func() *audit.Entry {
		return &audit.Entry{Action: "user.updateRoles", SubjectType: "User", SubjectID: out.ID, After: map[string]any{"grants": out.Grants, "locales": out.Locales}}
	})
	return out, err
}

// SetUserDisabled disables user userID (it can no longer authenticate, with
// any of its tokens) or enables it again, and returns it. Disabling a
// disabled user keeps its first disabled_at. NOT_FOUND (input.userId) for an
// unknown user; CONFLICT (input.userId) when it would leave no enabled
// admin. The viewer must be an admin (auth.ManageUsers: UNAUTHENTICATED or
// FORBIDDEN, before any other error).
func (s *Service) SetUserDisabled(ctx context.Context, userID int64, disabled bool) (*auth.User, error) {
	var out *auth.User
	err := s.write(ctx, func(tx *postgres.Tx) error {
		if err := check(ctx, auth.ManageUsers, auth.Resource{}); err != nil {
			return err
		}
		if err := postgres.LockIdentity(ctx, tx); err != nil {
			return err
		}
		cur, err := postgres.LockUser(ctx, tx, userID)
		if err != nil {
			return cerr.DefaultField(err, "input.userId")
		}
		if (cur.DisabledAt != nil) == disabled {
			out = cur
			return nil
		}
		next := *cur
		next.DisabledAt, next.UpdatedAt = nil, tx.Now
		if disabled {
			if isAdmin(cur.Grants) {
				if err := lastAdmin(ctx, tx, cur.ID, "input.userId", "disable them"); err != nil {
					return err
				}
			}
			at := tx.Now
			next.DisabledAt = &at
		}
		if err := postgres.SetUserDisabled(ctx, tx, cur.ID, next.DisabledAt); err != nil {
			return err
		}
		out = &next
		return nil
	}, func() *audit.Entry {
		return &audit.Entry{Action: "user.setDisabled", SubjectType: "User", SubjectID: out.ID, After: map[string]any{"disabledAt": out.DisabledAt}}
	})
	return out, err
}

// lastAdmin returns CONFLICT on field when no enabled user other than
// userID is an admin. The caller holds the identity lock.
func lastAdmin(ctx context.Context, tx *postgres.Tx, userID int64, field, doing string) error {
	n, err := postgres.OtherEnabledAdmins(ctx, tx, userID)
	if err != nil || n > 0 {
		return err
	}
	return cerr.FieldErrorf(cerr.Conflict, field, "This user is the only enabled admin; make another user an admin before you %s.", doing)
}

// Users returns up to first users (1 to MaxPage) with IDs above after (0:
// from the start), by ID. The viewer must be an admin (auth.ManageUsers:
// UNAUTHENTICATED or FORBIDDEN, before any other error).
func (s *Service) Users(ctx context.Context, first int, after int64) ([]*auth.User, error) {
	if err := check(ctx, auth.ManageUsers, auth.Resource{}); err != nil {
		return nil, err
	}
	if first < 1 || first > MaxPage {
		return nil, cerr.FieldErrorf(cerr.Invalid, "first", "Ask for 1 to %d users at a time.", MaxPage)
	}
	return postgres.ListUsers(ctx, s.DB, first, after)
}

// UsersByIDs returns the users with the given IDs, keyed by ID (missing IDs
// are absent), in one query.
func (s *Service) UsersByIDs(ctx context.Context, ids []int64) (map[int64]*auth.User, error) {
	return postgres.UsersByIDs(ctx, s.DB, ids)
}

// User returns user id. NOT_FOUND if there is none.
func (s *Service) User(ctx context.Context, id int64) (*auth.User, error) {
	m, err := postgres.UsersByIDs(ctx, s.DB, []int64{id})
	if err != nil {
		return nil, err
	}
	if u := m[id]; u != nil {
		return u, nil
	}
	return nil, cerr.Errorf(cerr.NotFound, "User %d not found.", id)
}

// UserByEmail returns the user with email, compared case-insensitively.
// NOT_FOUND (email) if there is none.
func (s *Service) UserByEmail(ctx context.Context, email string) (*auth.User, error) {
	u, err := postgres.UserByEmail(ctx, s.DB, strings.TrimSpace(email))
	if cerr.Is(err, cerr.NotFound) {
		return nil, cerr.FieldErrorf(cerr.NotFound, "email", "No user has the email %q.", strings.TrimSpace(email))
	}
	return u, err
}

// --- tokens ---

// CreateToken creates an API token for user userID and returns the token,
// which is shown only now (only its hash is stored), and its description.
// expiresAt nil means it never expires. The viewer must be that user or an
// admin (auth.CreateToken: UNAUTHENTICATED or FORBIDDEN, before any other
// error). BAD_USER_INPUT for a user ID that is not positive (input.userId:
// the System viewer has no tokens), a missing or too long name
// (input.name), an unknown scope (input.scope) or an expiry not in the
// future (input.expiresAt); NOT_FOUND (input.userId) for an unknown user;
// CONFLICT (input.userId) for a disabled one.
func (s *Service) CreateToken(ctx context.Context, userID int64, name string, expiresAt *time.Time, scope auth.Scope) (string, *auth.Token, error) {
	var token string
	var out *auth.Token
	err := s.write(ctx, func(tx *postgres.Tx) error {
		if err := check(ctx, auth.CreateToken, auth.Resource{OwnerID: &userID}); err != nil {
			return err
		}
		if userID <= 0 {
			return cerr.FieldErrorf(cerr.Invalid, "input.userId", "Say whose token this is: the System viewer has no tokens of its own.")
		}
		name, err := checkLine("input.name", "The token name", name, MaxTokenName)
		if err != nil {
			return err
		}
		if !scope.Valid() {
			return cerr.FieldErrorf(cerr.Invalid, "input.scope", "%q is not a token scope: use %s or %s.", scope, auth.ScopeFull, auth.ScopeReadPublished)
		}
		if expiresAt != nil && !expiresAt.After(tx.Now) {
			return cerr.FieldErrorf(cerr.Invalid, "input.expiresAt", "The expiry time must be in the future.")
		}
		u, err := postgres.LockUser(ctx, tx, userID)
		if err != nil {
			return cerr.DefaultField(err, "input.userId")
		}
		if u.DisabledAt != nil {
			return cerr.FieldErrorf(cerr.Conflict, "input.userId", "The user is disabled; enable them before creating a token.")
		}
		token, out, err = insertToken(ctx, tx, u.ID, name, expiresAt, scope)
		return err
	}, func() *audit.Entry {
		return &audit.Entry{Action: "token.create", SubjectType: "ApiToken", SubjectID: out.ID, After: map[string]any{"userId": out.UserID, "name": out.Name, "scope": out.Scope, "expiresAt": out.ExpiresAt}}
	})
	if err != nil {
		return "", nil, err
	}
	return token, out, nil
}

func insertToken(ctx context.Context, tx *postgres.Tx, userID int64, name string, expiresAt *time.Time, scope auth.Scope) (string, *auth.Token, error) {
	token, hash, prefix, err := auth.NewToken()
	if err != nil {
		return "", nil, fmt.Errorf("new token: %w", err)
	}
	t := &auth.Token{UserID: userID, Name: name, Prefix: prefix, Scope: scope}
	if expiresAt != nil {
		at := expiresAt.UTC().Truncate(time.Microsecond)
		t.ExpiresAt = &at
	}
	if err := postgres.InsertToken(ctx, tx, t, hash); err != nil {
		return "", nil, err
	}
	return token, t, nil
}

// RevokeToken revokes token tokenID: from now on it no longer
// authenticates. It returns the token as revoked. Revoking a revoked token
// changes nothing (its first revocation time stays). The viewer must be
// signed in with a FULL token (auth.ManageOwnTokens: UNAUTHENTICATED or
// FORBIDDEN, before any other error) and be the token's user or an admin
// (auth.RevokeToken, checked on the locked token); a token the viewer may
// not revoke is, like an unknown one, NOT_FOUND (input.id).
func (s *Service) RevokeToken(ctx context.Context, tokenID int64) (*auth.Token, error) {
	var out *auth.Token
	err := s.write(ctx, func(tx *postgres.Tx) error {
		if err := check(ctx, auth.ManageOwnTokens, auth.Resource{}); err != nil {
			return err
		}
		t, err := postgres.LockToken(ctx, tx, tokenID)
		if cerr.Is(err, cerr.NotFound) {
			return errNoSuchToken()
		}
		if err != nil {
			return err
		}
		if err := check(ctx, auth.RevokeToken, auth.Resource{OwnerID: &t.UserID}); cerr.Is(err, cerr.Forbidden) {
			// Someone else's token is, to a non-admin, a token that does not exist.
			return errNoSuchToken()
		} else if err != nil {
			return err
		}
		out, err = postgres.RevokeToken(ctx, tx, t.ID)
		return cerr.DefaultField(err, "input.id")
	}, func() *audit.Entry {
		return &audit.Entry{Action: "token.revoke", SubjectType: "ApiToken", SubjectID: tokenID}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// errNoSuchToken is RevokeToken's NOT_FOUND.
func errNoSuchToken() error {
	return cerr.FieldErrorf(cerr.NotFound, "input.id", "You have no API token with this ID.")
}

// TokenByID returns token id, without its hash. NOT_FOUND if there is none.
func (s *Service) TokenByID(ctx context.Context, id int64) (*auth.Token, error) {
	return postgres.TokenByID(ctx, s.DB, id)
}

// Tokens returns the tokens of user userID, newest first, without hashes.
func (s *Service) Tokens(ctx context.Context, userID int64) ([]*auth.Token, error) {
	return postgres.TokensByUser(ctx, s.DB, userID)
}

// Messages of Authenticate's UNAUTHENTICATED errors. None repeats the token.
const (
	MsgTokenInvalid  = "The API token is not valid."
	MsgTokenExpired  = "The API token has expired."
	MsgTokenRevoked  = "The API token was revoked."
	MsgUserDisabled  = "The API token's user is disabled."
	touchGranularity = time.Minute
)

// Authenticate returns the viewer that bearer (an API token, or an
// Authorization header value "Bearer <token>") stands for. A malformed or
// unknown token, an expired or revoked one, or one whose user is disabled
// is UNAUTHENTICATED with a message saying which (MsgToken…), never echoing
// the token. It costs one SELECT; when the token was last used more than a
// minute ago it also records the use (one conditional UPDATE).
func (s *Service) Authenticate(ctx context.Context, bearer string) (*auth.Viewer, error) {
	token, ok := auth.ParseToken(bearer)
	if !ok {
		return nil, cerr.Errorf(cerr.Unauthenticated, "%s", MsgTokenInvalid)
	}
	tv, err := postgres.TokenViewerByHash(ctx, s.DB, auth.HashToken(token))
	if cerr.Is(err, cerr.NotFound) {
		return nil, cerr.Errorf(cerr.Unauthenticated, "%s", MsgTokenInvalid)
	}
	if err != nil {
		return nil, err
	}
	now := s.DB.Now()
	switch t, u := &tv.Token, &tv.User; {
	case t.RevokedAt != nil:
		return nil, cerr.Errorf(cerr.Unauthenticated, "%s", MsgTokenRevoked)
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return nil, cerr.Errorf(cerr.Unauthenticated, "%s", MsgTokenExpired)
	case u.DisabledAt != nil:
		return nil, cerr.Errorf(cerr.Unauthenticated, "%s", MsgUserDisabled)
	case !t.Scope.Valid():
		return nil, fmt.Errorf("api token %d has unknown scope %q", t.ID, t.Scope)
	}
	if last := tv.Token.LastUsedAt; last == nil || !last.After(now.Add(-touchGranularity)) {
		if _, err := postgres.TouchToken(ctx, s.DB, tv.Token.ID, now.UTC().Truncate(time.Microsecond)); err != nil {
			return nil, err
		}
	}
	return &auth.Viewer{
		UserID:  tv.User.ID,
		Name:    tv.User.Name,
		Email:   tv.User.Email,
		Locale:  tv.User.Locale,
		Grants:  tv.User.Grants,
		Locales: tv.User.Locales,
		Scope:   tv.Token.Scope,
		TokenID: tv.Token.ID,
	}, nil
}

// --- desks ---

// CreateDesk creates a desk and returns it. The viewer must be an admin
// (auth.ManageUsers: UNAUTHENTICATED or FORBIDDEN, before any other error).
// BAD_USER_INPUT for a malformed slug (input.slug) or a missing or too long
// name (input.name); CONFLICT when another desk has the slug or the name
// (case-insensitively).
func (s *Service) CreateDesk(ctx context.Context, slug, name string) (*auth.Desk, error) {
	var out *auth.Desk
	err := s.write(ctx, func(tx *postgres.Tx) error {
		if err := check(ctx, auth.ManageUsers, auth.Resource{}); err != nil {
			return err
		}
		slug := strings.TrimSpace(slug)
		if err := slugs.Validate(slug); err != nil {
			return cerr.FieldErrorf(cerr.Invalid, "input.slug", "%s", editorial.Sentence(err.Error()))
		}
		name, err := checkLine("input.name", "The desk name", name, MaxDeskName)
		if err != nil {
			return err
		}
		if other, err := postgres.DeskBySlug(ctx, tx, slug); err == nil {
			return cerr.FieldErrorf(cerr.Conflict, "input.slug", "The slug %q is already used by the desk %q.", slug, other.Name)
		} else if !cerr.Is(err, cerr.NotFound) {
			return err
		}
		if other, err := postgres.DeskByNameCI(ctx, tx, name); err == nil {
			return cerr.FieldErrorf(cerr.Conflict, "input.name", "The name %q is already used by the desk %q.", name, other.Slug)
		} else if !cerr.Is(err, cerr.NotFound) {
			return err
		}
		d := &auth.Desk{Slug: slug, Name: name}
		if err := postgres.InsertDesk(ctx, tx, d); err != nil {
			return cerr.ByConstraint(err, map[string]cerr.Rule{
				"desks_slug_key": {Field: "input.slug", Message: fmt.Sprintf("The slug %q is already used by another desk.", d.Slug)},
				"desks_name_key": {Field: "input.name", Message: fmt.Sprintf("The name %q is already used by another desk.", d.Name)},
			})
		}
		out = d
		return nil
	}, func() *audit.Entry {
		return &audit.Entry{Action: "desk.create", SubjectType: "Desk", SubjectID: out.ID, After: out}
	})
	return out, err
}

// Desks returns every desk, by name.
func (s *Service) Desks(ctx context.Context) ([]*auth.Desk, error) {
	return postgres.ListDesks(ctx, s.DB)
}

// DesksByIDs returns the desks with the given IDs, keyed by ID, in one query.
func (s *Service) DesksByIDs(ctx context.Context, ids []int64) (map[int64]*auth.Desk, error) {
	return postgres.DesksByIDs(ctx, s.DB, ids)
}

// DeskBySlug returns the desk with slug. NOT_FOUND (slug) if there is none.
func (s *Service) DeskBySlug(ctx context.Context, slug string) (*auth.Desk, error) {
	d, err := postgres.DeskBySlug(ctx, s.DB, strings.TrimSpace(slug))
	return d, cerr.DefaultField(err, "slug")
}

// --- bootstrap ---

// EnsureLocalAdmin makes sure someone can sign in to a new installation:
// when the users table is empty it creates the user admin@localhost ("Local
// admin") with the ADMIN role and a FULL token named "local admin", and
// returns that token with created true. Otherwise it creates nothing and
// returns "", false. It runs in one transaction under an advisory lock, so
// of several instances starting at once only one creates the admin.
func (s *Service) EnsureLocalAdmin(ctx context.Context) (token string, created bool, err error) {
	ctx = auth.WithViewer(ctx, auth.System())
	var adminID int64
	err = s.write(ctx, func(tx *postgres.Tx) error {
		token, created = "", false
		if err := postgres.LockIdentity(ctx, tx); err != nil {
			return err
		}
		exists, err := postgres.AnyUser(ctx, tx)
		if err != nil || exists {
			return err
		}
		u := &auth.User{Email: LocalAdminEmail, Name: LocalAdminName, Locale: DefaultLocale, Grants: []auth.Grant{{Role: auth.Admin}}}
		if err := postgres.InsertUser(ctx, tx, u); err != nil {
			return err
		}
		adminID = u.ID
		if token, _, err = insertToken(ctx, tx, u.ID, LocalAdminToken, nil, auth.ScopeFull); err != nil {
			return err
		}
		created = true
		return nil
	}, func() *audit.Entry {
		if !created {
			return nil
		}
		return &audit.Entry{Action: "user.create", SubjectType: "User", SubjectID: adminID, Detail: map[string]any{"localAdmin": true}}
	})
	if err != nil {
		return "", false, err
	}
	return token, created, nil
}

// --- validation ---

// check returns nil when the context's viewer may perform a on r, and
// auth.Check's error otherwise.
func check(ctx context.Context, a auth.Action, r auth.Resource) error {
	return auth.Check(auth.ViewerFrom(ctx), a, r)
}

// checkNewUser validates in and returns the user to store: email and name
// trimmed, locale canonical (DefaultLocale when empty), grants and
// translator locales as checkGrants returns them.
func checkNewUser(in NewUser) (*auth.User, error) {
	email, err := checkEmail(in.Email)
	if err != nil {
		return nil, err
	}
	name, err := checkLine("input.name", "The name", in.Name, MaxUserName)
	if err != nil {
		return nil, err
	}
	loc := DefaultLocale
	if strings.TrimSpace(in.Locale) != "" {
		if loc, err = editorial.CanonicalLocale("input.locale", in.Locale); err != nil {
			return nil, err
		}
	}
	grants, locales, err := checkGrants(in.Grants, in.Locales)
	if err != nil {
		return nil, err
	}
	return &auth.User{Email: email, Name: name, Locale: loc, Grants: grants, Locales: locales}, nil
}

// checkEmail returns email trimmed if it is a plain address: one "@", a
// local part of 1 to 64 printable ASCII characters that a bare address may
// hold, and a domain of dot-separated labels of letters, digits and hyphens
// ("localhost" is fine).
func checkEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	bad := func() (string, error) {
		return "", cerr.FieldErrorf(cerr.Invalid, "input.email", "%q is not an email address, e.g. name@example.org.", clip(email))
	}
	if email == "" {
		return "", cerr.FieldErrorf(cerr.Invalid, "input.email", "The email is required.")
	}
	if len(email) > MaxEmail {
		return "", cerr.FieldErrorf(cerr.Invalid, "input.email", "The email is %d characters long; the limit is %d.", len(email), MaxEmail)
	}
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || len(local) > 64 || domain == "" || len(domain) > 253 {
		return bad()
	}
	for _, c := range []byte(local) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),:;<>@[\]`, c) >= 0 {
			return bad()
		}
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return bad()
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return bad()
		}
		for _, c := range []byte(label) {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return bad()
			}
		}
	}
	// Belt and braces: the standard parser must read it as this bare address.
	if a, err := mail.ParseAddress(email); err != nil || a.Name != "" || a.Address != email {
		return bad()
	}
	return email, nil
}

// checkLine trims s and checks it is present, at most max characters, valid
// UTF-8 and on one line.
func checkLine(field, what, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", cerr.FieldErrorf(cerr.Invalid, field, "%s is required.", what)
	case !utf8.ValidString(s):
		return "", cerr.FieldErrorf(cerr.Invalid, field, "%s is not valid UTF-8 text.", what)
	case utf8.RuneCountInString(s) > max:
		return "", cerr.FieldErrorf(cerr.Invalid, field, "%s is %d characters long; the limit is %d.", what, utf8.RuneCountInString(s), max)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "", cerr.FieldErrorf(cerr.Invalid, field, "%s must be on one line, without control characters.", what)
	}
	return s, nil
}

// checkGrants validates grants and translator locales and returns them
// normalised: grants sorted without duplicates, locales canonical, sorted
// and without duplicates.
func checkGrants(grants []auth.Grant, locales []string) ([]auth.Grant, []string, error) {
	if len(grants) > MaxGrants {
		return nil, nil, cerr.FieldErrorf(cerr.Invalid, "input.grants", "A user may have at most %d grants (%d given).", MaxGrants, len(grants))
	}
	if len(locales) > MaxLocales {
		return nil, nil, cerr.FieldErrorf(cerr.Invalid, "input.locales", "A translator may have at most %d locales (%d given).", MaxLocales, len(locales))
	}
	out := make([]auth.Grant, 0, len(grants))
	translator := false
	for i, g := range grants {
		if !g.Role.Valid() {
			return nil, nil, cerr.FieldErrorf(cerr.Invalid, fmt.Sprintf("input.grants.%d.role", i), "%q is not a role: use %s.", g.Role, roleList())
		}
		if g.Role == auth.Admin && g.DeskID != nil {
			return nil, nil, cerr.FieldErrorf(cerr.Invalid, fmt.Sprintf("input.grants.%d.deskId", i), "The ADMIN role applies to every desk; leave the desk out.")
		}
		if g.DeskID != nil && *g.DeskID <= 0 {
			return nil, nil, cerr.FieldErrorf(cerr.NotFound, fmt.Sprintf("input.grants.%d.deskId", i), "Desk %d not found.", *g.DeskID)
		}
		if g.DeskID != nil {
			id := *g.DeskID // never share the caller's pointer
			g.DeskID = &id
		}
		translator = translator || g.Role == auth.Translator
		out = append(out, g)
	}
	locs := make([]string, 0, len(locales))
	for i, l := range locales {
		c, err := editorial.CanonicalLocale(fmt.Sprintf("input.locales.%d", i), l)
		if err != nil {
			return nil, nil, err
		}
		locs = append(locs, c)
	}
	slices.Sort(locs)
	locs = slices.Compact(locs)
	switch {
	case len(locs) > 0 && !translator:
		return nil, nil, cerr.FieldErrorf(cerr.Invalid, "input.locales", "Locales say what a translator works in; add the TRANSLATOR role or leave the locales out.")
	case translator && len(locs) == 0:
		return nil, nil, cerr.FieldErrorf(cerr.Invalid, "input.locales", "A translator needs at least one locale to work in, e.g. zh-Hans.")
	}
	return auth.SortGrants(out), locs, nil
}

// checkDesks returns NOT_FOUND on input.grants.N.deskId for the first grant
// whose desk does not exist. grants are the caller's, in input order, after
// checkGrants accepted them.
func checkDesks(ctx context.Context, tx *postgres.Tx, grants []auth.Grant) error {
	var ids []int64
	for _, g := range grants {
		if g.DeskID != nil {
			ids = append(ids, *g.DeskID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	found, err := postgres.DesksByIDs(ctx, tx, ids)
	if err != nil {
		return err
	}
	for i, g := range grants {
		if g.DeskID != nil && found[*g.DeskID] == nil {
			return cerr.FieldErrorf(cerr.NotFound, fmt.Sprintf("input.grants.%d.deskId", i), "Desk %d not found.", *g.DeskID)
		}
	}
	return nil
}

func roleList() string {
	names := make([]string, len(auth.Roles))
	for i, r := range auth.Roles {
		names[i] = string(r)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func isAdmin(grants []auth.Grant) bool {
	return slices.ContainsFunc(grants, func(g auth.Grant) bool { return g.Role == auth.Admin })
}

// grantKeys returns grants as comparable strings, in order.
func grantKeys(grants []auth.Grant) []string {
	out := make([]string, len(grants))
	for i, g := range grants {
		out[i] = string(g.Role)
		if g.DeskID != nil {
			out[i] += fmt.Sprintf("@%d", *g.DeskID)
		}
	}
	return out
}

// clip shortens s for quoting in a message.
func clip(s string) string { return cerr.Clip(s, 80) }

// write runs fn in one transaction and records, in that transaction, the
// audit entry entry returns (nil: nothing changed).
func (s *Service) write(ctx context.Context, fn func(tx *postgres.Tx) error, entry func() *audit.Entry) error {
	return audit.Write(ctx, s.DB, fn, entry)
}
