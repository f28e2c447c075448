package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
)

// Identity storage: desks, users with their grants and translator locales,
// and API tokens (stored as SHA-256 hashes only). Types live in package
// auth; package identity holds the rules.

// identityLockID is the transaction-level advisory lock that serialises
// changes to who is an admin and the local-admin bootstrap ("identity" in
// ASCII; the migration lock uses another key).
const identityLockID int64 = 0x6964656e74697479

// LockIdentity takes the identity advisory lock until tx ends. Transactions
// that may create the first user, or take the ADMIN role away from someone,
// take it first, so two of them never decide on the same stale state.
func LockIdentity(ctx context.Context, tx *Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, identityLockID)
	return FormatError(err, "LockIdentity", "Identity")
}

// --- desks ---

const deskColumns = `id, slug, name, created_at`

type deskRow struct {
	ID        int64     `db:"id"`
	Slug      string    `db:"slug"`
	Name      string    `db:"name"`
	CreatedAt time.Time `db:"created_at"`
}

func (r *deskRow) desk() (*auth.Desk, error) {
	return &auth.Desk{ID: r.ID, Slug: r.Slug, Name: r.Name, CreatedAt: r.CreatedAt}, nil
}

// InsertDesk stores a new desk, setting its ID and CreatedAt (tx.Now), with
// a copy of the no-desk settings as its settings.
// CONFLICT with constraint desks_slug_key or desks_name_key when another
// desk has the slug or the name (compared case-insensitively).
func InsertDesk(ctx context.Context, tx *Tx, d *auth.Desk) error {
	err := tx.GetContext(ctx, &d.ID, `INSERT INTO desks (slug, name, created_at) VALUES ($1, $2, $3) RETURNING id`, d.Slug, d.Name, tx.Now)
	if err != nil {
		return FormatError(err, "InsertDesk", "Desk")
	}
	// The new desk starts with the settings of reports on no desk.
	_, err = tx.ExecContext(ctx, `INSERT INTO desk_settings (desk_id, approvals_required, assigned_reviewers_only, required_changes_block,
			edit_reopens_review, private_drafts, target_locales, tag_creator_roles)
		SELECT $1, approvals_required, assigned_reviewers_only, required_changes_block,
			edit_reopens_review, private_drafts, target_locales, tag_creator_roles
		FROM desk_settings WHERE desk_id IS NULL`, d.ID)
	if err != nil {
		return FormatError(err, "InsertDesk", "Desk settings")
	}
	d.CreatedAt = tx.Now
	return nil
}

// DeskBySlug returns the desk with slug. NOT_FOUND if there is none.
func DeskBySlug(ctx context.Context, q sqlx.QueryerContext, slug string) (*auth.Desk, error) {
	d, err := dirGet(ctx, q, (*deskRow).desk, `SELECT `+deskColumns+` FROM desks WHERE slug = $1`, slug)
	return d, FormatError(err, "DeskBySlug", "Desk")
}

// DeskByNameCI returns the desk named name, compared case-insensitively.
// NOT_FOUND if there is none.
func DeskByNameCI(ctx context.Context, q sqlx.QueryerContext, name string) (*auth.Desk, error) {
	d, err := dirGet(ctx, q, (*deskRow).desk, `SELECT `+deskColumns+` FROM desks WHERE lower(name) = lower($1)`, name)
	return d, FormatError(err, "DeskByNameCI", "Desk")
}

// ListDesks returns every desk, by name.
func ListDesks(ctx context.Context, q sqlx.QueryerContext) ([]*auth.Desk, error) {
	list, err := dirScan(ctx, q, (*deskRow).desk, `SELECT `+deskColumns+` FROM desks ORDER BY lower(name), id`)
	return list, FormatError(err, "ListDesks", "Desk")
}

