// Command copydesk is the copydesk server and its operator tools.
//
//	copydesk [serve]            run the GraphQL server (the default)
//	copydesk migrate up|down|status
//	copydesk demo load
//	copydesk user add|list
//	copydesk token create|list|revoke
//	copydesk desk add|list
//	copydesk operations register|list|unregister
//	copydesk version
//
// Every flag has an environment fallback; `copydesk CMD --help` lists them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/copydesk/copydesk/internal/app"
	"github.com/copydesk/copydesk/internal/locale"
	"github.com/copydesk/copydesk/internal/pgembed"
	"github.com/copydesk/copydesk/internal/ratelimit"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args, stderr)
	case "migrate":
		err = migrate(ctx, args, stdout, stderr)
	case "demo":
		err = demoCmd(ctx, args, stdout, stderr)
	case "user":
		err = userCmd(ctx, args, stdout, stderr)
	case "token":
		err = tokenCmd(ctx, args, stdout, stderr)
	case "desk":
		err = deskCmd(ctx, args, stdout, stderr)
	case "operations":
		err = operationsCmd(ctx, args, os.Stdin, stdout, stderr)
	case "xliff":
		err = xliffCmd(ctx, args, os.Stdin, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, app.Version())
	case "help", "-h", "--help":
		usage(stdout)
	default:
		fmt.Fprintf(stderr, "copydesk: unknown command %q\n\n", cmd)
		usage(stderr)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "copydesk %s: %v\n", cmd, err)
		if a := advice(cmd, err); a != "" {
			fmt.Fprintf(stderr, "  %s\n", a)
		}
		return 1
	}
	return 0
}

// advice is what to do about err, beyond what it says itself, when the
// embedded database is in the way; "" otherwise.
func advice(cmd string, err error) string {
	switch {
	case cmd == "serve" && errors.Is(err, pgembed.ErrInUse):
		// A second server on one embedded cluster would lose its database
		// whenever the first one stops: one data dir, one server.
		return "One data dir runs one server: stop the other one first (an operator command lets go of it when it ends), or give this one its own --data-dir. " +
			"Several servers share a database through --database-url (env DATABASE_URL). " +
			"The operator commands (copydesk token, user, desk, …) do run beside a server on its data dir."
	case errors.Is(err, pgembed.ErrCannotJoin), errors.Is(err, pgembed.ErrNoAccess):
		return "To run the command against a PostgreSQL of your choosing instead of the embedded one, pass --database-url (env DATABASE_URL)."
	}
	return ""
}

func usage(w io.Writer) {
	fmt.Fprint(w, `copydesk: an editorial workflow backend (GraphQL over PostgreSQL).

Usage:
  copydesk [serve] [flags]         run the server (default command)
  copydesk migrate up|down|status  manage the database schema
  copydesk demo load               load the demo report (idempotent)
  copydesk user add|list           create users (printing an API token) and list them
  copydesk token create|list|revoke
                                   manage a user's API tokens (create prints the token)
  copydesk desk add|list           manage desks, which roles may be limited to
  copydesk operations register FILE|list|unregister
                                   manage persisted GraphQL operations (manifests, APQ)
  copydesk xliff export|import     exchange translations with an agency (XLIFF 2.0)
  copydesk version                 print the version

With no DATABASE_URL, copydesk starts its own PostgreSQL under --data-dir
(default ./.copydesk) and stops it on exit. On an empty embedded database,
serve creates a local admin (admin@localhost) and prints its API token once.
The other commands also run beside a server on the same data dir: they use
the PostgreSQL it runs and leave it running.

Run 'copydesk COMMAND --help' for the flags of a command.
`)
}

// common holds the flags every database-using command shares.
type common struct {
	databaseURL string
	dataDir     string
	logFormat   string
	logLevel    string
}

