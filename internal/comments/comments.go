// Package comments is the newsroom's discussion of a report: threaded
// editorial comments, anchored to the report as a whole, to one of its text
// fields (optionally a range of it), or to an attendee, with mentions of
// users, resolving and reopening of threads, and the history of every edit.
// A range follows edits of its field, or the thread is marked outdated when
// the quoted text is gone: FollowEdit, which every edit of a report calls in
// its own transaction (anchors.go has the rule).
//
// Comments are newsroom-only. They are never part of published content: the
// public read path (package content with the Public audience, and the
// resolvers serving it) does not read the comment tables at all, and every
// read here requires auth.ReadDrafts (Viewer.SeesDrafts); writing requires
// auth.Comment on the report's desk.
//
// Each mutation runs one transaction and, when it succeeds, records exactly
// one audit entry in it (comment.create, comment.edit, comment.delete,
// comment.resolve, comment.reopen); a failed one changes nothing and records
// nothing. Audit entries hold IDs and versions, never comment text, so a
// deleted comment's text (and its history) is gone everywhere. Errors are *cerr.Error values whose Field is the GraphQL input
// path ("input.body", "input.rangeStart", "input.mentionIds.2"). SQL lives
// in package postgres.
package comments

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/notify"
	"github.com/copydesk/copydesk/internal/postgres"
)

// Fields a thread can be anchored to. A range (RangeStart, RangeEnd) is
// possible on the text fields, not on an attendee.
const (
	FieldTitle    = "title"
	FieldSubtitle = "subtitle"
	FieldSummary  = "summary"
	FieldBody     = "body"
	FieldAttendee = "attendee"
)

// Fields lists the anchor fields, text fields first.
var Fields = []string{FieldTitle, FieldSubtitle, FieldSummary, FieldBody, FieldAttendee}

// textFields are the fields a range can be in.
var textFields = Fields[:4]

// Comment is one comment. A root (ParentID nil) starts a thread and carries
// its anchor and resolution; a reply has ParentID = ThreadID = its root's ID.
type Comment struct {
	ID       int64
	ReportID int64
	ThreadID int64  // the root's ID (the comment's own ID for a root)
	ParentID *int64 // the root, for a reply
	AuthorID *int64 // nil: written by copydesk itself, or the user was deleted
	Body     *string
	// The anchor: Field is "" for the report as a whole. AttendeeID is set
	// for an attendee anchor (and becomes nil if the attendee leaves the
	// report). RangeStart and RangeEnd are code-point offsets into the
	// field's current text; they follow edits of the field (see
	// FollowEdit), and CurrentQuote is the text they cover. Quote is the
	// text the range covered when the comment was made. OutdatedAt is set
	// once the quoted text is gone (the range and CurrentQuote are nil
	// then, Quote stays) or the attendee left.
	Field                string
	AttendeeID           *int64
	RangeStart, RangeEnd *int
	Quote, CurrentQuote  *string
	OutdatedAt           *time.Time
	Version              int     // 1, plus one per edit
	MentionIDs           []int64 // ascending
	CreatedAt, UpdatedAt time.Time
	EditedAt             *time.Time // the last edit
	DeletedAt            *time.Time // Body is nil once deleted
	ResolvedAt           *time.Time // roots only
	ResolvedBy           *int64
	// Kind is KindComment, or KindChangeRequest for the thread a
	// requestChanges opened (roots only; replies are KindComment).
	Kind string
	// Required: the thread is a required change, which (where the desk's
	// settings say so) must be resolved before the report is approved.
	Required bool
}

// MsgRequiredChangeReviewersOnly is the error for resolving or reopening a
// required change without the right to review the report.
const MsgRequiredChangeReviewersOnly = "Only a reviewer or editor of the report's desk can resolve or reopen a required change; reply to the thread to say it is done."

// Kinds of thread.
const (
	KindComment       = "COMMENT"
	KindChangeRequest = "CHANGE_REQUEST"
)

// Deleted reports whether the comment was deleted.
func (c *Comment) Deleted() bool { return c.DeletedAt != nil }

// Thread is a root comment and its replies, oldest first.
type Thread struct {
	Root    *Comment
	Replies []*Comment
}

