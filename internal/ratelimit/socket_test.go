package ratelimit

import (
	"testing"
	"time"
)

// TestAllowSocket: an operation over a WebSocket spends from the bucket the
// same credential spends from over HTTP, so a socket is no way around the
// limits.
func TestAllowSocket(t *testing.T) {
	upgrade := req{remote: "198.51.100.1:5000"}
	tests := []struct {
		name string
		run  func(t *testing.T, l *Limiter, clk *fakeClock, h httpDo)
	}{
		{"anonymous socket operations share the IP's bucket with its HTTP requests", func(t *testing.T, l *Limiter, _ *fakeClock, h httpDo) {
			h(upgrade, ok) // the upgrade itself
			wantSocket(t, l, upgrade, "", true)
			wantSocket(t, l, upgrade, "", true)
			wantSocket(t, l, upgrade, "", false) // burst of 3 spent
			h(upgrade, limited)
		}},
		{"a socket's token has its own bucket", func(t *testing.T, l *Limiter, _ *fakeClock, h httpDo) {
			for range 3 {
				h(upgrade, ok)
			}
			h(upgrade, limited)
			// The token's first use pays from the IP's new-token bucket, which is separate from its anonymous one.
			for range 5 {
				wantSocket(t, l, upgrade, "tok-1", true)
			}
			wantSocket(t, l, upgrade, "tok-1", false)
			h(req{remote: "198.51.100.1:5000", token: "tok-1"}, limited)
		}},
		{"a refused operation says when to retry and the bucket refills", func(t *testing.T, l *Limiter, clk *fakeClock, h httpDo) {
			for range 3 {
				wantSocket(t, l, upgrade, "", true)
			}
			okNow, wait := l.AllowSocket(upgrade.build(), "")
			if okNow || wait <= 0 || wait > time.Second {
				t.Fatalf("AllowSocket = %v, %v; want refused with a wait in (0, 1s]", okNow, wait)
			}
			clk.Advance(wait)
			wantSocket(t, l, upgrade, "", true)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, clk, hh := newTestLimiter(small())
			tt.run(t, l, clk, func(q req, want int) {
				t.Helper()
				if got := do(hh, q).Code; got != want {
					t.Fatalf("HTTP %+v: status %d, want %d", q, got, want)
				}
			})
		})
	}
}

type httpDo func(q req, want int)

// wantSocket checks whether AllowSocket lets one operation through.
func wantSocket(t *testing.T, l *Limiter, upgrade req, token string, want bool) {
	t.Helper()
	if got, _ := l.AllowSocket(upgrade.build(), token); got != want {
		t.Fatalf("AllowSocket(%q) = %v, want %v", token, got, want)
	}
}

func TestAllowSocketDisabledClass(t *testing.T) {
	l := New(Config{TokenPerMinute: 60, TokenBurst: 1})
	for range 10 {
		if ok, _ := l.AllowSocket(req{}.build(), ""); !ok {
			t.Fatal("an anonymous socket operation was refused with the anonymous class disabled")
		}
	}
}

func TestClientKeyMethodFollowsTrustProxy(t *testing.T) {
	r := req{remote: "192.0.2.7:1", xff: []string{"203.0.113.9"}}.build()
	if got := New(Config{}).ClientKey(r); got != "192.0.2.7" {
		t.Errorf("without TrustProxy: %q, want 192.0.2.7", got)
	}
	if got := New(Config{TrustProxy: true}).ClientKey(r); got != "203.0.113.9" {
		t.Errorf("with TrustProxy: %q, want 203.0.113.9", got)
	}
}

func TestAllowSocketRefusalsReachOnLimited(t *testing.T) {
	var kinds []string
	cfg := small()
	cfg.OnLimited = func(kind string) { kinds = append(kinds, kind) }
	l, _, _ := newTestLimiter(cfg)
	upgrade := req{remote: "198.51.100.1:5000"}
	for range 4 {
		l.AllowSocket(upgrade.build(), "")
	}
	if len(kinds) != 1 || kinds[0] != kindIP {
		t.Fatalf("OnLimited heard %q, want one %q", kinds, kindIP)
	}
}
