package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// pgbench (a) replays what copydesk sends. A second copydesk serve (the
// capture server) runs with log_statement=all on its connections (a
// session setting in its DATABASE_URL; the measured server logs nothing),
// each sample request is sent to it alone, and the statements the server
// log shows between before and after the response, with their parameters,
// become one pgbench script: the same SQL text, the parameters bound as
// pgbench variables (-M prepared: one round trip per statement, plans
// cached). pgbench picks one of the scripts at random per transaction.

// statement is one statement of a captured request.
type statement struct {
	sql    string
	params []string // $1, $2, … as logged; NULL is nullParam
}

const nullParam = "\x00NULL"

// pgbenchScripts are the scripts of one query and system, and their
// variables (-D name=value).
type pgbenchScripts struct {
	files  []string
	vars   []string
	stmts  int // statements of the first script
	shape  string
	lo, hi int // fewest and most statements of the captured requests
}

// entryRE matches the first line of a server log entry.
var entryRE = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[(\d+)\] (LOG|DETAIL|ERROR|STATEMENT|FATAL|WARNING):  (.*)$`)

// parseLog reads the statements logged in text, in order.
func parseLog(text string) ([]statement, error) {
	var out []statement
	var cur *strings.Builder
	var kind string
	flush := func() error {
		if cur == nil {
			return nil
		}
		body := cur.String()
		cur = nil
		switch kind {
		case "LOG":
			for _, p := range []string{"execute <unnamed>: ", "statement: "} {
				if s, ok := strings.CutPrefix(body, p); ok {
					if strings.TrimSpace(s) != ";" && strings.TrimSpace(s) != "" { // lib/pq's pings
						out = append(out, statement{sql: s})
					}
					return nil
				}
			}
			if strings.HasPrefix(body, "execute ") {
				return fmt.Errorf("a named prepared statement in the log: %s", clip(body, 200))
			}
		case "DETAIL":
			if s, ok := strings.CutPrefix(body, "parameters: "); ok && len(out) > 0 {
				ps, err := parseParams(s)
				if err != nil {
					return err
				}
				out[len(out)-1].params = ps
			}
		case "ERROR", "FATAL":
			return fmt.Errorf("the server logged an error while capturing: %s", clip(body, 300))
		}
		return nil
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := entryRE.FindStringSubmatch(line); m != nil {
			if err := flush(); err != nil {
				return nil, err
			}
			cur, kind = &strings.Builder{}, m[2]
			cur.WriteString(m[3])
			continue
		}
		if cur != nil { // a continuation line of a multi-line statement or value
			cur.WriteString("\n" + strings.TrimPrefix(line, "\t"))
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, sc.Err()
}

// parseParams reads "$1 = 'a', $2 = NULL, $3 = 'it”s'".
func parseParams(s string) ([]string, error) {
	var out []string
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], " = ")
		if j < 0 || s[i] != '$' {
			return nil, fmt.Errorf("cannot read parameters %q", clip(s, 200))
		}
		n, err := strconv.Atoi(s[i+1 : i+j])
		if err != nil || n != len(out)+1 {
			return nil, fmt.Errorf("cannot read parameters %q", clip(s, 200))
		}
		i += j + 3
		if strings.HasPrefix(s[i:], "NULL") {
			out = append(out, nullParam)
			i += 4
		} else if s[i] == '\'' {
			var v strings.Builder
			for i++; i < len(s); i++ {
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						v.WriteByte('\'')
						i++
						continue
					}
					break
				}
				v.WriteByte(s[i])
			}
			i++
			out = append(out, v.String())
		} else {
			return nil, fmt.Errorf("cannot read parameter $%d in %q", n, clip(s, 200))
		}
		for i < len(s) && (s[i] == ',' || s[i] == ' ') {
			i++
		}
	}
	return out, nil
}

var placeholderRE = regexp.MustCompile(`\$(\d+)`)

// pgbenchVarRE finds what pgbench would read as a variable reference.
var pgbenchVarRE = regexp.MustCompile(`(^|[^:]):[A-Za-z_]`)

// script turns the statements of request k into a pgbench script and its
// variables (prefix names them apart from the other scripts').
func script(stmts []statement, prefix string) (string, []string, error) {
	var b strings.Builder
	var vars []string
	for i, st := range stmts {
		if pgbenchVarRE.MatchString(st.sql) {
			return "", nil, fmt.Errorf("statement %d holds what pgbench would read as a variable: %s", i+1, clip(st.sql, 200))
		}
		var bad error
		sql := placeholderRE.ReplaceAllStringFunc(st.sql, func(m string) string {
			n, _ := strconv.Atoi(m[1:])
			if n < 1 || n > len(st.params) {
				bad = fmt.Errorf("statement %d uses %s but %d parameters were logged", i+1, m, len(st.params))
				return m
			}
			if st.params[n-1] == nullParam {
				return "NULL"
			}
			return fmt.Sprintf(":%s_%d_%d", prefix, i+1, n)
		})
		if bad != nil {
			return "", nil, bad
		}
		for n, v := range st.params {
			if v != nullParam {
				vars = append(vars, fmt.Sprintf("%s_%d_%d=%s", prefix, i+1, n+1, v))
			}
		}
		// pgbench reads one statement per line unless it ends with ";".
		fmt.Fprintf(&b, "%s;\n", strings.TrimRight(strings.TrimSpace(sql), ";"))
	}
	return b.String(), vars, nil
}

// shape lists a request's distinct statements (whitespace folded), in the
// order first sent, each with how many times it was sent.
func shape(stmts []statement) string {
	var order []string
	count := map[string]int{}
	for _, s := range stmts {
		k := strings.Join(strings.Fields(s.sql), " ")
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
	}
	var b strings.Builder
	for _, k := range order {
		fmt.Fprintf(&b, "%2d× %s\n", count[k], k)
	}
	return b.String()
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
		defer cap.stop()
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
	var reqs [][]statement
	lo, hi := 0, 0
	for k, slug := range slugs {
		before := fileLen(logPath)
		if _, err := post(ctx, cap.url, tok, q.body(sysCopydesk, slug)); err != nil {
			return nil, err
		}
		text, err := readFrom(logPath, before)
		if err != nil {
			return nil, err
		}
		stmts, err := parseLog(text)
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
		reqs, slugs = [][]statement{best}, []string{""}
	}
	out := &pgbenchScripts{stmts: len(reqs[0]), shape: shape(reqs[0]), lo: lo, hi: hi}
	for k, stmts := range reqs {
		src, vars, err := script(stmts, fmt.Sprintf("a%d", k+1))
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

func fileLen(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func readFrom(path string, offset int64) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return "", err
	}
	b, err := io.ReadAll(f)
	return string(b), err
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
