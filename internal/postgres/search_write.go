package postgres

import (
	"context"
	"strings"

	"github.com/lib/pq"
)

// Search documents (migrations 00011–00013): per report and audience, one
// row per locale (search_report_locales: the source and each translation,
// each field indexed under the locale's text search configuration and
// weighted in one document; GIN indexes serve the document and its head)
// and the report's facets (search_reports), written in the transaction of
// the change. internal/search decides what goes in; these functions only
// store it.

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

// PutSearchSource writes the source locale row of audience's search
// document of s.ReportID and its facets. The statement is a function of
// migration 00013 (copydesk_put_search_source), where each session plans
// it once: sent from here, it was planned on every write, and planning
// cost four times its execution.
func PutSearchSource(ctx context.Context, tx *Tx, audience string, s *SearchSource) error {
	_, err := tx.ExecContext(ctx, `SELECT copydesk_put_search_source($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		audience, s.ReportID, s.Locale, s.Title, s.Config, s.TitleText, s.Text, s.Roles, s.Body,
		pq.Array(s.People), pq.Array(s.Authors), pq.Array(s.Organizations), pq.Array(s.Tags), s.EventID, pq.Array(s.Modes), s.Format)
	return FormatError(err, "PutSearchSource", "Report")
}

// PutSearchTranslation writes the row of a translation (t.Locale) in
// audience's search document of reportID (copydesk_put_search_locale,
// migration 00013, which also writes the source row).
func PutSearchTranslation(ctx context.Context, tx *Tx, audience string, reportID int64, t *SearchText) error {
	_, err := tx.ExecContext(ctx, `SELECT copydesk_put_search_locale($1, $2, $3, $4, $5, $6, $7, $8, $9, '')`,
		audience, reportID, t.Locale, t.Title, t.Config, t.TitleText, t.Text, t.Roles, t.Body)
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
