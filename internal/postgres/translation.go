package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/editorial"
)

const translationColumns = `report_id, locale, title, subtitle, summary, body, status, source_version, version, edited_by, created_at, updated_at`

// LockTranslation reads and locks a report's translation into locale; it
// returns nil (and no error) when there is none.
func LockTranslation(ctx context.Context, tx *Tx, reportID int64, locale string) (*editorial.Translation, error) {
	var list []*editorial.Translation
	err := tx.SelectContext(ctx, &list, `SELECT `+translationColumns+` FROM report_translations WHERE report_id = $1 AND locale = $2 FOR UPDATE`, reportID, locale)
	if err != nil || len(list) == 0 {
		return nil, FormatError(err, "LockTranslation", "Translation")
	}
	return list[0], nil
}

// UpsertTranslation inserts t, or replaces the stored text, status, source
// version and editor of the translation in t.Locale, bumping its version; t
// is updated with what was saved.
func UpsertTranslation(ctx context.Context, tx *Tx, t *editorial.Translation) error {
	err := tx.GetContext(ctx, t, `
		INSERT INTO report_translations (report_id, locale, title, subtitle, summary, body, status, source_version, version, edited_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $10)
		ON CONFLICT (report_id, locale) DO UPDATE SET title = EXCLUDED.title, subtitle = EXCLUDED.subtitle,
			summary = EXCLUDED.summary, body = EXCLUDED.body, status = EXCLUDED.status,
			source_version = EXCLUDED.source_version, version = report_translations.version + 1,
			edited_by = EXCLUDED.edited_by, updated_at = EXCLUDED.updated_at
		RETURNING `+translationColumns,
		t.ReportID, t.Locale, t.Title, t.Subtitle, t.Summary, t.Body, t.Status, t.SourceVersion, t.EditedBy, tx.Now)
	return FormatError(err, "UpsertTranslation", "Translation")
}

// UpdateTranslationState writes t's status, source version and editor,
// bumping its version (t is updated with what was saved). The text is left
// as it is.
func UpdateTranslationState(ctx context.Context, tx *Tx, t *editorial.Translation) error {
	err := tx.GetContext(ctx, t, `
		UPDATE report_translations SET status = $3, source_version = $4, edited_by = $5, version = version + 1, updated_at = $6
		WHERE report_id = $1 AND locale = $2
		RETURNING `+translationColumns,
		t.ReportID, t.Locale, t.Status, t.SourceVersion, t.EditedBy, tx.Now)
	return FormatError(err, "UpdateTranslationState", "Translation")
}

// DeleteTranslation deletes a report's translation into locale with its
// attendee roles and notes in that locale and its field versions.
func DeleteTranslation(ctx context.Context, tx *Tx, reportID int64, locale string) error {
	_, err := tx.ExecContext(ctx, `
		DELETE FROM report_attendee_translations t USING report_attendees a
		WHERE a.id = t.attendee_id AND a.report_id = $1 AND t.locale = $2`, reportID, locale)
	if err != nil {
		return FormatError(err, "DeleteTranslation", "Attendee translation")
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM report_translations WHERE report_id = $1 AND locale = $2`, reportID, locale)
	return FormatError(err, "DeleteTranslation", "Translation")
}

// UpsertAttendeeTranslations saves translated roles and notes in one locale.
func UpsertAttendeeTranslations(ctx context.Context, tx *Tx, locale string, list []editorial.AttendeeTranslation) error {
	for _, a := range list {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO report_attendee_translations (attendee_id, locale, role, note) VALUES ($1, $2, $3, $4)
			ON CONFLICT (attendee_id, locale) DO UPDATE SET role = EXCLUDED.role, note = EXCLUDED.note`,
			a.AttendeeID, locale, a.Role, a.Note)
		if err != nil {
			return FormatError(err, "UpsertAttendeeTranslations", "Attendee translation")
		}
	}
	return nil
}

