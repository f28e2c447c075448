package postgres

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

const notificationColumns = `id, user_id, kind, report_id, comment_id, locale, actor_id, created_at, read_at`

// NotificationRow is one notification (table notifications).
type NotificationRow struct {
	ID        int64      `db:"id"`
	UserID    int64      `db:"user_id"`
	Kind      string     `db:"kind"`
	ReportID  int64      `db:"report_id"`
	CommentID *int64     `db:"comment_id"`
	Locale    *string    `db:"locale"`
	ActorID   *int64     `db:"actor_id"`
	CreatedAt time.Time  `db:"created_at"`
	ReadAt    *time.Time `db:"read_at"`
}

// InsertNotifications tells each of userIDs about kind on report reportID
// (with commentID and locale when set), caused by actorID, at tx.Now, in
// one statement. Users that are disabled are left out.
func InsertNotifications(ctx context.Context, tx *Tx, userIDs []int64, kind string, reportID int64, commentID *int64, locale *string, actorID *int64) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO notifications (user_id, kind, report_id, comment_id, locale, actor_id, created_at)
		SELECT u.id, $2, $3, $4, $5, $6, $7 FROM users u WHERE u.id = ANY($1) AND u.disabled_at IS NULL ORDER BY u.id`,
		pq.Array(userIDs), kind, reportID, commentID, locale, actorID, tx.Now)
	return FormatError(err, "InsertNotifications", "Notification")
}

// Notifications returns up to first notifications of user userID, newest
// first, with IDs below before (0: from the newest); unreadOnly leaves out
// those read.
func Notifications(ctx context.Context, q sqlx.QueryerContext, userID int64, unreadOnly bool, first int, before int64) ([]*NotificationRow, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	var list []*NotificationRow
	err := sqlx.SelectContext(ctx, q, &list, `
		SELECT `+notificationColumns+` FROM notifications
		WHERE user_id = $1 AND id < $2 AND (NOT $3 OR read_at IS NULL)
		ORDER BY id DESC LIMIT $4`, userID, before, unreadOnly, first)
	return list, FormatError(err, "Notifications", "Notification")
}

// UnreadNotifications counts user userID's unread notifications.
func UnreadNotifications(ctx context.Context, q sqlx.QueryerContext, userID int64) (int, error) {
	var n int
	err := sqlx.GetContext(ctx, q, &n, `SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, userID)
	return n, FormatError(err, "UnreadNotifications", "Notification")
}

// MarkNotificationsRead marks read, at tx.Now, user userID's unread
// notifications in ids, or with all every one up to and including upTo
// (0: every one); it returns those it marked, by ascending ID, in the same
// statement. Notifications of other users are never touched.
func MarkNotificationsRead(ctx context.Context, tx *Tx, userID int64, ids []int64, all bool, upTo int64) ([]*NotificationRow, error) {
	if upTo <= 0 {
		upTo = 1<<63 - 1
	}
	var marked []*NotificationRow
	err := tx.SelectContext(ctx, &marked, `
		UPDATE notifications SET read_at = $5
		WHERE user_id = $1 AND read_at IS NULL AND (($3 AND id <= $4) OR id = ANY($2))
		RETURNING `+notificationColumns, userID, pq.Array(ids), all, upTo, tx.Now)
	if err != nil {
		return nil, FormatError(err, "MarkNotificationsRead", "Notification")
	}
	slices.SortFunc(marked, func(a, b *NotificationRow) int { return cmp.Compare(a.ID, b.ID) })
	return marked, nil
}

// NotificationsByIDs returns user userID's notifications among ids, keyed by ID.
func NotificationsByIDs(ctx context.Context, q sqlx.QueryerContext, userID int64, ids []int64) (map[int64]*NotificationRow, error) {
	var list []*NotificationRow
	err := sqlx.SelectContext(ctx, q, &list, `
		SELECT `+notificationColumns+` FROM notifications
		WHERE user_id = $1 AND id = ANY($2)`, userID, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "NotificationsByIDs", "Notification")
	}
	out := make(map[int64]*NotificationRow, len(list))
	for _, n := range list {
		out[n.ID] = n
	}
	return out, nil
}

// sourceChanged is the INSERT that tells the translators assigned to the
// existing translations of report $report that its source changed (their
// translation may now be stale), except the actor $actor and those who
// still have an unread notice of it for that locale: a burst of edits is
// one notice. It runs only when $when is true. The placeholders name the
// statement's parameters; UpdateReport sends it in its own statement, so
// telling translators costs no round trip.
func sourceChanged(report, actor, now, when string) string {
	return `INSERT INTO notifications (user_id, kind, report_id, locale, actor_id, created_at)
		SELECT a.user_id, 'SOURCE_CHANGED', a.report_id, a.locale, ` + actor + `, ` + now + `
		FROM translation_assignments a
		JOIN report_translations t ON t.report_id = a.report_id AND t.locale = a.locale
		JOIN users u ON u.id = a.user_id AND u.disabled_at IS NULL
		WHERE ` + when + ` AND a.report_id = ` + report + ` AND a.user_id IS DISTINCT FROM ` + actor + `
			AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = a.user_id AND n.report_id = a.report_id
				AND n.kind = 'SOURCE_CHANGED' AND n.locale = a.locale AND n.read_at IS NULL)
		ORDER BY a.user_id, a.locale`
}
