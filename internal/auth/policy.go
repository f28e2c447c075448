package auth

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/copydesk/copydesk/internal/cerr"
)

// Action is something a viewer may or may not be allowed to do.
type Action string

// The actions the policy knows. Rules says who may do each.
const (
	CreateReport    Action = "report.create"     // REPORTER or EDITOR on the report's desk; ADMIN
	EditReport      Action = "report.edit"       // EDITOR on the desk; its REPORTER (on the desk) while DRAFT or CHANGES_REQUESTED; ADMIN
	ArchiveReport   Action = "report.archive"    // EDITOR on the desk; ADMIN (also used for restore)
	ReadDrafts      Action = "report.readDrafts" // Viewer.SeesDrafts
	Comment         Action = "report.comment"    // any role on the report's desk (REVIEWER, EDITOR, REPORTER, TRANSLATOR); ADMIN
	EditTranslation Action = "translation.edit"  // TRANSLATOR on the desk with the locale granted; EDITOR on the desk; ADMIN
	EditDirectory   Action = "directory.edit"    // REPORTER, EDITOR or ADMIN on any desk: tags, people, organizations, events (creating a tag: the desks' tag creators, workflow.MayCreateTagsAnywhere)
	MergeDirectory  Action = "directory.merge"   // EDITOR or ADMIN on any desk
	ManageUsers     Action = "users.manage"      // ADMIN: create users, change their roles, disable them, list them; create desks
	ManageOwnTokens Action = "tokens.own"        // any signed-in user with a FULL token
	// ManageOperations: ADMIN — register, unregister and list persisted
	// GraphQL operations (internal/operations).
	ManageOperations Action = "operations.manage"
)

// The actions on one user's own things (internal/identity). For each,
// Resource.OwnerID is the user concerned: the user a token is (to be) for,
// or the user whose private fields are read.
const (
	CreateToken     Action = "token.create"     // the token's user themselves; ADMIN for any user
	RevokeToken     Action = "token.revoke"     // the token's user; ADMIN
	ReadUserPrivate Action = "user.readPrivate" // the user themselves; ADMIN: a user's email and API tokens
)

// The workflow's actions (internal/workflow maps each transition to one).
const (
	SubmitReport    Action = "report.submit"          // its REPORTER (on the desk) while DRAFT or CHANGES_REQUESTED; EDITOR on the desk; ADMIN
	ReviewReport    Action = "report.review"          // REVIEWER or EDITOR on the desk; ADMIN: request changes, approve
	AssignReviewers Action = "report.assignReviewers" // EDITOR on the desk; ADMIN
	PublishReport   Action = "report.publish"         // EDITOR on the desk; ADMIN: publish, schedule, cancel a schedule, unpublish, embargo
	// TakeDownReport: EDITOR on the desk; ADMIN — take a report down (off
	// every public surface, with a reason) and lift a takedown. As
	// privileged as PublishReport today, and a rule of its own so that it
	// can be narrowed without touching publishing.
	TakeDownReport Action = "report.takeDown"
)

// The translation workflow's actions (internal/workflow's
// TranslationTransitions maps each transition to one; editing, confirming
// and submitting a translation is EditTranslation).
const (
	// ReviewTranslation: REVIEWER or EDITOR on the report's desk; ADMIN —
	// approve a translation, but not one they last edited: for this action
	// Resource.OwnerID is the translation's last editor (Translation.EditedBy).
	ReviewTranslation Action = "translation.review"
	// AssignTranslators: EDITOR on the report's desk; ADMIN — assign a
	// translator to a report's translation into a locale.
	AssignTranslators Action = "translation.assignTranslators"
	// DeleteTranslation: EDITOR on the report's desk; ADMIN — delete a
	// translation in any state; and the translator assigned to it
	// (Resource.AssigneeID), while it is IN_PROGRESS (Resource.Status), if
	// they may edit it (TRANSLATOR on the desk with the locale granted).
	DeleteTranslation Action = "translation.delete"
)

