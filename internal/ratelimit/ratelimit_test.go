package ratelimit

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeClock is the injected clock: tests move time by hand and never sleep.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTestLimiter(cfg Config) (*Limiter, *fakeClock, http.Handler) {
	clk := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	l := New(cfg)
	l.now = clk.Now
	h := l.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	return l, clk, h
}

// req describes one request: where it comes from and what it carries.
type req struct {
	remote string   // RemoteAddr; "" means 192.0.2.1:1234
	xff    []string // X-Forwarded-For headers
	token  string   // bearer token, "" for none
	auth   string   // raw Authorization header, overrides token
}

func (q req) build() *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{}`))
	r.RemoteAddr = "192.0.2.1:1234"
	if q.remote != "" {
		r.RemoteAddr = q.remote
	}
	for _, v := range q.xff {
		r.Header.Add("X-Forwarded-For", v)
	}
	if q.token != "" {
		r.Header.Set("Authorization", "Bearer "+q.token)
	}
	if q.auth != "" {
		r.Header.Set("Authorization", q.auth)
	}
	return r
}

func do(h http.Handler, q req) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, q.build())
	return w
}

// small is a config whose numbers are easy to count with: 60/min is one
// request a second.
func small() Config {
	return Config{AnonymousPerMinute: 60, AnonymousBurst: 3, TokenPerMinute: 60, TokenBurst: 5, MaxKeys: 1000}
}

// step is one request of a scenario and the status it must get.
type step struct {
	q    req
	want int
}

func times(n int, q req, want int) []step {
	s := make([]step, n)
	for i := range s {
		s[i] = step{q, want}
	}
	return s
}

func seq(parts ...[]step) []step {
	var s []step
	for _, p := range parts {
		s = append(s, p...)
	}
	return s
}

func runSteps(t *testing.T, h http.Handler, steps []step) {
	t.Helper()
	for i, s := range steps {
		if got := do(h, s.q).Code; got != s.want {
			t.Fatalf("step %d (%+v): status %d, want %d", i, s.q, got, s.want)
		}
	}
}

const (
	ok      = http.StatusNoContent
	limited = http.StatusTooManyRequests
)

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	want := Config{AnonymousPerMinute: 120, AnonymousBurst: 60, TokenPerMinute: 1200, TokenBurst: 300, MaxKeys: 100_000}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Fatalf("DefaultConfig() (-want +got):\n%s", diff)
	}
	l := New(Config{AnonymousPerMinute: 120, AnonymousBurst: 60})
	if l.maxKeys != 100_000 {
		t.Errorf("MaxKeys 0 gave %d keys, want the default", l.maxKeys)
	}
	if l.anon.idle != 30*time.Second {
		t.Errorf("anonymous idle time-out %v, want 30s (60 tokens at 2/s)", l.anon.idle)
	}
}

func TestAnonymousIPsLimitedIndependently(t *testing.T) {
	a := req{remote: "198.51.100.1:5000"}
	aOtherPort := req{remote: "198.51.100.1:6000"}
	b := req{remote: "198.51.100.2:5000"}
	v6a := req{remote: "[2001:db8:1:2::1]:443"}
	v6sameNet := req{remote: "[2001:db8:1:2:ffff::9]:443"}
	v6otherNet := req{remote: "[2001:db8:1:3::1]:443"}
	mapped := req{remote: "[::ffff:198.51.100.1]:5000"}
	tests := []struct {
		name  string
		steps []step
	}{
		{"one IP is cut off after its burst", seq(times(3, a, ok), times(1, a, limited))},
		{"the port does not matter", seq(times(3, a, ok), times(1, aOtherPort, limited))},
		{"another IP keeps its own bucket", seq(times(3, a, ok), times(1, a, limited), times(3, b, ok), times(1, b, limited))},
		{"IPv6 addresses in one /64 share a bucket", seq(times(3, v6a, ok), times(1, v6sameNet, limited))},
		{"another IPv6 /64 has its own bucket", seq(times(3, v6a, ok), times(3, v6otherNet, ok))},
		{"IPv4-mapped IPv6 counts as the IPv4 address", seq(times(3, mapped, ok), times(1, a, limited))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, h := newTestLimiter(small())
			runSteps(t, h, tt.steps)
		})
	}
}

func TestTokenLimitedIndependently(t *testing.T) {
	ip1, ip2 := "203.0.113.1:1", "203.0.113.2:1"
	tokA1 := req{remote: ip1, token: "token-a"}
	tokA2 := req{remote: ip2, token: "token-a"}
	tokB1 := req{remote: ip1, token: "token-b"}
	anon1 := req{remote: ip1}
	tests := []struct {
		name  string
		steps []step
	}{
		{"a token gets the token burst, not the anonymous one", seq(times(5, tokA1, ok), times(1, tokA1, limited))},
		{"an exhausted token does not limit its IP", seq(times(5, tokA1, ok), times(1, tokA1, limited), times(3, anon1, ok))},
		{"an exhausted IP does not limit a token from it", seq(times(3, anon1, ok), times(1, anon1, limited), times(5, tokA1, ok))},
		{"an exhausted token does not limit other tokens", seq(times(5, tokA1, ok), times(1, tokA1, limited), times(5, tokB1, ok))},
		{"a token is limited whatever IP it comes from", seq(times(5, tokA1, ok), times(1, tokA2, limited))},
		{"the scheme is case-insensitive", seq(times(5, tokA1, ok), times(1, req{remote: ip1, auth: "bearer token-a"}, limited))},
		{"an empty bearer is anonymous", seq(times(3, req{remote: ip1, auth: "Bearer "}, ok), times(1, anon1, limited))},
		{"basic auth is anonymous", seq(times(3, req{remote: ip1, auth: "Basic dXNlcjpwdw=="}, ok), times(1, anon1, limited))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, h := newTestLimiter(small())
			runSteps(t, h, tt.steps)
		})
	}
}

func TestTokenKeyIsHashed(t *testing.T) {
	l, _, h := newTestLimiter(small())
	const secret = "s3cret-token-value"
	do(h, req{token: secret})
	want := "t:" + hashToken(secret)
	if len(want) != 2+64 {
		t.Fatalf("key %q is not a hex SHA-256", want)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.keys[want]; !ok {
		t.Errorf("no bucket under %q", want)
	}
	for k := range l.keys {
		if strings.Contains(k, secret) {
			t.Errorf("raw token kept in key %q", k)
		}
	}
}

// A client inventing a token per request must not get a fresh bucket each
// time: new tokens are charged to the IP's new-token budget.
func TestUnknownTokensChargedToIP(t *testing.T) {
	_, clk, h := newTestLimiter(small())
	for i := range 3 {
		if got := do(h, req{token: fmt.Sprint("fake-", i)}).Code; got != ok {
			t.Fatalf("new token %d: status %d, want %d", i, got, ok)
		}
	}
	if got := do(h, req{token: "fake-3"}).Code; got != limited {
		t.Fatalf("4th new token from one IP: status %d, want %d", got, limited)
	}
	// Known tokens are not held back by that budget, nor is another IP.
	if got := do(h, req{token: "fake-0"}).Code; got != ok {
		t.Errorf("known token: status %d, want %d", got, ok)
	}
	if got := do(h, req{remote: "192.0.2.99:1", token: "fake-4"}).Code; got != ok {
		t.Errorf("new token from another IP: status %d, want %d", got, ok)
	}
	// The budget refills like the anonymous bucket.
	clk.Advance(time.Second)
	if got := do(h, req{token: "fake-5"}).Code; got != ok {
		t.Errorf("new token after refill: status %d, want %d", got, ok)
	}
}

func TestRateLimitedResponse(t *testing.T) {
	tests := []struct {
		name      string
		perMinute int
		advance   time.Duration // after emptying the bucket
		want      int           // Retry-After
	}{
		{"one a second", 60, 0, 1},
		{"two a second rounds up to 1", 120, 0, 1},
		{"six a minute", 6, 0, 10},
		{"one a minute", 1, 0, 60},
		{"one a minute, half refilled", 1, 30 * time.Second, 30},
		{"one a minute, part of a second left", 1, 59*time.Second + 100*time.Millisecond, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, clk, h := newTestLimiter(Config{AnonymousPerMinute: tt.perMinute, AnonymousBurst: 1})
			if got := do(h, req{}).Code; got != ok {
				t.Fatalf("first request: status %d", got)
			}
			clk.Advance(tt.advance)
			w := do(h, req{})
			if w.Code != http.StatusTooManyRequests {
				t.Fatalf("status %d, want 429", w.Code)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			ra, err := strconv.Atoi(w.Header().Get("Retry-After"))
			if err != nil || ra < 1 {
				t.Fatalf("Retry-After %q: want whole seconds >= 1", w.Header().Get("Retry-After"))
			}
			if ra != tt.want {
				t.Errorf("Retry-After %d, want %d", ra, tt.want)
			}
			if rem := w.Header().Get("X-RateLimit-Remaining"); rem != "0" {
				t.Errorf("X-RateLimit-Remaining %q, want 0", rem)
			}
			var body struct {
				Errors []struct {
					Message    string `json:"message"`
					Extensions struct {
						Code       string `json:"code"`
						RetryAfter int    `json:"retryAfter"`
					} `json:"extensions"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", w.Body, err)
			}
			if len(body.Errors) != 1 {
				t.Fatalf("body %q: want one error", w.Body)
			}
			e := body.Errors[0]
			if e.Extensions.Code != "RATE_LIMITED" || e.Extensions.RetryAfter != ra {
				t.Errorf("extensions %+v, want code RATE_LIMITED and retryAfter %d", e.Extensions, ra)
			}
			if want := limitedMessage(ra); e.Message != want {
				t.Errorf("message %q, want %q", e.Message, want)
			}
			// Waiting as told is enough.
			clk.Advance(time.Duration(ra) * time.Second)
			if got := do(h, req{}).Code; got != ok {
				t.Errorf("after Retry-After: status %d, want %d", got, ok)
			}
		})
	}
}

