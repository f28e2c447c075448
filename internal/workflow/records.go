package workflow

import "time"

// What the workflow records about a report besides its row: its
// publication, reviewers, approvals and publish job. internal/reports writes
// them as transitions run and derives Facts from them; the API presents
// them. (The db tags name the columns storage reads them from, as
// editorial's types do.)

// Publication is the published snapshot of a report: the revision its last
// publish recorded. Version is that revision's version.
type Publication struct {
	ReportID         int64     `db:"report_id"`
	RevisionID       int64     `db:"revision_id"`
	Version          int       `db:"version"`
	FirstPublishedAt time.Time `db:"first_published_at"`
	PublishedAt      time.Time `db:"published_at"`
}

// ReviewAssignment is a reviewer assigned to a report.
type ReviewAssignment struct {
	ReportID   int64     `db:"report_id"`
	UserID     int64     `db:"user_id"`
	AssignedBy *int64    `db:"assigned_by"`
	AssignedAt time.Time `db:"assigned_at"`
}

// Approval is a reviewer's approval of one version of a report. Only
// approvals of the report's current content count (Facts.Approvals).
type Approval struct {
	ReportID   int64     `db:"report_id"`
	UserID     int64     `db:"user_id"`
	Version    int       `db:"version"`
	ApprovedAt time.Time `db:"approved_at"`
}

// PublishJob is the scheduled publication of a SCHEDULED report.
type PublishJob struct {
	ReportID  int64     `db:"report_id"`
	RunAt     time.Time `db:"run_at"`
	TimeZone  string    `db:"time_zone"` // the IANA zone the time was given in, for display
	CreatedBy *int64    `db:"created_by"`
	CreatedAt time.Time `db:"created_at"`
}
