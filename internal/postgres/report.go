package postgres

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
)

const reportColumns = `id, slug, source_locale, section, title, subtitle, summary, body, word_count,
	event_id, desk_id, created_by, status, status_before_archive, version, published_at, archived_at, created_at, updated_at`

// InsertReport inserts r and its slug record, setting r.ID, r.Version and the timestamps.
func InsertReport(ctx context.Context, tx *Tx, r *editorial.Report) error {
	r.Version, r.CreatedAt, r.UpdatedAt = 1, tx.Now, tx.Now
	err := tx.GetContext(ctx, &r.ID, `
		INSERT INTO reports (slug, source_locale, section, title, subtitle, summary, body, word_count,
			event_id, status, version, published_at, created_at, updated_at, desk_id, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12, $12, $13, $14)
		RETURNING id`,
		r.Slug, r.SourceLocale, r.Section, r.Title, r.Subtitle, r.Summary, r.Body, r.WordCount,
		r.EventID, r.Status, r.PublishedAt, tx.Now, r.DeskID, r.CreatedBy)
	if err != nil {
		return FormatError(err, "InsertReport", "Report")
	}
	return AddReportSlug(ctx, tx, r.ID, r.Slug)
}

// LockReport reads report id and locks its row until tx ends, so concurrent
// writers of one report serialize here. NOT_FOUND if there is no such report.
func LockReport(ctx context.Context, tx *Tx, id int64) (*editorial.Report, error) {
	var r editorial.Report
	err := tx.GetContext(ctx, &r, `SELECT `+reportColumns+` FROM reports WHERE id = $1 FOR UPDATE`, id)
	if err != nil {
		return nil, FormatError(err, "LockReport", "Report")
	}
	return &r, nil
}

// UpdateReport writes every column of r and bumps its version to r.Version+1
// (r is updated in place).
func UpdateReport(ctx context.Context, tx *Tx, r *editorial.Report, contentChanged bool, tell SourceChange) error {
	_, err := tx.ExecContext(ctx, `
		WITH told AS (`+sourceChanged("$1", "$19::bigint", "$15", "$18")+`)
		UPDATE reports SET slug = $2, source_locale = $3, section = $4, title = $5, subtitle = $6,
			summary = $7, body = $8, word_count = $9, event_id = $10, status = $11,
			status_before_archive = $12, version = version + 1, published_at = $13, archived_at = $14,
			updated_at = $15, desk_id = $16,
			content_version = CASE WHEN $17 THEN version + 1 ELSE content_version END
		WHERE id = $1`,
		r.ID, r.Slug, r.SourceLocale, r.Section, r.Title, r.Subtitle, r.Summary, r.Body, r.WordCount,
		r.EventID, r.Status, r.StatusBeforeArchive, r.PublishedAt, r.ArchivedAt, tx.Now, r.DeskID, contentChanged,
		tell.Translators, tell.By)
	if err != nil {
		return FormatError(err, "UpdateReport", "Report")
	}
	r.Version++
	r.UpdatedAt = tx.Now
	return nil
}

// SourceChange is what UpdateReport tells, in its own statement: with
// Translators, the translators of the report's existing translations that
// its source changed (a SOURCE_CHANGED notification each, caused by By,
// who is not told).
type SourceChange struct {
	Translators bool
	By          *int64
}

// AddReportSlug records slug as belonging to report id (a no-op if it already
// does). CONFLICT if another report has, or had, that slug.
func AddReportSlug(ctx context.Context, tx *Tx, reportID int64, slug string) error {
	var owner int64
	err := tx.GetContext(ctx, &owner, `
		INSERT INTO report_slugs (slug, report_id, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (slug) DO UPDATE SET slug = EXCLUDED.slug
		RETURNING report_id`, slug, reportID, tx.Now)
	if err != nil {
		return FormatError(err, "AddReportSlug", "Slug")
	}
	if owner != reportID {
		return cerr.Errorf(cerr.Conflict, "The slug %q is already used by another report. Choose another slug.", slug)
	}
	return nil
}

