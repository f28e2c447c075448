package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/copydesk/copydesk/bench/internal/httpbench"
)

// Systems: copydesk over HTTP, pgbench running the statements copydesk
// sends for the request, and the peer (pgbench running a CMS's ILIKE).
const (
	sysCopydesk = "copydesk"
	sysPgbench  = "pgbench"
	sysPeer     = "peer"
)

type runResult struct {
	tc      *testCase
	system  string
	clients int
	round   int
	httpbench.Result
}

type results struct {
	runs    []*runResult
	started time.Time
	took    time.Duration
}

func (t *testCase) systems() []string {
	s := []string{sysCopydesk, sysPgbench}
	if t.peer != nil {
		s = append(s, sysPeer)
	}
	return s
}

// measure runs every case at every client count on every system, -rounds
// times; within a round the systems take turns for each (case, clients),
// the first one changing every round.
func (b *bench) measure(ctx context.Context) (*results, error) {
	res := &results{started: time.Now()}
	total := 0
	for _, t := range b.cases {
		total += b.cfg.rounds * len(b.cfg.clients) * len(t.systems())
	}
	logf("measuring: %d runs of %s, about %s", total, b.cfg.duration,
		(time.Duration(total)*(b.cfg.duration+300*time.Millisecond) + time.Duration(len(b.cases))*b.cfg.warmup).Round(time.Second))
	for _, t := range b.cases {
		if _, err := b.runOne(ctx, t, sysCopydesk, 1, b.cfg.warmup); err != nil {
			return nil, fmt.Errorf("warm-up %s: %w", t.name(), err)
		}
	}
	n := 0
	for round := 1; round <= b.cfg.rounds; round++ {
		for _, t := range b.cases {
			for _, c := range b.cfg.clients {
				order := t.systems()
				k := (round - 1) % len(order)
				order = append(slices.Clone(order[k:]), order[:k]...)
				for _, sys := range order {
					r, err := b.runOne(ctx, t, sys, c, b.cfg.duration)
					if err != nil {
						return nil, fmt.Errorf("%s %s %d clients: %w", t.name(), sys, c, err)
					}
					r.round = round
					res.runs = append(res.runs, r)
					n++
					logf("[%d/%d] round %d  %-22s %2d clients  %-8s %8.1f req/s  p50 %s  p99 %s%s",
						n, total, round, t.name(), c, sys, r.RPS(), ms(r.Pct(0.5)), ms(r.Pct(0.99)), failures(r))
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

func (b *bench) runOne(ctx context.Context, t *testCase, sys string, c int, d time.Duration) (*runResult, error) {
	r := &runResult{tc: t, system: sys, clients: c}
	switch sys {
	case sysCopydesk:
		if !b.srv.Alive() {
			return nil, fmt.Errorf("copydesk is not running (its log: %s)", b.srv.LogPath)
		}
		l := &httpbench.Load{URL: b.srv.URL, Token: t.token(b), Bodies: [][]byte{t.body}, Clients: c, D: d, Seed: 13}
		r.Result = l.Run(ctx)
	default:
		s := t.script
		if sys == sysPeer {
			s = t.peer
		}
		p := &httpbench.Pgbench{Bin: b.pgbench, DSN: b.env.DSN, Work: b.env.Work, Files: []string{s.file}, Vars: s.vars, Clients: c, D: d, Tag: t.name() + " " + sys}
		var err error
		if r.Result, err = p.Run(ctx); err != nil {
			return nil, err
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if r.Failed > 0 && r.Failed == r.Requests {
		return nil, fmt.Errorf("every request failed; the first: %s", r.FirstFailure)
	}
	return r, nil
}