func TestRateLimitHeaders(t *testing.T) {
	_, _, h := newTestLimiter(small())
	for i, wantRemaining := range []string{"2", "1", "0", "0"} {
		w := do(h, req{})
		if got := w.Header().Get("X-RateLimit-Limit"); got != "3" {
			t.Errorf("request %d: X-RateLimit-Limit %q, want 3", i, got)
		}
		if got := w.Header().Get("X-RateLimit-Remaining"); got != wantRemaining {
			t.Errorf("request %d: X-RateLimit-Remaining %q, want %s", i, got, wantRemaining)
		}
	}
	w := do(h, req{token: "t"})
	if got := w.Header().Get("X-RateLimit-Limit"); got != "5" {
		t.Errorf("token: X-RateLimit-Limit %q, want 5", got)
	}
	if got := w.Header().Get("X-RateLimit-Remaining"); got != "4" {
		t.Errorf("token: X-RateLimit-Remaining %q, want 4", got)
	}
}

func TestBucketRefills(t *testing.T) {
	a := req{}
	tests := []struct {
		name    string
		advance time.Duration // after using the whole burst of 3 at 1/s
		want    []int         // statuses of the next requests
	}{
		{"nothing before a token is back", 999 * time.Millisecond, []int{limited}},
		{"one request a second", time.Second, []int{ok, limited}},
		{"two after two seconds", 2 * time.Second, []int{ok, ok, limited}},
		{"never more than the burst", time.Hour, []int{ok, ok, ok, limited}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, clk, h := newTestLimiter(small())
			runSteps(t, h, seq(times(3, a, ok), times(1, a, limited)))
			clk.Advance(tt.advance)
			for i, want := range tt.want {
				if got := do(h, a).Code; got != want {
					t.Fatalf("request %d after %v: status %d, want %d", i, tt.advance, got, want)
				}
			}
		})
	}
}

