package translation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/xliff"
)

// Exchange with translation agencies: XLIFF 2.0 export and import.
//
// An export holds, per report, one unit per field whose source has text
// (see package xliff for the unit names), with the source text as it is
// now, the existing translation as target, and the report's content
// version as the file's source revision. Unit states tell the agency what
// to do: "initial" for a field with no translation or a stale one, "final"
// for a current field of an APPROVED translation, "translated" otherwise.
//
// An import is all or nothing. Each file must name a report the viewer may
// translate into the document's target locale, in the document's source
// locale; each unit's source text must still be the report's source text
// for that field, and the translation must still be at the version the
// export recorded (metadata translationVersion; not checked when a tool
// dropped it). Otherwise the import is refused with one CONFLICT whose
// changedFields lists every changed source field as "<file id>/<unit id>"
// and every translation edited meanwhile as "<file id>/translation" (of
// every file), so the agency can re-export just those reports. Units in state "initial" or with an empty target are
// skipped (they keep what the translation had); the others are written and
// count as translated from the current source. An imported translation is
// IN_PROGRESS, like any edited one: review stays in copydesk.

// ExportXLIFF returns an XLIFF 2.0 document with the reports reportIDs (in
// that order, duplicates dropped) for translation into locale. All reports
// must share one source locale (a document is one language pair). One query
// per kind of data, whatever the number of reports.
func (s *Service) ExportXLIFF(ctx context.Context, reportIDs []int64, locale string) ([]byte, error) {
	v, err := auth.Gate(ctx)
	if err != nil {
		return nil, err
	}
	ids := uniqueIDs(reportIDs)
	if len(ids) == 0 || len(ids) > editorial.MaxXLIFFReports {
		return nil, cerr.FieldErrorf(cerr.Invalid, "input.reportIds", "Export 1 to %d reports at a time (got %d).", editorial.MaxXLIFFReports, len(ids))
	}
	loc, err := editorial.CanonicalLocale("input.locale", locale)
	if err != nil {
		return nil, err
	}
	reports, err := postgres.ReportsByIDs(ctx, s.DB, ids)
	if err != nil {
		return nil, err
	}
	doc := xliff.Document{TrgLang: loc}
	keys := make([]editorial.TranslationKey, len(ids))
	for i, id := range ids {
		field := editorial.Path("input.reportIds", i)
		r := reports[id]
		if r == nil {
			return nil, cerr.FieldErrorf(cerr.NotFound, field, "Report not found.")
		}
		if err := auth.Check(v, auth.EditTranslation, translationResource(r, loc)); err != nil {
			return nil, err
		}
		switch {
		case r.SourceLocale == loc:
			return nil, cerr.FieldErrorf(cerr.Invalid, field, "Report %q is written in %s; export it into another locale.", r.Slug, loc)
		case i > 0 && r.SourceLocale != doc.SrcLang:
			return nil, cerr.FieldErrorf(cerr.Invalid, field, "Report %q is written in %s, the reports before it in %s: an XLIFF document holds one language pair, so export them separately.",
				r.Slug, r.SourceLocale, doc.SrcLang)
		}
		doc.SrcLang = r.SourceLocale
		keys[i] = editorial.TranslationKey{ReportID: id, Locale: loc}
	}
	atts, err := postgres.AttendeesByReportIDs(ctx, s.DB, ids)
	if err != nil {
		return nil, err
	}
	d, err := readTranslations(ctx, s.DB, keys)
	if err != nil {
		return nil, err
	}
	states, err := d.states(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	for i, id := range ids {
		doc.Files = append(doc.Files, xliffFile(liveSource(reports[id], atts[id]), d, keys[i], states[keys[i]]))
	}
	out, err := xliff.Marshal(doc)
	if err != nil {
		// Stored text may hold characters XML 1.0 cannot carry (a form
		// feed pasted into a body): say which report, not INTERNAL.
		var xe *xliff.Error
		if errors.As(err, &xe) {
			return nil, cerr.FieldErrorf(cerr.Invalid, "input.reportIds", "Report %s cannot be exported to XLIFF: %s.", xe.File, strings.TrimPrefix(xe.Error(), "xliff: "))
		}
		return nil, fmt.Errorf("export XLIFF: %w", err)
	}
	// A document the import would refuse is of no use to an agency.
	if len(out) > xliff.DefaultMaxBytes {
		return nil, cerr.FieldErrorf(cerr.Invalid, "input.reportIds", "The document would be %d MiB, more than an import accepts (%d MiB): export fewer reports at a time.",
			(len(out)+1<<20-1)>>20, xliff.DefaultMaxBytes>>20)
	}
	return out, nil
}

// xliffFile is the file of an export for the translation with key (read
// in d, with its state st): one unit per field of the report's source src
// with text.
func xliffFile(src *editorial.Snapshot, d *translationData, key editorial.TranslationKey, st *State) xliff.File {
	id := key.ReportID
	f := xliff.File{ID: xliffFileID(id), ReportID: id, SourceRevision: d.srcs[id].ContentVersion, TranslationVersion: new(int)}
	f.Original = xliff.OriginalFor(id, f.SourceRevision)
	t := d.trs[key]
	var target *editorial.Snapshot
	if t != nil {
		*f.TranslationVersion = t.Version
		target = translationText(t, d.atts[key])
	}
	for _, field := range sourceFields(src) {
		u := xliff.Unit{ID: field, Source: *fieldText(src, field), State: xliff.StateInitial}
		if target != nil {
			if p := fieldText(target, field); p != nil {
				u.Target = *p
				u.State = unitState(t.Status, st, field)
			}
		}
		f.Units = append(f.Units, u)
	}
	return f
}

// ImportXLIFF saves the translations in an XLIFF 2 document (see the
// comment at the top of this file). It returns them in file order. One
// audit entry, "translation.importXliff".
func (s *Service) ImportXLIFF(ctx context.Context, document []byte) ([]*editorial.Translation, error) {
	v, err := auth.Gate(ctx)
	if err != nil {
		return nil, err
	}
	doc, err := xliff.Unmarshal(document, xliff.Limits{})
	if err != nil {
		var xe *xliff.Error
		if errors.As(err, &xe) {
			return nil, cerr.FieldErrorf(cerr.Invalid, "input.document", "The XLIFF document was refused: %s.", strings.TrimPrefix(xe.Error(), "xliff: "))
		}
		return nil, err
	}
	var out []*editorial.Translation
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		out = nil
		var changed []string
		var current int
		for _, f := range doc.Files {
			in, stale, cv, err := importFile(ctx, tx, v, doc, f)
			if err != nil {
				return err
			}
			if len(stale) > 0 {
				changed, current = append(changed, stale...), cv
				continue
			}
			if changed != nil || in == nil {
				continue // the import fails; no need to write
			}
			t, _, err := upsertTranslation(ctx, tx, v, *in)
			if err != nil {
				return fileError(f, err)
			}
			out = append(out, t)
		}
		if changed != nil {
			e := cerr.FieldErrorf(cerr.Conflict, "input.document",
				"The report changed since the document was exported, in %d place(s): %s (a field name is a source field whose text changed; \"translation\" means the translation was edited in copydesk meanwhile). Export those reports again; nothing was imported.",
				len(changed), strings.Join(changed, ", ")).WithDetail("changedFields", changed)
			if len(doc.Files) == 1 {
				e.WithDetail("currentVersion", current)
			}
			return e
		}
		if len(out) == 0 {
			return cerr.FieldErrorf(cerr.Invalid, "input.document", "The document has no translated unit (every target is empty or in state %q); nothing to import.", xliff.StateInitial)
		}
		return nil
	}, func() *audit.Entry {
		keys := make([]string, len(out))
		for i, t := range out {
			keys[i] = fmt.Sprintf("%d:%s", t.ReportID, t.Locale)
		}
		e := &audit.Entry{Action: "translation.importXliff", SubjectType: "ReportTranslation", SubjectKey: strings.Join(keys, ",")}
		if len(out) == 1 {
			e.ReportID = &out[0].ReportID
		}
		e.Detail = map[string]any{"files": len(out), "locale": doc.TrgLang}
		return e
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// importFile checks one file of an import against its report and returns
// the translation to write: the existing one with the file's translated
// units put in, and in.only naming those units. When the source changed
// since the export it returns instead the fields concerned, as
// "<file id>/<unit id>", and the report's content version. in is nil when
// the file translates nothing.
func importFile(ctx context.Context, tx *postgres.Tx, v *auth.Viewer, doc xliff.Document, f xliff.File) (in *UpsertTranslationInput, stale []string, cv int, err error) {
	r, err := postgres.LockReport(ctx, tx, f.ReportID)
	if cerr.Is(err, cerr.NotFound) {
		return nil, nil, 0, cerr.FieldErrorf(cerr.NotFound, "input.document", "File %s is for report %d, which does not exist here.", f.ID, f.ReportID)
	}
	if err != nil {
		return nil, nil, 0, err
	}
	if err := auth.Check(v, auth.EditTranslation, translationResource(r, doc.TrgLang)); err != nil {
		return nil, nil, 0, err
	}
	switch {
	case r.SourceLocale != doc.SrcLang:
		return nil, nil, 0, cerr.FieldErrorf(cerr.Invalid, "input.document", "File %s translates from %s, but report %q is written in %s: is it the right file?", f.ID, doc.SrcLang, r.Slug, r.SourceLocale)
	}
	srcs, err := postgres.TranslationSources(ctx, tx, []int64{r.ID})
	if err != nil {
		return nil, nil, 0, err
	}
	cv = srcs[r.ID].ContentVersion
	if f.SourceRevision > cv {
		return nil, nil, 0, cerr.FieldErrorf(cerr.Invalid, "input.document", "File %s was made from version %d of report %q, which is only at version %d: was it exported from another copydesk?",
			f.ID, f.SourceRevision, r.Slug, cv)
	}
	atts, err := postgres.AttendeesByReportIDs(ctx, tx, []int64{r.ID})
	if err != nil {
		return nil, nil, 0, err
	}
	key := editorial.TranslationKey{ReportID: r.ID, Locale: doc.TrgLang}
	trs, err := postgres.TranslationsByKeys(ctx, tx, []editorial.TranslationKey{key})
	if err != nil {
		return nil, nil, 0, err
	}
	if stale = changedSinceExport(f, liveSource(r, atts[r.ID]), trs[key]); len(stale) > 0 {
		return nil, stale, cv, nil
	}

	attTrs, err := postgres.AttendeeTranslationsByKeys(ctx, tx, []editorial.TranslationKey{key})
	if err != nil {
		return nil, nil, 0, err
	}
	in = &UpsertTranslationInput{ReportID: r.ID, Locale: doc.TrgLang, only: map[string]bool{}}
	byAttendee := map[int64]*editorial.AttendeeTranslation{}
	if t := trs[key]; t != nil {
		in.ExpectedVersion = &t.Version
		in.Title, in.Subtitle, in.Summary, in.Body = t.Title, t.Subtitle, t.Summary, t.Body
	}
	for _, a := range attTrs[key] {
		byAttendee[a.AttendeeID] = &editorial.AttendeeTranslation{AttendeeID: a.AttendeeID, Role: a.Role, Note: a.Note}
	}
	putUnits(in, byAttendee, f.Units)
	if len(in.only) == 0 {
		return nil, nil, cv, nil
	}
	if in.ExpectedVersion == nil && strings.TrimSpace(in.Title) == "" {
		return nil, nil, 0, cerr.FieldErrorf(cerr.Invalid, "input.document", "File %s has no translated title and report %q has no %s translation yet: a translation needs a title.", f.ID, r.Slug, doc.TrgLang)
	}
	in.Attendees = []editorial.AttendeeTranslation{}
	for _, a := range atts[r.ID] {
		if t := byAttendee[a.ID]; t != nil {
			in.Attendees = append(in.Attendees, *t)
		}
	}
	return in, nil, cv, nil
}

// changedSinceExport lists what changed since file f of an import was
// exported, as "<file id>/<unit id>" for a unit whose source text is not
// the report's source src now, and "<file id>/translation" when the
// translation t (nil: none) was edited in copydesk meanwhile (the import
// would overwrite that work unseen).
func changedSinceExport(f xliff.File, src *editorial.Snapshot, t *editorial.Translation) []string {
	var stale []string
	for _, u := range f.Units {
		if now := fieldText(src, u.ID); now == nil || *now != u.Source {
			stale = append(stale, f.ID+"/"+u.ID)
		}
	}
	if f.TranslationVersion != nil {
		now := 0
		if t != nil {
			now = t.Version
		}
		if now != *f.TranslationVersion {
			stale = append(stale, f.ID+"/translation")
		}
	}
	return stale
}

// putUnits writes the translated units of an import (not "initial", with a
// target) into in, the attendees' into byAttendee, and names them in
// in.only. Every unit's ID is a field of the source (changedSinceExport
// checked).
func putUnits(in *UpsertTranslationInput, byAttendee map[int64]*editorial.AttendeeTranslation, units []xliff.Unit) {
	for _, u := range units {
		if u.Target == "" || u.State == xliff.StateInitial {
			continue
		}
		in.only[u.ID] = true
		text := u.Target
		switch u.ID {
		case fieldTitle:
			in.Title = text
		case fieldSubtitle:
			in.Subtitle = &text
		case fieldSummary:
			in.Summary = &text
		case fieldBody:
			in.Body = text
		default:
			id, kind, _ := parseAttendeeField(u.ID) // fieldText found it
			a := byAttendee[id]
			if a == nil {
				a = &editorial.AttendeeTranslation{AttendeeID: id}
				byAttendee[id] = a
			}
			if kind == kindRole {
				a.Role = &text
			} else {
				a.Note = &text
			}
		}
	}
}

// fileError says which file of an import a validation error came from.
func fileError(f xliff.File, err error) error {
	e := cerr.As(err)
	if e == nil {
		return err
	}
	return cerr.FieldErrorf(e.Code, "input.document", "File %s: %s", f.ID, e.Message)
}

// translationText is a translation as a snapshot, so that fieldText reads
// its fields by name.
func translationText(t *editorial.Translation, atts []*editorial.AttendeeTranslation) *editorial.Snapshot {
	s := &editorial.Snapshot{Title: t.Title, Subtitle: t.Subtitle, Summary: t.Summary, Body: t.Body}
	for _, a := range atts {
		s.Attendees = append(s.Attendees, editorial.SnapshotAttendee{ID: a.AttendeeID, Role: a.Role, Note: a.Note})
	}
	return s
}

// sourceFields lists the fields of source s that have text, in schema
// order: title, subtitle, summary, body, then each attendee's role and note.
func sourceFields(s *editorial.Snapshot) []string {
	var out []string
	for _, f := range []string{fieldTitle, fieldSubtitle, fieldSummary, fieldBody} {
		if fieldText(s, f) != nil {
			out = append(out, f)
		}
	}
	for _, a := range s.Attendees {
		for _, kind := range []string{kindRole, kindNote} {
			if f := attendeeFieldName(a.ID, kind); fieldText(s, f) != nil {
				out = append(out, f)
			}
		}
	}
	return out
}

// unitState is the XLIFF state of a translated field.
func unitState(status editorial.TranslationStatus, st *State, field string) string {
	if st != nil && slices.ContainsFunc(st.StaleFields, func(f StaleField) bool { return f.Field == field }) {
		return xliff.StateInitial
	}
	if status == editorial.TranslationApproved {
		return xliff.StateFinal
	}
	return xliff.StateTranslated
}

// xliffFileID is the <file> id of a report in an export.
func xliffFileID(reportID int64) string { return fmt.Sprintf("report-%d", reportID) }

// uniqueIDs returns ids without duplicates, in first-seen order.
func uniqueIDs(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
