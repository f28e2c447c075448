package translation

import (
	"github.com/copydesk/copydesk/internal/editorial"
)

// Reading a report in another locale: which text a reader of a locale
// gets. chain is the locales to try, best first, ending with the report's
// source locale (locale.Fallbacks.For); translations are those the reader
// may see (the public: approved ones only, as storage reads them).

// FieldSource says which locale a localized field's text came from.
type FieldSource struct {
	Field  string // title, subtitle, summary, body
	Locale string
}

// Localize returns a copy of rep whose title, subtitle, summary and body
// each come from the first translation along chain with text for that
// field, and where each came from. A field the source has no text for is
// left as it is and not reported. The copy's WordCount is 0 when its body
// came from a translation (callers count words on demand).
func Localize(rep *editorial.Report, translations []*editorial.Translation, chain []string) (*editorial.Report, []FieldSource) {
	cp := *rep
	var from []FieldSource
	pick := func(field string, source *string, get func(*editorial.Translation) *string, set func(string)) {
		if !hasText(source) {
			return // nothing to translate
		}
		for _, l := range chain {
			if l == rep.SourceLocale {
				break
			}
			if t := TranslationIn(translations, l); t != nil {
				if v := get(t); hasText(v) {
					set(*v)
					from = append(from, FieldSource{Field: field, Locale: l})
					return
				}
			}
		}
		from = append(from, FieldSource{Field: field, Locale: rep.SourceLocale})
	}
	pick(fieldTitle, &rep.Title, func(t *editorial.Translation) *string { return &t.Title }, func(v string) { cp.Title = v })
	pick(fieldSubtitle, rep.Subtitle, func(t *editorial.Translation) *string { return t.Subtitle }, func(v string) { cp.Subtitle = &v })
	pick(fieldSummary, rep.Summary, func(t *editorial.Translation) *string { return t.Summary }, func(v string) { cp.Summary = &v })
	pick(fieldBody, &rep.Body, func(t *editorial.Translation) *string { return &t.Body }, func(v string) { cp.Body, cp.WordCount = v, 0 })
	return &cp, from
}

// LocalizeAttendees returns copies of attendees whose role (and note, when
// translated too) come from the first locale along chain with a translated
// role; an attendee without a role in the source keeps none. byLocale holds
// each chain locale's attendee translations.
func LocalizeAttendees(attendees []*editorial.Attendee, byLocale map[string][]*editorial.AttendeeTranslation, chain []string) []*editorial.Attendee {
	index := make(map[string]map[int64]*editorial.AttendeeTranslation, len(byLocale))
	for l, list := range byLocale {
		m := make(map[int64]*editorial.AttendeeTranslation, len(list))
		for _, t := range list {
			m[t.AttendeeID] = t
		}
		index[l] = m
	}
	out := make([]*editorial.Attendee, len(attendees))
	for i, a := range attendees {
		cp := *a
		for _, l := range chain {
			if t := index[l][a.ID]; t != nil && hasText(t.Role) && a.Role != nil {
				cp.Role = t.Role
				if hasText(t.Note) {
					cp.Note = t.Note
				}
				break
			}
		}
		out[i] = &cp
	}
	return out
}

// TranslationIn returns the translation into locale in list, or nil.
func TranslationIn(list []*editorial.Translation, locale string) *editorial.Translation {
	for _, t := range list {
		if t.Locale == locale {
			return t
		}
	}
	return nil
}
