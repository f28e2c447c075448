package postgres_test

import (
	"context"
	"testing"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/postgres"
)

// The schema backs the identity rules even for writes that bypass the
// service.
func TestIdentityConstraints(t *testing.T) {
	db := postgres.Wrap(pgtest.NewDB(t))
	ctx := context.Background()
	var deskID, userID int64
	err := db.InTx(ctx, func(tx *postgres.Tx) error {
		d := &auth.Desk{Slug: "politics", Name: "Politics"}
		if err := postgres.InsertDesk(ctx, tx, d); err != nil {
			return err
		}
		u := &auth.User{Email: "A@Example.org", Name: "A", Locale: "en", Grants: []auth.Grant{{Role: auth.Editor, DeskID: &d.ID}, {Role: auth.Reporter}}}
		if err := postgres.InsertUser(ctx, tx, u); err != nil {
			return err
		}
		deskID, userID = d.ID, u.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	violations := []struct {
		name, sql string
		args      []any
		code      string
	}{
		{"email unique case-insensitively", `INSERT INTO users (email, display_name, locale, created_at, updated_at) VALUES ('a@EXAMPLE.ORG', 'B', 'en', now(), now())`, nil, cerr.Conflict},
		{"email shape", `INSERT INTO users (email, display_name, locale, created_at, updated_at) VALUES ('no at sign', 'B', 'en', now(), now())`, nil, cerr.Invalid},
		{"blank display name", `INSERT INTO users (email, display_name, locale, created_at, updated_at) VALUES ('b@example.org', '  ', 'en', now(), now())`, nil, cerr.Invalid},
		{"locale shape", `INSERT INTO users (email, display_name, locale, created_at, updated_at) VALUES ('b@example.org', 'B', 'not a locale', now(), now())`, nil, cerr.Invalid},
		{"unknown role", `INSERT INTO user_roles (user_id, role) VALUES ($1, 'OWNER')`, []any{userID}, cerr.Invalid},
		{"admin on one desk", `INSERT INTO user_roles (user_id, role, desk_id) VALUES ($1, 'ADMIN', $2)`, []any{userID, deskID}, cerr.Invalid},
		{"same grant twice (every desk)", `INSERT INTO user_roles (user_id, role) VALUES ($1, 'REPORTER')`, []any{userID}, cerr.Conflict},
		{"same grant twice (one desk)", `INSERT INTO user_roles (user_id, role, desk_id) VALUES ($1, 'EDITOR', $2)`, []any{userID, deskID}, cerr.Conflict},
		{"desk slug shape", `INSERT INTO desks (slug, name, created_at) VALUES ('Bad Slug', 'Bad', now())`, nil, cerr.Invalid},
		{"desk name unique case-insensitively", `INSERT INTO desks (slug, name, created_at) VALUES ('politics-2', 'POLITICS', now())`, nil, cerr.Conflict},
		{"token hash length", `INSERT INTO api_tokens (user_id, name, token_hash, prefix, scope, created_at) VALUES ($1, 'x', '\x00'::bytea, 'abcdefgh', 'FULL', now())`, []any{userID}, cerr.Invalid},
		{"token scope", `INSERT INTO api_tokens (user_id, name, token_hash, prefix, scope, created_at) VALUES ($1, 'x', sha256('t'), 'abcdefgh', 'ALL', now())`, []any{userID}, cerr.Invalid},
		{"report desk exists", `INSERT INTO reports (slug, source_locale, title, created_at, updated_at, desk_id) VALUES ('r1', 'en', 'R', now(), now(), 999999)`, nil, cerr.Invalid},
		{"report creator exists", `INSERT INTO reports (slug, source_locale, title, created_at, updated_at, created_by) VALUES ('r2', 'en', 'R', now(), now(), 999999)`, nil, cerr.Invalid},
	}
	for _, v := range violations {
		t.Run(v.name, func(t *testing.T) {
			_, err := db.ExecContext(ctx, v.sql, v.args...)
			if got := cerr.Code(postgres.FormatError(err, "test", "Row")); got != v.code {
				t.Fatalf("err = %v, want %s", err, v.code)
			}
		})
	}
	// A report outlives its creator.
	var reportID int64
	if err := db.GetContext(ctx, &reportID, `INSERT INTO reports (slug, source_locale, title, created_at, updated_at, desk_id, created_by)
		VALUES ('r3', 'en', 'R', now(), now(), NULL, $1) RETURNING id`, userID); err != nil {
		t.Fatal(err)
	}
	// Deleting a desk drops the grants limited to it; it never widens them.
	if _, err := db.ExecContext(ctx, `DELETE FROM desks WHERE id = $1`, deskID); err != nil {
		t.Fatal(err)
	}
	users, err := postgres.UsersByIDs(ctx, db, []int64{userID})
	if err != nil {
		t.Fatal(err)
	}
	if g := users[userID].Grants; len(g) != 1 || g[0].Role != auth.Reporter || g[0].DeskID != nil {
		t.Fatalf("grants after deleting the desk = %+v, want only REPORTER on every desk", g)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM users WHERE id = $1`, userID); err != nil {
		t.Fatal(err)
	}
	var createdBy *int64
	if err := db.GetContext(ctx, &createdBy, `SELECT created_by FROM reports WHERE id = $1`, reportID); err != nil || createdBy != nil {
		t.Fatalf("created_by after deleting the user = %v, %v; want NULL", createdBy, err)
	}
}

func TestTokenViewerByHash(t *testing.T) {
	db := postgres.Wrap(pgtest.NewDB(t))
	ctx := context.Background()
	tok, hash, prefix, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	var tk *auth.Token
	err = db.InTx(ctx, func(tx *postgres.Tx) error {
		u := &auth.User{Email: "t@example.org", Name: "T", Locale: "ja", Grants: []auth.Grant{{Role: auth.Translator}}, Locales: []string{"zh-Hant", "ko", "ja"}}
		if err := postgres.InsertUser(ctx, tx, u); err != nil {
			return err
		}
		tk = &auth.Token{UserID: u.ID, Name: "n", Prefix: prefix, Scope: auth.ScopeReadPublished}
		return postgres.InsertToken(ctx, tx, tk, hash)
	})
	if err != nil {
		t.Fatal(err)
	}
	tv, err := postgres.TokenViewerByHash(ctx, db, auth.HashToken(tok))
	if err != nil {
		t.Fatal(err)
	}
	if tv.Token.ID != tk.ID || tv.Token.Scope != auth.ScopeReadPublished || tv.User.Email != "t@example.org" || tv.User.Locale != "ja" ||
		len(tv.User.Grants) != 1 || tv.User.Grants[0].Role != auth.Translator || tv.User.Grants[0].DeskID != nil ||
		len(tv.User.Locales) != 3 || tv.User.Locales[0] != "ja" || tv.User.Locales[2] != "zh-Hant" {
		t.Fatalf("TokenViewerByHash = %+v", tv)
	}
	if _, err := postgres.TokenViewerByHash(ctx, db, auth.HashToken(tok+"x")); cerr.Code(err) != cerr.NotFound {
		t.Fatalf("unknown hash: %v", err)
	}
}
