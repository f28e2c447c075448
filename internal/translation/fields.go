package translation

import (
	"slices"
	"strconv"
	"strings"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
)

// Translatable field names.
const (
	fieldTitle    = "title"
	fieldSubtitle = "subtitle"
	fieldSummary  = "summary"
	fieldBody     = "body"
	kindRole      = "role"
	kindNote      = "note"
)

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
