package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"

	gojson "github.com/goccy/go-json"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/editorial"
)

// The public read path. The public sees what was published, not the
// working draft, and reads it from the public documents that
// internal/published materializes (public_reports, one source document per
// published report; public_report_translations, one per locale approved for
// the published revision). Every public read below is one statement over
// those tables: a Reader made for the Public reads through these functions
// only, so text, tags and attendees edited since publication, unpublished
// reports and translations approved for unpublished changes never reach it.

// NotifyPublicChannel is the LISTEN/NOTIFY channel on which every change to
// a report's public documents is announced, in the changing transaction
// (so only once it commits), with the report ID as payload: instances
// caching documents drop that report's (internal/published.Cache).
const NotifyPublicChannel = "copydesk_public"

// --- reads ---

// publicSelect reads source documents (alias s) with the translation
// documents of the locales in $1, aggregated: one row per report.
var publicSelect = publicSelectWith("$1")

// publicSelectWith is publicSelect with the locales in placeholder locales.
func publicSelectWith(locales string) string {
	return `SELECT s.report_id, s.revision, s.locales, s.doc, t.docs, t.revs
	FROM public_reports s
	LEFT JOIN LATERAL (
		SELECT json_agg(x.doc ORDER BY x.locale) AS docs, string_agg(x.revision::text, '.' ORDER BY x.locale) AS revs
		FROM public_report_translations x WHERE x.report_id = s.report_id AND x.locale = ANY(` + locales + `)
	) t ON true`
}

type publicRow struct {
	ReportID int64          `db:"report_id"`
	Revision int64          `db:"revision"`
	Locales  pq.StringArray `db:"locales"`
	Doc      []byte         `db:"doc"`
	Docs     []byte         `db:"docs"`
	Revs     sql.NullString `db:"revs"`
}

// revision is the revision of the row's documents (PublicReport.Revision):
// the source's, then each translation's.
func (row *publicRow) revision() string {
	rev := strconv.FormatInt(row.Revision, 10)
	if row.Docs != nil {
		rev += "." + row.Revs.String
	}
	return rev
}

func (row *publicRow) decode() (*editorial.PublicReport, error) {
	var src editorial.PublicSource
	if err := gojson.Unmarshal(row.Doc, &src); err != nil {
		return nil, fmt.Errorf("public document of report %d: %w", row.ReportID, err)
	}
	src.Locales = row.Locales
	out := &editorial.PublicReport{Source: &src, SourceRevision: row.Revision, Revision: row.revision(),
		Size: len(row.Doc) + len(row.Docs)}
	if row.Docs != nil {
		if err := gojson.Unmarshal(row.Docs, &out.Translations); err != nil {
			return nil, fmt.Errorf("public translation documents of report %d: %w", row.ReportID, err)
		}
	}
	return out, nil
}

func selectPublic(ctx context.Context, q sqlx.QueryerContext, op string, query string, args ...any) ([]*editorial.PublicReport, error) {
	var rows []publicRow
	if err := sqlx.SelectContext(ctx, q, &rows, query, args...); err != nil {
		return nil, FormatError(err, op, "Report")
	}
	out := make([]*editorial.PublicReport, len(rows))
	for i := range rows {
		d, err := rows[i].decode()
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// PublicReport returns the public documents of the report with ID id, or
// that has or had slug slug (give one), with the translation documents of
// locales: one statement. Nil when the public cannot see such a report.
func PublicReport(ctx context.Context, q sqlx.QueryerContext, id int64, slug string, locales []string) (*editorial.PublicReport, error) {
	where, key := ` WHERE s.report_id = $2`, any(id)
	if slug != "" {
		where, key = ` WHERE s.report_id = (SELECT report_id FROM report_slugs WHERE slug = $2)`, slug
	}
	list, err := selectPublic(ctx, q, "PublicReport", publicSelect+where, pq.Array(locales), key)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// PublicReportsByIDs returns, by report ID, the public documents of the
// reports in ids with the translation documents of locales, in one query.
func PublicReportsByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64, locales []string) (map[int64]*editorial.PublicReport, error) {
	list, err := selectPublic(ctx, q, "PublicReportsByIDs", publicSelect+` WHERE s.report_id = ANY($2)`, pq.Array(locales), pq.Array(ids))
	if err != nil {
		return nil, err
	}
	return byReportID(list), nil
}

func byReportID(list []*editorial.PublicReport) map[int64]*editorial.PublicReport {
	out := make(map[int64]*editorial.PublicReport, len(list))
	for _, d := range list {
		out[d.Source.Report.ID] = d
	}
	return out
}

// publishedReports returns, by ID, the published copies of the reports in
// ids, from their source documents.
func publishedReports(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.Report, error) {
	return fromSources(ctx, q, ids, func(s *editorial.PublicSource) (*editorial.Report, bool) { return s.Report, true })
}

// fromSources reads the source documents of ids and takes one value of each.
func fromSources[V any](ctx context.Context, q sqlx.QueryerContext, ids []int64, get func(*editorial.PublicSource) (V, bool)) (map[int64]V, error) {
	docs, err := PublicReportsByIDs(ctx, q, ids, nil)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]V, len(docs))
	for id, d := range docs {
		if v, ok := get(d.Source); ok {
			out[id] = v
		}
	}
	return out, nil
}

