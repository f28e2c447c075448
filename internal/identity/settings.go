package identity

import (
	"context"
	"slices"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/workflow"
)

// --- desk settings ---

// SettingsChange is what UpdateDeskSettings changes: each field left nil
// keeps its value, so two admins changing different settings at once do
// not undo each other.
type SettingsChange struct {
	ApprovalsRequired            *int
	AssignedReviewersOnly        *bool
	RequiredChangesBlockApproval *bool
	EditReopensReview            *bool
	PrivateDrafts                *bool
	TargetLocales                []string // nil: unchanged; empty: none
	TagCreatorRoles              []auth.Role
}

// DeskSettings returns the settings of desk deskID (nil: of reports on no
// desk). Newsroom members only (auth.ReadDrafts); NOT_FOUND (deskId) for
// an unknown desk.
func (s *Service) DeskSettings(ctx context.Context, deskID *int64) (workflow.Settings, error) {
	if _, err := auth.Gate(ctx); err != nil {
		return workflow.Settings{}, err
	}
	if deskID != nil {
		desks, err := postgres.DesksByIDs(ctx, s.DB, []int64{*deskID})
		if err != nil {
			return workflow.Settings{}, err
		}
		if desks[*deskID] == nil {
			return workflow.Settings{}, cerr.FieldErrorf(cerr.NotFound, "deskId", "Desk not found.")
		}
	}
	return postgres.SettingsFor(ctx, s.DB, deskID)
}

// SettingsByDeskIDs returns the settings of the desks in ids (key 0: of
// reports on no desk, always present), in one query, for a dataloader.
func (s *Service) SettingsByDeskIDs(ctx context.Context, ids []int64) (map[int64]workflow.Settings, error) {
	return postgres.SettingsByDeskIDs(ctx, s.DB, ids)
}

// UpdateDeskSettings changes the settings of desk deskID (nil: of reports
// on no desk, which new desks start from) and returns them. Admins only
// (auth.ManageUsers); NOT_FOUND (input.deskId) for an unknown desk;
// BAD_USER_INPUT for approvals outside 1–10 (input.approvalsRequired), a
// locale that is not BCP 47 (input.targetLocales.N) or a role that cannot
// be a tag creator (input.tagCreatorRoles.N: ADMIN always is). One audit
// entry "desk.settings" with the settings before and after; a change that
// changes nothing records nothing.
func (s *Service) UpdateDeskSettings(ctx context.Context, deskID *int64, c SettingsChange) (workflow.Settings, error) {
	var before, after workflow.Settings
	changed := false
	err := s.write(ctx, func(tx *postgres.Tx) error {
		if err := check(ctx, auth.ManageUsers, auth.Resource{}); err != nil {
			return err
		}
		if deskID != nil {
			desks, err := postgres.DesksByIDs(ctx, tx, []int64{*deskID})
			if err != nil {
				return err
			}
			if desks[*deskID] == nil {
				return cerr.FieldErrorf(cerr.NotFound, "input.deskId", "Desk not found.")
			}
		}
		var err error
		if before, err = postgres.LockSettings(ctx, tx, deskID); err != nil {
			return err
		}
		if after, err = applySettings(before, c); err != nil {
			return err
		}
		if changed = !sameSettings(before, after); !changed {
			return nil
		}
		if err := postgres.PutSettings(ctx, tx, after, auth.ViewerFrom(ctx).UserRef()); err != nil {
			return err
		}
		after.UpdatedAt, after.UpdatedBy = &tx.Now, auth.ViewerFrom(ctx).UserRef()
		return nil
	}, func() *audit.Entry {
		if !changed {
			return nil
		}
		e := &audit.Entry{Action: "desk.settings", SubjectType: "DeskSettings", SubjectKey: "none",
			Before: settingsAudit(before), After: settingsAudit(after)}
		if deskID != nil { // the no-desk settings are subject "none"
			e.SubjectKey, e.SubjectID = "", *deskID
		}
		return e
	})
	after.DeskID = deskID
	return after, err
}

// applySettings returns cur with c applied, validated.
func applySettings(cur workflow.Settings, c SettingsChange) (workflow.Settings, error) {
	out := cur
	if c.ApprovalsRequired != nil {
		if n := *c.ApprovalsRequired; n < 1 || n > workflow.MaxApprovalsRequired {
			return cur, cerr.FieldErrorf(cerr.Invalid, "input.approvalsRequired", "Approvals required must be between 1 and %d (got %d).", workflow.MaxApprovalsRequired, n)
		}
		out.ApprovalsRequired = *c.ApprovalsRequired
	}
	set := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	set(&out.AssignedReviewersOnly, c.AssignedReviewersOnly)
	set(&out.RequiredChangesBlockApproval, c.RequiredChangesBlockApproval)
	set(&out.EditReopensReview, c.EditReopensReview)
	set(&out.PrivateDrafts, c.PrivateDrafts)
	if c.TargetLocales != nil {
		list := []string{}
		for i, l := range c.TargetLocales {
			canon, err := editorial.CanonicalLocale(editorial.Path("input.targetLocales", i), l)
			if err != nil {
				return cur, err
			}
			if !slices.Contains(list, canon) {
				list = append(list, canon)
			}
		}
		if len(list) > 50 {
			return cur, cerr.FieldErrorf(cerr.Invalid, "input.targetLocales", "At most 50 target locales (got %d).", len(list))
		}
		out.TargetLocales = list
	}
	if c.TagCreatorRoles != nil {
		roles := []auth.Role{}
		for i, r := range c.TagCreatorRoles {
			if r == auth.Admin || !slices.Contains(auth.Roles, r) {
				return cur, cerr.FieldErrorf(cerr.Invalid, editorial.Path("input.tagCreatorRoles", i), "%q cannot be listed: give REPORTER, REVIEWER, EDITOR or TRANSLATOR (admins always create tags).", r)
			}
			if !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
		out.TagCreatorRoles = roles
	}
	return out, nil
}

func sameSettings(a, b workflow.Settings) bool {
	return a.ApprovalsRequired == b.ApprovalsRequired && a.AssignedReviewersOnly == b.AssignedReviewersOnly &&
		a.RequiredChangesBlockApproval == b.RequiredChangesBlockApproval && a.EditReopensReview == b.EditReopensReview &&
		a.PrivateDrafts == b.PrivateDrafts && slices.Equal(a.TargetLocales, b.TargetLocales) && slices.Equal(a.TagCreatorRoles, b.TagCreatorRoles)
}

// settingsAudit is s as the audit entry records it.
func settingsAudit(s workflow.Settings) map[string]any {
	return map[string]any{"approvalsRequired": s.ApprovalsRequired, "assignedReviewersOnly": s.AssignedReviewersOnly,
		"requiredChangesBlockApproval": s.RequiredChangesBlockApproval, "editReopensReview": s.EditReopensReview,
		"privateDrafts": s.PrivateDrafts, "targetLocales": s.TargetLocales, "tagCreatorRoles": s.TagCreatorRoles}
}