// Version is one body a comment has had.
type Version struct {
	CommentID int64
	Version   int
	Body      string
	EditedAt  time.Time
	EditorID  *int64
}

// NewComment is what Create takes. ParentID makes it a reply (to the root
// of ParentID's thread); a reply takes its thread's anchor and gives none.
// Field is "" (the whole report) or one of Fields; AttendeeID goes with
// FieldAttendee; RangeStart and RangeEnd, both or neither, with a text
// field. MentionIDs are the users the body mentions.
type NewComment struct {
	ReportID             int64
	ParentID             *int64
	Body                 string
	Field                string
	AttendeeID           *int64
	RangeStart, RangeEnd *int
	MentionIDs           []int64
	// Required makes a new thread a required change; only those who may
	// review the report (auth.ReviewReport) can open one.
	Required bool
}

// Service reads and writes comments. It is safe for concurrent use.
type Service struct {
	DB *postgres.DB
}

// New returns a Service over db.
func New(db *postgres.DB) *Service { return &Service{DB: db} }

// Create adds a comment: a new thread on report in.ReportID, or a reply.
// NOT_FOUND for an unknown report (input.reportId), parent
// (input.parentId), attendee (input.attendeeId) or mentioned user
// (input.mentionIds.N); BAD_USER_INPUT for a bad body, anchor or range;
// CONFLICT (input.parentId) for a reply to a resolved thread.
func (s *Service) Create(ctx context.Context, in NewComment) (*Comment, error) {
	v, err := gate(ctx)
	if err != nil {
		return nil, err
	}
	var out *Comment
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		r, err := postgres.ReportForComment(ctx, tx, in.ReportID)
		if cerr.Is(err, cerr.NotFound) {
			return cerr.FieldErrorf(cerr.NotFound, "input.reportId", "Report not found.")
		} else if err != nil {
			return err
		}
		if err := auth.Check(v, auth.Comment, auth.Resource{DeskID: r.DeskID}); err != nil {
			return err
		}
		if in.Required {
			if in.ParentID != nil {
				return cerr.FieldErrorf(cerr.Invalid, "input.required", "Only a new thread can be a required change, not a reply.")
			}
			if err := auth.Check(v, auth.ReviewReport, auth.Resource{DeskID: r.DeskID}); err != nil {
				return err
			}
		}
		if in.ParentID != nil {
			if in.Field != "" || in.AttendeeID != nil || in.RangeStart != nil || in.RangeEnd != nil {
				return cerr.FieldErrorf(cerr.Invalid, "input.parentId", "A reply belongs to its thread's anchor: leave out field, attendeeId and the range.")
			}
			if _, err := checkBody("input.body", in.Body); err != nil { // a bad body is reported before a bad parent
				return err
			}
			root, err := s.threadRoot(ctx, tx, r.ID, *in.ParentID)
			if err != nil {
				return err
			}
			if out, err = insertComment(ctx, tx, &postgres.CommentRow{ReportID: r.ID, ParentID: &root.ID}, in, "input.body"); err != nil {
				return err
			}
		} else if out, err = OpenThread(ctx, tx, r, in, KindComment); err != nil {
			return err
		}
		if err := notifyMentions(ctx, tx, r.ID, out.ID, out.MentionIDs); err != nil {
			return err
		}
		detail := map[string]any{"threadId": out.ThreadID}
		if out.Required {
			detail["required"] = true
		}
		if len(out.MentionIDs) > 0 {
			detail["mentionIds"] = out.MentionIDs
		}
		return record(ctx, tx, "comment.create", out, nil, map[string]any{"version": out.Version}, detail)
	})
	return out, err
}

