package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/copydesk/copydesk/bench/internal/httpbench"
)

// pgbench (a) replays what copydesk sends. A second copydesk serve (the
// capture server) runs with log_statement=all on its connections (a
// session setting in its DATABASE_URL; the measured server logs nothing),
// each sample request is sent to it alone, and the statements the server
// log shows between before and after the response, with their parameters,
// become one pgbench script: the same SQL text, the parameters bound as
// pgbench variables (-M prepared: one round trip per statement, plans
// cached). pgbench picks one of the scripts at random per transaction.

// pgbenchScripts are the scripts of one query and system, and their
// variables (-D name=value).
type pgbenchScripts struct {
	files  []string
	vars   []string
	stmts  int // statements of the first script
	shape  string
	lo, hi int // fewest and most statements of the captured requests
}

// captureAll builds the pgbench scripts of every query: (a) from the
// capture server's statement log, (b) the one statement with each sample
// slug. It needs the private cluster's server log.
func (b *bench) captureAll(ctx context.Context) error {
	wantA, wantB := slices.Contains(b.cfg.systems, sysPgbenchA), slices.Contains(b.cfg.systems, sysPgbenchB)
	if !wantA && !wantB {
		return nil
	}
	logPath := filepath.Join(b.env.Work, "data", "postgres.log")
	if wantA && b.env.Cluster == nil {
		logf("pgbench (a) needs the private cluster's statement log: skipped with -dsn")
		b.cfg.systems = slices.DeleteFunc(b.cfg.systems, func(s string) bool { return s == sysPgbenchA })
		wantA = false
	}
	var cap *server
	if wantA {
		var err error
		if cap, _, err = b.startCopydesk(ctx, "copydesk-capture", withOptionsJoin("log_statement=all", b.cfg.dsnOptions)); err != nil {
			return err
		}
		defer cap.Stop()
	}
	dir := filepath.Join(b.env.Work, "pgbench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i, name := range b.cfg.queries {
		q := queries[name]
		slugs := []string{""}
		if q.bySlug {
			slugs = b.pools.sample(q, b.cfg.capture, uint64(200+i))
		}
		if wantA {
			s, err := b.captureA(ctx, cap, q, slugs, logPath, dir)
			if err != nil {
				return fmt.Errorf("capture %s: %w", name, err)
			}
			b.scripts[name+"/"+sysPgbenchA] = s
			logf("pgbench (a) %-13s %d script(s) from the statement log; %d–%d statements per captured request; the first one's:\n%s",
				name, len(s.files), s.lo, s.hi, indent(s.shape))
		}
		if wantB {
			s, err := oneStatementScripts(q, slugs, dir)
			if err != nil {
				return err
			}
			b.scripts[name+"/"+sysPgbenchB] = s
		}
	}
	return nil
}

// listCaptures is how many times a list query is captured: the log's
// statement of the request with the fewest statements is kept, the shape
// an unhurried server sends (logging every statement slows the server
// enough that some dataloader batches split).
const listCaptures = 8

func (b *bench) captureA(ctx context.Context, cap *server, q *query, slugs []string, logPath, dir string) (*pgbenchScripts, error) {
	tok := ""
	if !q.anon {
		tok = b.token
	}
	if !q.bySlug {
		slugs = make([]string, listCaptures)
	}
	var reqs [][]httpbench.Statement
	lo, hi := 0, 0
	for k, slug := range slugs {
		before := httpbench.FileLen(logPath)
		if _, err := post(ctx, cap.URL, tok, q.body(sysCopydesk, slug)); err != nil {
			return nil, err
		}
		text, err := httpbench.ReadFrom(logPath, before)
		if err != nil {
			return nil, err
		}
		stmts, err := httpbench.ParseLog(text)
		if err != nil {
			return nil, err
		}
		if len(stmts) == 0 {
			return nil, fmt.Errorf("no statement in the server log for request %d (is log_statement=all taking effect?)", k+1)
		}
		if k == 0 || len(stmts) < lo {
			lo = len(stmts)
		}
		hi = max(hi, len(stmts))
		reqs = append(reqs, stmts)
	}
	if !q.bySlug {
		best := reqs[0]
		for _, r := range reqs {
			if len(r) < len(best) {
				best = r
			}
		}
		reqs, slugs = [][]httpbench.Statement{best}, []string{""}
	}
	out := &pgbenchScripts{stmts: len(reqs[0]), shape: httpbench.Shape(reqs[0]), lo: lo, hi: hi}
	for k, stmts := range reqs {
		src, vars, err := httpbench.Script(stmts, fmt.Sprintf("a%d", k+1))
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, fmt.Sprintf("%s-a-%03d.sql", q.name, k+1))
		head := fmt.Sprintf("-- bench/read pgbench (a), %s: the %d statements copydesk sent for request %d of %d (slug %q), from the server log\n",
			q.name, len(stmts), k+1, len(reqs), slugs[k])
		if err := os.WriteFile(path, []byte(head+src), 0o644); err != nil {
			return nil, err
		}
		out.files = append(out.files, path)
		out.vars = append(out.vars, vars...)
	}
	return out, nil
}

// oneStatementScripts writes pgbench (b)'s script for each slug (one
// without a slug for a list).
func oneStatementScripts(q *query, slugs []string, dir string) (*pgbenchScripts, error) {
	out := &pgbenchScripts{stmts: 1}
	for k, slug := range slugs {
		sql := q.oneSQL
		if q.bySlug {
			v := fmt.Sprintf("b%d_slug", k+1)
			sql = strings.ReplaceAll(sql, "$1", ":"+v)
			out.vars = append(out.vars, v+"="+slug)
		}
		path := filepath.Join(dir, fmt.Sprintf("%s-b-%03d.sql", q.name, k+1))
		src := fmt.Sprintf("-- bench/read pgbench (b), %s: one statement returning the data of the query as JSON\n%s;\n", q.name, sql)
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			return nil, err
		}
		out.files = append(out.files, path)
	}
	return out, nil
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + clip(l, 160)
	}
	return strings.Join(lines, "\n")
}

func withOptionsJoin(a, b string) string {
	if b == "" {
		return a
	}
	return a + "&" + b
}