func (c *common) register(fs *flag.FlagSet) {
	// The default stays empty so --help never prints DATABASE_URL, which
	// usually holds a password; config() falls back to the environment.
	fs.StringVar(&c.databaseURL, "database-url", "",
		"PostgreSQL URL to use instead of the embedded database (env DATABASE_URL)")
	fs.StringVar(&c.dataDir, "data-dir", envOr("COPYDESK_DATA_DIR", "./.copydesk"),
		"directory of the embedded PostgreSQL, used when no database URL is set (env COPYDESK_DATA_DIR)")
	fs.StringVar(&c.logFormat, "log-format", envOr("COPYDESK_LOG_FORMAT", "auto"),
		"log format: auto (text on a terminal, JSON otherwise), text or json (env COPYDESK_LOG_FORMAT)")
	fs.StringVar(&c.logLevel, "log-level", envOr("COPYDESK_LOG_LEVEL", "info"),
		"log level: debug, info, warn or error (env COPYDESK_LOG_LEVEL)")
}

func (c *common) logger(stderr io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %q is not one of debug, info, warn, error", c.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	format := c.logFormat
	if format == "auto" {
		format = "json"
		if f, ok := stderr.(*os.File); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: %q is not one of auto, text, json", c.logFormat)
}

func (c *common) config() app.Config {
	url := c.databaseURL
	if url == "" {
		url = os.Getenv("DATABASE_URL")
	}
	return app.Config{DatabaseURL: url, DataDir: c.dataDir}
}

func newFlagSet(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("copydesk "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nUsage of copydesk %s:\n", summary, name)
		fs.PrintDefaults()
	}
	return fs
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	var c common
	fs := newFlagSet("serve", "Run the copydesk GraphQL server: /graphql, the explorer at /, /healthz, /readyz and /metrics.", stderr)
	c.register(fs)
	addr := fs.String("addr", envOr("COPYDESK_ADDR", "127.0.0.1:8080"), "listen address (env COPYDESK_ADDR)")
	noMigrate := fs.Bool("no-migrate", envBool("COPYDESK_NO_MIGRATE"), "do not apply migrations at start-up (env COPYDESK_NO_MIGRATE)")
	demo := fs.String("demo", envOr("COPYDESK_DEMO", "auto"), "load the demo report: auto (first start of the embedded database), always, never (env COPYDESK_DEMO)")
	drain := fs.Duration("drain-timeout", 15*time.Second, "how long shutdown waits for in-flight requests")
	bootstrapAdmin := fs.Bool("bootstrap-admin", envBool("COPYDESK_BOOTSTRAP_ADMIN"),
		"on an external database without users, create a local admin and print its API token once, as the embedded database always does (env COPYDESK_BOOTSTRAP_ADMIN)")
	fallbacks := fs.String("locale-fallbacks", envOr("COPYDESK_LOCALE_FALLBACKS", locale.DefaultFallbacks),
		"locale fallback chains for reading reports in other locales, as from:next:next,from:next (env COPYDESK_LOCALE_FALLBACKS)")
	limits := ratelimit.DefaultConfig()
	fs.IntVar(&limits.AnonymousPerMinute, "rate-anonymous", envInt("COPYDESK_RATE_ANONYMOUS", limits.AnonymousPerMinute),
		"requests per minute allowed to each client IP without a token; 0 disables (env COPYDESK_RATE_ANONYMOUS)")
	fs.IntVar(&limits.TokenPerMinute, "rate-token", envInt("COPYDESK_RATE_TOKEN", limits.TokenPerMinute),
		"requests per minute allowed to each API token; 0 disables (env COPYDESK_RATE_TOKEN)")
	fs.BoolVar(&limits.TrustProxy, "trust-proxy", envBool("COPYDESK_TRUST_PROXY"),
		"take the client IP from X-Forwarded-For; only behind a proxy that sets it (env COPYDESK_TRUST_PROXY)")
	metricsAddr := fs.String("metrics-addr", os.Getenv("COPYDESK_METRICS_ADDR"),
		"serve /metrics on this address only (e.g. 127.0.0.1:9090), off the main listener; empty serves it at --addr (env COPYDESK_METRICS_ADDR)")
	pprofAddr := fs.String("pprof-addr", os.Getenv("COPYDESK_PPROF_ADDR"),
		"serve net/http/pprof under /debug/pprof/ on this address; empty (the default) is off. Never make it public (env COPYDESK_PPROF_ADDR)")
	noScheduler := fs.Bool("no-scheduler", envBool("COPYDESK_NO_SCHEDULER"),
		"do not run the publishing worker in this instance; scheduled reports are published by instances that do (env COPYDESK_NO_SCHEDULER)")
	edge, replica := registerEdge(fs), registerReplica(fs)
	moved := movedToDeskSettings(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := moved(); err != nil {
		return err
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	cfg := c.config()
	if err := edge.apply(&cfg); err != nil {
		return err
	}
	if err := replica.apply(&cfg); err != nil {
		return err
	}
	cfg.RateLimit = limits
	cfg.LocaleFallbacks = *fallbacks
	cfg.Addr, cfg.NoMigrate, cfg.DrainTimeout = *addr, *noMigrate, *drain
	cfg.BootstrapAdmin, cfg.Stderr = *bootstrapAdmin, stderr
	cfg.NoScheduler = *noScheduler
	cfg.MetricsAddr, cfg.PprofAddr = *metricsAddr, *pprofAddr
	switch d := app.Demo(*demo); d {
	case app.DemoAuto, app.DemoAlways, app.DemoNever:
		cfg.Demo = d
	default:
		return fmt.Errorf("--demo: %q is not one of auto, always, never", *demo)
	}
	return app.Run(ctx, cfg, log, nil)
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("migrate up|down|status", "Manage the database schema. up applies pending migrations; down rolls back the latest one (--all: every one); status lists them.", stderr)
	c.register(fs)
	all := fs.Bool("all", false, "with down: roll back every migration")
	if len(args) == 0 {
		fs.Usage()
		return errors.New("say up, down or status")
	}
	action := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	return app.Migrate(ctx, c.config(), action, *all, stdout, log)
}

func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("demo load", "Load the demo report (the 2020 Qingdao technology trade forum, with translations). Safe to repeat.", stderr)
	c.register(fs)
	if len(args) == 0 || args[0] != "load" {
		fs.Usage()
		return errors.New("say load")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	loaded, err := app.LoadDemo(ctx, c.config(), log)
	if err != nil {
		return err
	}
	if loaded {
		fmt.Fprintln(stdout, "demo data loaded")
	} else {
		fmt.Fprintln(stdout, "demo data already present")
	}
	return nil
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envBool(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// envBoolOr is envBool with a default for when name is unset or empty.
func envBoolOr(name string, def bool) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "":
		return def
	case "0", "false", "no", "off":
		return false
	}
	return envBool(name)
}

// envDuration returns the duration in environment variable name ("90s",
// "5m", or a bare number of seconds), or def when it is unset or invalid.
func envDuration(name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if d, err := time.ParseDuration(v); err == nil {
		return d
	}
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Second
	}
	return def
}

// envInt returns the integer in environment variable name, or def when it
// is unset or not a number.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}

// movedToDeskSettings registers the flags that were per-instance settings
// before desks owned them in the database (issue 14: two instances could
// disagree about one report). Given as a flag or in the environment, each
// stops the server with what to run instead; the returned function says so
// after parsing.
func movedToDeskSettings(fs *flag.FlagSet) func() error {
	type movedFlag struct{ flag, env, setting string }
	list := []movedFlag{
		{"approvals-required", "COPYDESK_APPROVALS_REQUIRED", "--approvals-required N"},
		{"edit-reopens-review", "COPYDESK_EDIT_REOPENS_REVIEW", "--edit-reopens-review=true|false"},
		{"target-locales", "COPYDESK_TARGET_LOCALES", "--target-locales zh-Hans,ja,ko"},
	}
	var given []string
	for _, m := range list {
		fs.Func(m.flag, "moved to the desk settings in the database: see 'copydesk desk settings --help'", func(string) error {
			given = append(given, m.flag)
			return nil
		})
	}
	return func() error {
		var errs []error
		for _, m := range list {
			if slices.Contains(given, m.flag) || os.Getenv(m.env) != "" {
				errs = append(errs, fmt.Errorf("--%s (env %s) is no longer an instance setting: desks own it in the database, so every instance applies the same value. Run 'copydesk desk settings --desk SLUG %s' (or --no-desk for reports on no desk), or use the updateDeskSettings mutation, and remove the flag", m.flag, m.env, m.setting))
			}
		}
		return errors.Join(errs...)
	}
}