// Refused requests do not dig the bucket deeper: a client retrying in a
// tight loop recovers as soon as one that waited.
func TestRefusedRequestsCostNothing(t *testing.T) {
	_, clk, h := newTestLimiter(small())
	runSteps(t, h, times(3, req{}, ok))
	runSteps(t, h, times(100, req{}, limited))
	clk.Advance(time.Second)
	runSteps(t, h, seq(times(1, req{}, ok), times(1, req{}, limited)))
}

func TestIdleKeysAreDropped(t *testing.T) {
	l, clk, h := newTestLimiter(small()) // anonymous: 3 at 1/s refill in 3s; tokens 5 in 5s
	runSteps(t, h, times(3, req{remote: "192.0.2.10:1"}, ok))
	do(h, req{remote: "192.0.2.11:1", token: "tok"}) // a token key and a new-token key
	if n := l.Len(); n != 3 {
		t.Fatalf("Len %d, want 3", n)
	}
	clk.Advance(3*time.Second + time.Millisecond)
	do(h, req{remote: "192.0.2.12:1"})
	if n := l.Len(); n != 2 {
		t.Errorf("after 3s idle: Len %d, want 2 (the token and the newcomer)", n)
	}
	clk.Advance(2 * time.Second)
	do(h, req{remote: "192.0.2.12:1"})
	if n := l.Len(); n != 1 {
		t.Errorf("after 5s idle: Len %d, want 1", n)
	}
	// A dropped bucket was full anyway: the client sees no difference.
	runSteps(t, h, seq(times(3, req{remote: "192.0.2.10:1"}, ok), times(1, req{remote: "192.0.2.10:1"}, limited)))
}

