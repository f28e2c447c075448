package translation

import (
	"strconv"

	"github.com/copydesk/copydesk/internal/editorial"
)

// Reading a report in another locale: which text a reader of a locale
// gets. chain is the locales to try, best first, ending with the report's
// source locale (locale.Fallbacks.For); translations are those the reader
// may see (the public: approved ones only, as storage reads them).

// FieldSource says which locale a localized field's text came from.
type FieldSource struct {
	Field  string // title, subtitle, summary, body; attendees.<position>.role|note
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

// LocalizeAttendees returns copies of attendees whose role and note each
// come, as Localize's fields do, from the first locale along chain whose
// translation has text for it; a role or note the source has no text for
// is left as it is (an attendee without a role in the source keeps none).
// byLocale holds each chain locale's attendee translations; chain ends with
// the source locale, as for Localize.
//
// It also returns where each role and note came from, as
// "attendees.<position>.role" and "attendees.<position>.note" (the
// position is the attendee's in the report's list, which is how a reader
// of the report finds it), for every role and note the source has.
func LocalizeAttendees(attendees []*editorial.Attendee, byLocale map[string][]*editorial.AttendeeTranslation, chain []string) ([]*editorial.Attendee, []FieldSource) {
	index := make(map[string]map[int64]*editorial.AttendeeTranslation, len(byLocale))
	for l, list := range byLocale {
		m := make(map[int64]*editorial.AttendeeTranslation, len(list))
		for _, t := range list {
			m[t.AttendeeID] = t
		}
		index[l] = m
	}
	source := ""
	if len(chain) > 0 {
		source = chain[len(chain)-1]
	}
	out := make([]*editorial.Attendee, len(attendees))
	var from []FieldSource
	for i, a := range attendees {
		cp := *a
		pick := func(kind string, text *string, get func(*editorial.AttendeeTranslation) *string, set func(*string)) {
			if !hasText(text) {
				return // nothing to translate
			}
			loc := source
			for _, l := range chain {
				if l == source {
					break
				}
				if t := index[l][a.ID]; t != nil && hasText(get(t)) {
					set(get(t))
					loc = l
					break
				}
			}
			from = append(from, FieldSource{Field: PositionField(a.Position, kind), Locale: loc})
		}
		pick("role", a.Role, func(t *editorial.AttendeeTranslation) *string { return t.Role }, func(v *string) { cp.Role = v })
		pick("note", a.Note, func(t *editorial.AttendeeTranslation) *string { return t.Note }, func(v *string) { cp.Note = v })
		out[i] = &cp
	}
	return out, from
}

// PositionField names an attendee's role or note (kind) by the attendee's
// position in the report's list, as a reader of the report sees it:
// "attendees.3.role". (Translations name them by attendee ID instead,
// which survives reordering: attendeeFieldName.)
func PositionField(position int, kind string) string {
	return "attendees." + strconv.Itoa(position) + "." + kind
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