// LockSlug takes a lock on slug that tx holds until it ends, so that
// transactions choosing a slug for a report take turns: the second sees the
// report the first committed with it, instead of failing on the unique key.
// (The lock is on a hash of the slug; a rare collision only serializes two
// unrelated choices.)
func LockSlug(ctx context.Context, tx *Tx, slug string) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('report_slugs:' || $1, 0))`, slug)
	return FormatError(err, "LockSlug", "Slug")
}

// SlugOwner returns the report that has or had slug, or 0.
func SlugOwner(ctx context.Context, q sqlx.QueryerContext, slug string) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `SELECT report_id FROM report_slugs WHERE slug = $1`, slug)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, FormatError(err, "SlugOwner", "Slug")
}

// PreviousSlugsByReportIDs returns, per report, the slugs it had before its
// current one, oldest first.
func PreviousSlugsByReportIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]string, error) {
	rows := []struct {
		ReportID int64  `db:"report_id"`
		Slug     string `db:"slug"`
	}{}
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT s.report_id, s.slug FROM report_slugs s JOIN reports r ON r.id = s.report_id
		WHERE s.report_id = ANY($1) AND s.slug <> r.slug ORDER BY s.created_at, s.slug`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "PreviousSlugsByReportIDs", "Slug")
	}
	out := map[int64][]string{}
	for _, r := range rows {
		out[r.ReportID] = append(out[r.ReportID], r.Slug)
	}
	return out, nil
}

// ReportsByIDs returns the reports with the given IDs (their working
// copies), keyed by ID, in one query. Reader.ReportsByIDs reads for an
// audience.
func ReportsByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.Report, error) {
	return reportsByIDs(ctx, q, ids, nil)
}

// reportsByIDs is ReportsByIDs without the reports of the hidden desks.
func reportsByIDs(ctx context.Context, q sqlx.QueryerContext, ids, hidden []int64) (map[int64]*editorial.Report, error) {
	var list []*editorial.Report
	h := hiddenArgs{hidden, 2}
	if err := sqlx.SelectContext(ctx, q, &list, `SELECT `+reportColumns+` FROM reports WHERE id = ANY($1) AND `+h.reportVisible("desk_id"),
		h.args(pq.Array(ids))...); err != nil {
		return nil, FormatError(err, "ReportsByIDs", "Report")
	}
	out := make(map[int64]*editorial.Report, len(list))
	for _, r := range list {
		out[r.ID] = r
	}
	return out, nil
}

// ReportIDBySlug returns the report that has, or had, slug. NOT_FOUND if none.
func ReportIDBySlug(ctx context.Context, q sqlx.QueryerContext, slug string) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `SELECT report_id FROM report_slugs WHERE slug = $1`, slug)
	return id, FormatError(err, "ReportIDBySlug", "Report")
}

// --- tags and authors of reports ---

// ReplaceReportTags sets the report's tags to tagIDs, in order.
func ReplaceReportTags(ctx context.Context, tx *Tx, reportID int64, tagIDs []int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM report_tags WHERE report_id = $1`, reportID); err != nil {
		return FormatError(err, "ReplaceReportTags", "Tag")
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO report_tags (report_id, tag_id, position)
		SELECT $1, t.id, t.ord - 1 FROM unnest($2::bigint[]) WITH ORDINALITY AS t(id, ord)`, reportID, pq.Array(tagIDs))
	return FormatError(err, "ReplaceReportTags", "Tag")
}

// TagIDsByReportIDs returns, per report, its tag IDs in order.
func TagIDsByReportIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]int64, error) {
	return idLists(ctx, q, `SELECT report_id, tag_id FROM report_tags WHERE report_id = ANY($1) ORDER BY report_id, position`, ids, "TagIDsByReportIDs")
}

