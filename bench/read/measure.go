package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/copydesk/copydesk/bench/internal/httpbench"
)

// runResult is one measured run: a query at a client count on a system in
// a round.
type runResult struct {
	query, system  string
	clients, round int
	httpbench.Result
	sql     float64 // statements per request (pg_stat_statements)
	peakRSS int64   // bytes; 0 for pgbench
}

func (r *runResult) rps() float64 {
	if r.Took <= 0 {
		return 0
	}
	return float64(r.Requests-r.Failed) / r.Took.Seconds()
}

type results struct {
	runs    []*runResult
	started time.Time
	took    time.Duration
}

// sqlCalls is the number of statements every session has run so far, as
// pg_stat_statements counts them (top-level statements, utility ones such
// as BEGIN included), leaving out its own queries.
func (b *bench) sqlCalls(ctx context.Context) (int64, error) {
	var n int64
	err := b.env.DB.GetContext(ctx, &n, `SELECT COALESCE(sum(calls), 0)::bigint FROM bench_read.pg_stat_statements
		WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%'`)
	return n, err
}

// measure runs every query at every client count on every system, -rounds
// times. Within a round the systems take turns for each (query, clients),
// starting with a different one each round, so that slow drifts of the
// machine spread over all of them. Before each query the servers start
// afresh and every system is warmed up for -warmup; the client counts then
// run in the order given (ascending by default), so a query's RSS at 64
// clients is the peak of its own runs.
func (b *bench) measure(ctx context.Context) (*results, error) {
	res := &results{started: time.Now()}
	systems := b.cfg.systems
	total := b.cfg.rounds * len(b.cfg.queries) * len(b.cfg.clients) * len(systems)
	logf("measuring: %d runs of %s (%d rounds × %d queries × %d client counts × %d systems), about %s",
		total, b.cfg.duration, b.cfg.rounds, len(b.cfg.queries), len(b.cfg.clients), len(systems),
		(time.Duration(total)*(b.cfg.duration+300*time.Millisecond) + time.Duration(b.cfg.rounds*len(b.cfg.queries))*(time.Duration(len(systems))*b.cfg.warmup+5*time.Second)).Round(time.Second))
	if _, err := b.env.DB.ExecContext(ctx, `SELECT bench_read.pg_stat_statements_reset()`); err != nil {
		return nil, err
	}
	n := 0
	for round := 1; round <= b.cfg.rounds; round++ {
		for _, qn := range b.cfg.queries {
			if err := b.startServers(ctx); err != nil {
				return nil, err
			}
			for _, sys := range systems {
				if _, err := b.runOne(ctx, qn, sys, b.cfg.clients[0], b.cfg.warmup); err != nil {
					return nil, fmt.Errorf("warm-up %s %s: %w", qn, sys, err)
				}
			}
			for _, c := range b.cfg.clients {
				order := slices.Clone(systems)
				k := (round - 1) % len(order)
				order = append(order[k:], order[:k]...)
				for _, sys := range order {
					r, err := b.runOne(ctx, qn, sys, c, b.cfg.duration)
					if err != nil {
						return nil, fmt.Errorf("%s %s %d clients: %w", qn, sys, c, err)
					}
					r.round = round
					res.runs = append(res.runs, r)
					n++
					logf("[%d/%d] round %d  %-13s %3d clients  %-12s %8.1f req/s  p50 %s  p99 %s  SQL/req %.1f  RSS %s%s",
						n, total, round, qn, c, sys, r.rps(), ms(r.Pct(0.5)), ms(r.Pct(0.99)), r.sql, mb(r.peakRSS), failures(r))
				}
			}
		}
	}
	res.took = time.Since(res.started)
	return res, nil
}

func failures(r *runResult) string {
	if r.Failed == 0 {
		return ""
	}
	return fmt.Sprintf("  FAILED %d (first: %s)", r.Failed, r.FirstFailure)
}

// runOne measures query qn on system sys with c clients for d.
func (b *bench) runOne(ctx context.Context, qn, sys string, c int, d time.Duration) (*runResult, error) {
	q := queries[qn]
	r := &runResult{query: qn, system: sys, clients: c}
	calls0, err := b.sqlCalls(ctx)
	if err != nil {
		return nil, err
	}
	switch sys {
	case sysCopydesk, sysPeer:
		s := b.servers[sys]
		if !s.Alive() {
			return nil, fmt.Errorf("%s is not running (its log: %s)", sys, s.LogPath)
		}
		l := &httpbench.Load{URL: s.URL, Bodies: b.bodies(q, sys), Clients: c, D: d, Seed: seed}
		if sys == sysCopydesk && !q.anon {
			l.Token = b.token
		}
		peak := s.Measure()
		r.Result = l.Run(ctx)
		r.peakRSS = peak()
	default:
		s := b.scripts[qn+"/"+sys]
		if s == nil {
			return nil, fmt.Errorf("no pgbench script for %s %s", qn, sys)
		}
		if r.Result, err = b.runPgbench(ctx, s, c, d, qn+" "+sys); err != nil {
			return nil, err
		}
	}
	calls1, err := b.sqlCalls(ctx)
	if err != nil {
		return nil, err
	}
	if r.Requests > 0 {
		r.sql = float64(calls1-calls0) / float64(r.Requests)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if r.Failed > 0 && r.Failed == r.Requests {
		return nil, fmt.Errorf("every request failed; the first: %s", r.FirstFailure)
	}
	return r, nil
}

// bodies are the request bodies of q for sys: one per published slug (of
// the query's pool) when by slug, else the one request.
func (b *bench) bodies(q *query, sys string) [][]byte {
	key := q.name + "/" + sys
	if bs, ok := b.bodyCache[key]; ok {
		return bs
	}
	var bs [][]byte
	if q.bySlug {
		for _, s := range b.pools.of(q) {
			bs = append(bs, q.body(sys, s))
		}
	} else {
		bs = [][]byte{q.body(sys, "")}
	}
	b.bodyCache[key] = bs
	return bs
}

func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}

func mb(n int64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
}
