package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/editorial"
)

// Writing the public documents (internal/published decides what they
// hold; these functions store them). Every change ends with a write of the
// source row (PutPublicSource, PutPublicLocales) or its deletion, which
// announces the report on NotifyPublicChannel in the same statement as
// "<report ID>:<revision>": the source row's new revision, or a fresh one
// for a deletion, so a cache can refuse a copy older than the announcement
// (published.Cache), e.g. one read from a replica that has not replayed the
// change yet.

// References to what a public document shows (public_reports.refs).
func RefPerson(id int64) string       { return "person:" + strconv.FormatInt(id, 10) }
func RefOrganization(id int64) string { return "organization:" + strconv.FormatInt(id, 10) }
func RefTag(id int64) string          { return "tag:" + strconv.FormatInt(id, 10) }
func RefEvent(id int64) string        { return "event:" + strconv.FormatInt(id, 10) }
func RefAttendee(id int64) string     { return "attendee:" + strconv.FormatInt(id, 10) }

// PublishedCopy is what a report's source document is built from: the
// report as published and its published snapshot.
type PublishedCopy struct {
	Report           *editorial.Report
	Snapshot         *editorial.Snapshot
	FirstPublishedAt time.Time
	PublishedAt      time.Time
	PreviousSlugs    []string // oldest first
	// ChangedTranslations says an approved translation is not in a
	// translation document yet (ApprovedTranslations would return it);
	// Version is the version published.
	// OrphanTranslations that a translation document has no approved
	// translation any more (DeleteUnapprovedTranslations would delete it).
	ChangedTranslations, OrphanTranslations bool
	Version                                 int
}

// publishableTranslation is the condition on an approved translation t
// (published_translations) of a report published at version published that
// its translation document does not hold yet (another version, or none;
// document alias d) and that does not run ahead of the publication: no
// field of it was translated from a later version of the source
// (translation_fields; such a translation reaches readers when the report
// is republished).
func publishableTranslation(published string) string {
	return `d.version IS DISTINCT FROM t.version AND NOT EXISTS (SELECT 1 FROM translation_fields f
		WHERE f.report_id = t.report_id AND f.locale = t.locale AND f.source_version > ` + published + `)`
}

// PublishedCopyOf returns report id as it was last published, or nil when
// it is not PUBLISHED. Its WordCount is left at 0 (storage does not render
// Markdown).
func PublishedCopyOf(ctx context.Context, q sqlx.QueryerContext, id int64) (*PublishedCopy, error) {
	var rows []struct {
		ID               int64            `db:"id"`
		Status           editorial.Status `db:"status"`
		DeskID           *int64           `db:"desk_id"`
		Version          int              `db:"version"`
		Snapshot         []byte           `db:"snapshot"`
		FirstPublishedAt time.Time        `db:"first_published_at"`
		PublishedAt      time.Time        `db:"published_at"`
		CreatedAt        time.Time        `db:"created_at"`
		PreviousSlugs    pq.StringArray   `db:"previous_slugs"`
		Changed          bool             `db:"changed"`
		Orphans          bool             `db:"orphans"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT r.id, r.status, r.desk_id, p.version, v.snapshot, p.first_published_at, p.published_at, r.created_at,
			ARRAY(SELECT s.slug FROM report_slugs s WHERE s.report_id = r.id AND s.slug <> r.slug ORDER BY s.created_at, s.slug) AS previous_slugs,
			EXISTS (SELECT 1 FROM published_translations t LEFT JOIN public_report_translations d ON d.report_id = t.report_id AND d.locale = t.locale
				WHERE t.report_id = r.id AND `+publishableTranslation("p.version")+`) AS changed,
			EXISTS (SELECT 1 FROM public_report_translations d WHERE d.report_id = r.id
				AND NOT EXISTS (SELECT 1 FROM published_translations t WHERE t.report_id = d.report_id AND t.locale = d.locale)) AS orphans
		FROM reports r JOIN report_publications p ON p.report_id = r.id JOIN report_revisions v ON v.id = p.revision_id
		WHERE r.id = $1 AND r.status = 'PUBLISHED'`, id)
	if err != nil || len(rows) == 0 {
		return nil, FormatError(err, "PublishedCopy", "Report")
	}
	row := rows[0]
	var s editorial.Snapshot
	if err := json.Unmarshal(row.Snapshot, &s); err != nil {
		return nil, fmt.Errorf("published snapshot of report %d: %w", row.ID, err)
	}
	first := row.FirstPublishedAt
	rep := &editorial.Report{
		ID: row.ID, Slug: s.Slug, SourceLocale: s.SourceLocale, Section: s.Section, Title: s.Title,
		Subtitle: s.Subtitle, Summary: s.Summary, Body: s.Body, EventID: s.EventID, DeskID: row.DeskID,
		Status: row.Status, Version: row.Version, PublishedAt: &first, CreatedAt: row.CreatedAt, UpdatedAt: row.PublishedAt,
	}
	return &PublishedCopy{Report: rep, Snapshot: &s, FirstPublishedAt: first, PublishedAt: row.PublishedAt, PreviousSlugs: row.PreviousSlugs,
		ChangedTranslations: row.Changed, OrphanTranslations: row.Orphans, Version: row.Version}, nil
}

