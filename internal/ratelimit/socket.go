package ratelimit

import (
	"net/http"
	"time"
)

// AllowSocket spends one request for an operation sent over a WebSocket
// opened by r (the upgrade request), from the same bucket an HTTP request
// with that credential would spend: token's if it is not empty (the token
// the socket authenticated with, from its Authorization header or its
// connection_init payload), else the client IP's. A token's first request
// also pays from its IP's "new tokens" bucket, as over HTTP (see the package
// doc). When refused, retryAfter is how long until one request is
// available; Config.OnLimited hears of it as of a refused HTTP request. A
// disabled class always allows.
func (l *Limiter) AllowSocket(r *http.Request, token string) (ok bool, retryAfter time.Duration) {
	v := l.checkToken(r, token, token != "")
	if !v.limited {
		return true, 0
	}
	if !v.ok && l.onLimited != nil {
		l.onLimited(v.kind)
	}
	return v.ok, v.wait
}

// ClientKey returns the key r's client IP is limited under: the address
// for IPv4, its /64 for IPv6, from X-Forwarded-For with Config.TrustProxy;
// "unknown" when it cannot be parsed. Callers that cap something per client
// (open WebSockets) use it to agree with the rate limits on who a client is.
func (l *Limiter) ClientKey(r *http.Request) string { return clientKey(r, l.trustProxy) }
