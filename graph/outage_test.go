package graph_test

import (
	"net/http"
	"testing"

	"github.com/copydesk/copydesk/internal/pgtest"
)

// While the database is down, every client is told UNAVAILABLE with HTTP
// 503 and Retry-After, never INTERNAL; when it is back, requests work again without a
// restart of the API. Not parallel: it stops the cluster every test of this
// binary shares.
func TestDatabaseOutageIsUnavailable(t *testing.T) {
	a := newAPI(t)
	const q = `{ reports(first: 1) { totalCount } }`
	a.do(q, nil, nil)
	a.as("").do(q, nil, nil)
	if err := pgtest.Cluster(t).Stop(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			pgtest.Restart(t)
		}
	}()
	for _, c := range []struct {
		name string
		api  *api
	}{{"anonymous", a.as("")}, {"with a token", a}} {
		resp, httpResp := c.api.postHTTP(q, nil)
		if len(resp.Errors) == 0 || resp.Errors[0].code() != "UNAVAILABLE" {
			t.Fatalf("%s: got %+v, want UNAVAILABLE", c.name, resp.Errors)
		}
		if httpResp.StatusCode != http.StatusServiceUnavailable || httpResp.Header.Get("Retry-After") == "" {
			t.Errorf("%s: HTTP %d, Retry-After %q; want 503 with Retry-After", c.name, httpResp.StatusCode, httpResp.Header.Get("Retry-After"))
		}
	}
	pgtest.Restart(t)
	restarted = true
	a.do(q, nil, nil)
	a.as("").do(q, nil, nil)
}
