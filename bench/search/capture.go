package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/copydesk/copydesk/bench/internal/httpbench"
)

// capturedScript is a pgbench script: the statements of one request.
type capturedScript struct {
	file  string
	vars  []string
	stmts []httpbench.Statement
}

// captureAll sends each case's request to a second copydesk serve whose
// connections log every statement (log_statement=all), turns the
// statements into a pgbench script and EXPLAINs (ANALYZE, BUFFERS) each
// SELECT of it. The request is sent twice and the second one kept, so that
// what a server caches after its first request (collations, the token)
// is left out as it is under load.
func (b *bench) captureAll(ctx context.Context) error {
	if b.env.Cluster == nil {
		return fmt.Errorf("capturing the SQL needs the private cluster's server log (-keep, not -dsn)")
	}
	logPath := filepath.Join(b.env.Work, "data", "postgres.log")
	cap, _, err := httpbench.StartCopydesk(ctx, "copydesk-capture", b.bin, httpbench.WithOptions(b.env.DSN, "log_statement=all"), b.env.Work)
	if err != nil {
		return err
	}
	defer cap.Stop()
	dir := filepath.Join(b.env.Work, "pgbench-search")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i, t := range b.cases {
		var stmts []httpbench.Statement
		for range 2 {
			before := httpbench.FileLen(logPath)
			if _, err := httpbench.PostRaw(ctx, cap.URL, t.token(b), t.body); err != nil {
				return err
			}
			text, err := httpbench.ReadFrom(logPath, before)
			if err != nil {
				return err
			}
			if stmts, err = httpbench.ParseLog(text); err != nil {
				return fmt.Errorf("capture %s: %w", t.name(), err)
			}
		}
		// The server's rebuild worker polls its queue now and then: not the request's.
		stmts = slices.DeleteFunc(stmts, func(st httpbench.Statement) bool { return strings.Contains(st.SQL, "public_document_jobs") })
		if len(stmts) == 0 {
			return fmt.Errorf("capture %s: no statement in the server log", t.name())
		}
		if t.script, err = writeScript(dir, fmt.Sprintf("%02d-%s", i+1, strings.ReplaceAll(t.name(), "/", "-")), t.name(), stmts); err != nil {
			return err
		}
		for k, st := range stmts {
			if !isQuery(st.SQL) {
				continue
			}
			p, err := explain(ctx, b.env.DB.DB.DB, st)
			if err != nil {
				return fmt.Errorf("EXPLAIN statement %d of %s: %w\n%s", k+1, t.name(), err, httpbench.Clip(st.SQL, 400))
			}
			p.stmt = k + 1
			t.plans = append(t.plans, p)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%02d-%s-plan-%d.txt", i+1, strings.ReplaceAll(t.name(), "/", "-"), k+1)),
				[]byte(st.SQL+"\n\n"+p.text), 0o644); err != nil {
				return err
			}
		}
		logf("captured %-22s %d statements; plans: %s", t.name(), len(stmts), planLine(t.plans))
		if t.c.peer != "" && t.aud == audNewsroom && b.cfg.peer {
			st := httpbench.Statement{SQL: peerSQL(t.c.peer)}
			if t.peer, err = writeScript(dir, fmt.Sprintf("%02d-%s-peer", i+1, t.c.name), "peer "+t.name(), []httpbench.Statement{st}); err != nil {
				return err
			}
			p, err := explain(ctx, b.env.DB.DB.DB, st)
			if err != nil {
				return fmt.Errorf("EXPLAIN peer of %s: %w", t.name(), err)
			}
			p.stmt = 0
			t.plans = append(t.plans, p)
		}
	}
	logf("pgbench scripts and plans in %s", dir)
	return nil
}

func isQuery(sql string) bool {
	s := strings.ToUpper(strings.TrimSpace(sql))
	return strings.HasPrefix(s, "SELECT") || strings.HasPrefix(s, "WITH")
}

func writeScript(dir, file, what string, stmts []httpbench.Statement) (*capturedScript, error) {
	src, vars, err := httpbench.Script(stmts, "s")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, file+".sql")
	head := fmt.Sprintf("-- bench/search pgbench, %s: the %d statements of one request\n", what, len(stmts))
	if err := os.WriteFile(path, []byte(head+src), 0o644); err != nil {
		return nil, err
	}
	return &capturedScript{file: path, vars: vars, stmts: stmts}, nil
}

