package translation

import (
	"context"
	"fmt"
	"slices"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/notify"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/published"
	"github.com/copydesk/copydesk/internal/search"
	"github.com/copydesk/copydesk/internal/workflow"
)

// The translation workflow, executed. The state machine is
// workflow.TranslationTransitions: MISSING (no translation) → IN_PROGRESS →
// IN_REVIEW → APPROVED; SubmitTranslation and ApproveTranslation take only
// a current translation; editing one that is IN_REVIEW or APPROVED sends it
// back to IN_PROGRESS (UpsertTranslation).
//
// Every change to an existing translation runs one row of that table
// through translationChange: it locks the report, then the translation,
// checks the row's permission inside the transaction, the translation's
// expectedVersion (CONFLICT with currentVersion) and the rest of the row
// (workflow.CheckTranslation), and records exactly one audit entry
// ("translation.submit", …) with the subject key "reportID:locale"; a
// failed one records nothing.

// ConfirmTranslationFields marks stale fields of a translation as still
// right against the source as it is now: each of fields must be stale
// (BAD_USER_INPUT on input.fields.N otherwise: not stale, not a field name,
// or listed twice). It changes no text, so neither the status nor the
// translation's last editor changes (an APPROVED translation that was stale
// is APPROVED and current again). Needs EditTranslation; audit entry
// "translation.confirm" with the fields.
func (s *Service) ConfirmTranslationFields(ctx context.Context, reportID int64, locale string, expectedVersion int, fields []string) (*editorial.Translation, error) {
	return s.translationChange(ctx, workflow.TranslationConfirm, reportID, locale, expectedVersion,
		func(tx *postgres.Tx, c *trChange) error {
			if len(fields) == 0 {
				return cerr.FieldErrorf(cerr.Invalid, "input.fields", "Name at least one stale field to confirm.")
			}
			st := c.st
			var err error
			var put, drop []string
			for i, f := range fields {
				field := editorial.Path("input.fields", i)
				j := slices.IndexFunc(st.StaleFields, func(sf StaleField) bool { return sf.Field == f })
				switch {
				case slices.Index(fields, f) != i:
					return cerr.FieldErrorf(cerr.Invalid, field, "%q is listed twice.", clip(f))
				case j < 0 && !validFieldName(f):
					return cerr.FieldErrorf(cerr.Invalid, field, "%q is not a translatable field: use title, subtitle, summary, body, attendees.<id>.role or attendees.<id>.note.", clip(f))
				case j < 0:
					return cerr.FieldErrorf(cerr.Invalid, field, "%s is not stale in the %s translation; only stale fields can be confirmed.", f, c.loc)
				}
				if st.StaleFields[j].To != nil {
					put = append(put, f)
				} else {
					drop = append(drop, f) // the source has no text there any more
				}
			}
			if c.t.SourceVersion, err = postgres.PutTranslationFields(ctx, tx, c.key(), put, st.CurrentSourceVersion, drop); err != nil {
				return err
			}
			c.detail = map[string]any{"fields": fields, "sourceVersion": st.CurrentSourceVersion}
			return postgres.UpdateTranslationState(ctx, tx, c.t)
		})
}

// SubmitTranslation sends an IN_PROGRESS translation to review
// (IN_REVIEW). It must be current: otherwise BAD_USER_INPUT on
// input.locale, listing the stale and missing fields (also as the details
// staleFields and missingFields). Needs EditTranslation; audit entry
// "translation.submit".
func (s *Service) SubmitTranslation(ctx context.Context, reportID int64, locale string, expectedVersion int) (*editorial.Translation, error) {
	return s.translationChange(ctx, workflow.TranslationSubmit, reportID, locale, expectedVersion,
		func(tx *postgres.Tx, c *trChange) error { return c.advance(ctx, tx) })
}

// ApproveTranslation approves an IN_REVIEW translation (APPROVED). It
// must be current (BAD_USER_INPUT as for SubmitTranslation). Needs
// ReviewTranslation: reviewers and editors of the desk and admins, but not
// the translation's last editor (FORBIDDEN). Audit entry
// "translation.approve".
func (s *Service) ApproveTranslation(ctx context.Context, reportID int64, locale string, expectedVersion int) (*editorial.Translation, error) {
	return s.translationChange(ctx, workflow.TranslationApprove, reportID, locale, expectedVersion,
		func(tx *postgres.Tx, c *trChange) error {
			if err := c.advance(ctx, tx); err != nil {
				return err
			}
			return published.TranslationApproved(ctx, tx, c.r.ID, c.loc)
		})
}

