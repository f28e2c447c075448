package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/copydesk/copydesk/graph"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/operations"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/translation"
)

// sibling is another copydesk instance over a's database: its own handler,
// registry and caches, as a second server process would have.
func (a *api) sibling(opts graph.HandlerOptions) *api {
	a.t.Helper()
	h := graph.NewHandler(&graph.Resolver{DB: a.db, Reports: reports.New(a.db), Directory: directory.New(a.db), Translations: translation.New(a.db),
		Identity: a.ids, Comments: comments.New(a.db), Version: "test", LoaderWait: 50 * time.Millisecond}, slog.New(slog.DiscardHandler), opts)
	b := *a
	b.sql = new(atomic.Int64)
	b.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var c postgres.QueryCounter
		h.ServeHTTP(w, r.WithContext(postgres.WithQueryCounter(r.Context(), &c)))
		b.sql.Store(c.Count())
	})
	return &b
}

// pq is the APQ extension for hash.
func pq(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
}

// sendPOST posts body (query, extensions, …) as JSON.
func (a *api) sendPOST(body map[string]any) response {
	a.t.Helper()
	raw, _ := json.Marshal(body)
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	return a.serve(req)
}

// sendGET sends query (may be "") and extensions as GET parameters.
func (a *api) sendGET(query string, extensions map[string]any) response {
	a.t.Helper()
	v := url.Values{}
	if query != "" {
		v.Set("query", query)
	}
	if extensions != nil {
		raw, _ := json.Marshal(extensions)
		v.Set("extensions", string(raw))
	}
	return a.serve(httptest.NewRequest(http.MethodGet, "/graphql?"+v.Encode(), nil))
}

func (a *api) serve(req *http.Request) response {
	a.t.Helper()
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	raw, _ := io.ReadAll(rec.Body)
	var resp response
	if err := json.Unmarshal(raw, &resp); err != nil {
		a.t.Fatalf("response is not JSON (HTTP %d): %s", rec.Code, raw)
	}
	return resp
}

// ran checks resp has data and no error.
func ran(t *testing.T, what string, resp response) {
	t.Helper()
	if len(resp.Errors) > 0 || len(resp.Data) == 0 || string(resp.Data) == "null" {
		t.Fatalf("%s: want data, got %s %+v", what, resp.Data, resp.Errors)
	}
}

// refused checks resp has exactly one error, with code, and no data.
func refused(t *testing.T, what string, resp response, code string) gqlError {
	t.Helper()
	if len(resp.Errors) != 1 || resp.Errors[0].code() != code {
		t.Fatalf("%s: want one %s error, got %+v (data %s)", what, code, resp.Errors, resp.Data)
	}
	if len(resp.Data) > 0 && string(resp.Data) != "null" {
		t.Fatalf("%s: a refused operation returned data %s", what, resp.Data)
	}
	return resp.Errors[0]
}

func (a *api) persistedCount(source string) int {
	a.t.Helper()
	var n int
	if err := a.db.GetContext(context.Background(), &n, `SELECT count(*) FROM persisted_operations WHERE $1 = '' OR source = $1`, source); err != nil {
		a.t.Fatal(err)
	}
	return n
}

const versionQuery = `query Version { serverInfo { version } }`

func TestAPQRegistersAQueryAndRunsItByHashOverPOSTAndGET(t *testing.T) {
	t.Parallel()
	anon := newAPI(t).as("")
	h := operations.Hash(versionQuery)

	e := refused(t, "unknown hash", anon.sendPOST(map[string]any{"extensions": pq(h)}), graph.CodePersistedQueryNotFound)
	if e.Message != "PersistedQueryNotFound" {
		t.Errorf("message %q: Apollo Client and urql retry with the query only on %q", e.Message, "PersistedQueryNotFound")
	}
	ran(t, "hash with its query", anon.sendPOST(map[string]any{"query": versionQuery, "extensions": pq(h)}))
	ran(t, "hash alone over POST", anon.sendPOST(map[string]any{"extensions": pq(h)}))
	ran(t, "hash alone over GET", anon.sendGET("", pq(h)))
	ran(t, "upper-case hash", anon.sendGET("", pq(strings.ToUpper(h))))

	// Registering works over GET too, as Apollo's useGETForHashedQueries sends it.
	other := `query Other { serverInfo { schemaVersion } }`
	ran(t, "GET with the query", anon.sendGET(other, pq(operations.Hash(other))))
	ran(t, "GET by hash", anon.sendGET("", pq(operations.Hash(other))))
	if n := anon.persistedCount("apq"); n != 2 {
		t.Errorf("%d APQ operations stored, want 2", n)
	}
}

