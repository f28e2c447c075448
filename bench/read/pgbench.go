package main

import (
	"context"
	"time"

	"github.com/copydesk/copydesk/bench/internal/benchdb"
	"github.com/copydesk/copydesk/bench/internal/httpbench"
)

// runPgbench runs the scripts with clients clients for d (whole seconds)
// and reads every transaction's latency from pgbench's per-transaction log.
func (b *bench) runPgbench(ctx context.Context, s *pgbenchScripts, clients int, d time.Duration, tag string) (httpbench.Result, error) {
	bin, err := benchdb.FindPgbench(b.cfg.pgbench)
	if err != nil {
		return httpbench.Result{}, err
	}
	p := &httpbench.Pgbench{Bin: bin, DSN: b.env.DSN, Work: b.env.Work, Files: s.files, Vars: s.vars, Clients: clients, D: d, Tag: tag}
	return p.Run(ctx)
}
