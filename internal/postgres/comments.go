package postgres

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/editorial"
)

// Comments are newsroom-only (package comments): nothing here takes an
// Audience, and no public read path calls these functions.

// CommentRow is an editorial comment as stored, with the users it mentions.
type CommentRow struct {
	ID           int64         `db:"id"`
	ReportID     int64         `db:"report_id"`
	ParentID     *int64        `db:"parent_id"` // the thread's root; nil for a root
	AuthorID     *int64        `db:"author_id"`
	Body         *string       `db:"body"` // nil once deleted
	Field        *string       `db:"field"`
	AttendeeID   *int64        `db:"attendee_id"`
	RangeStart   *int          `db:"range_start"`
	RangeEnd     *int          `db:"range_end"`
	Quote        *string       `db:"quote"`         // as quoted when the comment was made; kept once outdated
	CurrentQuote *string       `db:"current_quote"` // what the range covers now
	OutdatedAt   *time.Time    `db:"outdated_at"`
	Version      int           `db:"version"`
	CreatedAt    time.Time     `db:"created_at"`
	UpdatedAt    time.Time     `db:"updated_at"`
	EditedAt     *time.Time    `db:"edited_at"`
	DeletedAt    *time.Time    `db:"deleted_at"`
	ResolvedAt   *time.Time    `db:"resolved_at"`
	ResolvedBy   *int64        `db:"resolved_by"`
	Kind         string        `db:"kind"`        // COMMENT or CHANGE_REQUEST (roots; replies are COMMENT)
	Required     bool          `db:"required"`    // a root that is a required change
	MentionIDs   pq.Int64Array `db:"mention_ids"` // ascending
}

// CommentVersionRow is one body a comment has had.
type CommentVersionRow struct {
	CommentID int64     `db:"comment_id"`
	Version   int       `db:"version"`
	Body      string    `db:"body"`
	EditedAt  time.Time `db:"edited_at"`
	EditorID  *int64    `db:"editor_id"`
}

const commentSelect = `SELECT c.id, c.report_id, c.parent_id, c.author_id, c.body, c.field, c.attendee_id,
	c.range_start, c.range_end, c.quote, c.current_quote, c.outdated_at, c.version, c.created_at, c.updated_at, c.edited_at, c.deleted_at,
	c.resolved_at, c.resolved_by, c.kind, c.required,
	ARRAY(SELECT m.user_id FROM comment_mentions m WHERE m.comment_id = c.id ORDER BY m.user_id) AS mention_ids
	FROM comments c`

// ReportForComment reads report id for commenting on it, locking it against
// changes (FOR SHARE) until tx ends, so that a range is checked against the
// text that is current when the comment commits. NOT_FOUND if there is none.
func ReportForComment(ctx context.Context, tx *Tx, id int64) (*editorial.Report, error) {
	var r editorial.Report
	err := tx.GetContext(ctx, &r, `SELECT `+reportColumns+` FROM reports WHERE id = $1 FOR SHARE`, id)
	if err != nil {
		return nil, FormatError(err, "ReportForComment", "Report")
	}
	return &r, nil
}

// LockComment reads comment id and locks it until tx ends, and returns it
// with the desk of its report. NOT_FOUND if there is no such comment.
func LockComment(ctx context.Context, tx *Tx, id int64) (*CommentRow, *int64, error) {
	var row struct {
		CommentRow
		DeskID *int64 `db:"desk_id"`
	}
	err := tx.GetContext(ctx, &row, `SELECT q.*, r.desk_id FROM (`+commentSelect+` WHERE c.id = $1 FOR UPDATE OF c) q
		JOIN reports r ON r.id = q.report_id`, id)
	if err != nil {
		return nil, nil, FormatError(err, "LockComment", "Comment")
	}
	return &row.CommentRow, row.DeskID, nil
}

// InsertComment inserts c as version 1 of a new comment, with its body as
// the first entry of its history and its mentions; it sets c.ID,
// c.Version and the timestamps. Its range covers its quote: c.CurrentQuote is
// set to c.Quote.
func InsertComment(ctx context.Context, tx *Tx, c *CommentRow) error {
	c.Version, c.CreatedAt, c.UpdatedAt, c.EditedAt, c.CurrentQuote, c.OutdatedAt = 1, tx.Now, tx.Now, nil, c.Quote, nil
	if c.Kind == "" {
		c.Kind = "COMMENT"
	}
	err := tx.GetContext(ctx, &c.ID, `
		INSERT INTO comments (report_id, parent_id, author_id, body, field, attendee_id, range_start, range_end, quote,
			current_quote, version, created_at, updated_at, kind, required)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1, $10, $10, $11, $12) RETURNING id`,
		c.ReportID, c.ParentID, c.AuthorID, c.Body, c.Field, c.AttendeeID, c.RangeStart, c.RangeEnd, c.Quote, tx.Now, c.Kind, c.Required)
	if err != nil {
		return FormatError(err, "InsertComment", "Comment")
	}
	if err := insertCommentVersion(ctx, tx, c.ID, 1, *c.Body, c.AuthorID); err != nil {
		return err
	}
	return insertMentions(ctx, tx, c.ID, c.MentionIDs)
}

