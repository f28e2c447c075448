package graph_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/copydesk/copydesk/graph"
)

// send makes one HTTP request to /graphql as a's token (none when "") and
// returns the recorded response. header values are set as given.
func (a *api) send(method, target string, header http.Header, body string) *httptest.ResponseRecorder {
	a.t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body == "" {
		req.Body = http.NoBody
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	return rec
}

// getQuery is the /graphql URL of a GET request with these parameters.
func getQuery(params ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		v.Set(params[i], params[i+1])
	}
	return "/graphql?" + v.Encode()
}

// decodeBody returns the top-level keys of a JSON response body and its errors.
func decodeBody(t *testing.T, rec *httptest.ResponseRecorder) (map[string]json.RawMessage, []gqlError) {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &top); err != nil {
		t.Fatalf("body is not a JSON object (HTTP %d): %q", rec.Code, rec.Body.String())
	}
	var errs []gqlError
	if raw, ok := top["errors"]; ok {
		if err := json.Unmarshal(raw, &errs); err != nil {
			t.Fatalf("errors is not a list: %s", raw)
		}
	}
	return top, errs
}

func TestResponseMediaTypeIsNegotiatedByAccept(t *testing.T) {
	a := newAPI(t).as("")
	const gqlResp, js = "application/graphql-response+json; charset=utf-8", "application/json; charset=utf-8"
	cases := []struct {
		name, accept string
		want         string // Content-Type; "" means 406
	}{
		{"no Accept header: legacy JSON", "", js},
		{"graphql-response+json", "application/graphql-response+json", gqlResp},
		{"json", "application/json", js},
		{"anything", "*/*", js},
		{"any application type", "application/*", js},
		{"both, equal q: graphql-response+json is preferred", "application/json, application/graphql-response+json", gqlResp},
		{"both, json weighted higher", "application/graphql-response+json;q=0.5, application/json", js},
		{"both, graphql-response+json weighted higher", "application/json;q=0.8, application/graphql-response+json;q=0.9", gqlResp},
		{"utf-8 charset", "application/graphql-response+json; charset=utf-8", gqlResp},
		{"wildcard after a specific type", "text/html, */*;q=0.1", js},
		{"json refused explicitly, wildcard otherwise", "application/json;q=0, */*", gqlResp},
		{"browser default", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", js},
		{"only HTML", "text/html", ""},
		{"json with another charset", "application/json; charset=iso-8859-1", ""},
		{"everything refused", "*/*;q=0", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{"Content-Type": {"application/json"}}
			if c.accept != "" {
				h.Set("Accept", c.accept)
			}
			rec := a.send(http.MethodPost, "/graphql", h, `{"query": "{ __typename }"}`)
			if c.want == "" {
				if rec.Code != http.StatusNotAcceptable {
					t.Fatalf("status = %d, want 406; body %s", rec.Code, rec.Body)
				}
				_, errs := decodeBody(t, rec)
				if len(errs) != 1 || errs[0].code() != "BAD_REQUEST" || !strings.Contains(errs[0].Message, "Accept") {
					t.Fatalf("406 body = %s, want one BAD_REQUEST error about Accept", rec.Body)
				}
				return
			}
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != c.want {
				t.Fatalf("got %d %q, want 200 %q; body %s", rec.Code, rec.Header().Get("Content-Type"), c.want, rec.Body)
			}
		})
	}
}

