package workflow

import (
	"fmt"
	"strings"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
)

// The translation workflow: a report's translation into a locale is
// MISSING (there is none) → IN_PROGRESS → IN_REVIEW → APPROVED.
//
//	upsert    any state                        → IN_PROGRESS (editing one IN_REVIEW or APPROVED sends it back)
//	confirm   IN_PROGRESS, IN_REVIEW, APPROVED   (no change of state)
//	submit    IN_PROGRESS                      → IN_REVIEW, once current
//	approve   IN_REVIEW                        → APPROVED, once current, not by its last editor
//	delete    IN_PROGRESS, IN_REVIEW, APPROVED → MISSING
//	assign    any state                          (no change of state)
//	unassign  any state                          (no change of state)
//
// TranslationTransitions is that table; the translation service runs each
// row in one transaction. A change to the source changes no state: an
// APPROVED translation that became stale stays APPROVED.

// The translation workflow's actions.
const (
	TranslationUpsert   Action = "upsert"   // any state → IN_PROGRESS
	TranslationConfirm  Action = "confirm"  // confirm stale fields; no state change
	TranslationSubmit   Action = "submit"   // IN_PROGRESS → IN_REVIEW
	TranslationApprove  Action = "approve"  // IN_REVIEW → APPROVED
	TranslationDelete   Action = "delete"   // → MISSING
	TranslationAssign   Action = "assign"   // assign a translator; no state change
	TranslationUnassign Action = "unassign" // remove the assignment; no state change
)

// TranslationActions lists the translation workflow's actions, in the order
// of TranslationTransitions.
var TranslationActions = []Action{TranslationUpsert, TranslationConfirm, TranslationSubmit, TranslationApprove, TranslationDelete, TranslationAssign, TranslationUnassign}

// TranslationStatuses lists every state of a translation, in workflow order.
var TranslationStatuses = []editorial.TranslationStatus{
	editorial.TranslationMissing, editorial.TranslationInProgress, editorial.TranslationInReview, editorial.TranslationApproved,
}

// TranslationSubject is what the translation workflow moves: the
// translation of Report into Locale (canonical BCP 47).
type TranslationSubject struct {
	Report *editorial.Report
	Locale string
	// Translation is the translation, nil when there is none (MISSING) or
	// it is not read yet.
	Translation *editorial.Translation
}

// Status is the subject's state: MISSING without a translation.
func (s TranslationSubject) Status() editorial.TranslationStatus {
	if s.Translation == nil {
		return editorial.TranslationMissing
	}
	return s.Translation.Status
}

// TranslationFacts is what the translation workflow's rules need to know
// beyond the translation row. The translation service reads it in the
// transaction of the change.
type TranslationFacts struct {
	// AssigneeID is the user assigned to translate the report into the
	// locale; nil when nobody is.
	AssigneeID *int64
	// StaleFields and MissingFields name what keeps the translation from
	// being current: its stale fields, and the source fields with text it
	// has no text for, each in schema order.
	StaleFields, MissingFields []string
}

// Current reports whether no field is stale and none is missing.
func (f TranslationFacts) Current() bool { return len(f.StaleFields) == 0 && len(f.MissingFields) == 0 }

// TranslationTransition is a row of the translation workflow.
type TranslationTransition = Transition[editorial.TranslationStatus, TranslationSubject, TranslationFacts]

var existingTranslation = []editorial.TranslationStatus{editorial.TranslationInProgress, editorial.TranslationInReview, editorial.TranslationApproved}

