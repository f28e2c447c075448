package postgres

import (
	"context"
	"strconv"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/auth"
)

// Private drafts (desk_settings.private_drafts, workflow.Settings.PrivateDrafts):
// a desk's reports are for its members only (auth.HiddenDesks). For a viewer
// who is not a member, every newsroom read of the Reader leaves the reports
// of such a desk out, in its SQL, as if they did not exist: by ID, in lists
// and their counts, in tag counts, and what belongs to them (revisions,
// attendees, translations) read by ID. The public reads published copies
// only and is not concerned.

// deskPrivacy holds the desks one request's viewer may not see, read once,
// on the first read that needs them.
type deskPrivacy struct {
	viewer *auth.Viewer
	once   sync.Once
	hidden []int64
	err    error
}

// For returns r reading for viewer v: for the newsroom, without the reports
// of private desks v is not a member of. A viewer with a grant on every desk
// (ADMIN, System) reads as before, without any statement more; others cost
// one small statement per request (PrivateDeskIDs), made only when the
// request reads reports.
func (r Reader) For(v *auth.Viewer) Reader {
	if r.aud != Newsroom || v.OnEveryDesk() {
		r.privacy = nil
		return r
	}
	r.privacy = &deskPrivacy{viewer: v}
	return r
}

// HiddenDesks returns the desks whose reports r leaves out (none: nil).
func (r Reader) HiddenDesks(ctx context.Context) ([]int64, error) {
	p := r.privacy
	if p == nil {
		return nil, nil
	}
	p.once.Do(func() {
		var private []int64
		if private, p.err = PrivateDeskIDs(ctx, r.db); p.err == nil {
			p.hidden = auth.HiddenDesks(p.viewer, private)
		}
	})
	return p.hidden, p.err
}

// PrivateDeskIDs returns the desks whose drafts are private to their
// members, in one statement. (The no-desk row's setting is not one:
// reports on no desk are never private.)
func PrivateDeskIDs(ctx context.Context, q sqlx.QueryerContext) ([]int64, error) {
	var ids []int64
	err := sqlx.SelectContext(ctx, q, &ids, `SELECT desk_id FROM desk_settings WHERE private_drafts AND desk_id IS NOT NULL ORDER BY desk_id`)
	return ids, FormatError(err, "PrivateDeskIDs", "Desk settings")
}

// hiddenArgs holds the SQL conditions that leave out the reports of hidden
// desks, as the argument at position n of a statement.
type hiddenArgs struct {
	ids []int64
	n   int
}

// reportVisible is the condition that the report whose desk is column desk
// is not on a hidden desk ("TRUE" without hidden desks).
func (h hiddenArgs) reportVisible(desk string) string {
	if len(h.ids) == 0 {
		return "TRUE"
	}
	return "(" + desk + " IS NULL OR " + desk + " <> ALL($" + strconv.Itoa(h.n) + "))"
}

// ofVisibleReport is the condition that report ID column id is of a report
// not on a hidden desk.
func (h hiddenArgs) ofVisibleReport(id string) string {
	if len(h.ids) == 0 {
		return "TRUE"
	}
	return id + " NOT IN (SELECT hr.id FROM reports hr WHERE hr.desk_id = ANY($" + strconv.Itoa(h.n) + "))"
}

// args appends the hidden desks to args when a condition names them.
func (h hiddenArgs) args(args ...any) []any {
	if len(h.ids) == 0 {
		return args
	}
	return append(args, pq.Array(h.ids))
}
