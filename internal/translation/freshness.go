package translation

import (
	"cmp"
	"context"
	"maps"
	"slices"

	"github.com/jmoiron/sqlx"

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
// "attendees.<attendeeID>.note" (fields.go). A field is stale when its
// source text in the revision of that version differs from the source text
// now; a translation is current when no field is stale and every source
// field with text has translated text. Only UpsertTranslation (translating
// a field) and ConfirmTranslationFields (confirming it is still right) make
// a stale field current. A change to the source changes no status: an
// APPROVED translation that became stale stays APPROVED (and stale) — the
// public still reads it (approved translations only), the newsroom sees
// both.

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
