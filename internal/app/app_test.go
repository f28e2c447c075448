package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/graph"
	"github.com/copydesk/copydesk/internal/app"
	"github.com/copydesk/copydesk/internal/migrations"
	"github.com/copydesk/copydesk/internal/pgembed"
	"github.com/copydesk/copydesk/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var quiet = slog.New(slog.DiscardHandler)

// startServer runs app.Run in the background and returns its base URL; the
// server stops when the test ends.
func startServer(t *testing.T, cfg app.Config) string {
	t.Helper()
	return startServerLogging(t, cfg, quiet)
}

// startServerLogging is startServer with the server logging to log.
func startServerLogging(t *testing.T, cfg app.Config, log *slog.Logger) string {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.DrainTimeout == 0 {
		cfg.DrainTimeout = 5 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, cfg, log, func(a net.Addr) { addrc <- a }) }()
	select {
	case a := <-addrc:
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("server exit: %v", err)
			}
		})
		return "http://" + a.String()
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	case <-time.After(90 * time.Second):
		cancel()
		t.Fatal("server did not start in 90 s")
	}
	return ""
}

// reachableTempDir is pgtest.ReachableTempDir for this package's tests.
func reachableTempDir(t *testing.T) string { return pgtest.ReachableTempDir(t, "copydesk-app-test") }

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestEmbeddedDatabaseStartsStopsAndRestarts(t *testing.T) {
	dir := reachableTempDir(t)
	for run := 1; run <= 2; run++ {
		t.Run(fmt.Sprintf("start%d", run), func(t *testing.T) {
			base := startServer(t, app.Config{DataDir: dir, Demo: app.DemoNever})
			if code, body := get(t, base+"/readyz"); code != 200 {
				t.Fatalf("/readyz = %d %s, want 200", code, body)
			}
			if code, _ := get(t, base+"/healthz"); code != 200 {
				t.Fatalf("/healthz = %d, want 200", code)
			}
		})
		// The cluster is stopped with the server: the data dir is free again.
		if _, err := os.Stat(dir + "/pg/postmaster.pid"); err == nil {
			t.Fatalf("after run %d, postmaster.pid still exists: postgres was not stopped", run)
		}
	}
}

