package graph

import (
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/copydesk/copydesk/internal/operations"
)

// NewHandler returns the /graphql endpoint: GraphQL over HTTP (POST with
// application/json; GET for queries; responses as application/json or
// application/graphql-response+json by Accept) and subscriptions over
// WebSocket (graphql-transport-ws and the older graphql-ws subprotocol) on
// the same path.
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
	es := NewExecutableSchema(Config{Resolvers: r})
	limits := DefaultLimits()
	if opts.Limits != nil {
		limits = *opts.Limits
	}
	srv := handler.New(es)
	srv.AddTransport(transport.Websocket{KeepAlivePingInterval: 10 * time.Second})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(introspectionGate{public: !pers.NoPublicIntrospection})
	srv.Use(&persisted{reg: pers.Registry, mode: pers.PublicOperations})
	// The limiter measures the document a request runs, so it comes after
	// every extension that supplies the document (persisted operations).
	srv.Use(newLimiter(es, limits, opts.OnRefused))
	srv.SetParserTokenLimit(max(limits.Public.MaxTokens, limits.Newsroom.MaxTokens))
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(recoverPanic(log))
	return rejectUnsupported(withViewer(r.Identity, log, withLoaders(r, withAcceptLanguage(srv))))
}

// HandlerOptions configures the /graphql endpoint around the schema: what a
// request may cost, how sockets are authenticated, persisted operations and
// caching. The zero value applies the documented defaults.
type HandlerOptions struct {
	// Limits are the cost limits per audience, the response budget and the
	// operation deadline; nil means DefaultLimits().
	Limits *Limits
	// OnRefused, when set, is told the reason of every document refused
	// for its cost ("depth", "complexity", …; "response" for a response
	// that ran out of budget), for metrics.
	OnRefused func(reason string)
	// Persisted configures persisted operations (APQ, the public
	// allowlist) and introspection; the zero value: APQ for everyone over
	// a registry with the default bounds, introspection for everyone.
	Persisted PersistedOptions
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

// rejectUnsupported answers requests no transport accepts with a GraphQL
// error that has a code and an actionable message, rather than gqlgen's bare
// "transport not supported".
func rejectUnsupported(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, msg := 0, ""
		switch r.Method {
		case http.MethodGet, http.MethodOptions:
		case http.MethodPost:
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != "application/json" {
				status, msg = http.StatusUnsupportedMediaType, "POST requests must have Content-Type: application/json."
			}
		default:
			status, msg = http.StatusMethodNotAllowed, "Use POST (or GET for queries) on /graphql."
			w.Header().Set("Allow", "GET, POST, OPTIONS")
		}
		if status == 0 {
			next.ServeHTTP(w, r)
			return
		}
		writeError(w, status, "BAD_REQUEST", msg)
	})
}