// OpenThread validates and writes a new thread on report r (locked or
// read FOR SHARE in tx) by the context's viewer: its body, anchor and
// mentions as in (ParentID must be nil), of kind (KindComment or
// KindChangeRequest), a required change when in.Required. It checks no
// permission and records no audit entry and no notification: Create, and
// the report service's requestChanges, do those as part of their own
// change.
func OpenThread(ctx context.Context, tx *postgres.Tx, r *editorial.Report, in NewComment, kind string) (*Comment, error) {
	bodyField := "input.body"
	if kind == KindChangeRequest {
		bodyField = "input.comment" // requestChanges calls the body its comment
	}
	if _, err := checkBody(bodyField, in.Body); err != nil { // a bad body is reported before a bad anchor
		return nil, err
	}
	row := &postgres.CommentRow{ReportID: r.ID, Kind: kind, Required: in.Required}
	if err := anchor(ctx, tx, r, in, row); err != nil {
		return nil, err
	}
	return insertComment(ctx, tx, row, in, bodyField)
}

// insertComment writes row (a new root, anchored, or a reply) by the
// context's viewer with in's body and mentions, checked.
func insertComment(ctx context.Context, tx *postgres.Tx, row *postgres.CommentRow, in NewComment, bodyField string) (*Comment, error) {
	body, err := checkBody(bodyField, in.Body)
	if err != nil {
		return nil, err
	}
	row.AuthorID, row.Body = auth.ViewerFrom(ctx).UserRef(), &body
	if row.MentionIDs, err = checkMentions(ctx, tx, in.MentionIDs); err != nil {
		return nil, err
	}
	if err := postgres.InsertComment(ctx, tx, row); err != nil {
		return nil, err
	}
	return fromRow(row), nil
}

// threadRoot returns the root of the thread comment parentID belongs to,
// locked, for a reply on report reportID.
func (s *Service) threadRoot(ctx context.Context, tx *postgres.Tx, reportID, parentID int64) (*postgres.CommentRow, error) {
	parent, _, err := postgres.LockComment(ctx, tx, parentID)
	if cerr.Is(err, cerr.NotFound) {
		return nil, cerr.FieldErrorf(cerr.NotFound, "input.parentId", "Comment not found.")
	} else if err != nil {
		return nil, err
	}
	if parent.ReportID != reportID {
		return nil, cerr.FieldErrorf(cerr.Invalid, "input.parentId", "This comment is on another report.")
	}
	root := parent
	if parent.ParentID != nil {
		if root, _, err = postgres.LockComment(ctx, tx, *parent.ParentID); err != nil {
			return nil, err
		}
	}
	if root.ResolvedAt != nil {
		return nil, cerr.FieldErrorf(cerr.Conflict, "input.parentId", "The thread is resolved; reopen it before replying.")
	}
	return root, nil
}

// anchor validates the anchor of a new thread on r and sets it on row.
func anchor(ctx context.Context, tx *postgres.Tx, r *editorial.Report, in NewComment, row *postgres.CommentRow) error {
	field := strings.ToLower(strings.TrimSpace(in.Field))
	hasRange := in.RangeStart != nil || in.RangeEnd != nil
	switch {
	case field == "":
		if in.AttendeeID != nil {
			return cerr.FieldErrorf(cerr.Invalid, "input.field", "To anchor a comment to an attendee, set field to %q as well as attendeeId.", FieldAttendee)
		}
		if hasRange {
			return cerr.FieldErrorf(cerr.Invalid, "input.field", "A range needs the field it is in (title, subtitle, summary or body).")
		}
		return nil
	case field == FieldAttendee:
		if in.AttendeeID == nil {
			return cerr.FieldErrorf(cerr.Invalid, "input.attendeeId", "Say which attendee the comment is about.")
		}
		if hasRange {
			field := "input.rangeStart"
			if in.RangeStart == nil {
				field = "input.rangeEnd"
			}
			return cerr.FieldErrorf(cerr.Invalid, field, "A range is only possible in a text field (title, subtitle, summary or body), not on an attendee.")
		}
		list, err := postgres.AttendeesByReportIDs(ctx, tx, []int64{r.ID})
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(list[r.ID], func(a *editorial.Attendee) bool { return a.ID == *in.AttendeeID }) {
			return cerr.FieldErrorf(cerr.NotFound, "input.attendeeId", "The report has no such attendee.")
		}
		row.Field, row.AttendeeID = &field, in.AttendeeID
		return nil
	case slices.Contains(Fields, field):
		if in.AttendeeID != nil {
			return cerr.FieldErrorf(cerr.Invalid, "input.attendeeId", "Only a comment on an attendee (field %q) takes attendeeId.", FieldAttendee)
		}
		row.Field = &field
		if !hasRange {
			return nil
		}
		if in.RangeStart == nil || in.RangeEnd == nil {
			missing := "input.rangeStart"
			if in.RangeEnd == nil {
				missing = "input.rangeEnd"
			}
			return cerr.FieldErrorf(cerr.Invalid, missing, "Give both rangeStart and rangeEnd, or neither.")
		}
		text := []rune(fieldText(r, field))
		start, end := *in.RangeStart, *in.RangeEnd
		switch {
		case start < 0:
			return cerr.FieldErrorf(cerr.Invalid, "input.rangeStart", "The range cannot start before the beginning of the %s (0).", field)
		case start > len(text):
			return cerr.FieldErrorf(cerr.Invalid, "input.rangeStart", "The range starts at %d, after the end of the %s (%d characters).", start, field, len(text))
		case end < start:
			return cerr.FieldErrorf(cerr.Invalid, "input.rangeEnd", "The range ends (%d) before it starts (%d).", end, start)
		case end > len(text):
			return cerr.FieldErrorf(cerr.Invalid, "input.rangeEnd", "The range ends at %d, after the end of the %s (%d characters).", end, field, len(text))
		}
		quote := string(text[start:end])
		row.RangeStart, row.RangeEnd, row.Quote = &start, &end, &quote
		return nil
	default:
		return cerr.FieldErrorf(cerr.Invalid, "input.field", "A comment can be anchored to the title, subtitle, summary, body or an attendee, not to %q.", clip(in.Field))
	}
}

