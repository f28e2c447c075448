package postgres

import (
	"context"
	"strings"

	"github.com/lib/pq"
)

// Search documents (migration 00011): per report and audience, one row per
// locale (search_report_locales: the source and each translation, each
// field indexed under the locale's text search configuration and
// weighted in one document; GIN indexes serve the document and its head) and the report's facets
// (search_reports), written in the transaction of the change. internal/search
// decides what goes in; these functions only store it.

// Search audiences, as search_reports.audience stores them.
const (
	SearchNewsroom = "newsroom"
	SearchPublic   = "public"
)

// SearchText is one locale's text, already analyzed (search.Analyze), and
// the configuration to index it under.
type SearchText struct {
	Locale string
	Config string // a text search configuration (search.Config)
	Title  string // the title as written, for ordering
	// The analyzed texts, by weight: the title (A); subtitle and summary
	// (B); attendee roles, notes and delegations (C, with the names of the
	// directory entries on the source row); the body (D).
	TitleText, Text, Roles, Body string
}

// SearchSource is a report's source locale row and what its facets and
// names derive from: the directory entries it shows (their indexed names,
// people.search …, are aggregated into the row), its event (with the
// events above it, its country and organizers) and the ways attendees took
// part.
type SearchSource struct {
	SearchText
	ReportID      int64
	Format        int
	People        []int64 // attendees
	Authors       []int64
	Organizations []int64 // attending organizations
	Tags          []int64
	EventID       *int64
	Modes         []string // participation values
}

// searchLocaleInsert is the CTE "loc" that upserts the locale row of
// arguments $1–$10 (audience, report, locale, title, config, the four
// texts), with extra (a tsvector expression) added to the names: its head
// (title A, subtitle and summary B) and its document (the head, names C,
// body D). A row that would not change is not written again.
func searchLocaleInsert(extra string) string {
	return `loc AS (
		INSERT INTO search_report_locales (audience, report_id, locale, title, head, document)
		SELECT $1, $2, $3, $4, v.head, v.head || setweight(to_tsvector($5::regconfig, $8)` + extra + `, 'C') || setweight(to_tsvector($5::regconfig, $9), 'D')
		FROM (SELECT setweight(to_tsvector($5::regconfig, $6), 'A') || setweight(to_tsvector($5::regconfig, $7), 'B') AS head) v
		ON CONFLICT (audience, report_id, locale) DO UPDATE SET title = EXCLUDED.title, head = EXCLUDED.head, document = EXCLUDED.document
			WHERE (search_report_locales.title, search_report_locales.document) IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.document)
		RETURNING locale)`
}

// PutSearchSource writes the source locale row of audience's search
// document of s.ReportID and its facets, in one statement.
func PutSearchSource(ctx context.Context, tx *Tx, audience string, s *SearchSource) error {
	names := ` || (SELECT COALESCE(copydesk_tsvector_agg(n), '') FROM (
			SELECT search AS n FROM people WHERE id = ANY($10) OR id = ANY($11)
			UNION ALL SELECT search FROM organizations WHERE id = ANY($12)
			UNION ALL SELECT search FROM tags WHERE id = ANY($13)
			UNION ALL SELECT search FROM events WHERE id = $14) names)`
	query := `WITH RECURSIVE up AS (
			SELECT id, parent_id, 0 AS depth FROM events WHERE id = $14
			UNION ALL SELECT e.id, e.parent_id, up.depth + 1 FROM events e JOIN up ON e.id = up.parent_id WHERE up.depth < 32
		), ` + searchLocaleInsert(names) + `,
		-- the row of a former source locale (the report's locale changed) goes
		gone AS (DELETE FROM search_report_locales l WHERE l.audience = $1 AND l.report_id = $2 AND l.locale <> $3
			AND NOT EXISTS (SELECT 1 FROM report_translations t WHERE $1 = 'newsroom' AND t.report_id = $2 AND t.locale = l.locale)
			AND NOT EXISTS (SELECT 1 FROM public_report_translations t WHERE $1 = 'public' AND t.report_id = $2 AND t.locale = l.locale))
		INSERT INTO search_reports (audience, report_id, format, title, facets)
		SELECT $1, $2, $16, $4, ARRAY(SELECT DISTINCT f FROM (
				SELECT 'person:' || unnest($10::bigint[]) AS f
				UNION ALL SELECT 'author:' || unnest($11::bigint[])
				UNION ALL SELECT 'organization:' || unnest($12::bigint[])
				UNION ALL SELECT 'organization:' || affiliation_id FROM people WHERE id = ANY($10) AND affiliation_id IS NOT NULL
				UNION ALL SELECT 'organization:' || organization_id FROM event_organizers WHERE event_id = $14
				UNION ALL SELECT 'tag:' || unnest($13::bigint[])
				UNION ALL SELECT 'event:' || id FROM up
				UNION ALL SELECT 'country:' || country FROM events WHERE id = $14 AND country IS NOT NULL
				UNION ALL SELECT 'mode:' || unnest($15::text[])) facets ORDER BY f)
		ON CONFLICT (audience, report_id) DO UPDATE SET format = EXCLUDED.format, title = EXCLUDED.title,
			facets = EXCLUDED.facets
			WHERE (search_reports.format, search_reports.title, search_reports.facets) IS DISTINCT FROM (EXCLUDED.format, EXCLUDED.title, EXCLUDED.facets)`
	_, err := tx.ExecContext(ctx, query, audience, s.ReportID, s.Locale, s.Title, s.Config, s.TitleText, s.Text, s.Roles, s.Body,
		pq.Array(s.People), pq.Array(s.Authors), pq.Array(s.Organizations), pq.Array(s.Tags), s.EventID, pq.Array(s.Modes), s.Format)
	return FormatError(err, "PutSearchSource", "Report")
}

// PutSearchTranslation writes the row of a translation (t.Locale) in
// audience's search document of reportID.
func PutSearchTranslation(ctx context.Context, tx *Tx, audience string, reportID int64, t *SearchText) error {
	query := `WITH ` + searchLocaleInsert("") + ` SELECT count(*) FROM loc`
	_, err := tx.ExecContext(ctx, query, audience, reportID, t.Locale, t.Title, t.Config, t.TitleText, t.Text, t.Roles, t.Body)
	return FormatError(err, "PutSearchTranslation", "Translation")
}

// DeleteSearchLocales removes the rows of audience's search document of
// reportID whose locale is not in keep.
func DeleteSearchLocales(ctx context.Context, tx *Tx, audience string, reportID int64, keep []string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM search_report_locales WHERE audience = $1 AND report_id = $2 AND NOT locale = ANY($3)`,
		audience, reportID, pq.Array(keep))
	return FormatError(err, "DeleteSearchLocales", "Report")
}

// DeleteSearch removes audience's search document of reportID.
func DeleteSearch(ctx context.Context, tx *Tx, audience string, reportID int64) error {
	_, err := tx.ExecContext(ctx, `WITH l AS (DELETE FROM search_report_locales WHERE audience = $1 AND report_id = $2)
		DELETE FROM search_reports WHERE audience = $1 AND report_id = $2`, audience, reportID)
	return FormatError(err, "DeleteSearch", "Report")
}

// searchRefs adds to refs (RefPerson…) the facets that name the same
// entries in other roles: a person is also an author.
func searchRefs(refs []string) []string {
	out := refs
	for _, r := range refs {
		if id, ok := strings.CutPrefix(r, "person:"); ok {
			out = append(out, "author:"+id)
		}
	}
	return out
}
