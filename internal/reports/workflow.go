package reports

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/notify"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/workflow"
)

// The editorial workflow, executed. Each method below runs one action of
// package workflow's table through save: the report is locked, the
// expected version checked (racing transitions serialize: one wins, the
// others get CONFLICT), workflow.Check decides with the viewer and the
// report's facts read in the same transaction, and the transition records
// a new version, its revision and exactly one audit entry ("report.submit",
// "report.approve", …) with the status before and after and what it was
// given (comment, reason, publishAt…). A failed transition changes nothing
// and records nothing.

// step is what a workflow transition adds to save. The change function
// fills it in (save may run it again when the transaction is retried).
type step struct {
	// force records a version even when neither the content nor the status
	// changes (an approval that is not yet enough, an assignment, an embargo).
	force bool
	// detail is added to the audit entry's Detail.
	detail map[string]any
	// after runs once the new version and its revision are written.
	after func(tx *postgres.Tx, r *editorial.Report, rev *editorial.Revision) error
	// published says the step (re)published the report: its public
	// documents are rebuilt (published.Sync).
	published bool
}

// applyFunc is what a transition does besides changing the status: r has
// the status it had, f its facts; it returns the revision message.
type applyFunc func(tx *postgres.Tx, r *editorial.Report, f workflow.Facts, st *step) (*string, error)

// transition runs action a on report id: save with the action's auth rule
// and audit action; inside, workflow.Check, then apply, then the status
// workflow.Next says. Errors of Check that concern the input name idField.
func (s *Service) transition(ctx context.Context, a workflow.Action, idField string, id int64, expectedVersion int, apply applyFunc) (*Saved, error) {
	t := workflow.Lookup(a)
	if t == nil {
		return nil, fmt.Errorf("reports: unknown workflow action %q", a)
	}
	st := &step{}
	return s.save(ctx, t.Auth, t.Audit, idField, id, expectedVersion, func(tx *postgres.Tx, r *editorial.Report) (*string, error) {
		*st = step{force: true, detail: map[string]any{}}
		v := auth.ViewerFrom(ctx)
		f, err := s.factsIn(ctx, tx, r, v)
		if err != nil {
			return nil, err
		}
		if err := workflow.Check(v, r, f, a); err != nil {
			return nil, cerr.OnField(err, idField)
		}
		next := workflow.Next(r, f, a)
		msg, err := apply(tx, r, f, st)
		if err != nil {
			return nil, err
		}
		r.Status = next
		return msg, nil
	}, st)
}

// contentChanged is save's hook for a change to a report's content (what
// its revision snapshot holds), before UpdateReport records the version the
// content changed at (so earlier approvals stop counting and a published
// report has unpublished changes): it applies workflow's rule "an edit
// reopens review" (Settings.ReopenReview, with the settings of the
// report's desk, read only when the rule can apply), dropping the publish
// job of a report it sends back to IN_REVIEW; and it makes the comment
// threads anchored to what changed follow the edit (comments.FollowEdit;
// removed says attendees left the report). The edit's audit entry names
// the threads whose anchor moved (movedAnchors) and those outdated
// (outdatedThreads), each only when there are some.
func (s *Service) contentChanged(ctx context.Context, tx *postgres.Tx, action auth.Action, before, r *editorial.Report, removed bool, st *step) error {
	if st.detail == nil {
		st.detail = map[string]any{}
	}
	if err := s.reopenReview(ctx, tx, action, before, r, st); err != nil {
		return err
	}
	f, err := comments.FollowEdit(ctx, tx, before, r, removed)
	if err != nil {
		return err
	}
	// (Set or cleared: save may run again after a serialization failure.)
	setIDs(st.detail, "movedAnchors", f.Moved)
	setIDs(st.detail, "outdatedThreads", f.Outdated)
	return nil
}

// reopenReview applies "an edit reopens review" with the desk's settings.
func (s *Service) reopenReview(ctx context.Context, tx *postgres.Tx, action auth.Action, before, r *editorial.Report, st *step) error {
	if r.Status != editorial.Approved && r.Status != editorial.Scheduled {
		return nil // the rule cannot apply: no need to read the settings
	}
	settings, err := postgres.SettingsFor(ctx, tx, r.DeskID)
	if err != nil {
		return err
	}
	if next, reopened := settings.ReopenReview(action, before.Status, r.Status); reopened {
		if err := postgres.DeletePublishJob(ctx, tx, r.ID); err != nil {
			return err
		}
		r.Status = next
		st.detail["reviewReopened"] = true
	}
	return nil
}

