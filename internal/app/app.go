// Package app wires copydesk together: it opens the database (an external
// one, or an embedded PostgreSQL it starts and stops itself), applies
// migrations, loads the demo data when asked, and serves HTTP until its
// context ends. cmd/copydesk parses flags into a Config and calls Run; tests
// call Run in-process.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/copydesk/copydesk/graph"
	"github.com/copydesk/copydesk/graph/ws"
	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/demo"
	"github.com/copydesk/copydesk/internal/explorer"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/locale"
	"github.com/copydesk/copydesk/internal/metrics"
	"github.com/copydesk/copydesk/internal/migrations"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/operations"
	"github.com/copydesk/copydesk/internal/pgembed"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/published"
	"github.com/copydesk/copydesk/internal/ratelimit"
	"github.com/copydesk/copydesk/internal/richtext"
	"github.com/copydesk/copydesk/internal/scheduler"
	"github.com/copydesk/copydesk/internal/server"
)

// Demo says when the demo data set is loaded.
type Demo string

// Demo modes.
const (
	DemoAuto   Demo = "auto"   // on the first start of the embedded database only
	DemoAlways Demo = "always" // on every start (loading is idempotent)
	DemoNever  Demo = "never"
)

// Config is the server's configuration, filled from flags and environment.
type Config struct {
	Addr         string        // listen address, e.g. 127.0.0.1:8080
	DatabaseURL  string        // external database; empty = embedded
	DataDir      string        // embedded database directory
	NoMigrate    bool          // skip migrations at start-up
	Demo         Demo          // when to load the demo data
	DrainTimeout time.Duration // how long shutdown waits for in-flight requests
	// BootstrapAdmin creates the local admin on an empty external database
	// too (it always is on the embedded one); see bootstrapAdmin.
	BootstrapAdmin bool
	Stderr         io.Writer // where the local admin's token is printed; nil: os.Stderr
	// LocaleFallbacks are the fallback chains for reading reports in other
	// locales, as "zh-Hant:zh-Hans:en,ja:en" (locale.ParseFallbacks); empty
	// means locale.DefaultFallbacks.
	LocaleFallbacks string
	// RateLimit limits /graphql per API token and per client IP; the zero
	// value limits nothing (cmd/copydesk sets ratelimit.DefaultConfig).
	RateLimit ratelimit.Config
	// NoScheduler leaves out the publishing worker (internal/scheduler),
	// which otherwise runs in every instance.
	NoScheduler bool
	// MetricsAddr, when set, serves /metrics on that address only instead
	// of on Addr, to keep it off the public listener.
	MetricsAddr string
	// PprofAddr, when set, serves net/http/pprof under /debug/pprof/ on
	// that address (default: off). Never expose it publicly.
	PprofAddr string
	// Limits are the GraphQL cost limits and the operation deadline; nil
	// means graph.DefaultLimits().
	Limits *graph.Limits
	// LockTimeout bounds a statement's wait for a lock (default 10 s); the
	// server's statement_timeout is the operation deadline plus 5 s.
	LockTimeout time.Duration
	// Connections limits concurrent HTTP connections, in all and per client
	// IP; the zero value means server.DefaultConnLimits.
	Connections *server.ConnLimits
	// PublicOperations is what the public audience may run (graph.PublicAny
	// when empty, or graph.PublicAllowlist); NoPublicIntrospection turns
	// introspection off for it; MaxAutomaticOperations bounds the APQ
	// operations kept (0: operations.DefaultMaxAutomatic).
	PublicOperations       graph.PublicOperations
	NoPublicIntrospection  bool
	MaxAutomaticOperations int
	// PublicCacheBytes bounds the in-process cache of hot public documents
	// (published.Cache); 0 turns it off.
	PublicCacheBytes int
	// Cache is how browsers and CDNs may cache anonymous GET queries; the
	// zero value caches nothing (cmd/copydesk defaults to 60s max-age and
	// 300s stale-while-revalidate).
	Cache graph.CachePolicy
	// CORSOrigins are the browser origins allowed to call /graphql ("*":
	// any); empty sends no CORS headers.
	CORSOrigins []string
	// ReplicaURL, when set, is a streaming replica of the database that
	// public reads (anonymous and READ_PUBLISHED requests) go to, while
	// it is reachable and no further behind than ReplicaMaxLag (0: no
	// bound); see postgres.ReplicaOptions. Everything else stays on the
	// primary.
	ReplicaURL    string
	ReplicaMaxLag time.Duration
}

