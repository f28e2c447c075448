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
	"time"

	"github.com/copydesk/copydesk/graph"
	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/demo"
	"github.com/copydesk/copydesk/internal/explorer"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/locale"
	"github.com/copydesk/copydesk/internal/migrations"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/pgembed"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/ratelimit"
	"github.com/copydesk/copydesk/internal/scheduler"
	"github.com/copydesk/copydesk/internal/server"
	"github.com/copydesk/copydesk/internal/workflow"
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
	// TargetLocales are the locales every report should be translated
	// into, comma-separated ("zh-Hans,ja,ko"); translation progress counts
	// them. Empty: only the locales a report has translations in.
	TargetLocales string
	// RateLimit limits /graphql per API token and per client IP; the zero
	// value limits nothing (cmd/copydesk sets ratelimit.DefaultConfig).
	RateLimit ratelimit.Config
	// Workflow is the newsroom's workflow policy; nil means
	// workflow.DefaultConfig() (one approval; edits reopen review).
	Workflow *workflow.Config
	// NoScheduler leaves out the publishing worker (internal/scheduler),
	// which otherwise runs in every instance.
	NoScheduler bool
	// Cache is how browsers and CDNs may cache anonymous GET queries; the
	// zero value caches nothing (cmd/copydesk defaults to 60s max-age and
	// 300s stale-while-revalidate).
	Cache graph.CachePolicy
	// CORSOrigins are the browser origins allowed to call /graphql ("*":
	// any); empty sends no CORS headers.
	CORSOrigins []string
}

// Database is an open database and, when it is embedded, the cluster behind it.
type Database struct {
	DB       *postgres.DB
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
// cfg.DataDir when it is empty.
func OpenDatabase(ctx context.Context, cfg Config, log *slog.Logger) (*Database, error) {
	if cfg.DatabaseURL != "" {
		db, err := postgres.Open(ctx, cfg.DatabaseURL, log)
		if err != nil {
			return nil, err
		}
		return &Database{DB: db}, nil
	}
	start := time.Now()
	_, statErr := os.Stat(filepath.Join(cfg.DataDir, "pg", "PG_VERSION"))
	fresh := errors.Is(statErr, fs.ErrNotExist)
	cluster, err := pgembed.Start(ctx, pgembed.Options{Dir: cfg.DataDir, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("embedded PostgreSQL: %w", err)
	}
	log.Info("embedded PostgreSQL ready", "dir", cfg.DataDir, "port", cluster.Port(), "fresh", fresh, "ms", time.Since(start).Milliseconds())
	db, err := postgres.Open(ctx, cluster.DSN("copydesk"), log)
	if err != nil {
		_ = cluster.Stop()
		return nil, err
	}
	return &Database{DB: db, Cluster: cluster, FreshDir: fresh}, nil
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
	svc := newsroom.New(db)
	if cfg.Workflow != nil {
		svc.Reports.Workflow = *cfg.Workflow
	}
	if !cfg.NoScheduler {
		// The worker stops before the database closes (defers run last-in, first-out).
		wctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = scheduler.New(db, svc.Reports, log, scheduler.Options{}).Run(wctx)
		}()
		defer func() { stop(); <-done }()
	}
	chains := cfg.LocaleFallbacks
	if chains == "" {
		chains = locale.DefaultFallbacks
	}
	fallbacks, err := locale.ParseFallbacks(chains)
	if err != nil {
		return fmt.Errorf("--locale-fallbacks: %w", err)
	}
	targets, err := locale.ParseList(cfg.TargetLocales)
	if err != nil {
		return fmt.Errorf("--target-locales: %w", err)
	}
	resolver := &graph.Resolver{DB: db, Reports: svc.Reports, Directory: svc.Directory, Translations: svc.Translations, Identity: identity.New(db), Comments: comments.New(db), Version: Version(),
		Fallbacks: fallbacks, TargetLocales: targets}
	h := server.New(server.Config{
		GraphQL:  ratelimit.New(cfg.RateLimit).Middleware(graph.NewHandler(resolver, log, graph.HandlerOptions{Cache: cfg.Cache})),
		Explorer: explorer.Handler(),
		Ready:    readiness(db),
		Log:      log,
		// Outside the rate limiter: preflights are not counted and 429s
		// stay readable by the page.
		CORSOrigins: cfg.CORSOrigins,
	})
	return server.Run(ctx, cfg.Addr, h, cfg.DrainTimeout, log, ready)
}

// readiness is ready when the database answers and every migration is applied.
func readiness(db *postgres.DB) server.Readiness {
	return func(ctx context.Context) error {
		if err := db.PingContext(ctx); err != nil {
			return &notReady{reason: "database unreachable", cause: err}
		}
		ok, err := migrations.Current(ctx, db.DB.DB)
		if err != nil {
			return errors.New("cannot read migration state")
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