// setIDs sets detail[key] to ids, or deletes it when there are none.
func setIDs(detail map[string]any, key string, ids []int64) {
	if len(ids) == 0 {
		delete(detail, key)
		return
	}
	detail[key] = ids
}

// Facts returns the workflow facts of the reports in ids for the context's
// viewer (what workflow.Available and workflow.Check need), in one query
// (a dataloader's batch function). Unknown IDs are absent.
func (s *Service) Facts(ctx context.Context, reportIDs []int64) (map[int64]workflow.Facts, error) {
	v := auth.ViewerFrom(ctx)
	states, err := postgres.WorkflowStates(ctx, s.DB, reportIDs, viewerUserID(v))
	if err != nil {
		return nil, err
	}
	now := s.DB.Now().UTC()
	out := make(map[int64]workflow.Facts, len(states))
	for id, st := range states {
		out[id] = s.factsOf(st, now)
	}
	return out, nil
}

// factsIn reads r's facts in tx for v, at the transaction's time.
func (s *Service) factsIn(ctx context.Context, tx *postgres.Tx, r *editorial.Report, v *auth.Viewer) (workflow.Facts, error) {
	states, err := postgres.WorkflowStates(ctx, tx, []int64{r.ID}, viewerUserID(v))
	if err != nil {
		return workflow.Facts{}, err
	}
	return s.factsOf(states[r.ID], tx.Now), nil
}

func (s *Service) factsOf(st *postgres.WorkflowState, now time.Time) workflow.Facts {
	f := workflow.Facts{Now: now, ApprovalsRequired: 1}
	if st == nil {
		return f
	}
	f.ApprovalsRequired = max(st.ApprovalsRequired, 1)
	f.AssignedReviewersOnly, f.ViewerAssigned, f.OpenRequiredChanges = st.AssignedReviewersOnly, st.ViewerAssigned, st.OpenRequiredChanges
	f.Approvals, f.ApprovedByViewer = st.Approvals, st.ApprovedByViewer
	f.EmbargoUntil, f.PublishAt = st.EmbargoUntil, st.PublishAt
	if st.PublishedVersion != nil {
		f.Published = true
		f.HasUnpublishedChanges = st.ContentVersion > *st.PublishedVersion
	}
	return f
}

func viewerUserID(v *auth.Viewer) int64 {
	if id := v.UserRef(); id != nil {
		return *id
	}
	return 0
}

// Submit sends a DRAFT or CHANGES_REQUESTED report to review (IN_REVIEW).
// message, if given, is the revision's message.
func (s *Service) Submit(ctx context.Context, id int64, expectedVersion int, message *string) (*Saved, error) {
	return s.transition(ctx, workflow.Submit, "input.id", id, expectedVersion, func(tx *postgres.Tx, r *editorial.Report, _ workflow.Facts, _ *step) (*string, error) {
		msg, err := editorial.OptionalText("input.message", "message", message, editorial.MaxMessage)
		if err != nil {
			return nil, err
		}
		if msg == nil {
			msg = ptrTo("Submitted for review")
		}
		return msg, requestReview(ctx, tx, r.ID)
	})
}

// requestReview tells report reportID's assigned reviewers that it waits
// for their review (REVIEW_REQUESTED).
func requestReview(ctx context.Context, tx *postgres.Tx, reportID int64) error {
	assigned, err := postgres.ReviewersByReportIDs(ctx, tx, []int64{reportID})
	if err != nil {
		return err
	}
	to := make([]int64, len(assigned[reportID]))
	for i, a := range assigned[reportID] {
		to[i] = a.UserID
	}
	return notify.Send(ctx, tx, notify.Event{Kind: notify.ReviewRequested, ReportID: reportID}, to...)
}

