// Package workflow is copydesk's editorial state machines, for reports and
// for their translations: which actions (transitions) exist, from which
// states each may run, the state it leads to, which rule of internal/auth
// decides who may run it, and what else must hold. Both are tables of one
// row type (Transition). It is pure: no SQL, no GraphQL. The report
// service executes report transitions (one transaction each, through its
// save path) and asks Check before it changes anything; the translation
// service does the same with CheckTranslation; the API asks Available
// which actions to offer.
//
//	submit          DRAFT, CHANGES_REQUESTED        → IN_REVIEW
//	assignReviewers DRAFT, IN_REVIEW, CHANGES_REQUESTED (no change of state)
//	requestChanges  IN_REVIEW                       → CHANGES_REQUESTED
//	approve         IN_REVIEW                       → APPROVED once enough reviewers approved
//	schedule        APPROVED                        → SCHEDULED (a publish job)
//	cancelSchedule  SCHEDULED                       → APPROVED
//	publish         APPROVED, SCHEDULED, UNPUBLISHED → PUBLISHED; PUBLISHED → PUBLISHED with unpublished changes
//	unpublish       PUBLISHED                       → UNPUBLISHED
//	takeDown        SCHEDULED, PUBLISHED, UNPUBLISHED → TAKEN_DOWN (off every public surface)
//	liftTakedown    TAKEN_DOWN                      → UNPUBLISHED; APPROVED if never published
//	archive         any other state                 → ARCHIVED
//	restore         ARCHIVED                        → the state it had
//
// Transitions is that table, with the rule of internal/auth that decides
// who may run each action and its preconditions. An edit that changes the
// content of an APPROVED (or SCHEDULED) report sends it back to IN_REVIEW
// when the desk's Settings.EditReopensReview is set (Settings.ReopenReview;
// the content service calls it on every content change). Settings are per
// desk and live in the database. Setting an embargo is not a
// transition; CanSetEmbargo says whether the API offers it.
//
// A takedown differs from unpublishing in what may follow: publish and
// schedule refuse a TAKEN_DOWN report (MsgTakenDown), so neither a plain
// publish nor the scheduler can bring it back; only liftTakedown, an
// editor's explicit action with a reason, returns it to a state publish
// runs from. Archiving and restoring keep it TAKEN_DOWN.
//
// The translation workflow is TranslationTransitions (translation.go).
package workflow

import (
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // time zones for schedules even where the system has none

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
)

// The report workflow's actions, named as the API names them.
const (
	Submit          Action = "submit"          // DRAFT | CHANGES_REQUESTED → IN_REVIEW
	AssignReviewers Action = "assignReviewers" // no state change; any state before APPROVED
	RequestChanges  Action = "requestChanges"  // IN_REVIEW → CHANGES_REQUESTED (with a comment)
	Approve         Action = "approve"         // IN_REVIEW → APPROVED once enough approvals of the current version
	Schedule        Action = "schedule"        // APPROVED → SCHEDULED (a publish job at a future instant)
	CancelSchedule  Action = "cancelSchedule"  // SCHEDULED → APPROVED
	Publish         Action = "publish"         // APPROVED | SCHEDULED | UNPUBLISHED → PUBLISHED; PUBLISHED → PUBLISHED with unpublished changes
	Unpublish       Action = "unpublish"       // PUBLISHED → UNPUBLISHED (with a reason)
	TakeDown        Action = "takeDown"        // SCHEDULED | PUBLISHED | UNPUBLISHED → TAKEN_DOWN (with a reason)
	LiftTakedown    Action = "liftTakedown"    // TAKEN_DOWN → UNPUBLISHED, or APPROVED if never published (with a reason)
	Archive         Action = "archive"         // any state but ARCHIVED → ARCHIVED
	Restore         Action = "restore"         // ARCHIVED → the state it had
)

// Actions lists every action, in the order a user interface offers them.
var Actions = []Action{Submit, AssignReviewers, RequestChanges, Approve, Schedule, CancelSchedule, Publish, Unpublish, TakeDown, LiftTakedown, Archive, Restore}

