// Package server assembles copydesk's HTTP surface: /graphql, the explorer at
// /, /healthz, /readyz and /metrics, wrapped in request IDs, access logs and
// request metrics, panic recovery and a body size limit. It runs until its
// context ends, then drains in-flight requests before returning.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/copydesk/copydesk/internal/metrics"
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
	// ReadyInfo, when non-nil, adds its fields to every /readyz answer:
	// what an operator should see there that does not decide readiness
	// (the read replica's state).
	ReadyInfo func() map[string]any
	Log       *slog.Logger
	// Metrics, when non-nil, is served at /metrics (not rate-limited: only
	// GraphQL is). Leave it nil to serve it on a listener of its own (see
	// MetricsOnly).
	Metrics http.Handler
	// Observer, when non-nil, records every request: its route, method,
	// status class, latency and SQL round trips.
	Observer *metrics.Metrics
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
			writeJSON(w, http.StatusServiceUnavailable, readyBody(cfg, map[string]any{"status": "unavailable", "reason": err.Error()}))
			return
		}
		writeJSON(w, http.StatusOK, readyBody(cfg, map[string]any{"status": "ok"}))
	})
	if cfg.Metrics != nil {
		mux.Handle("GET /metrics", cfg.Metrics)
	}
	if cfg.Explorer != nil {
		mux.Handle("/", cfg.Explorer)
	}
	return withRequestLog(cfg.Log, cfg.Observer, withRecover(cfg.Log, withBodyLimit(mux)))
}

// MetricsOnly is the handler of a listener that serves only GET /metrics
// (h), for deployments that keep metrics off the public listener.
func MetricsOnly(h http.Handler, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	return withRecover(log, mux)
}

// RunConfig is what Run needs.
type RunConfig struct {
	Addr    string
	Handler http.Handler
	// Drain is how long shutdown gives in-flight requests to finish.
	Drain time.Duration
	Log   *slog.Logger
	// Ready, if non-nil, receives the bound address once the listener is
	// open (useful with port 0).
	Ready func(net.Addr)
	// Conns bound the open connections; the zero value bounds nothing.
	Conns ConnLimits
	// RequestTimeout is the operation deadline; the write timeout leaves
	// room for it (0: 30 s).
	RequestTimeout time.Duration
	// OnShutdown, if set, is called when shutdown begins, before in-flight
	// requests are drained: hijacked connections (WebSockets) are not
	// drained by net/http, so this is where they are told to go away.
	OnShutdown func()
	// Listener, if non-nil, is served instead of listening on Addr (for a
	// caller that must bind several addresses before serving any).
	Listener net.Listener
}

// Timeouts of the HTTP server. Headers must arrive within 10 s and a whole
// request body within ReadTimeout: a 4 MiB body (the largest accepted, an
// XLIFF file or a long report) needs 70 KB/s, so a client trickling bytes
// is cut off. The response must be written within the request deadline
// plus 15 s. A WebSocket is free of both once upgraded (net/http clears a
// hijacked connection's deadlines); the socket keeps itself alive with pings
// and has its own timeouts.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 60 * time.Second
	IdleTimeout       = 60 * time.Second
)

// Run serves cfg.Handler on cfg.Addr until ctx ends, then shuts down
// gracefully, giving in-flight requests up to cfg.Drain to finish.
func Run(ctx context.Context, cfg RunConfig) error {
	ln := cfg.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			return err
		}
	}
	log := cfg.Log
	request := cfg.RequestTimeout
	if request <= 0 {
		request = 30 * time.Second
	}
	srv := &http.Server{
		Handler:           cfg.Handler,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      request + 15*time.Second,
		IdleTimeout:       IdleTimeout,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	log.Info("listening", "addr", ln.Addr().String(), "max_conns", cfg.Conns.Total, "max_conns_per_ip", cfg.Conns.PerIP)
	if cfg.Ready != nil {
		cfg.Ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(newLimitListener(ln, cfg.Conns)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests", "timeout", cfg.Drain.String())
	if cfg.OnShutdown != nil {
		cfg.OnShutdown()
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.Drain)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		log.Warn("drain timed out; closing remaining connections")
		err = srv.Close()
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

// readyBody is body with cfg.ReadyInfo's fields added (status and reason
// win).
func readyBody(cfg Config, body map[string]any) map[string]any {
	if cfg.ReadyInfo == nil {
		return body
	}
	for k, v := range cfg.ReadyInfo() {
		if _, taken := body[k]; !taken {
			body[k] = v
		}
	}
	return body
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
