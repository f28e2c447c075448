package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
)

// The public read path. A report's readers see what was published, not the
// working draft: the revision its report_publications row points at, and
// only while the report is PUBLISHED. These functions read that snapshot, so
// text, tags, byline and attendees edited since never reach the public; a
// Reader made for the Public reads through them.

// publishedFrom joins a report to its published snapshot; alias r is the
// report, v the published revision, p the publication.
const publishedFrom = `reports r
	JOIN report_publications p ON p.report_id = r.id
	JOIN report_revisions v ON v.id = p.revision_id`

// publishedWhere is the condition every public read carries.
const publishedWhere = `r.status = 'PUBLISHED'`

type publishedRow struct {
	ID               int64            `db:"id"`
	Status           editorial.Status `db:"status"`
	DeskID           *int64           `db:"desk_id"`
	Version          int              `db:"version"`
	Snapshot         []byte           `db:"snapshot"`
	FirstPublishedAt time.Time        `db:"first_published_at"`
	PublishedAt      time.Time        `db:"published_at"`
	CreatedAt        time.Time        `db:"created_at"`
}

const publishedColumns = `r.id, r.status, r.desk_id, p.version, v.snapshot, p.first_published_at, p.published_at, r.created_at`

// report builds the report as published. Its version is the published one
// and its updatedAt the last publication; WordCount is left to the caller
// (it needs the Markdown renderer, which storage does not import).
func (row *publishedRow) report() (*editorial.Report, error) {
	var s editorial.Snapshot
	if err := json.Unmarshal(row.Snapshot, &s); err != nil {
		return nil, fmt.Errorf("published snapshot of report %d: %w", row.ID, err)
	}
	first := row.FirstPublishedAt
	return &editorial.Report{
		ID: row.ID, Slug: s.Slug, SourceLocale: s.SourceLocale, Section: s.Section, Title: s.Title,
		Subtitle: s.Subtitle, Summary: s.Summary, Body: s.Body, EventID: s.EventID, DeskID: row.DeskID,
		Status: row.Status, Version: row.Version, PublishedAt: &first, CreatedAt: row.CreatedAt, UpdatedAt: row.PublishedAt,
	}, nil
}

