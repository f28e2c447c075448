package graph

import (
	"context"
	"strings"

	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/notify"
	"github.com/copydesk/copydesk/internal/reports"
)

const typeNotification = "Notification"

// --- notifications ---

func (r *Resolver) notifications(ctx context.Context, first *int, after *string, unreadOnly *bool) (*model.NotificationConnection, error) {
	n, before, cur, err := idPage(first, after, 20)
	if err != nil {
		return nil, err
	}
	list, err := r.Notifications.List(ctx, unreadOnly != nil && *unreadOnly, n+1, before)
	if err != nil {
		return nil, err
	}
	list, cursors, info := page(list, n, cur, func(x *notify.Notification) editorial.Cursor { return editorial.Cursor{ID: x.ID} })
	return &model.NotificationConnection{Nodes: list, PageInfo: info,
		Edges: edges(list, cursors, func(c string, x *notify.Notification) *model.NotificationEdge {
			return &model.NotificationEdge{Cursor: c, Node: x}
		})}, nil
}

func (r *Resolver) unreadNotifications(ctx context.Context) (*int, error) {
	if auth.ViewerFrom(ctx).UserRef() == nil {
		return nil, nil
	}
	n, err := r.Notifications.Unread(ctx)
	if err != nil {
		return nil, err
	}
	return &n, nil
}

func (r *Resolver) markNotificationsRead(ctx context.Context, in model.MarkNotificationsReadInput) (*model.MarkNotificationsReadPayload, error) {
	fail := func(err error) (*model.MarkNotificationsReadPayload, error) {
		ue, err := failed(ctx, err)
		return &model.MarkNotificationsReadPayload{Notifications: []*notify.Notification{}, UserErrors: ue}, err
	}
	ids, err := decodeIDs("input.ids", typeNotification, in.Ids.Value())
	if err != nil {
		return fail(err)
	}
	upTo, err := optID("input.upTo", typeNotification, in.UpTo)
	if err != nil {
		return fail(err)
	}
	var until int64
	if upTo != nil {
		until = *upTo
	}
	all := in.All.Value() != nil && *in.All.Value()
	marked, err := r.Notifications.MarkRead(ctx, ids, all, until)
	if err != nil {
		return fail(err)
	}
	unread, err := r.Notifications.Unread(ctx)
	if err != nil {
		return fail(err)
	}
	return &model.MarkNotificationsReadPayload{Notifications: marked, UnreadCount: &unread, UserErrors: noUserErrors()}, nil
}

// notificationNode is node(id:) for a notification: the viewer's own only.
func (r *Resolver) notificationNode(ctx context.Context, id int64) (model.Node, error) {
	if auth.ViewerFrom(ctx).UserRef() == nil {
		return nil, nil
	}
	n, err := r.Notifications.ByID(ctx, id)
	if n == nil || err != nil {
		return nil, err
	}
	return n, nil
}

// --- review threads ---

// changeRequests are the open change-request threads on the viewer's
// reports: one query for the roots, then the threads loader (one more).
func (r *Resolver) changeRequests(ctx context.Context, userID int64) ([]*model.CommentThread, error) {
	roots, err := r.Comments.OpenChangeRequests(ctx, userID, 100)
	if err != nil {
		return nil, err
	}
	keys := make([]threadsKey, len(roots))
	for i, c := range roots {
		keys[i] = threadsKey{ReportID: c.ReportID, IncludeResolved: false}
	}
	lists, err := loadEach(ctx, r.loaders(ctx).threads, keys)
	if err != nil {
		return nil, err
	}
	out := []*model.CommentThread{}
	for i, c := range roots {
		for _, t := range lists[i] {
			if t.Root.ID == c.ID {
				out = append(out, asWritten.Thread(t))
			}
		}
	}
	return out, nil
}

func threadKind(t *comments.Thread) model.CommentThreadKind {
	if t.Root.Kind == comments.KindChangeRequest {
		return model.CommentThreadKindChangeRequest
	}
	return model.CommentThreadKindComment
}

func (r *Resolver) requestChanges(ctx context.Context, in model.RequestChangesInput) (*reports.Saved, error) {
	id, err := decodeID("input.id", typeReport, in.ID)
	if err != nil {
		return nil, err
	}
	req := reports.ChangeRequest{Comment: in.Comment, Required: in.Required.Value() == nil || *in.Required.Value(),
		RangeStart: opt(in.RangeStart), RangeEnd: opt(in.RangeEnd)}
	if f := opt(in.Field); f != nil {
		req.Field = strings.ToLower(string(*f))
	}
	if req.AttendeeID, err = optID("input.attendeeId", typeAttendee, in.AttendeeID); err != nil {
		return nil, err
	}
	if req.MentionIDs, err = decodeIDs("input.mentionIds", typeUser, in.MentionIds.Value()); err != nil {
		return nil, err
	}
	return r.Reports.RequestChanges(ctx, id, in.ExpectedVersion, req)
}