// Resource is what an action is about, as far as the policy needs to know.
// Only the fields an action's rule reads matter: DeskID for report and
// translation actions (nil: the report belongs to no desk), OwnerID (the
// user who created the report) and Status (a report status such as "DRAFT")
// for EditReport and SubmitReport, Locale (canonical BCP 47) for
// EditTranslation, OwnerID (the last editor) for ReviewTranslation,
// AssigneeID (the translator assigned), Status (a translation status such as
// "IN_PROGRESS") and Locale for DeleteTranslation; OwnerID is the user
// concerned for CreateToken, RevokeToken and ReadUserPrivate.
type Resource struct {
	DeskID     *int64
	OwnerID    *int64
	Status     string
	Locale     string
	AssigneeID *int64
}

// Rule says who may perform Action. Description says it in words; it is
// also the message of the FORBIDDEN error Check returns, so it names what is
// needed and nothing about the resource.
type Rule struct {
	Action      Action
	Description string
	// Allow reports whether v may perform Action on r. It is false for an
	// anonymous viewer and for one whose token is not FULL; Check reports
	// those cases with their own errors.
	Allow func(v *Viewer, r Resource) bool
}

// Report statuses in which a reporter may still edit their own report.
const (
	statusDraft            = "DRAFT"
	statusChangesRequested = "CHANGES_REQUESTED"
)

// The translation status in which its assigned translator may delete it.
const statusInProgress = "IN_PROGRESS"