func TestHTTPStatusCodesFollowTheSpecification(t *testing.T) {
	a := newAPI(t).as("")
	const gqlResp, js = "application/graphql-response+json", "application/json"
	post := func(body string) (string, string, string) { return http.MethodPost, "/graphql", body }
	get := func(params ...string) (string, string, string) { return http.MethodGet, getQuery(params...), "" }
	type req struct{ method, target, body string }
	mk := func(m, t, b string) req { return req{m, t, b} }
	cases := []struct {
		name        string
		req         req
		contentType string // of the request; POST defaults to application/json
		accept      string
		wantStatus  int
		wantCode    string // of the first error; "" = no errors
		wantData    bool   // whether the body has a "data" key
		wantAllow   string
	}{
		{"query over POST", mk(post(`{"query": "{ __typename }"}`)), "", js, 200, "", true, ""},
		{"query over GET", mk(get("query", "{ __typename }")), "", gqlResp, 200, "", true, ""},
		{"GET with variables", mk(get("query", "query Q($n: String!) { __type(name: $n) { name } }", "variables", `{"n": "Query"}`)), "", gqlResp, 200, "", true, ""},
		{"GET with extensions", mk(get("query", "{ __typename }", "extensions", `{"some": "value"}`)), "", gqlResp, 200, "", true, ""},
		{"null variables, operationName, extensions", mk(post(`{"query": "{ __typename }", "variables": null, "operationName": null, "extensions": null}`)), "", gqlResp, 200, "", true, ""},

		{"parse error, json: 200", mk(post(`{"query": "{"}`)), "", js, 200, "GRAPHQL_PARSE_FAILED", false, ""},
		{"parse error, graphql-response+json: 400", mk(post(`{"query": "{"}`)), "", gqlResp, 400, "GRAPHQL_PARSE_FAILED", false, ""},
		{"validation error, json: 200", mk(post(`{"query": "{ nope }"}`)), "", js, 200, "GRAPHQL_VALIDATION_FAILED", false, ""},
		{"validation error, graphql-response+json: 400", mk(post(`{"query": "{ nope }"}`)), "", gqlResp, 400, "GRAPHQL_VALIDATION_FAILED", false, ""},
		{"variable coercion, json: 200", mk(post(`{"query": "query Q($id: ID!) { __typename }", "variables": {"id": null}}`)), "", js, 200, "GRAPHQL_VALIDATION_FAILED", false, ""},
		{"variable coercion, graphql-response+json: 400", mk(post(`{"query": "query Q($id: ID!) { __typename }", "variables": {"id": null}}`)), "", gqlResp, 400, "GRAPHQL_VALIDATION_FAILED", false, ""},
		{"unknown operationName, graphql-response+json: 400", mk(post(`{"query": "query A { __typename }", "operationName": "B"}`)), "", gqlResp, 400, "GRAPHQL_VALIDATION_FAILED", false, ""},
		{"field error once executing: 200 with data", mk(post(`{"query": "{ node(id: \"zzz\") { id } }"}`)), "", gqlResp, 200, "BAD_USER_INPUT", true, ""},

		{"no query", mk(post(`{}`)), "", gqlResp, 400, "BAD_REQUEST", false, ""},
		{"no query, json", mk(post(`{"qeury": "{ __typename }"}`)), "", js, 400, "BAD_REQUEST", false, ""},
		{"empty body", mk(post(``)), "", js, 400, "BAD_REQUEST", false, ""},
		{"body not JSON", mk(post(`{ "not a JSON`)), "", js, 400, "BAD_REQUEST", false, ""},
		{"body a JSON array", mk(post(`[{"query": "{ __typename }"}]`)), "", js, 400, "BAD_REQUEST", false, ""},
		{"data after the JSON object", mk(post(`{"query": "{ __typename }"} {}`)), "", js, 400, "BAD_REQUEST", false, ""},
		{"query not a string", mk(post(`{"query": 0}`)), "", js, 400, "BAD_REQUEST", false, ""},
		{"operationName not a string", mk(post(`{"query": "{ __typename }", "operationName": false}`)), "", js, 400, "BAD_REQUEST", false, ""},
		{"variables not an object", mk(post(`{"query": "{ __typename }", "variables": ["array"]}`)), "", js, 400, "BAD_REQUEST", false, ""},
		{"extensions not an object", mk(post(`{"query": "{ __typename }", "extensions": "string"}`)), "", js, 400, "BAD_REQUEST", false, ""},
		{"GET without query", mk(get()), "", js, 400, "BAD_REQUEST", false, ""},
		{"GET variables not JSON", mk(get("query", "{ __typename }", "variables", "{")), "", js, 400, "BAD_REQUEST", false, ""},
		{"GET extensions not an object", mk(get("query", "{ __typename }", "extensions", "0")), "", js, 400, "BAD_REQUEST", false, ""},
		{"GET query string not URL encoding", req{http.MethodGet, "/graphql?query=%zz", ""}, "", js, 400, "BAD_REQUEST", false, ""},

		{"mutation over GET: 405, Allow POST", mk(get("query", "mutation { __typename }")), "", gqlResp, 405, "BAD_REQUEST", false, "POST"},
		{"mutation over GET, json: 405 too", mk(get("query", "mutation { __typename }")), "", js, 405, "BAD_REQUEST", false, "POST"},
		{"no Content-Type: 415", mk(post(`{"query": "{ __typename }"}`)), "-", js, 415, "BAD_REQUEST", false, ""},
		{"text/plain: 415", mk(post(`{ __typename }`)), "text/plain", js, 415, "BAD_REQUEST", false, ""},
		{"application/graphql: 415", mk(post(`{ __typename }`)), "application/graphql", js, 415, "BAD_REQUEST", false, ""},
		{"JSON in another charset: 415", mk(post(`{"query": "{ __typename }"}`)), "application/json; charset=latin1", js, 415, "BAD_REQUEST", false, ""},
		{"JSON with utf-8 charset", mk(post(`{"query": "{ __typename }"}`)), "application/json; charset=UTF-8", js, 200, "", true, ""},
		{"DELETE: 405", req{http.MethodDelete, "/graphql", ""}, "", js, 405, "BAD_REQUEST", false, "GET, POST, OPTIONS"},
		{"HEAD: 405", req{http.MethodHead, "/graphql", ""}, "", js, 405, "BAD_REQUEST", false, "GET, POST, OPTIONS"},
		{"PUT: 405", req{http.MethodPut, "/graphql", `{"query": "{ __typename }"}`}, "", js, 405, "BAD_REQUEST", false, "GET, POST, OPTIONS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			switch {
			case c.contentType == "-":
			case c.contentType != "":
				h.Set("Content-Type", c.contentType)
			case c.req.method == http.MethodPost:
				h.Set("Content-Type", "application/json")
			}
			h.Set("Accept", c.accept)
			rec := a.send(c.req.method, c.req.target, h, c.req.body)
			if rec.Code != c.wantStatus {
				t.Errorf("status = %d, want %d; body %s", rec.Code, c.wantStatus, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, c.accept) {
				t.Errorf("Content-Type = %q, want %s", ct, c.accept)
			}
			top, errs := decodeBody(t, rec)
			if _, ok := top["data"]; ok != c.wantData {
				t.Errorf("body has data: %v, want %v; body %s", ok, c.wantData, rec.Body)
			}
			switch {
			case c.wantCode == "" && len(errs) > 0:
				t.Errorf("unexpected errors: %s", rec.Body)
			case c.wantCode != "" && (len(errs) == 0 || errs[0].code() != c.wantCode || errs[0].Message == ""):
				t.Errorf("errors = %s, want a message with extensions.code %s", rec.Body, c.wantCode)
			}
			if got := rec.Header().Get("Allow"); got != c.wantAllow {
				t.Errorf("Allow = %q, want %q", got, c.wantAllow)
			}
		})
	}
}