// TagsByReportIDs returns, per report, its tags in order, in one query:
// what TagIDsByReportIDs and TagsByIDs read in two, for a page of reports
// whose tags are fetched before their fields are resolved. Each tag comes
// once, with the reports that carry it and where.
func TagsByReportIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]*editorial.Tag, error) {
	var rows []struct {
		tagRow
		ReportIDs pq.Int64Array `db:"report_ids"`
		Positions pq.Int64Array `db:"positions"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+tagTable.columnsOf("t")+`,
			array_agg(rt.report_id) AS report_ids, array_agg(rt.position) AS positions
		FROM report_tags rt JOIN tags t ON t.id = rt.tag_id
		WHERE rt.report_id = ANY($1) GROUP BY t.id`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "TagsByReportIDs", "Tag")
	}
	type placed struct {
		pos int64
		tag *editorial.Tag
	}
	byReport := map[int64][]placed{}
	for i := range rows {
		t, err := tagTable.conv(&rows[i].tagRow)
		if err != nil {
			return nil, err
		}
		for j, id := range rows[i].ReportIDs {
			byReport[id] = append(byReport[id], placed{rows[i].Positions[j], t})
		}
	}
	out := make(map[int64][]*editorial.Tag, len(byReport))
	for id, list := range byReport {
		slices.SortFunc(list, func(a, b placed) int { return cmp.Compare(a.pos, b.pos) })
		tags := make([]*editorial.Tag, len(list))
		for i, p := range list {
			tags[i] = p.tag
		}
		out[id] = tags
	}
	return out, nil
}

// ReplaceReportAuthors sets the report's byline to personIDs, in order.
func ReplaceReportAuthors(ctx context.Context, tx *Tx, reportID int64, personIDs []int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM report_authors WHERE report_id = $1`, reportID); err != nil {
		return FormatError(err, "ReplaceReportAuthors", "Author")
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO report_authors (report_id, person_id, position)
		SELECT $1, t.id, t.ord - 1 FROM unnest($2::bigint[]) WITH ORDINALITY AS t(id, ord)`, reportID, pq.Array(personIDs))
	return FormatError(err, "ReplaceReportAuthors", "Author")
}

// AuthorIDsByReportIDs returns, per report, its byline person IDs in order.
func AuthorIDsByReportIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]int64, error) {
	return idLists(ctx, q, `SELECT report_id, person_id FROM report_authors WHERE report_id = ANY($1) ORDER BY report_id, position`, ids, "AuthorIDsByReportIDs")
}

func idLists(ctx context.Context, q sqlx.QueryerContext, query string, ids []int64, op string) (map[int64][]int64, error) {
	rows, err := q.QueryxContext(ctx, query, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, op, "Report")
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var k, v int64
		if err := rows.Scan(&k, &v); err != nil {
			return nil, FormatError(err, op, "Report")
		}
		out[k] = append(out[k], v)
	}
	return out, FormatError(rows.Err(), op, "Report")
}

// --- attendees ---

type attendeeRow struct {
	editorial.Attendee
	Participations pq.StringArray `db:"participations"`
}

func (r attendeeRow) attendee() *editorial.Attendee {
	a := r.Attendee
	a.Participations = make([]editorial.Participation, len(r.Participations))
	for i, p := range r.Participations {
		a.Participations[i] = editorial.Participation(p)
	}
	return &a
}

func participationArray(ps []editorial.Participation) pq.StringArray {
	out := make(pq.StringArray, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

// AttendeesByReportIDs returns, per report, its attendees in order, in one query.
func AttendeesByReportIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]*editorial.Attendee, error) {
	var rows []attendeeRow
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT id, report_id, position, person_id, organization_id, delegation, role, participations, note
		FROM report_attendees WHERE report_id = ANY($1) ORDER BY report_id, position`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "AttendeesByReportIDs", "Attendee")
	}
	out := map[int64][]*editorial.Attendee{}
	for _, r := range rows {
		out[r.ReportID] = append(out[r.ReportID], r.attendee())
	}
	return out, nil
}

// AttendeesByIDs returns attendees (of working copies) by their IDs, in one
// query. Reader.AttendeesByIDs reads for an audience.
func AttendeesByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.Attendee, error) {
	return attendeesByIDs(ctx, q, ids, nil)
}