func TestReadyzFollowsTheDatabase(t *testing.T) {
	dir := reachableTempDir(t)
	cluster, err := pgembed.Start(context.Background(), pgembed.Options{Dir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cluster.Stop() })
	port := cluster.Port()
	var logged syncBuffer // see identity_test.go
	log := slog.New(slog.NewJSONHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn}))
	base := startServerLogging(t, app.Config{DatabaseURL: cluster.DSN("copydesk"), Demo: app.DemoNever}, log)
	if code, _ := get(t, base+"/readyz"); code != 200 {
		t.Fatalf("/readyz = %d with the database up, want 200", code)
	}
	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, base+"/readyz"); code != 503 {
		t.Fatalf("/readyz = %d %s with the database down, want 503", code, body)
	}
	// The response says only "database unreachable"; the log says why.
	if cause := notReadyCause(logged.String()); cause == "" || cause == "database unreachable" {
		t.Errorf("the failed check logged cause %q, want the ping's error; log:\n%s", cause, logged.String())
	}
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("/healthz = %d with the database down, want 200 (the process is up)", code)
	}
	cluster, err = pgembed.Start(context.Background(), pgembed.Options{Dir: dir, Port: port, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cluster.Stop() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := get(t, base+"/readyz")
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz = %d %s after the database came back", code, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// notReadyCause returns the cause of the first warning "not ready" in the
// JSON log, or "".
func notReadyCause(log string) string {
	for _, line := range strings.Split(log, "\n") {
		var rec struct{ Level, Msg, Cause string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Level == "WARN" && rec.Msg == "not ready" {
			return rec.Cause
		}
	}
	return ""
}

func TestReadyzIs503WhileMigrationsPending(t *testing.T) {
	dsn := pgtest.NewEmptyDSN(t)
	base := startServer(t, app.Config{DatabaseURL: dsn, NoMigrate: true, Demo: app.DemoNever})
	code, body := get(t, base+"/readyz")
	if code != 503 || !strings.Contains(body, "migrate up") {
		t.Fatalf("/readyz = %d %s, want 503 naming `migrate up`", code, body)
	}
}

func TestMigrationsUpDownUp(t *testing.T) {
	db := sqlx.MustConnect("postgres", pgtest.NewEmptyDSN(t))
	defer db.Close()
	ctx := context.Background()
	n, err := migrations.Up(ctx, db.DB, nil)
	if err != nil || n == 0 {
		t.Fatalf("up: applied %d, err %v", n, err)
	}
	if ok, _ := migrations.Current(ctx, db.DB); !ok {
		t.Fatal("not current after up")
	}
	if _, err := migrations.Down(ctx, db.DB, true, nil); err != nil {
		t.Fatalf("down --all: %v", err)
	}
	var tables int
	db.Get(&tables, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'goose_db_version'`)
	if tables != 0 {
		t.Fatalf("%d tables left after down --all", tables)
	}
	if n2, err := migrations.Up(ctx, db.DB, nil); err != nil || n2 != n {
		t.Fatalf("second up: applied %d (want %d), err %v", n2, n, err)
	}
}

func TestTwoServersMigrateOneDatabaseConcurrently(t *testing.T) {
	dsn := pgtest.NewEmptyDSN(t)
	var wg sync.WaitGroup
	bases := make([]string, 2)
	for i := range bases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bases[i] = startServer(t, app.Config{DatabaseURL: dsn, Demo: app.DemoAlways})
		}()
	}
	wg.Wait()
	for _, base := range bases {
		if code, body := get(t, base+"/readyz"); code != 200 {
			t.Fatalf("/readyz = %d %s", code, body)
		}
	}
	db := sqlx.MustConnect("postgres", dsn)
	defer db.Close()
	var dupes int
	db.Get(&dupes, `SELECT count(*) FROM (SELECT version_id FROM goose_db_version GROUP BY version_id HAVING count(*) > 1) d`)
	if dupes != 0 {
		t.Fatalf("%d migrations recorded twice", dupes)
	}
	var demo int
	db.Get(&demo, `SELECT count(*) FROM demo_loads`)
	if demo != 1 {
		t.Fatalf("demo data set recorded %d times, want 1", demo)
	}
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func TestMalformedGraphQLRequests(t *testing.T) {
	base := startServer(t, app.Config{DatabaseURL: pgtest.NewDSN(t), Demo: app.DemoNever})
	cases := []struct {
		name, method, contentType, accept, body string
		wantStatus                              int
		wantCode                                string
	}{
		{"BadJSON", "POST", "application/json", "", `{"query": `, 400, "BAD_REQUEST"},
		{"NoQuery", "POST", "application/json", "", `{}`, 400, "BAD_REQUEST"},
		{"SyntaxError", "POST", "application/json", "", `{"query": "{ serverInfo { "}`, 200, "GRAPHQL_PARSE_FAILED"},
		{"SyntaxErrorGraphQLResponseJSON", "POST", "application/json", "application/graphql-response+json", `{"query": "{ serverInfo { "}`, 400, "GRAPHQL_PARSE_FAILED"},
		{"UnknownField", "POST", "application/json", "", `{"query": "{ nope }"}`, 200, "GRAPHQL_VALIDATION_FAILED"},
		{"WrongContentType", "POST", "text/plain", "", `{ serverInfo { version } }`, 415, "BAD_REQUEST"},
		{"WrongMethod", "DELETE", "", "", ``, 405, "BAD_REQUEST"},
		{"BadID", "POST", "application/json", "", `{"query": "{ node(id: \"zzz\") { id } }"}`, 200, "BAD_USER_INPUT"},
		{"OK", "POST", "application/json", "", `{"query": "{ serverInfo { version schemaVersion } }"}`, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, base+"/graphql", strings.NewReader(c.body))
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			if c.accept != "" {
				req.Header.Set("Accept", c.accept)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", resp.StatusCode, c.wantStatus, raw)
			}
			var r gqlResponse
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatalf("body is not JSON: %s", raw)
			}
			if c.wantCode == "" {
				if len(r.Errors) != 0 {
					t.Fatalf("unexpected errors: %s", raw)
				}
				return
			}
			if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != c.wantCode {
				t.Fatalf("errors = %s, want extensions.code %s", raw, c.wantCode)
			}
			if strings.Contains(string(raw), "SELECT") || strings.Contains(string(raw), "pq:") {
				t.Fatalf("error leaks internals: %s", raw)
			}
		})
	}
}

func TestExplorerIsServedAtRoot(t *testing.T) {
	base := startServer(t, app.Config{DatabaseURL: pgtest.NewDSN(t), Demo: app.DemoNever})
	code, body := get(t, base+"/")
	if code != 200 || !strings.Contains(body, "copydesk") {
		t.Fatalf("GET / = %d", code)
	}
	if strings.Contains(body, "http://") || strings.Contains(body, "https://") {
		t.Fatal("the explorer page refers to an external URL")
	}
}

// The cache policy and CORS origins from the configuration reach /graphql.
func TestCachingAndCORSAreWiredToGraphQL(t *testing.T) {
	base := startServer(t, app.Config{DatabaseURL: pgtest.NewDSN(t), Demo: app.DemoNever,
		Cache:       graph.CachePolicy{MaxAge: 30 * time.Second, StaleWhileRevalidate: time.Minute},
		CORSOrigins: []string{"https://news.example"}})
	req, _ := http.NewRequest(http.MethodGet, base+"/graphql?query="+url.QueryEscape("{ serverInfo { version } }"), nil)
	req.Header.Set("Origin", "https://news.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == "" ||
		resp.Header.Get("Cache-Control") != "public, max-age=30, stale-while-revalidate=60" ||
		resp.Header.Get("Access-Control-Allow-Origin") != "https://news.example" {
		t.Fatalf("HTTP %d, headers %v: want an ETag, public caching and CORS for the origin", resp.StatusCode, resp.Header)
	}
}
