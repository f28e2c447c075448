// Package ratelimit limits how fast each client may call copydesk: per API
// token for requests that carry "Authorization: Bearer …", per client IP for
// the others.
//
// # Algorithm and library
//
// Each key has a token bucket from golang.org/x/time/rate, maintained by the
// Go team, dependency-free and the de-facto standard limiter in Go. Its
// AllowN/ReserveN take the time as an argument, which lets the tests drive a
// fake clock instead of sleeping. Alternatives were weighed: the
// ulule/limiter and go-chi/httprate style middlewares bundle their own key
// extraction, error bodies and (for the former) a store abstraction this
// package does not need, and a Redis-backed limiter would add an
// operational dependency for a goal that does not require one (see below).
//
// A bucket holds Burst requests and refills at PerMinute/60 requests per
// second: a client may send Burst requests back to back, then PerMinute per
// minute on average.
//
// # Keys
//
//   - With "Authorization: Bearer <token>" (scheme case-insensitive), the key
//     is the hex SHA-256 of the token; the raw token is never stored. Token
//     requests are limited independently of the IP they come from and of
//     other tokens.
//   - Otherwise the key is the client IP: the host of RemoteAddr, or with
//     Config.TrustProxy the leftmost valid address in X-Forwarded-For.
//     IPv6 clients are grouped by /64, the block a single host or home
//     network is usually given, so one machine cannot get a fresh bucket
//     per address. IPv4-mapped IPv6 addresses count as their IPv4 address.
//
// TrustProxy is only safe when copydesk is reachable solely through a
// trusted reverse proxy that overwrites (or strips) the X-Forwarded-For it
// receives: a client talking to copydesk directly, or through a proxy that
// appends, can write any address at the left of that header and so choose
// its own bucket.
//
// This package does not check that a token is valid (authentication happens
// later, in the GraphQL layer), so a client could send a different made-up
// token with each request to get a fresh, larger bucket each time. To close
// that hole, the first request of a token that has no bucket yet (a new
// token, or one idle long enough to be forgotten) also spends one request
// from a "new tokens" bucket of the client IP, sized like the anonymous
// class. A busy client's token keeps its bucket and pays this only once; a
// client spraying tokens is held to the anonymous rate. The anonymous
// traffic of that IP does not count against it.
//
// # Memory
//
// Buckets live in one map bounded by Config.MaxKeys (200 to 300 bytes a
// key, so 20 to 30 MB at the default 100,000). A key unused for longer than its
// bucket takes to refill from empty (Burst / rate: 30 s for the default
// anonymous class, 15 s for tokens) is dropped, which no client can notice
// since a new bucket starts full. Dropping is lazy: every request sweeps a
// few of the longest-idle keys, so there is no background goroutine and
// nothing to close. When the map is full anyway, the least recently used key
// is evicted; its client gets a fresh bucket, the price of a bounded memory
// under an address spray.
//
// All state is behind one mutex held for a map lookup and a bucket update
// (well under a microsecond), which is ample for an editorial backend; shard
// by key if profiles ever say otherwise.
//
// # Scale-out
//
// Limits are per instance: N copydesk instances behind a load balancer let a
// client through at up to N times the configured rate. That is the
// documented trade-off against a shared store such as Redis, accepted
// because the goal is protecting each instance (its CPU and its database
// connections) from one client, not enforcing an exact commercial quota.
// Divide the configured rates by the instance count if a global figure
// matters.
//
// # Wiring
//
// The caller decides what to wrap: wrap /graphql (and anything else a
// client can hammer), not /healthz, /readyz or /metrics, whose callers are
// the orchestrator and the monitoring, which must never see a 429. The
// middleware counts HTTP requests, so opening a WebSocket costs one request
// (the upgrade); it passes the ResponseWriter through untouched, so upgrades
// and streaming work. The WebSocket transport then spends one request per
// operation with AllowSocket, from the bucket of the credential the socket
// authenticated with, so a socket counts like the HTTP requests it replaces.
package ratelimit

import (
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/copydesk/copydesk/internal/auth"
)

