package editorial

import "time"

// AuditRecord is one entry of the audit trail as recorded: who changed
// what, when, in which request, with the state around the change. Package
// audit writes them (from an audit.Entry); the API lists them.
type AuditRecord struct {
	ID          int64     `db:"id"`
	At          time.Time `db:"at"`
	ActorID     *int64    `db:"actor_id"`
	ActorName   string    `db:"actor_name"`
	TokenID     *int64    `db:"token_id"`
	RequestID   *string   `db:"request_id"`
	Action      string    `db:"action"`
	SubjectType string    `db:"subject_type"`
	SubjectID   string    `db:"subject_id"`
	ReportID    *int64    `db:"report_id"`
	Before      []byte    `db:"before_state"` // JSON, nil for NULL
	After       []byte    `db:"after_state"`
	Detail      []byte    `db:"detail"`
}
