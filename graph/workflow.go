package graph

import (
	"context"
	"strings"
	"time"

	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/workflow"
)

// Resolver helpers for the workflow, comments and the audit trail. The
// state machine is internal/workflow; these functions only present it.

const typeComment = "Comment"

// newsroom reports whether the request may see unpublished data.
func newsroom(ctx context.Context) bool { return auth.ViewerFrom(ctx).SeesDrafts() }

// workflowActions maps the state machine's actions to the schema's enum.
var workflowActions = map[workflow.Action]model.WorkflowAction{
	workflow.Submit: model.WorkflowActionSubmit, workflow.AssignReviewers: model.WorkflowActionAssignReviewers,
	workflow.RequestChanges: model.WorkflowActionRequestChanges, workflow.Approve: model.WorkflowActionApprove,
	workflow.Publish: model.WorkflowActionPublish, workflow.Schedule: model.WorkflowActionSchedule,
	workflow.CancelSchedule: model.WorkflowActionCancelSchedule, workflow.Unpublish: model.WorkflowActionUnpublish,
	workflow.TakeDown: model.WorkflowActionTakeDown, workflow.LiftTakedown: model.WorkflowActionLiftTakedown,
	workflow.Archive: model.WorkflowActionArchive, workflow.Restore: model.WorkflowActionRestore,
}

func (r *Resolver) facts(ctx context.Context, rep *editorial.Report) (workflow.Facts, error) {
	return load(ctx, r.loaders(ctx).facts, rep.ID)
}

func (r *Resolver) availableTransitions(ctx context.Context, rep *editorial.Report) ([]model.WorkflowAction, error) {
	out := []model.WorkflowAction{}
	if !newsroom(ctx) {
		return out, nil
	}
	f, err := r.facts(ctx, rep)
	if err != nil {
		return nil, err
	}
	v := auth.ViewerFrom(ctx)
	for _, a := range workflow.Available(v, rep, f) {
		out = append(out, workflowActions[a])
	}
	if workflow.CanSetEmbargo(v, rep) {
		out = append(out, model.WorkflowActionSetEmbargo)
	}
	return out, nil
}

func (r *Resolver) published(ctx context.Context, rep *editorial.Report) (*model.PublishedCopy, error) {
	if !newsroom(ctx) {
		return nil, nil
	}
	p, err := load(ctx, r.loaders(ctx).publications, rep.ID)
	if err != nil || p == nil {
		return nil, err
	}
	rev, err := load(ctx, r.loaders(ctx).revisions, p.RevisionID)
	if err != nil || rev == nil {
		return nil, err
	}
	return &model.PublishedCopy{Revision: rev, Version: p.Version, FirstPublishedAt: p.FirstPublishedAt, PublishedAt: p.PublishedAt}, nil
}

// unpublishedChanges diffs the published revision against the newest one.
func (r *Resolver) unpublishedChanges(ctx context.Context, rep *editorial.Report) (*model.RevisionDiff, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.ReadDrafts, auth.Resource{}); err != nil {
		return nil, err
	}
	f, err := r.facts(ctx, rep)
	if err != nil || !f.HasUnpublishedChanges {
		return nil, err
	}
	pub, err := r.published(ctx, rep)
	if err != nil || pub == nil {
		return nil, err
	}
	latest, err := load(ctx, r.loaders(ctx).revisionPages, revisionPageKey{rep.ID, 1, 0})
	if err != nil || latest == nil || len(latest.Revisions) == 0 {
		return nil, err
	}
	return diffRevisions(pub.Revision, latest.Revisions[0]), nil
}

func (r *Resolver) reviewers(ctx context.Context, rep *editorial.Report) ([]*auth.User, error) {
	if !newsroom(ctx) {
		return []*auth.User{}, nil
	}
	list, err := load(ctx, r.loaders(ctx).reviewers, rep.ID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(list))
	for i, a := range list {
		ids[i] = a.UserID
	}
	return loadAll(ctx, r.loaders(ctx).users, ids)
}