// DesksByIDs returns the desks with the given IDs, keyed by ID, in one query.
func DesksByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*auth.Desk, error) {
	list, err := dirScan(ctx, q, (*deskRow).desk, `SELECT `+deskColumns+` FROM desks WHERE id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "DesksByIDs", "Desk")
	}
	return dirMap(list, func(d *auth.Desk) int64 { return d.ID }), nil
}

// --- users ---

// userColumns selects a user (alias u) with its grants, encoded as
// "ROLE:deskID" (0 for every desk), and its translator locales, so that one
// query returns whole users.
const userColumns = `u.id, u.email, u.display_name, u.locale, u.created_at, u.updated_at, u.disabled_at,
	ARRAY(SELECT r.role || ':' || COALESCE(r.desk_id, 0) FROM user_roles r WHERE r.user_id = u.id) AS grants,
	ARRAY(SELECT l.locale FROM user_locales l WHERE l.user_id = u.id ORDER BY l.locale COLLATE "C") AS locales`

type userRow struct {
	ID         int64          `db:"id"`
	Email      string         `db:"email"`
	Name       string         `db:"display_name"`
	Locale     string         `db:"locale"`
	CreatedAt  time.Time      `db:"created_at"`
	UpdatedAt  time.Time      `db:"updated_at"`
	DisabledAt *time.Time     `db:"disabled_at"`
	Grants     pq.StringArray `db:"grants"`
	Locales    pq.StringArray `db:"locales"`
}

func (r *userRow) user() (*auth.User, error) {
	grants, err := identDecodeGrants(r.Grants)
	if err != nil {
		return nil, err
	}
	return &auth.User{
		ID: r.ID, Email: r.Email, Name: r.Name, Locale: r.Locale,
		Grants: grants, Locales: identSorted(r.Locales),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, DisabledAt: r.DisabledAt,
	}, nil
}

// identDecodeGrants parses "ROLE:deskID" values and sorts them (auth.SortGrants).
func identDecodeGrants(raw []string) ([]auth.Grant, error) {
	out := make([]auth.Grant, 0, len(raw))
	for _, s := range raw {
		role, desk, ok := strings.Cut(s, ":")
		id, err := strconv.ParseInt(desk, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("user_roles: bad grant %q", s)
		}
		g := auth.Grant{Role: auth.Role(role)}
		if id != 0 {
			g.DeskID = &id
		}
		out = append(out, g)
	}
	return auth.SortGrants(out), nil
}

// identSorted returns a sorted, non-nil copy of a text array.
func identSorted(a pq.StringArray) []string {
	out := make([]string, len(a))
	copy(out, a)
	slices.Sort(out)
	return out
}

// InsertUser stores a new user with its grants and locales, setting its ID,
// CreatedAt and UpdatedAt (tx.Now). CONFLICT with constraint users_email_key
// when another user has the email, compared case-insensitively.
func InsertUser(ctx context.Context, tx *Tx, u *auth.User) error {
	err := tx.GetContext(ctx, &u.ID, `
		INSERT INTO users (email, display_name, locale, created_at, updated_at, disabled_at)
		VALUES ($1, $2, $3, $4, $4, $5) RETURNING id`, u.Email, u.Name, u.Locale, tx.Now, u.DisabledAt)
	if err != nil {
		return FormatError(err, "InsertUser", "User")
	}
	u.CreatedAt, u.UpdatedAt = tx.Now, tx.Now
	return identWriteGrants(ctx, tx, u.ID, u.Grants, u.Locales)
}

// SetUserGrants replaces the grants and translator locales of user id and
// bumps its updated_at. NOT_FOUND if there is no such user.
func SetUserGrants(ctx context.Context, tx *Tx, id int64, grants []auth.Grant, locales []string) error {
	res, err := tx.ExecContext(ctx, `UPDATE users SET updated_at = $2 WHERE id = $1`, id, tx.Now)
	if err := identOneRow(res, err, "SetUserGrants", "User"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_roles WHERE user_id = $1`, id); err != nil {
		return FormatError(err, "SetUserGrants", "Role")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_locales WHERE user_id = $1`, id); err != nil {
		return FormatError(err, "SetUserGrants", "Locale")
	}
	return identWriteGrants(ctx, tx, id, grants, locales)
}

// identWriteGrants inserts grants and locales of a user that has none.
func identWriteGrants(ctx context.Context, tx *Tx, userID int64, grants []auth.Grant, locales []string) error {
	if len(grants) > 0 {
		roles := make([]string, len(grants))
		desks := make([]int64, len(grants))
		for i, g := range grants {
			roles[i] = string(g.Role)
			if g.DeskID != nil {
				desks[i] = *g.DeskID
			}
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO user_roles (user_id, role, desk_id)
			SELECT $1, r, NULLIF(d, 0) FROM unnest($2::text[], $3::bigint[]) AS g (r, d)
			ON CONFLICT DO NOTHING`, userID, pq.Array(roles), pq.Array(desks))
		if err != nil {
			return FormatError(err, "identWriteGrants", "Role")
		}
	}
	if len(locales) > 0 {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO user_locales (user_id, locale) SELECT $1, l FROM unnest($2::text[]) AS l
			ON CONFLICT DO NOTHING`, userID, pq.Array(locales))
		if err != nil {
			return FormatError(err, "identWriteGrants", "Locale")
		}
	}
	return nil
}

// SetUserDisabled disables user id as of at, or enables it when at is nil,
// and bumps its updated_at. NOT_FOUND if there is no such user.
func SetUserDisabled(ctx context.Context, tx *Tx, id int64, at *time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE users SET disabled_at = $2, updated_at = $3 WHERE id = $1`, id, at, tx.Now)
	return identOneRow(res, err, "SetUserDisabled", "User")
}

