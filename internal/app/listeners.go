package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/copydesk/copydesk/internal/metrics"
	"github.com/copydesk/copydesk/internal/server"
)

// sideListener is a listener beside the main one: /metrics on its own
// address, or pprof.
type sideListener struct {
	name    string // "metrics" or "pprof", logged as listener=
	addr    string
	handler http.Handler
	warning string // logged at WARN when it starts, if set
	// timeout is the longest a request may take (server.RunConfig's
	// RequestTimeout; 0: the server's default).
	timeout time.Duration
}

// sideListeners returns the listeners cfg asks for beside the main one:
// /metrics on MetricsAddr (else it is served by the main listener, scfg),
// pprof on PprofAddr.
func sideListeners(cfg Config, m *metrics.Metrics, scfg *server.Config, log *slog.Logger) []sideListener {
	var side []sideListener
	if cfg.MetricsAddr == "" {
		scfg.Metrics = m.Handler()
	} else {
		side = append(side, sideListener{name: "metrics", addr: cfg.MetricsAddr, handler: server.MetricsOnly(m.Handler(), log)})
	}
	if cfg.PprofAddr != "" {
		// A CPU profile or a trace takes as long as it is asked to
		// (?seconds=, default 30): let it run up to 5 minutes.
		side = append(side, sideListener{name: "pprof", addr: cfg.PprofAddr, handler: server.Pprof(), timeout: 5 * time.Minute,
			warning: "pprof is on: its profiles expose the process's memory and code; this address must not be reachable from the public"})
	}
	return side
}

// serve runs main, and each side listener on its address, until ctx ends,
// then shuts them all down. The side listeners are bound before the main
// one, so they accept connections by the time main.Ready is called; if one
// cannot be bound, or fails later, everything stops with its error.
func serve(ctx context.Context, main server.RunConfig, side []sideListener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lns := make([]net.Listener, len(side))
	for i, s := range side {
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			for _, l := range lns[:i] {
				l.Close()
			}
			return fmt.Errorf("--%s-addr: %w", s.name, err)
		}
		lns[i] = ln
	}
	var wg sync.WaitGroup
	errs := make([]error, len(side))
	for i, s := range side {
		log := main.Log.With("listener", s.name)
		if s.warning != "" {
			log.Warn(s.warning, "addr", lns[i].Addr().String())
		}
		cfg := server.RunConfig{Listener: lns[i], Handler: s.handler, Drain: main.Drain, Log: log,
			RequestTimeout: s.timeout}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := server.Run(ctx, cfg); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs[i] = fmt.Errorf("%s listener: %w", s.name, err)
				cancel()
			}
		}()
	}
	err := server.Run(ctx, main)
	cancel()
	wg.Wait()
	return errors.Join(append([]error{err}, errs...)...)
}