// Database is an open database and, when it is embedded, the cluster behind it.
type Database struct {
	DB       *postgres.DB
	DSN      string           // what DB was opened with, for a second pool
	Cluster  *pgembed.Cluster // nil for an external database
	FreshDir bool             // the embedded cluster was created by this start
}

// Close closes the pool and stops the embedded cluster, if any.
func (d *Database) Close() error {
	err := d.DB.Close()
	if d.Cluster != nil {
		err = errors.Join(err, d.Cluster.Stop())
	}
	return err
}

// OpenDatabase connects to cfg.DatabaseURL, or starts the embedded cluster in
// cfg.DataDir when it is empty. It is how the server opens its database:
// a data dir another copydesk process holds is refused (pgembed.ErrInUse).
func OpenDatabase(ctx context.Context, cfg Config, log *slog.Logger) (*Database, error) {
	return openDatabase(ctx, cfg, log, pgembed.Start)
}

// openCommandDatabase is OpenDatabase for the operator commands, which work
// beside a running server: when another copydesk process holds cfg.DataDir,
// they use the cluster it runs (pgembed.StartOrJoin) and leave it running.
func openCommandDatabase(ctx context.Context, cfg Config, log *slog.Logger) (*Database, error) {
	return openDatabase(ctx, cfg, log, pgembed.StartOrJoin)
}

func openDatabase(ctx context.Context, cfg Config, log *slog.Logger,
	start func(context.Context, pgembed.Options) (*pgembed.Cluster, error)) (*Database, error) {
	if cfg.DatabaseURL != "" {
		db, err := postgres.Open(ctx, cfg.DatabaseURL, log)
		if err != nil {
			return nil, err
		}
		return &Database{DB: db, DSN: cfg.DatabaseURL}, nil
	}
	t0 := time.Now()
	_, statErr := os.Stat(filepath.Join(cfg.DataDir, "pg", "PG_VERSION"))
	fresh := errors.Is(statErr, fs.ErrNotExist)
	cluster, err := start(ctx, pgembed.Options{Dir: cfg.DataDir, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("embedded PostgreSQL: %w", err)
	}
	if cluster.Joined() {
		fresh = false
	} else {
		log.Info("embedded PostgreSQL ready", "dir", cfg.DataDir, "port", cluster.Port(), "fresh", fresh, "ms", time.Since(t0).Milliseconds())
	}
	d := &Database{DSN: cluster.DSN("copydesk"), Cluster: cluster, FreshDir: fresh}
	if d.DB, err = postgres.Open(ctx, d.DSN, log); err != nil {
		_ = cluster.Stop()
		return nil, d.explain(err)
	}
	return d, nil
}

// explain adds to err, a command's failure, that the embedded cluster it
// ran on stopped meanwhile, when it did: the usual cause when the command
// joined a server's cluster and the server shut down.
func (d *Database) explain(err error) error {
	if err == nil || d.Cluster == nil {
		return err
	}
	if lost := d.Cluster.Lost(); lost != nil {
		again := "Run it again"
		if d.Cluster.Joined() {
			again = "Run it again: beside a running server it uses the server's database, and with none it starts the database itself"
		}
		return fmt.Errorf("%w\n  %v while the command ran, so the command may not have finished. %s.", err, lost, again)
	}
	return err
}

// Run starts copydesk and serves until ctx ends. ready, if non-nil, is called
// with the bound address once the server accepts connections.
func Run(ctx context.Context, cfg Config, log *slog.Logger, ready func(net.Addr)) error {
	database, err := OpenDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := database.Close(); err != nil {
			log.Error("closing database", "err", err)
		}
	}()
	db := database.DB
	if !cfg.NoMigrate {
		start := time.Now()
		n, err := migrations.Up(ctx, db.DB.DB, log)
		if err != nil {
			return err
		}
		log.Info("migrations applied", "count", n, "ms", time.Since(start).Milliseconds())
	}
	if cfg.Demo == DemoAlways || (cfg.Demo == DemoAuto && database.FreshDir) {
		if _, err := demo.Load(ctx, db, log); err != nil {
			return err
		}
	}
	if database.Cluster != nil || cfg.BootstrapAdmin {
		if err := bootstrapAdmin(ctx, cfg, db, log); err != nil {
			return err
		}
	}
	limits := graph.DefaultLimits()
	if cfg.Limits != nil {
		limits = *cfg.Limits
	}
	// Requests run on a pool of their own whose sessions carry the
	// timeouts; migrations and the demo load above ran without them.
	database.DB.SetMaxIdleConns(1)
	db, err = postgres.OpenWith(ctx, database.DSN, log, sessionOptions(cfg, limits))
	if err != nil {
		return err
	}
	defer db.Close()
	m := metrics.New(metrics.Options{Version: Version()})
	if err := m.RegisterDB(db.DB.DB); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if err := registerReplica(m, db, log); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	svc := newsroom.New(db)
	defer startWorkers(ctx, cfg, db, svc, m, log)()
	cache, stopCache := startPublicCache(ctx, cfg.PublicCacheBytes, database.DSN, log)
	defer stopCache()
	closing := make(chan struct{}) // closed at shutdown: WebSockets go away (1001)
	scfg, err := httpConfig(cfg, db, svc, cache, limits, m, closing, log)
	if err != nil {
		return err
	}
	side := sideListeners(cfg, m, scfg, log)
	return serve(ctx, server.RunConfig{Addr: cfg.Addr, Handler: server.New(*scfg), Drain: cfg.DrainTimeout, Log: log, Ready: ready,
		Conns: connLimits(cfg), RequestTimeout: limits.Timeout, OnShutdown: func() { close(closing) }}, side)
}

