package translation

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/published"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/search"
	"github.com/copydesk/copydesk/internal/workflow"
)

// UpsertTranslationInput creates or updates a report's translation in one locale.
type UpsertTranslationInput struct {
	ReportID        int64
	Locale          string
	ExpectedVersion *int // nil when creating
	Title           string
	Subtitle        *string
	Summary         *string
	Body            string
	// Attendees are the translated roles and notes to write; attendees left
	// out keep what they had.
	Attendees []editorial.AttendeeTranslation
	// Status lets the demo loader (copydesk's System viewer) create
	// translations in a later state. Anyone else must leave it empty
	// (FORBIDDEN otherwise): the translation is then IN_PROGRESS, and moves
	// on with SubmitTranslation and ApproveTranslation.
	Status editorial.TranslationStatus
	// only, when set, limits the fields recorded as translated from the
	// current source to those named (an XLIFF import writes back the
	// translation's other fields as they were, and they keep their state).
	only map[string]bool
}

// UpsertTranslation saves a translation, IN_PROGRESS (editing one that is
// IN_REVIEW or APPROVED sends it back to IN_PROGRESS: the translation
// workflow's upsert row). Every field it writes
// (title, subtitle, summary, body, and the role and note of each attendee
// in Attendees) is recorded as translated from the source's current content
// version, so it is not stale until the source field changes again (see
// TranslationState). Creating over an existing translation, or updating
// with a stale ExpectedVersion, fails with CONFLICT. One audit entry,
// "translation.upsert".
func (s *Service) UpsertTranslation(ctx context.Context, in UpsertTranslationInput) (*editorial.Translation, error) {
	row, v, err := begin(ctx, workflow.TranslationUpsert)
	if err != nil {
		return nil, err
	}
	var out *editorial.Translation
	var before *editorial.Translation
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		var err error
		out, before, err = upsertTranslation(ctx, tx, v, in)
		return err
	}, func() *audit.Entry {
		e := translationEntry(row.Audit, before, out)
		e.Detail = map[string]any{"sourceVersion": out.SourceVersion}
		return e
	})
	return out, err
}

// upsertTranslation is UpsertTranslation inside transaction tx: it returns
// the translation as saved and as it was before (nil when new).
func upsertTranslation(ctx context.Context, tx *postgres.Tx, v *auth.Viewer, in UpsertTranslationInput) (out, before *editorial.Translation, err error) {
	row, err := transitionRow(workflow.TranslationUpsert)
	if err != nil {
		return nil, nil, err
	}
	r, loc, err := lockForTranslation(ctx, tx, v, row.Auth, in.ReportID, in.Locale)
	if err != nil {
		return nil, nil, err
	}
	if in.Status != "" && !v.IsSystem() {
		return nil, nil, cerr.FieldErrorf(cerr.Forbidden, "input.status", "A translation's status changes only through submitTranslation and approveTranslation.")
	}
	if in.Status != "" && !slices.Contains([]editorial.TranslationStatus{editorial.TranslationInProgress, editorial.TranslationInReview, editorial.TranslationApproved}, in.Status) {
		return nil, nil, cerr.FieldErrorf(cerr.Invalid, "input.status", "%q is not a translation status.", in.Status)
	}
	if err := notSourceLocale(r, loc); err != nil {
		return nil, nil, err
	}
	cur, err := postgres.LockTranslation(ctx, tx, r.ID, loc)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case cur == nil && in.ExpectedVersion != nil:
		return nil, nil, cerr.FieldErrorf(cerr.NotFound, "input.expectedVersion", "The report has no %s translation yet; omit expectedVersion to create it.", loc)
	case cur != nil && in.ExpectedVersion == nil:
		return nil, nil, cerr.FieldErrorf(cerr.Conflict, "input.expectedVersion", "The report already has a %s translation (version %d); send expectedVersion to update it.", loc, cur.Version).WithDetail("currentVersion", cur.Version)
	case cur != nil && *in.ExpectedVersion != cur.Version:
		return nil, nil, translationConflict(loc, *in.ExpectedVersion, cur.Version)
	}
	srcs, err := postgres.TranslationSources(ctx, tx, []int64{r.ID})
	if err != nil {
		return nil, nil, err
	}
	cv := srcs[r.ID].ContentVersion
	t := &editorial.Translation{ReportID: r.ID, Locale: loc, SourceVersion: cv, Status: row.To, EditedBy: v.UserRef()}
	if in.Status != "" {
		t.Status = in.Status
	}
	if t.Title, err = editorial.RequiredText("input.title", "title", in.Title, editorial.MaxTitle); err != nil {
		return nil, nil, err
	}
	tmp := &editorial.Report{}
	if err := tmp.ApplyTexts(nil, in.Subtitle, in.Summary, &in.Body); err != nil {
		return nil, nil, err
	}
	t.Subtitle, t.Summary, t.Body = tmp.Subtitle, tmp.Summary, tmp.Body
	if err := postgres.UpsertTranslation(ctx, tx, t); err != nil {
		return nil, nil, err
	}
	atts, err := postgres.AttendeesByReportIDs(ctx, tx, []int64{r.ID})
	if err != nil {
		return nil, nil, err
	}
	clean, err := translatedAttendees(in, loc, atts[r.ID])
	if err != nil {
		return nil, nil, err
	}
	if err := postgres.UpsertAttendeeTranslations(ctx, tx, loc, clean); err != nil {
		return nil, nil, err
	}
	if t.SourceVersion, err = putTranslatedFields(ctx, tx, t, liveSource(r, atts[r.ID]), clean, cv, in.only); err != nil {
		return nil, nil, err
	}
	if err := search.IndexTranslation(ctx, tx, t.ReportID, t.Locale); err != nil { // searchable in the newsroom at once
		return nil, nil, err
	}
	if t.Status == editorial.TranslationApproved { // the demo loader's
		if err := published.TranslationApproved(ctx, tx, t.ReportID, t.Locale); err != nil {
			return nil, nil, err
		}
	}
	return t, cur, nil
}