// Rules is the whole policy, one rule per Action: Check consults it, and the
// permission-matrix test walks it.
var Rules = []Rule{
	{
		Action:      CreateReport,
		Description: "Only reporters and editors of this desk and admins may create reports.",
		Allow: staff(func(v *Viewer, r Resource) bool {
			return v.HasRole(Reporter, r.DeskID) || v.HasRole(Editor, r.DeskID)
		}),
	},
	{
		Action: EditReport,
		Description: "Only editors of this desk and admins may edit this report; " +
			"a reporter of this desk may edit a report they created while it is a draft or has changes requested.",
		Allow: staff(func(v *Viewer, r Resource) bool {
			if v.HasRole(Editor, r.DeskID) {
				return true
			}
			own := v.is(r.OwnerID)
			open := r.Status == statusDraft || r.Status == statusChangesRequested
			return own && open && v.HasRole(Reporter, r.DeskID)
		}),
	},
	{
		Action:      ArchiveReport,
		Description: "Only editors of this desk and admins may archive reports.",
		Allow: staff(func(v *Viewer, r Resource) bool {
			return v.HasRole(Editor, r.DeskID)
		}),
	},
	{
		Action: SubmitReport,
		Description: "Only editors of this desk and admins may submit this report for review; " +
			"a reporter of this desk may submit a report they created while it is a draft or has changes requested.",
		Allow: staff(func(v *Viewer, r Resource) bool {
			if v.HasRole(Editor, r.DeskID) {
				return true
			}
			own := v.is(r.OwnerID)
			open := r.Status == statusDraft || r.Status == statusChangesRequested
			return own && open && v.HasRole(Reporter, r.DeskID)
		}),
	},
	{
		Action:      ReviewReport,
		Description: "Only reviewers and editors of this desk and admins may review reports.",
		Allow: staff(func(v *Viewer, r Resource) bool {
			return v.HasRole(Reviewer, r.DeskID) || v.HasRole(Editor, r.DeskID)
		}),
	},
	{
		Action:      AssignReviewers,
		Description: "Only editors of this desk and admins may assign reviewers.",
		Allow: staff(func(v *Viewer, r Resource) bool {
			return v.HasRole(Editor, r.DeskID)
		}),
	},
	{
		Action:      PublishReport,
		Description: "Only editors of this desk and admins may publish, schedule, unpublish and embargo reports.",
		Allow: staff(func(v *Viewer, r Resource) bool {
			return v.HasRole(Editor, r.DeskID)
		}),
	},
	{
		Action:      TakeDownReport,
		Description: "Only editors of this desk and admins may take reports down or lift a takedown.",
		Allow: staff(func(v *Viewer, r Resource) bool {
			return v.HasRole(Editor, r.DeskID)
		}),
	},
	{
		Action:      ReadDrafts,
		Description: "Only newsroom staff (users with a role) may read unpublished content.",
		Allow: staff(func(v *Viewer, _ Resource) bool {
			return v.SeesDrafts()
		}),
	},
	{
		Action:      Comment,
		Description: "Only newsroom staff with a role on this report's desk and admins may comment on it.",
		Allow: staff(func(v *Viewer, r Resource) bool {
			return slices.ContainsFunc(Roles, func(role Role) bool { return v.HasRole(role, r.DeskID) })
		}),
	},
	{
		Action:      EditTranslation,
		Description: "Only translators of this desk who work in this locale, editors of this desk and admins may edit translations.",
		Allow: staff(func(v *Viewer, r Resource) bool {
			if v.HasRole(Editor, r.DeskID) {
				return true
			}
			return v.HasRole(Translator, r.DeskID) && v.hasLocale(r.Locale)
		}),
	},
	{
		Action:      ReviewTranslation,
		Description: "Only reviewers and editors of this desk and admins may approve translations, and not one they last edited.",
		Allow: staff(func(v *Viewer, r Resource) bool {
			if v.is(r.OwnerID) {
				return false
			}
			return v.HasRole(Reviewer, r.DeskID) || v.HasRole(Editor, r.DeskID)
		}),
	},
	{
		Action:      AssignTranslators,
		Description: "Only editors of this desk and admins may assign translators.",
		Allow: staff(func(v *Viewer, r Resource) bool {
			return v.HasRole(Editor, r.DeskID)
		}),
	},
	{
		Action: DeleteTranslation,
		Description: "Only editors of this desk and admins may delete translations; " +
			"the translator assigned to one may delete it while it is in progress.",
		Allow: staff(func(v *Viewer, r Resource) bool {
			if v.HasRole(Editor, r.DeskID) {
				return true
			}
			assigned := v.is(r.AssigneeID)
			return assigned && r.Status == statusInProgress && v.HasRole(Translator, r.DeskID) && v.hasLocale(r.Locale)
		}),
	},
	{
		Action:      EditDirectory,
		Description: "Only reporters, editors and admins may create or change tags, people, organizations and events.",
		Allow: staff(func(v *Viewer, _ Resource) bool {
			return v.hasRoleOnAnyDesk(Reporter, Editor)
		}),
	},
	{
		Action:      MergeDirectory,
		Description: "Only editors and admins may merge directory entries.",
		Allow: staff(func(v *Viewer, _ Resource) bool {
			return v.hasRoleOnAnyDesk(Editor)
		}),
	},
	{
		Action:      ManageUsers,
		Description: msgAdminsManageUsers,
		Allow: staff(func(v *Viewer, _ Resource) bool {
			return v.HasRole(Admin, nil)
		}),
	},
	{
		Action:      ManageOperations,
		Description: "Only admins may register, unregister and list persisted operations.",
		Allow: staff(func(v *Viewer, _ Resource) bool {
			return v.HasRole(Admin, nil)
		}),
	},
	{
		Action:      ManageOwnTokens,
		Description: "Any signed-in user may manage their own API tokens.",
		Allow:       staff(func(*Viewer, Resource) bool { return true }),
	},
	{
		// Refusing a token for someone else has always said this (it was
		// the ManageUsers check), so the message stays.
		Action:      CreateToken,
		Description: msgAdminsManageUsers,
		Allow:       staff(ownerOrAdmin),
	},
	{
		// internal/identity reports a refusal as NOT_FOUND, so that a
		// token one may not revoke cannot be told from one that does not
		// exist.
		Action:      RevokeToken,
		Description: "Only the user an API token belongs to and admins may revoke it.",
		Allow:       staff(ownerOrAdmin),
	},
	{
		Action:      ReadUserPrivate,
		Description: "Only the user themselves and admins may see a user's email and API tokens.",
		Allow:       staff(ownerOrAdmin),
	},
}