// httpConfig is the root handler's configuration: /graphql with its rate
// limiter, cost limits, persisted operations, caching and metrics, the
// explorer, readiness and CORS.
func httpConfig(cfg Config, db *postgres.DB, svc *newsroom.Services, cache *published.Cache, limits graph.Limits, m *metrics.Metrics, closing <-chan struct{}, log *slog.Logger) (*server.Config, error) {
	fallbacks, err := localeFallbacks(cfg)
	if err != nil {
		return nil, err
	}
	resolver := &graph.Resolver{DB: db, Reports: svc.Reports, Directory: svc.Directory, Translations: svc.Translations, Identity: identity.New(db), Comments: comments.New(db), Version: Version(),
		Fallbacks: fallbacks, PublicCache: cache,
		Texts: richtext.NewMemo(textMemoBytes)}
	rate := cfg.RateLimit
	rate.OnLimited = m.RateLimited
	limiter := ratelimit.New(rate) // one set of buckets for HTTP requests and socket operations
	return &server.Config{
		GraphQL: limiter.Middleware(graph.NewHandler(resolver, log,
			graph.HandlerOptions{Limits: &limits, Metrics: m, RateLimit: limiter,
				Cache:     cfg.Cache,
				WebSocket: ws.Limits{OriginPatterns: originHosts(cfg.CORSOrigins)},
				Closing:   closing,
				Persisted: graph.PersistedOptions{
					Registry:         operations.New(db, operations.Options{MaxAutomatic: cfg.MaxAutomaticOperations, Log: log}),
					PublicOperations: cfg.PublicOperations, NoPublicIntrospection: cfg.NoPublicIntrospection,
				}})),
		Explorer:  explorer.Handler(),
		Ready:     readiness(db),
		ReadyInfo: replicaInfo(db),
		Log:       log,
		Observer:  m,
		// Outside the rate limiter: preflights are not counted and 429s
		// stay readable by the page.
		CORSOrigins: cfg.CORSOrigins,
	}, nil
}

// localeFallbacks are cfg's locale fallback chains.
func localeFallbacks(cfg Config) (locale.Fallbacks, error) {
	chains := cfg.LocaleFallbacks
	if chains == "" {
		chains = locale.DefaultFallbacks
	}
	fallbacks, err := locale.ParseFallbacks(chains)
	if err != nil {
		return nil, fmt.Errorf("--locale-fallbacks: %w", err)
	}
	return fallbacks, nil
}

// connLimits are cfg's connection limits.
func connLimits(cfg Config) server.ConnLimits {
	conns := server.DefaultConnLimits()
	if cfg.Connections != nil {
		conns = *cfg.Connections
	}
	if cfg.RateLimit.TrustProxy {
		conns.PerIP = 0 // behind a proxy every connection comes from the proxy
	}
	return conns
}