// publishedReports returns, by ID, the published copies of the reports in
// ids that the public may read, in one query.
func publishedReports(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.Report, error) {
	var rows []publishedRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+publishedColumns+` FROM `+publishedFrom+` WHERE `+publishedWhere+` AND r.id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, FormatError(err, "PublishedReports", "Report")
	}
	out := make(map[int64]*editorial.Report, len(rows))
	for i := range rows {
		r, err := rows[i].report()
		if err != nil {
			return nil, err
		}
		out[r.ID] = r
	}
	return out, nil
}

// publishedList returns the published copies of the reports a list query
// selected, in the order of ids.
func publishedList(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]*editorial.Report, error) {
	byID, err := publishedReports(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*editorial.Report, 0, len(ids))
	for _, id := range ids {
		if r := byID[id]; r != nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// publishedTagIDs returns, per report, the tag IDs of its published
// snapshot, in order.
func publishedTagIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]int64, error) {
	return idLists(ctx, q, `SELECT r.id, (t.elem->>'id')::bigint FROM `+publishedFrom+`,
		jsonb_array_elements(jsonb_path_query_array(v.snapshot, '$.tags[*]')) WITH ORDINALITY AS t(elem, n)
		WHERE `+publishedWhere+` AND r.id = ANY($1) ORDER BY r.id, t.n`, ids, "PublishedTagIDs")
}

// publishedAuthorIDs returns, per report, the byline of its published snapshot.
func publishedAuthorIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]int64, error) {
	return idLists(ctx, q, `SELECT r.id, a.id::bigint FROM `+publishedFrom+`,
		jsonb_array_elements_text(jsonb_path_query_array(v.snapshot, '$.authorIds[*]')) WITH ORDINALITY AS a(id, n)
		WHERE `+publishedWhere+` AND r.id = ANY($1) ORDER BY r.id, a.n`, ids, "PublishedAuthorIDs")
}

// publishedAttendees returns, per report, the attendee list of its published snapshot.
func publishedAttendees(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]*editorial.Attendee, error) {
	return publishedAttendeesWhere(ctx, q, `r.id = ANY($1)`, ids)
}

// publishedAttendeesByIDs returns the attendees with the given IDs that are
// in a published snapshot.
func publishedAttendeesByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.Attendee, error) {
	byReport, err := publishedAttendeesWhere(ctx, q, `EXISTS (SELECT 1 FROM jsonb_array_elements(jsonb_path_query_array(v.snapshot, '$.attendees[*]')) x WHERE (x->>'id')::bigint = ANY($1))`, ids)
	if err != nil {
		return nil, err
	}
	want := make(map[int64]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	out := map[int64]*editorial.Attendee{}
	for _, list := range byReport {
		for _, a := range list {
			if want[a.ID] {
				out[a.ID] = a
			}
		}
	}
	return out, nil
}

func publishedAttendeesWhere(ctx context.Context, q sqlx.QueryerContext, cond string, ids []int64) (map[int64][]*editorial.Attendee, error) {
	var rows []struct {
		ID        int64  `db:"id"`
		Attendees []byte `db:"attendees"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT r.id, jsonb_path_query_array(v.snapshot, '$.attendees[*]') AS attendees FROM `+publishedFrom+` WHERE `+publishedWhere+` AND `+cond, pq.Array(ids)); err != nil {
		return nil, FormatError(err, "publishedAttendees", "Attendee")
	}
	out := make(map[int64][]*editorial.Attendee, len(rows))
	for _, row := range rows {
		var snap []editorial.SnapshotAttendee
		if err := json.Unmarshal(row.Attendees, &snap); err != nil {
			return nil, fmt.Errorf("published attendees of report %d: %w", row.ID, err)
		}
		list := make([]*editorial.Attendee, len(snap))
		for i, s := range snap {
			list[i] = &editorial.Attendee{ID: s.ID, ReportID: row.ID, Position: i, PersonID: s.PersonID, OrganizationID: s.OrganizationID,
				Delegation: s.Delegation, Role: s.Role, Participations: s.Participations, Note: s.Note}
		}
		out[row.ID] = list
	}
	return out, nil
}

// listPublished is ListReports for the public: published reports, filtered
// and ordered by what was published (the tag, event and locale of the
// published snapshot; "updated" is the last publication), as published
// copies. Two queries and a count, whatever the page size.
func listPublished(ctx context.Context, q sqlx.QueryerContext, f ReportFilter, first int, after *editorial.Cursor) ([]*editorial.Report, int, error) {
	if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, editorial.Published) {
		return []*editorial.Report{}, 0, nil // the public sees no other state
	}
	col := "p.published_at"
	if f.OrderBy == "created" {
		col = "r.created_at"
	}
	where := []string{publishedWhere}
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.TagSlug != "" {
		where = append(where, `EXISTS (SELECT 1 FROM jsonb_array_elements(jsonb_path_query_array(v.snapshot, '$.tags[*]')) t WHERE t->>'slug' = `+arg(f.TagSlug)+`)`)
	}
	if f.EventID != 0 {
		where = append(where, `(v.snapshot->>'eventId')::bigint = `+arg(f.EventID))
	}
	if f.SourceLocale != "" {
		where = append(where, `v.snapshot->>'sourceLocale' = `+arg(f.SourceLocale))
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := sqlx.GetContext(ctx, q, &total, `SELECT count(*) FROM `+publishedFrom+` WHERE `+cond, args...); err != nil {
		return nil, 0, FormatError(err, "ListReports", "Report")
	}
	if after != nil {
		t, err := time.Parse(time.RFC3339Nano, after.Key)
		if err != nil {
			return nil, 0, cerr.FieldErrorf(cerr.Invalid, "after", "The cursor is not valid for this list.")
		}
		cond += fmt.Sprintf(" AND (%s, r.id) < (%s, %s)", col, arg(t), arg(after.ID))
	}
	var ids []int64
	err := sqlx.SelectContext(ctx, q, &ids, fmt.Sprintf(`SELECT r.id FROM %s WHERE %s ORDER BY %s DESC, r.id DESC LIMIT %s`,
		publishedFrom, cond, col, arg(first)), args...)
	if err != nil {
		return nil, 0, FormatError(err, "ListReports", "Report")
	}
	list, err := publishedList(ctx, q, ids)
	return list, total, err
}

// publishedByEvent is reportsByEventIDs for the public: per event, its
// newest published reports (by the event of their published snapshot).
func publishedByEvent(ctx context.Context, q sqlx.QueryerContext, ids []int64, limit int) (map[int64][]*editorial.Report, error) {
	var rows []struct {
		EventID  int64 `db:"event_id"`
		ReportID int64 `db:"report_id"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT event_id, report_id FROM (
			SELECT (v.snapshot->>'eventId')::bigint AS event_id, r.id AS report_id,
				row_number() OVER (PARTITION BY v.snapshot->>'eventId' ORDER BY p.published_at DESC, r.id DESC) AS n,
				p.published_at
			FROM `+publishedFrom+` WHERE `+publishedWhere+` AND (v.snapshot->>'eventId')::bigint = ANY($1)
		) x WHERE n <= $2 ORDER BY published_at DESC, report_id DESC`, pq.Array(ids), limit)
	if err != nil {
		return nil, FormatError(err, "ReportsByEventIDs", "Report")
	}
	reportIDs := make([]int64, len(rows))
	for i, r := range rows {
		reportIDs[i] = r.ReportID
	}
	byID, err := publishedReports(ctx, q, reportIDs)
	if err != nil {
		return nil, err
	}
	out := map[int64][]*editorial.Report{}
	for _, r := range rows {
		if rep := byID[r.ReportID]; rep != nil {
			out[r.EventID] = append(out[r.EventID], rep)
		}
	}
	return out, nil
}