func TestAPQRefusesWhatItCannotTrust(t *testing.T) {
	t.Parallel()
	anon := newAPI(t).as("")
	cases := []struct {
		name string
		body map[string]any
		code string
		has  string
	}{
		{"hash of another text", map[string]any{"query": versionQuery, "extensions": pq(operations.Hash(versionQuery + " "))}, "BAD_USER_INPUT", "is not the SHA-256 of the query (which is " + operations.Hash(versionQuery)},
		{"not a hash", map[string]any{"query": versionQuery, "extensions": pq("abc")}, "BAD_USER_INPUT", "64 characters"},
		{"version 2", map[string]any{"query": versionQuery, "extensions": map[string]any{"persistedQuery": map[string]any{"version": 2, "sha256Hash": operations.Hash(versionQuery)}}}, "BAD_USER_INPUT", "only version 1"},
		{"not an object", map[string]any{"query": versionQuery, "extensions": map[string]any{"persistedQuery": "yes"}}, "BAD_USER_INPUT", `{"version": 1`},
		{"invalid query", map[string]any{"query": `{ noSuchField }`, "extensions": pq(operations.Hash(`{ noSuchField }`))}, "GRAPHQL_VALIDATION_FAILED", "noSuchField"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := refused(t, c.name, anon.sendPOST(c.body), c.code)
			if !strings.Contains(e.Message, c.has) {
				t.Errorf("message %q lacks %q", e.Message, c.has)
			}
		})
	}
	if n := anon.persistedCount(""); n != 0 {
		t.Errorf("%d operations stored from refused requests, want none", n)
	}
}

func TestAPQRegisteredOnOneInstanceRunsOnAnother(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	first := a.sibling(graph.HandlerOptions{}).as("")
	second := a.sibling(graph.HandlerOptions{}).as("")
	h := operations.Hash(versionQuery)
	refused(t, "second, before", second.sendPOST(map[string]any{"extensions": pq(h)}), graph.CodePersistedQueryNotFound)
	ran(t, "first registers", first.sendPOST(map[string]any{"query": versionQuery, "extensions": pq(h)}))
	ran(t, "second by hash", second.sendPOST(map[string]any{"extensions": pq(h)}))
}

func TestAPQKeepsTheMostRecentlyUsedWithinItsBound(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	a.db.Now = func() time.Time { return now }
	b := a.sibling(graph.HandlerOptions{Persisted: graph.PersistedOptions{
		Registry: operations.New(a.db, operations.Options{MaxAutomatic: 2, TouchEvery: 10 * time.Minute})}}).as("")
	q := map[string]string{
		"A": `query A { serverInfo { version } }`,
		"B": `query B { serverInfo { version } }`,
		"C": `query C { serverInfo { version } }`,
	}
	register := func(name string) {
		t.Helper()
		ran(t, "register "+name, b.sendPOST(map[string]any{"query": q[name], "extensions": pq(operations.Hash(q[name]))}))
	}
	byHash := func(name string) response {
		t.Helper()
		return b.sendPOST(map[string]any{"extensions": pq(operations.Hash(q[name]))})
	}
	register("A")
	now = now.Add(time.Minute)
	register("B")
	now = now.Add(19 * time.Minute)
	ran(t, "A used", byHash("A")) // A is now more recently used than B
	lastUsed := func(name string) time.Time {
		t.Helper()
		var at time.Time
		if err := a.db.GetContext(context.Background(), &at, `SELECT last_used_at FROM persisted_operations WHERE hash = $1`, operations.Hash(q[name])); err != nil {
			t.Fatal(err)
		}
		return at.UTC()
	}
	if got := lastUsed("A"); !got.Equal(now) {
		t.Fatalf("A's last use is %v, want %v", got, now)
	}

	// Uses within TouchEvery write nothing: a request by hash costs the
	// SQL round trips of the same query sent as text.
	now = now.Add(5 * time.Minute)
	ran(t, "A used again", byHash("A"))
	viaHash := b.sql.Load()
	ran(t, "the text", b.sendPOST(map[string]any{"query": `{ serverInfo { version } }`}))
	if viaText := b.sql.Load(); viaHash != viaText {
		t.Errorf("a request by hash made %d SQL round trips, the same query as text %d", viaHash, viaText)
	}
	if got := lastUsed("A"); !got.Equal(now.Add(-5 * time.Minute)) {
		t.Errorf("A's last use moved to %v within TouchEvery", got)
	}

	now = now.Add(time.Minute)
	register("C")
	refused(t, "B, least recently used, evicted", byHash("B"), graph.CodePersistedQueryNotFound)
	ran(t, "A kept", byHash("A"))
	ran(t, "C kept", byHash("C"))
	if n := a.persistedCount("apq"); n != 2 {
		t.Errorf("%d APQ operations stored, want the bound, 2", n)
	}
}