// EditComment makes body, mentioning mentions, version c.Version+1 of
// comment c, written by editorID, and keeps it in the comment's history; c
// is updated in place.
func EditComment(ctx context.Context, tx *Tx, c *CommentRow, body string, mentions []int64, editorID *int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE comments SET body = $2, version = version + 1, edited_at = $3, updated_at = $3 WHERE id = $1`,
		c.ID, body, tx.Now)
	if err != nil {
		return FormatError(err, "EditComment", "Comment")
	}
	c.Body, c.Version, c.EditedAt, c.UpdatedAt = &body, c.Version+1, &tx.Now, tx.Now
	if err := insertCommentVersion(ctx, tx, c.ID, c.Version, body, editorID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM comment_mentions WHERE comment_id = $1`, c.ID); err != nil {
		return FormatError(err, "EditComment", "Mention")
	}
	c.MentionIDs = mentions
	return insertMentions(ctx, tx, c.ID, mentions)
}

// DeleteComment soft-deletes comment c: its body, its history and its
// mentions go, the row (and so its thread and replies) stays. c is updated
// in place.
func DeleteComment(ctx context.Context, tx *Tx, c *CommentRow) error {
	_, err := tx.ExecContext(ctx, `UPDATE comments SET body = NULL, deleted_at = $2, updated_at = $2 WHERE id = $1`, c.ID, tx.Now)
	if err != nil {
		return FormatError(err, "DeleteComment", "Comment")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM comment_versions WHERE comment_id = $1`, c.ID); err != nil {
		return FormatError(err, "DeleteComment", "Comment version")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM comment_mentions WHERE comment_id = $1`, c.ID); err != nil {
		return FormatError(err, "DeleteComment", "Mention")
	}
	c.Body, c.DeletedAt, c.UpdatedAt, c.MentionIDs = nil, &tx.Now, tx.Now, nil
	return nil
}

// SetCommentResolved marks thread root c resolved now by by (nil: not by a
// user), or, when resolved is false, open again; c is updated in place.
func SetCommentResolved(ctx context.Context, tx *Tx, c *CommentRow, resolved bool, by *int64) error {
	var at *time.Time
	if resolved {
		at = &tx.Now
	} else {
		by = nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE comments SET resolved_at = $2, resolved_by = $3, updated_at = $4 WHERE id = $1`,
		c.ID, at, by, tx.Now)
	if err != nil {
		return FormatError(err, "SetCommentResolved", "Comment")
	}
	c.ResolvedAt, c.ResolvedBy, c.UpdatedAt = at, by, tx.Now
	return nil
}

// AnchorRow is the anchor of a thread that an edit of its report may move.
type AnchorRow struct {
	ID           int64   `db:"id"`
	Field        string  `db:"field"`
	RangeStart   *int    `db:"range_start"` // nil for an attendee's thread
	RangeEnd     *int    `db:"range_end"`
	CurrentQuote *string `db:"current_quote"`
}

// AnchorsToFollow returns, in one query and by ID, the anchors on report
// reportID that an edit of it may move: the thread roots with a range in one
// of fields and, with attendeesLeft, those anchored to an attendee who is
// gone (attendee_id set NULL) and not yet outdated.
func AnchorsToFollow(ctx context.Context, tx *Tx, reportID int64, fields []string, attendeesLeft bool) ([]*AnchorRow, error) {
	var list []*AnchorRow
	err := tx.SelectContext(ctx, &list, `
		SELECT id, field, range_start, range_end, current_quote FROM comments
		WHERE report_id = $1 AND parent_id IS NULL AND (
			(range_start IS NOT NULL AND field = ANY($2))
			OR ($3 AND field = 'attendee' AND attendee_id IS NULL AND outdated_at IS NULL))
		ORDER BY id`, reportID, pq.StringArray(fields), attendeesLeft)
	return list, FormatError(err, "AnchorsToFollow", "Comment")
}

// AnchorMove is where an edit moved a thread's anchor: to range
// [Start, End), which covers Quote now, or nowhere (Outdated).
type AnchorMove struct {
	ID         int64
	Start, End int
	Quote      string
	Outdated   bool
}

// MoveAnchors writes moves in one statement: a moved anchor gets its new
// range and text, an outdated one loses its range and is outdated now.
// Either keeps the quote it was made on.
func MoveAnchors(ctx context.Context, tx *Tx, moves []AnchorMove) error {
	if len(moves) == 0 {
		return nil
	}
	ids, starts, ends := make([]int64, len(moves)), make([]int64, len(moves)), make([]int64, len(moves))
	quotes, outdated := make([]string, len(moves)), make([]bool, len(moves))
	for i, m := range moves {
		ids[i], starts[i], ends[i], quotes[i], outdated[i] = m.ID, int64(m.Start), int64(m.End), m.Quote, m.Outdated
	}
	_, err := tx.ExecContext(ctx, `
		UPDATE comments c SET
			range_start = CASE WHEN m.outdated THEN NULL ELSE m.range_start END,
			range_end = CASE WHEN m.outdated THEN NULL ELSE m.range_end END,
			current_quote = CASE WHEN m.outdated THEN NULL ELSE m.quote END,
			outdated_at = CASE WHEN m.outdated THEN $6 ELSE c.outdated_at END,
			updated_at = $6
		FROM unnest($1::bigint[], $2::integer[], $3::integer[], $4::text[], $5::boolean[]) AS m(id, range_start, range_end, quote, outdated)
		WHERE c.id = m.id`,
		pq.Int64Array(ids), pq.Int64Array(starts), pq.Int64Array(ends), pq.StringArray(quotes), pq.BoolArray(outdated), tx.Now)
	return FormatError(err, "MoveAnchors", "Comment")
}

func insertCommentVersion(ctx context.Context, tx *Tx, commentID int64, version int, body string, editorID *int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO comment_versions (comment_id, version, body, edited_at, editor_id) VALUES ($1, $2, $3, $4, $5)`,
		commentID, version, body, tx.Now, editorID)
	return FormatError(err, "insertCommentVersion", "Comment version")
}