// publishedTagIDs returns, per report, the tag IDs of its published copy, in order.
func publishedTagIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]int64, error) {
	return fromSources(ctx, q, ids, func(s *editorial.PublicSource) ([]int64, bool) { return s.TagIDs, len(s.TagIDs) > 0 })
}

// publishedAuthorIDs returns, per report, the byline of its published copy.
func publishedAuthorIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]int64, error) {
	return fromSources(ctx, q, ids, func(s *editorial.PublicSource) ([]int64, bool) { return s.AuthorIDs, len(s.AuthorIDs) > 0 })
}

// publishedAttendees returns, per report, the attendee list of its published copy.
func publishedAttendees(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]*editorial.Attendee, error) {
	return fromSources(ctx, q, ids, func(s *editorial.PublicSource) ([]*editorial.Attendee, bool) {
		return s.Attendees, len(s.Attendees) > 0
	})
}

// publishedAttendeesByIDs returns the attendees with the given IDs that a
// published copy lists.
func publishedAttendeesByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.Attendee, error) {
	refs := make(pq.StringArray, len(ids))
	for i, id := range ids {
		refs[i] = RefAttendee(id)
	}
	list, err := selectPublic(ctx, q, "AttendeesByIDs", publicSelect+` WHERE s.refs && $2`, pq.Array([]string{}), refs)
	if err != nil {
		return nil, err
	}
	out := map[int64]*editorial.Attendee{}
	for _, d := range list {
		for _, a := range d.Source.Attendees {
			if slices.Contains(ids, a.ID) {
				out[a.ID] = a
			}
		}
	}
	return out, nil
}

// publicTranslations returns translation documents by report ID, ordered
// by locale, of the rows cond (over public_report_translations) keeps.
func publicTranslations(ctx context.Context, q sqlx.QueryerContext, cond string, args ...any) (map[int64][]*editorial.PublicTranslation, error) {
	var rows []struct {
		ReportID int64  `db:"report_id"`
		Doc      []byte `db:"doc"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT report_id, doc FROM public_report_translations WHERE `+cond+` ORDER BY report_id, locale`, args...); err != nil {
		return nil, FormatError(err, "PublicTranslations", "Translation")
	}
	out := map[int64][]*editorial.PublicTranslation{}
	for _, row := range rows {
		var t editorial.PublicTranslation
		if err := gojson.Unmarshal(row.Doc, &t); err != nil {
			return nil, fmt.Errorf("public translation document of report %d: %w", row.ReportID, err)
		}
		out[row.ReportID] = append(out[row.ReportID], &t)
	}
	return out, nil
}

// publishedTranslations is TranslationsByReportIDs for the public.
func publishedTranslations(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]*editorial.Translation, error) {
	docs, err := publicTranslations(ctx, q, `report_id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]*editorial.Translation, len(docs))
	for id, list := range docs {
		for _, d := range list {
			out[id] = append(out[id], d.Translation)
		}
	}
	return out, nil
}

// publishedAttendeeTranslations is AttendeeTranslationsByKeys for the public.
func publishedAttendeeTranslations(ctx context.Context, q sqlx.QueryerContext, keys []editorial.TranslationKey) (map[editorial.TranslationKey][]*editorial.AttendeeTranslation, error) {
	reports, locales := translationKeyArrays(keys)
	docs, err := publicTranslations(ctx, q, `(report_id, locale) IN (SELECT * FROM unnest($1::bigint[], $2::text[]))`, reports, locales)
	if err != nil {
		return nil, err
	}
	out := map[editorial.TranslationKey][]*editorial.AttendeeTranslation{}
	for id, list := range docs {
		for _, d := range list {
			out[editorial.TranslationKey{ReportID: id, Locale: d.Translation.Locale}] = d.Attendees
		}
	}
	return out, nil
}

// publishedTagCounts is ReportCountsByTagIDs for the public: how many
// published reports carry each tag, as published.
func publishedTagCounts(ctx context.Context, q sqlx.QueryerContext, ids []int64) (*sqlx.Rows, error) {
	return q.QueryxContext(ctx, `SELECT t, count(*) FROM public_reports s, unnest(s.tag_ids) t
		WHERE s.tag_ids && $1 AND t = ANY($1) GROUP BY t`, pq.Array(ids))
}
