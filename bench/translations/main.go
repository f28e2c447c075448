// Command translations measures what translation tracking costs a newsroom
// dashboard read: the same reports(first: 50) page read plainly, with each
// translation's freshness (stale fields with word diffs) and the reports'
// translation progress, read in another locale, and read in another locale
// by the public; each as a ratio to the plain read measured in the same run.
// Machines are noisy, so the ratios are the figures to watch, not the
// absolute numbers. It prints figures; it never fails on time.
//
//	go run ./bench/translations -h
//	bash bench/translations.sh [flags]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/copydesk/copydesk/bench/internal/benchdb"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/newsroom"
)

type config struct {
	reports  int
	duration time.Duration
	clients  int
	dsn      string
	warmup   time.Duration
	durable  bool
	cpuProf  string
	modes    string
	rounds   int
}

func main() {
	var cfg config
	fs := flag.NewFlagSet("translations", flag.ExitOnError)
	fs.IntVar(&cfg.reports, "reports", 200, "reports to create, each translated into zh-Hans, ja and ko; every other one then gets a new title (stale translations)")
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "measured time per mode (in -rounds slices)")
	fs.IntVar(&cfg.clients, "clients", 4, "concurrent HTTP clients")
	fs.StringVar(&cfg.dsn, "dsn", "", "use this existing database (a lib/pq/libpq URL, like DATABASE_URL) instead of starting a private cluster; it is migrated and gets the benchmark's reports, published")
	fs.DurationVar(&cfg.warmup, "warmup", 500*time.Millisecond, "unmeasured requests before each mode's first slice")
	fs.BoolVar(&cfg.durable, "durable", false, "private cluster only: keep fsync and synchronous_commit on (the default turns them off, which only speeds up seeding: the measured reads write nothing)")
	fs.IntVar(&cfg.rounds, "rounds", 5, "the modes take turns: each runs -rounds slices of -duration/-rounds, interleaved with the others, so noise hits all alike")
	fs.StringVar(&cfg.modes, "modes", "", "comma-separated modes to run (default: plain,freshness,localized,public-localized; plain, the baseline, always runs first); freshness-only and progress-only split freshness in two")
	fs.StringVar(&cfg.cpuProf, "cpuprofile", "", "write a Go CPU profile of each measured slice to FILE.<mode>.<round> (server, gqlgen and clients all run in this process); go tool pprof FILE.<mode>.* merges a mode's")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: go run ./bench/translations [flags]

Measures what translation tracking costs a newsroom dashboard read. Creates
-reports reports (title, summary, ~2 KB Markdown body, 10 attendees with
roles) through the content service, each with APPROVED zh-Hans, ja and ko
translations (roles translated), edits the title of every other one (its
translations become stale) and publishes them all through the workflow.
Then, for -duration each (in -rounds interleaved slices), -clients HTTP
clients send one query over reports(first: 50) to an in-process GraphQL
server wired like copydesk serve:

  plain             id title summary attendees { role } translations { locale title }
  freshness         plain + translations { freshness { … staleFields { changes } } } + translationProgress
  localized         plain, reports(locale: "ja"), + locale { complete fields } + attendees { person { name } }
  public-localized  localized, anonymous

Printed per mode: requests, req/s, mean and p95 latency, SQL round trips
per request, response size, and req/s ÷ the plain mode's req/s.

