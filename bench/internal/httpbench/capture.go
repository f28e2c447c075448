package httpbench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// The statement-log capture: a copydesk serve whose connections run with
// log_statement=all (a session setting in its DATABASE_URL) gets one
// request at a time; the statements the server log shows between before
// and after the response, with their parameters, become one pgbench
// script: the same SQL text, the parameters bound as pgbench variables
// (-M prepared: one round trip per statement, plans cached).

// Statement is one statement of a captured request.
type Statement struct {
	SQL    string
	Params []string // $1, $2, … as logged; NULL is NullParam
}

const NullParam = "\x00NULL"

// entryRE matches the first line of a server log entry.
var entryRE = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[(\d+)\] (LOG|DETAIL|ERROR|STATEMENT|FATAL|WARNING):  (.*)$`)

// ParseLog reads the statements logged in text, in order.
func ParseLog(text string) ([]Statement, error) {
	var out []Statement
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
						out = append(out, Statement{SQL: s})
					}
					return nil
				}
			}
			if strings.HasPrefix(body, "execute ") {
				return fmt.Errorf("a named prepared statement in the log: %s", Clip(body, 200))
			}
		case "DETAIL":
			if s, ok := strings.CutPrefix(body, "parameters: "); ok && len(out) > 0 {
				ps, err := parseParams(s)
				if err != nil {
					return err
				}
				out[len(out)-1].Params = ps
			}
		case "ERROR", "FATAL":
			return fmt.Errorf("the server logged an error while capturing: %s", Clip(body, 300))
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
			return nil, fmt.Errorf("cannot read parameters %q", Clip(s, 200))
		}
		n, err := strconv.Atoi(s[i+1 : i+j])
		if err != nil || n != len(out)+1 {
			return nil, fmt.Errorf("cannot read parameters %q", Clip(s, 200))
		}
		i += j + 3
		if strings.HasPrefix(s[i:], "NULL") {
			out = append(out, NullParam)
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
			return nil, fmt.Errorf("cannot read parameter $%d in %q", n, Clip(s, 200))
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

// Script turns the statements of request k into a pgbench script and its
// variables (prefix names them apart from the other scripts').
func Script(stmts []Statement, prefix string) (string, []string, error) {
	var b strings.Builder
	var vars []string
	for i, st := range stmts {
		if pgbenchVarRE.MatchString(st.SQL) {
			return "", nil, fmt.Errorf("statement %d holds what pgbench would read as a variable: %s", i+1, Clip(st.SQL, 200))
		}
		var bad error
		sql := placeholderRE.ReplaceAllStringFunc(st.SQL, func(m string) string {
			n, _ := strconv.Atoi(m[1:])
			if n < 1 || n > len(st.Params) {
				bad = fmt.Errorf("statement %d uses %s but %d parameters were logged", i+1, m, len(st.Params))
				return m
			}
			if st.Params[n-1] == NullParam {
				return "NULL"
			}
			return fmt.Sprintf(":%s_%d_%d", prefix, i+1, n)
		})
		if bad != nil {
			return "", nil, bad
		}
		for n, v := range st.Params {
			if v != NullParam {
				vars = append(vars, fmt.Sprintf("%s_%d_%d=%s", prefix, i+1, n+1, v))
			}
		}
		// pgbench reads one statement per line unless it ends with ";".
		fmt.Fprintf(&b, "%s;\n", strings.TrimRight(strings.TrimSpace(sql), ";"))
	}
	return b.String(), vars, nil
}

// Shape lists a request's distinct statements (whitespace folded), in the
// order first sent, each with how many times it was sent.
func Shape(stmts []Statement) string {
	var order []string
	count := map[string]int{}
	for _, s := range stmts {
		k := strings.Join(strings.Fields(s.SQL), " ")
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

// FileLen is the size of path (0 when missing).
func FileLen(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// ReadFrom reads path from offset to its end.
func ReadFrom(path string, offset int64) (string, error) {
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
