package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/server"
)

// newRoot is the root handler with a /graphql that answers every request
// it gets with 200 and a marker header, so a test sees whether a request got
// through the CORS layer.
func newRoot(origins string) http.Handler {
	gql := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Reached", "graphql")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":{"__typename":"Query"}}`))
	})
	return server.New(server.Config{
		GraphQL:     gql,
		Ready:       func(context.Context) error { return nil },
		Log:         slog.New(slog.DiscardHandler),
		CORSOrigins: server.ParseOrigins(origins),
	})
}

func preflight(h http.Handler, path, origin, method, headers string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodOptions, path, nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", method)
	if headers != "" {
		req.Header.Set("Access-Control-Request-Headers", headers)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func actual(h http.Handler, path, origin string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestCORSPreflight(t *testing.T) {
	// As browsers send it: lower case, sorted, no spaces (Fetch standard).
	const reqHeaders = "accept-language,authorization,content-type,if-none-match,x-request-id"
	cases := []struct {
		name, origins, origin, method, headers string
		wantAllowOrigin                        string // "" = not allowed
	}{
		{"listed origin", "https://news.example, https://app.example", "https://app.example", "POST", reqHeaders, "https://app.example"},
		{"any origin with *", "*", "https://elsewhere.example", "GET", reqHeaders, "*"},
		{"origin not listed", "https://news.example", "https://evil.example", "POST", reqHeaders, ""},
		{"listed origin, method not allowed", "https://news.example", "https://news.example", "DELETE", "", ""},
		{"listed origin, header not allowed", "https://news.example", "https://news.example", "POST", "x-secret", ""},
		{"no origins configured", "", "https://news.example", "POST", reqHeaders, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := preflight(newRoot(c.origins), "/graphql", c.origin, c.method, c.headers)
			h := rec.Header()
			if got := h.Get("Access-Control-Allow-Origin"); got != c.wantAllowOrigin {
				t.Fatalf("Access-Control-Allow-Origin = %q, want %q", got, c.wantAllowOrigin)
			}
			if c.wantAllowOrigin == "" {
				return
			}
			if rec.Code != http.StatusNoContent || rec.Header().Get("X-Reached") != "" {
				t.Errorf("preflight HTTP %d, reached /graphql %q: want 204 answered by the CORS layer", rec.Code, rec.Header().Get("X-Reached"))
			}
			if got := h.Get("Access-Control-Allow-Methods"); got != c.method {
				t.Errorf("Access-Control-Allow-Methods = %q, want %q", got, c.method)
			}
			if got := h.Get("Access-Control-Allow-Headers"); got != reqHeaders {
				t.Errorf("Access-Control-Allow-Headers = %q, want %q", got, reqHeaders)
			}
			if got := h.Get("Access-Control-Max-Age"); got != "600" {
				t.Errorf("Access-Control-Max-Age = %q, want 600", got)
			}
			if got := h.Get("Access-Control-Allow-Credentials"); got != "" {
				t.Errorf("Access-Control-Allow-Credentials = %q, want none", got)
			}
		})
	}
}

func TestCORSActualRequests(t *testing.T) {
	h := newRoot("https://news.example")
	t.Run("allowed origin: readable, with the exposed headers", func(t *testing.T) {
		rec := actual(h, "/graphql", "https://news.example")
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "https://news.example" {
			t.Fatalf("Access-Control-Allow-Origin = %q", got)
		}
		exposed := strings.ToLower(rec.Header().Get("Access-Control-Expose-Headers"))
		for _, want := range []string{"etag", "x-request-id", "retry-after", "x-ratelimit-limit", "x-ratelimit-remaining"} {
			if !strings.Contains(exposed, want) {
				t.Errorf("Access-Control-Expose-Headers = %q, missing %s", exposed, want)
			}
		}
		if !strings.Contains(strings.Join(rec.Header().Values("Vary"), ","), "Origin") {
			t.Errorf("Vary = %q, want Origin in it", rec.Header().Values("Vary"))
		}
	})
	t.Run("other origin: served, but without CORS headers the browser hides it", func(t *testing.T) {
		rec := actual(h, "/graphql", "https://evil.example")
		if rec.Code != 200 || rec.Header().Get("X-Reached") != "graphql" {
			t.Fatalf("HTTP %d: want the request served", rec.Code)
		}
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "" {
			t.Fatalf("Access-Control-Allow-Origin = %q, want none", got)
		}
	})
	t.Run("only /graphql: probes have no CORS headers", func(t *testing.T) {
		if got := actual(h, "/healthz", "https://news.example").Header().Get("Access-Control-Allow-Origin"); got != "" {
			t.Fatalf("/healthz Access-Control-Allow-Origin = %q, want none", got)
		}
	})
}

func TestParseOrigins(t *testing.T) {
	for in, want := range map[string]string{
		"":  "",
		"*": "*",
		" https://a.example , ,https://b.example": "https://a.example|https://b.example",
	} {
		if got := strings.Join(server.ParseOrigins(in), "|"); got != want {
			t.Errorf("ParseOrigins(%q) = %q, want %q", in, got, want)
		}
	}
}
