package graph

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
)

// NewHandler returns the /graphql endpoint: GraphQL over HTTP as the
// specification says (httpTransport: POST with application/json, GET for
// queries, responses as application/graphql-response+json or
// application/json by Accept, CDN caching of anonymous GET queries) and
// subscriptions over WebSocket (graphql-transport-ws and the older
// graphql-ws subprotocol) on the same path.
//
// opts holds what the edge of the API needs beyond the resolvers: limits,
// caches and hooks; its zero value is a working handler with the defaults.
func NewHandler(r *Resolver, log *slog.Logger, opts HandlerOptions) http.Handler {
	srv := handler.New(NewExecutableSchema(Config{Resolvers: r}))
	srv.AddTransport(transport.Websocket{KeepAlivePingInterval: 10 * time.Second})
	srv.AddTransport(httpTransport{cache: opts.Cache}) // before Options: it answers HEAD with 405 and Allow
	srv.AddTransport(transport.Options{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(recoverPanic(log))
	return withViewer(r.Identity, log, withLoaders(r, withAcceptLanguage(srv)))
}

// HandlerOptions configures the /graphql endpoint around the schema: what a
// request may cost, how sockets are authenticated, persisted operations and
// caching. The zero value applies the documented defaults.
type HandlerOptions struct {
	// Cache is how anonymous GET queries may be cached by browsers and CDNs;
	// the zero value caches nothing (Cache-Control: no-store).
	Cache CachePolicy
}