// ApprovedTranslation is a translation's text as last approved (what
// PublishTranslation recorded), with its attendee roles and notes.
type ApprovedTranslation struct {
	Translation *editorial.Translation
	Attendees   []*editorial.AttendeeTranslation
}

// ApprovedTranslations returns, by locale, report id's approved
// translations (only locale's when it is not empty) that its translation
// documents should hold and do not yet, the report being published at
// version published (publishableTranslation), in two queries.
func ApprovedTranslations(ctx context.Context, q sqlx.QueryerContext, id int64, locale string, published int) (map[string]*ApprovedTranslation, error) {
	var list []*editorial.Translation
	if err := sqlx.SelectContext(ctx, q, &list, `SELECT `+publishedTranslationColumns+` FROM published_translations t
		LEFT JOIN public_report_translations d ON d.report_id = t.report_id AND d.locale = t.locale
		WHERE t.report_id = $1 AND ($2 = '' OR t.locale = $2) AND `+publishableTranslation("$3")+` ORDER BY t.locale`, id, locale, published); err != nil {
		return nil, FormatError(err, "ApprovedTranslations", "Translation")
	}
	out := make(map[string]*ApprovedTranslation, len(list))
	for _, t := range list {
		out[t.Locale] = &ApprovedTranslation{Translation: t, Attendees: []*editorial.AttendeeTranslation{}}
	}
	if len(out) == 0 {
		return out, nil
	}
	var rows []*editorial.AttendeeTranslation
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT attendee_id, locale, role, note FROM published_attendee_translations
		WHERE report_id = $1 AND ($2 = '' OR locale = $2) ORDER BY locale, position`, id, locale); err != nil {
		return nil, FormatError(err, "ApprovedTranslations", "Attendee translation")
	}
	for _, a := range rows {
		if t := out[a.Locale]; t != nil {
			t.Attendees = append(t.Attendees, a)
		}
	}
	return out, nil
}

// PublicSourceRow is a source document and the columns public lists use.
type PublicSourceRow struct {
	ReportID         int64
	Format           int
	SourceLocale     string
	EventID          *int64
	TagSlugs         []string
	TagIDs           []int64
	Refs             []string
	FirstPublishedAt time.Time
	PublishedAt      time.Time
	CreatedAt        time.Time
	Doc              []byte // editorial.PublicSource as JSON
}

// PutPublicSource writes report row.ReportID's source document, with a
// new revision, and the locales it can be read in (publicLocales).
func PutPublicSource(ctx context.Context, tx *Tx, row *PublicSourceRow) error {
	_, err := tx.ExecContext(ctx, `WITH w AS (
		INSERT INTO public_reports (report_id, revision, format, source_locale, event_id, tag_slugs, tag_ids, refs, locales,
			first_published_at, published_at, created_at, doc)
		VALUES ($1, nextval('public_document_revisions'), $2, $3, $4, $5, $6, $7, `+publicLocales("$1", "$3")+`, $8, $9, $10, $11)
		ON CONFLICT (report_id) DO UPDATE SET revision = EXCLUDED.revision, format = EXCLUDED.format, locales = EXCLUDED.locales,
			source_locale = EXCLUDED.source_locale, event_id = EXCLUDED.event_id, tag_slugs = EXCLUDED.tag_slugs,
			tag_ids = EXCLUDED.tag_ids, refs = EXCLUDED.refs, first_published_at = EXCLUDED.first_published_at,
			published_at = EXCLUDED.published_at, created_at = EXCLUDED.created_at, doc = EXCLUDED.doc
		RETURNING report_id, revision)
		SELECT pg_notify('`+NotifyPublicChannel+`', report_id || ':' || revision) FROM w`,
		row.ReportID, row.Format, row.SourceLocale, row.EventID, pq.Array(row.TagSlugs), pq.Array(row.TagIDs), pq.Array(row.Refs),
		row.FirstPublishedAt, row.PublishedAt, row.CreatedAt, string(row.Doc))
	return FormatError(err, "PutPublicSource", "Report")
}

// PutPublicTranslation writes report reportID's translation document of
// translation t, with a new revision (PutPublicLocales then announces it).
func PutPublicTranslation(ctx context.Context, tx *Tx, t *editorial.Translation, doc []byte) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO public_report_translations (report_id, locale, revision, version, doc)
		VALUES ($1, $2, nextval('public_document_revisions'), $3, $4)
		ON CONFLICT (report_id, locale) DO UPDATE SET revision = EXCLUDED.revision, version = EXCLUDED.version, doc = EXCLUDED.doc`,
		t.ReportID, t.Locale, t.Version, string(doc))
	return FormatError(err, "PutPublicTranslation", "Translation")
}

