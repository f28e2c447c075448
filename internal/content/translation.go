package content

import (
	"context"
	"fmt"
	"slices"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
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
	Attendees       []editorial.AttendeeTranslation
	// Status lets the demo loader create approved translations; the API leaves it empty (IN_PROGRESS).
	Status editorial.TranslationStatus
}

// UpsertTranslation saves a translation. It records the report version it was
// made from. Creating over an existing translation, or updating with a stale
// ExpectedVersion, fails with CONFLICT.
func (s *Service) UpsertTranslation(ctx context.Context, in UpsertTranslationInput) (*editorial.Translation, error) {
	v, err := gate(ctx)
	if err != nil {
		return nil, err
	}
	var out *editorial.Translation
	err = s.write(ctx, func(tx *postgres.Tx) error {
		r, err := lockReport(ctx, tx, "input.reportId", in.ReportID)
		if err != nil {
			return err
		}
		loc, err := canonicalLocale("input.locale", in.Locale)
		if err != nil {
			return err
		}
		res := reportResource(r)
		res.Locale = loc
		if err := auth.Check(v, auth.EditTranslation, res); err != nil {
			return err
		}
		if loc == r.SourceLocale {
			return cerr.FieldErrorf(cerr.Invalid, "input.locale", "The report is written in %s; a translation must be into another locale.", loc)
		}
		cur, err := postgres.LockTranslation(ctx, tx, r.ID, loc)
		if err != nil {
			return err
		}
		switch {
		case cur == nil && in.ExpectedVersion != nil:
			return cerr.FieldErrorf(cerr.NotFound, "input.expectedVersion", "The report has no %s translation yet; omit expectedVersion to create it.", loc)
		case cur != nil && in.ExpectedVersion == nil:
			return cerr.FieldErrorf(cerr.Conflict, "input.expectedVersion", "The report already has a %s translation (version %d); send expectedVersion to update it.", loc, cur.Version).WithDetail("currentVersion", cur.Version)
		case cur != nil && *in.ExpectedVersion != cur.Version:
			return cerr.FieldErrorf(cerr.Conflict, "input.expectedVersion", "The %s translation was changed by someone else: you edited version %d, it is now at version %d.", loc, *in.ExpectedVersion, cur.Version).WithDetail("currentVersion", cur.Version)
		}
		t := &editorial.Translation{ReportID: r.ID, Locale: loc, SourceVersion: r.Version, Status: editorial.TranslationInProgress}
		if in.Status != "" {
			t.Status = in.Status
		}
		if t.Title, err = requiredText("input.title", "title", in.Title, editorial.MaxTitle); err != nil {
			return err
		}
		tmp := &editorial.Report{}
		if err := applyTexts(tmp, nil, in.Subtitle, in.Summary, &in.Body); err != nil {
			return err
		}
		t.Subtitle, t.Summary, t.Body = tmp.Subtitle, tmp.Summary, tmp.Body
		if err := postgres.UpsertTranslation(ctx, tx, t); err != nil {
			return err
		}
		atts, err := postgres.AttendeesByReportIDs(ctx, tx, []int64{r.ID})
		if err != nil {
			return err
		}
		own := map[int64]bool{}
		for _, a := range atts[r.ID] {
			own[a.ID] = true
		}
		clean := make([]editorial.AttendeeTranslation, len(in.Attendees))
		for i, a := range in.Attendees {
			field := path("input.attendees", i)
			if !own[a.AttendeeID] {
				return cerr.FieldErrorf(cerr.NotFound, field+".attendeeId", "This attendee is not on the report.")
			}
			if slices.IndexFunc(in.Attendees[:i], func(b editorial.AttendeeTranslation) bool { return b.AttendeeID == a.AttendeeID }) >= 0 {
				return cerr.FieldErrorf(cerr.Invalid, field+".attendeeId", "This attendee is listed twice.")
			}
			clean[i] = editorial.AttendeeTranslation{AttendeeID: a.AttendeeID, Locale: loc}
			if clean[i].Role, err = optionalText(field+".role", "role", a.Role, editorial.MaxRole); err != nil {
				return err
			}
			if clean[i].Note, err = optionalText(field+".note", "note", a.Note, editorial.MaxNote); err != nil {
				return err
			}
		}
		if err := postgres.UpsertAttendeeTranslations(ctx, tx, loc, clean); err != nil {
			return err
		}
		out = t
		return nil
	}, func() *audit.Entry {
		return &audit.Entry{Action: "translation.upsert", SubjectType: "ReportTranslation", SubjectKey: fmt.Sprintf("%d:%s", out.ReportID, out.Locale),
			ReportID: &out.ReportID, After: map[string]any{"status": out.Status, "version": out.Version}}
	})
	return out, err
}
