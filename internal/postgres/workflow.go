package postgres

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/workflow"
)

// The editorial workflow's storage: publications, reviewers, approvals,
// publish jobs, embargoes and content versions (migration 00005).

// PublicationsByReportIDs returns the publications of the reports in ids
// (reports never published are absent), in one query.
func PublicationsByReportIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*workflow.Publication, error) {
	var list []*workflow.Publication
	err := sqlx.SelectContext(ctx, q, &list, `
		SELECT report_id, revision_id, version, first_published_at, published_at
		FROM report_publications WHERE report_id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "PublicationsByReportIDs", "Publication")
	}
	out := make(map[int64]*workflow.Publication, len(list))
	for _, p := range list {
		out[p.ReportID] = p
	}
	return out, nil
}

// PublishRevision makes revision revisionID (version) the report's
// publication, published at tx.Now; the first publication also sets
// first_published_at. It returns the publication.
func PublishRevision(ctx context.Context, tx *Tx, reportID, revisionID int64, version int) (*workflow.Publication, error) {
	var p workflow.Publication
	err := tx.GetContext(ctx, &p, `
		INSERT INTO report_publications (report_id, revision_id, version, first_published_at, published_at)
		VALUES ($1, $2, $3, $4, $4)
		ON CONFLICT (report_id) DO UPDATE SET revision_id = EXCLUDED.revision_id, version = EXCLUDED.version,
			published_at = EXCLUDED.published_at
		RETURNING report_id, revision_id, version, first_published_at, published_at`, reportID, revisionID, version, tx.Now)
	if err != nil {
		return nil, FormatError(err, "PublishRevision", "Publication")
	}
	return &p, nil
}

// SetReportEmbargo sets (nil: clears) the instant before which report id
// may not be published.
func SetReportEmbargo(ctx context.Context, tx *Tx, id int64, until *time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE reports SET embargo_until = $2 WHERE id = $1`, id, until)
	return FormatError(err, "SetReportEmbargo", "Report")
}

// EmbargoesByReportIDs returns the embargoes of the reports in ids (reports
// without one are absent), in one query.
func EmbargoesByReportIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]time.Time, error) {
	var rows []struct {
		ID    int64     `db:"id"`
		Until time.Time `db:"embargo_until"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT id, embargo_until FROM reports WHERE id = ANY($1) AND embargo_until IS NOT NULL`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "EmbargoesByReportIDs", "Report")
	}
	out := make(map[int64]time.Time, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Until
	}
	return out, nil
}

// WorkflowState is what the workflow needs to know about a report beyond
// its row, for one viewer (see workflow.Facts).
type WorkflowState struct {
	ReportID         int64      `db:"id"`
	ContentVersion   int        `db:"content_version"`
	EmbargoUntil     *time.Time `db:"embargo_until"`
	Approvals        int        `db:"approvals"`          // of the current content
	ApprovedByViewer bool       `db:"approved_by_viewer"` // among them
	PublishedVersion *int       `db:"published_version"`  // nil: never published
	PublishAt        *time.Time `db:"publish_at"`         // its publish job, if any
	// From its desk's settings.
	ApprovalsRequired     int  `db:"approvals_required"`
	AssignedReviewersOnly bool `db:"assigned_reviewers_only"`
	ViewerAssigned        bool `db:"viewer_assigned"`       // the viewer is an assigned reviewer
	OpenRequiredChanges   int  `db:"open_required_changes"` // 0 unless the desk makes them block approval
}

// WorkflowStates returns the workflow state of the reports in ids as seen
// by user viewerID (0: nobody), in one query.
func WorkflowStates(ctx context.Context, q sqlx.QueryerContext, ids []int64, viewerID int64) (map[int64]*WorkflowState, error) {
	var list []*WorkflowState
	err := sqlx.SelectContext(ctx, q, &list, `
		SELECT r.id, r.content_version, r.embargo_until,
			(SELECT count(*) FROM report_approvals a WHERE a.report_id = r.id AND a.version >= r.content_version) AS approvals,
			EXISTS (SELECT 1 FROM report_approvals a WHERE a.report_id = r.id AND a.version >= r.content_version AND a.user_id = $2) AS approved_by_viewer,
			p.version AS published_version, j.run_at AS publish_at,
			coalesce(ds.approvals_required, 1) AS approvals_required,
			coalesce(ds.assigned_reviewers_only, false) AS assigned_reviewers_only,
			EXISTS (SELECT 1 FROM review_assignments ra WHERE ra.report_id = r.id AND ra.user_id = $2) AS viewer_assigned,
			CASE WHEN coalesce(ds.required_changes_block, true) THEN
				(SELECT count(*) FROM comments c WHERE c.report_id = r.id AND c.required AND c.parent_id IS NULL
					AND c.resolved_at IS NULL AND c.deleted_at IS NULL)
			ELSE 0 END AS open_required_changes
		FROM reports r
		LEFT JOIN report_publications p ON p.report_id = r.id
		LEFT JOIN publish_jobs j ON j.report_id = r.id
		LEFT JOIN LATERAL (SELECT * FROM desk_settings s WHERE s.desk_id = r.desk_id OR s.desk_id IS NULL
			ORDER BY s.desk_id NULLS LAST LIMIT 1) ds ON true
		WHERE r.id = ANY($1)`, pq.Array(ids), viewerID)
	if err != nil {
		return nil, FormatError(err, "WorkflowStates", "Report")
	}
	out := make(map[int64]*WorkflowState, len(list))
	for _, s := range list {
		out[s.ReportID] = s
	}
	return out, nil
}

