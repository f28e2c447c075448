package postgres

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/workflow"
)

// Desk settings (table desk_settings): one row per desk, and the row with
// desk_id NULL for reports on no desk, which a new desk copies.

const settingsColumns = `desk_id, approvals_required, assigned_reviewers_only, required_changes_block, edit_reopens_review,
	private_drafts, target_locales, tag_creator_roles, updated_at, updated_by`

type settingsRow struct {
	DeskID                *int64         `db:"desk_id"`
	ApprovalsRequired     int            `db:"approvals_required"`
	AssignedReviewersOnly bool           `db:"assigned_reviewers_only"`
	RequiredChangesBlock  bool           `db:"required_changes_block"`
	EditReopensReview     bool           `db:"edit_reopens_review"`
	PrivateDrafts         bool           `db:"private_drafts"`
	TargetLocales         pq.StringArray `db:"target_locales"`
	TagCreatorRoles       pq.StringArray `db:"tag_creator_roles"`
	UpdatedAt             *time.Time     `db:"updated_at"`
	UpdatedBy             *int64         `db:"updated_by"`
}

func (r *settingsRow) settings() workflow.Settings {
	roles := make([]auth.Role, len(r.TagCreatorRoles))
	for i, s := range r.TagCreatorRoles {
		roles[i] = auth.Role(s)
	}
	locales := []string(r.TargetLocales)
	if locales == nil {
		locales = []string{}
	}
	return workflow.Settings{DeskID: r.DeskID, ApprovalsRequired: r.ApprovalsRequired, AssignedReviewersOnly: r.AssignedReviewersOnly,
		RequiredChangesBlockApproval: r.RequiredChangesBlock, EditReopensReview: r.EditReopensReview, PrivateDrafts: r.PrivateDrafts,
		TargetLocales: locales, TagCreatorRoles: roles, UpdatedAt: r.UpdatedAt, UpdatedBy: r.UpdatedBy}
}

// SettingsFor returns the settings of desk deskID (nil: of reports on no
// desk). A desk without a row (none is, since InsertDesk adds one) gets the
// no-desk row's values.
func SettingsFor(ctx context.Context, q sqlx.QueryerContext, deskID *int64) (workflow.Settings, error) {
	var row settingsRow
	err := sqlx.GetContext(ctx, q, &row, `SELECT `+settingsColumns+` FROM desk_settings
		WHERE desk_id = $1 OR desk_id IS NULL ORDER BY desk_id NULLS LAST LIMIT 1`, deskID)
	if err != nil {
		return workflow.Settings{}, FormatError(err, "SettingsFor", "Desk settings")
	}
	s := row.settings()
	s.DeskID = deskID
	return s, nil
}

// SettingsByDeskIDs returns the settings of the desks in ids, keyed by desk
// ID, in one query; key 0 holds the no-desk settings, always present.
func SettingsByDeskIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]workflow.Settings, error) {
	var rows []*settingsRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+settingsColumns+` FROM desk_settings
		WHERE desk_id = ANY($1) OR desk_id IS NULL`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "SettingsByDeskIDs", "Desk settings")
	}
	out := settingsByDesk(rows)
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			s := out[0]
			s.DeskID = &id
			out[id] = s
		}
	}
	return out, nil
}

// AllSettings returns the settings of every desk, keyed by desk ID, and the
// no-desk settings under key 0, in one query.
func AllSettings(ctx context.Context, q sqlx.QueryerContext) (map[int64]workflow.Settings, error) {
	var rows []*settingsRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+settingsColumns+` FROM desk_settings`); err != nil {
		return nil, FormatError(err, "AllSettings", "Desk settings")
	}
	return settingsByDesk(rows), nil
}

// settingsByDesk keys rows by desk ID, the no-desk row under 0.
func settingsByDesk(rows []*settingsRow) map[int64]workflow.Settings {
	out := make(map[int64]workflow.Settings, len(rows))
	for _, r := range rows {
		var key int64
		if r.DeskID != nil {
			key = *r.DeskID
		}
		out[key] = r.settings()
	}
	return out
}

// LockSettings returns the settings of desk deskID (nil: no desk), locked
// until tx ends.
func LockSettings(ctx context.Context, tx *Tx, deskID *int64) (workflow.Settings, error) {
	var row settingsRow
	err := tx.GetContext(ctx, &row, `SELECT `+settingsColumns+` FROM desk_settings WHERE desk_id IS NOT DISTINCT FROM $1 FOR UPDATE`, deskID)
	return row.settings(), FormatError(err, "LockSettings", "Desk settings")
}

// PutSettings writes s as its desk's settings (s.DeskID nil: the no-desk
// row), by by at tx.Now.
func PutSettings(ctx context.Context, tx *Tx, s workflow.Settings, by *int64) error {
	roles := make([]string, len(s.TagCreatorRoles))
	for i, r := range s.TagCreatorRoles {
		roles[i] = string(r)
	}
	locales := s.TargetLocales
	if locales == nil {
		locales = []string{}
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO desk_settings (desk_id, approvals_required, assigned_reviewers_only, required_changes_block, edit_reopens_review,
			private_drafts, target_locales, tag_creator_roles, updated_at, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (desk_id) DO UPDATE SET approvals_required = EXCLUDED.approvals_required,
			assigned_reviewers_only = EXCLUDED.assigned_reviewers_only, required_changes_block = EXCLUDED.required_changes_block,
			edit_reopens_review = EXCLUDED.edit_reopens_review, private_drafts = EXCLUDED.private_drafts,
			target_locales = EXCLUDED.target_locales, tag_creator_roles = EXCLUDED.tag_creator_roles,
			updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
		s.DeskID, s.ApprovalsRequired, s.AssignedReviewersOnly, s.RequiredChangesBlockApproval, s.EditReopensReview,
		s.PrivateDrafts, pq.Array(locales), pq.Array(roles), tx.Now, by)
	return FormatError(err, "PutSettings", "Desk settings")
}