// DeleteTranslation deletes a translation with its attendee roles and
// notes (it is MISSING again; an assignment stays). Needs
// DeleteTranslation: editors of the desk and admins may delete any; the
// translator assigned to it may delete it while it is IN_PROGRESS. Audit
// entry "translation.delete"; it returns the translation as it was.
func (s *Service) DeleteTranslation(ctx context.Context, reportID int64, locale string, expectedVersion int) (*editorial.Translation, error) {
	return s.translationChange(ctx, workflow.TranslationDelete, reportID, locale, expectedVersion,
		func(tx *postgres.Tx, c *trChange) error {
			c.deleted = true
			if err := postgres.DeleteTranslation(ctx, tx, c.r.ID, c.loc); err != nil {
				return err
			}
			if err := search.Reindex(ctx, tx, c.r.ID); err != nil {
				return err
			}
			return published.TranslationRemoved(ctx, tx, c.r.ID)
		})
}

// AssignTranslator assigns user userID to translate the report into locale
// (the translation need not exist yet), replacing whoever was assigned. The
// user must hold TRANSLATOR on the report's desk with locale granted and not
// be disabled (BAD_USER_INPUT on input.userId). Needs AssignTranslators;
// audit entry "translation.assign". Assigning the translator already
// assigned changes nothing and records nothing.
func (s *Service) AssignTranslator(ctx context.Context, reportID int64, locale string, userID int64) (*editorial.TranslationAssignment, error) {
	row, v, err := begin(ctx, workflow.TranslationAssign)
	if err != nil {
		return nil, err
	}
	var out, prev *editorial.TranslationAssignment
	changed := false
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		out, prev, changed = nil, nil, false
		r, loc, err := lockForTranslation(ctx, tx, v, row.Auth, reportID, locale)
		if err != nil {
			return err
		}
		if err := notSourceLocale(r, loc); err != nil {
			return err
		}
		users, err := postgres.UsersByIDs(ctx, tx, []int64{userID})
		if err != nil {
			return err
		}
		u := users[userID]
		switch {
		case u == nil:
			return cerr.FieldErrorf(cerr.Invalid, "input.userId", "There is no user %d.", userID)
		case u.DisabledAt != nil:
			return cerr.FieldErrorf(cerr.Invalid, "input.userId", "%s is disabled and cannot translate.", u.Name)
		}
		as := &auth.Viewer{UserID: u.ID, Grants: u.Grants, Locales: u.Locales, Scope: auth.ScopeFull}
		if !as.HasRole(auth.Translator, r.DeskID) || !slices.Contains(u.Locales, loc) {
			return cerr.FieldErrorf(cerr.Invalid, "input.userId", "%s is not a translator into %s on this report's desk.", u.Name, loc)
		}
		if prev, err = postgres.LockTranslationAssignment(ctx, tx, r.ID, loc); err != nil {
			return err
		}
		if prev != nil && prev.UserID == userID {
			out = prev
			return nil
		}
		out = &editorial.TranslationAssignment{ReportID: r.ID, Locale: loc, UserID: userID, AssignedBy: v.UserRef()}
		changed = true
		if err := postgres.PutTranslationAssignment(ctx, tx, out); err != nil {
			return err
		}
		return notify.Send(ctx, tx, notify.Event{Kind: notify.TranslationAssigned, ReportID: r.ID, Locale: &loc}, userID)
	}, func() *audit.Entry {
		if !changed {
			return nil
		}
		return assignmentEntry(row.Audit, prev, out)
	})
	return out, err
}

// UnassignTranslator removes whoever is assigned to translate the report
// into locale, so the translation is open to every translator of the
// locale again (it shows in all their queues). Needs AssignTranslators;
// audit entry "translation.unassign". It returns the assignment removed,
// nil (and records nothing) when there was none.
func (s *Service) UnassignTranslator(ctx context.Context, reportID int64, locale string) (*editorial.TranslationAssignment, error) {
	row, v, err := begin(ctx, workflow.TranslationUnassign)
	if err != nil {
		return nil, err
	}
	var prev *editorial.TranslationAssignment
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		prev = nil
		r, loc, err := lockForTranslation(ctx, tx, v, row.Auth, reportID, locale)
		if err != nil {
			return err
		}
		if prev, err = postgres.LockTranslationAssignment(ctx, tx, r.ID, loc); err != nil || prev == nil {
			return err
		}
		return postgres.DeleteTranslationAssignment(ctx, tx, r.ID, loc)
	}, func() *audit.Entry {
		if prev == nil {
			return nil
		}
		return assignmentEntry(row.Audit, prev, nil)
	})
	return prev, err
}

// assignmentEntry is the audit entry of assigning a translator (before:
// who was assigned, nil for nobody) or removing one (after nil).
func assignmentEntry(action string, before, after *editorial.TranslationAssignment) *audit.Entry {
	a := after
	if a == nil {
		a = before
	}
	e := &audit.Entry{Action: action, SubjectType: "ReportTranslation", SubjectKey: fmt.Sprintf("%d:%s", a.ReportID, a.Locale), ReportID: &a.ReportID}
	if before != nil {
		e.Before = map[string]any{"userId": before.UserID}
	}
	if after != nil {
		e.After = map[string]any{"userId": after.UserID}
	}
	return e
}