// AssignReviewers makes userIDs the report's reviewers (replacing the list;
// reviewers already assigned keep their assignment). Each must be a user
// who may review the report (REVIEWER or EDITOR on its desk, or ADMIN),
// is not disabled and did not create it; otherwise BAD_USER_INPUT on
// input.reviewerIds.N. Assigning the list the report has changes nothing.
func (s *Service) AssignReviewers(ctx context.Context, id int64, expectedVersion int, userIDs []int64) (*Saved, error) {
	return s.transition(ctx, workflow.AssignReviewers, "input.id", id, expectedVersion, func(tx *postgres.Tx, r *editorial.Report, _ workflow.Facts, st *step) (*string, error) {
		if len(userIDs) > editorial.MaxReviewers {
			return nil, cerr.FieldErrorf(cerr.Invalid, "input.reviewerIds", "A report may have at most %d reviewers (got %d).", editorial.MaxReviewers, len(userIDs))
		}
		users, err := postgres.UsersByIDs(ctx, tx, userIDs)
		if err != nil {
			return nil, err
		}
		for i, uid := range userIDs {
			field := editorial.Path("input.reviewerIds", i)
			u := users[uid]
			switch {
			case slices.Index(userIDs, uid) != i:
				return nil, cerr.FieldErrorf(cerr.Invalid, field, "This reviewer is listed twice.")
			case u == nil:
				return nil, cerr.FieldErrorf(cerr.Invalid, field, "There is no user %d.", uid)
			case u.DisabledAt != nil:
				return nil, cerr.FieldErrorf(cerr.Invalid, field, "%s is disabled and cannot review.", u.Name)
			case r.CreatedBy != nil && *r.CreatedBy == uid:
				return nil, cerr.FieldErrorf(cerr.Invalid, field, "%s created this report and cannot review it.", u.Name)
			}
			as := &auth.Viewer{UserID: u.ID, Grants: u.Grants, Scope: auth.ScopeFull}
			if !as.HasRole(auth.Reviewer, r.DeskID) && !as.HasRole(auth.Editor, r.DeskID) {
				return nil, cerr.FieldErrorf(cerr.Invalid, field, "%s is not a reviewer or editor of this report's desk.", u.Name)
			}
		}
		current, err := postgres.ReviewersByReportIDs(ctx, tx, []int64{r.ID})
		if err != nil {
			return nil, err
		}
		var had []int64
		for _, a := range current[r.ID] {
			had = append(had, a.UserID)
		}
		want := slices.Sorted(slices.Values(userIDs))
		slices.Sort(had)
		if slices.Equal(had, want) {
			st.force = false // nothing to record
			return nil, nil
		}
		if err := postgres.ReplaceReviewers(ctx, tx, r.ID, userIDs, auth.ViewerFrom(ctx).UserRef()); err != nil {
			return nil, err
		}
		st.detail["reviewerIds"] = nonNilIDs(userIDs)
		st.detail["previousReviewerIds"] = nonNilIDs(had)
		added := slices.DeleteFunc(slices.Clone(userIDs), func(u int64) bool { return slices.Contains(had, u) })
		if err := notify.Send(ctx, tx, notify.Event{Kind: notify.ReviewerAssigned, ReportID: r.ID}, added...); err != nil {
			return nil, err
		}
		return ptrTo("Reviewers assigned"), nil
	})
}

// ChangeRequest is what RequestChanges takes: the comment (required), and
// the thread it opens — a required change unless Required is false, with
// the users it mentions and an anchor as comments.NewComment has (Field,
// AttendeeID, RangeStart, RangeEnd).
type ChangeRequest struct {
	Comment              string
	Required             bool
	MentionIDs           []int64
	Field                string
	AttendeeID           *int64
	RangeStart, RangeEnd *int
}

// RequestChanges sends an IN_REVIEW report back to its reporter
// (CHANGES_REQUESTED). The comment opens a change-request thread on the
// report (a required change when req.Required: where the desk says so,
// the report cannot be approved until the thread is resolved), which the
// reporter sees in its comments and in their queue; the reporter is
// notified (CHANGES_REQUESTED), and so are the users it mentions. The audit
// entry "report.requestChanges" keeps the comment and the thread's ID.
func (s *Service) RequestChanges(ctx context.Context, id int64, expectedVersion int, req ChangeRequest) (*Saved, error) {
	return s.transition(ctx, workflow.RequestChanges, "input.id", id, expectedVersion, func(tx *postgres.Tx, r *editorial.Report, _ workflow.Facts, st *step) (*string, error) {
		c, err := editorial.RequiredText("input.comment", "comment", req.Comment, editorial.MaxComment)
		if err != nil {
			return nil, err
		}
		thread, err := comments.OpenThread(ctx, tx, r, comments.NewComment{ReportID: r.ID, Body: c, Field: req.Field, AttendeeID: req.AttendeeID,
			RangeStart: req.RangeStart, RangeEnd: req.RangeEnd, MentionIDs: req.MentionIDs, Required: req.Required}, comments.KindChangeRequest)
		if err != nil {
			return nil, err
		}
		if r.CreatedBy != nil {
			if err := notify.Send(ctx, tx, notify.Event{Kind: notify.ChangesRequested, ReportID: r.ID, CommentID: &thread.ID}, *r.CreatedBy); err != nil {
				return nil, err
			}
		}
		if err := notify.Send(ctx, tx, notify.Event{Kind: notify.Mentioned, ReportID: r.ID, CommentID: &thread.ID}, thread.MentionIDs...); err != nil {
			return nil, err
		}
		st.detail["comment"], st.detail["threadId"], st.detail["required"] = c, thread.ID, thread.Required
		if len(thread.MentionIDs) > 0 {
			st.detail["mentionIds"] = thread.MentionIDs
		}
		return ptrTo("Changes requested"), nil
	})
}