Flags:
`)
		fs.PrintDefaults()
	}
	_ = fs.Parse(os.Args[1:])
	if fs.NArg() > 0 {
		fs.Usage()
		os.Exit(2)
	}
	// Seeding runs as copydesk's System viewer (an admin, the only one that
	// may create translations APPROVED); the reads go over HTTP.
	ctx, stop := signal.NotifyContext(auth.WithViewer(context.Background(), auth.System()), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/translations:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	if cfg.clients < 1 || cfg.duration <= 0 || cfg.reports < 1 || cfg.rounds < 1 {
		return errors.New("-clients, -duration, -reports and -rounds must be positive")
	}
	run, err := selectModes(cfg.modes)
	if err != nil {
		return err
	}
	if cfg.dsn != "" && cfg.durable {
		return errors.New("-durable applies to the private cluster only; drop it with -dsn")
	}
	env, err := benchdb.Open(ctx, "bench/translations", cfg.dsn, !cfg.durable)
	if err != nil {
		return err
	}
	defer env.Close()
	db := env.DB
	svc := newsroom.New(db)
	ids := identity.New(db)
	token, reviewer, err := benchdb.AdminToken(ctx, ids, "bench-translations@copydesk.invalid", "translations benchmark")
	if err != nil {
		return fmt.Errorf("benchmark user: %w", err)
	}

	fx, err := seed(ctx, svc, cfg.reports)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	logf("created %d reports with %d translations each (%d people, %d organizations); %d with a new title, their translations stale; in %s",
		len(fx.ids), len(targetLocales), fx.people, fx.orgs, fx.stale, fx.seedTime.Round(time.Millisecond))
	if err := publish(ctx, svc, reviewer, fx); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	logf("published %d reports (submit, approve, publish) in %s", fx.published, fx.publishTime.Round(time.Millisecond))
	if _, err := db.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
		return fmt.Errorf("VACUUM ANALYZE: %w", err)
	}

	b, err := newBench(db, svc, ids, token, cfg.clients)
	if err != nil {
		return err
	}
	defer b.close()

	// Probe every mode (and check its page) before measuring any.
	runs := make([]*modeRun, len(run))
	probes := make([]int64, len(run))
	pages := make([]string, len(run))
	for i, m := range run {
		if probes[i], pages[i], err = b.probe(ctx, m, fx); err != nil {
			return fmt.Errorf("probe: %w", err)
		}
		logf("%s: %s", m.name, pages[i])
		runs[i] = &modeRun{m: m}
	}
	// The modes take turns, -rounds slices of -duration/-rounds each, so a
	// burst of noise on the machine lands on all of them alike.
	slice := cfg.duration / time.Duration(cfg.rounds)
	for round := range cfg.rounds {
		for _, mr := range runs {
			warmup, prof := time.Duration(0), ""
			if round == 0 {
				warmup = cfg.warmup
			}
			if cfg.cpuProf != "" {
				prof = fmt.Sprintf("%s.%s.%d", cfg.cpuProf, mr.m.name, round+1)
			}
			if err := b.slice(ctx, mr, cfg.clients, warmup, slice, prof); err != nil {
				return fmt.Errorf("round %d: %w", round+1, err)
			}
		}
		logf("round %d of %d done", round+1, cfg.rounds)
	}
	var rows []result
	for i, mr := range runs {
		r, err := mr.result(cfg.clients)
		if err != nil {
			return err
		}
		r.sqlProbe, r.page = probes[i], pages[i]
		rows = append(rows, r)
	}

	durability := "fsync off (seeding only; the reads write nothing)"
	switch {
	case cfg.dsn != "":
		durability = "external database (-dsn), its own settings"
	case cfg.durable:
		durability = "durable (fsync on)"
	}
	fmt.Fprintf(out, "\nTranslation tracking on a newsroom dashboard read: reports(first: 50), same server, same run\n")
	fmt.Fprintf(out, "  %d reports (body %.1f KB, %d attendees with roles), each translated into %d locales, APPROVED; %d retitled (translations stale); all published\n",
		len(fx.ids), float64(fx.bodyBytes)/1000, attendeesPer, len(targetLocales), fx.stale)
	fmt.Fprintf(out, "  %d clients × %s per mode, in %d interleaved round(s) of %s (after a %s warm-up); GOMAXPROCS %d; PostgreSQL: %s\n\n",
		cfg.clients, cfg.duration, cfg.rounds, slice, cfg.warmup, runtime.GOMAXPROCS(0), durability)
	printTable(out, rows)
	fmt.Fprintln(out)
	for i, r := range rows {
		fmt.Fprintf(out, "  %-16s %s\n  %-16s page: %s\n", r.mode, run[i].what, "", r.page)
	}
	fmt.Fprintln(out, "  SQL/req = round trips of one request (postgres.QueryCounter, as the request log counts them; the token lookup")
	fmt.Fprintln(out, "  included) with a 50 ms dataloader wait, so no batch splits: the cost of the query's shape. \"run\" = mean and")
	fmt.Fprintln(out, "  range during the run, on the server wired like copydesk serve (3 ms wait), where batches split under load.")
	fmt.Fprintln(out, "  req/s = the clients' rates summed (each client's requests ÷ its measured time); mean and p95 = request latency.")
	fmt.Fprintln(out, "  ratio = req/s ÷ plain req/s in this run (1.00 = as cheap as the plain read).")
	if n := b.errors.Load(); n > 0 {
		fmt.Fprintf(out, "  note: the server logged %d warnings or errors (printed on stderr)\n", n)
	}
	return nil
}

// selectModes returns the modes list names, in the order of modes, plain first.
func selectModes(list string) ([]*mode, error) {
	want, given := map[string]bool{"plain": true}, false
	for _, n := range strings.Split(list, ",") {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		if !slices.ContainsFunc(modes, func(m mode) bool { return m.name == n }) {
			return nil, fmt.Errorf("-modes: no mode %q", n)
		}
		want[n], given = true, true
	}
	var out []*mode
	for i := range modes {
		if m := &modes[i]; want[m.name] || (!given && !m.optional) {
			out = append(out, m)
		}
	}
	return out, nil
}

func printTable(out io.Writer, rows []result) {
	var base float64
	for _, r := range rows {
		if r.mode == "plain" {
			base = r.perSec
		}
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mode\tclients\trequests\treq/s\tmean\tp95\tSQL/req\tSQL/req run (min–max)\tKB/resp\tratio vs plain\t")
	for _, r := range rows {
		ratio := "-"
		if base > 0 {
			ratio = fmt.Sprintf("%.2f", r.perSec/base)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%s\t%s\t%d\t%.1f (%d–%d)\t%.1f\t%s\t\n", r.mode, r.clients, r.requests, r.perSec,
			ms(r.mean), ms(r.p95), r.sqlProbe, r.sqlMean, r.sqlMin, r.sqlMax, r.bytes/1000, ratio)
	}
	tw.Flush()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench/translations: "+format+"\n", args...)
}
