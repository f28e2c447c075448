// Package ws is copydesk's GraphQL-over-WebSocket transport: the
// graphql-transport-ws protocol
// (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md) as a
// gqlgen graphql.Transport, on github.com/coder/websocket.
//
// It runs every operation through gqlgen's executor (CreateOperationContext,
// DispatchOperation, DispatchError), so the error presenter, extensions and
// field middleware apply to socket operations as to HTTP ones. It adds what
// gqlgen's own transport lacks:
//
//   - Authentication like HTTP: the viewer of the upgrade request (its
//     Authorization header, already checked before the transport runs), or
//     a token in the connection_init payload. The token is checked again
//     before operations and on a timer, so a revoked or expired token ends
//     the socket with 4403 within seconds.
//   - Limits: operations spend from the rate limiter like HTTP requests; at
//     most MaxOperations run at once per socket; sockets are capped per
//     client and in total; a message is at most MaxMessageBytes; writes go
//     through one bounded queue and a client too slow to drain it is closed.
//   - The protocol's close codes (4400, 4401, 4403, 4406, 4408, 4409, 4429)
//     and its rule that `error` ends an operation without `complete`.
//
// The package knows nothing of identity (it reads only auth.ViewerFrom, for
// its log): Config.Authenticate and Config.Allow are hooks the GraphQL
// layer fills in.
package ws

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/ratelimit"
)

// Subprotocol is the only WebSocket subprotocol the transport speaks.
const Subprotocol = "graphql-transport-ws"

// Close codes. The 44xx codes are graphql-transport-ws's; 4499 and 4500
// follow the reference implementation (graphql-ws), whose client retries
// after 4499 and 4403 but not after the others.
const (
	CloseNormal         = 1000
	CloseTooBig         = 1009 // sent by coder/websocket when a message exceeds MaxMessageBytes
	CloseTryAgainLater  = 1013 // checking the token failed for an outage (UNAVAILABLE, TIMEOUT)
	CloseBadRequest     = 4400 // invalid JSON, unknown type, malformed message
	CloseUnauthorized   = 4401 // subscribe before connection_ack
	CloseForbidden      = 4403 // the token is not (or no longer) valid
	CloseSubprotocol    = 4406 // the client did not offer graphql-transport-ws
	CloseInitTimeout    = 4408 // no connection_init within InitTimeout
	CloseDuplicateID    = 4409 // subscribe with the id of a running operation
	CloseTooManyInits   = 4429 // a second connection_init
	CloseSlowConsumer   = 4499 // the client did not read what it was sent in time
	CloseInternalError  = 4500 // the server failed (details in its log)
	closeReasonMaxBytes = 123  // a close frame's reason is at most 123 bytes
)

// Limits bounds what one socket, one client and the process may hold. The
// zero value of a field means its default; a negative value disables the
// limit where that is documented.
type Limits struct {
	// InitTimeout is how long a socket may stay open without
	// connection_init (then 4408). Default 3 s.
	InitTimeout time.Duration
	// KeepAlive is the interval of the server's `ping` messages. Default
	// 15 s; negative disables them.
	KeepAlive time.Duration
	// RecheckInterval is how often the socket's token is checked again
	// while the socket is open, whether or not it runs operations.
	// Default 5 s.
	RecheckInterval time.Duration
	// RecheckCache is how long a successful token check is trusted before
	// an operation triggers another one. Default 1 s.
	RecheckCache time.Duration
	// MaxMessageBytes bounds one client message (then 1009) on a socket
	// whose viewer is Trusted. Default 1 MiB.
	MaxMessageBytes int64
	// PublicMessageBytes bounds one message on any other socket (the
	// public, and every socket until its connection_init token is
	// checked), as HTTP bounds a public body. Default 128 KiB.
	PublicMessageBytes int64
	// MaxOperations bounds the operations running at once on one socket;
	// one more gets an `error` with RATE_LIMITED. Default 32.
	MaxOperations int
	// WriteQueue is how many messages may wait for the socket's writer.
	// Default 64.
	WriteQueue int
	// WriteTimeout is how long a message may wait for room in the queue, or
	// take to be written; after it the client is too slow and is closed
	// with 4499. Default 10 s.
	WriteTimeout time.Duration
	// MaxSocketsPerClient caps the sockets open at once from one client IP
	// (as the rate limiter keys it); the upgrade is refused with 429 and
	// RATE_LIMITED. Default 16; negative: no cap.
	MaxSocketsPerClient int
	// MaxSockets caps the sockets open at once in this process; the
	// upgrade is refused with 503 and UNAVAILABLE. Default 10,000;
	// negative: no cap.
	MaxSockets int
	// OriginPatterns are the host patterns (path.Match syntax) of the web
	// origins allowed to open a socket besides the API's own host; see
	// coder/websocket's AcceptOptions. Default none: same origin only
	// (requests without Origin, i.e. non-browser clients, are always let
	// in).
	OriginPatterns []string
}

// DefaultLimits returns the documented defaults.
func DefaultLimits() Limits {
	return Limits{
		InitTimeout:         3 * time.Second,
		KeepAlive:           15 * time.Second,
		RecheckInterval:     5 * time.Second,
		RecheckCache:        time.Second,
		MaxMessageBytes:     1 << 20,
		PublicMessageBytes:  128 << 10,
		MaxOperations:       32,
		WriteQueue:          64,
		WriteTimeout:        10 * time.Second,
		MaxSocketsPerClient: 16,
		MaxSockets:          10_000,
	}
}