func (r *Resolver) scheduledPublication(ctx context.Context, rep *editorial.Report) (*model.ScheduledPublication, error) {
	if !newsroom(ctx) || rep.Status != editorial.Scheduled {
		return nil, nil
	}
	j, err := load(ctx, r.loaders(ctx).publishJobs, rep.ID)
	if err != nil || j == nil {
		return nil, err
	}
	return &model.ScheduledPublication{PublishAt: j.RunAt, TimeZone: j.TimeZone}, nil
}

func (r *Resolver) myQueue(ctx context.Context, day, tz *string) (*model.Queue, error) {
	v := auth.ViewerFrom(ctx)
	if v.UserRef() == nil {
		return nil, nil
	}
	loc, err := workflowLocation(tz)
	if err != nil {
		return nil, err
	}
	d := time.Now().In(loc)
	if day != nil {
		if d, err = time.ParseInLocation(time.DateOnly, *day, loc); err != nil {
			return nil, cerr.FieldErrorf(cerr.Invalid, "day", "Give the day as YYYY-MM-DD, e.g. 2020-08-13.")
		}
	}
	q, err := r.Reports.Queue(ctx, v.UserID, d, loc)
	if err != nil {
		return nil, err
	}
	l := r.loaders(ctx).reports
	out := &model.Queue{}
	if out.AwaitingMyReview, err = loadAll(ctx, l, q.AwaitingReview); err != nil {
		return nil, err
	}
	if out.ChangesRequested, err = loadAll(ctx, l, q.ChangesRequested); err != nil {
		return nil, err
	}
	if out.ScheduledToday, err = loadAll(ctx, l, q.ScheduledToday); err != nil {
		return nil, err
	}
	out.ChangeRequests, err = r.changeRequests(ctx, v.UserID)
	return out, err
}

func workflowLocation(tz *string) (*time.Location, error) {
	if tz == nil || *tz == "" {
		return time.UTC, nil
	}
	return workflow.LoadTimeZone("timeZone", *tz)
}

// --- audit ---

func (r *Resolver) auditLog(ctx context.Context, reportID int64, first *int, after *string) (*model.AuditEntryConnection, error) {
	action := auth.ReadDrafts
	if reportID == 0 {
		action = auth.ManageUsers
	}
	if err := auth.Check(auth.ViewerFrom(ctx), action, auth.Resource{}); err != nil {
		return nil, err
	}
	n, before, cur, err := idPage(first, after, 50)
	if err != nil {
		return nil, err
	}
	list, err := r.reader(ctx).ListAudit(ctx, reportID, n+1, before)
	if err != nil {
		return nil, err
	}
	list, cursors, info := page(list, n, cur, func(e *editorial.AuditRecord) editorial.Cursor { return editorial.Cursor{ID: e.ID} })
	return &model.AuditEntryConnection{Nodes: list, PageInfo: info,
		Edges: edges(list, cursors, func(c string, n *editorial.AuditRecord) *model.AuditEntryEdge {
			return &model.AuditEntryEdge{Cursor: c, Node: n}
		})}, nil
}

func jsonText(b []byte) *string {
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	return &s
}

// --- comments ---

func (r *Resolver) threads(ctx context.Context, rep *editorial.Report, includeResolved *bool) ([]*comments.Thread, error) {
	if !newsroom(ctx) {
		return []*comments.Thread{}, nil
	}
	include := includeResolved == nil || *includeResolved
	return nonNilList(load(ctx, r.loaders(ctx).threads, threadsKey{rep.ID, include}))
}

func anchorOf(c *comments.Comment) *model.CommentAnchor {
	if c.Field == "" {
		return nil
	}
	return &model.CommentAnchor{Field: model.CommentField(strings.ToUpper(c.Field)), RangeStart: c.RangeStart, RangeEnd: c.RangeEnd,
		Quote: c.Quote, CurrentQuote: c.CurrentQuote, Outdated: c.OutdatedAt != nil, OutdatedAt: c.OutdatedAt}
}

