package content_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/content"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
)

func TestUpsertTranslation(t *testing.T) {
	t.Parallel()
	ctx := asSystem(t)
	n := newNewsroom(t)
	svc, db := n.svc, n.db
	r := n.report(t, content.CreateReportInput{Title: "Forum opens", Body: "The forum opened.", Attendees: []content.AttendeeInput{
		{PersonID: &n.wang.ID, Role: ptr("Mayor"), Participations: parts("SPEECH")},
		{OrganizationID: &n.ccpit.ID, Participations: parts("HOSTED")},
	}})
	atts := attendeesOf(t, db, r.ID)
	wang, ccpit := atts[0], atts[1]
	other := n.report(t, content.CreateReportInput{Title: "Elsewhere", Attendees: []content.AttendeeInput{{PersonID: &n.liu.ID, Participations: parts("ATTENDED")}}})
	foreign := attendeesOf(t, db, other.ID)[0]

	stored := func(t *testing.T, locale string) *editorial.Translation {
		t.Helper()
		for _, tr := range of(postgres.TranslationsByReportIDs(ctx, db, postgres.Newsroom, []int64{r.ID})).ok(t)[r.ID] {
			if tr.Locale == locale {
				return tr
			}
		}
		t.Fatalf("no %s translation stored", locale)
		return nil
	}
	roles := func(t *testing.T, locale string) map[int64]editorial.AttendeeTranslation {
		t.Helper()
		key := postgres.TranslationKey{ReportID: r.ID, Locale: locale}
		out := map[int64]editorial.AttendeeTranslation{}
		for _, a := range of(postgres.AttendeeTranslationsByKeys(ctx, db, []postgres.TranslationKey{key})).ok(t)[key] {
			out[a.AttendeeID] = *a
		}
		return out
	}

	t.Run("OKCreate", func(t *testing.T) {
		got := of(svc.UpsertTranslation(ctx, content.UpsertTranslationInput{ReportID: r.ID, Locale: "zh-hans",
			Title: " 论坛开幕 ", Subtitle: ptr("第一天"), Summary: ptr("  "), Body: "论坛开幕了。"})).ok(t)
		utc := func(tr editorial.Translation) editorial.Translation {
			tr.CreatedAt, tr.UpdatedAt = tr.CreatedAt.UTC(), tr.UpdatedAt.UTC()
			return tr
		}
		want := editorial.Translation{ReportID: r.ID, Locale: "zh-Hans", Title: "论坛开幕", Subtitle: ptr("第一天"), Body: "论坛开幕了。",
			Status: editorial.TranslationInProgress, SourceVersion: 1, Version: 1, CreatedAt: got.CreatedAt.UTC(), UpdatedAt: got.CreatedAt.UTC()}
		s := stored(t, "zh-Hans")
		if !reflect.DeepEqual(utc(*got), want) || !reflect.DeepEqual(utc(*s), want) {
			t.Errorf("translation\n%+v\nstored\n%+v\nwant\n%+v", got, s, want)
		}
	})
	t.Run("OKUpdateRecordsTheSourceVersion", func(t *testing.T) {
		of(svc.UpdateReport(ctx, content.UpdateReportInput{ID: r.ID, ExpectedVersion: 1, Body: set("The forum opened in Qingdao.")})).ok(t)
		got := of(svc.UpsertTranslation(ctx, content.UpsertTranslationInput{ReportID: r.ID, Locale: "zh-Hans", ExpectedVersion: ptr(1),
			Title: "论坛在青岛开幕", Body: "论坛在青岛开幕了。"})).ok(t)
		s := stored(t, "zh-Hans")
		if got.Version != 2 || got.SourceVersion != 2 || got.Subtitle != nil || s.Version != 2 || s.Title != "论坛在青岛开幕" || s.UpdatedAt.Before(s.CreatedAt) {
			t.Errorf("updated translation = %+v, stored %+v", got, s)
		}
	})
	t.Run("OKTextIsKeptByteForByte", func(t *testing.T) {
		for _, c := range []struct{ locale, title, body string }{
			{"ja", "東京で国際会議が開かれた", "\u3000\u3000第一段落。\n\n> 引用：「こんにちは」🇯🇵\n\n𠮷野家、ｶﾀｶﾅ、ＡＢＣ\n"},
			{"zh-Hant", "國際技術貿易大會在青島舉行", "\u3000\u3000青島訊——\u200b「一帶一路」\r\n結束。 "},
			{"ko", "서울에서 국제 기술 박람회 개최", "한글 조합형: \u1112\u1161\u11ab, 완성형: 한"},
			{"fr", "Cafe\u0301 et café", "e\u0301 (decomposed) and é (precomposed) stay as sent"},
		} {
			t.Run(c.locale, func(t *testing.T) {
				of(svc.UpsertTranslation(ctx, content.UpsertTranslationInput{ReportID: r.ID, Locale: c.locale, Title: c.title, Body: c.body,
					Attendees: []editorial.AttendeeTranslation{{AttendeeID: wang.ID, Role: ptr(c.title)}}})).ok(t)
				s := stored(t, c.locale)
				if s.Title != c.title || s.Body != c.body {
					t.Errorf("stored title %q, body %q; want %q, %q", s.Title, s.Body, c.title, c.body)
				}
				if role := roles(t, c.locale)[wang.ID].Role; role == nil || *role != c.title {
					t.Errorf("stored role %v, want %q", role, c.title)
				}
			})
		}
	})
	t.Run("OKAttendeeRoles", func(t *testing.T) {
		got := of(svc.UpsertTranslation(ctx, content.UpsertTranslationInput{ReportID: r.ID, Locale: "de", Title: "Forum eröffnet",
			Attendees: []editorial.AttendeeTranslation{{AttendeeID: wang.ID, Role: ptr(" Bürgermeister "), Note: ptr("Eröffnete das Forum.")}}})).ok(t)
		want := map[int64]editorial.AttendeeTranslation{wang.ID: {AttendeeID: wang.ID, Locale: "de", Role: ptr("Bürgermeister"), Note: ptr("Eröffnete das Forum.")}}
		if m := roles(t, "de"); !reflect.DeepEqual(m, want) {
			t.Errorf("roles = %+v, want %+v", m, want)
		}
		// Attendees left out keep what they had; a blank role clears it.
		of(svc.UpsertTranslation(ctx, content.UpsertTranslationInput{ReportID: r.ID, Locale: "de", ExpectedVersion: &got.Version, Title: "Forum eröffnet",
			Attendees: []editorial.AttendeeTranslation{{AttendeeID: ccpit.ID, Role: ptr("Gastgeber")}}})).ok(t)
		want[ccpit.ID] = editorial.AttendeeTranslation{AttendeeID: ccpit.ID, Locale: "de", Role: ptr("Gastgeber")}
		if m := roles(t, "de"); !reflect.DeepEqual(m, want) {
			t.Errorf("roles = %+v, want %+v", m, want)
		}
		of(svc.UpsertTranslation(ctx, content.UpsertTranslationInput{ReportID: r.ID, Locale: "de", ExpectedVersion: ptr(got.Version + 1), Title: "Forum eröffnet",
			Attendees: []editorial.AttendeeTranslation{{AttendeeID: ccpit.ID, Role: ptr("  ")}}})).ok(t)
		if m := roles(t, "de"); m[ccpit.ID].Role != nil || m[wang.ID].Role == nil {
			t.Errorf("roles = %+v", m)
		}
	})
	t.Run("OKStatusFromTheDemoLoader", func(t *testing.T) {
		got := of(svc.UpsertTranslation(ctx, content.UpsertTranslationInput{ReportID: r.ID, Locale: "es", Title: "Foro", Status: editorial.TranslationApproved})).ok(t)
		if got.Status != editorial.TranslationApproved || stored(t, "es").Status != editorial.TranslationApproved {
			t.Errorf("status = %s", got.Status)
		}
	})
	t.Run("ErrStaleVersionDetails", func(t *testing.T) {
		_, err := svc.UpsertTranslation(ctx, content.UpsertTranslationInput{ReportID: r.ID, Locale: "zh-Hans", ExpectedVersion: ptr(1), Title: "旧"})
		e := wantErr(t, err, cerr.Conflict, "input.expectedVersion")
		if e.Details["currentVersion"] != 2 {
			t.Errorf("details = %v, want currentVersion 2", e.Details)
		}
	})

	upsert := func(f func(in *content.UpsertTranslationInput)) func() error {
		in := content.UpsertTranslationInput{ReportID: r.ID, Locale: "it", Title: "Il forum si apre", Body: "Il forum si è aperto."}
		f(&in)
		return func() error { _, err := svc.UpsertTranslation(ctx, in); return err }
	}
	attendees := func(list ...editorial.AttendeeTranslation) func(in *content.UpsertTranslationInput) {
		return func(in *content.UpsertTranslationInput) { in.Attendees = list }
	}
	runReportFailCases(t, db, []failCase{
		{name: "ErrStaleVersion", call: upsert(func(in *content.UpsertTranslationInput) { in.Locale, in.ExpectedVersion = "zh-Hans", ptr(1) }), code: cerr.Conflict, field: "input.expectedVersion"},
		{name: "ErrAlreadyExists", call: upsert(func(in *content.UpsertTranslationInput) { in.Locale = "ZH-HANS" }), code: cerr.Conflict, field: "input.expectedVersion", msg: "version 2"},
		{name: "ErrNothingToUpdate", call: upsert(func(in *content.UpsertTranslationInput) { in.ExpectedVersion = ptr(1) }), code: cerr.NotFound, field: "input.expectedVersion"},
		{name: "ErrSourceLocale", call: upsert(func(in *content.UpsertTranslationInput) { in.Locale = "en" }), code: cerr.Invalid, field: "input.locale"},
		{name: "ErrSourceLocaleOtherCase", call: upsert(func(in *content.UpsertTranslationInput) { in.Locale = " EN " }), code: cerr.Invalid, field: "input.locale"},
		{name: "ErrLocaleInvalid", call: upsert(func(in *content.UpsertTranslationInput) { in.Locale = "xx-!!" }), code: cerr.Invalid, field: "input.locale"},
		{name: "ErrLocaleEmpty", call: upsert(func(in *content.UpsertTranslationInput) { in.Locale = "" }), code: cerr.Invalid, field: "input.locale"},
		{name: "ErrUnknownReport", call: upsert(func(in *content.UpsertTranslationInput) { in.ReportID = 999999 }), code: cerr.NotFound, field: "input.reportId"},
		{name: "ErrTitleEmpty", call: upsert(func(in *content.UpsertTranslationInput) { in.Title = "\u3000" }), code: cerr.Invalid, field: "input.title"},
		{name: "ErrTitleTooLong", call: upsert(func(in *content.UpsertTranslationInput) { in.Title = strings.Repeat("题", editorial.MaxTitle+1) }), code: cerr.Invalid, field: "input.title"},
		{name: "ErrSubtitleTooLong", call: upsert(func(in *content.UpsertTranslationInput) {
			in.Subtitle = ptr(strings.Repeat("s", editorial.MaxSubtitle+1))
		}), code: cerr.Invalid, field: "input.subtitle"},
		{name: "ErrSummaryNotUTF8", call: upsert(func(in *content.UpsertTranslationInput) { in.Summary = ptr("\xff") }), code: cerr.Invalid, field: "input.summary"},
		{name: "ErrBodyTooLarge", call: upsert(func(in *content.UpsertTranslationInput) { in.Body = strings.Repeat("文", editorial.MaxBodyBytes/3+1) }), code: cerr.Invalid, field: "input.body"},
		{name: "ErrBodyNotUTF8", call: upsert(func(in *content.UpsertTranslationInput) { in.Body = "\xe6\x96" }), code: cerr.Invalid, field: "input.body"},
		{name: "ErrForeignAttendee", call: upsert(attendees(editorial.AttendeeTranslation{AttendeeID: wang.ID, Role: ptr("Sindaco")}, editorial.AttendeeTranslation{AttendeeID: foreign.ID, Role: ptr("Ospite")})),
			code: cerr.NotFound, field: "input.attendees.1.attendeeId"},
		{name: "ErrUnknownAttendee", call: upsert(attendees(editorial.AttendeeTranslation{AttendeeID: 999999})), code: cerr.NotFound, field: "input.attendees.0.attendeeId"},
		{name: "ErrDuplicateAttendee", call: upsert(attendees(editorial.AttendeeTranslation{AttendeeID: wang.ID, Role: ptr("Sindaco")}, editorial.AttendeeTranslation{AttendeeID: wang.ID, Role: ptr("Ospite")})),
			code: cerr.Invalid, field: "input.attendees.1.attendeeId"},
		{name: "ErrAttendeeRoleTooLong", call: upsert(attendees(editorial.AttendeeTranslation{AttendeeID: wang.ID, Role: ptr(strings.Repeat("r", editorial.MaxRole+1))})), code: cerr.Invalid, field: "input.attendees.0.role"},
		{name: "ErrAttendeeNoteTooLong", call: upsert(attendees(editorial.AttendeeTranslation{AttendeeID: wang.ID, Note: ptr(strings.Repeat("n", editorial.MaxNote+1))})), code: cerr.Invalid, field: "input.attendees.0.note"},
	})
}