// Config sets the limits. A zero or negative PerMinute disables that class
// (its requests are not limited, and get no X-RateLimit headers).
type Config struct {
	// AnonymousPerMinute and AnonymousBurst apply per client IP to requests
	// without a bearer token. They also size the per-IP budget for tokens
	// not seen recently (see the package doc).
	AnonymousPerMinute, AnonymousBurst int
	// TokenPerMinute and TokenBurst apply per bearer token. Note that
	// disabling this class lets any request that carries a bearer header
	// through unlimited, since tokens are not verified here.
	TokenPerMinute, TokenBurst int
	// MaxKeys bounds how many buckets are kept; the least recently used is
	// evicted beyond it. Zero or negative means DefaultConfig().MaxKeys.
	MaxKeys int
	// TrustProxy takes the client IP from X-Forwarded-For (leftmost valid
	// address). Only safe behind a trusted proxy that overwrites that
	// header; see the package doc.
	TrustProxy bool
	// OnLimited, when set, is called (outside the limiter's lock) for every
	// request refused with 429, with the kind of bucket that was empty:
	// "token", "ip" (an anonymous client IP) or "new_token" (the client
	// IP's budget for tokens not seen recently). For metrics.
	OnLimited func(kind string)
}

// DefaultConfig returns the production defaults: anonymous clients 120
// requests a minute per IP with bursts of 60; tokens 1200 a minute with
// bursts of 300; at most 100,000 keys; X-Forwarded-For not trusted.
func DefaultConfig() Config {
	return Config{
		AnonymousPerMinute: 120,
		AnonymousBurst:     60,
		TokenPerMinute:     1200,
		TokenBurst:         300,
		MaxKeys:            100_000,
		TrustProxy:         false,
	}
}

// sweepBatch bounds how many idle keys one request drops, so that no
// request pays for a long sweep; the rest go on later requests (and the
// map stays bounded by MaxKeys meanwhile).
const sweepBatch = 32

// class is one kind of key: its bucket shape, its idle time-out and its keys
// in least-recently-used order (head is the most recent).
type class struct {
	prefix     string
	kind       string // for Config.OnLimited
	limit      rate.Limit
	burst      int
	idle       time.Duration // time to refill an empty bucket
	enabled    bool
	head, tail *entry
}

func newClass(prefix, kind string, perMinute, burst int) class {
	if perMinute <= 0 {
		return class{prefix: prefix, kind: kind}
	}
	if burst < 1 {
		burst = 1 // a bucket of 0 would refuse everything
	}
	limit := rate.Limit(float64(perMinute) / 60)
	return class{
		prefix:  prefix,
		kind:    kind,
		limit:   limit,
		burst:   burst,
		idle:    time.Duration(float64(burst) / float64(limit) * float64(time.Second)),
		enabled: true,
	}
}

type entry struct {
	key        string
	cls        *class
	lim        *rate.Limiter
	seen       time.Time
	prev, next *entry
}

// Limiter keeps the buckets. It is safe for concurrent use and starts no
// goroutine. The zero value is not usable: call New.
type Limiter struct {
	now        func() time.Time // the clock; tests replace it
	trustProxy bool
	maxKeys    int
	onLimited  func(kind string)

	mu       sync.Mutex
	keys     map[string]*entry
	anon     class // "a:" + IP or /64
	token    class // "t:" + hex SHA-256 of the token
	newToken class // "n:" + IP or /64: first requests of unknown tokens
}

// New returns a Limiter for cfg.
func New(cfg Config) *Limiter {
	maxKeys := cfg.MaxKeys
	if maxKeys <= 0 {
		maxKeys = DefaultConfig().MaxKeys
	}
	return &Limiter{
		now:        time.Now,
		trustProxy: cfg.TrustProxy,
		maxKeys:    maxKeys,
		onLimited:  cfg.OnLimited,
		keys:       make(map[string]*entry),
		anon:       newClass("a:", kindIP, cfg.AnonymousPerMinute, cfg.AnonymousBurst),
		token:      newClass("t:", kindToken, cfg.TokenPerMinute, cfg.TokenBurst),
		newToken:   newClass("n:", kindNewToken, cfg.AnonymousPerMinute, cfg.AnonymousBurst),
	}
}

// Len reports how many buckets are held (for tests and metrics). Idle ones
// not swept yet are included.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