// fieldText is the current text of a report's text field ("" when unset).
func fieldText(r *editorial.Report, field string) string {
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	switch field {
	case FieldTitle:
		return r.Title
	case FieldSubtitle:
		return deref(r.Subtitle)
	case FieldSummary:
		return deref(r.Summary)
	default:
		return r.Body
	}
}

// Edit replaces the body and mentions of comment id, if it is still at
// expectedVersion, keeping the old body in its history. mentionIDs is the
// whole new list (nil: none). Only the author may edit. CONFLICT
// (input.expectedVersion, with currentVersion) when it was edited since,
// CONFLICT (input.id) when it was deleted. An edit that changes nothing
// returns the comment as it is, with no new version and no audit entry.
func (s *Service) Edit(ctx context.Context, id int64, expectedVersion int, body string, mentionIDs []int64) (*Comment, error) {
	v, err := gate(ctx)
	if err != nil {
		return nil, err
	}
	var out *Comment
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		c, err := lockComment(ctx, tx, v, "input.id", id)
		if err != nil {
			return err
		}
		if c.AuthorID == nil || *c.AuthorID != v.UserID {
			return cerr.Errorf(cerr.Forbidden, "Only the author of a comment may edit it.")
		}
		if c.DeletedAt != nil {
			return cerr.FieldErrorf(cerr.Conflict, "input.id", "The comment was deleted.")
		}
		if expectedVersion != c.Version {
			return cerr.FieldErrorf(cerr.Conflict, "input.expectedVersion",
				"The comment was edited since: you edited version %d, it is now at version %d. Reload it and try again.", expectedVersion, c.Version).
				WithDetail("currentVersion", c.Version)
		}
		b, err := checkBody("input.body", body)
		if err != nil {
			return err
		}
		mentions, err := checkMentions(ctx, tx, mentionIDs)
		if err != nil {
			return err
		}
		if b == *c.Body && slices.Equal(mentions, []int64(c.MentionIDs)) {
			out = fromRow(c)
			return nil
		}
		before, had := c.Version, slices.Clone([]int64(c.MentionIDs))
		if err := postgres.EditComment(ctx, tx, c, b, mentions, v.UserRef()); err != nil {
			return err
		}
		out = fromRow(c)
		// Only the users the edit newly mentions are told.
		added := slices.DeleteFunc(slices.Clone(mentions), func(u int64) bool { return slices.Contains(had, u) })
		if err := notifyMentions(ctx, tx, c.ReportID, c.ID, added); err != nil {
			return err
		}
		return record(ctx, tx, "comment.edit", out, map[string]any{"version": before}, map[string]any{"version": out.Version},
			map[string]any{"threadId": out.ThreadID, "mentionIds": nonNil(out.MentionIDs)})
	})
	return out, err
}