func (r *Resolver) addComment(ctx context.Context, in model.AddCommentInput) (*comments.Comment, error) {
	nc := comments.NewComment{Body: in.Body, RangeStart: opt(in.RangeStart), RangeEnd: opt(in.RangeEnd),
		Required: in.Required.Value() != nil && *in.Required.Value()}
	var err error
	if nc.ReportID, err = decodeID("input.reportId", typeReport, in.ReportID); err != nil {
		return nil, err
	}
	if nc.ParentID, err = optID("input.replyTo", typeComment, in.ReplyTo); err != nil {
		return nil, err
	}
	if f := opt(in.Field); f != nil {
		nc.Field = strings.ToLower(string(*f))
	}
	if nc.AttendeeID, err = optID("input.attendeeId", typeAttendee, in.AttendeeID); err != nil {
		return nil, err
	}
	if nc.MentionIDs, err = decodeIDs("input.mentionIds", typeUser, in.MentionIds.Value()); err != nil {
		return nil, err
	}
	c, err := r.Comments.Create(ctx, nc)
	return c, commentFields(err)
}

func (r *Resolver) editComment(ctx context.Context, in model.EditCommentInput) (*comments.Comment, error) {
	id, err := decodeID("input.id", typeComment, in.ID)
	if err != nil {
		return nil, err
	}
	mentions, set := partialList(in.MentionIds)
	var ids []int64
	if set {
		if ids, err = decodeIDs("input.mentionIds", typeUser, mentions); err != nil {
			return nil, err
		}
	} else if cur, err := load(ctx, r.loaders(ctx).comments, id); err != nil {
		return nil, err
	} else if cur != nil {
		ids = cur.MentionIDs
	}
	c, err := r.Comments.Edit(ctx, id, in.ExpectedVersion, in.Body, ids)
	return c, commentFields(err)
}

// commentFields renames the comments service's input paths to the schema's.
func commentFields(err error) error { return renameField(err, "input.parentId", "input.replyTo") }

// renameField rewrites an error's input path that starts with from to
// start with to, where a service names an input differently from the schema.
func renameField(err error, from, to string) error {
	if e := cerr.As(err); e != nil && strings.HasPrefix(e.Field, from) {
		c := *e
		c.Field = to + strings.TrimPrefix(e.Field, from)
		return &c
	}
	return err
}

func (r *Resolver) threadOf(ctx context.Context, root *comments.Comment, err error) (*model.ThreadPayload, error) {
	if err != nil {
		ue, err := failed(ctx, err)
		return &model.ThreadPayload{UserErrors: ue}, err
	}
	forget(ctx)
	list, err := load(ctx, r.loaders(ctx).threads, threadsKey{root.ReportID, true})
	if err != nil {
		return nil, err
	}
	for _, t := range list {
		if t.Root.ID == root.ID {
			return &model.ThreadPayload{Thread: asWritten.Thread(t), UserErrors: noUserErrors()}, nil
		}
	}
	return &model.ThreadPayload{Thread: asWritten.Thread(&comments.Thread{Root: root}), UserErrors: noUserErrors()}, nil
}

func (rs responder) comment(c *comments.Comment, err error) (*model.CommentPayload, error) {
	if err != nil {
		ue, err := failed(rs.ctx, err)
		return &model.CommentPayload{UserErrors: ue}, err
	}
	forget(rs.ctx)
	return &model.CommentPayload{Comment: c, UserErrors: noUserErrors()}, nil
}

// transition runs a workflow step on the report a TransitionInput names.
func (r *Resolver) transition(ctx context.Context, in model.TransitionInput, step func(id int64, version int, message *string) (*reports.Saved, error)) (*model.UpdateReportPayload, error) {
	id, err := decodeID("input.id", typeReport, in.ID)
	if err == nil {
		err = noCorrection(in)
	}
	if err != nil {
		return respond(ctx).report(nil, err)
	}
	return respond(ctx).report(step(id, in.ExpectedVersion, opt(in.Message)))
}
