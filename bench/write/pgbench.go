package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/copydesk/copydesk/bench/internal/benchdb"
	"github.com/copydesk/copydesk/internal/postgres"
)

// pgbenchScript is the SQL equivalent of one reports.Service.UpdateReport
// that changes the body, derived from what the service sends (see
// `go run ./bench/write -show-sql`, internal/reports/report.go save and
// internal/postgres/report.go): the same statements, in the same order, with
// the same shapes of results and parameters.
//
// Each pgbench client owns its reports, like each copydesk writer: client c
// updates reports first_id + slot·clients + c round-robin (IDs are contiguous
// in creation order; run checks). Variables set with -D: first_id,
// per_client, clients, n (the client's update counter, starts at 0),
// word_count, body (the body template), snapshot (a revision snapshot as the
// service serializes it, ~9 KB) and message.
const pgbenchScript = `-- bench/write: SQL equivalent of one updateReport (body change) with its revision.
-- Statements per transaction: copydesk's service sends %[1]d (BEGIN, 7 statements,
-- COMMIT; counted with postgres.QueryCounter in this run); this script sends %[2]d
-- (BEGIN, the same 7, END). Differences, all in the service's favour or neutral:
--  * the expected-version check is the UPDATE's "AND version = :r_version"
--    (the service compares in Go after the locking SELECT);
--  * the revision snapshot is sent as a parameter like the service does, but it
--    is one snapshot (report %[3]d's, ~%.1[4]f KB) with the changed word
--    substituted in SQL, rather than one serialized from the rows just read;
--  * -M prepared: each statement is one round trip with a cached plan, whereas
--    lib/pq parses each parameterized statement as an unnamed statement
--    (Parse/Describe, then Bind/Execute: two round trips, planned every time).
\set n :n + 1
\set rid :first_id + (:n %% :per_client) * :clients + :client_id
BEGIN;
-- postgres.LockReport
SELECT id, slug, source_locale, section, title, subtitle, summary, body, word_count,
	event_id, status, status_before_archive, version, published_at, archived_at, created_at, updated_at
	FROM reports WHERE id = :rid FOR UPDATE \gset r_
\set next :r_version + 1
-- postgres.RevisionByVersion: the latest revision, for the no-change check
SELECT id, report_id, version, snapshot, message, created_at FROM report_revisions WHERE report_id = :rid AND version = :r_version;
-- postgres.Snapshot, 1/2: the report with its tags and authors
SELECT r.slug, r.source_locale, r.title, r.body, r.section, r.subtitle, r.summary, r.event_id,
	COALESCE((SELECT json_agg(json_build_object('id', t.id, 'slug', t.slug, 'name', t.name) ORDER BY rt.position)
		FROM report_tags rt JOIN tags t ON t.id = rt.tag_id WHERE rt.report_id = r.id), '[]'),
	COALESCE((SELECT json_agg(ra.person_id ORDER BY ra.position) FROM report_authors ra WHERE ra.report_id = r.id), '[]')
	FROM reports r WHERE r.id = :rid;
-- postgres.Snapshot, 2/2: the attendees with the names of their people and organizations
SELECT a.id, a.report_id, a.position, a.person_id, a.organization_id, a.delegation, a.role, a.participations, a.note,
	p.name AS person_name, o.name AS organization_name
	FROM report_attendees a LEFT JOIN people p ON p.id = a.person_id LEFT JOIN organizations o ON o.id = a.organization_id
	WHERE a.report_id = :rid ORDER BY a.position;
-- postgres.UpdateReport: every column, version + 1, content_version with it (the body changed)
UPDATE reports SET slug = :r_slug, source_locale = :r_source_locale, section = :r_section, title = :r_title, subtitle = :r_subtitle,
	summary = :r_summary, body = replace(:body, '` + editMark + `', 'v' || CAST(:next AS text)), word_count = :word_count, event_id = NULL,
	status = :r_status, status_before_archive = NULL, version = version + 1, published_at = NULL, archived_at = NULL,
	updated_at = now(), content_version = version + 1
	WHERE id = :rid AND version = :r_version;
-- postgres.InsertRevision
INSERT INTO report_revisions (report_id, version, snapshot, message, created_at)
	VALUES (:rid, :next, replace(:snapshot, '` + editMark + `', 'v' || CAST(:next AS text))::jsonb, :message, now()) RETURNING id;
-- postgres.InsertAudit: the entry every change leaves
INSERT INTO audit_log (at, actor_id, actor_name, token_id, request_id, action, subject_type, subject_id, report_id, before_state, after_state, detail)
	VALUES (now(), NULL, 'copydesk', NULL, NULL, 'report.update', 'Report', CAST(:rid AS text), :rid,
		jsonb_build_object('version', CAST(:r_version AS int)), jsonb_build_object('version', CAST(:next AS int)), NULL) RETURNING id;
END;
`