// Statuses lists every report state, in workflow order.
var Statuses = []editorial.Status{
	editorial.Draft, editorial.InReview, editorial.ChangesRequested, editorial.Approved,
	editorial.Scheduled, editorial.Published, editorial.Unpublished, editorial.TakenDown, editorial.Archived,
}

// Facts is what Check needs to know about a report beyond the report row,
// for one viewer. The report service reads it (reports.Service.Facts).
type Facts struct {
	// Now is the current time (the database clock).
	Now time.Time
	// ApprovalsRequired is how many approvals of the current version make
	// a report APPROVED (its desk's Settings.ApprovalsRequired; 0 counts as 1).
	ApprovalsRequired int
	// Approvals counts the approvals of the report's current version
	// (approvals given before its content last changed do not count).
	Approvals int
	// ApprovedByViewer: the viewer is among those approvals.
	ApprovedByViewer bool
	// AssignedReviewersOnly: only the report's assigned reviewers may
	// approve it (its desk's Settings.AssignedReviewersOnly).
	AssignedReviewersOnly bool
	// ViewerAssigned: the viewer is one of the report's assigned reviewers.
	ViewerAssigned bool
	// OpenRequiredChanges counts the report's open required-change
	// threads that block its approval: 0 when its desk does not make them
	// block (Settings.RequiredChangesBlockApproval).
	OpenRequiredChanges int
	// Published: the report has a publication (it was published at least once).
	Published bool
	// HasUnpublishedChanges: its content changed since it was last published.
	HasUnpublishedChanges bool
	// EmbargoUntil, when set, is the instant before which the report may
	// not be published.
	EmbargoUntil *time.Time
	// PublishAt is when its publish job runs, if it is SCHEDULED.
	PublishAt *time.Time
}

// Required is ApprovalsRequired, at least 1.
func (f Facts) Required() int { return max(f.ApprovalsRequired, 1) }

// Embargoed reports whether the report may not be published at f.Now.
func (f Facts) Embargoed() bool { return f.EmbargoUntil != nil && f.Now.Before(*f.EmbargoUntil) }

// Settings is a desk's editorial policy. It is stored in the database
// (one row per desk, and one for reports on no desk, which new desks start
// from), so every instance applies the same values; admins change it
// through the API or `copydesk desk settings`.
type Settings struct {
	// DeskID is the desk; nil for the settings of reports on no desk.
	DeskID *int64
	// ApprovalsRequired is how many reviewers must approve the current
	// version before a report is APPROVED, 1 to MaxApprovalsRequired.
	ApprovalsRequired int
	// AssignedReviewersOnly: only a report's assigned reviewers may approve
	// it (otherwise any REVIEWER or EDITOR of the desk may).
	AssignedReviewersOnly bool
	// RequiredChangesBlockApproval: a report with an open required-change
	// thread cannot be approved until the thread is resolved.
	RequiredChangesBlockApproval bool
	// EditReopensReview sends an APPROVED (or SCHEDULED) report back to
	// IN_REVIEW when an edit changes its content.
	EditReopensReview bool
	// PrivateDrafts: the desk's reports are for its members in the
	// newsroom (auth.HiddenDesks; enforced by postgres.Reader.For). Not
	// read for the no-desk settings: reports on no desk are never private.
	PrivateDrafts bool
	// TargetLocales are the locales the desk's reports should be
	// translated into (canonical BCP 47), for translation progress and the
	// translator queue.
	TargetLocales []string
	// TagCreatorRoles are the roles (on the report's desk) that may create
	// a tag by naming one that does not exist; ADMIN always may.
	TagCreatorRoles []auth.Role
	// UpdatedAt and UpdatedBy say who last changed the settings (nil: never).
	UpdatedAt *time.Time
	UpdatedBy *int64
}

// MaxApprovalsRequired bounds Settings.ApprovalsRequired.
const MaxApprovalsRequired = 10

// DefaultSettings is what a new installation starts with: one approval by
// any reviewer of the desk, open required changes block approval, edits
// after approval reopen review, reporters and editors create tags.
func DefaultSettings() Settings {
	return Settings{ApprovalsRequired: 1, RequiredChangesBlockApproval: true, EditReopensReview: true,
		TargetLocales: []string{}, TagCreatorRoles: []auth.Role{auth.Reporter, auth.Editor}}
}

