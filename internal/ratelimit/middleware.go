package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/copydesk/copydesk/internal/cerr"
)

// Middleware limits the requests that reach next. Every limited response
// carries X-RateLimit-Limit (the bucket size: how many requests may be sent
// back to back) and X-RateLimit-Remaining (how many are left right now).
// When the bucket is empty it answers 429 with a Retry-After header (whole
// seconds, at least 1) and a GraphQL-shaped JSON error with code
// RATE_LIMITED and extensions.retryAfter, without calling next.
//
// Wrap only what clients may hammer (/graphql), not health probes; see the
// package doc.
func (l *Limiter) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := l.check(r)
		if !v.limited {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(v.limit))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(v.remaining))
		if v.ok {
			next.ServeHTTP(w, r)
			return
		}
		writeLimited(w, retryAfterSeconds(v.wait))
	})
}

// retryAfterSeconds rounds a wait up to whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

func writeLimited(w http.ResponseWriter, seconds int) {
	h := w.Header()
	h.Set("Retry-After", strconv.Itoa(seconds))
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{
			"message":    limitedMessage(seconds),
			"extensions": map[string]any{"code": cerr.RateLimited, "retryAfter": seconds},
		}},
	})
}

// hashToken returns the hex SHA-256 of token: the key a token's bucket is
// kept under, so that the raw token is never retained.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// clientKey returns the key of the client's IP: the address itself for IPv4,
// its /64 for IPv6. With trustProxy it is taken from the leftmost valid
// address in X-Forwarded-For (all such headers, in order), falling back to
// RemoteAddr. Requests whose address cannot be parsed share one "unknown"
// bucket.
func clientKey(r *http.Request, trustProxy bool) string {
	if trustProxy {
		for _, v := range r.Header.Values("X-Forwarded-For") {
			for part := range strings.SplitSeq(v, ",") {
				if a, ok := parseAddr(part); ok {
					return addrKey(a)
				}
			}
		}
	}
	return AddrKey(r.RemoteAddr)
}

// AddrKey is the key a client address ("ip", "ip:port", "[ipv6]:port") is
// counted under: the IPv4 address itself, the /64 of an IPv6 one (what one
// host or home network is given), "unknown" when it does not parse. The
// connection limits (internal/server) and the socket caps (graph/ws) count
// clients the same way.
func AddrKey(addr string) string {
	if a, ok := parseAddr(addr); ok {
		return addrKey(a)
	}
	return "unknown"
}

// parseAddr accepts "ip", "ip:port" and "[ipv6]:port".
func parseAddr(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a, true
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(host); err == nil {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func addrKey(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64) // cannot fail for an IPv6 address
	return p.String()
}

// limitedMessage tells the client how long to wait.
func limitedMessage(seconds int) string {
	unit := "seconds"
	if seconds == 1 {
		unit = "second"
	}
	return fmt.Sprintf("Too many requests: slow down and retry after %d %s.", seconds, unit)
}