// msgAdminsManageUsers is the description of ManageUsers, and of
// CreateToken, whose only refusal is a token for another user.
const msgAdminsManageUsers = "Only admins may manage users, their roles and tokens, and desks."

// ownerOrAdmin allows the user r is about (OwnerID) and admins.
func ownerOrAdmin(v *Viewer, r Resource) bool {
	return v.is(r.OwnerID) || v.HasRole(Admin, nil)
}

// SeesUserPrivate reports whether v may see user userID's private fields,
// their email and API tokens (ReadUserPrivate).
func (v *Viewer) SeesUserPrivate(userID int64) bool {
	return Check(v, ReadUserPrivate, Resource{OwnerID: &userID}) == nil
}

// is reports whether the user id names is the viewer (false for nil).
func (v *Viewer) is(id *int64) bool { return id != nil && *id == v.UserID }

// staff makes allow false for an anonymous viewer and a restricted token,
// so a rule never grants more than Check would even if called directly.
func staff(allow func(v *Viewer, r Resource) bool) func(v *Viewer, r Resource) bool {
	return func(v *Viewer, r Resource) bool { return v.full() && allow(v, r) }
}

// RuleFor returns the rule for a, or nil when there is none.
func RuleFor(a Action) *Rule {
	for i := range Rules {
		if Rules[i].Action == a {
			return &Rules[i]
		}
	}
	return nil
}

// Messages of the errors Check returns.
const (
	MsgSignIn        = "Sign in first: send an API token as `Authorization: Bearer <token>`."
	MsgReadPublished = "This token may only read published content."
)

// Check returns nil when v may perform a on r. Otherwise it returns a
// *cerr.Error: UNAUTHENTICATED (MsgSignIn) for an anonymous viewer,
// FORBIDDEN with MsgReadPublished for a token that is not FULL, and
// FORBIDDEN with the rule's Description otherwise. An action with no rule is
// a programming error: Check returns a plain (INTERNAL) error.
func Check(v *Viewer, a Action, r Resource) error {
	rule := RuleFor(a)
	if rule == nil {
		return fmt.Errorf("auth: no rule for action %q", a)
	}
	if err := RequireFull(v); err != nil {
		return err
	}
	if rule.Allow(v, r) {
		return nil
	}
	return cerr.Errorf(cerr.Forbidden, "%s", rule.Description)
}

// RequireFull is the part of Check every rule shares: UNAUTHENTICATED
// (MsgSignIn) for an anonymous viewer, FORBIDDEN (MsgReadPublished) for a
// token that is not FULL, nil otherwise. Rules that depend on more than a
// Resource (the desk settings' tag creators) start with it.
func RequireFull(v *Viewer) error {
	if !v.IsAuthenticated() {
		return cerr.Errorf(cerr.Unauthenticated, "%s", MsgSignIn)
	}
	if v.Scope != ScopeFull {
		return cerr.Errorf(cerr.Forbidden, "%s", MsgReadPublished)
	}
	return nil
}

// SortGrants sorts grants by role in the order of Roles (unknown roles
// last, by name), then by desk, the every-desk grant first, and drops exact
// duplicates. It returns the result, which shares gs's storage.
func SortGrants(gs []Grant) []Grant {
	rank := func(r Role) int {
		if i := slices.Index(Roles, r); i >= 0 {
			return i
		}
		return len(Roles)
	}
	desk := func(id *int64) int64 {
		if id == nil {
			return 0
		}
		return *id
	}
	slices.SortFunc(gs, func(a, b Grant) int {
		return cmp.Or(cmp.Compare(rank(a.Role), rank(b.Role)), cmp.Compare(a.Role, b.Role), cmp.Compare(desk(a.DeskID), desk(b.DeskID)))
	})
	return slices.CompactFunc(gs, func(a, b Grant) bool {
		return a.Role == b.Role && desk(a.DeskID) == desk(b.DeskID)
	})
}
