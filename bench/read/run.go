package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/copydesk/copydesk/bench/internal/benchdb"
	"github.com/copydesk/copydesk/bench/internal/httpbench"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/postgres"
)

// settings are the private cluster's: pg_stat_statements counts the SQL
// of every system alike; shared_buffers holds the dataset.
func settings(cfg *config) map[string]string {
	return map[string]string{"shared_preload_libraries": "pg_stat_statements", "shared_buffers": cfg.buffers}
}

// bench is one run's shared state.
type bench struct {
	cfg       *config
	env       *benchdb.Env
	token     string // an admin's FULL token, for list-newsroom
	pools     *slugPools
	servers   map[string]*server // copydesk, postgraphile
	pprof     string             // copydesk's pprof base URL
	scripts   map[string]*pgbenchScripts
	bodyCache map[string][][]byte
	dbSize    string
	commit    string // of the code measured, taken at the start
}

func run(ctx context.Context, cfg *config) error {
	o := benchdb.Options{DSN: cfg.dsn, Fast: true, Keep: cfg.keep, Settings: settings(cfg)}
	if cfg.dsn != "" {
		o.Settings = map[string]string{"shared_preload_libraries": "pg_stat_statements"}
	}
	env, err := benchdb.OpenWith(ctx, "bench/read", o)
	if err != nil {
		return err
	}
	defer env.Close()
	b := &bench{cfg: cfg, env: env, commit: httpbench.Commit(), servers: map[string]*server{}, scripts: map[string]*pgbenchScripts{}, bodyCache: map[string][][]byte{}}
	if err := b.prepareData(ctx); err != nil {
		return err
	}
	if cfg.buildOnly {
		return nil
	}
	defer b.stopServers()
	if err := b.startServers(ctx); err != nil {
		return err
	}
	if err := b.checkAll(ctx); err != nil {
		return err
	}
	if err := b.captureAll(ctx); err != nil {
		return err
	}
	res, err := b.measure(ctx)
	if err != nil {
		return err
	}
	prof := b.profiles(ctx)
	return b.report(res, prof)
}

// prepareData finds or builds the dataset, materializes it, VACUUM
// ANALYZEs and loads the slug pools.
func (b *bench) prepareData(ctx context.Context) error {
	db := b.env.DB
	if err := benchExtensions(ctx, db); err != nil {
		return err
	}
	token, admin, err := benchdb.AdminToken(ctx, identity.New(db), "bench-read@copydesk.invalid", "read benchmark")
	if err != nil {
		return fmt.Errorf("admin token: %w", err)
	}
	b.token = token
	key := datasetKey(b.cfg.reports)
	have, err := haveDataset(ctx, db, key)
	if err != nil {
		return err
	}
	if have {
		logf("reusing the dataset in the database (%s)", key)
	} else {
		logf("building the dataset (%s)", key)
		if err := buildDataset(ctx, db, b.cfg.reports, admin.UserID); err != nil {
			return fmt.Errorf("dataset: %w", err)
		}
	}
	// The rebuild reads through copydesk's own queries, whose plans are bad
	// on tables loaded with COPY and never analyzed (one statement took
	// 6 s per report on 100,000 reports): statistics first.
	t0 := time.Now()
	var unanalyzed int
	if err := db.GetContext(ctx, &unanalyzed, `SELECT count(*) FROM pg_stat_user_tables
		WHERE schemaname = 'public' AND last_analyze IS NULL AND last_autoanalyze IS NULL AND n_live_tup > 0`); err != nil {
		return err
	}
	if unanalyzed > 0 {
		if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
			return fmt.Errorf("ANALYZE: %w", err)
		}
		logf("ANALYZE (%d tables never analyzed) in %s", unanalyzed, time.Since(t0).Round(time.Millisecond))
	}
	t0 = time.Now()
	var done, total atomic.Int64
	err = materialize(ctx, db, func(d, t int) {
		done.Store(int64(d))
		total.Store(int64(t))
		fmt.Fprintf(os.Stderr, "\rbench/read: materializing %d/%d   ", d, t)
	})
	if total.Load() > 0 {
		fmt.Fprintln(os.Stderr)
	}
	if err != nil {
		return fmt.Errorf("materialize: %w", err)
	}
	logf("materialized in %s (%d of %d)", time.Since(t0).Round(time.Millisecond), done.Load(), total.Load())
	t0 = time.Now()
	if _, err := db.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
		return fmt.Errorf("VACUUM ANALYZE: %w", err)
	}
	logf("VACUUM ANALYZE in %s", time.Since(t0).Round(time.Millisecond))
	// Every system then starts from the same warm cache, whatever the build
	// or the previous run left in it.
	t0 = time.Now()
	var pages int64
	if err := db.GetContext(ctx, &pages, `SELECT COALESCE(sum(bench_read.pg_prewarm(c.oid)), 0)::bigint FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i', 't')`); err != nil {
		return fmt.Errorf("pg_prewarm: %w", err)
	}
	logf("pg_prewarm: %d MB into shared buffers in %s", pages*8/1024, time.Since(t0).Round(time.Millisecond))
	b.pools, err = loadPools(ctx, db)
	if err != nil {
		return err
	}
	b.dbSize = dbSize(ctx, b.env)
	logf("published reports: %d (%d with a ja translation); database size %s", len(b.pools.en), len(b.pools.ja), b.dbSize)
	return nil
}

func dbSize(ctx context.Context, env *benchdb.Env) string {
	var s string
	if err := env.DB.GetContext(ctx, &s, `SELECT pg_size_pretty(pg_database_size(current_database()))`); err != nil {
		return "?"
	}
	return s
}

// copydeskBin returns the copydesk binary, building it when -copydesk is empty.
func (b *bench) copydeskBin(ctx context.Context) (string, error) {
	if b.cfg.bin != "" {
		return b.cfg.bin, nil
	}
	logf("building cmd/copydesk")
	return httpbench.BuildCopydesk(ctx, b.env.Work)
}

// benchExtensions creates pg_stat_statements and pg_prewarm in the schema
// bench_read, out of the public schema that PostGraphile exposes.
func benchExtensions(ctx context.Context, db *postgres.DB) error {
	for _, ext := range []string{"pg_stat_statements", "pg_prewarm"} {
		var schema string
		err := db.GetContext(ctx, &schema, `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = $1`, ext)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = db.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS bench_read; CREATE EXTENSION `+ext+` SCHEMA bench_read`)
		case err == nil && schema != "bench_read":
			_, err = db.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS bench_read; ALTER EXTENSION `+ext+` SET SCHEMA bench_read`)
		}
		if err != nil {
			return fmt.Errorf("extension %s: %w", ext, err)
		}
	}
	return nil
}
