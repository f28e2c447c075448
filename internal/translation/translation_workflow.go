package translation

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
)

// Translations that never silently drift out of date.
//
// Each translated field remembers the source content version
// (reports.content_version) it was translated from or confirmed against
// (table translation_fields). Fields are named "title", "subtitle",
// "summary", "body", "attendees.<attendeeID>.role" and
// "attendees.<attendeeID>.note". A field is stale when its source text in
// the revision of that version differs from the source text now; a
// translation is current when no field is stale and every source field with
// text has translated text. Only UpsertTranslation (translating a field)
// and ConfirmTranslationFields (confirming it is still right) make a stale
// field current.
//
// The workflow is MISSING (no translation) → IN_PROGRESS → IN_REVIEW →
// APPROVED: SubmitTranslation and ApproveTranslation take only a current
// translation; editing one that is IN_REVIEW or APPROVED sends it back to
// IN_PROGRESS. A change to the source changes no status: an APPROVED
// translation that became stale stays APPROVED (and stale) — the public
// still reads it (approved translations only), the newsroom sees both.
//
// Every mutation locks the report, then the translation, checks the
// translation's expectedVersion (CONFLICT with currentVersion), and
// records exactly one audit entry ("translation.submit", …) with the
// subject key "reportID:locale"; a failed one records nothing.

// Translatable field names.
const (
	fieldTitle    = "title"
	fieldSubtitle = "subtitle"
	fieldSummary  = "summary"
	fieldBody     = "body"
	kindRole      = "role"
	kindNote      = "note"
)

// Why a translation is in a translator's queue (QueueItem.Reason).
const (
	ReasonMissing    = "MISSING"    // there is no translation
	ReasonStale      = "STALE"      // a translated field's source changed since
	ReasonIncomplete = "INCOMPLETE" // a source field with text has no translation
)

// State says whether a translation is in step with its report's source.
type State struct {
	// Stale: some field is stale (StaleFields is not empty).
	Stale bool
	// StaleFields are the stale fields, in schema order (title, subtitle,
	// summary, body, then attendees in list order, role before note).
	StaleFields []StaleField
	// MissingFields are source fields with text the translation has no
	// text for (a subtitle or an attendee role added since, …), in schema order.
	MissingFields []string
	// SourceVersion is the oldest source content version one of its fields
	// was translated from or confirmed against.
	SourceVersion int
	// CurrentSourceVersion is the report's content version now.
	CurrentSourceVersion int
}

// Current reports whether the translation is current: no field is stale
// and none is missing.
func (s *State) Current() bool { return !s.Stale && len(s.MissingFields) == 0 }

// StaleField is a stale translated field with its source text then (when
// it was translated or confirmed) and now, for a diff. From is nil when the
// source had no text then (or it is not known), To when it has none now.
type StaleField struct {
	Field    string
	From, To *string
	// SourceVersion is the source content version the field was translated
	// from or confirmed against; 0 when none is recorded.
	SourceVersion int
}

// QueueItem is a translation a translator should work on.
type QueueItem struct {
	ReportID int64
	Locale   string
	Reason   string // ReasonMissing, ReasonStale or ReasonIncomplete
	// Since is when the translation started needing work: the report's
	// creation for a missing one, else the first source change that made
	// one of its fields stale or missing.
	Since time.Time
}

// Progress is how far a report's translations are.
type Progress struct {
	// Current counts the locales whose translation is current; Total the
	// locales (the target locales and those with a translation, except the
	// report's source locale).
	Current, Total int
	Locales        []LocaleProgress // by locale
}

// LocaleProgress is where a report's translation into Locale stands.
type LocaleProgress struct {
	Locale string
	Status editorial.TranslationStatus // TranslationMissing when there is none
	// Stale: some field is stale. Current: it exists, no field is stale and
	// none is missing.
	Stale, Current bool
}

