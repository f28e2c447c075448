package postgres

import (
	"context"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/editorial"
)

// RevisionPages returns, for each report in ids, its newest revisions below
// version beforeVersion (0: from the newest), at most first per report, in
// one query (the dataloader batch function behind Report.revisions).
// Reports without revisions are missing from the map.
func RevisionPages(ctx context.Context, q sqlx.QueryerContext, ids []int64, first, beforeVersion int) (map[int64]*editorial.RevisionPage, error) {
	if beforeVersion == 0 {
		beforeVersion = int(^uint32(0) >> 1)
	}
	var rows []struct {
		revisionRow
		Total int `db:"total"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT `+revisionColumns+`, total FROM (
			SELECT `+revisionColumns+`, count(*) OVER (PARTITION BY report_id) AS total,
				count(*) FILTER (WHERE version < $2) OVER (PARTITION BY report_id ORDER BY version DESC) AS n
			FROM report_revisions WHERE report_id = ANY($1)
		) r WHERE version < $2 AND n <= $3
		ORDER BY report_id, version DESC`, pq.Array(ids), beforeVersion, first)
	if err != nil {
		return nil, FormatError(err, "RevisionPages", "Revision")
	}
	out := map[int64]*editorial.RevisionPage{}
	for i := range rows {
		revs, err := scanRevisions([]revisionRow{rows[i].revisionRow})
		if err != nil {
			return nil, err
		}
		p := out[revs[0].ReportID]
		if p == nil {
			p = &editorial.RevisionPage{Total: rows[i].Total}
			out[revs[0].ReportID] = p
		}
		p.Revisions = append(p.Revisions, revs[0])
	}
	return out, nil
}