// Approve records the viewer's approval of the report's current version
// (expectedVersion). When the approvals of the current version reach the
// number the workflow requires, the report becomes APPROVED; until then it
// stays IN_REVIEW (the approval still records a version). The report's
// creator may not approve it (FORBIDDEN); approving a version twice is
// BAD_USER_INPUT.
func (s *Service) Approve(ctx context.Context, id int64, expectedVersion int) (*Saved, error) {
	return s.transition(ctx, workflow.Approve, "input.id", id, expectedVersion, func(tx *postgres.Tx, r *editorial.Report, f workflow.Facts, st *step) (*string, error) {
		a := &workflow.Approval{ReportID: r.ID, UserID: auth.ViewerFrom(ctx).UserID, Version: r.Version}
		if err := postgres.InsertApproval(ctx, tx, a); err != nil {
			return nil, err
		}
		n := f.Approvals + 1
		st.detail["approvals"], st.detail["required"], st.detail["approvedVersion"] = n, f.Required(), r.Version
		if n >= f.Required() {
			return ptrTo("Approved"), nil
		}
		return ptrTo(fmt.Sprintf("Approved (%d of %d approvals)", n, f.Required())), nil
	})
}

// Publish publishes the report: APPROVED, SCHEDULED (publishing now; its
// job is dropped) or UNPUBLISHED → PUBLISHED, or a PUBLISHED report with
// unpublished changes again. Its publication then points at the revision
// this records, and the report's publishedAt is set the first time. Before
// the report's embargo it fails with BAD_USER_INPUT, whoever asks; so does
// publishing a TAKEN_DOWN report (workflow.MsgTakenDown). It is
// PublishWithCorrection without a correction.
func (s *Service) Publish(ctx context.Context, id int64, expectedVersion int) (*Saved, error) {
	return s.PublishWithCorrection(ctx, id, expectedVersion, nil)
}

// PublishWithCorrection is Publish with, when correction is not blank, a
// public correction note (plain text, input.correction) recorded with the
// publication (see correct).
func (s *Service) PublishWithCorrection(ctx context.Context, id int64, expectedVersion int, correction *string) (*Saved, error) {
	return s.transition(ctx, workflow.Publish, "input.id", id, expectedVersion, func(tx *postgres.Tx, r *editorial.Report, f workflow.Facts, st *step) (*string, error) {
		note, err := correctionNote("input.correction", correction, f)
		if err != nil {
			return nil, err
		}
		if err := postgres.DeletePublishJob(ctx, tx, r.ID); err != nil {
			return nil, err
		}
		if f.PublishAt != nil {
			st.detail["scheduledFor"] = f.PublishAt.UTC()
			if late := tx.Now.Sub(*f.PublishAt); late > 0 {
				st.detail["lateMs"] = late.Milliseconds()
			}
		}
		republish := r.Status == editorial.Published
		if r.PublishedAt == nil {
			r.PublishedAt = &tx.Now
		}
		st.after = func(tx *postgres.Tx, r *editorial.Report, rev *editorial.Revision) error {
			p, err := postgres.PublishRevision(ctx, tx, r.ID, rev.ID, rev.Version)
			if err != nil {
				return err
			}
			st.detail["revisionId"], st.detail["firstPublishedAt"] = p.RevisionID, p.FirstPublishedAt.UTC()
			if note != nil {
				if err := correct(ctx, tx, r, rev, *note, st); err != nil {
					return err
				}
			}
			st.published = true
			if r.CreatedBy == nil {
				return nil
			}
			return notify.Send(ctx, tx, notify.Event{Kind: notify.ReportPublished, ReportID: r.ID}, *r.CreatedBy)
		}
		msg := "Published"
		if republish {
			msg = "Published the changes"
		}
		if note != nil {
			msg += " with a correction"
		}
		return &msg, nil
	})
}