// Delete soft-deletes comment id: its body, history and mentions go; the
// comment stays in its thread (as deleted), and so do its replies. The
// author, an editor of the report's desk or an admin may delete. CONFLICT
// when it is already deleted.
func (s *Service) Delete(ctx context.Context, id int64) (*Comment, error) {
	v, err := gate(ctx)
	if err != nil {
		return nil, err
	}
	var out *Comment
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		c, desk, err := lockCommentDesk(ctx, tx, v, "input.id", id)
		if err != nil {
			return err
		}
		own := c.AuthorID != nil && *c.AuthorID == v.UserID
		if !own && !v.HasRole(auth.Editor, desk) {
			return cerr.Errorf(cerr.Forbidden, "Only the author of a comment, editors of this desk and admins may delete it.")
		}
		if c.DeletedAt != nil {
			return cerr.FieldErrorf(cerr.Conflict, "input.id", "The comment is already deleted.")
		}
		if err := postgres.DeleteComment(ctx, tx, c); err != nil {
			return err
		}
		out = fromRow(c)
		return record(ctx, tx, "comment.delete", out, nil, nil, map[string]any{"threadId": out.ThreadID, "own": own})
	})
	return out, err
}

// Resolve marks thread threadID (its root comment's ID) resolved by the
// viewer. It stays readable (ThreadsByReportIDs with includeResolved) and
// takes no replies until reopened. BAD_USER_INPUT (input.threadId) for a
// reply's ID; CONFLICT when it is already resolved.
func (s *Service) Resolve(ctx context.Context, threadID int64) (*Comment, error) {
	return s.setResolved(ctx, threadID, true)
}

// Reopen makes resolved thread threadID open again, clearing who resolved
// it and when. CONFLICT when it is not resolved.
func (s *Service) Reopen(ctx context.Context, threadID int64) (*Comment, error) {
	return s.setResolved(ctx, threadID, false)
}

func (s *Service) setResolved(ctx context.Context, threadID int64, resolved bool) (*Comment, error) {
	v, err := gate(ctx)
	if err != nil {
		return nil, err
	}
	var out *Comment
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		c, desk, err := lockCommentDesk(ctx, tx, v, "input.threadId", threadID)
		if err != nil {
			return err
		}
		if c.ParentID != nil {
			return cerr.FieldErrorf(cerr.Invalid, "input.threadId", "This comment is a reply; resolve or reopen its thread, comment %d.", *c.ParentID)
		}
		// A required change is the reviewers' to close: the reporter says
		// it is done in a reply.
		if c.Required && auth.Check(v, auth.ReviewReport, auth.Resource{DeskID: desk}) != nil {
			return cerr.FieldErrorf(cerr.Forbidden, "input.threadId", "%s", MsgRequiredChangeReviewersOnly)
		}
		was := c.ResolvedAt != nil
		if was == resolved {
			if resolved {
				return cerr.FieldErrorf(cerr.Conflict, "input.threadId", "The thread is already resolved.")
			}
			return cerr.FieldErrorf(cerr.Conflict, "input.threadId", "The thread is not resolved.")
		}
		if err := postgres.SetCommentResolved(ctx, tx, c, resolved, v.UserRef()); err != nil {
			return err
		}
		out = fromRow(c)
		action := "comment.reopen"
		if resolved {
			action = "comment.resolve"
		}
		return record(ctx, tx, action, out, map[string]any{"resolved": was}, map[string]any{"resolved": resolved}, nil)
	})
	return out, err
}

// --- reads (for dataloaders): each is one query, after the gate ---