// ReopenReview is the rule "an edit reopens review": an edit (a change
// made under auth.EditReport) that changes the content of a report which
// was APPROVED or SCHEDULED and is still in that state sends it back to
// IN_REVIEW when s.EditReopensReview is set. It returns the state the
// report is in after the edit and whether the rule applied (the content
// service then drops the report's publish job and says so in the audit
// entry).
func (s Settings) ReopenReview(by auth.Action, before, after editorial.Status) (editorial.Status, bool) {
	if by == auth.EditReport && s.EditReopensReview && after == before &&
		(after == editorial.Approved || after == editorial.Scheduled) {
		return editorial.InReview, true
	}
	return after, false
}

// CanSetEmbargo reports whether the API offers v to set r's embargo (the
// SET_EMBARGO button): v may publish r (auth.PublishReport, the right the
// content service's SetEmbargo checks) and r is not ARCHIVED.
func CanSetEmbargo(v *auth.Viewer, r *editorial.Report) bool {
	return r.Status != editorial.Archived && auth.Check(v, auth.PublishReport, Resource(r)) == nil
}

// ReportTransition is a row of the report workflow.
type ReportTransition = Transition[editorial.Status, *editorial.Report, Facts]

var beforeApproval = []editorial.Status{editorial.Draft, editorial.InReview, editorial.ChangesRequested}

// Transitions is the report workflow: one row per action, in the order of
// Actions. Next says the target of the rows without To (assignReviewers,
// liftTakedown, restore) and of approve, which depends on the approvals.
var Transitions = Table[editorial.Status, *editorial.Report, Facts]{
	{Action: Submit, From: []editorial.Status{editorial.Draft, editorial.ChangesRequested}, To: editorial.InReview,
		Auth: auth.SubmitReport, Audit: "report.submit"},
	{Action: AssignReviewers, From: beforeApproval,
		Auth: auth.AssignReviewers, Audit: "report.assignReviewers"},
	{Action: RequestChanges, From: []editorial.Status{editorial.InReview}, To: editorial.ChangesRequested,
		Auth: auth.ReviewReport, Audit: "report.requestChanges"},
	{Action: Approve, From: []editorial.Status{editorial.InReview}, To: editorial.Approved,
		Auth: auth.ReviewReport, Audit: "report.approve", pre: canApprove},
	{Action: Schedule, From: []editorial.Status{editorial.Approved}, To: editorial.Scheduled,
		Auth: auth.PublishReport, Audit: "report.schedule"},
	{Action: CancelSchedule, From: []editorial.Status{editorial.Scheduled}, To: editorial.Approved,
		Auth: auth.PublishReport, Audit: "report.cancelSchedule"},
	{Action: Publish, From: []editorial.Status{editorial.Approved, editorial.Scheduled, editorial.Unpublished, editorial.Published}, To: editorial.Published,
		Auth: auth.PublishReport, Audit: "report.publish", pre: canPublish},
	{Action: Unpublish, From: []editorial.Status{editorial.Published}, To: editorial.Unpublished,
		Auth: auth.PublishReport, Audit: "report.unpublish"},
	{Action: TakeDown, From: []editorial.Status{editorial.Scheduled, editorial.Published, editorial.Unpublished}, To: editorial.TakenDown,
		Auth: auth.TakeDownReport, Audit: "report.takeDown"},
	{Action: LiftTakedown, From: []editorial.Status{editorial.TakenDown},
		Auth: auth.TakeDownReport, Audit: "report.liftTakedown"},
	{Action: Archive, From: except(editorial.Archived), To: editorial.Archived,
		Auth: auth.ArchiveReport, Audit: "report.archive"},
	{Action: Restore, From: []editorial.Status{editorial.Archived},
		Auth: auth.ArchiveReport, Audit: "report.restore"},
}

func except(s editorial.Status) []editorial.Status {
	return slices.DeleteFunc(slices.Clone(Statuses), func(x editorial.Status) bool { return x == s })
}

// Lookup returns the row of report action a, or nil when there is none.
func Lookup(a Action) *ReportTransition { return Transitions.Lookup(a) }

