package postgres

import (
	"context"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/editorial"
)

const translationColumns = `report_id, locale, title, subtitle, summary, body, status, source_version, version, created_at, updated_at`

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

// UpsertTranslation inserts t, or replaces the stored text of the translation
// in t.Locale, bumping its version; t is updated with what was saved.
func UpsertTranslation(ctx context.Context, tx *Tx, t *editorial.Translation) error {
	err := tx.GetContext(ctx, t, `
		INSERT INTO report_translations (report_id, locale, title, subtitle, summary, body, status, source_version, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)
		ON CONFLICT (report_id, locale) DO UPDATE SET title = EXCLUDED.title, subtitle = EXCLUDED.subtitle,
			summary = EXCLUDED.summary, body = EXCLUDED.body, status = EXCLUDED.status,
			source_version = EXCLUDED.source_version, version = report_translations.version + 1, updated_at = EXCLUDED.updated_at
		RETURNING `+translationColumns,
		t.ReportID, t.Locale, t.Title, t.Subtitle, t.Summary, t.Body, t.Status, t.SourceVersion, tx.Now)
	return FormatError(err, "UpsertTranslation", "Translation")
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

// TranslationsByReportIDs returns, per report, its translations ordered by locale, in one query.
// The public gets only approved translations of published reports.
func TranslationsByReportIDs(ctx context.Context, q sqlx.QueryerContext, aud Audience, ids []int64) (map[int64][]*editorial.Translation, error) {
	var list []*editorial.Translation
	if err := sqlx.SelectContext(ctx, q, &list, `SELECT `+translationColumns+` FROM report_translations t
		WHERE report_id = ANY($1) AND `+aud.translations("t")+` ORDER BY report_id, locale`, pq.Array(ids)); err != nil {
		return nil, FormatError(err, "TranslationsByReportIDs", "Translation")
	}
	out := map[int64][]*editorial.Translation{}
	for _, t := range list {
		out[t.ReportID] = append(out[t.ReportID], t)
	}
	return out, nil
}

// TranslationKey identifies a translation.
type TranslationKey struct {
	ReportID int64
	Locale   string
}

// AttendeeTranslationsByKeys returns, per translation, its attendee roles and
// notes ordered by attendee position, in one query.
func AttendeeTranslationsByKeys(ctx context.Context, q sqlx.QueryerContext, keys []TranslationKey) (map[TranslationKey][]*editorial.AttendeeTranslation, error) {
	reports := make([]int64, len(keys))
	locales := make([]string, len(keys))
	for i, k := range keys {
		reports[i], locales[i] = k.ReportID, k.Locale
	}
	var rows []struct {
		ReportID int64 `db:"report_id"`
		editorial.AttendeeTranslation
	}
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT a.report_id, t.attendee_id, t.locale, t.role, t.note
		FROM unnest($1::bigint[], $2::text[]) AS k(report_id, locale)
		JOIN report_attendees a ON a.report_id = k.report_id
		JOIN report_attendee_translations t ON t.attendee_id = a.id AND t.locale = k.locale
		ORDER BY a.report_id, t.locale, a.position`, pq.Array(reports), pq.Array(locales))
	if err != nil {
		return nil, FormatError(err, "AttendeeTranslationsByKeys", "Attendee translation")
	}
	out := map[TranslationKey][]*editorial.AttendeeTranslation{}
	for i := range rows {
		k := TranslationKey{rows[i].ReportID, rows[i].Locale}
		at := rows[i].AttendeeTranslation
		out[k] = append(out[k], &at)
	}
	return out, nil
}