// attendeesByIDs is AttendeesByIDs without the attendees of the reports of
// the hidden desks.
func attendeesByIDs(ctx context.Context, q sqlx.QueryerContext, ids, hidden []int64) (map[int64]*editorial.Attendee, error) {
	var rows []attendeeRow
	h := hiddenArgs{hidden, 2}
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT id, report_id, position, person_id, organization_id, delegation, role, participations, note
		FROM report_attendees WHERE id = ANY($1) AND `+h.ofVisibleReport("report_id"), h.args(pq.Array(ids))...)
	if err != nil {
		return nil, FormatError(err, "AttendeesByIDs", "Attendee")
	}
	out := map[int64]*editorial.Attendee{}
	for _, r := range rows {
		out[r.ID] = r.attendee()
	}
	return out, nil
}

// ReplaceAttendees makes list the report's attendee list: entries with an ID
// are updated in place (keeping their translations), entries without one are
// inserted (their IDs are set), and attendees not in list are deleted. A row
// the database refuses comes back as an *ItemError naming its index.
func ReplaceAttendees(ctx context.Context, tx *Tx, reportID int64, list []*editorial.Attendee) error {
	keep := make([]int64, 0, len(list))
	for _, a := range list {
		if a.ID != 0 {
			keep = append(keep, a.ID)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM report_attendees WHERE report_id = $1 AND NOT (id = ANY($2))`, reportID, pq.Array(keep)); err != nil {
		return FormatError(err, "ReplaceAttendees", "Attendee")
	}
	// The unique indexes on a report's people and groups are checked row by
	// row, so writing the list in order could trip over an attendee that
	// gives up its person (or group) further down, or two kept attendees
	// swapping theirs. Park the kept attendees first under a placeholder
	// identity no real attendee has (no person or organization, and a
	// delegation padded with spaces, which input never keeps); each gets its
	// real one back below.
	if len(keep) > 0 {
		_, err := tx.ExecContext(ctx, `
			UPDATE report_attendees SET person_id = NULL, organization_id = NULL, delegation = ' ' || id || ' '
			WHERE report_id = $1 AND id = ANY($2)`, reportID, pq.Array(keep))
		if err != nil {
			return FormatError(err, "ReplaceAttendees", "Attendee")
		}
	}
	for i, a := range list {
		a.ReportID, a.Position = reportID, i
		var err error
		if a.ID != 0 {
			_, err = tx.ExecContext(ctx, `
				UPDATE report_attendees SET position = $3, person_id = $4, organization_id = $5, delegation = $6,
					role = $7, participations = $8, note = $9
				WHERE id = $1 AND report_id = $2`,
				a.ID, reportID, i, a.PersonID, a.OrganizationID, a.Delegation, a.Role, participationArray(a.Participations), a.Note)
		} else {
			err = tx.GetContext(ctx, &a.ID, `
				INSERT INTO report_attendees (report_id, position, person_id, organization_id, delegation, role, participations, note)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
				reportID, i, a.PersonID, a.OrganizationID, a.Delegation, a.Role, participationArray(a.Participations), a.Note)
		}
		if err != nil {
			return &ItemError{Index: i, Err: FormatError(err, "ReplaceAttendees", "Attendee")}
		}
	}
	return nil
}

// --- revisions ---

// InsertRevision records rev (its snapshot serialized as JSON) and sets its ID and time.
func InsertRevision(ctx context.Context, tx *Tx, rev *editorial.Revision) error {
	snap, err := json.Marshal(rev.Snapshot)
	if err != nil {
		return fmt.Errorf("InsertRevision: %w", err)
	}
	rev.CreatedAt = tx.Now
	err = tx.GetContext(ctx, &rev.ID, `
		INSERT INTO report_revisions (report_id, version, snapshot, message, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, rev.ReportID, rev.Version, string(snap), rev.Message, tx.Now) // text: a []byte would go as binary jsonb
	return FormatError(err, "InsertRevision", "Revision")
}

type revisionRow struct {
	editorial.Revision
	Raw []byte `db:"snapshot"`
}

func scanRevisions(rows []revisionRow) ([]*editorial.Revision, error) {
	out := make([]*editorial.Revision, len(rows))
	for i := range rows {
		r := rows[i].Revision
		if err := json.Unmarshal(rows[i].Raw, &r.Snapshot); err != nil {
			return nil, fmt.Errorf("revision %d: bad snapshot: %w", r.ID, err)
		}
		out[i] = &r
	}
	return out, nil
}

const revisionColumns = `id, report_id, version, snapshot, message, created_at`

// RevisionsByIDs returns revisions by ID, in one query.
func RevisionsByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.Revision, error) {
	return revisionsByIDs(ctx, q, ids, nil)
}

// revisionsByIDs is RevisionsByIDs without the revisions of the reports of
// the hidden desks.
func revisionsByIDs(ctx context.Context, q sqlx.QueryerContext, ids, hidden []int64) (map[int64]*editorial.Revision, error) {
	var rows []revisionRow
	h := hiddenArgs{hidden, 2}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+revisionColumns+` FROM report_revisions WHERE id = ANY($1) AND `+h.ofVisibleReport("report_id"),
		h.args(pq.Array(ids))...); err != nil {
		return nil, FormatError(err, "RevisionsByIDs", "Revision")
	}
	list, err := scanRevisions(rows)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*editorial.Revision, len(list))
	for _, r := range list {
		out[r.ID] = r
	}
	return out, nil
}

