package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/copydesk/copydesk/graph"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/locale"
	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/translation"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// api is a copydesk GraphQL endpoint over a fresh database, for one test.
type api struct {
	t       testing.TB
	db      *postgres.DB
	ids     *identity.Service
	handler http.Handler
	// endpoint is the handler without the counting of sql, for tests that
	// count the SQL of requests running at once.
	endpoint http.Handler
	// token is sent as the bearer token; "" sends no Authorization header.
	token string
	// acceptLanguage, when set, is sent as Accept-Language.
	acceptLanguage string
	// sql is the number of SQL round trips the last request made.
	sql *atomic.Int64
}

func newAPI(t *testing.T) *api { t.Helper(); return newAPIWith(t, graph.HandlerOptions{}) }

// newAPIWith is newAPI with the handler's options (limits, hooks, caching) set.
func newAPIWith(t *testing.T, opts graph.HandlerOptions) *api {
	t.Helper()
	// Long enough that a batch never splits on a busy machine, so the SQL
	// round trips a request makes are the same on every run.
	return newAPIAt(t, pgtest.NewDSN(t), 50*time.Millisecond, opts, nil)
}

// newAPIWaiting is newAPIWith with the dataloaders collecting keys for wait.
func newAPIWaiting(t testing.TB, wait time.Duration, opts graph.HandlerOptions) *api {
	t.Helper()
	return newAPIAt(t, pgtest.NewDSN(t), wait, opts, nil)
}

// newAPIAt is an API instance over the database at dsn, so that several
// instances can share one (as behind a load balancer), its dataloaders
// collecting keys for wait; configure, if set, adjusts the resolver before
// the handler is made.
func newAPIAt(t testing.TB, dsn string, wait time.Duration, opts graph.HandlerOptions, configure func(*graph.Resolver)) *api {
	t.Helper()
	return newAPIOn(t, dsn, postgres.Options{}, wait, opts, configure)
}

// newAPIOn is newAPIAt with the database opened with dbOpts (e.g. a
// replica for public reads).
func newAPIOn(t testing.TB, dsn string, dbOpts postgres.Options, wait time.Duration, opts graph.HandlerOptions, configure func(*graph.Resolver)) *api {
	t.Helper()
	db, err := postgres.OpenWith(context.Background(), dsn, nil, dbOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := slog.New(slog.DiscardHandler)
	ids := identity.New(db)
	fallbacks, err := locale.ParseFallbacks("zh-Hant:zh-Hans")
	if err != nil {
		t.Fatal(err)
	}
	// Reports on no desk, and the desks the tests create, are to be
	// translated into these.
	if _, err := ids.UpdateDeskSettings(auth.WithViewer(context.Background(), auth.System()), nil,
		identity.SettingsChange{TargetLocales: []string{"zh-Hans", "ja", "ko"}}); err != nil {
		t.Fatal(err)
	}
	res := &graph.Resolver{DB: db, Reports: reports.New(db), Directory: directory.New(db), Translations: translation.New(db), Identity: ids, Comments: comments.New(db), Version: "test", Fallbacks: fallbacks,
		LoaderWait: wait}
	if configure != nil {
		configure(res)
	}
	h := graph.NewHandler(res, log, opts)
	a := &api{t: t, db: db, ids: ids, sql: new(atomic.Int64), endpoint: h}
	a.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var c postgres.QueryCounter
		h.ServeHTTP(w, r.WithContext(postgres.WithQueryCounter(r.Context(), &c)))
		a.sql.Store(c.Count())
	})
	email := "admin@example.org"
	if n := a.count("users"); n > 0 { // another instance over the same database made one
		email = fmt.Sprintf("admin+%d@example.org", n)
	}
	a.token = a.newUser(email, auth.Grant{Role: auth.Admin})
	return a
}