func TestAPQRefusesToStoreLargeQueries(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	b := a.sibling(graph.HandlerOptions{Persisted: graph.PersistedOptions{
		Registry: operations.New(a.db, operations.Options{MaxBodyBytes: 100})}}).as("")
	big := `query Big { serverInfo { version } }` + strings.Repeat(" ", 100)
	ran(t, "a large query still runs", b.sendPOST(map[string]any{"query": big, "extensions": pq(operations.Hash(big))}))
	refused(t, "but is not stored", b.sendPOST(map[string]any{"extensions": pq(operations.Hash(big))}), graph.CodePersistedQueryNotFound)
}

// manifest is an Apollo persisted-query manifest of bodies.
func manifest(bodies ...string) string {
	type op struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
		Body string `json:"body"`
	}
	m := struct {
		Format     string `json:"format"`
		Version    int    `json:"version"`
		Operations []op   `json:"operations"`
	}{Format: "apollo-persisted-query-manifest", Version: 1}
	for _, b := range bodies {
		name, _, _ := graph.CheckOperation(b)
		m.Operations = append(m.Operations, op{ID: operations.Hash(b), Name: name, Type: "query", Body: b})
	}
	raw, _ := json.Marshal(m)
	return string(raw)
}

const registerMutation = `mutation($m: String!) { registerPersistedOperations(input: {manifest: $m}) { registeredCount unchangedCount userErrors { code field message } } }`

type registered struct {
	RegisterPersistedOperations struct {
		RegisteredCount, UnchangedCount *int
		UserErrors                      []struct{ Code, Field, Message string }
	}
}

func TestAllowlistModeRunsOnlyRegisteredOperationsForThePublic(t *testing.T) {
	t.Parallel()
	base := newAPI(t)
	a := base.sibling(graph.HandlerOptions{Persisted: graph.PersistedOptions{PublicOperations: graph.PublicAllowlist}})
	public := `query PublicVersion { serverInfo { version } }`
	var out registered
	a.do(registerMutation, map[string]any{"m": manifest(public)}, &out)
	if c := out.RegisterPersistedOperations.RegisteredCount; c == nil || *c != 1 {
		t.Fatalf("registered %v, want 1", c)
	}
	h := operations.Hash(public)
	adHoc := `{ serverInfo { version } }`
	editor := a.newUser("editor@example.org", auth.Grant{Role: auth.Editor})
	noRoles := a.newUser("reader@example.org")

	for _, v := range []struct{ name, token string }{
		{"anonymous", ""}, {"READ_PUBLISHED token", a.readOnlyToken()}, {"FULL token without roles", noRoles},
	} {
		t.Run(v.name, func(t *testing.T) {
			p := a.as(v.token)
			e := refused(t, "ad hoc", p.sendPOST(map[string]any{"query": adHoc}), graph.CodePersistedQueryRequired)
			if !strings.Contains(e.Message, "not registered") {
				t.Errorf("message %q does not say the operation is not registered", e.Message)
			}
			refused(t, "ad hoc over GET", p.sendGET(adHoc, nil), graph.CodePersistedQueryRequired)
			ran(t, "registered, by hash", p.sendPOST(map[string]any{"extensions": pq(h)}))
			ran(t, "registered, by hash over GET", p.sendGET("", pq(h)))
			ran(t, "registered, by its text", p.sendPOST(map[string]any{"query": public}))
			ran(t, "registered, by text and hash", p.sendPOST(map[string]any{"query": public, "extensions": pq(h)}))
			// An APQ client's two steps: the hash, then the hash with the text.
			refused(t, "unregistered hash", p.sendPOST(map[string]any{"extensions": pq(operations.Hash(adHoc))}), graph.CodePersistedQueryNotFound)
			refused(t, "unregistered text with its hash", p.sendPOST(map[string]any{"query": adHoc, "extensions": pq(operations.Hash(adHoc))}), graph.CodePersistedQueryRequired)
		})
	}
	if n := a.persistedCount("apq"); n != 0 {
		t.Fatalf("the public registered %d APQ operations in allowlist mode", n)
	}

	newsroom := a.as(editor)
	ran(t, "newsroom ad hoc", newsroom.sendPOST(map[string]any{"query": adHoc}))
	ran(t, "newsroom APQ", newsroom.sendPOST(map[string]any{"query": adHoc, "extensions": pq(operations.Hash(adHoc))}))
	ran(t, "newsroom by hash", newsroom.sendPOST(map[string]any{"extensions": pq(operations.Hash(adHoc))}))
	// What the newsroom registered automatically is no allowlist entry.
	refused(t, "public, by the newsroom's APQ hash", a.as("").sendPOST(map[string]any{"extensions": pq(operations.Hash(adHoc))}), graph.CodePersistedQueryNotFound)
}