// RevisionByVersion returns the revision that recorded version of a report.
func RevisionByVersion(ctx context.Context, q sqlx.QueryerContext, reportID int64, version int) (*editorial.Revision, error) {
	var rows []revisionRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+revisionColumns+` FROM report_revisions WHERE report_id = $1 AND version = $2`, reportID, version); err != nil {
		return nil, FormatError(err, "RevisionByVersion", "Revision")
	}
	if len(rows) == 0 {
		return nil, cerr.Errorf(cerr.NotFound, "Revision %d of the report not found.", version)
	}
	list, err := scanRevisions(rows)
	if err != nil {
		return nil, err
	}
	return list[0], nil
}

// ListRevisions returns a report's revisions newest first, before version
// beforeVersion (0: from the newest), at most first, and how many it has.
func ListRevisions(ctx context.Context, q sqlx.QueryerContext, reportID int64, first, beforeVersion int) ([]*editorial.Revision, int, error) {
	var total int
	if err := sqlx.GetContext(ctx, q, &total, `SELECT count(*) FROM report_revisions WHERE report_id = $1`, reportID); err != nil {
		return nil, 0, FormatError(err, "ListRevisions", "Revision")
	}
	if beforeVersion == 0 {
		beforeVersion = int(^uint32(0) >> 1)
	}
	var rows []revisionRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+revisionColumns+` FROM report_revisions
		WHERE report_id = $1 AND version < $2 ORDER BY version DESC LIMIT $3`, reportID, beforeVersion, first)
	if err != nil {
		return nil, 0, FormatError(err, "ListRevisions", "Revision")
	}
	list, err := scanRevisions(rows)
	return list, total, err
}