// A persisted-query request may leave out the query: it is not rejected
// as malformed, but answered by whatever handles extensions.persistedQuery
// (without APQ installed, gqlgen says the operation is missing).
func TestPersistedQueryRequestsMayOmitTheQuery(t *testing.T) {
	a := newAPI(t).as("")
	rec := a.send(http.MethodGet, getQuery("extensions", `{"persistedQuery": {"version": 1, "sha256Hash": "abc"}}`), http.Header{"Accept": {"application/json"}}, "")
	_, errs := decodeBody(t, rec)
	if len(errs) != 1 || strings.Contains(errs[0].Message, "has no query") {
		t.Fatalf("HTTP %d %s: the transport rejected a persisted-query request itself", rec.Code, rec.Body)
	}
}

func TestAnonymousGETQueriesAreCacheable(t *testing.T) {
	a := newAPIWith(t, graph.HandlerOptions{Cache: graph.CachePolicy{MaxAge: 60 * time.Second, StaleWhileRevalidate: 5 * time.Minute}})
	anon := a.as("")
	query := getQuery("query", "{ serverInfo { version } }")
	accept := http.Header{"Accept": {"application/graphql-response+json"}}

	first := anon.send(http.MethodGet, query, accept, "")
	etag := first.Header().Get("ETag")
	if first.Code != 200 || !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 10 {
		t.Fatalf("HTTP %d, ETag %q: want 200 with a strong ETag; body %s", first.Code, etag, first.Body)
	}
	if got := first.Header().Get("Cache-Control"); got != "public, max-age=60, stale-while-revalidate=300" {
		t.Errorf("Cache-Control = %q", got)
	}
	if got := first.Header().Get("Vary"); got != "Accept, Accept-Language, Authorization" {
		t.Errorf("Vary = %q", got)
	}
	if again := anon.send(http.MethodGet, query, accept, ""); again.Header().Get("ETag") != etag {
		t.Errorf("the same response got another ETag: %q then %q", etag, again.Header().Get("ETag"))
	}
	if other := anon.send(http.MethodGet, query, http.Header{"Accept": {"application/json"}}, ""); other.Header().Get("ETag") == etag {
		t.Errorf("application/json and application/graphql-response+json share the ETag %s", etag)
	}

	opaque := strings.Trim(etag, `"`)
	for _, c := range []struct {
		name, ifNoneMatch string
		want304           bool
	}{
		{"the same tag", etag, true},
		{"the weak form of the tag (weak comparison)", "W/" + etag, true},
		{"the tag in a list", `"older", ` + etag + `, "other"`, true},
		{"the tag in a list without spaces", `W/"x",` + etag, true},
		{"any tag", "*", true},
		{"another tag", `"` + opaque + `x"`, false},
		{"the tag unquoted", opaque, false},
		{"a list of other tags", `"a", W/"b"`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{"Accept": {"application/graphql-response+json"}, "If-None-Match": {c.ifNoneMatch}}
			rec := anon.send(http.MethodGet, query, h, "")
			if !c.want304 {
				if rec.Code != 200 || rec.Body.Len() == 0 {
					t.Fatalf("HTTP %d, want 200 with the body", rec.Code)
				}
				return
			}
			if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
				t.Fatalf("HTTP %d with %d bytes, want 304 without a body", rec.Code, rec.Body.Len())
			}
			if rec.Header().Get("ETag") != etag || rec.Header().Get("Cache-Control") == "" || rec.Header().Get("Vary") == "" {
				t.Errorf("304 headers = %v, want ETag, Cache-Control and Vary", rec.Header())
			}
		})
	}

	noStore := []struct {
		name         string
		as           *api
		method, url  string
		body         string
		cacheControl string
	}{
		{"POST", anon, http.MethodPost, "/graphql", `{"query": "{ serverInfo { version } }"}`, "no-store"},
		{"a GET with a token", a, http.MethodGet, query, "", "private, no-store"},
		{"a POST with a token", a, http.MethodPost, "/graphql", `{"query": "{ serverInfo { version } }"}`, "private, no-store"},
		{"a GET answered with errors", anon, http.MethodGet, getQuery("query", `{ node(id: "zzz") { id } }`), "", "no-store"},
		{"a GET that failed validation", anon, http.MethodGet, getQuery("query", "{ nope }"), "", "no-store"},
		{"a mutation", anon, http.MethodPost, "/graphql", `{"query": "mutation { __typename }"}`, "no-store"},
	}
	for _, c := range noStore {
		t.Run("not cached: "+c.name, func(t *testing.T) {
			h := http.Header{"Accept": {"application/json"}, "Content-Type": {"application/json"}, "If-None-Match": {"*"}}
			rec := c.as.send(c.method, c.url, h, c.body)
			if rec.Code == http.StatusNotModified {
				t.Fatal("answered 304")
			}
			if got := rec.Header().Get("Cache-Control"); got != c.cacheControl {
				t.Errorf("Cache-Control = %q, want %q", got, c.cacheControl)
			}
			if got := rec.Header().Get("ETag"); got != "" {
				t.Errorf("ETag = %q, want none", got)
			}
		})
	}
}

func TestPublicCachingIsOffByDefault(t *testing.T) {
	for name, opts := range map[string]graph.HandlerOptions{
		"zero options": {},
		"max-age 0":    {Cache: graph.CachePolicy{MaxAge: 0, StaleWhileRevalidate: time.Minute}},
	} {
		t.Run(name, func(t *testing.T) {
			a := newAPIWith(t, opts).as("")
			rec := a.send(http.MethodGet, getQuery("query", "{ serverInfo { version } }"), http.Header{"If-None-Match": {"*"}}, "")
			if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("ETag") != "" {
				t.Fatalf("HTTP %d, Cache-Control %q, ETag %q: want 200, no-store, no ETag", rec.Code, rec.Header().Get("Cache-Control"), rec.Header().Get("ETag"))
			}
		})
	}
}
