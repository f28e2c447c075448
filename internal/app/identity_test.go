package app_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/internal/app"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/postgres"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var printedToken = regexp.MustCompile(`(?m)^    (cdk_[A-Za-z0-9_-]{43})$`)

// bootstrapToken returns the token of the local-admin block in out, checking
// the block says how to use it, or "" when there is no block.
func bootstrapToken(t *testing.T, out string) string {
	t.Helper()
	m := printedToken.FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		if strings.Contains(out, "cdk_") {
			t.Fatalf("stderr mentions a token but has no bootstrap block:\n%s", out)
		}
		return ""
	}
	if len(m) != 1 {
		t.Fatalf("%d tokens printed:\n%s", len(m), out)
	}
	token := m[0][1]
	for _, s := range []string{identity.LocalAdminEmail, `{"Authorization": "Bearer ` + token + `"}`, "Headers", "copydesk token create"} {
		if !strings.Contains(out, s) {
			t.Fatalf("the bootstrap block lacks %q:\n%s", s, out)
		}
	}
	return token
}

func TestExternalDatabaseBootstrapsAdminOnlyWhenAsked(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	db := postgres.Wrap(sqlx.MustConnect("postgres", dsn))
	t.Cleanup(func() { db.Close() })
	ids := identity.New(db)
	users := func() int {
		t.Helper()
		list, err := ids.Users(auth.WithViewer(context.Background(), auth.System()), 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}

	var plain syncBuffer
	t.Run("without the flag", func(t *testing.T) {
		startServer(t, app.Config{DatabaseURL: dsn, Demo: app.DemoNever, Stderr: &plain})
	})
	if users() != 0 || bootstrapToken(t, plain.String()) != "" {
		t.Fatalf("an external database got a local admin without --bootstrap-admin (%d users)", users())
	}

	var first syncBuffer
	t.Run("with the flag", func(t *testing.T) {
		startServer(t, app.Config{DatabaseURL: dsn, Demo: app.DemoNever, BootstrapAdmin: true, Stderr: &first})
	})
	token := bootstrapToken(t, first.String())
	if token == "" {
		t.Fatalf("no token printed:\n%s", first.String())
	}
	v, err := ids.Authenticate(context.Background(), token)
	if err != nil || v.Email != identity.LocalAdminEmail || !v.HasRole(auth.Admin, nil) || v.Scope != auth.ScopeFull {
		t.Fatalf("printed token: viewer %+v, %v", v, err)
	}

	var second syncBuffer
	t.Run("again", func(t *testing.T) {
		startServer(t, app.Config{DatabaseURL: dsn, Demo: app.DemoNever, BootstrapAdmin: true, Stderr: &second})
	})
	if users() != 1 || bootstrapToken(t, second.String()) != "" {
		t.Fatalf("a second start created or printed an admin again (%d users):\n%s", users(), second.String())
	}
}

func TestEmbeddedDatabaseBootstrapsLocalAdminOnce(t *testing.T) {
	dir := reachableTempDir(t)
	var first, second syncBuffer
	t.Run("first start", func(t *testing.T) {
		startServer(t, app.Config{DataDir: dir, Demo: app.DemoNever, Stderr: &first})
	})
	token := bootstrapToken(t, first.String())
	if token == "" {
		t.Fatalf("the first start of an embedded database printed no token:\n%s", first.String())
	}
	t.Run("second start", func(t *testing.T) {
		startServer(t, app.Config{DataDir: dir, Demo: app.DemoNever, Stderr: &second})
	})
	if got := bootstrapToken(t, second.String()); got != "" {
		t.Fatal("the second start printed a token again")
	}
	// The operator commands see the admin and its token (by prefix only).
	var users, tokens bytes.Buffer
	cfg := app.Config{DataDir: dir}
	if err := app.ListUsers(context.Background(), cfg, &users, quiet); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(users.String(), identity.LocalAdminEmail) || !strings.Contains(users.String(), "ADMIN") || strings.Count(users.String(), "\n") != 2 {
		t.Fatalf("user list:\n%s", users.String())
	}
	if err := app.ListTokens(context.Background(), cfg, identity.LocalAdminEmail, &tokens, quiet); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tokens.String(), token[:12]+"…") || !strings.Contains(tokens.String(), identity.LocalAdminToken) {
		t.Fatalf("token list:\n%s", tokens.String())
	}
}
