package translation_test

import (
	"fmt"
	"testing"

	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/testkit"
	"github.com/copydesk/copydesk/internal/translation"
)

// Which text a reader of a locale gets: field by field, the first
// translation along the chain with text, else the source; a field the
// source leaves empty stays empty whatever translations say.
func TestLocalize(t *testing.T) {
	rep := &editorial.Report{SourceLocale: "en", Title: "Forum opens", Summary: testkit.Ptr("A forum."), Body: "The forum opened.", WordCount: 3}
	hans := &editorial.Translation{Locale: "zh-Hans", Title: "论坛开幕", Body: "论坛开幕了。", Subtitle: testkit.Ptr("副标题")}
	hant := &editorial.Translation{Locale: "zh-Hant", Title: "論壇開幕"}
	for _, c := range []struct {
		name  string
		chain []string
		want  editorial.Report
		from  []translation.FieldSource
	}{
		{"source only", []string{"en"}, *rep,
			[]translation.FieldSource{{"title", "en"}, {"summary", "en"}, {"body", "en"}}},
		{"zh-Hant, falling back to zh-Hans, then the source", []string{"zh-Hant", "zh-Hans", "en"},
			editorial.Report{SourceLocale: "en", Title: "論壇開幕", Summary: testkit.Ptr("A forum."), Body: "论坛开幕了。"},
			[]translation.FieldSource{{"title", "zh-Hant"}, {"summary", "en"}, {"body", "zh-Hans"}}},
		{"a locale with no translation", []string{"fr", "en"}, *rep,
			[]translation.FieldSource{{"title", "en"}, {"summary", "en"}, {"body", "en"}}},
	} {
		got, from := translation.Localize(rep, []*editorial.Translation{hans, hant}, c.chain)
		testkit.Diff(t, c.name+": report", c.want, *got)
		testkit.Diff(t, c.name+": field sources", c.from, from)
	}
	if rep.Title != "Forum opens" {
		t.Error("Localize changed the report it was given")
	}
}

func TestLocalizeAttendees(t *testing.T) {
	chair := &editorial.Attendee{ID: 1, Position: 0, Role: testkit.Ptr("Chair"), Note: testkit.Ptr("Opened the forum.")}
	guest := &editorial.Attendee{ID: 2, Position: 1}
	speaker := &editorial.Attendee{ID: 3, Position: 2, Role: testkit.Ptr("Speaker")}
	host := &editorial.Attendee{ID: 4, Position: 3, Role: testkit.Ptr("Host"), Note: testkit.Ptr("Welcomed the guests.")}
	delegation := &editorial.Attendee{ID: 5, Position: 4, Note: testkit.Ptr("Exchanged ideas.")}
	byLocale := map[string][]*editorial.AttendeeTranslation{
		"zh-Hant": {{AttendeeID: 1, Role: testkit.Ptr("主席")}},
		"zh-Hans": {{AttendeeID: 1, Role: testkit.Ptr("主席"), Note: testkit.Ptr("主持开幕。")}, {AttendeeID: 2, Role: testkit.Ptr("嘉宾")}, {AttendeeID: 3, Role: testkit.Ptr("发言人"), Note: testkit.Ptr("发言。")}, {AttendeeID: 5, Note: testkit.Ptr("交流了意见。")}},
	}
	got, from := translation.LocalizeAttendees([]*editorial.Attendee{chair, guest, speaker, host, delegation}, byLocale, []string{"zh-Hant", "zh-Hans", "en"})
	roles := func(a *editorial.Attendee) [2]string { return [2]string{deref(a.Role), deref(a.Note)} }
	// Role and note each from the first locale with text for it; none
	// where the source has none (the guest's role, the speaker's note).
	want := [][2]string{{"主席", "主持开幕。"}, {"", ""}, {"发言人", ""}, {"Host", "Welcomed the guests."}, {"", "交流了意见。"}}
	for i, a := range got {
		if roles(a) != want[i] {
			t.Errorf("attendee %d: %q, want %q", i+1, roles(a), want[i])
		}
	}
	// Where each role and note came from, by position: the chair's role
	// from zh-Hant, its note from zh-Hans (zh-Hant has none); nothing for
	// what the source lacks.
	wantFrom := []translation.FieldSource{
		{Field: "attendees.0.role", Locale: "zh-Hant"}, {Field: "attendees.0.note", Locale: "zh-Hans"},
		{Field: "attendees.2.role", Locale: "zh-Hans"},
		{Field: "attendees.3.role", Locale: "en"}, {Field: "attendees.3.note", Locale: "en"},
		{Field: "attendees.4.note", Locale: "zh-Hans"},
	}
	if fmt.Sprint(from) != fmt.Sprint(wantFrom) {
		t.Errorf("sources:\n got %v\nwant %v", from, wantFrom)
	}
	if *chair.Role != "Chair" {
		t.Error("LocalizeAttendees changed an attendee it was given")
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