func insertMentions(ctx context.Context, tx *Tx, commentID int64, userIDs []int64) error {
	if len(userIDs) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO comment_mentions (comment_id, user_id) SELECT $1, unnest($2::bigint[])`,
		commentID, pq.Array(userIDs))
	return FormatError(err, "insertMentions", "Mention")
}

// MissingUserIDs returns the IDs in ids that are no user's, in one query.
func MissingUserIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var missing []int64
	err := sqlx.SelectContext(ctx, q, &missing, `SELECT x FROM unnest($1::bigint[]) AS x WHERE NOT EXISTS (SELECT 1 FROM users WHERE id = x)`, pq.Array(ids))
	return missing, FormatError(err, "MissingUserIDs", "User")
}

// CommentsByIDs returns the comments with the given IDs, keyed by ID, in one query.
func CommentsByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*CommentRow, error) {
	var list []*CommentRow
	if err := sqlx.SelectContext(ctx, q, &list, commentSelect+` WHERE c.id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, FormatError(err, "CommentsByIDs", "Comment")
	}
	out := make(map[int64]*CommentRow, len(list))
	for _, c := range list {
		out[c.ID] = c
	}
	return out, nil
}

// CommentsByReportIDs returns the comments on the given reports, in one
// query, ordered by report, then thread (by root ID), root first, then
// replies by ID. Without includeResolved, resolved threads are left out.
func CommentsByReportIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64, includeResolved bool) ([]*CommentRow, error) {
	var list []*CommentRow
	err := sqlx.SelectContext(ctx, q, &list, commentSelect+`
		JOIN comments root ON root.id = COALESCE(c.parent_id, c.id)
		WHERE c.report_id = ANY($1) AND ($2 OR root.resolved_at IS NULL)
		ORDER BY c.report_id, root.id, c.parent_id NULLS FIRST, c.id`, pq.Array(ids), includeResolved)
	return list, FormatError(err, "CommentsByReportIDs", "Comment")
}

// CommentVersionsByCommentIDs returns the history of each given comment,
// oldest version first, in one query.
func CommentVersionsByCommentIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]*CommentVersionRow, error) {
	var list []*CommentVersionRow
	err := sqlx.SelectContext(ctx, q, &list, `SELECT comment_id, version, body, edited_at, editor_id FROM comment_versions
		WHERE comment_id = ANY($1) ORDER BY comment_id, version`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "CommentVersionsByCommentIDs", "Comment version")
	}
	out := map[int64][]*CommentVersionRow{}
	for _, v := range list {
		out[v.CommentID] = append(out[v.CommentID], v)
	}
	return out, nil
}

// CommentsMentioning returns up to first comments that mention user userID,
// newest first, with IDs below before (0: from the newest).
func CommentsMentioning(ctx context.Context, q sqlx.QueryerContext, userID int64, first int, before int64) ([]*CommentRow, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	var list []*CommentRow
	err := sqlx.SelectContext(ctx, q, &list, commentSelect+`
		JOIN comment_mentions me ON me.comment_id = c.id AND me.user_id = $1
		WHERE c.id < $2 ORDER BY c.id DESC LIMIT $3`, userID, before, first)
	return list, FormatError(err, "CommentsMentioning", "Comment")
}

// OpenChangeRequests returns the open (unresolved, not deleted) change
// request threads' roots on the reports created by user userID, oldest
// first, at most first: the reporter's "what I must change" list.
func OpenChangeRequests(ctx context.Context, q sqlx.QueryerContext, userID int64, first int) ([]*CommentRow, error) {
	var list []*CommentRow
	err := sqlx.SelectContext(ctx, q, &list, commentSelect+`
		JOIN reports r ON r.id = c.report_id
		WHERE r.created_by = $1 AND r.status <> 'ARCHIVED' AND c.parent_id IS NULL AND c.kind = 'CHANGE_REQUEST'
			AND c.resolved_at IS NULL AND c.deleted_at IS NULL
		ORDER BY c.id LIMIT $2`, userID, first)
	return list, FormatError(err, "OpenChangeRequests", "Comment")
}