// Snapshot reads report id with its relations, as a revision records it,
// in two queries: the report with its tags and authors, and the attendees
// with the names of their people and organizations.
func Snapshot(ctx context.Context, q sqlx.QueryerContext, id int64) (editorial.Snapshot, error) {
	var s editorial.Snapshot
	var row struct {
		Slug, SourceLocale, Title, Body string
		Section, Subtitle, Summary      *string
		EventID                         *int64
		Tags, Authors                   []byte
	}
	err := q.QueryRowxContext(ctx, `
		SELECT r.slug, r.source_locale, r.title, r.body, r.section, r.subtitle, r.summary, r.event_id,
			COALESCE((SELECT json_agg(json_build_object('id', t.id, 'slug', t.slug, 'name', t.name) ORDER BY rt.position)
				FROM report_tags rt JOIN tags t ON t.id = rt.tag_id WHERE rt.report_id = r.id), '[]'),
			COALESCE((SELECT json_agg(ra.person_id ORDER BY ra.position) FROM report_authors ra WHERE ra.report_id = r.id), '[]')
		FROM reports r WHERE r.id = $1`, id).Scan(&row.Slug, &row.SourceLocale, &row.Title, &row.Body,
		&row.Section, &row.Subtitle, &row.Summary, &row.EventID, &row.Tags, &row.Authors)
	if err != nil {
		return s, FormatError(err, "Snapshot", "Report")
	}
	s = editorial.Snapshot{Slug: row.Slug, SourceLocale: row.SourceLocale, Title: row.Title, Body: row.Body,
		Section: row.Section, Subtitle: row.Subtitle, Summary: row.Summary, EventID: row.EventID}
	if err := json.Unmarshal(row.Tags, &s.Tags); err != nil {
		return s, err
	}
	if err := json.Unmarshal(row.Authors, &s.AuthorIDs); err != nil {
		return s, err
	}
	var atts []struct {
		attendeeRow
		PersonName       *string `db:"person_name"`
		OrganizationName *string `db:"organization_name"`
	}
	err = sqlx.SelectContext(ctx, q, &atts, `
		SELECT a.id, a.report_id, a.position, a.person_id, a.organization_id, a.delegation, a.role, a.participations, a.note,
			p.name AS person_name, o.name AS organization_name
		FROM report_attendees a LEFT JOIN people p ON p.id = a.person_id LEFT JOIN organizations o ON o.id = a.organization_id
		WHERE a.report_id = $1 ORDER BY a.position`, id)
	if err != nil {
		return s, FormatError(err, "Snapshot", "Attendee")
	}
	s.Attendees = make([]editorial.SnapshotAttendee, len(atts))
	for i, r := range atts {
		a := r.attendee()
		s.Attendees[i] = editorial.SnapshotAttendee{ID: a.ID, PersonID: a.PersonID, PersonName: r.PersonName,
			OrganizationID: a.OrganizationID, OrganizationName: r.OrganizationName, Delegation: a.Delegation,
			Role: a.Role, Participations: a.Participations, Note: a.Note}
	}
	if s.Tags == nil {
		s.Tags = []editorial.SnapshotTag{}
	}
	if s.AuthorIDs == nil {
		s.AuthorIDs = []int64{}
	}
	return s, nil
}

// MissingIDs returns the IDs in ids that have no row in table (one of
// events, tags, people, organizations, reports), in one query.
func MissingIDs(ctx context.Context, q sqlx.QueryerContext, table string, ids []int64) ([]int64, error) {
	switch table {
	case "events", "tags", "people", "organizations", "reports", "desks":
	default:
		return nil, fmt.Errorf("MissingIDs: unknown table %q", table)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var missing []int64
	err := sqlx.SelectContext(ctx, q, &missing, `SELECT x FROM unnest($1::bigint[]) AS x WHERE NOT EXISTS (SELECT 1 FROM `+table+` WHERE id = x)`, pq.Array(ids))
	return missing, FormatError(err, "MissingIDs", table)
}

// HasTranslationIn reports whether the report has a translation in locale.
func HasTranslationIn(ctx context.Context, tx *Tx, reportID int64, locale string) (bool, error) {
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM report_translations WHERE report_id = $1 AND locale = $2`, reportID, locale); err != nil {
		return false, FormatError(err, "HasTranslationIn", "Translation")
	}
	return n > 0, nil
}

// ItemError says which item of a list write failed: Err (a coded error
// from FormatError when the database refused the row) is about item Index.
type ItemError struct {
	Index int
	Err   error
}

func (e *ItemError) Error() string { return fmt.Sprintf("item %d: %v", e.Index, e.Err) }
func (e *ItemError) Unwrap() error { return e.Err }