// PublishTranslation makes the translation of a report into locale, as it
// is now (APPROVED), what readers see in that locale: its text and its
// attendee roles and notes replace the previously approved ones.
func PublishTranslation(ctx context.Context, tx *Tx, reportID int64, locale string) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO published_translations (report_id, locale, title, subtitle, summary, body, source_version, version, created_at, approved_at)
		SELECT report_id, locale, title, subtitle, summary, body, source_version, version, created_at, $3
		FROM report_translations WHERE report_id = $1 AND locale = $2
		ON CONFLICT (report_id, locale) DO UPDATE SET title = EXCLUDED.title, subtitle = EXCLUDED.subtitle,
			summary = EXCLUDED.summary, body = EXCLUDED.body, source_version = EXCLUDED.source_version,
			version = EXCLUDED.version, approved_at = EXCLUDED.approved_at`, reportID, locale, tx.Now)
	if err != nil {
		return FormatError(err, "PublishTranslation", "Translation")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM published_attendee_translations WHERE report_id = $1 AND locale = $2`, reportID, locale); err != nil {
		return FormatError(err, "PublishTranslation", "Attendee translation")
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO published_attendee_translations (report_id, locale, attendee_id, position, role, note)
		SELECT a.report_id, t.locale, t.attendee_id, a.position, t.role, t.note
		FROM report_attendee_translations t JOIN report_attendees a ON a.id = t.attendee_id
		WHERE a.report_id = $1 AND t.locale = $2`, reportID, locale)
	return FormatError(err, "PublishTranslation", "Attendee translation")
}

// publishedTranslationColumns reads a published_translations row aliased
// t as an editorial.Translation.
const publishedTranslationColumns = `t.report_id, t.locale, t.title, t.subtitle, t.summary, t.body, 'APPROVED' AS status,
	t.source_version, t.version, NULL::bigint AS edited_by, t.created_at, t.approved_at AS updated_at`

// TranslationsByReportIDs returns, per report, its translations ordered by
// locale, in one query. The newsroom gets the working translations; the
// public the approved text of translations of published reports.
func TranslationsByReportIDs(ctx context.Context, q sqlx.QueryerContext, aud Audience, ids []int64) (map[int64][]*editorial.Translation, error) {
	if aud == Public {
		return publishedTranslations(ctx, q, ids)
	}
	return translationsByReportIDs(ctx, q, ids, nil)
}

// translationsByReportIDs is TranslationsByReportIDs for the newsroom,
// without the translations of the reports of the hidden desks.
func translationsByReportIDs(ctx context.Context, q sqlx.QueryerContext, ids, hidden []int64) (map[int64][]*editorial.Translation, error) {
	var list []*editorial.Translation
	h := hiddenArgs{hidden, 2}
	query := `SELECT ` + translationColumns + ` FROM report_translations t WHERE report_id = ANY($1) AND ` + h.ofVisibleReport("t.report_id") + ` ORDER BY report_id, locale`
	if err := sqlx.SelectContext(ctx, q, &list, query, h.args(pq.Array(ids))...); err != nil {
		return nil, FormatError(err, "TranslationsByReportIDs", "Translation")
	}
	out := map[int64][]*editorial.Translation{}
	for _, t := range list {
		out[t.ReportID] = append(out[t.ReportID], t)
	}
	return out, nil
}

// translationKeyArrays splits keys into the two arrays unnest takes.
func translationKeyArrays(keys []editorial.TranslationKey) (pq.Int64Array, pq.StringArray) {
	reports := make(pq.Int64Array, len(keys))
	locales := make(pq.StringArray, len(keys))
	for i, k := range keys {
		reports[i], locales[i] = k.ReportID, k.Locale
	}
	return reports, locales
}

// TranslationsByKeys returns the translations with the given keys (newsroom
// reads: any status), in one query. Keys with no translation are absent.
func TranslationsByKeys(ctx context.Context, q sqlx.QueryerContext, keys []editorial.TranslationKey) (map[editorial.TranslationKey]*editorial.Translation, error) {
	reports, locales := translationKeyArrays(keys)
	var list []*editorial.Translation
	err := sqlx.SelectContext(ctx, q, &list, `SELECT `+translationColumns+` FROM report_translations
		WHERE (report_id, locale) IN (SELECT * FROM unnest($1::bigint[], $2::text[]))`, reports, locales)
	if err != nil {
		return nil, FormatError(err, "TranslationsByKeys", "Translation")
	}
	out := make(map[editorial.TranslationKey]*editorial.Translation, len(list))
	for _, t := range list {
		out[editorial.TranslationKey{ReportID: t.ReportID, Locale: t.Locale}] = t
	}
	return out, nil
}

// AttendeeTranslationsByKeys returns, per translation, its attendee roles and
// notes ordered by attendee position, in one query (newsroom reads: the
// public's come from public documents).
func AttendeeTranslationsByKeys(ctx context.Context, q sqlx.QueryerContext, keys []editorial.TranslationKey) (map[editorial.TranslationKey][]*editorial.AttendeeTranslation, error) {
	reports, locales := translationKeyArrays(keys)
	var rows []struct {
		ReportID int64 `db:"report_id"`
		editorial.AttendeeTranslation
	}
	query := `
		SELECT a.report_id, t.attendee_id, t.locale, t.role, t.note
		FROM unnest($1::bigint[], $2::text[]) AS k(report_id, locale)
		JOIN report_attendees a ON a.report_id = k.report_id
		JOIN report_attendee_translations t ON t.attendee_id = a.id AND t.locale = k.locale
		ORDER BY a.report_id, t.locale, a.position`
	err := sqlx.SelectContext(ctx, q, &rows, query, reports, locales)
	if err != nil {
		return nil, FormatError(err, "AttendeeTranslationsByKeys", "Attendee translation")
	}
	out := map[editorial.TranslationKey][]*editorial.AttendeeTranslation{}
	for i := range rows {
		k := editorial.TranslationKey{ReportID: rows[i].ReportID, Locale: rows[i].Locale}
		at := rows[i].AttendeeTranslation
		out[k] = append(out[k], &at)
	}
	return out, nil
}

// --- field versions ---

// TranslationFieldsByKeys returns, per translation, the source content
// version each of its recorded fields was translated from or confirmed
// against ("title", "attendees.12.role" … → version), in one query.
func TranslationFieldsByKeys(ctx context.Context, q sqlx.QueryerContext, keys []editorial.TranslationKey) (map[editorial.TranslationKey]map[string]int, error) {
	reports, locales := translationKeyArrays(keys)
	var rows []struct {
		ReportID      int64  `db:"report_id"`
		Locale        string `db:"locale"`
		Field         string `db:"field"`
		SourceVersion int    `db:"source_version"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT f.report_id, f.locale, f.field, f.source_version
		FROM unnest($1::bigint[], $2::text[]) AS k(report_id, locale)
		JOIN translation_fields f ON f.report_id = k.report_id AND f.locale = k.locale`, reports, locales)
	if err != nil {
		return nil, FormatError(err, "TranslationFieldsByKeys", "Translation field")
	}
	out := map[editorial.TranslationKey]map[string]int{}
	for _, r := range rows {
		k := editorial.TranslationKey{ReportID: r.ReportID, Locale: r.Locale}
		if out[k] == nil {
			out[k] = map[string]int{}
		}
		out[k][r.Field] = r.SourceVersion
	}
	return out, nil
}

// PutTranslationFields records that fields of translation k were translated
// from, or confirmed against, source content version version, and forgets
// the fields in drop (no text on one side any more). Then it sets the
// translation's source_version to the oldest version its fields have
// (version when it has none) and returns it.
func PutTranslationFields(ctx context.Context, tx *Tx, k editorial.TranslationKey, fields []string, version int, drop []string) (int, error) {
	if len(fields) > 0 {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO translation_fields (report_id, locale, field, source_version)
			SELECT $1, $2, f, $4 FROM unnest($3::text[]) AS f
			ON CONFLICT (report_id, locale, field) DO UPDATE SET source_version = EXCLUDED.source_version`,
			k.ReportID, k.Locale, pq.StringArray(fields), version)
		if err != nil {
			return 0, FormatError(err, "PutTranslationFields", "Translation field")
		}
	}
	if len(drop) > 0 {
		_, err := tx.ExecContext(ctx, `DELETE FROM translation_fields WHERE report_id = $1 AND locale = $2 AND field = ANY($3)`,
			k.ReportID, k.Locale, pq.StringArray(drop))
		if err != nil {
			return 0, FormatError(err, "PutTranslationFields", "Translation field")
		}
	}
	var oldest int
	err := tx.GetContext(ctx, &oldest, `
		UPDATE report_translations t SET source_version = COALESCE(
			(SELECT min(f.source_version) FROM translation_fields f WHERE f.report_id = t.report_id AND f.locale = t.locale), $3)
		WHERE t.report_id = $1 AND t.locale = $2 RETURNING t.source_version`, k.ReportID, k.Locale, version)
	return oldest, FormatError(err, "PutTranslationFields", "Translation")
}

