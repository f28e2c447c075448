// Package notify is what copydesk tells a user: mentions, review requests,
// assignments, changes requested, translation work, the publication of
// their report. A notification is written in the transaction of the change
// that causes it (Send), so a change that fails tells nobody, and never to
// the user who made the change. Users read theirs, newest first, with
// unread state (Service.List, Service.Unread) and mark them read
// (Service.MarkRead). SOURCE_CHANGED is written by the report update's
// own statement (postgres.UpdateReport, SourceChange). Live delivery is for
// subscriptions; this is the inbox they will read from.
package notify

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/postgres"
)

// Kind is what a notification is about.
type Kind string

// The kinds of notification.
const (
	Mentioned           Kind = "MENTIONED"            // a comment mentions me
	ReviewRequested     Kind = "REVIEW_REQUESTED"     // a report I review was submitted
	ReviewerAssigned    Kind = "REVIEWER_ASSIGNED"    // I was made a reviewer of a report
	ChangesRequested    Kind = "CHANGES_REQUESTED"    // a reviewer sent my report back
	TranslationAssigned Kind = "TRANSLATION_ASSIGNED" // I was assigned a translation
	SourceChanged       Kind = "SOURCE_CHANGED"       // the source of a translation of mine changed
	ReportPublished     Kind = "REPORT_PUBLISHED"     // my report was published
)

// Notification is one notification of one user.
type Notification struct {
	ID        int64
	UserID    int64
	Kind      Kind
	ReportID  int64
	CommentID *int64  // the comment, for MENTIONED and CHANGES_REQUESTED
	Locale    *string // the translation's locale, for translation work
	ActorID   *int64  // who caused it; nil for copydesk itself (the scheduler)
	CreatedAt time.Time
	ReadAt    *time.Time
}

// Event is what Send is told: kind on report ReportID, optionally about a
// comment or a translation locale.
type Event struct {
	Kind      Kind
	ReportID  int64
	CommentID *int64
	Locale    *string
}

// Send notifies users of e in tx, caused by the context's viewer, who is
// never notified of their own change; a user listed twice is told once.
func Send(ctx context.Context, tx *postgres.Tx, e Event, users ...int64) error {
	actor := auth.ViewerFrom(ctx).UserRef()
	var to []int64
	for _, u := range users {
		if (actor == nil || u != *actor) && !slices.Contains(to, u) {
			to = append(to, u)
		}
	}
	if len(to) == 0 {
		return nil
	}
	return postgres.InsertNotifications(ctx, tx, to, string(e.Kind), e.ReportID, e.CommentID, e.Locale, actor)
}

// Service reads and marks the signed-in user's notifications.
type Service struct {
	DB *postgres.DB
}

// New returns a Service over db.
func New(db *postgres.DB) *Service { return &Service{DB: db} }

// MaxPage bounds one page of List.
const MaxPage = 100

// viewer is the signed-in user whose notifications these are:
// UNAUTHENTICATED for anonymous callers, FORBIDDEN for read-only tokens.
func viewer(ctx context.Context) (int64, error) {
	v, err := auth.Gate(ctx)
	if err != nil {
		return 0, err
	}
	id := v.UserRef()
	if id == nil {
		return 0, cerr.Errorf(cerr.Forbidden, "Notifications belong to a user; sign in as one.")
	}
	return *id, nil
}

// List returns up to first of the viewer's notifications, newest first,
// with IDs below before (0: from the newest); unreadOnly leaves out the
// read ones.
func (s *Service) List(ctx context.Context, unreadOnly bool, first int, before int64) ([]*Notification, error) {
	uid, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := postgres.Notifications(ctx, s.DB, uid, unreadOnly, min(max(first, 1), MaxPage+1), before)
	if err != nil {
		return nil, err
	}
	out := make([]*Notification, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, nil
}

// Unread counts the viewer's unread notifications.
func (s *Service) Unread(ctx context.Context) (int, error) {
	uid, err := viewer(ctx)
	if err != nil {
		return 0, err
	}
	return postgres.UnreadNotifications(ctx, s.DB, uid)
}

// MarkRead marks the viewer's notifications ids read, or with all every
// unread one up to and including upTo (0: all of them, so that a "mark all
// read" clicked on a stale screen does not swallow ones that came since it
// loaded, when the screen sends the newest ID it shows). A notification
// read already stays as it was; an ID that is not one of the viewer's is
// NOT_FOUND on input.ids.N, and nothing is marked. It returns the
// notifications it marked. Marking is not audited: it changes only the
// viewer's own inbox.
func (s *Service) MarkRead(ctx context.Context, ids []int64, all bool, upTo int64) ([]*Notification, error) {
	uid, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	if !all && len(ids) == 0 {
		return nil, cerr.FieldErrorf(cerr.Invalid, "input.ids", "Say which notifications to mark read (ids), or set all.")
	}
	if len(ids) > MaxPage {
		return nil, cerr.FieldErrorf(cerr.Invalid, "input.ids", "At most %d notifications at once (got %d); use all to mark every one.", MaxPage, len(ids))
	}
	var out []*Notification
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		out = nil
		if err := mustBeMine(ctx, tx, uid, ids); err != nil {
			return err
		}
		marked, err := postgres.MarkNotificationsRead(ctx, tx, uid, ids, all, upTo)
		for _, r := range marked {
			out = append(out, fromRow(r))
		}
		return err
	})
	if out == nil && err == nil {
		out = []*Notification{}
	}
	return out, err
}

// ByID returns the viewer's notification id; nil if it is not theirs.
func (s *Service) ByID(ctx context.Context, id int64) (*Notification, error) {
	uid, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := postgres.NotificationsByIDs(ctx, s.DB, uid, []int64{id})
	if err != nil || rows[id] == nil {
		return nil, err
	}
	return fromRow(rows[id]), nil
}

// mustBeMine fails with NOT_FOUND on input.ids.N unless every one of ids
// is a notification of user uid (nothing to read without ids).
func mustBeMine(ctx context.Context, tx *postgres.Tx, uid int64, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	mine, err := postgres.NotificationsByIDs(ctx, tx, uid, ids)
	if err != nil {
		return err
	}
	for i, id := range ids {
		if mine[id] == nil {
			return cerr.FieldErrorf(cerr.NotFound, "input.ids."+strconv.Itoa(i), "You have no such notification.")
		}
	}
	return nil
}

func fromRow(r *postgres.NotificationRow) *Notification {
	return &Notification{ID: r.ID, UserID: r.UserID, Kind: Kind(r.Kind), ReportID: r.ReportID, CommentID: r.CommentID,
		Locale: r.Locale, ActorID: r.ActorID, CreatedAt: r.CreatedAt, ReadAt: r.ReadAt}
}