// sessionOptions are the serving pool's session settings: statement_timeout
// a little above the operation deadline (the context cancels first; the
// server-side timeout is the backstop), lock_timeout, and an idle-in-
// transaction timeout; and its read replica, whose sessions get the same.
func sessionOptions(cfg Config, limits graph.Limits) postgres.Options {
	lock := cfg.LockTimeout
	if lock == 0 {
		lock = 10 * time.Second
	}
	opts := postgres.Options{LockTimeout: lock, IdleInTransactionTimeout: time.Minute,
		Replica: postgres.ReplicaOptions{URL: cfg.ReplicaURL, MaxLag: cfg.ReplicaMaxLag}}
	if limits.Timeout > 0 {
		opts.StatementTimeout = limits.Timeout + 5*time.Second
	}
	return opts
}

// readiness is ready when the database answers and every migration is
// applied. It tells a database that cannot be reached ("database
// unreachable") from a pool whose every connection is busy ("database pool
// busy"): the ping of a busy pool waits for a free connection, and its
// timeout is not the database's fault.
func readiness(db *postgres.DB) server.Readiness {
	return func(ctx context.Context) error {
		if err := db.PingContext(ctx); err != nil {
			st := db.Stats()
			if st.MaxOpenConnections > 0 && st.InUse >= st.MaxOpenConnections && errors.Is(err, context.DeadlineExceeded) {
				return &notReady{reason: fmt.Sprintf("database pool busy: all %d connections in use", st.MaxOpenConnections), cause: err}
			}
			return &notReady{reason: "database unreachable", cause: err}
		}
		ok, err := migrations.Current(ctx, db.DB.DB)
		if err != nil {
			return &notReady{reason: "cannot read migration state", cause: err}
		}
		if !ok {
			return errors.New("migrations pending: run `copydesk migrate up`")
		}
		return nil
	}
}

// notReady is a readiness failure whose message is only its reason (what
// /readyz answers) and which wraps its cause, which the server logs.
type notReady struct {
	reason string
	cause  error
}

func (e *notReady) Error() string { return e.reason }
func (e *notReady) Unwrap() error { return e.cause }

// Version is the build's version from its module info, or "dev".
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// originHosts turns the CORS origins ("https://news.example") into the
// host patterns the WebSocket transport checks a browser's Origin against
// ("news.example"), so the pages that may call /graphql may open a socket.
func originHosts(origins []string) []string {
	var hosts []string
	for _, o := range origins {
		if _, host, ok := strings.Cut(o, "://"); ok {
			o = host
		}
		hosts = append(hosts, o)
	}
	return hosts
}

// startWorkers starts this instance's background workers — the publishing
// scheduler (unless cfg.NoScheduler) and the public documents' rebuilds,
// after queuing the reports whose documents are missing or stale — and
// returns the function that stops them, which returns once they have
// stopped (before the database closes).
func startWorkers(ctx context.Context, cfg Config, db *postgres.DB, svc *newsroom.Services, m *metrics.Metrics, log *slog.Logger) func() {
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if !cfg.NoScheduler {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = scheduler.New(db, svc.Reports, log, scheduler.Options{OnJob: m.ScheduledJob}).Run(wctx)
		}()
	}
	if n, err := published.QueueStale(ctx, db); err != nil {
		log.Error("public documents: cannot queue rebuilds", "err", err)
	} else if n > 0 {
		log.Info("public documents: rebuilding missing or stale documents in the background", "reports", n)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		(&published.Worker{DB: db, Log: log}).Run(wctx)
	}()
	return func() { stop(); wg.Wait() }
}

// textMemoBytes bounds the memo of plain texts of bodies that search
// snippets are cut from (graph.Resolver.Texts): about 400 bodies of 20 KB.
const textMemoBytes = 16 << 20

// startPublicCache starts the cache of hot public documents, of at most
// maxBytes, kept current by a listener on the primary database at dsn, and
// returns it with the function that stops the listener. It returns no
// cache (nil) when maxBytes is 0, or when the listener cannot start: a
// cache that misses announcements would serve stale documents.
func startPublicCache(ctx context.Context, maxBytes int, dsn string, log *slog.Logger) (*published.Cache, func()) {
	if maxBytes <= 0 {
		return nil, func() {}
	}
	c := published.NewCache(maxBytes)
	lctx, stop := context.WithCancel(ctx)
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- published.Listen(lctx, dsn, c, log, ready) }()
	select {
	case <-ready:
		log.Info("public documents cache on", "max_bytes", maxBytes)
		return c, func() { stop(); <-done }
	case err := <-done:
		log.Error("public documents cache off: cannot listen for changes", "err", err)
	case <-time.After(10 * time.Second):
		log.Error("public documents cache off: listening for changes did not start in 10 s")
	}
	stop()
	return nil, func() {}
}