// --- the source side ---

// TranslationSource is what translations need to know about their report.
type TranslationSource struct {
	ReportID       int64     `db:"id"`
	SourceLocale   string    `db:"source_locale"`
	ContentVersion int       `db:"content_version"` // the version at which the content last changed
	CreatedAt      time.Time `db:"created_at"`
}

// TranslationSources returns the reports in ids as translations see them,
// in one query. Unknown IDs are absent.
func TranslationSources(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*TranslationSource, error) {
	var list []*TranslationSource
	err := sqlx.SelectContext(ctx, q, &list, `SELECT id, source_locale, content_version, created_at FROM reports WHERE id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "TranslationSources", "Report")
	}
	out := make(map[int64]*TranslationSource, len(list))
	for _, s := range list {
		out[s.ReportID] = s
	}
	return out, nil
}

// RevisionKey names the revision that recorded Version of report ReportID.
type RevisionKey struct {
	ReportID int64
	Version  int
}

// TranslatableSnapshots returns, for each revision key, the part of its
// snapshot translations read: title, subtitle, summary, body, and each
// attendee's ID, role and note (projected in SQL, so tags, bylines and
// attendee details are neither sent nor decoded). Keys with no revision are
// absent. One query.
func TranslatableSnapshots(ctx context.Context, q sqlx.QueryerContext, keys []RevisionKey) (map[RevisionKey]*editorial.Snapshot, error) {
	reports := make(pq.Int64Array, len(keys))
	versions := make(pq.Int64Array, len(keys))
	for i, k := range keys {
		reports[i], versions[i] = k.ReportID, int64(k.Version)
	}
	var rows []struct {
		ReportID int64  `db:"report_id"`
		Version  int    `db:"version"`
		Raw      []byte `db:"snapshot"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT v.report_id, v.version, jsonb_build_object(
			'title', v.snapshot->'title', 'subtitle', v.snapshot->'subtitle', 'summary', v.snapshot->'summary', 'body', v.snapshot->'body',
			'attendees', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', a->'id', 'role', a->'role', 'note', a->'note') ORDER BY n)
				FROM jsonb_array_elements(v.snapshot->'attendees') WITH ORDINALITY AS x(a, n)), '[]')) AS snapshot
		FROM report_revisions v
		WHERE (v.report_id, v.version) IN (SELECT * FROM unnest($1::bigint[], $2::int[]))`, reports, versions)
	if err != nil {
		return nil, FormatError(err, "TranslatableSnapshots", "Revision")
	}
	out := make(map[RevisionKey]*editorial.Snapshot, len(rows))
	for _, row := range rows {
		var s editorial.Snapshot
		if err := json.Unmarshal(row.Raw, &s); err != nil {
			return nil, fmt.Errorf("revision %d of report %d: bad snapshot: %w", row.Version, row.ReportID, err)
		}
		out[RevisionKey{row.ReportID, row.Version}] = &s
	}
	return out, nil
}

// FieldChange asks when a translatable field of a report's source
// (translation field names: "body", "attendees.12.role" …) first changed
// after version After, up to version Until.
type FieldChange struct {
	ReportID     int64
	Field        string
	After, Until int
}

// FieldChangeTimes answers each FieldChange, in one query: the time of the
// first revision after After (up to Until) whose text of the field differs
// from its text at After (none when After is 0 or has no revision), or nil
// when there is none.
func FieldChangeTimes(ctx context.Context, q sqlx.QueryerContext, changes []FieldChange) ([]*time.Time, error) {
	reports := make(pq.Int64Array, len(changes))
	fields := make(pq.StringArray, len(changes))
	after := make(pq.Int64Array, len(changes))
	until := make(pq.Int64Array, len(changes))
	for i, c := range changes {
		reports[i], fields[i], after[i], until[i] = c.ReportID, c.Field, int64(c.After), int64(c.Until)
	}
	var rows []struct {
		I  int        `db:"i"`
		At *time.Time `db:"at"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT k.i, c.at
		FROM unnest($1::bigint[], $2::text[], $3::int[], $4::int[]) WITH ORDINALITY AS k(report_id, field, after, until, i)
		LEFT JOIN LATERAL (SELECT translation_source_value(o.snapshot, k.field) AS text FROM report_revisions o
			WHERE o.report_id = k.report_id AND o.version = k.after) o ON true
		LEFT JOIN LATERAL (SELECT min(v.created_at) AS at FROM report_revisions v
			WHERE v.report_id = k.report_id AND v.version > k.after AND v.version <= k.until
				AND translation_source_value(v.snapshot, k.field) IS DISTINCT FROM o.text) c ON true`,
		reports, fields, after, until)
	if err != nil {
		return nil, FormatError(err, "FieldChangeTimes", "Revision")
	}
	out := make([]*time.Time, len(changes))
	for _, r := range rows {
		out[r.I-1] = r.At
	}
	return out, nil
}

// --- assignments and the translator queue ---

const assignmentColumns = `report_id, locale, user_id, assigned_by, assigned_at`

// LockTranslationAssignment reads and locks the assignment of a report's
// translation into locale; nil (and no error) when there is none.
func LockTranslationAssignment(ctx context.Context, tx *Tx, reportID int64, locale string) (*editorial.TranslationAssignment, error) {
	var list []*editorial.TranslationAssignment
	err := tx.SelectContext(ctx, &list, `SELECT `+assignmentColumns+` FROM translation_assignments WHERE report_id = $1 AND locale = $2 FOR UPDATE`, reportID, locale)
	if err != nil || len(list) == 0 {
		return nil, FormatError(err, "LockTranslationAssignment", "Translation assignment")
	}
	return list[0], nil
}

// PutTranslationAssignment assigns a.UserID to the translation, replacing
// whoever was assigned; AssignedAt is set to tx.Now.
func PutTranslationAssignment(ctx context.Context, tx *Tx, a *editorial.TranslationAssignment) error {
	a.AssignedAt = tx.Now
	_, err := tx.ExecContext(ctx, `
		INSERT INTO translation_assignments (report_id, locale, user_id, assigned_by, assigned_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (report_id, locale) DO UPDATE SET user_id = EXCLUDED.user_id, assigned_by = EXCLUDED.assigned_by, assigned_at = EXCLUDED.assigned_at`,
		a.ReportID, a.Locale, a.UserID, a.AssignedBy, a.AssignedAt)
	return FormatError(err, "PutTranslationAssignment", "Translation assignment")
}

// DeleteTranslationAssignment removes the assignment of a report's
// translation into locale (none: nothing happens).
func DeleteTranslationAssignment(ctx context.Context, tx *Tx, reportID int64, locale string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM translation_assignments WHERE report_id = $1 AND locale = $2`, reportID, locale)
	return FormatError(err, "DeleteTranslationAssignment", "Translation assignment")
}