// ThreadsByReportIDs returns the threads on each given report, oldest
// first; without includeResolved, only open threads. Reports without
// threads (or unknown) are absent from the map.
func (s *Service) ThreadsByReportIDs(ctx context.Context, ids []int64, includeResolved bool) (map[int64][]*Thread, error) {
	if _, err := gate(ctx); err != nil {
		return nil, err
	}
	rows, err := postgres.CommentsByReportIDs(ctx, s.DB, ids, includeResolved)
	if err != nil {
		return nil, err
	}
	out := map[int64][]*Thread{}
	var cur *Thread
	for _, row := range rows {
		c := fromRow(row)
		if c.ParentID == nil {
			cur = &Thread{Root: c}
			out[c.ReportID] = append(out[c.ReportID], cur)
			continue
		}
		// Rows come root first, then its replies.
		if cur == nil || cur.Root.ID != c.ThreadID {
			continue
		}
		cur.Replies = append(cur.Replies, c)
	}
	return out, nil
}

// CommentsByIDs returns the comments with the given IDs, keyed by ID
// (unknown IDs are absent).
func (s *Service) CommentsByIDs(ctx context.Context, ids []int64) (map[int64]*Comment, error) {
	if _, err := gate(ctx); err != nil {
		return nil, err
	}
	rows, err := postgres.CommentsByIDs(ctx, s.DB, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*Comment, len(rows))
	for id, row := range rows {
		out[id] = fromRow(row)
	}
	return out, nil
}

// VersionsByCommentIDs returns the history of each given comment, oldest
// first, the current body last. A deleted comment has none.
func (s *Service) VersionsByCommentIDs(ctx context.Context, ids []int64) (map[int64][]*Version, error) {
	if _, err := gate(ctx); err != nil {
		return nil, err
	}
	rows, err := postgres.CommentVersionsByCommentIDs(ctx, s.DB, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]*Version, len(rows))
	for id, list := range rows {
		for _, r := range list {
			out[id] = append(out[id], &Version{CommentID: r.CommentID, Version: r.Version, Body: r.Body, EditedAt: r.EditedAt, EditorID: r.EditorID})
		}
	}
	return out, nil
}

// MentioningUser returns up to first (1 to editorial.MaxPage) comments that mention
// user userID, newest first, with IDs below after (0: from the newest).
// Deleted comments mention nobody.
func (s *Service) MentioningUser(ctx context.Context, userID int64, first int, after int64) ([]*Comment, error) {
	if _, err := gate(ctx); err != nil {
		return nil, err
	}
	if first < 1 || first > editorial.MaxPage {
		return nil, cerr.FieldErrorf(cerr.Invalid, "first", "Ask for 1 to %d comments at a time.", editorial.MaxPage)
	}
	return fromRows(postgres.CommentsMentioning(ctx, s.DB, userID, first, after))
}

// OpenChangeRequests returns the roots of the open change-request threads
// on the reports user userID created, oldest first, at most first.
func (s *Service) OpenChangeRequests(ctx context.Context, userID int64, first int) ([]*Comment, error) {
	if _, err := gate(ctx); err != nil {
		return nil, err
	}
	return fromRows(postgres.OpenChangeRequests(ctx, s.DB, userID, first))
}

// --- helpers ---

// fromRows is fromRow over a list read with err.
func fromRows(rows []*postgres.CommentRow, err error) ([]*Comment, error) {
	if err != nil {
		return nil, err
	}
	out := make([]*Comment, len(rows))
	for i, row := range rows {
		out[i] = fromRow(row)
	}
	return out, nil
}

// gate lets through only viewers who may read the newsroom's unpublished
// content, before anything is read: an anonymous caller or a read-only
// token learns nothing, not even whether a report or comment exists. What
// the viewer may do on a given report is checked once it is read
// (auth.Comment with the report's desk).
func gate(ctx context.Context) (*auth.Viewer, error) {
	v := auth.ViewerFrom(ctx)
	return v, auth.Check(v, auth.ReadDrafts, auth.Resource{})
}

// lockComment locks comment id (NOT_FOUND on field) and checks that v may
// comment on its report.
func lockComment(ctx context.Context, tx *postgres.Tx, v *auth.Viewer, field string, id int64) (*postgres.CommentRow, error) {
	c, _, err := lockCommentDesk(ctx, tx, v, field, id)
	return c, err
}

