// Command write is copydesk's write benchmark: updateReport throughput, each
// update recording an immutable revision, as a ratio to pgbench running the
// equivalent SQL transaction against the same database in the same run.
// Machines are noisy, so the ratio measured side by side is the figure to
// watch, not the absolute numbers. It prints figures; it never fails on time.
//
//	go run ./bench/write -h
//	bash bench/write.sh [duration]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/copydesk/copydesk/bench/internal/benchdb"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/newsroom"
)

type config struct {
	clients  int
	duration time.Duration
	reports  int
	mode     string
	dsn      string
	fast     bool
	showSQL  bool
	warmup   time.Duration
	pgbench  string
	cpuProf  string
}

func main() {
	var cfg config
	fs := flag.NewFlagSet("write", flag.ExitOnError)
	fs.IntVar(&cfg.clients, "clients", 4, "concurrent writers (goroutines for copydesk, clients and threads for pgbench)")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "length of each measured run")
	fs.IntVar(&cfg.reports, "reports", 64, "reports to create; rounded up to a multiple of -clients, each client owns its own")
	fs.StringVar(&cfg.mode, "mode", "service", "copydesk path to measure: service (reports.Service.UpdateReport), graphql (updateReport over HTTP to an in-process server) or both")
	fs.StringVar(&cfg.dsn, "dsn", "", "use this existing database (a lib/pq/libpq URL, like DATABASE_URL) instead of starting a private cluster; it is migrated and gets the benchmark's reports")
	fs.BoolVar(&cfg.fast, "fast", false, "private cluster only: fsync, synchronous_commit and full_page_writes off (default: durable, like copydesk serve)")
	fs.BoolVar(&cfg.showSQL, "show-sql", false, "private cluster only: print the statements one service updateReport sends, from the server log (log_statement=all on one connection)")
	fs.DurationVar(&cfg.warmup, "warmup", 500*time.Millisecond, "unmeasured updates before each copydesk run (opens the connection pool)")
	fs.StringVar(&cfg.cpuProf, "cpuprofile", "", "write a Go CPU profile of each measured copydesk run to FILE.<mode> (FILE.service, FILE.graphql)")
	fs.StringVar(&cfg.pgbench, "pgbench", "", "pgbench binary (default: pgbench on PATH, else the PostgreSQL server binaries' directory)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: go run ./bench/write [flags]

Measures updateReport throughput with revisions. Each of -clients writers owns
-reports/-clients reports (no conflicts) and, for -duration, repeatedly changes
one word of a report's ~6 KB body with the current expectedVersion and a
message. The same database then runs pgbench (-M prepared, same clients, same
duration) with a script issuing the SQL the service issues for one update.
Printed: updates, updates/s, mean latency, SQL statements per update, and the
ratio copydesk updates/s ÷ pgbench tps; plus Go heap and CPU per copydesk run
and WAL per update for every run.

Flags:
`)
		fs.PrintDefaults()
	}
	_ = fs.Parse(os.Args[1:])
	if fs.NArg() > 0 {
		fs.Usage()
		os.Exit(2)
	}
	// The benchmark writes as copydesk's System viewer (an admin).
	ctx, stop := signal.NotifyContext(auth.WithViewer(context.Background(), auth.System()), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/write:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	switch cfg.mode {
	case "service", "graphql", "both":
	default:
		return fmt.Errorf("-mode must be service, graphql or both, not %q", cfg.mode)
	}
	if cfg.clients < 1 || cfg.duration <= 0 || cfg.reports < 1 {
		return errors.New("-clients, -duration and -reports must be positive")
	}
	if cfg.dsn != "" && (cfg.fast || cfg.showSQL) {
		return errors.New("-fast and -show-sql apply to the private cluster only; drop them with -dsn")
	}
	perClient := (cfg.reports + cfg.clients - 1) / cfg.clients
	cfg.reports = perClient * cfg.clients
	pgbenchBin, err := benchdb.FindPgbench(cfg.pgbench)
	if err != nil {
		return err
	}

	env, err := benchdb.Open(ctx, "bench/write", cfg.dsn, cfg.fast)
	if err != nil {
		return err
	}
	defer env.Close()
	db, dsn, work := env.DB, env.DSN, env.Work
	svc := newsroom.New(db)

	t0 := time.Now()
	fx, err := seed(ctx, svc, cfg.reports)
	if err != nil {
		return fmt.Errorf("create reports: %w", err)
	}
	fmt.Fprintf(os.Stderr, "bench/write: created %d reports (%d people, %d organizations) in %s\n",
		len(fx.reports), fx.people, fx.orgs, time.Since(t0).Round(time.Millisecond))

	// One update outside any run: how many statements the service sends, and
	// (with -show-sql) which ones, as the server logs them.
	probe, err := probeUpdate(ctx, svc, fx)
	if err != nil {
		return fmt.Errorf("probe update: %w", err)
	}
	fx.serviceStmts = probe
	if cfg.showSQL {
		if err := showSQL(ctx, out, dsn, filepath.Join(work, "data", "postgres.log"), fx); err != nil {
			return fmt.Errorf("-show-sql: %w", err)
		}
	}

	var rows []result
	modes := []string{cfg.mode}
	if cfg.mode == "both" {
		modes = []string{"service", "graphql"}
	}
	for _, m := range modes {
		var r result
		var err error
		switch m {
		case "service":
			r, err = runService(ctx, db, svc, fx, cfg)
		case "graphql":
			r, err = runGraphQL(ctx, db, svc, fx, cfg)
		}
		var skip skipError
		if errors.As(err, &skip) && cfg.mode == "both" {
			rows = append(rows, result{mode: m, clients: cfg.clients, skipped: skip.reason})
			continue
		}
		if err != nil {
			return fmt.Errorf("%s run: %w", m, err)
		}
		rows = append(rows, r)
	}

	pb, err := runPgbench(ctx, db, pgbenchBin, dsn, work, fx, cfg)
	if err != nil {
		return fmt.Errorf("pgbench run: %w", err)
	}
	rows = append(rows, pb)

	durability := "durable (fsync on, as copydesk serve runs it)"
	switch {
	case cfg.dsn != "":
		durability = "external database (-dsn), its own settings"
	case cfg.fast:
		durability = "fast (fsync, synchronous_commit, full_page_writes off)"
	}
	fmt.Fprintf(out, "\nupdateReport with revisions vs pgbench, same database, same run\n")
	fmt.Fprintf(out, "  %d clients × %s per run, %d reports (%d per client); body %.1f KB, snapshot %.1f KB, %d attendees, %d tags, %d authors\n",
		cfg.clients, cfg.duration, len(fx.reports), perClient, kb(len(fx.bodyTemplate)), kb(len(fx.snapshotTemplate)),
		fx.attendees, fx.tags, fx.authors)
	fmt.Fprintf(out, "  PostgreSQL: %s; one service UpdateReport = %d SQL statements (incl. BEGIN/COMMIT)\n", durability, probe)
	if cfg.clients > maxPool {
		fmt.Fprintf(out, "  note: copydesk's pool holds at most %d connections (postgres.Open, as in the server); pgbench uses %d\n", maxPool, cfg.clients)
	}
	fmt.Fprintln(out)
	printTable(out, rows, pb.perSec)
	printHeap(out, rows)
	return nil
}

// maxPool is postgres.Open's SetMaxOpenConns.
const maxPool = 20

func kb(n int) float64 { return float64(n) / 1000 }

// result is one measured run.
type result struct {
	mode      string
	clients   int
	updates   int64
	elapsed   time.Duration
	perSec    float64
	meanLat   time.Duration
	stmts     float64 // SQL statements per update (counted by the run)
	stmtsNote string
	skipped   string

	// copydesk runs only
	peakHeap    uint64
	allocPerOp  float64
	gcs         uint32
	cpuPerOp    time.Duration // Go process CPU (user+sys)
	walPerOp    float64       // bytes of WAL
	heapCovered string
}

// skipError marks a mode that cannot run in this tree (graphql before the
// schema has updateReport); with -mode both the other rows are still printed.
type skipError struct{ reason string }

func (e skipError) Error() string { return e.reason }

func printTable(out io.Writer, rows []result, baseline float64) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mode\tclients\tupdates\tupdates/s\tmean latency\tSQL stmts/update\tratio vs pgbench\t")
	for _, r := range rows {
		if r.skipped != "" {
			fmt.Fprintf(tw, "%s\t%d\t-\t-\t-\t-\t-\t\n", r.mode, r.clients)
			continue
		}
		ratio := "-"
		if baseline > 0 {
			ratio = fmt.Sprintf("%.2f", r.perSec/baseline)
		}
		stmts := fmt.Sprintf("%.1f", r.stmts)
		if r.stmtsNote != "" {
			stmts += " " + r.stmtsNote
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.2f ms\t%s\t%s\t\n", r.mode, r.clients, r.updates, r.perSec,
			float64(r.meanLat.Microseconds())/1000, stmts, ratio)
	}
	tw.Flush()
	for _, r := range rows {
		if r.skipped != "" {
			fmt.Fprintf(out, "  %s: not run: %s\n", r.mode, r.skipped)
		}
		if r.stmtsNote != "" && r.mode == "pgbench" {
			fmt.Fprintf(out, "  %s: %s = statements in the script, BEGIN and END included\n", r.mode, r.stmtsNote)
		}
	}
	fmt.Fprintln(out, "  ratio = copydesk updates/s ÷ pgbench tps (1.00 = as fast as the bare SQL)")
}

func printHeap(out io.Writer, rows []result) {
	fmt.Fprintln(out, "\nPer run: Go heap (runtime.MemStats sampled every 20 ms), Go CPU (getrusage of this process), WAL (pg_current_wal_insert_lsn)")
	for _, r := range rows {
		switch {
		case r.skipped != "":
		case r.mode == "pgbench":
			fmt.Fprintf(out, "  %-8s WAL %.1f KB/update\n", r.mode, r.walPerOp/1000)
		default:
			fmt.Fprintf(out, "  %-8s peak HeapAlloc %.1f MiB, %.1f KiB allocated/update, %d GCs, Go CPU %.2f ms/update, WAL %.1f KB/update\n",
				r.mode, float64(r.peakHeap)/(1<<20), r.allocPerOp/1024, r.gcs, float64(r.cpuPerOp.Microseconds())/1000, r.walPerOp/1000)
			fmt.Fprintf(out, "  %-8s (heap and CPU cover: %s)\n", "", r.heapCovered)
		}
	}
}