// translatedAttendees validates the attendee roles and notes of in
// against the report's attendees atts, for translation into loc.
func translatedAttendees(in UpsertTranslationInput, loc string, atts []*editorial.Attendee) ([]editorial.AttendeeTranslation, error) {
	own := map[int64]bool{}
	for _, a := range atts {
		own[a.ID] = true
	}
	clean := make([]editorial.AttendeeTranslation, len(in.Attendees))
	var err error
	for i, a := range in.Attendees {
		field := editorial.Path("input.attendees", i)
		if !own[a.AttendeeID] {
			return nil, cerr.FieldErrorf(cerr.NotFound, field+".attendeeId", "This attendee is not on the report.")
		}
		if slices.IndexFunc(in.Attendees[:i], func(b editorial.AttendeeTranslation) bool { return b.AttendeeID == a.AttendeeID }) >= 0 {
			return nil, cerr.FieldErrorf(cerr.Invalid, field+".attendeeId", "This attendee is listed twice.")
		}
		clean[i] = editorial.AttendeeTranslation{AttendeeID: a.AttendeeID, Locale: loc}
		if clean[i].Role, err = editorial.OptionalText(field+".role", "role", a.Role, editorial.MaxRole); err != nil {
			return nil, err
		}
		if clean[i].Note, err = editorial.OptionalText(field+".note", "note", a.Note, editorial.MaxNote); err != nil {
			return nil, err
		}
	}
	return clean, nil
}

// putTranslatedFields records every field of t and atts written as
// translated from the source src at content version cv (only, when set,
// limits that to the fields it names; see UpsertTranslationInput.only); a
// field with no text on either side has nothing to remember. It returns
// the translation's source version.
func putTranslatedFields(ctx context.Context, tx *postgres.Tx, t *editorial.Translation, src *editorial.Snapshot, atts []editorial.AttendeeTranslation, cv int, only map[string]bool) (int, error) {
	written := map[string]*string{fieldTitle: &t.Title, fieldSubtitle: t.Subtitle, fieldSummary: t.Summary, fieldBody: &t.Body}
	for _, a := range atts {
		written[attendeeFieldName(a.AttendeeID, kindRole)] = a.Role
		written[attendeeFieldName(a.AttendeeID, kindNote)] = a.Note
	}
	var put, drop []string
	for _, f := range slices.Sorted(maps.Keys(written)) {
		if hasText(written[f]) && fieldText(src, f) != nil {
			if only == nil || only[f] {
				put = append(put, f)
			}
		} else if only == nil || only[f] || !hasText(written[f]) {
			drop = append(drop, f)
		}
	}
	return postgres.PutTranslationFields(ctx, tx, translationKey(t), put, cv, drop)
}

// lockForTranslation starts a change to the translation of report
// reportID into locale: it locks the report (NOT_FOUND on input.reportId),
// canonicalises the locale (BAD_USER_INPUT on input.locale) and, unless
// action is empty (the caller authorizes itself), checks that the viewer
// may do action on that translation.
func lockForTranslation(ctx context.Context, tx *postgres.Tx, v *auth.Viewer, action auth.Action, reportID int64, locale string) (*editorial.Report, string, error) {
	r, err := reports.Lock(ctx, tx, "input.reportId", reportID)
	if err != nil {
		return nil, "", err
	}
	loc, err := editorial.CanonicalLocale("input.locale", locale)
	if err != nil {
		return nil, "", err
	}
	if action != "" {
		if err := auth.Check(v, action, translationResource(r, loc)); err != nil {
			return nil, "", err
		}
	}
	return r, loc, nil
}

// notSourceLocale refuses a translation into the report's own locale.
func notSourceLocale(r *editorial.Report, loc string) error {
	if loc == r.SourceLocale {
		return cerr.FieldErrorf(cerr.Invalid, "input.locale", "The report is written in %s; a translation must be into another locale.", loc)
	}
	return nil
}

// translationConflict is the CONFLICT of a stale expectedVersion.
func translationConflict(loc string, expected, current int) error {
	return cerr.FieldErrorf(cerr.Conflict, "input.expectedVersion", "The %s translation was changed by someone else: you edited version %d, it is now at version %d.",
		loc, expected, current).WithDetail("currentVersion", current)
}

// translationResource is what the policy needs to know about a report's
// translation into loc before the translation is read.
func translationResource(r *editorial.Report, loc string) auth.Resource {
	return workflow.TranslationResource(workflow.TranslationSubject{Report: r, Locale: loc}, workflow.TranslationFacts{})
}

func translationKey(t *editorial.Translation) editorial.TranslationKey {
	return editorial.TranslationKey{ReportID: t.ReportID, Locale: t.Locale}
}

// translationEntry is the audit entry of a change to a translation from
// before (nil: it did not exist) to after (nil: it was deleted).
func translationEntry(action string, before, after *editorial.Translation) *audit.Entry {
	t := after
	if t == nil {
		t = before
	}
	e := &audit.Entry{Action: action, SubjectType: "ReportTranslation", SubjectKey: fmt.Sprintf("%d:%s", t.ReportID, t.Locale), ReportID: &t.ReportID}
	if before != nil {
		e.Before = map[string]any{"status": before.Status, "version": before.Version}
	}
	if after != nil {
		e.After = map[string]any{"status": after.Status, "version": after.Version}
	}
	return e
}