func lockCommentDesk(ctx context.Context, tx *postgres.Tx, v *auth.Viewer, field string, id int64) (*postgres.CommentRow, *int64, error) {
	c, desk, err := postgres.LockComment(ctx, tx, id)
	if cerr.Is(err, cerr.NotFound) {
		return nil, nil, cerr.FieldErrorf(cerr.NotFound, field, "Comment not found.")
	} else if err != nil {
		return nil, nil, err
	}
	if err := auth.Check(v, auth.Comment, auth.Resource{DeskID: desk}); err != nil {
		return nil, nil, err
	}
	return c, desk, nil
}

// checkBody checks a comment body: Markdown text, not blank, at most editorial.MaxCommentBody
// characters. It is stored as given.
func checkBody(field, body string) (string, error) {
	switch {
	case !utf8.ValidString(body):
		return "", cerr.FieldErrorf(cerr.Invalid, field, "The comment is not valid UTF-8 text.")
	case strings.ContainsRune(body, 0):
		return "", cerr.FieldErrorf(cerr.Invalid, field, "The comment contains a NUL character.")
	case strings.TrimSpace(body) == "":
		return "", cerr.FieldErrorf(cerr.Invalid, field, "The comment must not be empty.")
	}
	if n := utf8.RuneCountInString(body); n > editorial.MaxCommentBody {
		return "", cerr.FieldErrorf(cerr.Invalid, field, "The comment is %d characters long; the limit is %d.", n, editorial.MaxCommentBody)
	}
	return body, nil
}

// checkMentions checks that ids name distinct existing users and returns
// them sorted.
func checkMentions(ctx context.Context, tx *postgres.Tx, ids []int64) ([]int64, error) {
	if len(ids) > editorial.MaxMentions {
		return nil, cerr.FieldErrorf(cerr.Invalid, "input.mentionIds", "A comment may mention at most %d users (got %d).", editorial.MaxMentions, len(ids))
	}
	for i, id := range ids {
		if slices.Index(ids, id) != i {
			return nil, cerr.FieldErrorf(cerr.Invalid, path("input.mentionIds", i), "This user is mentioned twice.")
		}
	}
	missing, err := postgres.MissingUserIDs(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	for i, id := range ids {
		if slices.Contains(missing, id) {
			return nil, cerr.FieldErrorf(cerr.NotFound, path("input.mentionIds", i), "User not found.")
		}
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return out, nil
}

// record writes the audit entry of a successful change to c.
func record(ctx context.Context, tx *postgres.Tx, action string, c *Comment, before, after, detail any) error {
	return audit.Record(ctx, tx, audit.Entry{
		Action: action, SubjectType: "Comment", SubjectID: c.ID, ReportID: &c.ReportID,
		Before: before, After: after, Detail: detail,
	})
}

func fromRow(r *postgres.CommentRow) *Comment {
	c := &Comment{
		ID: r.ID, ReportID: r.ReportID, ThreadID: r.ID, ParentID: r.ParentID, AuthorID: r.AuthorID, Body: r.Body,
		AttendeeID: r.AttendeeID, RangeStart: r.RangeStart, RangeEnd: r.RangeEnd, Quote: r.Quote, CurrentQuote: r.CurrentQuote,
		OutdatedAt: r.OutdatedAt, Version: r.Version,
		MentionIDs: slices.Clone([]int64(r.MentionIDs)), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		EditedAt: r.EditedAt, DeletedAt: r.DeletedAt, ResolvedAt: r.ResolvedAt, ResolvedBy: r.ResolvedBy,
		Kind: r.Kind, Required: r.Required,
	}
	if r.ParentID != nil {
		c.ThreadID = *r.ParentID
	}
	if r.Field != nil {
		c.Field = *r.Field
	}
	if c.MentionIDs == nil {
		c.MentionIDs = []int64{}
	}
	return c
}

func nonNil(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}

func path(base string, i int) string { return base + "." + strconv.Itoa(i) }

// clip shortens s for an error message.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// notifyMentions tells the users a new comment mentions.
func notifyMentions(ctx context.Context, tx *postgres.Tx, reportID, commentID int64, userIDs []int64) error {
	return notify.Send(ctx, tx, notify.Event{Kind: notify.Mentioned, ReportID: reportID, CommentID: &commentID}, userIDs...)
}