// --- reviewers and approvals ---

// ReviewersByReportIDs returns, per report, its assigned reviewers in the
// order they were assigned, in one query.
func ReviewersByReportIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]*workflow.ReviewAssignment, error) {
	var list []*workflow.ReviewAssignment
	err := sqlx.SelectContext(ctx, q, &list, `
		SELECT report_id, user_id, assigned_by, assigned_at FROM review_assignments
		WHERE report_id = ANY($1) ORDER BY report_id, assigned_at, user_id`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "ReviewersByReportIDs", "Reviewer")
	}
	out := map[int64][]*workflow.ReviewAssignment{}
	for _, a := range list {
		out[a.ReportID] = append(out[a.ReportID], a)
	}
	return out, nil
}

// ReplaceReviewers makes userIDs the report's reviewers: reviewers already
// assigned keep their assignment (and its time), the others are assigned
// by by at tx.Now, and reviewers not in userIDs are removed.
func ReplaceReviewers(ctx context.Context, tx *Tx, reportID int64, userIDs []int64, by *int64) error {
	if userIDs == nil {
		userIDs = []int64{} // not NULL, which ANY would not match
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM review_assignments WHERE report_id = $1 AND NOT (user_id = ANY($2))`, reportID, pq.Array(userIDs)); err != nil {
		return FormatError(err, "ReplaceReviewers", "Reviewer")
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO review_assignments (report_id, user_id, assigned_by, assigned_at)
		SELECT $1, u, $3, $4 FROM unnest($2::bigint[]) AS u
		ON CONFLICT (report_id, user_id) DO NOTHING`, reportID, pq.Array(userIDs), by, tx.Now)
	return FormatError(err, "ReplaceReviewers", "Reviewer")
}

// InsertApproval records a (its ApprovedAt is set to tx.Now).
func InsertApproval(ctx context.Context, tx *Tx, a *workflow.Approval) error {
	a.ApprovedAt = tx.Now
	_, err := tx.ExecContext(ctx, `INSERT INTO report_approvals (report_id, user_id, version, approved_at) VALUES ($1, $2, $3, $4)`,
		a.ReportID, a.UserID, a.Version, a.ApprovedAt)
	return FormatError(err, "InsertApproval", "Approval")
}

// ApprovalsByReportIDs returns, per report, the approvals that count: those
// of its current content (given at or after its content_version), oldest
// first, in one query.
func ApprovalsByReportIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]*workflow.Approval, error) {
	var list []*workflow.Approval
	err := sqlx.SelectContext(ctx, q, &list, `
		SELECT a.report_id, a.user_id, a.version, a.approved_at
		FROM report_approvals a JOIN reports r ON r.id = a.report_id
		WHERE a.report_id = ANY($1) AND a.version >= r.content_version
		ORDER BY a.report_id, a.approved_at, a.user_id`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "ApprovalsByReportIDs", "Approval")
	}
	out := map[int64][]*workflow.Approval{}
	for _, a := range list {
		out[a.ReportID] = append(out[a.ReportID], a)
	}
	return out, nil
}

// --- publish jobs ---