// scriptStatements counts the SQL commands of the script (BEGIN and END included).
func scriptStatements(script string) int {
	n := 0
	for _, line := range strings.Split(script, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "--") || strings.HasPrefix(line, `\set`) {
			continue
		}
		if strings.HasSuffix(line, ";") || strings.Contains(line, `\gset`) {
			n++
		}
	}
	return n
}

func runPgbench(ctx context.Context, db *postgres.DB, bin, dsn, work string, fx *fixture, cfg config) (result, error) {
	first := fx.reports[0].id
	ids := make([]int64, len(fx.reports))
	for i, t := range fx.reports {
		ids[i] = t.id
		if t.id != first+int64(i) {
			return result{}, fmt.Errorf("the benchmark's report IDs are not contiguous (%d at position %d, expected %d: another writer?); the pgbench script needs them contiguous", t.id, i, first+int64(i))
		}
	}
	script := fmt.Sprintf(pgbenchScript, fx.serviceStmts, 0, first, kb(len(fx.snapshotTemplate)))
	stmts := scriptStatements(script)
	script = fmt.Sprintf(pgbenchScript, fx.serviceStmts, stmts, first, kb(len(fx.snapshotTemplate)))
	path := filepath.Join(work, "update_report.sql")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		return result{}, err
	}
	if err := prepareRun(ctx, db, fx); err != nil {
		return result{}, err
	}
	revs := func() (int64, error) {
		var n int64
		err := db.GetContext(ctx, &n, `SELECT count(*) FROM report_revisions WHERE report_id = ANY($1)`, pq.Array(ids))
		return n, err
	}
	before, err := revs()
	if err != nil {
		return result{}, err
	}

	secs := max(1, int(math.Round(cfg.duration.Seconds())))
	conn, env := benchdb.PgbenchConn(dsn)
	args := []string{"-n", "-f", path, "-M", "prepared",
		"-c", strconv.Itoa(cfg.clients), "-j", strconv.Itoa(cfg.clients), "-T", strconv.Itoa(secs),
		"-D", "first_id=" + strconv.FormatInt(first, 10),
		"-D", "per_client=" + strconv.Itoa(len(fx.reports)/cfg.clients),
		"-D", "clients=" + strconv.Itoa(cfg.clients),
		"-D", "n=0",
		"-D", "word_count=" + strconv.Itoa(fx.wordCount),
		"-D", "body=" + fx.bodyTemplate,
		"-D", "snapshot=" + fx.snapshotTemplate,
		"-D", "message=" + editMessage,
		conn}
	wal0, _ := walLSN(ctx, db)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	outb, err := cmd.CombinedOutput()
	wal1, _ := walLSN(ctx, db)
	output := string(outb)
	if err != nil {
		return result{}, fmt.Errorf("%s: %w\n%s\nscript: %s", bin, err, tail(output, 30), path)
	}
	processed, ok1 := matchFloat(output, `number of transactions actually processed: (\d+)`)
	tps, ok2 := matchFloat(output, `tps = ([0-9.]+) \(without initial connection time\)`)
	lat, ok3 := matchFloat(output, `latency average = ([0-9.]+) ms`)
	if !ok1 || !ok2 || !ok3 {
		return result{}, fmt.Errorf("cannot read pgbench's output:\n%s", output)
	}
	if failed, ok := matchFloat(output, `number of failed transactions: (\d+)`); ok && failed > 0 {
		return result{}, fmt.Errorf("pgbench: %v failed transactions:\n%s", failed, output)
	}
	after, err := revs()
	if err != nil {
		return result{}, err
	}
	if after-before != int64(processed) {
		return result{}, fmt.Errorf("pgbench reports %v transactions but %d revisions were recorded", processed, after-before)
	}
	// The writes are the real thing: a body of the template's size, edited.
	var body string
	if err := db.GetContext(ctx, &body, `SELECT body FROM reports WHERE id = $1`, first); err != nil {
		return result{}, err
	}
	if strings.Contains(body, editMark) || abs(len(body)-len(fx.bodyTemplate)) > 12 {
		return result{}, fmt.Errorf("after pgbench, report %d's body is %d bytes (template %d) and contains %q: %v", first, len(body), len(fx.bodyTemplate), editMark, strings.Contains(body, editMark))
	}
	return result{
		mode: "pgbench", clients: cfg.clients, updates: int64(processed),
		elapsed:   time.Duration(secs) * time.Second,
		perSec:    tps,
		meanLat:   time.Duration(lat * float64(time.Millisecond)),
		stmts:     float64(stmts),
		stmtsNote: "(script)",
		walPerOp:  float64(wal1-wal0) / processed,
	}, nil
}

func matchFloat(s, re string) (float64, bool) {
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(m[1], 64)
	return f, err == nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
