package graph

import (
	"context"
	"log/slog"

	"github.com/copydesk/copydesk/graph/ws"
	"github.com/copydesk/copydesk/internal/auth"
)

// newWebSocket returns the graphql-transport-ws transport, authenticating
// connection_init tokens and rechecking tokens with r.Identity (the same
// check, and the same messages, as withViewer's for HTTP), limiting with
// opts.RateLimit, and giving every socket operation its own loaders for its
// viewer, as every HTTP request has.
func newWebSocket(r *Resolver, log *slog.Logger, opts HandlerOptions) *ws.Transport {
	cfg := ws.Config{
		Limits:  opts.WebSocket,
		Log:     log,
		Closing: opts.Closing,
		Authenticate: func(ctx context.Context, token string) (context.Context, error) {
			// An outage comes back as UNAVAILABLE or TIMEOUT, classified by
			// storage (postgres.FormatError); ws closes 1013 for it.
			v, err := r.Identity.Authenticate(ctx, token)
			if err != nil {
				return nil, err
			}
			return auth.WithViewer(ctx, v), nil
		},
		// The newsroom may send large messages (a report's body); the
		// public is held to what HTTP lets it send (PublicMaxBody).
		Trusted: func(ctx context.Context) bool { return auth.ViewerFrom(ctx).SeesDrafts() },
		OperationContext: func(ctx context.Context) context.Context {
			return context.WithValue(ctx, loadersKey{}, r.newBox(ctx))
		},
	}
	if cfg.PublicMessageBytes == 0 {
		cfg.PublicMessageBytes = PublicMaxBody
	}
	if opts.RateLimit != nil {
		cfg.Allow = opts.RateLimit.AllowSocket
		cfg.ClientKey = opts.RateLimit.ClientKey
	}
	return ws.New(cfg)
}