// Messages of the errors Check returns for preconditions.
const (
	MsgOwnReport       = "You created this report; someone else must approve it."
	MsgApprovedAlready = "You have already approved this version of the report."
	MsgApproverNotUser = "Approvals are recorded for a user; sign in as one to approve."
	MsgNotAssigned     = "On this desk only the report's assigned reviewers may approve it, and you are not one of them; ask an editor to assign you."
)

// RequiredChangesMessage is the message of the error for approving a
// report with n open required changes.
func RequiredChangesMessage(n int) string {
	if n == 1 {
		return "1 required change is still open on this report (see its comments); it must be resolved before the report can be approved."
	}
	return fmt.Sprintf("%d required changes are still open on this report (see its comments); they must be resolved before the report can be approved.", n)
}

// Check returns nil when v may run action a on r now. Otherwise, in this
// order: the error of auth.Check for the action's rule (UNAUTHENTICATED or
// FORBIDDEN); BAD_USER_INPUT naming the current state when a does not run
// in it ("The report is DRAFT; approve needs IN_REVIEW."); or the error of
// an unmet precondition: FORBIDDEN for approving one's own report or,
// where only assigned reviewers approve, a report one is not assigned to;
// BAD_USER_INPUT for approving twice or while required changes are open,
// publishing during an embargo or
// republishing a PUBLISHED report without unpublished changes. An unknown
// action is a programming error (a plain, INTERNAL error). The errors carry
// no Field; the content service sets the one of its input.
func Check(v *auth.Viewer, r *editorial.Report, f Facts, a Action) error {
	t := Lookup(a)
	if t == nil {
		return fmt.Errorf("workflow: unknown action %q", a)
	}
	return t.check(v, Resource(r), r.Status, r, f, func() error {
		return cerr.Errorf(cerr.Invalid, "%s", StateMessage(r.Status, a))
	})
}

// StateMessage is the message of Check's error for action a in a state it
// does not run in (MsgTakenDown for publishing or scheduling a TAKEN_DOWN
// report).
func StateMessage(s editorial.Status, a Action) string {
	t := Lookup(a)
	if t == nil {
		return ""
	}
	if s == editorial.TakenDown && (a == Publish || a == Schedule) {
		return MsgTakenDown
	}
	if len(t.From) == len(Statuses)-1 {
		return fmt.Sprintf("The report is %s; %s needs any other state.", s, a)
	}
	return fmt.Sprintf("The report is %s; %s needs %s.", s, a, orList(t.From))
}

// EmbargoMessage is the message of the error for publishing before until.
func EmbargoMessage(until time.Time) string {
	return fmt.Sprintf("The report is embargoed until %s; it cannot be published before then.", until.UTC().Format(time.RFC3339))
}

// MsgTakenDown is the message for publishing or scheduling a TAKEN_DOWN
// report: it names the explicit action that must come first.
const MsgTakenDown = "The report was taken down; an editor must lift the takedown (liftTakedown, with a reason) before it can be published or scheduled again."

// MsgCorrectionFirstPublication is the message for a correction note given
// with a report's first publication.
const MsgCorrectionFirstPublication = "A correction note goes with republishing a report that was published before; this report has never been published, so publish it without a correction."

// CheckCorrection says whether a correction note may go with publishing a
// report with facts f now: only when it republishes one that was published
// before (f.Published: PUBLISHED with changes, or UNPUBLISHED, also after a
// lifted takedown). A first publication has nothing to correct: the error
// is BAD_USER_INPUT on field. Check decides the publish itself.
func CheckCorrection(field string, f Facts) error {
	if !f.Published {
		return cerr.FieldErrorf(cerr.Invalid, field, "%s", MsgCorrectionFirstPublication)
	}
	return nil
}

// MsgNothingToPublish is the message for publishing a PUBLISHED report
// whose content has not changed since.
const MsgNothingToPublish = "The report is PUBLISHED and has no unpublished changes; publish needs APPROVED, SCHEDULED or UNPUBLISHED, or changes to republish."

