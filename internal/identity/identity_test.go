package identity_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// ctx acts as the System viewer, an admin, as the operator CLI does; the
// permission tests make their own contexts.
var ctx = auth.WithViewer(context.Background(), auth.System())

// clock is a controllable time source for postgres.DB.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newService(t *testing.T) (*identity.Service, *postgres.DB, *clock) {
	t.Helper()
	db := postgres.Wrap(pgtest.NewDB(t))
	c := &clock{t: time.Date(2030, 5, 1, 9, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	return identity.New(db), db, c
}

func mustDesk(t *testing.T, s *identity.Service, slug, name string) *auth.Desk {
	t.Helper()
	d, err := s.CreateDesk(ctx, slug, name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustUser(t *testing.T, s *identity.Service, email string, grants ...auth.Grant) *auth.User {
	t.Helper()
	u, err := s.CreateUser(ctx, identity.NewUser{Email: email, Name: "User " + email, Grants: grants})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustToken(t *testing.T, s *identity.Service, userID int64, expires *time.Time, scope auth.Scope) (string, *auth.Token) {
	t.Helper()
	tok, tk, err := s.CreateToken(ctx, userID, "test", expires, scope)
	if err != nil {
		t.Fatal(err)
	}
	return tok, tk
}

func grantString(gs []auth.Grant) string {
	var b strings.Builder
	for i, g := range gs {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(string(g.Role))
		if g.DeskID != nil {
			fmt.Fprintf(&b, "@%d", *g.DeskID)
		}
	}
	return b.String()
}

func count(t *testing.T, db *postgres.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.GetContext(ctx, &n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCreateUser(t *testing.T) {
	s, db, c := newService(t)
	politics := mustDesk(t, s, "politics", "Politics")
	sport := mustDesk(t, s, "sport", "Sport")
	u, err := s.CreateUser(ctx, identity.NewUser{
		Email:  "  Li.Wei@Example.org ",
		Name:   " Li Wei ",
		Locale: "zh-hans",
		Grants: []auth.Grant{
			{Role: auth.Translator, DeskID: &sport.ID}, {Role: auth.Reporter}, {Role: auth.Translator, DeskID: &politics.ID}, {Role: auth.Reporter},
		},
		Locales: []string{"ja", "zh-hant", "JA"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Email != "Li.Wei@Example.org" || u.Name != "Li Wei" || u.Locale != "zh-Hans" || !u.CreatedAt.Equal(c.Now()) || u.DisabledAt != nil {
		t.Fatalf("user = %+v", u)
	}
	wantGrants := fmt.Sprintf("REPORTER TRANSLATOR@%d TRANSLATOR@%d", politics.ID, sport.ID)
	if got := grantString(u.Grants); got != wantGrants {
		t.Fatalf("grants = %s, want %s", got, wantGrants)
	}
	if fmt.Sprint(u.Locales) != "[ja zh-Hant]" {
		t.Fatalf("locales = %v", u.Locales)
	}
	// What is stored reads back the same, by ID and by email in any case.
	byID, err := s.UsersByIDs(ctx, []int64{u.ID, 9999})
	if err != nil || len(byID) != 1 {
		t.Fatalf("UsersByIDs = %v, %v", byID, err)
	}
	byEmail, err := s.UserByEmail(ctx, "li.wei@EXAMPLE.org")
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []*auth.User{byID[u.ID], byEmail} {
		if got.Email != u.Email || grantString(got.Grants) != wantGrants || fmt.Sprint(got.Locales) != "[ja zh-Hant]" || got.Locale != "zh-Hans" || !got.CreatedAt.Equal(u.CreatedAt) {
			t.Fatalf("read back %+v, want %+v", got, u)
		}
	}
	if _, err := s.UserByEmail(ctx, "nobody@example.org"); cerr.Code(err) != cerr.NotFound {
		t.Fatalf("UserByEmail(unknown) = %v", err)
	}
	// Default locale; no grants at all is allowed.
	plain, err := s.CreateUser(ctx, identity.NewUser{Email: "reader@localhost", Name: "Reader"})
	if err != nil || plain.Locale != "en" || len(plain.Grants) != 0 || plain.Locales == nil {
		t.Fatalf("plain user = %+v, %v", plain, err)
	}

	before := count(t, db, `SELECT count(*) FROM users`)
	fails := []struct {
		name  string
		in    identity.NewUser
		code  string
		field string
	}{
		{"duplicate email", identity.NewUser{Email: "LI.WEI@example.ORG", Name: "X"}, cerr.Conflict, "input.email"},
		{"no email", identity.NewUser{Email: " ", Name: "X"}, cerr.Invalid, "input.email"},
		{"no at", identity.NewUser{Email: "li.example.org", Name: "X"}, cerr.Invalid, "input.email"},
		{"two ats", identity.NewUser{Email: "a@b@c", Name: "X"}, cerr.Invalid, "input.email"},
		{"display name form", identity.NewUser{Email: "Li <li@example.org>", Name: "X"}, cerr.Invalid, "input.email"},
		{"space", identity.NewUser{Email: "li wei@example.org", Name: "X"}, cerr.Invalid, "input.email"},
		{"bad domain", identity.NewUser{Email: "li@exa_mple.org", Name: "X"}, cerr.Invalid, "input.email"},
		{"empty label", identity.NewUser{Email: "li@example..org", Name: "X"}, cerr.Invalid, "input.email"},
		{"too long", identity.NewUser{Email: strings.Repeat("a", 60) + "@" + strings.Repeat("b", 200) + ".org", Name: "X"}, cerr.Invalid, "input.email"},
		{"no name", identity.NewUser{Email: "n@example.org", Name: "  "}, cerr.Invalid, "input.name"},
		{"long name", identity.NewUser{Email: "n@example.org", Name: strings.Repeat("名", 201)}, cerr.Invalid, "input.name"},
		{"two-line name", identity.NewUser{Email: "n@example.org", Name: "a\nb"}, cerr.Invalid, "input.name"},
		{"bad locale", identity.NewUser{Email: "n@example.org", Name: "N", Locale: "xx-YY"}, cerr.Invalid, "input.locale"},
		{"unknown role", identity.NewUser{Email: "n@example.org", Name: "N", Grants: []auth.Grant{{Role: auth.Editor}, {Role: "OWNER"}}}, cerr.Invalid, "input.grants.1.role"},
		{"desk admin", identity.NewUser{Email: "n@example.org", Name: "N", Grants: []auth.Grant{{Role: auth.Admin, DeskID: &politics.ID}}}, cerr.Invalid, "input.grants.0.deskId"},
		{"unknown desk", identity.NewUser{Email: "n@example.org", Name: "N", Grants: []auth.Grant{{Role: auth.Editor, DeskID: &sport.ID}, {Role: auth.Reporter, DeskID: testkit.Ptr(int64(424242))}}}, cerr.NotFound, "input.grants.1.deskId"},
		{"bad translator locale", identity.NewUser{Email: "n@example.org", Name: "N", Grants: []auth.Grant{{Role: auth.Translator}}, Locales: []string{"ja", "zz"}}, cerr.Invalid, "input.locales.1"},
		{"locales without translator", identity.NewUser{Email: "n@example.org", Name: "N", Grants: []auth.Grant{{Role: auth.Editor}}, Locales: []string{"ja"}}, cerr.Invalid, "input.locales"},
		{"translator without locales", identity.NewUser{Email: "n@example.org", Name: "N", Grants: []auth.Grant{{Role: auth.Translator}}}, cerr.Invalid, "input.locales"},
	}
	for _, f := range fails {
		t.Run(f.name, func(t *testing.T) {
			_, err := s.CreateUser(ctx, f.in)
			testkit.WantErr(t, err, f.code, f.field)
		})
	}
	if after := count(t, db, `SELECT count(*) FROM users`); after != before {
		t.Fatalf("failed creations left %d users, want %d", after, before)
	}
}

func TestCreateUserConcurrentSameEmail(t *testing.T) {
	s, db, _ := newService(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email := "same@example.org"
			if i%2 == 1 {
				email = "SAME@Example.ORG"
			}
			_, errs[i] = s.CreateUser(ctx, identity.NewUser{Email: email, Name: "Same"})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case cerr.Is(err, cerr.Conflict) && cerr.As(err).Field == "input.email":
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if ok != 1 || count(t, db, `SELECT count(*) FROM users`) != 1 {
		t.Fatalf("%d creations succeeded, want 1", ok)
	}
}

func TestUpdateUserRolesAndLastAdmin(t *testing.T) {
	s, _, c := newService(t)
	desk := mustDesk(t, s, "world", "World")
	admin := mustUser(t, s, "admin@example.org", auth.Grant{Role: auth.Admin})
	c.Advance(time.Hour)
	u, err := s.UpdateUserRoles(ctx, admin.ID, []auth.Grant{{Role: auth.Admin}, {Role: auth.Translator, DeskID: &desk.ID}}, []string{"ko-kr"})
	if err != nil {
		t.Fatal(err)
	}
	if got := grantString(u.Grants); got != fmt.Sprintf("ADMIN TRANSLATOR@%d", desk.ID) || fmt.Sprint(u.Locales) != "[ko-KR]" || !u.UpdatedAt.Equal(c.Now()) {
		t.Fatalf("updated user = %+v", u)
	}
	// The only admin cannot lose the role or be disabled.
	_, err = s.UpdateUserRoles(ctx, admin.ID, []auth.Grant{{Role: auth.Editor}}, nil)
	testkit.WantErr(t, err, cerr.Conflict, "input.grants")
	_, err = s.SetUserDisabled(ctx, admin.ID, true)
	testkit.WantErr(t, err, cerr.Conflict, "input.userId")
	// With a second admin, both are possible.
	second := mustUser(t, s, "second@example.org", auth.Grant{Role: auth.Admin})
	u, err = s.UpdateUserRoles(ctx, admin.ID, []auth.Grant{{Role: auth.Editor, DeskID: &desk.ID}}, nil)
	if err != nil || grantString(u.Grants) != fmt.Sprintf("EDITOR@%d", desk.ID) || len(u.Locales) != 0 {
		t.Fatalf("demote = %+v, %v", u, err)
	}
	got, _ := s.UsersByIDs(ctx, []int64{admin.ID})
	if grantString(got[admin.ID].Grants) != fmt.Sprintf("EDITOR@%d", desk.ID) || len(got[admin.ID].Locales) != 0 {
		t.Fatalf("stored grants = %+v", got[admin.ID])
	}
	_, err = s.SetUserDisabled(ctx, second.ID, true)
	testkit.WantErr(t, err, cerr.Conflict, "input.userId")

	_, err = s.UpdateUserRoles(ctx, 987654, nil, nil)
	testkit.WantErr(t, err, cerr.NotFound, "input.userId")
	_, err = s.UpdateUserRoles(ctx, admin.ID, []auth.Grant{{Role: auth.Reporter, DeskID: testkit.Ptr(int64(5555))}}, nil)
	testkit.WantErr(t, err, cerr.NotFound, "input.grants.0.deskId")
}

func TestUsersPaging(t *testing.T) {
	s, _, _ := newService(t)
	var ids []int64
	for i := range 5 {
		ids = append(ids, mustUser(t, s, fmt.Sprintf("u%d@example.org", i)).ID)
	}
	var got []int64
	var after int64
	for {
		page, err := s.Users(ctx, 2, after)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, u := range page {
			got = append(got, u.ID)
		}
		after = page[len(page)-1].ID
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Fatalf("paged IDs %v, want %v", got, ids)
	}
	for _, first := range []int{0, -1, 101} {
		_, err := s.Users(ctx, first, 0)
		testkit.WantErr(t, err, cerr.Invalid, "first")
	}
}

func TestCreateDesk(t *testing.T) {
	s, _, _ := newService(t)
	d := mustDesk(t, s, "culture", " Culture ")
	if d.ID == 0 || d.Name != "Culture" || d.Slug != "culture" {
		t.Fatalf("desk = %+v", d)
	}
	mustDesk(t, s, "arts", "Arts")
	_, err := s.CreateDesk(ctx, "culture", "Other")
	testkit.WantErr(t, err, cerr.Conflict, "input.slug")
	_, err = s.CreateDesk(ctx, "culture-2", "CULTURE")
	testkit.WantErr(t, err, cerr.Conflict, "input.name")
	_, err = s.CreateDesk(ctx, "Bad Slug", "Bad")
	testkit.WantErr(t, err, cerr.Invalid, "input.slug")
	_, err = s.CreateDesk(ctx, "ok", "")
	testkit.WantErr(t, err, cerr.Invalid, "input.name")
	list, err := s.Desks(ctx)
	if err != nil || len(list) != 2 || list[0].Slug != "arts" || list[1].Slug != "culture" {
		t.Fatalf("Desks = %+v, %v", list, err)
	}
	m, err := s.DesksByIDs(ctx, []int64{d.ID, 777})
	if err != nil || len(m) != 1 || m[d.ID].Slug != "culture" {
		t.Fatalf("DesksByIDs = %+v, %v", m, err)
	}
	if _, err := s.DeskBySlug(ctx, "nope"); cerr.Code(err) != cerr.NotFound {
		t.Fatalf("DeskBySlug(unknown) = %v", err)
	}
}

func TestTokensAreStoredHashedOnly(t *testing.T) {
	s, db, _ := newService(t)
	u := mustUser(t, s, "hash@example.org", auth.Grant{Role: auth.Editor})
	var tokens []string
	for range 3 {
		tok, tk := mustToken(t, s, u.ID, nil, auth.ScopeFull)
		if tk.Prefix != tok[4:12] || tk.UserID != u.ID || tk.Scope != auth.ScopeFull {
			t.Fatalf("token = %+v for %s", tk, tok)
		}
		tokens = append(tokens, tok)
	}
	var rows []string
	if err := db.SelectContext(ctx, &rows, `SELECT t::text FROM api_tokens t`); err != nil {
		t.Fatal(err)
	}
	var all string
	if err := db.GetContext(ctx, &all, `SELECT concat_ws(E'\n',
		(SELECT string_agg(x::text, E'\n') FROM api_tokens x),
		(SELECT string_agg(x::text, E'\n') FROM users x),
		(SELECT string_agg(x::text, E'\n') FROM user_roles x))`); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d api_tokens rows, want 3", len(rows))
	}
	for _, tok := range tokens {
		secret := tok[4:]
		for _, row := range append(rows, all) {
			if strings.Contains(row, tok) || strings.Contains(row, secret) || strings.Contains(row, secret[8:]) {
				t.Fatalf("a row holds the token %s: %s", tok, row)
			}
		}
		hash := hex.EncodeToString(auth.HashToken(tok))
		if !strings.Contains(strings.Join(rows, "\n"), hash) {
			t.Fatalf("no row holds the SHA-256 of %s", tok)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	s, _, _ := newService(t)
	desk := mustDesk(t, s, "business", "Business")
	u, err := s.CreateUser(ctx, identity.NewUser{
		Email: "t@example.org", Name: "Tr", Locale: "ja",
		Grants:  []auth.Grant{{Role: auth.Translator, DeskID: &desk.ID}, {Role: auth.Reviewer}},
		Locales: []string{"ja", "ko"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, tk := mustToken(t, s, u.ID, nil, auth.ScopeFull)
	for _, bearer := range []string{tok, "Bearer " + tok, " bearer  " + tok + " "} {
		v, err := s.Authenticate(ctx, bearer)
		if err != nil {
			t.Fatalf("Authenticate(%q): %v", bearer, err)
		}
		if v.UserID != u.ID || v.TokenID != tk.ID || v.Email != u.Email || v.Name != "Tr" || v.Locale != "ja" || v.Scope != auth.ScopeFull ||
			grantString(v.Grants) != fmt.Sprintf("REVIEWER TRANSLATOR@%d", desk.ID) || fmt.Sprint(v.Locales) != "[ja ko]" {
			t.Fatalf("viewer = %+v", v)
		}
		if !v.SeesDrafts() || auth.Check(v, auth.EditTranslation, auth.Resource{DeskID: &desk.ID, Locale: "ko"}) != nil {
			t.Fatalf("viewer %+v cannot do what its grants allow", v)
		}
	}
	ro, _ := mustToken(t, s, u.ID, nil, auth.ScopeReadPublished)
	v, err := s.Authenticate(ctx, ro)
	if err != nil || v.Scope != auth.ScopeReadPublished || v.SeesDrafts() {
		t.Fatalf("read-published viewer = %+v, %v", v, err)
	}
	if err := auth.Check(v, auth.ReadDrafts, auth.Resource{}); cerr.Code(err) != cerr.Forbidden {
		t.Fatalf("read-published token may read drafts: %v", err)
	}

	unknown, _, _, _ := auth.NewToken()
	bad := []string{"", "Bearer", "nonsense", unknown, "Bearer " + unknown, tok[:len(tok)-2], tok + "x", "Basic " + tok}
	for _, bearer := range bad {
		_, err := s.Authenticate(ctx, bearer)
		e := testkit.WantErr(t, err, cerr.Unauthenticated, "")
		if e.Message != identity.MsgTokenInvalid {
			t.Errorf("Authenticate(%q) message %q", bearer, e.Message)
		}
		if bearer != "" && strings.Contains(e.Error(), strings.TrimPrefix(bearer, "Bearer ")) {
			t.Errorf("error %q echoes the token", e.Error())
		}
	}
}

func TestExpiryAndRevocationTakeEffectImmediately(t *testing.T) {
	s, _, c := newService(t)
	u := mustUser(t, s, "e@example.org", auth.Grant{Role: auth.Editor})
	exp := c.Now().Add(time.Hour)
	expiring, _ := mustToken(t, s, u.ID, &exp, auth.ScopeFull)
	lasting, lastingTk := mustToken(t, s, u.ID, nil, auth.ScopeFull)

	if _, err := s.Authenticate(ctx, expiring); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Hour - time.Microsecond)
	if _, err := s.Authenticate(ctx, expiring); err != nil {
		t.Fatalf("a microsecond before expiry: %v", err)
	}
	c.Advance(time.Microsecond)
	_, err := s.Authenticate(ctx, expiring)
	if e := testkit.WantErr(t, err, cerr.Unauthenticated, ""); e.Message != identity.MsgTokenExpired || strings.Contains(e.Message, expiring[4:]) {
		t.Fatalf("expired: %v", err)
	}

	if _, err := s.Authenticate(ctx, lasting); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RevokeToken(ctx, lastingTk.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Authenticate(ctx, lasting)
	if e := testkit.WantErr(t, err, cerr.Unauthenticated, ""); e.Message != identity.MsgTokenRevoked {
		t.Fatalf("revoked: %v", err)
	}
	// Revoking again is a no-op that keeps the first revocation time.
	first, _ := s.TokenByID(ctx, lastingTk.ID)
	c.Advance(time.Hour)
	if _, err := s.RevokeToken(ctx, lastingTk.ID); err != nil {
		t.Fatal(err)
	}
	again, _ := s.TokenByID(ctx, lastingTk.ID)
	if first.RevokedAt == nil || !again.RevokedAt.Equal(*first.RevokedAt) {
		t.Fatalf("revoked_at %v then %v", first.RevokedAt, again.RevokedAt)
	}
	_, err = s.RevokeToken(ctx, 98765)
	testkit.WantErr(t, err, cerr.NotFound, "input.id")

	// Creating a token that is already expired is refused.
	past := c.Now().Add(-time.Second)
	_, _, err = s.CreateToken(ctx, u.ID, "old", &past, auth.ScopeFull)
	testkit.WantErr(t, err, cerr.Invalid, "input.expiresAt")
	_, _, err = s.CreateToken(ctx, u.ID, " ", nil, auth.ScopeFull)
	testkit.WantErr(t, err, cerr.Invalid, "input.name")
	_, _, err = s.CreateToken(ctx, u.ID, "x", nil, "ALL")
	testkit.WantErr(t, err, cerr.Invalid, "input.scope")
	_, _, err = s.CreateToken(ctx, 424242, "x", nil, auth.ScopeFull)
	testkit.WantErr(t, err, cerr.NotFound, "input.userId")
}

func TestLastUsedAtIsThrottled(t *testing.T) {
	s, db, c := newService(t)
	u := mustUser(t, s, "l@example.org", auth.Grant{Role: auth.Reporter})
	tok, tk := mustToken(t, s, u.ID, nil, auth.ScopeFull)
	lastUsed := func() *time.Time {
		t.Helper()
		var at *time.Time
		if err := db.GetContext(ctx, &at, `SELECT last_used_at FROM api_tokens WHERE id = $1`, tk.ID); err != nil {
			t.Fatal(err)
		}
		return at
	}
	if lastUsed() != nil {
		t.Fatal("a new token has last_used_at")
	}
	t0 := c.Now()
	auth1 := func() {
		t.Helper()
		if _, err := s.Authenticate(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	auth1()
	if at := lastUsed(); at == nil || !at.Equal(t0) {
		t.Fatalf("last_used_at = %v, want %v", at, t0)
	}
	c.Advance(30 * time.Second)
	auth1()
	c.Advance(29 * time.Second)
	auth1()
	if at := lastUsed(); !at.Equal(t0) {
		t.Fatalf("within a minute last_used_at moved to %v", at)
	}
	c.Advance(2 * time.Second) // 61 s after t0
	auth1()
	if at := lastUsed(); !at.Equal(c.Now()) {
		t.Fatalf("after a minute last_used_at = %v, want %v", at, c.Now())
	}
	// The UPDATE itself is conditional: a racing writer with a stale view
	// does not move the time back or write within the minute.
	wrote, err := postgres.TouchToken(ctx, db, tk.ID, c.Now().Add(10*time.Second))
	if err != nil || wrote {
		t.Fatalf("TouchToken within the minute wrote %v, %v", wrote, err)
	}
	listed, err := s.Tokens(ctx, u.ID)
	if err != nil || len(listed) != 1 || listed[0].LastUsedAt == nil || !listed[0].LastUsedAt.Equal(c.Now()) {
		t.Fatalf("Tokens = %+v, %v", listed, err)
	}
}

func TestDisabledUserCannotAuthenticate(t *testing.T) {
	s, _, c := newService(t)
	mustUser(t, s, "boss@example.org", auth.Grant{Role: auth.Admin})
	u := mustUser(t, s, "d@example.org", auth.Grant{Role: auth.Editor})
	tok, _ := mustToken(t, s, u.ID, nil, auth.ScopeFull)
	if _, err := s.Authenticate(ctx, tok); err != nil {
		t.Fatal(err)
	}
	d, err := s.SetUserDisabled(ctx, u.ID, true)
	if err != nil || d.DisabledAt == nil || !d.DisabledAt.Equal(c.Now()) {
		t.Fatalf("disable = %+v, %v", d, err)
	}
	_, err = s.Authenticate(ctx, tok)
	if e := testkit.WantErr(t, err, cerr.Unauthenticated, ""); e.Message != identity.MsgUserDisabled {
		t.Fatalf("disabled: %v", err)
	}
	_, _, err = s.CreateToken(ctx, u.ID, "new", nil, auth.ScopeFull)
	testkit.WantErr(t, err, cerr.Conflict, "input.userId")
	c.Advance(time.Minute)
	again, err := s.SetUserDisabled(ctx, u.ID, true)
	if err != nil || !again.DisabledAt.Equal(*d.DisabledAt) {
		t.Fatalf("disabling twice moved disabled_at: %+v, %v", again, err)
	}
	if _, err := s.SetUserDisabled(ctx, u.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, tok); err != nil {
		t.Fatalf("enabled again: %v", err)
	}
	_, err = s.SetUserDisabled(ctx, 5555, true)
	testkit.WantErr(t, err, cerr.NotFound, "input.userId")
}

func TestTokensListNewestFirst(t *testing.T) {
	s, _, c := newService(t)
	u := mustUser(t, s, "n@example.org")
	other := mustUser(t, s, "o@example.org")
	var ids []int64
	for range 3 {
		_, tk := mustToken(t, s, u.ID, nil, auth.ScopeFull)
		ids = append([]int64{tk.ID}, ids...)
		c.Advance(time.Second)
	}
	mustToken(t, s, other.ID, nil, auth.ScopeFull)
	list, err := s.Tokens(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, tk := range list {
		got = append(got, tk.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Fatalf("Tokens = %v, want %v", got, ids)
	}
}

func TestEnsureLocalAdmin(t *testing.T) {
	s, db, _ := newService(t)
	tok, created, err := s.EnsureLocalAdmin(ctx)
	if err != nil || !created || tok == "" {
		t.Fatalf("EnsureLocalAdmin = %q, %v, %v", tok, created, err)
	}
	v, err := s.Authenticate(ctx, tok)
	if err != nil || v.Email != identity.LocalAdminEmail || !v.HasRole(auth.Admin, nil) || v.Scope != auth.ScopeFull {
		t.Fatalf("local admin viewer = %+v, %v", v, err)
	}
	if err := auth.Check(v, auth.ManageUsers, auth.Resource{}); err != nil {
		t.Fatal(err)
	}
	tks, _ := s.Tokens(ctx, v.UserID)
	if len(tks) != 1 || tks[0].Name != identity.LocalAdminToken || tks[0].ExpiresAt != nil {
		t.Fatalf("local admin tokens = %+v", tks)
	}
	tok2, created, err := s.EnsureLocalAdmin(ctx)
	if err != nil || created || tok2 != "" {
		t.Fatalf("second EnsureLocalAdmin = %q, %v, %v", tok2, created, err)
	}
	if n := count(t, db, `SELECT count(*) FROM users`); n != 1 {
		t.Fatalf("%d users", n)
	}
}

func TestEnsureLocalAdminSkipsDatabaseWithUsers(t *testing.T) {
	s, db, _ := newService(t)
	mustUser(t, s, "someone@example.org", auth.Grant{Role: auth.Editor})
	tok, created, err := s.EnsureLocalAdmin(ctx)
	if err != nil || created || tok != "" {
		t.Fatalf("EnsureLocalAdmin = %q, %v, %v", tok, created, err)
	}
	if n := count(t, db, `SELECT count(*) FROM users`); n != 1 {
		t.Fatalf("%d users", n)
	}
}

// Instances starting together (each with its own connection pool) create
// one local admin between them.
func TestEnsureLocalAdminConcurrently(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	const n = 6
	services := make([]*identity.Service, n)
	for i := range services {
		x, err := sqlx.Connect("postgres", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { x.Close() })
		services[i] = identity.New(postgres.Wrap(x))
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	tokens := make([]string, n)
	created := make([]bool, n)
	errs := make([]error, n)
	for i, s := range services {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			tokens[i], created[i], errs[i] = s.EnsureLocalAdmin(ctx)
		}()
	}
	close(start)
	wg.Wait()
	winners := 0
	var token string
	for i := range services {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		if created[i] {
			winners++
			token = tokens[i]
		} else if tokens[i] != "" {
			t.Fatalf("instance %d returned a token without creating one", i)
		}
	}
	if winners != 1 {
		t.Fatalf("%d instances created the admin, want 1", winners)
	}
	db := postgres.Wrap(sqlx.MustConnect("postgres", dsn))
	defer db.Close()
	if u, tk := count(t, db, `SELECT count(*) FROM users`), count(t, db, `SELECT count(*) FROM api_tokens`); u != 1 || tk != 1 {
		t.Fatalf("%d users and %d tokens, want 1 and 1", u, tk)
	}
	if _, err := identity.New(db).Authenticate(ctx, token); err != nil {
		t.Fatalf("the winner's token: %v", err)
	}
}

// as returns a context acting as user u, signed in with a new token of
// scope.
func as(t *testing.T, s *identity.Service, u *auth.User, scope auth.Scope) context.Context {
	t.Helper()
	tok, _ := mustToken(t, s, u.ID, nil, scope)
	v, err := s.Authenticate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	return auth.WithViewer(context.Background(), v)
}

// Every change checks the policy before anything else: an anonymous caller
// is UNAUTHENTICATED, a read-only token and a user who may not are
// FORBIDDEN with the policy's message, even when the input is invalid or
// names nothing that exists, and nothing is written.
func TestChangesCheckPermissionsFirst(t *testing.T) {
	s, db, _ := newService(t)
	editor := mustUser(t, s, "editor@example.org", auth.Grant{Role: auth.Editor})
	other := mustUser(t, s, "other@example.org")
	viewers := map[string]struct {
		ctx  context.Context
		code string
		msg  func(auth.Action) string
	}{
		"anonymous": {context.Background(), cerr.Unauthenticated, func(auth.Action) string { return auth.MsgSignIn }},
		"read-only": {as(t, s, editor, auth.ScopeReadPublished), cerr.Forbidden, func(auth.Action) string { return auth.MsgReadPublished }},
		"editor":    {as(t, s, editor, auth.ScopeFull), cerr.Forbidden, func(a auth.Action) string { return auth.RuleFor(a).Description }},
	}
	calls := []struct {
		name   string
		action auth.Action
		call   func(context.Context) error
	}{
		{"CreateUser", auth.ManageUsers, func(c context.Context) error {
			_, err := s.CreateUser(c, identity.NewUser{Email: "not an email"})
			return err
		}},
		{"UpdateUserRoles", auth.ManageUsers, func(c context.Context) error {
			_, err := s.UpdateUserRoles(c, 987654, []auth.Grant{{Role: "OWNER"}}, nil)
			return err
		}},
		{"UpdateUserGrants", auth.ManageUsers, func(c context.Context) error {
			_, err := s.UpdateUserGrants(c, 987654, nil)
			return err
		}},
		{"SetUserDisabled", auth.ManageUsers, func(c context.Context) error {
			_, err := s.SetUserDisabled(c, other.ID, true)
			return err
		}},
		{"Users", auth.ManageUsers, func(c context.Context) error {
			_, err := s.Users(c, 0, 0)
			return err
		}},
		{"CreateDesk", auth.ManageUsers, func(c context.Context) error {
			_, err := s.CreateDesk(c, "Bad Slug", "")
			return err
		}},
		{"CreateToken for another user", auth.CreateToken, func(c context.Context) error {
			_, _, err := s.CreateToken(c, other.ID, " ", nil, "ALL")
			return err
		}},
	}
	tables := []string{"users", "user_roles", "desks", "api_tokens", "audit_log"}
	before := make([]int, len(tables))
	for i, tb := range tables {
		before[i] = count(t, db, `SELECT count(*) FROM `+tb)
	}
	for vname, v := range viewers {
		for _, c := range calls {
			e := cerr.As(c.call(v.ctx))
			if e == nil || e.Code != v.code || e.Message != v.msg(c.action) || e.Field != "" {
				t.Errorf("%s: %s: err = %v, want %s %q", vname, c.name, e, v.code, v.msg(c.action))
			}
		}
	}
	for i, tb := range tables {
		if n := count(t, db, `SELECT count(*) FROM `+tb); n != before[i] {
			t.Errorf("%s: %d rows, was %d", tb, n, before[i])
		}
	}
	if u, _ := s.User(ctx, other.ID); u.DisabledAt != nil {
		t.Error("a refused SetUserDisabled disabled the user")
	}
	// A user may create a token for themselves.
	if _, tk, err := s.CreateToken(viewers["editor"].ctx, editor.ID, "mine", nil, auth.ScopeFull); err != nil || tk.UserID != editor.ID {
		t.Fatalf("own token = %+v, %v", tk, err)
	}
	// The System viewer has no tokens of its own.
	_, _, err := s.CreateToken(ctx, auth.System().UserID, "mine", nil, auth.ScopeFull)
	testkit.WantErr(t, err, cerr.Invalid, "input.userId")
}

// RevokeToken: the token's user or an admin, checked on the locked token;
// to anyone else the token does not exist. It returns the revoked token and
// records one audit entry.
func TestRevokeTokenOwnerOrAdmin(t *testing.T) {
	s, db, _ := newService(t)
	admin := mustUser(t, s, "admin@example.org", auth.Grant{Role: auth.Admin})
	alice := mustUser(t, s, "alice@example.org", auth.Grant{Role: auth.Reporter})
	bob := mustUser(t, s, "bob@example.org")
	asAlice, asAdmin := as(t, s, alice, auth.ScopeFull), as(t, s, admin, auth.ScopeFull)
	_, aliceTk := mustToken(t, s, alice.ID, nil, auth.ScopeFull)
	_, bobTk := mustToken(t, s, bob.ID, nil, auth.ScopeFull)
	audits := func() int {
		return count(t, db, `SELECT count(*) FROM audit_log WHERE action = 'token.revoke'`)
	}

	_, err := s.RevokeToken(asAlice, bobTk.ID)
	others := testkit.WantErr(t, err, cerr.NotFound, "input.id")
	_, err = s.RevokeToken(asAlice, 98765)
	if unknown := testkit.WantErr(t, err, cerr.NotFound, "input.id"); unknown.Message != others.Message {
		t.Errorf("someone else's token says %q, an unknown one %q", others.Message, unknown.Message)
	}
	_, err = s.RevokeToken(context.Background(), 98765)
	testkit.WantErr(t, err, cerr.Unauthenticated, "")
	_, err = s.RevokeToken(as(t, s, alice, auth.ScopeReadPublished), aliceTk.ID)
	if e := testkit.WantErr(t, err, cerr.Forbidden, ""); e.Message != auth.MsgReadPublished {
		t.Errorf("read-only token: %v", e)
	}
	if tk, _ := s.TokenByID(ctx, bobTk.ID); tk.RevokedAt != nil || audits() != 0 {
		t.Fatalf("refused revocations changed something: %+v, %d audit entries", tk, audits())
	}

	for who, c := range map[string]struct {
		ctx context.Context
		tk  *auth.Token
	}{"owner": {asAlice, aliceTk}, "admin": {asAdmin, bobTk}} {
		n := audits()
		got, err := s.RevokeToken(c.ctx, c.tk.ID)
		if err != nil {
			t.Fatalf("%s: %v", who, err)
		}
		stored, _ := s.TokenByID(ctx, c.tk.ID)
		if got.ID != c.tk.ID || got.UserID != c.tk.UserID || got.RevokedAt == nil || !got.RevokedAt.Equal(*stored.RevokedAt) {
			t.Errorf("%s: revoked token = %+v, stored %+v", who, got, stored)
		}
		if audits() != n+1 {
			t.Errorf("%s: %d token.revoke entries, want %d", who, audits(), n+1)
		}
	}
}

// UpdateUserGrants keeps the user's translator locales.
func TestUpdateUserGrantsKeepsLocales(t *testing.T) {
	s, _, _ := newService(t)
	desk := mustDesk(t, s, "world", "World")
	u, err := s.CreateUser(ctx, identity.NewUser{Email: "tr@example.org", Name: "Tr", Grants: []auth.Grant{{Role: auth.Translator}}, Locales: []string{"ja", "ko"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.UpdateUserGrants(ctx, u.ID, []auth.Grant{{Role: auth.Translator, DeskID: &desk.ID}, {Role: auth.Reviewer}})
	if err != nil || grantString(got.Grants) != fmt.Sprintf("REVIEWER TRANSLATOR@%d", desk.ID) || fmt.Sprint(got.Locales) != "[ja ko]" {
		t.Fatalf("UpdateUserGrants = %+v, %v", got, err)
	}
	// Without a TRANSLATOR grant the kept locales are refused, as if given.
	_, err = s.UpdateUserGrants(ctx, u.ID, []auth.Grant{{Role: auth.Reviewer}})
	testkit.WantErr(t, err, cerr.Invalid, "input.locales")
	_, err = s.UpdateUserGrants(ctx, 987654, []auth.Grant{{Role: "OWNER"}})
	if e := testkit.WantErr(t, err, cerr.NotFound, "input.userId"); e.Message != "User 987654 not found." {
		t.Errorf("unknown user: %v", e)
	}
}