// Schedule schedules an APPROVED report to be published at at (SCHEDULED):
// the scheduler publishes it then. at must be in the future and not before
// the report's embargo (BAD_USER_INPUT on input.publishAt); tz is the IANA
// time zone it was given in (input.timeZone), kept for display.
func (s *Service) Schedule(ctx context.Context, id int64, expectedVersion int, at time.Time, tz string) (*Saved, error) {
	return s.transition(ctx, workflow.Schedule, "input.id", id, expectedVersion, func(tx *postgres.Tx, r *editorial.Report, f workflow.Facts, st *step) (*string, error) {
		loc, err := workflow.LoadTimeZone("input.timeZone", tz)
		if err != nil {
			return nil, err
		}
		at := at.UTC().Truncate(time.Microsecond)
		if err := workflow.CheckPublishAt("input.publishAt", at, f); err != nil {
			return nil, err
		}
		job := &workflow.PublishJob{ReportID: r.ID, RunAt: at, TimeZone: loc.String(), CreatedBy: auth.ViewerFrom(ctx).UserRef()}
		if err := postgres.PutPublishJob(ctx, tx, job); err != nil {
			return nil, err
		}
		st.detail["publishAt"], st.detail["timeZone"] = at, loc.String()
		return ptrTo(fmt.Sprintf("Scheduled for %s (%s)", at.In(loc).Format("2006-01-02 15:04 MST"), loc)), nil
	})
}

// CancelSchedule takes a SCHEDULED report back to APPROVED and drops its
// publish job.
func (s *Service) CancelSchedule(ctx context.Context, id int64, expectedVersion int) (*Saved, error) {
	return s.transition(ctx, workflow.CancelSchedule, "input.id", id, expectedVersion, func(tx *postgres.Tx, r *editorial.Report, f workflow.Facts, st *step) (*string, error) {
		if err := postgres.DeletePublishJob(ctx, tx, r.ID); err != nil {
			return nil, err
		}
		if f.PublishAt != nil {
			st.detail["publishAt"] = f.PublishAt.UTC()
		}
		return ptrTo("Schedule cancelled"), nil
	})
}

// Unpublish takes a PUBLISHED report off the public site (UNPUBLISHED) for
// reason, which is required and kept in the audit entry. Its publication is
// kept: publishing it again republishes.
func (s *Service) Unpublish(ctx context.Context, id int64, expectedVersion int, reason string) (*Saved, error) {
	return s.transition(ctx, workflow.Unpublish, "input.id", id, expectedVersion, func(tx *postgres.Tx, r *editorial.Report, _ workflow.Facts, st *step) (*string, error) {
		why, err := editorial.RequiredText("input.reason", "reason", reason, editorial.MaxReason)
		if err != nil {
			return nil, err
		}
		if err := postgres.DeletePublishJob(ctx, tx, r.ID); err != nil {
			return nil, err
		}
		st.detail["reason"] = why
		return ptrTo("Unpublished"), nil
	})
}

// SetEmbargo sets (until nil: lifts) the instant before which the report
// may not be published: publish fails before it, a schedule may not be
// earlier, and the scheduler holds a due job until then. It needs the
// PublishReport right, records a version and the audit entry
// "report.embargo"; setting the embargo the report has changes nothing.
func (s *Service) SetEmbargo(ctx context.Context, reportID int64, expectedVersion int, until *time.Time) (*Saved, error) {
	st := &step{}
	return s.save(ctx, auth.PublishReport, "report.embargo", "input.reportId", reportID, expectedVersion, func(tx *postgres.Tx, r *editorial.Report) (*string, error) {
		*st = step{detail: map[string]any{}}
		if until != nil {
			t := until.UTC().Truncate(time.Microsecond)
			until = &t
		}
		cur, err := postgres.EmbargoesByReportIDs(ctx, tx, []int64{r.ID})
		if err != nil {
			return nil, err
		}
		var prev *time.Time
		if t, ok := cur[r.ID]; ok {
			t = t.UTC()
			prev = &t
		}
		if sameInstant(prev, until) {
			return nil, nil
		}
		if err := postgres.SetReportEmbargo(ctx, tx, r.ID, until); err != nil {
			return nil, err
		}
		st.force = true
		st.detail["embargoUntil"], st.detail["previousEmbargoUntil"] = until, prev
		if until == nil {
			return ptrTo("Embargo lifted"), nil
		}
		return ptrTo("Embargoed until " + until.Format(time.RFC3339)), nil
	}, st)
}

func ptrTo[T any](v T) *T { return &v }

func sameInstant(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func nonNilIDs(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}