// TranslationState returns the state of a report's translation into locale
// (canonicalised: "zh-hans" is zh-Hans). NOT_FOUND when there is none.
// Newsroom only: the state quotes unpublished source text.
func (s *Service) TranslationState(ctx context.Context, reportID int64, locale string) (*State, error) {
	if _, err := auth.Gate(ctx); err != nil {
		return nil, err
	}
	loc, err := editorial.CanonicalLocale("locale", locale)
	if err != nil {
		return nil, err
	}
	k := editorial.TranslationKey{ReportID: reportID, Locale: loc}
	states, err := translationStates(ctx, s.DB, []editorial.TranslationKey{k})
	if err != nil {
		return nil, err
	}
	if states[k] == nil {
		return nil, cerr.FieldErrorf(cerr.NotFound, "locale", "The report has no %s translation.", loc)
	}
	return states[k], nil
}

// TranslationStates returns the states of the translations with the given
// keys (canonical locales), in a constant number of queries (for
// dataloaders). Keys with no translation are absent. Newsroom only.
func (s *Service) TranslationStates(ctx context.Context, keys []editorial.TranslationKey) (map[editorial.TranslationKey]*State, error) {
	if _, err := auth.Gate(ctx); err != nil {
		return nil, err
	}
	return translationStates(ctx, s.DB, keys)
}

// ConfirmTranslationFields marks stale fields of a translation as still
// right against the source as it is now: each of fields must be stale
// (BAD_USER_INPUT on input.fields.N otherwise: not stale, not a field name,
// or listed twice). It changes no text, so neither the status nor the
// translation's last editor changes (an APPROVED translation that was stale
// is APPROVED and current again). Needs EditTranslation; audit entry
// "translation.confirm" with the fields.
func (s *Service) ConfirmTranslationFields(ctx context.Context, reportID int64, locale string, expectedVersion int, fields []string) (*editorial.Translation, error) {
	return s.translationChange(ctx, "translation.confirm", reportID, locale, expectedVersion, editTranslation,
		func(tx *postgres.Tx, c *trChange) error {
			if len(fields) == 0 {
				return cerr.FieldErrorf(cerr.Invalid, "input.fields", "Name at least one stale field to confirm.")
			}
			st, err := c.state(ctx, tx)
			if err != nil {
				return err
			}
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
	return s.translationChange(ctx, "translation.submit", reportID, locale, expectedVersion, editTranslation,
		func(tx *postgres.Tx, c *trChange) error {
			return c.advance(ctx, tx, editorial.TranslationInProgress, editorial.TranslationInReview, "submitted for review")
		})
}

// ApproveTranslation approves an IN_REVIEW translation (APPROVED). It
// must be current (BAD_USER_INPUT as for SubmitTranslation). Needs
// ReviewTranslation: reviewers and editors of the desk and admins, but not
// the translation's last editor (FORBIDDEN). Audit entry
// "translation.approve".
func (s *Service) ApproveTranslation(ctx context.Context, reportID int64, locale string, expectedVersion int) (*editorial.Translation, error) {
	return s.translationChange(ctx, "translation.approve", reportID, locale, expectedVersion,
		func(_ context.Context, _ *postgres.Tx, c *trChange) error {
			return auth.Check(c.v, auth.ReviewTranslation, translationResource(c.r, c.loc, c.t.EditedBy))
		},
		func(tx *postgres.Tx, c *trChange) error {
			if err := c.advance(ctx, tx, editorial.TranslationInReview, editorial.TranslationApproved, "approved"); err != nil {
				return err
			}
			return postgres.PublishTranslation(ctx, tx, c.r.ID, c.loc)
		})
}

// DeleteTranslation deletes a translation with its attendee roles and
// notes (it is MISSING again; an assignment stays). Editors of the desk
// and admins may delete any; the translator assigned to it may delete it
// while it is IN_PROGRESS. Audit entry "translation.delete"; it returns the
// translation as it was.
func (s *Service) DeleteTranslation(ctx context.Context, reportID int64, locale string, expectedVersion int) (*editorial.Translation, error) {
	return s.translationChange(ctx, "translation.delete", reportID, locale, expectedVersion,
		func(ctx context.Context, tx *postgres.Tx, c *trChange) error {
			res := translationResource(c.r, c.loc, nil)
			if auth.Check(c.v, auth.AssignTranslators, res) == nil {
				return nil
			}
			a, err := postgres.LockTranslationAssignment(ctx, tx, c.r.ID, c.loc)
			if err != nil {
				return err
			}
			if a != nil && a.UserID == c.v.UserID && c.t.Status == editorial.TranslationInProgress && auth.Check(c.v, auth.EditTranslation, res) == nil {
				return nil
			}
			return cerr.Errorf(cerr.Forbidden, "Only editors of this desk and admins may delete translations; the translator assigned to one may delete it while it is in progress.")
		},
		func(tx *postgres.Tx, c *trChange) error {
			c.deleted = true
			return postgres.DeleteTranslation(ctx, tx, c.r.ID, c.loc)
		})
}

// AssignTranslator assigns user userID to translate the report into locale
// (the translation need not exist yet), replacing whoever was assigned. The
// user must hold TRANSLATOR on the report's desk with locale granted and not
// be disabled (BAD_USER_INPUT on input.userId). Needs AssignTranslators;
// audit entry "translation.assign". Assigning the translator already
// assigned changes nothing and records nothing.
func (s *Service) AssignTranslator(ctx context.Context, reportID int64, locale string, userID int64) (*editorial.TranslationAssignment, error) {
	v, err := auth.Gate(ctx)
	if err != nil {
		return nil, err
	}
	var out, prev *editorial.TranslationAssignment
	changed := false
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		out, prev, changed = nil, nil, false
		r, loc, err := lockForTranslation(ctx, tx, v, auth.AssignTranslators, reportID, locale)
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
		return postgres.PutTranslationAssignment(ctx, tx, out)
	}, func() *audit.Entry {
		if !changed {
			return nil
		}
		return assignmentEntry("translation.assign", prev, out)
	})
	return out, err
}