// newUser creates a user with grants (and translator locales) and returns a
// FULL token for them.
func (a *api) newUser(email string, grants ...auth.Grant) string {
	a.t.Helper()
	ctx := auth.WithViewer(context.Background(), auth.System())
	var locales []string
	for _, g := range grants {
		if g.Role == auth.Translator {
			locales = []string{"zh-Hans"}
		}
	}
	u, err := a.ids.CreateUser(ctx, identity.NewUser{Email: email, Name: email, Grants: grants, Locales: locales})
	if err != nil {
		a.t.Fatal(err)
	}
	token, _, err := a.ids.CreateToken(ctx, u.ID, "test", nil, auth.ScopeFull)
	if err != nil {
		a.t.Fatal(err)
	}
	return token
}

// as returns the same endpoint used with another token ("" for anonymous).
func (a *api) as(token string) *api {
	b := *a
	b.token = token
	return &b
}

// gqlError is one entry of a response's errors.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (e gqlError) code() string  { s, _ := e.Extensions["code"].(string); return s }
func (e gqlError) field() string { s, _ := e.Extensions["field"].(string); return s }

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// postNamed sends query with an operationName.
func (a *api) postNamed(operationName, query string) response {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "operationName": operationName})
	rec := a.send(http.MethodPost, "/graphql", http.Header{"Content-Type": {"application/json"}}, string(body))
	var resp response
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		a.t.Fatalf("response is not JSON (HTTP %d): %s", rec.Code, rec.Body.Bytes())
	}
	return resp
}

// failNamed is fail with an operationName ("" for none).
func (a *api) failNamed(operationName, query string) (gqlError, json.RawMessage) {
	a.t.Helper()
	resp := a.postNamed(operationName, query)
	if len(resp.Errors) != 1 {
		a.t.Fatalf("want one error, got %+v (data %s)", resp.Errors, resp.Data)
	}
	return resp.Errors[0], resp.Data
}

// post sends a GraphQL request and returns the decoded response.
func (a *api) post(query string, vars map[string]any) response {
	a.t.Helper()
	resp, _ := a.postHTTP(query, vars)
	return resp
}

// postHTTP is post that also returns the HTTP response's status and headers.
func (a *api) postHTTP(query string, vars map[string]any) (response, *http.Response) {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	if a.acceptLanguage != "" {
		req.Header.Set("Accept-Language", a.acceptLanguage)
	}
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	raw, _ := io.ReadAll(rec.Body)
	var resp response
	if err := json.Unmarshal(raw, &resp); err != nil {
		a.t.Fatalf("response is not JSON (HTTP %d): %s", rec.Code, raw)
	}
	return resp, rec.Result()
}

// do sends a request that must succeed and decodes its data into out.
func (a *api) do(query string, vars map[string]any, out any) {
	a.t.Helper()
	resp := a.post(query, vars)
	if len(resp.Errors) > 0 {
		a.t.Fatalf("unexpected errors: %+v", resp.Errors)
	}
	if out != nil {
		if err := json.Unmarshal(resp.Data, out); err != nil {
			a.t.Fatalf("decoding %s: %v", resp.Data, err)
		}
	}
}

// fail sends a request that must fail with exactly one error and returns it.
func (a *api) fail(query string, vars map[string]any) (gqlError, json.RawMessage) {
	a.t.Helper()
	resp := a.post(query, vars)
	if len(resp.Errors) != 1 {
		a.t.Fatalf("want one error, got %+v (data %s)", resp.Errors, resp.Data)
	}
	if msg := resp.Errors[0].Message; strings.Contains(msg, "pq:") || strings.Contains(msg, "SQL") {
		a.t.Errorf("error message leaks SQL: %q", msg)
	}
	return resp.Errors[0], resp.Data
}

// count returns the number of rows in table.
func (a *api) count(table string) int {
	a.t.Helper()
	var n int
	if err := a.db.GetContext(context.Background(), &n, "SELECT count(*) FROM "+table); err != nil {
		a.t.Fatal(err)
	}
	return n
}

// rowCounts snapshots the size of every content table, to check a failed
// mutation changed nothing.
func (a *api) rowCounts() map[string]int {
	out := map[string]int{}
	for _, t := range []string{"reports", "report_revisions", "report_slugs", "report_tags", "report_authors",
		"report_attendees", "report_translations", "tags", "people", "organizations", "events", "audit_log"} {
		out[t] = a.count(t)
	}
	return out
}