// A key in use is never dropped, however long it has existed: a client
// that keeps its bucket empty stays limited.
func TestBusyKeysAreKept(t *testing.T) {
	_, clk, h := newTestLimiter(small()) // 3 at 1/s: idle time-out 3s
	a := req{}
	runSteps(t, h, times(3, a, ok))
	for i := range 10 {
		clk.Advance(time.Second)
		if got := do(h, a).Code; got != ok {
			t.Fatalf("second %d: refilled request got %d", i, got)
		}
		if got := do(h, a).Code; got != limited {
			t.Fatalf("second %d: bucket forgotten, extra request got %d", i, got)
		}
	}
}

func TestMaxKeysBound(t *testing.T) {
	tests := []struct {
		name    string
		maxKeys int
		clients int
	}{
		{"one key", 1, 10},
		{"small map, many clients", 5, 1000},
		{"map never full", 100, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := small()
			cfg.MaxKeys = tt.maxKeys
			l, clk, h := newTestLimiter(cfg)
			for i := range tt.clients {
				clk.Advance(time.Millisecond) // distinct last-use times, never idle long enough to sweep
				do(h, req{remote: fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255)})
				if n := l.Len(); n > tt.maxKeys {
					t.Fatalf("after %d clients: Len %d > MaxKeys %d", i+1, n, tt.maxKeys)
				}
			}
			if want := min(tt.clients, tt.maxKeys); l.Len() != want {
				t.Errorf("Len %d, want %d", l.Len(), want)
			}
		})
	}
}