func canApprove(_ *ReportTransition, v *auth.Viewer, r *editorial.Report, f Facts) error {
	if v.UserRef() == nil {
		return cerr.Errorf(cerr.Forbidden, "%s", MsgApproverNotUser)
	}
	if r.CreatedBy != nil && *r.CreatedBy == v.UserID {
		return cerr.Errorf(cerr.Forbidden, "%s", MsgOwnReport)
	}
	if f.AssignedReviewersOnly && !f.ViewerAssigned {
		return cerr.Errorf(cerr.Forbidden, "%s", MsgNotAssigned)
	}
	if f.ApprovedByViewer {
		return cerr.Errorf(cerr.Invalid, "%s", MsgApprovedAlready)
	}
	if f.OpenRequiredChanges > 0 {
		return cerr.Errorf(cerr.Invalid, "%s", RequiredChangesMessage(f.OpenRequiredChanges)).WithDetail("openRequiredChanges", f.OpenRequiredChanges)
	}
	return nil
}

func canPublish(_ *ReportTransition, _ *auth.Viewer, r *editorial.Report, f Facts) error {
	if r.Status == editorial.Published && !f.HasUnpublishedChanges {
		return cerr.Errorf(cerr.Invalid, "%s", MsgNothingToPublish)
	}
	if f.Embargoed() {
		return cerr.Errorf(cerr.Invalid, "%s", EmbargoMessage(*f.EmbargoUntil))
	}
	return nil
}

// Available returns the actions v may run on r now (those Check allows), in
// the order of Actions: the buttons to show.
func Available(v *auth.Viewer, r *editorial.Report, f Facts) []Action {
	out := []Action{}
	for _, a := range Actions {
		if Check(v, r, f, a) == nil {
			out = append(out, a)
		}
	}
	return out
}

// Next returns the state action a leads r to (Check must allow it): for
// approve, APPROVED when this approval makes f.Approvals reach the number
// required and IN_REVIEW otherwise; for restore, the state r had before it
// was archived (APPROVED for a report archived while SCHEDULED, since
// archiving dropped its publish job; DRAFT when unknown); for
// assignReviewers, r's state; for liftTakedown, UNPUBLISHED when r was
// published before (f.Published) and APPROVED when it was not (it was
// taken down while SCHEDULED for its first publication): both are states
// publish runs from.
func Next(r *editorial.Report, f Facts, a Action) editorial.Status {
	switch a {
	case LiftTakedown:
		if f.Published {
			return editorial.Unpublished
		}
		return editorial.Approved
	case Approve:
		if f.Approvals+1 >= f.Required() {
			return editorial.Approved
		}
		return editorial.InReview
	case Restore:
		if r.StatusBeforeArchive == nil {
			return editorial.Draft
		}
		if *r.StatusBeforeArchive == editorial.Scheduled {
			return editorial.Approved
		}
		return *r.StatusBeforeArchive
	case AssignReviewers:
		return r.Status
	}
	if t := Lookup(a); t != nil {
		return t.To
	}
	return r.Status
}

// Resource is what the policy needs to know about r.
func Resource(r *editorial.Report) auth.Resource {
	return auth.Resource{DeskID: r.DeskID, OwnerID: r.CreatedBy, Status: string(r.Status)}
}

// CheckPublishAt validates the instant of a schedule: it must be after
// f.Now and not before the embargo. The errors are BAD_USER_INPUT on field.
func CheckPublishAt(field string, at time.Time, f Facts) error {
	if !at.After(f.Now) {
		return cerr.FieldErrorf(cerr.Invalid, field, "The publication time %s is not in the future.", at.UTC().Format(time.RFC3339))
	}
	if f.EmbargoUntil != nil && at.Before(*f.EmbargoUntil) {
		return cerr.FieldErrorf(cerr.Invalid, field, "%s", EmbargoMessage(*f.EmbargoUntil))
	}
	return nil
}

// LoadTimeZone validates an IANA time zone name ("Asia/Shanghai", "UTC").
// The error is BAD_USER_INPUT on field.
func LoadTimeZone(field, name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	if name == "" || name == "Local" || len(name) > 100 {
		return nil, cerr.FieldErrorf(cerr.Invalid, field, "Give an IANA time zone such as Asia/Shanghai or UTC.")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, cerr.FieldErrorf(cerr.Invalid, field, "%q is not an IANA time zone (such as Asia/Shanghai or UTC).", name)
	}
	return loc, nil
}