// TranslationAssignmentsByKeys returns the assignments of the translations
// with the given keys, in one query. Unassigned keys are absent.
func TranslationAssignmentsByKeys(ctx context.Context, q sqlx.QueryerContext, keys []editorial.TranslationKey) (map[editorial.TranslationKey]*editorial.TranslationAssignment, error) {
	reports, locales := translationKeyArrays(keys)
	var list []*editorial.TranslationAssignment
	err := sqlx.SelectContext(ctx, q, &list, `SELECT `+assignmentColumns+` FROM translation_assignments
		WHERE (report_id, locale) IN (SELECT * FROM unnest($1::bigint[], $2::text[]))`, reports, locales)
	if err != nil {
		return nil, FormatError(err, "TranslationAssignmentsByKeys", "Translation assignment")
	}
	out := make(map[editorial.TranslationKey]*editorial.TranslationAssignment, len(list))
	for _, a := range list {
		out[editorial.TranslationKey{ReportID: a.ReportID, Locale: a.Locale}] = a
	}
	return out, nil
}

// QueueCandidate is a report and locale that may need a translator's work.
type QueueCandidate struct {
	ReportID        int64     `db:"report_id"`
	Locale          string    `db:"locale"`
	Exists          bool      `db:"exists"`            // false: the translation is missing
	ReportCreatedAt time.Time `db:"report_created_at"` // when the source was first written
	ContentVersion  int       `db:"content_version"`
}