func TestEvictsLeastRecentlyUsed(t *testing.T) {
	cfg := small()
	cfg.MaxKeys = 3
	_, clk, h := newTestLimiter(cfg)
	a, b, c, d := req{remote: "10.0.0.1:1"}, req{remote: "10.0.0.2:1"}, req{remote: "10.0.0.3:1"}, req{remote: "10.0.0.4:1"}
	for _, q := range []req{a, b, c} { // empty three buckets
		runSteps(t, h, times(3, q, ok))
		clk.Advance(time.Millisecond)
	}
	runSteps(t, h, times(1, a, limited)) // a is now the most recent; b the least
	clk.Advance(time.Millisecond)
	runSteps(t, h, times(1, d, ok)) // evicts b
	runSteps(t, h, seq(times(1, a, limited), times(1, c, limited), times(1, b, ok)))
}

func TestClientKey(t *testing.T) {
	tests := []struct {
		name       string
		remote     string
		xff        []string
		trustProxy bool
		want       string
	}{
		{"remote IPv4", "192.0.2.7:5555", nil, false, "192.0.2.7"},
		{"remote IPv6 grouped by /64", "[2001:db8:a:b:c:d:e:f]:5555", nil, false, "2001:db8:a:b::/64"},
		{"remote IPv6 with zone", "[fe80::1%eth0]:5555", nil, false, "fe80::/64"},
		{"remote without port", "192.0.2.7", nil, false, "192.0.2.7"},
		{"remote unparseable", "@", nil, false, "unknown"},
		{"XFF ignored without TrustProxy", "192.0.2.7:1", []string{"203.0.113.9"}, false, "192.0.2.7"},
		{"XFF leftmost with TrustProxy", "192.0.2.7:1", []string{"203.0.113.9, 10.0.0.1"}, true, "203.0.113.9"},
		{"XFF skips invalid entries", "192.0.2.7:1", []string{"unknown, _hidden ,203.0.113.9"}, true, "203.0.113.9"},
		{"XFF across several headers", "192.0.2.7:1", []string{"garbage", "203.0.113.9, 10.0.0.1"}, true, "203.0.113.9"},
		{"XFF with a port", "192.0.2.7:1", []string{"203.0.113.9:4711"}, true, "203.0.113.9"},
		{"XFF bracketed IPv6 with a port", "192.0.2.7:1", []string{"[2001:db8::1]:4711"}, true, "2001:db8::/64"},
		{"XFF all invalid falls back to RemoteAddr", "192.0.2.7:1", []string{"nope, also-nope"}, true, "192.0.2.7"},
		{"no XFF with TrustProxy uses RemoteAddr", "192.0.2.7:1", nil, true, "192.0.2.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := req{remote: tt.remote, xff: tt.xff}.build()
			if got := clientKey(r, tt.trustProxy); got != tt.want {
				t.Errorf("clientKey = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestXForwardedForOnlyWithTrustProxy(t *testing.T) {
	// Two clients behind one proxy address.
	c1 := req{remote: "10.0.0.1:1", xff: []string{"203.0.113.1"}}
	c2 := req{remote: "10.0.0.1:1", xff: []string{"203.0.113.2"}}
	tests := []struct {
		name       string
		trustProxy bool
		want       []step
	}{
		{"untrusted: one bucket for the proxy address", false, seq(times(3, c1, ok), times(1, c2, limited))},
		{"trusted: one bucket per forwarded client", true, seq(times(3, c1, ok), times(1, c1, limited), times(3, c2, ok))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := small()
			cfg.TrustProxy = tt.trustProxy
			_, _, h := newTestLimiter(cfg)
			runSteps(t, h, tt.want)
		})
	}
}

func TestDisabledClass(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		q    req
	}{
		{"anonymous off", Config{TokenPerMinute: 60, TokenBurst: 1}, req{}},
		{"anonymous negative", Config{AnonymousPerMinute: -1, TokenPerMinute: 60, TokenBurst: 1}, req{}},
		{"token off", Config{AnonymousPerMinute: 60, AnonymousBurst: 1}, req{token: "t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _, h := newTestLimiter(tt.cfg)
			for range 50 {
				w := do(h, tt.q)
				if w.Code != ok {
					t.Fatalf("status %d, want %d", w.Code, ok)
				}
				if w.Header().Get("X-RateLimit-Limit") != "" {
					t.Fatalf("X-RateLimit-Limit set for a disabled class")
				}
			}
			if l.Len() != 0 {
				t.Errorf("Len %d, want 0", l.Len())
			}
		})
	}
}

func TestZeroBurstMeansOne(t *testing.T) {
	_, _, h := newTestLimiter(Config{AnonymousPerMinute: 60})
	runSteps(t, h, seq(times(1, req{}, ok), times(1, req{}, limited)))
}

// The middleware hands next the ResponseWriter it got, so a WebSocket
// upgrade can hijack it; the upgrade is one request.
func TestWebSocketUpgradeCountsOnce(t *testing.T) {
	l := New(Config{AnonymousPerMinute: 60, AnonymousBurst: 2})
	clk := &fakeClock{t: time.Unix(0, 0)}
	l.now = clk.Now
	var calls int
	var outer http.ResponseWriter
	h := l.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if w != outer {
			t.Errorf("next got a wrapped ResponseWriter")
		}
	}))
	for _, want := range []int{1, 2, 2} {
		r := req{}.build()
		r.Method = http.MethodGet
		r.Header.Set("Connection", "Upgrade")
		r.Header.Set("Upgrade", "websocket")
		w := httptest.NewRecorder()
		outer = w
		h.ServeHTTP(w, r)
		if calls != want {
			t.Fatalf("next called %d times, want %d", calls, want)
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int
	}{
		{0, 1},
		{time.Nanosecond, 1},
		{time.Second, 1},
		{time.Second + time.Nanosecond, 2},
		{59500 * time.Millisecond, 60},
	}
	for _, tt := range tests {
		if got := retryAfterSeconds(tt.d); got != tt.want {
			t.Errorf("retryAfterSeconds(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}

// Run with -race. At a frozen clock a bucket lets exactly its burst
// through, however many goroutines ask; meanwhile other goroutines churn
// keys through a small map to exercise eviction. The churn may evict a hot
// key (a fresh, full bucket replaces it), so the test counts the buckets a
// hot key had from the responses themselves: at a frozen clock a bucket's
// X-RateLimit-Remaining goes burst-1, burst-2, …, 0 and a fresh bucket is
// the only way to see burst-1 again.
func TestConcurrentUse(t *testing.T) {
	cfg := Config{AnonymousPerMinute: 60, AnonymousBurst: 50, TokenPerMinute: 60, TokenBurst: 70, MaxKeys: 64}
	l, _, h := newTestLimiter(cfg)
	const goroutines, rounds = 16, 50
	var mu sync.Mutex
	var anonLeft, tokenLeft []int // X-RateLimit-Remaining of each allowed hot request
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			var anon, token []int
			for i := range rounds {
				if w := do(h, req{remote: "198.51.100.77:1"}); w.Code == ok {
					anon = append(anon, remainingOf(t, w))
				}
				if w := do(h, req{remote: fmt.Sprintf("198.51.100.%d:1", g), token: "shared"}); w.Code == ok {
					token = append(token, remainingOf(t, w))
				}
				// Churn: unique keys, far more than MaxKeys.
				do(h, req{remote: fmt.Sprintf("10.1.%d.%d:1", g, i)})
				do(h, req{token: fmt.Sprintf("churn-%d-%d", g, i), remote: fmt.Sprintf("10.2.%d.%d:1", g, i)})
				if n := l.Len(); n > cfg.MaxKeys {
					t.Errorf("Len %d > MaxKeys %d during the run", n, cfg.MaxKeys)
				}
			}
			mu.Lock()
			anonLeft = append(anonLeft, anon...)
			tokenLeft = append(tokenLeft, token...)
			mu.Unlock()
		})
	}
	wg.Wait()
	checkBursts(t, "anonymous hot key", cfg.AnonymousBurst, goroutines*rounds, anonLeft)
	checkBursts(t, "token hot key", cfg.TokenBurst, goroutines*rounds, tokenLeft)
	// Far more distinct keys than MaxKeys were used and a frozen clock never
	// lets one go idle, so the map ends exactly full.
	if n := l.Len(); n != cfg.MaxKeys {
		t.Errorf("Len %d, want MaxKeys %d", n, cfg.MaxKeys)
	}
}

func remainingOf(t *testing.T, w *httptest.ResponseRecorder) int {
	n, err := strconv.Atoi(w.Header().Get("X-RateLimit-Remaining"))
	if err != nil {
		t.Errorf("X-RateLimit-Remaining %q: %v", w.Header().Get("X-RateLimit-Remaining"), err)
		return -1
	}
	return n
}

// checkBursts checks the allowed requests of one key, given by the
// X-RateLimit-Remaining each got, out of sent requests at a frozen clock:
// each bucket the key had gave at most burst requests, one per remaining
// value from burst-1 down, and a single bucket gave exactly burst.
func checkBursts(t *testing.T, name string, burst, sent int, remaining []int) {
	t.Helper()
	seen := make([]int, burst) // seen[r]: allowed requests that left r
	for _, r := range remaining {
		if r < 0 || r >= burst {
			t.Errorf("%s: an allowed request left %d, want 0 to %d", name, r, burst-1)
			return
		}
		seen[r]++
	}
	// A bucket leaves r only after leaving r+1, so no value is seen more
	// often than the one above it; the top value counts the buckets.
	for r := burst - 2; r >= 0; r-- {
		if seen[r] > seen[r+1] {
			t.Errorf("%s: %d requests left %d but only %d left %d: a bucket gave more than its burst", name, seen[r], r, seen[r+1], r+1)
		}
	}
	buckets, allowed := seen[burst-1], len(remaining)
	if buckets < 1 || allowed > buckets*burst {
		t.Errorf("%s: %d allowed from %d buckets of %d", name, allowed, buckets, burst)
	}
	// Requests are refused only when the bucket is empty, so at least one
	// burst gets through; with no eviction, exactly one.
	if allowed < min(burst, sent) {
		t.Errorf("%s: %d allowed, want at least the burst of %d", name, allowed, burst)
	}
	if buckets == 1 && allowed != burst {
		t.Errorf("%s: one bucket allowed %d of %d, want exactly the burst of %d", name, allowed, sent, burst)
	}
}

// Without churn, exactly the burst passes at a frozen clock.
func TestConcurrentExactBurst(t *testing.T) {
	_, _, h := newTestLimiter(Config{AnonymousPerMinute: 60, AnonymousBurst: 100, TokenPerMinute: 60, TokenBurst: 100})
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			for range 20 {
				if do(h, req{}).Code == ok {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != 100 {
		t.Errorf("allowed %d of 400, want exactly the burst of 100", n)
	}
}

// OnLimited hears of every refused request, with the kind of bucket that
// was empty, and of nothing else.
func TestOnLimitedReportsTheEmptyBucket(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
		want  []string
	}{
		{"anonymous IP", times(4, req{}, 0), []string{"ip"}},
		{"token", times(6, req{token: "busy"}, 0), []string{"token"}},
		{"new tokens from one IP", []step{{q: req{token: "a"}}, {q: req{token: "b"}}, {q: req{token: "c"}}, {q: req{token: "d"}}}, []string{"new_token"}},
		{"within the limits", times(3, req{}, 0), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			cfg := small()
			cfg.OnLimited = func(kind string) { got = append(got, kind) }
			_, _, h := newTestLimiter(cfg)
			for _, s := range tt.steps {
				do(h, s.q)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("OnLimited heard %q, want %q", got, tt.want)
			}
		})
	}
}