// peerSQL is what a headless CMS sends for a case-insensitive contains
// filter on a report list (Strapi's $containsi: ILIKE '%term%' over the
// fields), the newest first, a page of 20 plus one; for a CJK term over
// the Chinese translations, which such a CMS keeps as entries of their
// own. pg_trgm indexes the English fields (peerIndexes); a two-character
// term has no trigram, so nothing can serve it but a scan.
func peerSQL(term string) string {
	pat := "'%" + strings.ReplaceAll(term, "'", "''") + "%'"
	if strings.IndexFunc(term, func(r rune) bool { return r > 0x2e80 }) >= 0 {
		return `SELECT r.id, t.title FROM report_translations t JOIN reports r ON r.id = t.report_id
	WHERE t.locale = 'zh-Hans' AND r.status <> 'ARCHIVED' AND (t.title ILIKE ` + pat + ` OR t.body ILIKE ` + pat + `)
	ORDER BY r.updated_at DESC, r.id DESC LIMIT 21`
	}
	return `SELECT r.id, r.title FROM reports r WHERE r.status <> 'ARCHIVED' AND (r.title ILIKE ` + pat + ` OR r.body ILIKE ` + pat + `)
	ORDER BY r.updated_at DESC, r.id DESC LIMIT 21`
}

// plan is the summary of one statement's EXPLAIN (ANALYZE, BUFFERS).
type plan struct {
	stmt      int // 1-based in the request; 0: the peer's
	total     float64
	indexes   []string
	seqScans  []string // on the tables that must not be scanned
	top       []nodeTime
	hit, read int64
	text      string
}

type nodeTime struct {
	label string
	self  float64 // ms, loops included, children excluded
}

// watched are the tables a search must reach through an index.
var watched = []string{"reports", "search_reports", "search_report_locales", "public_reports", "report_translations", "public_report_translations"}

func planLine(ps []*plan) string {
	var parts []string
	for _, p := range ps {
		if p.stmt == 0 {
			continue
		}
		s := fmt.Sprintf("#%d %.1f ms [%s]", p.stmt, p.total, strings.Join(p.indexes, ", "))
		if len(p.seqScans) > 0 {
			s += " SEQ SCAN " + strings.Join(p.seqScans, ", ")
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// explain runs st, with its logged parameters, under EXPLAIN (ANALYZE,
// BUFFERS): PREPARE infers the parameter types as the server did for the
// unnamed statement, and the first EXECUTE gets a custom plan, as
// lib/pq's unnamed statements do.
func explain(ctx context.Context, db *sql.DB, st httpbench.Statement) (*plan, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PREPARE bench_search AS "+st.SQL); err != nil {
		return nil, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DEALLOCATE bench_search") //nolint:errcheck
	args := make([]string, len(st.Params))
	for i, v := range st.Params {
		if v == httpbench.NullParam {
			args[i] = "NULL"
		} else {
			args[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		}
	}
	exec := "EXECUTE bench_search"
	if len(args) > 0 {
		exec += "(" + strings.Join(args, ", ") + ")"
	}
	var js, text string
	if err := conn.QueryRowContext(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+exec).Scan(&js); err != nil {
		return nil, err
	}
	text = js // one execution: the JSON plan is the one kept
	var doc []struct {
		Plan          map[string]any `json:"Plan"`
		ExecutionTime float64        `json:"Execution Time"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil || len(doc) == 0 {
		return nil, fmt.Errorf("EXPLAIN output: %v", err)
	}
	p := &plan{total: doc[0].ExecutionTime, text: text}
	p.hit, p.read = int64(num(doc[0].Plan, "Shared Hit Blocks")), int64(num(doc[0].Plan, "Shared Read Blocks"))
	p.walk(doc[0].Plan)
	sort.Slice(p.top, func(i, j int) bool { return p.top[i].self > p.top[j].self })
	if len(p.top) > 3 {
		p.top = p.top[:3]
	}
	return p, nil
}

func num(m map[string]any, k string) float64 { f, _ := m[k].(float64); return f }
func str(m map[string]any, k string) string  { s, _ := m[k].(string); return s }

func (p *plan) walk(n map[string]any) {
	typ, rel, idx := str(n, "Node Type"), str(n, "Relation Name"), str(n, "Index Name")
	if idx != "" && !slices.Contains(p.indexes, idx) {
		p.indexes = append(p.indexes, idx)
	}
	if typ == "Seq Scan" && slices.Contains(watched, rel) {
		p.seqScans = append(p.seqScans, rel)
	}
	loops := max(1, num(n, "Actual Loops"))
	self := num(n, "Actual Total Time") * loops
	kids, _ := n["Plans"].([]any)
	for _, k := range kids {
		if km, ok := k.(map[string]any); ok {
			self -= num(km, "Actual Total Time") * max(1, num(km, "Actual Loops"))
			p.walk(km)
		}
	}
	label := typ
	switch {
	case idx != "":
		label += " " + idx
	case rel != "":
		label += " " + rel
	}
	if loops > 1 {
		label += fmt.Sprintf(" ×%.0f", loops)
	}
	p.top = append(p.top, nodeTime{label, max(0, self)})
}