// TranslationTransitions is the translation workflow: one row per action,
// in the order of TranslationActions. Approving is auth.ReviewTranslation,
// which refuses the translation's last editor; deleting is
// auth.DeleteTranslation, which lets the assigned translator delete a
// translation while it is IN_PROGRESS.
var TranslationTransitions = Table[editorial.TranslationStatus, TranslationSubject, TranslationFacts]{
	{Action: TranslationUpsert, From: TranslationStatuses, To: editorial.TranslationInProgress,
		Auth: auth.EditTranslation, Audit: "translation.upsert", Done: "edited"},
	{Action: TranslationConfirm, From: existingTranslation,
		Auth: auth.EditTranslation, Audit: "translation.confirm", Done: "confirmed"},
	{Action: TranslationSubmit, From: []editorial.TranslationStatus{editorial.TranslationInProgress}, To: editorial.TranslationInReview,
		Auth: auth.EditTranslation, Audit: "translation.submit", Done: "submitted for review", pre: mustBeCurrent},
	{Action: TranslationApprove, From: []editorial.TranslationStatus{editorial.TranslationInReview}, To: editorial.TranslationApproved,
		Auth: auth.ReviewTranslation, Audit: "translation.approve", Done: "approved", pre: mustBeCurrent},
	{Action: TranslationDelete, From: existingTranslation, To: editorial.TranslationMissing,
		Auth: auth.DeleteTranslation, Audit: "translation.delete", Done: "deleted"},
	{Action: TranslationAssign, From: TranslationStatuses,
		Auth: auth.AssignTranslators, Audit: "translation.assign", Done: "assigned"},
	{Action: TranslationUnassign, From: TranslationStatuses,
		Auth: auth.AssignTranslators, Audit: "translation.unassign", Done: "unassigned"},
}

// TranslationNeeds says which facts action a reads, so that the service
// reads only those in the transaction of the change: the translation's
// freshness (the "must be current" precondition of submit and approve, and
// the stale fields confirm confirms) and who is assigned to it (the rule of
// auth.DeleteTranslation).
func TranslationNeeds(a Action) (freshness, assignee bool) {
	switch a {
	case TranslationConfirm, TranslationSubmit, TranslationApprove:
		return true, false
	case TranslationDelete:
		return false, true
	}
	return false, false
}

// CheckTranslation returns nil when v may run translation action a on s
// now. Otherwise, in this order: the error of auth.Check for the action's
// rule; BAD_USER_INPUT naming the state (detail "status") when a does not
// run in it; or BAD_USER_INPUT listing the stale and missing fields
// (details staleFields and missingFields) when a needs a current
// translation. An unknown action is a programming error (INTERNAL). The
// errors carry no Field; the translation service sets the one of its input.
func CheckTranslation(v *auth.Viewer, s TranslationSubject, f TranslationFacts, a Action) error {
	t := TranslationTransitions.Lookup(a)
	if t == nil {
		return fmt.Errorf("workflow: unknown translation action %q", a)
	}
	st := s.Status()
	return t.check(v, TranslationResource(s, f), st, s, f, func() error {
		return cerr.Errorf(cerr.Invalid, "The %s translation is %s; only a translation that is %s can be %s.", s.Locale, st, orList(t.From), t.Done).
			WithDetail("status", string(st))
	})
}

// NextTranslation returns the state translation action a leads s to (the
// row's To; s's state for an action that keeps it).
func NextTranslation(s TranslationSubject, a Action) editorial.TranslationStatus {
	if t := TranslationTransitions.Lookup(a); t != nil && t.To != "" {
		return t.To
	}
	return s.Status()
}

// TranslationResource is what the policy needs to know about s: the
// report's desk, the locale, and, once the translation is read, its status
// and last editor (OwnerID, for auth.ReviewTranslation) and the translator
// assigned to it (AssigneeID, for auth.DeleteTranslation).
func TranslationResource(s TranslationSubject, f TranslationFacts) auth.Resource {
	res := auth.Resource{DeskID: s.Report.DeskID, Locale: s.Locale, AssigneeID: f.AssigneeID}
	if s.Translation != nil {
		res.OwnerID, res.Status = s.Translation.EditedBy, string(s.Translation.Status)
	}
	return res
}

// mustBeCurrent is the precondition of submit and approve: the translation
// is current.
func mustBeCurrent(t *TranslationTransition, _ *auth.Viewer, s TranslationSubject, f TranslationFacts) error {
	if f.Current() {
		return nil
	}
	var parts []string
	if len(f.StaleFields) > 0 {
		parts = append(parts, "stale: "+strings.Join(f.StaleFields, ", "))
	}
	if len(f.MissingFields) > 0 {
		parts = append(parts, "missing: "+strings.Join(f.MissingFields, ", "))
	}
	return cerr.Errorf(cerr.Invalid, "The %s translation is not current (%s); update or confirm those fields before it can be %s.", s.Locale, strings.Join(parts, "; "), t.Done).
		WithDetail("staleFields", f.StaleFields).WithDetail("missingFields", f.MissingFields)
}