func TestRegisterManifestAllOrNothing(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	good := []string{`query One { serverInfo { version } }`, `query Two($f: Int) { tags(first: $f) { nodes { name } } }`}
	hashes := []string{operations.Hash(good[0]), operations.Hash(good[1])}
	relayMD5 := `{"` + strings.Repeat("a", 32) + `": "query X { serverInfo { version } }"}`
	badHash := strings.Replace(manifest(good...), hashes[1], operations.Hash("something else"), 1)
	cases := []struct {
		name, manifest, has string
	}{
		{"a wrong hash", badHash, "operations[1] (Two): the id is not the SHA-256 of the body"},
		{"an invalid query", manifest(good[0], `query Bad { serverInfo { nope } }`), `operations[1]: it is not a valid operation of this schema (line 1, column 26): Cannot query field "nope"`},
		{"a syntax error", manifest(good[0], `query Broken { serverInfo {`), "operations[1]: it is not a valid operation"},
		{"Relay's MD5", relayMD5, `"SHA256"`},
		{"not JSON", `{"format": `, "not valid JSON"},
		{"an unknown format", `{"format": "mine", "version": 1, "operations": []}`, `format is "mine"`},
		{"a type that lies", strings.Replace(manifest(good[0]), `"type":"query"`, `"type":"mutation"`, 1), "says it is a mutation, but the body is a query"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out registered
			resp := a.post(registerMutation, map[string]any{"m": c.manifest})
			if len(resp.Errors) != 1 || resp.Errors[0].code() != "BAD_USER_INPUT" || resp.Errors[0].field() != "input.manifest" {
				t.Fatalf("want one BAD_USER_INPUT on input.manifest, got %+v", resp.Errors)
			}
			if !strings.Contains(resp.Errors[0].Message, c.has) {
				t.Errorf("message %q lacks %q", resp.Errors[0].Message, c.has)
			}
			if err := json.Unmarshal(resp.Data, &out); err != nil || len(out.RegisterPersistedOperations.UserErrors) != 1 || out.RegisterPersistedOperations.RegisteredCount != nil {
				t.Errorf("payload %s: want one user error and no count", resp.Data)
			}
			if n := a.persistedCount(""); n != 0 {
				t.Errorf("%d operations registered from a refused manifest", n)
			}
		})
	}

	var out registered
	a.do(registerMutation, map[string]any{"m": manifest(good...)}, &out)
	if r := out.RegisterPersistedOperations; *r.RegisteredCount != 2 || *r.UnchangedCount != 0 {
		t.Fatalf("first registration: %d new, %d unchanged; want 2, 0", *r.RegisteredCount, *r.UnchangedCount)
	}
	relay, _ := json.Marshal(map[string]string{hashes[0]: good[0], operations.Hash(`{ desks { name } }`): `{ desks { name } }`})
	a.do(registerMutation, map[string]any{"m": string(relay)}, &out)
	if r := out.RegisterPersistedOperations; *r.RegisteredCount != 1 || *r.UnchangedCount != 1 {
		t.Fatalf("Relay map: %d new, %d unchanged; want 1, 1", *r.RegisteredCount, *r.UnchangedCount)
	}
	var audited int
	if err := a.db.GetContext(context.Background(), &audited, `SELECT count(*) FROM audit_log WHERE action = 'operations.register' AND actor_name = 'admin@example.org'`); err != nil || audited != 2 {
		t.Errorf("%d audit entries for two registrations (%v)", audited, err)
	}

	var list struct {
		PersistedOperations struct {
			Nodes []struct {
				Hash, Source string
				Name         *string
				RegisteredBy *struct{ Email string }
			}
			PageInfo struct{ HasNextPage bool }
		}
	}
	a.do(`{ persistedOperations(first: 2, source: MANIFEST) { nodes { hash name source registeredBy { email } } pageInfo { hasNextPage } } }`, nil, &list)
	nodes := list.PersistedOperations.Nodes
	if len(nodes) != 2 || !list.PersistedOperations.PageInfo.HasNextPage || nodes[0].Source != "MANIFEST" ||
		nodes[0].RegisteredBy == nil || nodes[0].RegisteredBy.Email != "admin@example.org" {
		t.Fatalf("list: %+v", list.PersistedOperations)
	}

	const unregister = `mutation($h: [String!]!) { unregisterPersistedOperations(input: {hashes: $h}) { removedCount userErrors { code field } } }`
	e, _ := a.fail(unregister, map[string]any{"h": []string{hashes[0], operations.Hash("never registered")}})
	if e.code() != "NOT_FOUND" || e.field() != "input.hashes.1" {
		t.Errorf("unregistering an unknown hash: %+v", e)
	}
	a.do(unregister, map[string]any{"h": []string{hashes[0]}}, nil)
	refused(t, "unregistered, by hash", a.as("").sendPOST(map[string]any{"extensions": pq(hashes[0])}), graph.CodePersistedQueryNotFound)
	if n := a.persistedCount(""); n != 2 {
		t.Errorf("%d operations left, want 2", n)
	}
}