// PublishJobsByReportIDs returns the publish jobs of the reports in ids, in one query.
func PublishJobsByReportIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*workflow.PublishJob, error) {
	var list []*workflow.PublishJob
	err := sqlx.SelectContext(ctx, q, &list, `
		SELECT report_id, run_at, time_zone, created_by, created_at FROM publish_jobs WHERE report_id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "PublishJobsByReportIDs", "Publish job")
	}
	out := make(map[int64]*workflow.PublishJob, len(list))
	for _, j := range list {
		out[j.ReportID] = j
	}
	return out, nil
}

// PutPublishJob records j (replacing the report's job, if it has one); its
// CreatedAt is set to tx.Now.
func PutPublishJob(ctx context.Context, tx *Tx, j *workflow.PublishJob) error {
	j.CreatedAt = tx.Now
	_, err := tx.ExecContext(ctx, `
		INSERT INTO publish_jobs (report_id, run_at, time_zone, created_by, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (report_id) DO UPDATE SET run_at = EXCLUDED.run_at, time_zone = EXCLUDED.time_zone,
			created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at`,
		j.ReportID, j.RunAt, j.TimeZone, j.CreatedBy, j.CreatedAt)
	return FormatError(err, "PutPublishJob", "Publish job")
}

// DeletePublishJob removes the report's publish job, if it has one.
func DeletePublishJob(ctx context.Context, tx *Tx, reportID int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM publish_jobs WHERE report_id = $1`, reportID)
	return FormatError(err, "DeletePublishJob", "Publish job")
}

// RetimePublishJob moves the report's publish job to runAt.
func RetimePublishJob(ctx context.Context, tx *Tx, reportID int64, runAt time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE publish_jobs SET run_at = $2 WHERE report_id = $1`, reportID, runAt)
	return FormatError(err, "RetimePublishJob", "Publish job")
}

// DueJob is a publish job claimed by ClaimDueJobs, with what the scheduler
// needs to know of its report.
type DueJob struct {
	workflow.PublishJob
	Version      int        `db:"version"`
	EmbargoUntil *time.Time `db:"embargo_until"`
}

// ClaimDueJobs returns up to limit publish jobs due at now, oldest first,
// and locks each job and its report until tx ends. Jobs or reports another
// transaction holds are skipped (FOR UPDATE SKIP LOCKED), so concurrent
// schedulers never claim one job twice, and a report being changed right
// now waits for the next round rather than blocking the scheduler.
func ClaimDueJobs(ctx context.Context, tx *Tx, now time.Time, limit int) ([]*DueJob, error) {
	var list []*DueJob
	err := tx.SelectContext(ctx, &list, `
		SELECT j.report_id, j.run_at, j.time_zone, j.created_by, j.created_at, r.version, r.embargo_until
		FROM publish_jobs j JOIN reports r ON r.id = j.report_id
		WHERE j.run_at <= $1
		ORDER BY j.run_at, j.report_id
		LIMIT $2
		FOR UPDATE OF j, r SKIP LOCKED`, now, limit)
	return list, FormatError(err, "ClaimDueJobs", "Publish job")
}

// --- queues ---

// ReportsAwaitingReview returns the IN_REVIEW reports assigned to user
// userID that they have not approved in their current version, oldest
// change first.
func ReportsAwaitingReview(ctx context.Context, q sqlx.QueryerContext, userID int64) ([]int64, error) {
	ids := []int64{}
	err := sqlx.SelectContext(ctx, q, &ids, `
		SELECT r.id FROM review_assignments ra JOIN reports r ON r.id = ra.report_id
		WHERE ra.user_id = $1 AND r.status = 'IN_REVIEW'
			AND NOT EXISTS (SELECT 1 FROM report_approvals a WHERE a.report_id = r.id AND a.user_id = $1 AND a.version >= r.content_version)
		ORDER BY r.updated_at, r.id`, userID)
	return ids, FormatError(err, "ReportsAwaitingReview", "Report")
}

// ReportsWithChangesRequested returns the CHANGES_REQUESTED reports user
// userID created, newest change first.
func ReportsWithChangesRequested(ctx context.Context, q sqlx.QueryerContext, userID int64) ([]int64, error) {
	ids := []int64{}
	err := sqlx.SelectContext(ctx, q, &ids, `
		SELECT id FROM reports WHERE created_by = $1 AND status = 'CHANGES_REQUESTED'
		ORDER BY updated_at DESC, id DESC`, userID)
	return ids, FormatError(err, "ReportsWithChangesRequested", "Report")
}

// ReportsScheduledBetween returns the reports whose publish job runs in
// [from, to), in the order they run.
func ReportsScheduledBetween(ctx context.Context, q sqlx.QueryerContext, from, to time.Time) ([]int64, error) {
	ids := []int64{}
	err := sqlx.SelectContext(ctx, q, &ids, `
		SELECT report_id FROM publish_jobs WHERE run_at >= $1 AND run_at < $2 ORDER BY run_at, report_id`, from, to)
	return ids, FormatError(err, "ReportsScheduledBetween", "Report")
}
