// Command read measures copydesk's public and newsroom reads against
// PostGraphile over the same tables and against pgbench running the SQL
// copydesk sends (and one json_agg statement returning the same data), on
// a deterministic dataset of -reports reports built with COPY.
//
//	bash bench/read.sh [flags]     # builds the binaries, installs PostGraphile, runs this
//	go run ./bench/read -h
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
	"github.com/copydesk/copydesk/internal/auth"
)

type config struct {
	reports    int
	clients    []int
	duration   time.Duration
	rounds     int
	queries    []string
	systems    []string
	keep, dsn  string
	bin        string // copydesk binary
	peer       string // directory with PostGraphile's node_modules and graphile.config.mjs
	pgbench    string
	capture    int
	check      int
	warmup     time.Duration
	profile    time.Duration
	results    string
	buffers    string
	dsnOptions string
	buildOnly  bool
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/read:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(auth.WithViewer(context.Background(), auth.System()), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench/read:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("read", flag.ContinueOnError)
	var clients, queries, systems string
	fs.IntVar(&cfg.reports, "reports", 100_000, "reports in the dataset (with 2,000 events, 600 tags, 50,000 people, 10,000 organizations)")
	fs.StringVar(&clients, "clients", "1,16,64", "comma-separated client counts; every query runs at each")
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "length of one measured run (pgbench: rounded to whole seconds, at least 1)")
	fs.IntVar(&cfg.rounds, "rounds", 3, "rounds: every (query, clients, system) runs once per round, taking turns, and the medians are printed")
	fs.StringVar(&queries, "queries", strings.Join(queryNames, ","), "comma-separated queries to run")
	fs.StringVar(&systems, "systems", strings.Join(systemNames, ","), "comma-separated systems to measure")
	fs.StringVar(&cfg.keep, "keep", "", "keep the private cluster in this directory and reuse its dataset next time (built again only when -reports or the generator changed)")
	fs.StringVar(&cfg.dsn, "dsn", "", "use this existing database (superuser; pg_stat_statements loaded) instead of a private cluster; the dataset is built when missing")
	fs.StringVar(&cfg.bin, "copydesk", "", "the copydesk binary (default: go build ./cmd/copydesk into the work directory)")
	fs.StringVar(&cfg.peer, "peer", "", "directory holding PostGraphile's node_modules and graphile.config.mjs (bench/read.sh installs it); empty: PostGraphile is skipped")
	fs.StringVar(&cfg.pgbench, "pgbench", "", "the pgbench binary (default: from PATH or next to the server binaries)")
	fs.IntVar(&cfg.capture, "capture", 64, "requests per slug query captured from copydesk's statement log for pgbench (a); pgbench picks one at random per transaction (at most 128: pgbench's limit of scripts)")
	fs.IntVar(&cfg.check, "check", 8, "sample requests per query whose answers are compared across the systems")
	fs.DurationVar(&cfg.warmup, "warmup", time.Second, "load of every system before each query's runs (after the servers restart)")
	fs.DurationVar(&cfg.profile, "profile", 4*time.Second, "CPU profile of copydesk during slug-en and list-newsroom at 16 clients; 0: none")
	fs.StringVar(&cfg.results, "results", "bench/RESULTS.md", "append the results to this file; empty: do not")
	fs.StringVar(&cfg.buffers, "shared-buffers", "4GB", "shared_buffers of the private cluster: the dataset (3.8 GB at 100,000 reports) should fit, since every table is loaded into it (pg_prewarm) before measuring")
	fs.StringVar(&cfg.dsnOptions, "dsn-options", "", "options appended to copydesk serve's DATABASE_URL only, e.g. binary_parameters=yes (default: none, copydesk as deployed)")
	fs.BoolVar(&cfg.buildOnly, "build-only", false, "build (or find) the dataset, check it, and stop")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./bench/read [flags]   (or bash bench/read.sh [flags])\n\nFlags:\n")
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
	if cfg.queries, err = subset("-queries", queries, queryNames); err != nil {
		return nil, err
	}
	if cfg.systems, err = subset("-systems", systems, systemNames); err != nil {
		return nil, err
	}
	if cfg.peer == "" {
		cfg.systems = slices.DeleteFunc(cfg.systems, func(s string) bool { return s == sysPeer })
	}
	switch {
	case cfg.reports < 100:
		return nil, errors.New("-reports must be at least 100")
	case cfg.rounds < 1 || cfg.duration <= 0:
		return nil, errors.New("-rounds and -duration must be positive")
	case cfg.capture < 1 || cfg.capture > 128:
		return nil, errors.New("-capture must be between 1 and 128")
	case cfg.keep != "" && cfg.dsn != "":
		return nil, errors.New("-keep and -dsn exclude each other")
	}
	return cfg, nil
}

func subset(flagName, list string, all []string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if !slices.Contains(all, s) {
			return nil, fmt.Errorf("%s: %q is not one of %s", flagName, s, strings.Join(all, ", "))
		}
		out = append(out, s)
	}
	return out, nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench/read: "+strings.TrimRight(format, "\n")+"\n", args...)
}
