package postgres

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/internal/editorial"
)

const auditColumns = `id, at, actor_id, actor_name, token_id, request_id, action, subject_type, subject_id, report_id, before_state, after_state, detail`

// InsertAudit appends row to the audit trail in tx, at tx.Now; it sets row.ID and row.At.
func InsertAudit(ctx context.Context, tx *Tx, row *editorial.AuditRecord) error {
	row.At = tx.Now
	err := tx.GetContext(ctx, &row.ID, `
		INSERT INTO audit_log (at, actor_id, actor_name, token_id, request_id, action, subject_type, subject_id, report_id, before_state, after_state, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		row.At, row.ActorID, row.ActorName, row.TokenID, row.RequestID, row.Action, row.SubjectType, row.SubjectID, row.ReportID,
		nullJSON(row.Before), nullJSON(row.After), nullJSON(row.Detail))
	return FormatError(err, "InsertAudit", "Audit entry")
}

// ListAudit returns audit entries newest first, before entry beforeID (0:
// from the newest), at most first; reportID non-zero keeps one report's.
func ListAudit(ctx context.Context, q sqlx.QueryerContext, reportID int64, first int, beforeID int64) ([]*editorial.AuditRecord, error) {
	if beforeID == 0 {
		beforeID = 1<<63 - 1
	}
	var rows []*editorial.AuditRecord
	err := sqlx.SelectContext(ctx, q, &rows, fmt.Sprintf(`SELECT %s FROM audit_log
		WHERE ($1 = 0 OR report_id = $1) AND id < $2 ORDER BY id DESC LIMIT $3`, auditColumns), reportID, beforeID, first)
	return rows, FormatError(err, "ListAudit", "Audit entry")
}

// nullJSON is raw as an argument for a jsonb parameter: NULL when empty,
// otherwise text. Not []byte: with binary_parameters lib/pq sends []byte in
// binary format, which for jsonb must start with a version byte.
func nullJSON(raw []byte) any {
	if len(raw) == 0 {
		return nil
	}
	return string(raw)
}

// VersionStep is what one audited change of a report did to its workflow:
// the audit action and the status before and after it.
type VersionStep struct {
	Action string `db:"action"`
	Before string `db:"before_status"`
	After  string `db:"after_status"`
}

// StepsBetween returns the audited changes that took report reportID from
// version from to version to (after from, up to and including to), oldest
// first, in one query over the report's audit entries.
func StepsBetween(ctx context.Context, q sqlx.QueryerContext, reportID int64, from, to int) ([]VersionStep, error) {
	var rows []VersionStep
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT action, coalesce(before_state->>'status', '') AS before_status, coalesce(after_state->>'status', '') AS after_status
		FROM audit_log
		WHERE report_id = $1 AND subject_type = 'Report' AND jsonb_typeof(after_state->'version') = 'number'
			AND (after_state->>'version')::int > $2 AND (after_state->>'version')::int <= $3
		ORDER BY id`, reportID, from, to)
	return rows, FormatError(err, "StepsBetween", "Audit entry")
}