// trChange is a translation mutation in progress: the row of the
// translation workflow it runs, the locked report and translation, what
// the workflow's rules read about it, and what the audit entry should say.
type trChange struct {
	row     *workflow.TranslationTransition
	r       *editorial.Report
	loc     string
	t       *editorial.Translation // the locked translation; change updates it
	st      *State                 // its state when locked
	facts   workflow.TranslationFacts
	deleted bool // change deleted it
	detail  map[string]any
}

func (c *trChange) key() editorial.TranslationKey {
	return editorial.TranslationKey{ReportID: c.r.ID, Locale: c.loc}
}

func (c *trChange) subject() workflow.TranslationSubject {
	return workflow.TranslationSubject{Report: c.r, Locale: c.loc, Translation: c.t}
}

// readFacts reads, in tx, what the workflow's rules for the row need to
// know about the locked translation (workflow.TranslationNeeds): its state
// (freshness) and who is assigned to it.
func (c *trChange) readFacts(ctx context.Context, tx *postgres.Tx) error {
	freshness, assignee := workflow.TranslationNeeds(c.row.Action)
	if freshness {
		states, err := translationStates(ctx, tx, []editorial.TranslationKey{c.key()})
		if err != nil {
			return err
		}
		if c.st = states[c.key()]; c.st == nil {
			return fmt.Errorf("translation: no state for the locked translation %v", c.key())
		}
		c.facts = workflow.TranslationFacts{StaleFields: make([]string, len(c.st.StaleFields)), MissingFields: c.st.MissingFields}
		for i, f := range c.st.StaleFields {
			c.facts.StaleFields[i] = f.Field
		}
	}
	if assignee {
		a, err := postgres.LockTranslationAssignment(ctx, tx, c.r.ID, c.loc)
		if err != nil {
			return err
		}
		if a != nil {
			c.facts.AssigneeID = &a.UserID
		}
	}
	return nil
}

// advance moves the translation to the state its workflow row leads to.
func (c *trChange) advance(ctx context.Context, tx *postgres.Tx) error {
	c.t.Status = workflow.NextTranslation(c.subject(), c.row.Action)
	return postgres.UpdateTranslationState(ctx, tx, c.t)
}

// transitionRow returns the row of action a of the translation workflow.
func transitionRow(a workflow.Action) (*workflow.TranslationTransition, error) {
	if t := workflow.TranslationTransitions.Lookup(a); t != nil {
		return t, nil
	}
	return nil, fmt.Errorf("translation: unknown workflow action %q", a)
}

// begin starts a mutation that runs action a of the translation workflow:
// its row, and the viewer, who must be newsroom staff (auth.Gate; the row's
// own rule is checked in the transaction).
func begin(ctx context.Context, a workflow.Action) (*workflow.TranslationTransition, *auth.Viewer, error) {
	row, err := transitionRow(a)
	if err != nil {
		return nil, nil, err
	}
	v, err := auth.Gate(ctx)
	return row, v, err
}

// translationChange is the shape of every change to an existing
// translation, which runs action a of the translation workflow: lock the
// report and the translation (NOT_FOUND on input.locale when there is
// none), read the workflow's facts, check the row's auth rule, check
// expectedVersion, check the rest of the row (workflow.CheckTranslation:
// the state, preconditions; BAD_USER_INPUT on input.locale), change, and
// record one audit entry (the row's) with the status and version before
// and after.
func (s *Service) translationChange(ctx context.Context, a workflow.Action, reportID int64, locale string, expectedVersion int,
	change func(tx *postgres.Tx, c *trChange) error) (*editorial.Translation, error) {
	row, v, err := begin(ctx, a)
	if err != nil {
		return nil, err
	}
	var c *trChange
	var before editorial.Translation
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		c = nil
		r, loc, err := lockForTranslation(ctx, tx, v, "", reportID, locale) // the row's rule decides, below
		if err != nil {
			return err
		}
		t, err := postgres.LockTranslation(ctx, tx, r.ID, loc)
		if err != nil {
			return err
		}
		if t == nil {
			return cerr.FieldErrorf(cerr.NotFound, "input.locale", "The report has no %s translation.", loc)
		}
		cc := &trChange{row: row, r: r, loc: loc, t: t}
		if err := cc.readFacts(ctx, tx); err != nil {
			return err
		}
		if err := auth.Check(v, row.Auth, workflow.TranslationResource(cc.subject(), cc.facts)); err != nil {
			return err
		}
		if expectedVersion != t.Version {
			return translationConflict(loc, expectedVersion, t.Version)
		}
		if err := workflow.CheckTranslation(v, cc.subject(), cc.facts, a); err != nil {
			return cerr.OnField(err, "input.locale")
		}
		before = *t
		if err := change(tx, cc); err != nil {
			return err
		}
		c = cc
		return nil
	}, func() *audit.Entry {
		after := c.t
		if c.deleted {
			after = nil
		}
		e := translationEntry(row.Audit, &before, after)
		e.Detail = c.detail
		return e
	})
	if err != nil {
		return nil, err
	}
	if c.deleted {
		return &before, nil
	}
	return c.t, nil
}
