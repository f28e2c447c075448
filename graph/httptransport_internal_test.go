package graph

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/copydesk/copydesk/internal/cerr"
)

// Responses that failed only because the database is unavailable, or only
// because of rate limits, carry the HTTP status a client or proxy retries
// on, under both media types.
func TestUnavailableAndRateLimitedResponsesSayWhenToRetry(t *testing.T) {
	errWith := func(code string, ext ...any) *gqlerror.Error {
		e := &gqlerror.Error{Message: code, Extensions: map[string]any{"code": code}}
		for i := 0; i+1 < len(ext); i += 2 {
			e.Extensions[ext[i].(string)] = ext[i+1]
		}
		return e
	}
	cases := []struct {
		name       string
		resp       graphql.Response
		executed   bool
		wantStatus int
		wantRetry  string
	}{
		{"database unavailable before execution", graphql.Response{Errors: gqlerror.List{errWith(cerr.Unavailable)}}, false, 503, "5"},
		{"database unavailable, data null", graphql.Response{Errors: gqlerror.List{errWith(cerr.Unavailable), errWith(cerr.Unavailable)}, Data: json.RawMessage("null")}, true, 503, "5"},
		{"unavailable with partial data", graphql.Response{Errors: gqlerror.List{errWith(cerr.Unavailable)}, Data: json.RawMessage(`{"a":1,"b":null}`)}, true, 200, ""},
		{"unavailable and another error", graphql.Response{Errors: gqlerror.List{errWith(cerr.Unavailable), errWith(cerr.NotFound)}}, true, 200, ""},
		{"rate limited", graphql.Response{Errors: gqlerror.List{errWith(cerr.RateLimited, "retryAfter", 7)}}, true, 429, "7"},
		{"rate limited, fractional seconds round up", graphql.Response{Errors: gqlerror.List{errWith(cerr.RateLimited, "retryAfter", json.Number("2.5"))}}, true, 429, "3"},
		{"rate limited without retryAfter", graphql.Response{Errors: gqlerror.List{errWith(cerr.RateLimited)}}, true, 429, "1"},
		{"rate limited with partial data", graphql.Response{Errors: gqlerror.List{errWith(cerr.RateLimited, "retryAfter", 7)}, Data: json.RawMessage(`{"a":1}`)}, true, 200, ""},
	}
	for _, c := range cases {
		for _, media := range []string{mediaJSON, mediaGraphQLResponse} {
			t.Run(c.name+" as "+media, func(t *testing.T) {
				rec := httptest.NewRecorder()
				httpTransport{}.write(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil), media, http.StatusOK, &c.resp, c.executed, false)
				if rec.Code != c.wantStatus || rec.Header().Get("Retry-After") != c.wantRetry {
					t.Fatalf("HTTP %d Retry-After %q, want %d %q", rec.Code, rec.Header().Get("Retry-After"), c.wantStatus, c.wantRetry)
				}
				var top map[string]json.RawMessage
				if err := json.Unmarshal(rec.Body.Bytes(), &top); err != nil {
					t.Fatalf("body %q: %v", rec.Body, err)
				}
				if _, ok := top["data"]; ok != c.executed {
					t.Errorf("data key present = %v, want %v (body %s)", ok, c.executed, rec.Body)
				}
			})
		}
	}
}

// Whatever arrives as a GET query string or a POST body becomes either
// GraphQL parameters with a query (or a persisted-query reference) or a
// request error with a 4xx status that the presenter turns into a
// GraphQL error with extensions.code BAD_REQUEST; it never panics.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []struct {
		get             bool
		query, ct, body string
	}{
		{true, "query=%7B__typename%7D", "", ""},
		{true, "query={a}&variables={\"x\":1}&extensions={\"persistedQuery\":{}}", "", ""},
		{true, "variables=[1]", "", ""},
		{true, "%zz", "", ""},
		{false, "", "application/json", `{"query":"{ a }","variables":{"n":1e400},"operationName":null}`},
		{false, "", "application/json; charset=utf-8", `{"extensions":{"persistedQuery":{"version":1}}}`},
		{false, "", "application/json", `{"query":0}`},
		{false, "", "application/json", `[]`},
		{false, "", "application/json", `{"query":"x"} trailing`},
		{false, "", "text/plain", `{}`},
		{false, "", "", ``},
	} {
		f.Add(s.get, s.query, s.ct, s.body)
	}
	present := presentError(slog.New(slog.DiscardHandler))
	f.Fuzz(func(t *testing.T, get bool, rawQuery, contentType, body string) {
		r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		if get {
			r = httptest.NewRequest(http.MethodGet, "/graphql", nil)
		}
		r.URL.RawQuery = rawQuery
		r.Header.Set("Content-Type", contentType)
		p, rerr := parseRequest(r)
		if rerr == nil {
			if p == nil {
				t.Fatal("no parameters and no error")
			}
			if _, persisted := p.Extensions["persistedQuery"]; p.Query == "" && !persisted {
				t.Fatalf("accepted a request without a query: %+v", p)
			}
			return
		}
		if rerr.status < 400 || rerr.status > 499 || rerr.msg == "" {
			t.Fatalf("request error %d %q: want a 4xx with a message", rerr.status, rerr.msg)
		}
		gqlErr := present(context.Background(), &gqlerror.Error{Message: rerr.msg, Err: rerr})
		b, err := json.Marshal(gqlerror.List{gqlErr})
		if err != nil || gqlErr.Extensions["code"] != "BAD_REQUEST" || gqlErr.Message == "" {
			t.Fatalf("presented as %s (%v), want a message with extensions.code BAD_REQUEST", b, err)
		}
		if strings.Contains(gqlErr.Message, body) && len(body) > 20 {
			t.Fatalf("the message echoes the request body: %q", gqlErr.Message)
		}
	})
}
