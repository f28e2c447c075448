// Command search measures copydesk's full-text search (issue 13) on the
// bench/read dataset: p50/p99 of Query.reports(search:) for English,
// Chinese, Japanese and Korean queries and for filters combined with a
// search, at several client counts, next to pgbench running the statements
// copydesk sends; each query's plan (the indexes used); page 100 of a
// search against page 1; and the size of the search index on disk.
//
//	bash bench/search.sh [flags]   # builds the dataset with bench/read, then runs this
//	go run ./bench/search -h
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/copydesk/copydesk/bench/internal/httpbench"
)

type config struct {
	reports     int
	clients     []int
	duration    time.Duration
	rounds      int
	warmup      time.Duration
	classes     []string
	keep, dsn   string
	bin         string
	pgbench     string
	results     string
	buffers     string
	pages       int
	pageSamples int
	peer        bool
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/search:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench/search:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	var clients, classes string
	fs.IntVar(&cfg.reports, "reports", 100_000, "reports in the dataset: the bench/read dataset of this size must be in the database (bench/search.sh builds it with bench/read -build-only)")
	fs.StringVar(&clients, "clients", "1,8", "comma-separated client counts; every class runs at each")
	fs.DurationVar(&cfg.duration, "duration", 3*time.Second, "length of one measured run (pgbench: rounded to whole seconds)")
	fs.IntVar(&cfg.rounds, "rounds", 2, "rounds: every (class, audience, clients, system) runs once per round, taking turns; medians are printed")
	fs.DurationVar(&cfg.warmup, "warmup", time.Second, "load of copydesk with each class before the first round")
	fs.StringVar(&classes, "classes", strings.Join(classNames(), ","), "comma-separated query classes to measure")
	fs.StringVar(&cfg.keep, "keep", "", "the private cluster's directory holding the dataset (bench/read -keep)")
	fs.StringVar(&cfg.dsn, "dsn", "", "use this existing database (superuser; pg_stat_statements and pg_prewarm available) instead of a private cluster; no plans of the captured SQL then")
	fs.StringVar(&cfg.bin, "copydesk", "", "the copydesk binary (default: go build ./cmd/copydesk into the work directory)")
	fs.StringVar(&cfg.pgbench, "pgbench", "", "the pgbench binary (default: from PATH or next to the server binaries)")
	fs.StringVar(&cfg.results, "results", "bench/RESULTS.md", "append the results to this file; empty: do not")
	fs.StringVar(&cfg.buffers, "shared-buffers", "4GB", "shared_buffers of the private cluster (as bench/read)")
	fs.IntVar(&cfg.pages, "pages", 100, "the deep page compared with page 1 (first: 20, walked with after cursors)")
	fs.IntVar(&cfg.pageSamples, "page-samples", 40, "requests of page 1 and of the deep page, alternating, per order")
	fs.BoolVar(&cfg.peer, "peer", true, "also run the peer: a headless CMS's case-insensitive contains (ILIKE '%term%') over title and body with pg_trgm indexes (built once, kept)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./bench/search [flags]   (or bash bench/search.sh [flags])\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if cfg.clients, err = httpbench.ParseClients(clients); err != nil {
		return nil, err
	}
	for _, s := range strings.Split(classes, ",") {
		s = strings.TrimSpace(s)
		if !slices.Contains(classNames(), s) {
			return nil, fmt.Errorf("-classes: %q is not one of %s", s, strings.Join(classNames(), ", "))
		}
		cfg.classes = append(cfg.classes, s)
	}
	switch {
	case cfg.keep == "" && cfg.dsn == "":
		return nil, errors.New("give -keep DIR (the cluster bench/read -build-only -keep DIR built) or -dsn")
	case cfg.keep != "" && cfg.dsn != "":
		return nil, errors.New("-keep and -dsn exclude each other")
	case cfg.rounds < 1 || cfg.duration <= 0:
		return nil, errors.New("-rounds and -duration must be positive")
	case cfg.pages < 2 || cfg.pageSamples < 1:
		return nil, errors.New("-pages must be at least 2 and -page-samples at least 1")
	}
	return cfg, nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench/search: "+strings.TrimRight(format, "\n")+"\n", args...)
}