// TranslationQueueCandidates returns, for each of locales, the reports that
// are not archived, not written in that locale, on a desk the user
// translates for (every desk when allDesks, else those in deskIDs), assigned
// to userID or to nobody, and whose translation into the locale is missing
// or may be out of date: some field older than the source content
// (source_version < content_version), or the source has text where the
// translation has none. One query; the caller decides which are stale.
// Of the missing ones, only the missingLimit oldest (0: all).
func TranslationQueueCandidates(ctx context.Context, q sqlx.QueryerContext, userID int64, locales []string, allDesks bool, deskIDs []int64, missingLimit int) ([]*QueueCandidate, error) {
	// The reports without a translation come oldest first, at most
	// missingLimit of them (a missing translation waits since its report
	// was created, so no other missing one can come before those); the
	// existing translations that may be behind all come, as the content
	// service computes when each started waiting.
	const candidate = `
		SELECT r.id AS report_id, l.locale, t.report_id IS NOT NULL AS exists, r.created_at AS report_created_at, r.content_version
		FROM reports r
		CROSS JOIN unnest($1::text[]) AS l(locale)
		LEFT JOIN report_translations t ON t.report_id = r.id AND t.locale = l.locale
		LEFT JOIN translation_assignments a ON a.report_id = r.id AND a.locale = l.locale
		WHERE r.status <> 'ARCHIVED' AND r.source_locale <> l.locale
			AND ($2 OR r.desk_id = ANY($3))
			AND (a.user_id IS NULL OR a.user_id = $4)`
	limit := any(nil)
	if missingLimit > 0 {
		limit = missingLimit
	}
	var list []*QueueCandidate
	err := sqlx.SelectContext(ctx, q, &list, `
		(`+candidate+` AND t.report_id IS NULL
		ORDER BY r.created_at, r.id, l.locale LIMIT $5)
		UNION ALL
		(`+candidate+` AND t.report_id IS NOT NULL
			AND (t.source_version < r.content_version
				OR (r.subtitle IS NOT NULL AND t.subtitle IS NULL)
				OR (r.summary IS NOT NULL AND t.summary IS NULL)
				OR (r.body <> '' AND t.body = '')
				OR EXISTS (SELECT 1 FROM report_attendees ra
					LEFT JOIN report_attendee_translations rat ON rat.attendee_id = ra.id AND rat.locale = t.locale
					WHERE ra.report_id = r.id AND ((ra.role IS NOT NULL AND rat.role IS NULL) OR (ra.note IS NOT NULL AND rat.note IS NULL)))))
		ORDER BY report_id, locale`, pq.StringArray(locales), allDesks, pq.Array(deskIDs), userID, limit)
	if err != nil {
		return nil, FormatError(err, "TranslationQueueCandidates", "Report")
	}
	return list, nil
}