func TestOnlyAdminsManagePersistedOperations(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	for _, v := range []struct{ name, token, code string }{
		{"anonymous", "", "UNAUTHENTICATED"},
		{"editor", a.newUser("editor@example.org", auth.Grant{Role: auth.Editor}), "FORBIDDEN"},
		{"admin's READ_PUBLISHED token", a.readOnlyToken(), "FORBIDDEN"},
	} {
		t.Run(v.name, func(t *testing.T) {
			p := a.as(v.token)
			if e, _ := p.fail(registerMutation, map[string]any{"m": manifest(versionQuery)}); e.code() != v.code {
				t.Errorf("register: %+v, want %s", e, v.code)
			}
			if e, _ := p.fail(`mutation { unregisterPersistedOperations(input: {hashes: ["`+operations.Hash(versionQuery)+`"]}) { removedCount } }`, nil); e.code() != v.code {
				t.Errorf("unregister: %+v, want %s", e, v.code)
			}
			if e, _ := p.fail(`{ persistedOperations { nodes { hash } } }`, nil); e.code() != v.code {
				t.Errorf("list: %+v, want %s", e, v.code)
			}
		})
	}
	if n := a.persistedCount(""); n != 0 {
		t.Errorf("%d operations registered by non-admins", n)
	}
}

func TestIntrospectionCanBeTurnedOffForThePublic(t *testing.T) {
	t.Parallel()
	base := newAPI(t)
	const schema = `{ __schema { queryType { name } } }`
	const typ = `query { __type(name: "Report") { name } }`
	const viaFragment = `query { ...F } fragment F on Query { __schema { types { name } } }`
	off := base.sibling(graph.HandlerOptions{Persisted: graph.PersistedOptions{NoPublicIntrospection: true}})
	for _, q := range []string{schema, typ, viaFragment} {
		e := refused(t, "anonymous "+q, off.as("").sendPOST(map[string]any{"query": q}), graph.CodeIntrospectionDisabled)
		if !strings.Contains(e.Message, "turned off for the public") {
			t.Errorf("message %q", e.Message)
		}
		refused(t, "READ_PUBLISHED "+q, off.as(off.readOnlyToken()).sendPOST(map[string]any{"query": q}), graph.CodeIntrospectionDisabled)
		ran(t, "newsroom "+q, off.sendPOST(map[string]any{"query": q}))
		ran(t, "anonymous, by default, "+q, base.as("").sendPOST(map[string]any{"query": q}))
	}
	ran(t, "__typename is no introspection", off.as("").sendPOST(map[string]any{"query": `{ __typename }`}))
}
