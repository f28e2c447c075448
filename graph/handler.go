package graph

import (
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/copydesk/copydesk/internal/metrics"
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
	srv := handler.New(NewExecutableSchema(Config{Resolvers: r}))
	srv.AddTransport(transport.Websocket{KeepAlivePingInterval: 10 * time.Second})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	if opts.Metrics != nil {
		// First, so that it is the outermost: it sees every response as
		// the client gets it.
		srv.Use(operationMetrics{opts.Metrics})
	}
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(recoverPanic(log))
	return rejectUnsupported(withViewer(r.Identity, log, withLoaders(r, withAcceptLanguage(srv))))
}

// HandlerOptions configures the /graphql endpoint around the schema: what a
// request may cost, how sockets are authenticated, persisted operations and
// caching. The zero value applies the documented defaults.
type HandlerOptions struct {
	// Metrics, when set, records every operation (name, type, outcome,
	// duration) and the code of every error; see graph/metrics.go.
	Metrics *metrics.Metrics
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