// DeleteUnapprovedTranslations removes report reportID's translation
// documents whose translation has no approved text any more (it was
// deleted).
func DeleteUnapprovedTranslations(ctx context.Context, tx *Tx, reportID int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM public_report_translations d WHERE d.report_id = $1
		AND NOT EXISTS (SELECT 1 FROM published_translations t WHERE t.report_id = d.report_id AND t.locale = d.locale)`, reportID)
	return FormatError(err, "DeleteUnapprovedTranslations", "Translation")
}

// publicLocales is the SQL of the locales report id (written in source)
// can be read in: its source locale and those of its approved translations,
// every one of which has a translation document once the report is
// published (published.Build, TranslationApproved, TranslationRemoved).
func publicLocales(id, source string) string {
	return `ARRAY(SELECT ` + source + `::text UNION SELECT locale FROM published_translations WHERE report_id = ` + id + ` ORDER BY 1)`
}

// PutPublicLocales records, on report reportID's source document, the
// locales it can be read in now (with a new revision).
func PutPublicLocales(ctx context.Context, tx *Tx, reportID int64) error {
	_, err := tx.ExecContext(ctx, `WITH w AS (
		UPDATE public_reports s SET revision = nextval('public_document_revisions'),
			locales = `+publicLocales("s.report_id", "s.source_locale")+`
		WHERE s.report_id = $1 RETURNING s.report_id, s.revision)
		SELECT pg_notify('`+NotifyPublicChannel+`', report_id || ':' || revision) FROM w`, reportID)
	return FormatError(err, "PutPublicLocales", "Report")
}

// DeletePublicReport withdraws every public document of report reportID,
// and its public search document.
func DeletePublicReport(ctx context.Context, tx *Tx, reportID int64) error {
	_, err := tx.ExecContext(ctx, `WITH l AS (DELETE FROM search_report_locales WHERE audience = 'public' AND report_id = $1),
			x AS (DELETE FROM search_reports WHERE audience = 'public' AND report_id = $1),
			d AS (DELETE FROM public_reports WHERE report_id = $1 RETURNING report_id)
		SELECT pg_notify('`+NotifyPublicChannel+`', report_id || ':' || nextval('public_document_revisions')) FROM d`, reportID)
	return FormatError(err, "DeletePublicReport", "Report")
}

// PublicVersion returns the version report reportID's documents were built
// from (its published version), or 0 when it has none.
func PublicVersion(ctx context.Context, q sqlx.QueryerContext, reportID int64) (int, error) {
	var v []int
	err := sqlx.SelectContext(ctx, q, &v, `SELECT p.version FROM public_reports s JOIN report_publications p ON p.report_id = s.report_id WHERE s.report_id = $1`, reportID)
	if err != nil || len(v) == 0 {
		return 0, FormatError(err, "PublicVersion", "Report")
	}
	return v[0], nil
}

// --- the rebuild queue ---

// QueuePublicRefresh queues for rebuilding every public document that
// shows one of refs (RefPerson…), and returns how many were queued.
func QueuePublicRefresh(ctx context.Context, tx *Tx, refs []string) (int, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO public_document_jobs (report_id, queued_at)
		SELECT report_id, $2::timestamptz FROM public_reports WHERE refs && $1
		UNION SELECT report_id, $2 FROM search_reports WHERE audience = 'newsroom' AND facets && $3
		ON CONFLICT (report_id) DO NOTHING`, pq.Array(refs), tx.Now, pq.Array(searchRefs(refs)))
	if err != nil {
		return 0, FormatError(err, "QueuePublicRefresh", "Report")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// QueueStalePublic queues every report whose documents or search
// documents (search_reports) are missing, of another format than format
// (searchFormat), or left over from a report no longer published, and
// returns how many were queued.
func QueueStalePublic(ctx context.Context, q sqlx.ExecerContext, format, searchFormat int, now time.Time) (int, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO public_document_jobs (report_id, queued_at)
		SELECT r.id, $2 FROM reports r LEFT JOIN public_reports s ON s.report_id = r.id
			LEFT JOIN search_reports n ON n.audience = 'newsroom' AND n.report_id = r.id
			LEFT JOIN search_reports p ON p.audience = 'public' AND p.report_id = r.id
		WHERE (r.status = 'PUBLISHED' AND (s.report_id IS NULL OR s.format <> $1 OR p.report_id IS NULL OR p.format <> $3))
			OR (r.status <> 'PUBLISHED' AND (s.report_id IS NOT NULL OR p.report_id IS NOT NULL))
			OR n.report_id IS NULL OR n.format <> $3
		ON CONFLICT (report_id) DO NOTHING`, format, now, searchFormat)
	if err != nil {
		return 0, FormatError(err, "QueueStalePublic", "Report")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// ClaimPublicJob claims the oldest queued rebuild no other transaction
// holds (FOR UPDATE SKIP LOCKED) and returns its report ID, or 0 when
// there is none ready. The job row stays locked until tx ends.
func ClaimPublicJob(ctx context.Context, tx *Tx) (int64, error) {
	var ids []int64
	err := sqlx.SelectContext(ctx, tx, &ids, `SELECT report_id FROM public_document_jobs WHERE queued_at <= $1
		ORDER BY queued_at LIMIT 1 FOR UPDATE SKIP LOCKED`, tx.Now)
	if err != nil || len(ids) == 0 {
		return 0, FormatError(err, "ClaimPublicJob", "Report")
	}
	return ids[0], nil
}

// DeletePublicJob removes report reportID's rebuild from the queue.
func DeletePublicJob(ctx context.Context, tx *Tx, reportID int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM public_document_jobs WHERE report_id = $1`, reportID)
	return FormatError(err, "DeletePublicJob", "Report")
}

// DeferPublicJob records a failed rebuild of report reportID and queues it
// again at retryAt.
func DeferPublicJob(ctx context.Context, db sqlx.ExecerContext, reportID int64, retryAt time.Time, cause string) error {
	_, err := db.ExecContext(ctx, `UPDATE public_document_jobs SET attempts = attempts + 1, queued_at = $2, last_error = left($3, 2000)
		WHERE report_id = $1`, reportID, retryAt, cause)
	return FormatError(err, "DeferPublicJob", "Report")
}

// PublicJobsQueued returns how many rebuilds are queued.
func PublicJobsQueued(ctx context.Context, q sqlx.QueryerContext) (int, error) {
	var n int
	err := sqlx.GetContext(ctx, q, &n, `SELECT count(*) FROM public_document_jobs`)
	return n, FormatError(err, "PublicJobsQueued", "Report")
}

// PublicJobsReady reports whether a queued rebuild is due at now (the
// database handle's clock, as ClaimPublicJob uses).
func PublicJobsReady(ctx context.Context, q sqlx.QueryerContext, now time.Time) (bool, error) {
	var ok bool
	err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM public_document_jobs WHERE queued_at <= $1)`, now)
	return ok, FormatError(err, "PublicJobsReady", "Report")
}
