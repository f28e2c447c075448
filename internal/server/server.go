// Package server assembles copydesk's HTTP surface: /graphql, the explorer at
// /, /healthz and /readyz, wrapped in request IDs, access logs, panic recovery
// and a body size limit. It runs until its context ends, then drains in-flight
// requests before returning.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// MaxRequestBytes bounds a request body. Report bodies are limited to 1 MiB
// (see the content model), so 4 MiB leaves room for JSON escaping and the rest
// of a mutation.
const MaxRequestBytes = 4 << 20

// Readiness reports whether the server can serve traffic: the database is
// reachable and its migrations are current. A non-nil error makes /readyz 503
// with the error's message as the reason. If the error wraps another
// (errors.Unwrap), that one is logged as the cause but not sent: the reason
// stays short and the details stay in the log.
type Readiness func(ctx context.Context) error

// Config is what New needs.
type Config struct {
	GraphQL  http.Handler // the /graphql endpoint
	Explorer http.Handler // serves / and /explorer/ ; may be nil
	Ready    Readiness
	Log      *slog.Logger
	// Metrics, when non-nil, is served at /metrics.
	Metrics http.Handler
	// CORSOrigins are the origins whose pages may call /graphql from a
	// browser ("*": any); empty sends no CORS headers. See withCORS.
	CORSOrigins []string
}

// New returns the root handler.
func New(cfg Config) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/graphql", withCORS(cfg.CORSOrigins, cfg.GraphQL))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := cfg.Ready(ctx); err != nil {
			attrs := []any{"err", err}
			if cause := errors.Unwrap(err); cause != nil {
				attrs = append(attrs, "cause", cause)
			}
			cfg.Log.WarnContext(ctx, "not ready", attrs...)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	if cfg.Metrics != nil {
		mux.Handle("GET /metrics", cfg.Metrics)
	}
	if cfg.Explorer != nil {
		mux.Handle("/", cfg.Explorer)
	}
	return withRequestLog(cfg.Log, withRecover(cfg.Log, withBodyLimit(mux)))
}

// Run serves h on addr until ctx ends, then shuts down gracefully, giving
// in-flight requests up to drain to finish. ready, if non-nil, receives the
// bound address once the listener is open (useful with port 0).
func Run(ctx context.Context, addr string, h http.Handler, drain time.Duration, log *slog.Logger, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	log.Info("listening", "addr", ln.Addr().String())
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests", "timeout", drain.String())
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	err = srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		log.Warn("drain timed out; closing remaining connections")
		err = srv.Close()
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
