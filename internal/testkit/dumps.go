package testkit

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
)

// Dump returns every directory, event and report-link row as JSON, so a test
// can check that a failed call changed nothing.
func Dump(t testing.TB, db *postgres.DB) string {
	t.Helper()
	var s string
	err := db.GetContext(context.Background(), &s, `SELECT concat_ws(E'\n',
		(SELECT json_agg(x ORDER BY id)::text FROM tags x),
		(SELECT json_agg(x ORDER BY slug)::text FROM tag_slug_redirects x),
		(SELECT json_agg(x ORDER BY id)::text FROM people x),
		(SELECT json_agg(x ORDER BY id)::text FROM organizations x),
		(SELECT json_agg(x ORDER BY kind, old_id)::text FROM directory_merges x),
		(SELECT json_agg(x ORDER BY id)::text FROM events x),
		(SELECT json_agg(x ORDER BY event_id, position)::text FROM event_organizers x),
		(SELECT json_agg(x ORDER BY event_id, position)::text FROM event_figures x),
		(SELECT json_agg(x ORDER BY report_id, position)::text FROM report_tags x),
		(SELECT json_agg(x ORDER BY report_id, position)::text FROM report_authors x),
		(SELECT json_agg(x ORDER BY id)::text FROM report_attendees x))`)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ReportDump is Dump plus every report table, so a test can check that a
// failed report mutation wrote nothing at all: no report, revision, slug,
// translation, tag, link or attendee row. Report tables hold bodies of up to
// 1 MiB, so they appear as row counts and checksums of their contents.
func ReportDump(t testing.TB, db *postgres.DB) string {
	t.Helper()
	var lines []string
	err := db.SelectContext(context.Background(), &lines, `
		SELECT format('%s: %s rows, md5 %s', tbl, n, sum) FROM (
			SELECT 'reports' AS tbl, count(*) AS n, md5(string_agg(x::text, E'\n' ORDER BY id)) AS sum FROM reports x
			UNION ALL SELECT 'report_slugs', count(*), md5(string_agg(x::text, E'\n' ORDER BY slug)) FROM report_slugs x
			UNION ALL SELECT 'report_revisions', count(*), md5(string_agg(x::text, E'\n' ORDER BY id)) FROM report_revisions x
			UNION ALL SELECT 'report_translations', count(*), md5(string_agg(x::text, E'\n' ORDER BY report_id, locale)) FROM report_translations x
			UNION ALL SELECT 'report_attendee_translations', count(*), md5(string_agg(x::text, E'\n' ORDER BY attendee_id, locale)) FROM report_attendee_translations x
		) s ORDER BY tbl`)
	if err != nil {
		t.Fatal(err)
	}
	return Dump(t, db) + "\n" + strings.Join(lines, "\n")
}

// WorkflowDump is ReportDump plus the workflow's tables: reviewers,
// approvals, publications, jobs, corrections, comment threads,
// notifications and desk settings.
func WorkflowDump(t testing.TB, db *postgres.DB) string {
	t.Helper()
	var s string
	err := db.GetContext(context.Background(), &s, `SELECT concat_ws(E'\n',
		(SELECT json_agg(x ORDER BY report_id, user_id)::text FROM review_assignments x),
		(SELECT json_agg(x ORDER BY report_id, user_id, version)::text FROM report_approvals x),
		(SELECT json_agg(x ORDER BY report_id)::text FROM report_publications x),
		(SELECT json_agg(x ORDER BY report_id)::text FROM publish_jobs x),
		(SELECT json_agg(x ORDER BY id)::text FROM report_corrections x),
		(SELECT json_agg(x ORDER BY id)::text FROM comments x),
		(SELECT json_agg(x ORDER BY id)::text FROM notifications x),
		(SELECT json_agg(x ORDER BY desk_id NULLS FIRST)::text FROM desk_settings x),
		(SELECT json_agg(json_build_array(id, embargo_until, content_version) ORDER BY id)::text FROM reports x))`)
	if err != nil {
		t.Fatal(err)
	}
	return ReportDump(t, db) + "\n" + s
}

// StoredReport reads report id from the database, with its times in UTC so
// that reports compare equal.
func StoredReport(t testing.TB, db *postgres.DB, id int64) *editorial.Report {
	t.Helper()
	r := Of(postgres.ReportsByIDs(context.Background(), db, []int64{id})).OK(t)[id]
	if r == nil {
		t.Fatalf("report %d does not exist", id)
	}
	return UTCReport(r)
}

// UTCReport returns a copy of r with its times in UTC.
func UTCReport(r *editorial.Report) *editorial.Report {
	c := *r
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	if c.PublishedAt != nil {
		c.PublishedAt = Ptr(c.PublishedAt.UTC())
	}
	if c.ArchivedAt != nil {
		c.ArchivedAt = Ptr(c.ArchivedAt.UTC())
	}
	return &c
}

// RevisionsOf returns a report's revisions, oldest first.
func RevisionsOf(t testing.TB, db *postgres.DB, id int64) []*editorial.Revision {
	t.Helper()
	list, total := Of2(postgres.ListRevisions(context.Background(), db, id, 100, 0)).OK(t)
	if total != len(list) {
		t.Fatalf("ListRevisions: total %d, got %d", total, len(list))
	}
	slices.Reverse(list)
	return list
}

// AttendeesOf returns a report's attendees as stored.
func AttendeesOf(t testing.TB, db *postgres.DB, id int64) []*editorial.Attendee {
	t.Helper()
	return Of(postgres.AttendeesByReportIDs(context.Background(), db, []int64{id})).OK(t)[id]
}

// AttendeeIDs returns the IDs of list, in order.
func AttendeeIDs(list []*editorial.Attendee) []int64 {
	out := []int64{}
	for _, a := range list {
		out = append(out, a.ID)
	}
	return out
}

// Parts is a list of participation modes.
func Parts(ps ...editorial.Participation) []editorial.Participation { return ps }

// AuditTrail returns the audit entries about report id, oldest first.
func AuditTrail(t testing.TB, db *postgres.DB, id int64) []*editorial.AuditRecord {
	t.Helper()
	var rows []*editorial.AuditRecord
	err := db.SelectContext(context.Background(), &rows, `
		SELECT id, at, actor_id, actor_name, token_id, request_id, action, subject_type, subject_id, report_id,
			COALESCE(before_state, 'null') AS before_state, COALESCE(after_state, 'null') AS after_state, COALESCE(detail, 'null') AS detail
		FROM audit_log WHERE report_id = $1 ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// AuditActions returns the actions of rows, in order.
func AuditActions(rows []*editorial.AuditRecord) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Action
	}
	return out
}

// JSONField reads key of a JSON object.
func JSONField(t testing.TB, raw json.RawMessage, key string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return m[key]
}