// UnassignTranslator removes whoever is assigned to translate the report
// into locale, so the translation is open to every translator of the
// locale again (it shows in all their queues). Needs AssignTranslators;
// audit entry "translation.unassign". It returns the assignment removed,
// nil (and records nothing) when there was none.
func (s *Service) UnassignTranslator(ctx context.Context, reportID int64, locale string) (*editorial.TranslationAssignment, error) {
	v, err := auth.Gate(ctx)
	if err != nil {
		return nil, err
	}
	var prev *editorial.TranslationAssignment
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		prev = nil
		r, loc, err := lockForTranslation(ctx, tx, v, auth.AssignTranslators, reportID, locale)
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
		return assignmentEntry("translation.unassign", prev, nil)
	})
	return prev, err
}

// TranslatorQueue returns user userID's translation work: for each locale
// granted to the user, the reports on desks where they hold TRANSLATOR, not
// archived and not written in that locale, whose translation into it is
// missing, stale or incomplete, and that are assigned to the user or to
// nobody; oldest source change (Since) first.
// With limit > 0, only the first limit items: the work is then bounded by
// limit plus the translations that exist and may be behind, however many
// reports lack one.
func (s *Service) TranslatorQueue(ctx context.Context, userID int64, limit int) ([]QueueItem, error) {
	if _, err := auth.Gate(ctx); err != nil {
		return nil, err
	}
	users, err := postgres.UsersByIDs(ctx, s.DB, []int64{userID})
	if err != nil {
		return nil, err
	}
	u := users[userID]
	if u == nil {
		return nil, cerr.Errorf(cerr.NotFound, "User not found.")
	}
	allDesks, desks := false, []int64{}
	for _, g := range u.Grants {
		if g.Role != auth.Translator && g.Role != auth.Admin {
			continue
		}
		if g.DeskID == nil {
			allDesks = true
		} else {
			desks = append(desks, *g.DeskID)
		}
	}
	out := []QueueItem{}
	if len(u.Locales) == 0 || (!allDesks && len(desks) == 0) {
		return out, nil
	}
	cands, err := postgres.TranslationQueueCandidates(ctx, s.DB, userID, u.Locales, allDesks, desks, limit)
	if err != nil {
		return nil, err
	}
	var keys []editorial.TranslationKey
	for _, c := range cands {
		if c.Exists {
			keys = append(keys, editorial.TranslationKey{ReportID: c.ReportID, Locale: c.Locale})
		}
	}
	states, err := translationStates(ctx, s.DB, keys)
	if err != nil {
		return nil, err
	}
	// When did each stale or incomplete translation start needing work?
	// The first source change after each problem field's recorded version.
	var changes []postgres.FieldChange
	var owner []int // index in out of each change
	for _, c := range cands {
		item := QueueItem{ReportID: c.ReportID, Locale: c.Locale, Reason: ReasonMissing, Since: c.ReportCreatedAt}
		if c.Exists {
			st := states[editorial.TranslationKey{ReportID: c.ReportID, Locale: c.Locale}]
			if st == nil || st.Current() {
				continue
			}
			item.Reason = ReasonIncomplete
			for _, f := range st.MissingFields {
				changes = append(changes, postgres.FieldChange{ReportID: c.ReportID, Field: f, Until: st.CurrentSourceVersion})
				owner = append(owner, len(out))
			}
			if st.Stale {
				item.Reason = ReasonStale
				for _, f := range st.StaleFields {
					changes = append(changes, postgres.FieldChange{ReportID: c.ReportID, Field: f.Field, After: f.SourceVersion, Until: st.CurrentSourceVersion})
					owner = append(owner, len(out))
				}
			}
			item.Since = time.Time{}
		}
		out = append(out, item)
	}
	if len(changes) > 0 {
		times, err := postgres.FieldChangeTimes(ctx, s.DB, changes)
		if err != nil {
			return nil, err
		}
		for i, at := range times {
			if it := &out[owner[i]]; at != nil && (it.Since.IsZero() || at.Before(it.Since)) {
				it.Since = *at
			}
		}
	}
	created := map[int64]time.Time{}
	for _, c := range cands {
		created[c.ReportID] = c.ReportCreatedAt
	}
	for i := range out {
		if out[i].Since.IsZero() { // no revision says when: since the report exists
			out[i].Since = created[out[i].ReportID]
		}
	}
	slices.SortStableFunc(out, func(a, b QueueItem) int {
		return cmp.Or(a.Since.Compare(b.Since), cmp.Compare(a.ReportID, b.ReportID), cmp.Compare(a.Locale, b.Locale))
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// TranslationProgress returns, per report of reportIDs (unknown ones are
// absent), how far its translations are: for each locale of targetLocales
// (the deployment's target locales, canonicalised) and each locale it has
// a translation in, except its source locale, the translation's status and
// whether it is stale and current. Newsroom only; a constant number of
// queries.
func (s *Service) TranslationProgress(ctx context.Context, reportIDs []int64, targetLocales []string) (map[int64]Progress, error) {
	if _, err := auth.Gate(ctx); err != nil {
		return nil, err
	}
	targets := make([]string, len(targetLocales))
	for i, l := range targetLocales {
		c, err := editorial.CanonicalLocale(editorial.Path("targetLocales", i), l)
		if err != nil {
			return nil, err
		}
		targets[i] = c
	}
	srcs, err := postgres.TranslationSources(ctx, s.DB, reportIDs)
	if err != nil {
		return nil, err
	}
	trs, err := postgres.TranslationsByReportIDs(ctx, s.DB, postgres.Newsroom, reportIDs)
	if err != nil {
		return nil, err
	}
	var keys []editorial.TranslationKey
	for _, list := range trs {
		for _, t := range list {
			keys = append(keys, translationKey(t))
		}
	}
	states, err := translationStates(ctx, s.DB, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]Progress, len(srcs))
	for id, src := range srcs {
		out[id] = ProgressOf(src.SourceLocale, trs[id], states, targets)
	}
	return out, nil
}

// ProgressOf computes a report's translation progress from its source
// locale, its translations, their states (as TranslationStates returns
// them; absent ones count as not current) and the target locales
// (canonical). It reads nothing, so a caller that already has the states
// (a dataloader shared with ReportTranslation.freshness) computes them once.
func ProgressOf(sourceLocale string, translations []*editorial.Translation, states map[editorial.TranslationKey]*State, targets []string) Progress {
	byLocale := map[string]LocaleProgress{}
	for _, l := range targets {
		byLocale[l] = LocaleProgress{Locale: l, Status: editorial.TranslationMissing}
	}
	for _, t := range translations {
		lp := LocaleProgress{Locale: t.Locale, Status: t.Status}
		if st := states[translationKey(t)]; st != nil {
			lp.Stale, lp.Current = st.Stale, st.Current()
		}
		byLocale[t.Locale] = lp
	}
	delete(byLocale, sourceLocale)
	p := Progress{Total: len(byLocale), Locales: make([]LocaleProgress, 0, len(byLocale))}
	for _, l := range slices.Sorted(maps.Keys(byLocale)) {
		lp := byLocale[l]
		if lp.Current {
			p.Current++
		}
		p.Locales = append(p.Locales, lp)
	}
	return p
}

// --- one change to a translation ---

// trChange is a translation mutation in progress: the locked report and
// translation, and what the audit entry should say.
type trChange struct {
	v       *auth.Viewer
	r       *editorial.Report
	loc     string
	t       *editorial.Translation // the locked translation; change updates it
	deleted bool                   // change deleted it
	detail  map[string]any
}

func (c *trChange) key() editorial.TranslationKey {
	return editorial.TranslationKey{ReportID: c.r.ID, Locale: c.loc}
}

// state computes the translation's state in tx.
func (c *trChange) state(ctx context.Context, tx *postgres.Tx) (*State, error) {
	states, err := translationStates(ctx, tx, []editorial.TranslationKey{c.key()})
	if err != nil {
		return nil, err
	}
	if states[c.key()] == nil {
		return nil, fmt.Errorf("content: no state for the locked translation %v", c.key())
	}
	return states[c.key()], nil
}

// from fails with BAD_USER_INPUT unless the translation is in status.
func (c *trChange) from(status editorial.TranslationStatus, what string) error {
	if c.t.Status == status {
		return nil
	}
	return cerr.FieldErrorf(cerr.Invalid, "input.locale", "The %s translation is %s; only a translation that is %s can be %s.", c.loc, c.t.Status, status, what).
		WithDetail("status", string(c.t.Status))
}

// advance moves a current translation from status from to status to
// (what says what is done, for the error when it is not current or not in
// from).
func (c *trChange) advance(ctx context.Context, tx *postgres.Tx, from, to editorial.TranslationStatus, what string) error {
	if err := c.from(from, what); err != nil {
		return err
	}
	if err := c.mustBeCurrent(ctx, tx, what); err != nil {
		return err
	}
	c.t.Status = to
	return postgres.UpdateTranslationState(ctx, tx, c.t)
}

// mustBeCurrent fails with BAD_USER_INPUT listing the stale and missing
// fields unless the translation is current.
func (c *trChange) mustBeCurrent(ctx context.Context, tx *postgres.Tx, what string) error {
	st, err := c.state(ctx, tx)
	if err != nil {
		return err
	}
	if st.Current() {
		return nil
	}
	stale := make([]string, len(st.StaleFields))
	for i, f := range st.StaleFields {
		stale[i] = f.Field
	}
	var parts []string
	if len(stale) > 0 {
		parts = append(parts, "stale: "+strings.Join(stale, ", "))
	}
	if len(st.MissingFields) > 0 {
		parts = append(parts, "missing: "+strings.Join(st.MissingFields, ", "))
	}
	return cerr.FieldErrorf(cerr.Invalid, "input.locale",
		"The %s translation is not current (%s); update or confirm those fields before it can be %s.", c.loc, strings.Join(parts, "; "), what).
		WithDetail("staleFields", stale).WithDetail("missingFields", st.MissingFields)
}

// trAuthorize decides whether the viewer may make a change (after the
// report and translation are locked).
type trAuthorize func(ctx context.Context, tx *postgres.Tx, c *trChange) error

// editTranslation is the EditTranslation check.
func editTranslation(_ context.Context, _ *postgres.Tx, c *trChange) error {
	return auth.Check(c.v, auth.EditTranslation, translationResource(c.r, c.loc, nil))
}

// translationChange is the shape of every change to an existing
// translation: lock the report and the translation (NOT_FOUND on
// input.locale when there is none), authorize, check expectedVersion,
// change, and record one audit entry with the status and version before
// and after.
func (s *Service) translationChange(ctx context.Context, action string, reportID int64, locale string, expectedVersion int,
	authorize trAuthorize, change func(tx *postgres.Tx, c *trChange) error) (*editorial.Translation, error) {
	v, err := auth.Gate(ctx)
	if err != nil {
		return nil, err
	}
	var c *trChange
	var before editorial.Translation
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		c = nil
		r, loc, err := lockForTranslation(ctx, tx, v, "", reportID, locale) // authorize decides
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
		cc := &trChange{v: v, r: r, loc: loc, t: t}
		if err := authorize(ctx, tx, cc); err != nil {
			return err
		}
		if expectedVersion != t.Version {
			return translationConflict(loc, expectedVersion, t.Version)
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
		e := translationEntry(action, &before, after)
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

// --- computing states ---

// translationStates computes the states of the translations with keys on
// q, in six queries at most. Keys with no translation are absent.
func translationStates(ctx context.Context, q sqlx.QueryerContext, keys []editorial.TranslationKey) (map[editorial.TranslationKey]*State, error) {
	d, err := readTranslations(ctx, q, keys)
	if err != nil {
		return nil, err
	}
	return d.states(ctx, q)
}

// translationData is what the states of some translations are computed
// from, read once (ExportXLIFF uses it for the document too).
type translationData struct {
	trs    map[editorial.TranslationKey]*editorial.Translation
	atts   map[editorial.TranslationKey][]*editorial.AttendeeTranslation
	fields map[editorial.TranslationKey]map[string]int // field → source version it was translated from
	srcs   map[int64]*postgres.TranslationSource       // every report of the keys
}

// readTranslations reads the translations with keys, with their attendee
// translations, field versions and reports; four queries (two when none
// of the translations exists).
func readTranslations(ctx context.Context, q sqlx.QueryerContext, keys []editorial.TranslationKey) (*translationData, error) {
	d := &translationData{}
	if len(keys) == 0 {
		return d, nil
	}
	var ids []int64
	for _, k := range keys {
		if !slices.Contains(ids, k.ReportID) {
			ids = append(ids, k.ReportID)
		}
	}
	var err error
	if d.srcs, err = postgres.TranslationSources(ctx, q, ids); err != nil {
		return nil, err
	}
	if d.trs, err = postgres.TranslationsByKeys(ctx, q, keys); err != nil || len(d.trs) == 0 {
		return d, err
	}
	existing := slices.Collect(maps.Keys(d.trs))
	if d.fields, err = postgres.TranslationFieldsByKeys(ctx, q, existing); err != nil {
		return nil, err
	}
	if d.atts, err = postgres.AttendeeTranslationsByKeys(ctx, q, existing); err != nil {
		return nil, err
	}
	return d, nil
}

// states compares each translation of d with its source: the report's
// current revision and the revisions its fields were translated from
// (one more query).
func (d *translationData) states(ctx context.Context, q sqlx.QueryerContext) (map[editorial.TranslationKey]*State, error) {
	out := map[editorial.TranslationKey]*State{}
	if len(d.trs) == 0 {
		return out, nil
	}
	existing := slices.SortedFunc(maps.Keys(d.trs), func(a, b editorial.TranslationKey) int {
		return cmp.Or(cmp.Compare(a.ReportID, b.ReportID), cmp.Compare(a.Locale, b.Locale))
	})
	need := map[postgres.RevisionKey]bool{}
	for _, k := range existing {
		src := d.srcs[k.ReportID]
		if src == nil {
			continue
		}
		need[postgres.RevisionKey{ReportID: k.ReportID, Version: src.ContentVersion}] = true
		for _, sv := range d.fields[k] {
			need[postgres.RevisionKey{ReportID: k.ReportID, Version: sv}] = true
		}
	}
	revs, err := postgres.TranslatableSnapshots(ctx, q, slices.Collect(maps.Keys(need)))
	if err != nil {
		return nil, err
	}
	current := map[int64]*editorial.Snapshot{}
	for _, k := range existing {
		src := d.srcs[k.ReportID]
		if src == nil {
			continue // the report went meanwhile
		}
		cur := current[k.ReportID]
		if cur == nil {
			if snap := revs[postgres.RevisionKey{ReportID: k.ReportID, Version: src.ContentVersion}]; snap != nil {
				cur = snap
			} else { // no revision recorded the content (a report written by SQL): read it as it is
				snap, err := postgres.Snapshot(ctx, q, k.ReportID)
				if err != nil {
					return nil, err
				}
				cur = &snap
			}
			current[k.ReportID] = cur
		}
		at := func(version int) *editorial.Snapshot {
			return revs[postgres.RevisionKey{ReportID: k.ReportID, Version: version}]
		}
		out[k] = computeState(d.trs[k], d.atts[k], d.fields[k], cur, src.ContentVersion, at)
	}
	return out, nil
}

// computeState compares translation t (with its attendee translations
// atts and the source version of each recorded field) with the source
// snapshot cur at content version cv; at returns the source snapshot of an
// earlier version (nil when none was recorded).
func computeState(t *editorial.Translation, atts []*editorial.AttendeeTranslation, versions map[string]int, cur *editorial.Snapshot, cv int,
	at func(version int) *editorial.Snapshot) *State {
	st := &State{StaleFields: []StaleField{}, MissingFields: []string{}, SourceVersion: t.SourceVersion, CurrentSourceVersion: cv}
	if len(versions) > 0 {
		st.SourceVersion = slices.Min(slices.Collect(maps.Values(versions)))
	}
	translated := translatedFields(t, atts)
	for _, f := range fieldOrder(cur, translated) {
		to := fieldText(cur, f)
		if !translated[f] {
			if to != nil {
				st.MissingFields = append(st.MissingFields, f)
			}
			continue
		}
		sv, recorded := versions[f]
		switch {
		case !recorded:
			// Translated where the source had no text: stale once it has.
			if to != nil {
				st.StaleFields = append(st.StaleFields, StaleField{Field: f, To: to})
			}
		case sv == cv:
		default:
			then := at(sv)
			var from *string
			if then != nil {
				from = fieldText(then, f)
			}
			if then == nil || !editorial.Same(from, to) {
				st.StaleFields = append(st.StaleFields, StaleField{Field: f, From: from, To: to, SourceVersion: sv})
			}
		}
	}
	st.Stale = len(st.StaleFields) > 0
	return st
}

// translatedFields returns the fields t has text for.
func translatedFields(t *editorial.Translation, atts []*editorial.AttendeeTranslation) map[string]bool {
	out := map[string]bool{fieldTitle: t.Title != "", fieldSubtitle: hasText(t.Subtitle), fieldSummary: hasText(t.Summary), fieldBody: t.Body != ""}
	for _, a := range atts {
		out[attendeeFieldName(a.AttendeeID, kindRole)] = hasText(a.Role)
		out[attendeeFieldName(a.AttendeeID, kindNote)] = hasText(a.Note)
	}
	for f, ok := range out {
		if !ok {
			delete(out, f)
		}
	}
	return out
}

// fieldOrder lists the fields of the source snapshot s and the translated
// fields in schema order: title, subtitle, summary, body, then the
// attendees in list order (role, note), then translated fields of
// attendees s does not list.
func fieldOrder(s *editorial.Snapshot, translated map[string]bool) []string {
	order := []string{fieldTitle, fieldSubtitle, fieldSummary, fieldBody}
	for _, a := range s.Attendees {
		order = append(order, attendeeFieldName(a.ID, kindRole), attendeeFieldName(a.ID, kindNote))
	}
	var rest []string
	for f := range translated {
		if !slices.Contains(order, f) {
			rest = append(rest, f)
		}
	}
	slices.Sort(rest)
	return append(order, rest...)
}

// fieldText returns the text of field f in source snapshot s, or nil when
// it has none (an empty body counts as none).
func fieldText(s *editorial.Snapshot, f string) *string {
	nonEmpty := func(p *string) *string {
		if !hasText(p) {
			return nil
		}
		return p
	}
	switch f {
	case fieldTitle:
		return nonEmpty(&s.Title)
	case fieldSubtitle:
		return nonEmpty(s.Subtitle)
	case fieldSummary:
		return nonEmpty(s.Summary)
	case fieldBody:
		return nonEmpty(&s.Body)
	}
	id, kind, ok := parseAttendeeField(f)
	if !ok {
		return nil
	}
	for i := range s.Attendees {
		if a := &s.Attendees[i]; a.ID == id {
			if kind == kindRole {
				return nonEmpty(a.Role)
			}
			return nonEmpty(a.Note)
		}
	}
	return nil
}

// liveSource is the part of a snapshot translations read, made from the
// report and its attendees as they are.
func liveSource(r *editorial.Report, atts []*editorial.Attendee) *editorial.Snapshot {
	s := &editorial.Snapshot{Title: r.Title, Subtitle: r.Subtitle, Summary: r.Summary, Body: r.Body}
	for _, a := range atts {
		s.Attendees = append(s.Attendees, editorial.SnapshotAttendee{ID: a.ID, Role: a.Role, Note: a.Note})
	}
	return s
}

func attendeeFieldName(attendeeID int64, kind string) string {
	return "attendees." + strconv.FormatInt(attendeeID, 10) + "." + kind
}

// parseAttendeeField splits "attendees.<id>.role|note".
func parseAttendeeField(f string) (int64, string, bool) {
	rest, ok := strings.CutPrefix(f, "attendees.")
	if !ok {
		return 0, "", false
	}
	num, kind, ok := strings.Cut(rest, ".")
	if !ok || (kind != kindRole && kind != kindNote) || num == "" || num[0] < '1' || num[0] > '9' {
		return 0, "", false
	}
	id, err := strconv.ParseInt(num, 10, 64)
	if err != nil || strconv.FormatInt(id, 10) != num {
		return 0, "", false
	}
	return id, kind, true
}

// validFieldName reports whether f is a translatable field's name.
func validFieldName(f string) bool {
	switch f {
	case fieldTitle, fieldSubtitle, fieldSummary, fieldBody:
		return true
	}
	_, _, ok := parseAttendeeField(f)
	return ok
}

func hasText(p *string) bool { return p != nil && *p != "" }

// clip shortens s for quoting in an error message.
func clip(s string) string { return cerr.Clip(s, 100) }