// identOneRow turns an UPDATE that matched no row into NOT_FOUND.
func identOneRow(res interface{ RowsAffected() (int64, error) }, err error, op, what string) error {
	if err != nil {
		return FormatError(err, op, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return FormatError(err, op, what)
	}
	if n == 0 {
		return cerr.Errorf(cerr.NotFound, "%s not found.", what)
	}
	return nil
}

// LockUser returns user id, locking its row until tx ends. NOT_FOUND if
// there is none.
func LockUser(ctx context.Context, tx *Tx, id int64) (*auth.User, error) {
	u, err := dirGet(ctx, tx, (*userRow).user, `SELECT `+userColumns+` FROM users u WHERE u.id = $1 FOR UPDATE OF u`, id)
	return u, FormatError(err, "LockUser", "User")
}

// UsersByIDs returns the users with the given IDs, keyed by ID, in one query.
func UsersByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*auth.User, error) {
	list, err := dirScan(ctx, q, (*userRow).user, `SELECT `+userColumns+` FROM users u WHERE u.id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "UsersByIDs", "User")
	}
	return dirMap(list, func(u *auth.User) int64 { return u.ID }), nil
}

// UserByEmail returns the user with email, compared case-insensitively.
// NOT_FOUND if there is none.
func UserByEmail(ctx context.Context, q sqlx.QueryerContext, email string) (*auth.User, error) {
	u, err := dirGet(ctx, q, (*userRow).user, `SELECT `+userColumns+` FROM users u WHERE lower(u.email) = lower($1)`, email)
	return u, FormatError(err, "UserByEmail", "User")
}

// ListUsers returns up to first users with IDs above after, by ID.
func ListUsers(ctx context.Context, q sqlx.QueryerContext, first int, after int64) ([]*auth.User, error) {
	list, err := dirScan(ctx, q, (*userRow).user, `SELECT `+userColumns+` FROM users u WHERE u.id > $1 ORDER BY u.id LIMIT $2`, after, first)
	return list, FormatError(err, "ListUsers", "User")
}

// AnyUser reports whether the users table has a row.
func AnyUser(ctx context.Context, q sqlx.QueryerContext) (bool, error) {
	var exists bool
	err := sqlx.GetContext(ctx, q, &exists, `SELECT EXISTS (SELECT 1 FROM users)`)
	return exists, FormatError(err, "AnyUser", "User")
}

// OtherEnabledAdmins returns how many enabled users other than userID hold
// the ADMIN role.
func OtherEnabledAdmins(ctx context.Context, q sqlx.QueryerContext, userID int64) (int, error) {
	var n int
	err := sqlx.GetContext(ctx, q, &n, `
		SELECT count(DISTINCT u.id) FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = 'ADMIN'
		WHERE u.id <> $1 AND u.disabled_at IS NULL`, userID)
	return n, FormatError(err, "OtherEnabledAdmins", "User")
}

// --- API tokens ---

const tokenColumns = `id, user_id, name, prefix, scope, created_at, expires_at, revoked_at, last_used_at`

type tokenRow struct {
	ID         int64      `db:"id"`
	UserID     int64      `db:"user_id"`
	Name       string     `db:"name"`
	Prefix     string     `db:"prefix"`
	Scope      string     `db:"scope"`
	CreatedAt  time.Time  `db:"created_at"`
	ExpiresAt  *time.Time `db:"expires_at"`
	RevokedAt  *time.Time `db:"revoked_at"`
	LastUsedAt *time.Time `db:"last_used_at"`
}

func (r *tokenRow) token() (*auth.Token, error) {
	return &auth.Token{
		ID: r.ID, UserID: r.UserID, Name: r.Name, Prefix: r.Prefix, Scope: auth.Scope(r.Scope),
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt, LastUsedAt: r.LastUsedAt,
	}, nil
}

// InsertToken stores a token of t.UserID with the given SHA-256 hash,
// setting t.ID and t.CreatedAt (tx.Now).
func InsertToken(ctx context.Context, tx *Tx, t *auth.Token, hash []byte) error {
	err := tx.GetContext(ctx, &t.ID, `
		INSERT INTO api_tokens (user_id, name, token_hash, prefix, scope, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		t.UserID, t.Name, hash, t.Prefix, string(t.Scope), tx.Now, t.ExpiresAt)
	if err != nil {
		return FormatError(err, "InsertToken", "API token")
	}
	t.CreatedAt = tx.Now
	return nil
}

// TokenByID returns token id (never its hash). NOT_FOUND if there is none.
func TokenByID(ctx context.Context, q sqlx.QueryerContext, id int64) (*auth.Token, error) {
	t, err := dirGet(ctx, q, (*tokenRow).token, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = $1`, id)
	return t, FormatError(err, "TokenByID", "API token")
}

// LockToken returns token id (never its hash), locking its row until tx
// ends. NOT_FOUND if there is none.
func LockToken(ctx context.Context, tx *Tx, id int64) (*auth.Token, error) {
	t, err := dirGet(ctx, tx, (*tokenRow).token, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = $1 FOR UPDATE`, id)
	return t, FormatError(err, "LockToken", "API token")
}

// TokensByUser returns the tokens of user userID, newest first.
func TokensByUser(ctx context.Context, q sqlx.QueryerContext, userID int64) ([]*auth.Token, error) {
	list, err := dirScan(ctx, q, (*tokenRow).token, `SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, userID)
	return list, FormatError(err, "TokensByUser", "API token")
}

// RevokeToken marks token id revoked as of tx.Now, unless it already was
// (then its first revocation time stays), and returns it. NOT_FOUND if
// there is no such token.
func RevokeToken(ctx context.Context, tx *Tx, id int64) (*auth.Token, error) {
	t, err := dirGet(ctx, tx, (*tokenRow).token, `
		UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1
		RETURNING `+tokenColumns, id, tx.Now)
	return t, FormatError(err, "RevokeToken", "API token")
}

// TokenViewer is an API token with its user, as Authenticate needs them.
type TokenViewer struct {
	Token auth.Token
	User  auth.User
}

type tokenViewerRow struct {
	tokenRow
	UserEmail      string         `db:"email"`
	UserName       string         `db:"display_name"`
	UserLocale     string         `db:"locale"`
	UserCreatedAt  time.Time      `db:"user_created_at"`
	UserUpdatedAt  time.Time      `db:"user_updated_at"`
	UserDisabledAt *time.Time     `db:"disabled_at"`
	Grants         pq.StringArray `db:"grants"`
	Locales        pq.StringArray `db:"locales"`
}

// TokenViewerByHash returns the token whose SHA-256 hash is hash, with its
// user, grants and locales, in one query. NOT_FOUND if there is none. It
// does not look at expiry, revocation or whether the user is disabled.
func TokenViewerByHash(ctx context.Context, q sqlx.QueryerContext, hash []byte) (*TokenViewer, error) {
	var r tokenViewerRow
	err := sqlx.GetContext(ctx, q, &r, `
		SELECT t.id, t.user_id, t.name, t.prefix, t.scope, t.created_at, t.expires_at, t.revoked_at, t.last_used_at,
			u.email, u.display_name, u.locale, u.created_at AS user_created_at, u.updated_at AS user_updated_at, u.disabled_at,
			ARRAY(SELECT ro.role || ':' || COALESCE(ro.desk_id, 0) FROM user_roles ro WHERE ro.user_id = u.id) AS grants,
			ARRAY(SELECT l.locale FROM user_locales l WHERE l.user_id = u.id ORDER BY l.locale COLLATE "C") AS locales
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1`, hash)
	if err != nil {
		return nil, FormatError(err, "TokenViewerByHash", "API token")
	}
	t, _ := r.token()
	u, err := (&userRow{
		ID: r.UserID, Email: r.UserEmail, Name: r.UserName, Locale: r.UserLocale,
		CreatedAt: r.UserCreatedAt, UpdatedAt: r.UserUpdatedAt, DisabledAt: r.UserDisabledAt,
		Grants: r.Grants, Locales: r.Locales,
	}).user()
	if err != nil {
		return nil, err
	}
	return &TokenViewer{Token: *t, User: *u}, nil
}

// TouchToken sets last_used_at of token id to now, unless it was set less
// than a minute before now: one conditional UPDATE, so concurrent requests
// with one token write at most once a minute. It reports whether it wrote.
func TouchToken(ctx context.Context, q sqlx.ExecerContext, id int64, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `
		UPDATE api_tokens SET last_used_at = $2
		WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`, id, now)
	if err != nil {
		return false, FormatError(err, "TouchToken", "API token")
	}
	n, err := res.RowsAffected()
	return n > 0, FormatError(err, "TouchToken", "API token")
}
