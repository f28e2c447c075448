package postgres

import (
	"context"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/editorial"
)

// Correction notes (migration 00016): one per republication that carried
// one. The newsroom reads them from report_corrections; the public from
// the reports' source documents (publishedCorrections), which hold them
// from the republication that wrote them until the report leaves the
// public site.

const correctionColumns = `id, report_id, revision_id, version, locale, note, created_by, created_at`

// InsertCorrection records c (its ID is set, and its CreatedAt to tx.Now).
func InsertCorrection(ctx context.Context, tx *Tx, c *editorial.Correction) error {
	c.CreatedAt = tx.Now
	err := tx.GetContext(ctx, &c.ID, `INSERT INTO report_corrections (report_id, revision_id, version, locale, note, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, c.ReportID, c.RevisionID, c.Version, c.Locale, c.Note, c.CreatedBy, c.CreatedAt)
	return FormatError(err, "InsertCorrection", "Correction")
}

// CorrectionsByReportIDs returns, per report, its correction notes, newest
// first, in one query. Reports without one are absent.
func CorrectionsByReportIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]*editorial.Correction, error) {
	var list []*editorial.Correction
	err := sqlx.SelectContext(ctx, q, &list, `SELECT `+correctionColumns+` FROM report_corrections
		WHERE report_id = ANY($1) ORDER BY report_id, created_at DESC, id DESC`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "CorrectionsByReportIDs", "Correction")
	}
	out := map[int64][]*editorial.Correction{}
	for _, c := range list {
		out[c.ReportID] = append(out[c.ReportID], c)
	}
	return out, nil
}

// publishedCorrections is CorrectionsByReportIDs for the public: the notes
// the source documents of published reports hold.
func publishedCorrections(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]*editorial.Correction, error) {
	return fromSources(ctx, q, ids, func(s *editorial.PublicSource) ([]*editorial.Correction, bool) {
		return s.Corrections, len(s.Corrections) > 0
	})
}

// CorrectionsByReportIDs returns, per report, its correction notes, newest
// first: every one for the newsroom; for the public, those of published
// reports, from their public documents.
func (r Reader) CorrectionsByReportIDs(ctx context.Context, ids []int64) (map[int64][]*editorial.Correction, error) {
	return byAudience(ctx, r, ids, CorrectionsByReportIDs, publishedCorrections)
}