// withDefaults fills the zero fields of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	pick := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	pick(&l.InitTimeout, d.InitTimeout)
	pick(&l.KeepAlive, d.KeepAlive)
	pick(&l.RecheckInterval, d.RecheckInterval)
	pick(&l.RecheckCache, d.RecheckCache)
	pick(&l.WriteTimeout, d.WriteTimeout)
	if l.PublicMessageBytes == 0 {
		l.PublicMessageBytes = d.PublicMessageBytes
	}
	if l.MaxMessageBytes == 0 {
		l.MaxMessageBytes = d.MaxMessageBytes
	}
	if l.MaxOperations <= 0 {
		l.MaxOperations = d.MaxOperations
	}
	if l.WriteQueue <= 0 {
		l.WriteQueue = d.WriteQueue
	}
	if l.MaxSocketsPerClient == 0 {
		l.MaxSocketsPerClient = d.MaxSocketsPerClient
	}
	if l.MaxSockets == 0 {
		l.MaxSockets = d.MaxSockets
	}
	return l
}

// Config is the transport's limits and hooks.
type Config struct {
	Limits

	// Authenticate returns ctx carrying the viewer token stands for (a bare
	// API token, without "Bearer "). An error whose cerr code is
	// UNAUTHENTICATED means the token is bad (malformed, unknown, expired,
	// revoked, its user disabled): its message becomes the 4403 close
	// reason. UNAVAILABLE or TIMEOUT is an outage (1013, which clients may
	// retry); any other error is internal (4500). It is called for a
	// connection_init token, and again for the socket's token (from there
	// or from the upgrade's Authorization header) before operations and on
	// RecheckInterval; the context it returns then serves later
	// operations, so a change of the user's roles applies to them too. Nil:
	// connection_init tokens are refused with 4403 and nothing is
	// rechecked.
	Authenticate func(ctx context.Context, token string) (context.Context, error)
	// Allow spends one request of the rate limit for an operation on the
	// socket opened by r, authenticated with token ("" for anonymous); when
	// refused, retryAfter says for how long. Nil: not limited.
	Allow func(r *http.Request, token string) (ok bool, retryAfter time.Duration)
	// ClientKey names the client of r for MaxSocketsPerClient. Nil: ratelimit.AddrKey of
	// r.RemoteAddr (an IPv6 client by its /64).
	ClientKey func(r *http.Request) string
	// Closing, when closed, ends every socket with 1001 Going Away and
	// cancels its operations: the server is shutting down, and clients
	// reconnect (behind a load balancer, to another instance). Nil: sockets
	// end with the process.
	Closing <-chan struct{}
	// Trusted reports whether the viewer in ctx may send messages up to
	// MaxMessageBytes (the newsroom); others get PublicMessageBytes. Nil:
	// every socket is trusted.
	Trusted func(ctx context.Context) bool
	// OperationContext, if set, derives each operation's context from the
	// socket's (e.g. to give it fresh per-request caches).
	OperationContext func(ctx context.Context) context.Context
	// Log receives one line when a socket opens and one when it closes.
	// Nil: slog.Default().
	Log *slog.Logger
}

// Transport serves graphql-transport-ws on upgrade requests. Create it with
// New; it is safe for concurrent use.
type Transport struct {
	cfg Config

	mu       sync.Mutex
	open     int
	byClient map[string]int
}

var _ graphql.Transport = (*Transport)(nil)

// New returns a transport for cfg.
func New(cfg Config) *Transport {
	cfg.Limits = cfg.Limits.withDefaults()
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.ClientKey == nil {
		cfg.ClientKey = func(r *http.Request) string { return ratelimit.AddrKey(r.RemoteAddr) }
	}
	return &Transport{cfg: cfg, byClient: map[string]int{}}
}

// Open reports how many sockets are open (for tests and metrics).
func (t *Transport) Open() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.open
}

// Supports accepts WebSocket upgrade requests.
func (t *Transport) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// Do admits the socket against the connection caps, upgrades and serves it
// until it closes.
func (t *Transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	client := t.cfg.ClientKey(r)
	if status, msg := t.admit(client); status != 0 {
		code := cerr.RateLimited
		if status == http.StatusServiceUnavailable {
			code = cerr.Unavailable
		}
		writeRefusal(w, status, code, msg)
		return
	}
	defer t.release(client)
	serve(w, r, exec, &t.cfg)
}

// admit counts a socket for client, or says why it may not open.
func (t *Transport) admit(client string) (status int, msg string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.cfg.Limits
	if l.MaxSockets > 0 && t.open >= l.MaxSockets {
		return http.StatusServiceUnavailable, "The server has as many WebSockets open as it allows: retry in a few seconds, or use HTTP."
	}
	if l.MaxSocketsPerClient > 0 && t.byClient[client] >= l.MaxSocketsPerClient {
		return http.StatusTooManyRequests, fmt.Sprintf("Too many WebSockets open from your address (at most %d): close one before opening another; one socket can run many operations.", l.MaxSocketsPerClient)
	}
	t.open++
	t.byClient[client]++
	return 0, ""
}

func (t *Transport) release(client string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.open--
	if t.byClient[client]--; t.byClient[client] <= 0 {
		delete(t.byClient, client)
	}
}

// writeRefusal answers an upgrade that is not admitted with a GraphQL-shaped
// error: RATE_LIMITED (429, this client's cap) or UNAVAILABLE (503, the
// process's).
func writeRefusal(w http.ResponseWriter, status int, code, msg string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Retry-After", "1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": code, "retryAfter": 1}}},
	})
}

// clipReason keeps a close reason within what a close frame can carry,
// using fallback when it is too long.
func clipReason(reason, fallback string) string {
	if len(reason) <= closeReasonMaxBytes {
		return reason
	}
	return fallback
}

// retrySeconds rounds a wait up to whole seconds, at least 1.
func retrySeconds(d time.Duration) int {
	return max(int((d+time.Second-1)/time.Second), 1)
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