// verdict is the outcome for one request.
type verdict struct {
	limited   bool          // a class applied (false: disabled, no headers)
	ok        bool          // the request may proceed
	wait      time.Duration // when !ok: until one request is available
	limit     int           // bucket size, for X-RateLimit-Limit
	remaining int           // whole requests left, for X-RateLimit-Remaining
	kind      string        // the bucket's kind, for Config.OnLimited
}

// Kinds of bucket, as Config.OnLimited reports them.
const (
	kindToken    = "token"
	kindIP       = "ip"
	kindNewToken = "new_token"
)

// check spends one request for r and says whether it may proceed, telling
// Config.OnLimited when it may not.
func (l *Limiter) check(r *http.Request) verdict {
	v := l.spend(r)
	if v.limited && !v.ok && l.onLimited != nil {
		l.onLimited(v.kind)
	}
	return v
}

// spend spends one request for r and says whether it may proceed.
func (l *Limiter) spend(r *http.Request) verdict {
	token, hasToken := auth.BearerToken(r.Header.Get("Authorization"))
	return l.checkToken(r, token, hasToken)
}

// checkToken spends one request from the bucket of token (hasToken) or of
// r's client IP, and says whether it may proceed.
func (l *Limiter) checkToken(r *http.Request, token string, hasToken bool) verdict {
	if hasToken && !l.token.enabled || !hasToken && !l.anon.enabled {
		return verdict{}
	}
	var tokenKey string
	if hasToken {
		tokenKey = l.token.prefix + hashToken(token) // hash outside the lock
	}
	now := l.now()

	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	if !hasToken {
		return l.take(&l.anon, l.anon.prefix+clientKey(r, l.trustProxy), now)
	}
	if _, known := l.keys[tokenKey]; !known && l.newToken.enabled {
		if v := l.take(&l.newToken, l.newToken.prefix+clientKey(r, l.trustProxy), now); !v.ok {
			return v
		}
	}
	return l.take(&l.token, tokenKey, now)
}

// take spends one request from key's bucket in cls, creating the bucket if
// needed. l.mu must be held.
func (l *Limiter) take(cls *class, key string, now time.Time) verdict {
	e := l.keys[key]
	if e == nil {
		if len(l.keys) >= l.maxKeys {
			l.evictOldest()
		}
		e = &entry{key: key, cls: cls, lim: rate.NewLimiter(cls.limit, cls.burst)}
		l.keys[key] = e
	} else {
		cls.unlink(e)
	}
	e.seen = now
	cls.pushFront(e)

	v := verdict{limited: true, limit: cls.burst, kind: cls.kind}
	res := e.lim.ReserveN(now, 1) // always OK: burst >= 1
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now) // a refused request costs nothing
		v.wait = d
		return v
	}
	v.ok = true
	v.remaining = max(int(e.lim.TokensAt(now)), 0)
	return v
}

// sweep drops a few keys idle long enough for their bucket to be full
// again. l.mu must be held.
func (l *Limiter) sweep(now time.Time) {
	for _, cls := range []*class{&l.anon, &l.token, &l.newToken} {
		for n := 0; n < sweepBatch && cls.tail != nil && now.Sub(cls.tail.seen) > cls.idle; n++ {
			l.remove(cls.tail)
		}
	}
}

// evictOldest drops the least recently used key of all classes. l.mu must
// be held.
func (l *Limiter) evictOldest() {
	var oldest *entry
	for _, cls := range []*class{&l.anon, &l.token, &l.newToken} {
		if t := cls.tail; t != nil && (oldest == nil || t.seen.Before(oldest.seen)) {
			oldest = t
		}
	}
	if oldest != nil {
		l.remove(oldest)
	}
}

func (l *Limiter) remove(e *entry) {
	e.cls.unlink(e)
	delete(l.keys, e.key)
}

func (c *class) pushFront(e *entry) {
	e.prev, e.next = nil, c.head
	if c.head != nil {
		c.head.prev = e
	}
	c.head = e
	if c.tail == nil {
		c.tail = e
	}
}

func (c *class) unlink(e *entry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		c.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		c.tail = e.prev
	}
	e.prev, e.next = nil, nil
}
