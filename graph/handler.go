package graph

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/copydesk/copydesk/graph/ws"
	"github.com/copydesk/copydesk/internal/metrics"
	"github.com/copydesk/copydesk/internal/notify"
	"github.com/copydesk/copydesk/internal/operations"
	"github.com/copydesk/copydesk/internal/ratelimit"
)

// NewHandler returns the /graphql endpoint: GraphQL over HTTP as the
// specification says (httpTransport: POST with application/json, GET for
// queries, responses as application/graphql-response+json or
// application/json by Accept, CDN caching of anonymous GET queries) and
// over WebSocket (the graphql-transport-ws subprotocol only; see package ws)
// on the same path.
//
// opts holds what the edge of the API needs beyond the resolvers: limits,
// caches and hooks; its zero value is a working handler with the defaults.
func NewHandler(r *Resolver, log *slog.Logger, opts HandlerOptions) http.Handler {
	pers := opts.Persisted
	if pers.Registry == nil {
		pers.Registry = operations.New(r.DB, operations.Options{Log: log})
	}
	// A copy, so the caller's Resolver is not changed.
	rc := *r
	r = &rc
	r.ops = pers.Registry
	if r.Notifications == nil {
		r.Notifications = notify.New(r.DB)
	}
	es := NewExecutableSchema(Config{Resolvers: r})
	limits := DefaultLimits()
	if opts.Limits != nil {
		limits = *opts.Limits
	}
	srv := handler.New(es)
	srv.AddTransport(newWebSocket(r, log, opts))
	srv.AddTransport(httpTransport{cache: opts.Cache, log: log}) // before Options: it answers HEAD with 405 and Allow
	srv.AddTransport(transport.Options{})
	docs := smallDocuments{lru.New[*ast.QueryDocument](500)}
	srv.SetQueryCache(docs)
	srv.Use(introspectionGate{public: !pers.NoPublicIntrospection})
	if opts.Metrics != nil {
		// Before the cost limiter, so that it is the outer one: it sees
		// every response as the client gets it, refusals included.
		srv.Use(operationMetrics{opts.Metrics})
	}
	srv.Use(&persisted{reg: pers.Registry, mode: pers.PublicOperations})
	// The limiter measures the document a request runs, so it comes after
	// every extension that supplies the document (persisted operations).
	srv.Use(newLimiter(es, limits, opts.Metrics, docs))
	srv.SetParserTokenLimit(max(limits.Public.MaxTokens, limits.Newsroom.MaxTokens))
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(recoverPanic(log))
	return withViewer(r.Identity, log, withLoaders(r, withAcceptLanguage(srv)))
}

// smallDocuments caches parsed and validated documents of at most 8 KiB,
// the size of the queries a CMS sends again and again. Larger ones are
// parsed each time, so the cache cannot be filled with large documents:
// it holds at most 500 × 8 KiB of text.
type smallDocuments struct{ *lru.LRU[*ast.QueryDocument] }

func (c smallDocuments) Add(ctx context.Context, query string, doc *ast.QueryDocument) {
	if len(query) <= 8<<10 {
		c.LRU.Add(ctx, query, doc)
	}
}

// HandlerOptions configures the /graphql endpoint around the schema: what a
// request may cost, how sockets are authenticated, persisted operations and
// caching. The zero value applies the documented defaults.
type HandlerOptions struct {
	// RateLimit is the limiter /graphql is wrapped in. WebSocket operations
	// spend from it too (one request each, from the bucket of the socket's
	// token or client IP), and it says who a client is for
	// WebSocket.MaxSocketsPerClient. Nil: socket operations are not rate
	// limited.
	RateLimit *ratelimit.Limiter
	// WebSocket bounds the WebSocket transport; zero fields take
	// ws.DefaultLimits: connection_init within 3 s, tokens rechecked every
	// 5 s (and before an operation when last checked over 1 s ago), 1 MiB
	// messages, 32 operations at once per socket, 16 sockets per client IP
	// and 10,000 in all.
	WebSocket ws.Limits
	// Metrics, when set, records every operation (name, type, outcome,
	// duration), the code of every error and the reason of every cost
	// refusal; see graph/metrics.go.
	Metrics *metrics.Metrics
	// Limits are the cost limits per audience, the response budget and the
	// operation deadline; nil means DefaultLimits().
	Limits *Limits
	// Persisted configures persisted operations (APQ, the public
	// allowlist) and introspection; the zero value: APQ for everyone over
	// a registry with the default bounds, introspection for everyone.
	Persisted PersistedOptions
	// Closing, when closed, ends every WebSocket with 1001 Going Away
	// (the server is shutting down); nil: sockets end with the process.
	Closing <-chan struct{}
	// Cache is how anonymous GET queries may be cached by browsers and CDNs;
	// the zero value caches nothing (Cache-Control: no-store).
	Cache CachePolicy
}

// PersistedOptions configures persisted operations (README, "Persisted
// operations").
type PersistedOptions struct {
	// Registry stores the operations; nil: one over the Resolver's DB with
	// operations' default bounds.
	Registry *operations.Registry
	// PublicOperations is what the public audience may run; "" is PublicAny.
	PublicOperations PublicOperations
	// NoPublicIntrospection turns __schema and __type off for the public
	// audience (--public-introspection=false); the newsroom keeps them.
	NoPublicIntrospection bool
}
