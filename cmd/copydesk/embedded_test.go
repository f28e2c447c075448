package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/copydesk/copydesk/internal/app"
	"github.com/copydesk/copydesk/internal/pgembed"
	"github.com/copydesk/copydesk/internal/pgtest"
)

// TestTokenCreateBesideARunningServer is the README's "Lost it? copydesk
// token create" while the server runs on the embedded database: the
// command uses the server's database instead of refusing, the token it
// prints works on the server at once, and the server runs on. A second
// serve on the data dir is refused, saying what to do. Once the server has
// stopped, a command starts the database itself, as before, and stops it.
func TestTokenCreateBesideARunningServer(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("COPYDESK_LOG_FORMAT", "text")
	dir := filepath.Join(reachableTempDir(t), "data")
	base, stopServer := runServer(t, app.Config{DataDir: dir, Demo: app.DemoNever})

	r := cli(t, "token", "create", "--email", "admin@localhost", "--data-dir", dir).ok(t)
	if !tokenLine.MatchString(r.stdout) {
		t.Fatalf("stdout = %q, want only a token", r.stdout)
	}
	t.Logf("token create logs:\n%s", r.stderr)
	if !strings.Contains(r.stderr, "using the PostgreSQL it runs") {
		t.Errorf("the command does not say it used the server's database:\n%s", r.stderr)
	}
	if email := viewerEmail(t, base, strings.TrimSpace(r.stdout)); email != "admin@localhost" {
		t.Fatalf("the new token is %q's on the server, want admin@localhost's", email)
	}

	refused := cli(t, "serve", "--data-dir", dir, "--addr", "127.0.0.1:0").fails(t,
		"data dir "+dir+" is in use by another copydesk process",
		"One data dir runs one server", "its own --data-dir", "--database-url")
	t.Logf("a second serve reads:\n%s", refused.stderr)
	if email := viewerEmail(t, base, strings.TrimSpace(r.stdout)); email != "admin@localhost" {
		t.Fatal("the server stopped answering after the command and the refused serve")
	}

	stopServer()
	r = cli(t, "token", "list", "--email", "admin@localhost", "--data-dir", dir).ok(t)
	if !strings.Contains(r.stdout, " cli ") || !strings.Contains(r.stderr, "embedded PostgreSQL ready") {
		t.Fatalf("token list after the server stopped:\nstdout: %s\nstderr: %s", r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "pg", "postmaster.pid")); err == nil {
		t.Fatal("postgres still runs after the command that started it ended")
	}
}

// TestAdviceOnTheEmbeddedDatabase: beyond what the error says, the CLI
// names --database-url when the embedded database cannot be used, and a
// refused serve says why one data dir runs one server.
func TestAdviceOnTheEmbeddedDatabase(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		err  error
		want string // "" for no advice
	}{
		{"token", fmt.Errorf("embedded PostgreSQL: %w", pgembed.ErrCannotJoin), "pass --database-url (env DATABASE_URL)"},
		{"user", fmt.Errorf("embedded PostgreSQL: %w", pgembed.ErrNoAccess), "pass --database-url (env DATABASE_URL)"},
		{"serve", fmt.Errorf("embedded PostgreSQL: %w", pgembed.ErrNoAccess), "pass --database-url (env DATABASE_URL)"},
		{"serve", fmt.Errorf("embedded PostgreSQL: %w", pgembed.ErrInUse), "One data dir runs one server"},
		{"token", fmt.Errorf("embedded PostgreSQL: %w", os.ErrPermission), ""},
		{"token", fmt.Errorf("user %s not found", "x@example.org"), ""},
	} {
		got := advice(tc.cmd, tc.err)
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("advice(%s, %v) = %q, want it to say %q", tc.cmd, tc.err, got, tc.want)
		}
	}
}

// runServer runs the server (app.Run) in the background, as copydesk serve
// does, and returns its base URL and a function that stops it and waits for
// it to exit (also called when the test ends).
func runServer(t *testing.T, cfg app.Config) (string, func()) {
	t.Helper()
	cfg.Addr, cfg.DrainTimeout, cfg.Stderr = "127.0.0.1:0", 5*time.Second, io.Discard
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, cfg, slog.New(slog.DiscardHandler), func(a net.Addr) { addrc <- a }) }()
	stopped := false
	stop := func() {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server exit: %v", err)
		}
	}
	select {
	case a := <-addrc:
		t.Cleanup(stop)
		return "http://" + a.String(), stop
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	case <-time.After(2 * time.Minute):
		cancel()
		t.Fatal("server did not start in 2 minutes")
	}
	return "", nil
}

// viewerEmail asks the server at base whose token is token.
func viewerEmail(t *testing.T, base, token string) string {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/graphql", strings.NewReader(`{"query": "{ viewer { email } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out struct {
		Data struct {
			Viewer *struct{ Email string }
		}
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Data.Viewer == nil {
		t.Fatalf("viewer query: %d %s (%v)", resp.StatusCode, bytes.TrimSpace(body), err)
	}
	return out.Data.Viewer.Email
}

// reachableTempDir is pgtest.ReachableTempDir for this package's tests.
func reachableTempDir(t *testing.T) string { return pgtest.ReachableTempDir(t, "copydesk-cli-test") }
