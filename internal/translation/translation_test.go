package translation_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/migrations"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/testkit"
	"github.com/copydesk/copydesk/internal/translation"
)

func TestUpsertTranslation(t *testing.T) {
	t.Parallel()
	ctx := testkit.AsSystem(t)
	n := testkit.NewNewsroom(t)
	svc, db := n.Svc, n.DB
	r := n.Report(t, reports.CreateReportInput{Title: "Forum opens", Body: "The forum opened.", Attendees: []reports.AttendeeInput{
		{PersonID: &n.Wang.ID, Role: testkit.Ptr("Mayor"), Participations: testkit.Parts("SPEECH")},
		{OrganizationID: &n.CCPIT.ID, Participations: testkit.Parts("HOSTED")},
	}})
	atts := testkit.AttendeesOf(t, db, r.ID)
	wang, ccpit := atts[0], atts[1]
	other := n.Report(t, reports.CreateReportInput{Title: "Elsewhere", Attendees: []reports.AttendeeInput{{PersonID: &n.Liu.ID, Participations: testkit.Parts("ATTENDED")}}})
	foreign := testkit.AttendeesOf(t, db, other.ID)[0]

	stored := func(t *testing.T, locale string) *editorial.Translation {
		t.Helper()
		for _, tr := range testkit.Of(postgres.TranslationsByReportIDs(ctx, db, postgres.Newsroom, []int64{r.ID})).OK(t)[r.ID] {
			if tr.Locale == locale {
				return tr
			}
		}
		t.Fatalf("no %s translation stored", locale)
		return nil
	}
	roles := func(t *testing.T, locale string) map[int64]editorial.AttendeeTranslation {
		t.Helper()
		key := editorial.TranslationKey{ReportID: r.ID, Locale: locale}
		out := map[int64]editorial.AttendeeTranslation{}
		for _, a := range testkit.Of(postgres.AttendeeTranslationsByKeys(ctx, db, []editorial.TranslationKey{key})).OK(t)[key] {
			out[a.AttendeeID] = *a
		}
		return out
	}

	t.Run("OKCreate", func(t *testing.T) {
		got := testkit.Of(svc.UpsertTranslation(ctx, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "zh-hans",
			Title: " 论坛开幕 ", Subtitle: testkit.Ptr("第一天"), Summary: testkit.Ptr("  "), Body: "论坛开幕了。"})).OK(t)
		utc := func(tr editorial.Translation) editorial.Translation {
			tr.CreatedAt, tr.UpdatedAt = tr.CreatedAt.UTC(), tr.UpdatedAt.UTC()
			return tr
		}
		want := editorial.Translation{ReportID: r.ID, Locale: "zh-Hans", Title: "论坛开幕", Subtitle: testkit.Ptr("第一天"), Body: "论坛开幕了。",
			Status: editorial.TranslationInProgress, SourceVersion: 1, Version: 1, CreatedAt: got.CreatedAt.UTC(), UpdatedAt: got.CreatedAt.UTC()}
		s := stored(t, "zh-Hans")
		testkit.Diff(t, "returned translation", want, utc(*got))
		testkit.Diff(t, "stored translation", want, utc(*s))
	})
	t.Run("OKUpdateRecordsTheSourceVersion", func(t *testing.T) {
		testkit.Of(svc.UpdateReport(ctx, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: 1, Body: testkit.Set("The forum opened in Qingdao.")})).OK(t)
		got := testkit.Of(svc.UpsertTranslation(ctx, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "zh-Hans", ExpectedVersion: testkit.Ptr(1),
			Title: "论坛在青岛开幕", Body: "论坛在青岛开幕了。"})).OK(t)
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
				testkit.Of(svc.UpsertTranslation(ctx, translation.UpsertTranslationInput{ReportID: r.ID, Locale: c.locale, Title: c.title, Body: c.body,
					Attendees: []editorial.AttendeeTranslation{{AttendeeID: wang.ID, Role: testkit.Ptr(c.title)}}})).OK(t)
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
		got := testkit.Of(svc.UpsertTranslation(ctx, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "de", Title: "Forum eröffnet",
			Attendees: []editorial.AttendeeTranslation{{AttendeeID: wang.ID, Role: testkit.Ptr(" Bürgermeister "), Note: testkit.Ptr("Eröffnete das Forum.")}}})).OK(t)
		want := map[int64]editorial.AttendeeTranslation{wang.ID: {AttendeeID: wang.ID, Locale: "de", Role: testkit.Ptr("Bürgermeister"), Note: testkit.Ptr("Eröffnete das Forum.")}}
		testkit.Diff(t, "roles", want, roles(t, "de"))
		// Attendees left out keep what they had; a blank role clears it.
		testkit.Of(svc.UpsertTranslation(ctx, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "de", ExpectedVersion: &got.Version, Title: "Forum eröffnet",
			Attendees: []editorial.AttendeeTranslation{{AttendeeID: ccpit.ID, Role: testkit.Ptr("Gastgeber")}}})).OK(t)
		want[ccpit.ID] = editorial.AttendeeTranslation{AttendeeID: ccpit.ID, Locale: "de", Role: testkit.Ptr("Gastgeber")}
		testkit.Diff(t, "roles", want, roles(t, "de"))
		testkit.Of(svc.UpsertTranslation(ctx, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "de", ExpectedVersion: testkit.Ptr(got.Version + 1), Title: "Forum eröffnet",
			Attendees: []editorial.AttendeeTranslation{{AttendeeID: ccpit.ID, Role: testkit.Ptr("  ")}}})).OK(t)
		if m := roles(t, "de"); m[ccpit.ID].Role != nil || m[wang.ID].Role == nil {
			t.Errorf("roles = %+v", m)
		}
	})
	t.Run("OKStatusFromTheDemoLoader", func(t *testing.T) {
		got := testkit.Of(svc.UpsertTranslation(ctx, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "es", Title: "Foro", Status: editorial.TranslationApproved})).OK(t)
		if got.Status != editorial.TranslationApproved || stored(t, "es").Status != editorial.TranslationApproved {
			t.Errorf("status = %s", got.Status)
		}
	})
	t.Run("ErrStaleVersionDetails", func(t *testing.T) {
		_, err := svc.UpsertTranslation(ctx, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "zh-Hans", ExpectedVersion: testkit.Ptr(1), Title: "旧"})
		e := testkit.WantErr(t, err, cerr.Conflict, "input.expectedVersion")
		if e.Details["currentVersion"] != 2 {
			t.Errorf("details = %v, want currentVersion 2", e.Details)
		}
	})

	upsert := func(f func(in *translation.UpsertTranslationInput)) func() error {
		in := translation.UpsertTranslationInput{ReportID: r.ID, Locale: "it", Title: "Il forum si apre", Body: "Il forum si è aperto."}
		f(&in)
		return func() error { _, err := svc.UpsertTranslation(ctx, in); return err }
	}
	attendees := func(list ...editorial.AttendeeTranslation) func(in *translation.UpsertTranslationInput) {
		return func(in *translation.UpsertTranslationInput) { in.Attendees = list }
	}
	testkit.RunFailCases(t, db, testkit.ReportDump, []testkit.FailCase{
		{Name: "ErrStaleVersion", Call: upsert(func(in *translation.UpsertTranslationInput) {
			in.Locale, in.ExpectedVersion = "zh-Hans", testkit.Ptr(1)
		}), Code: cerr.Conflict, Field: "input.expectedVersion"},
		{Name: "ErrAlreadyExists", Call: upsert(func(in *translation.UpsertTranslationInput) { in.Locale = "ZH-HANS" }), Code: cerr.Conflict, Field: "input.expectedVersion", Msg: "version 2"},
		{Name: "ErrNothingToUpdate", Call: upsert(func(in *translation.UpsertTranslationInput) { in.ExpectedVersion = testkit.Ptr(1) }), Code: cerr.NotFound, Field: "input.expectedVersion"},
		{Name: "ErrSourceLocale", Call: upsert(func(in *translation.UpsertTranslationInput) { in.Locale = "en" }), Code: cerr.Invalid, Field: "input.locale"},
		{Name: "ErrSourceLocaleOtherCase", Call: upsert(func(in *translation.UpsertTranslationInput) { in.Locale = " EN " }), Code: cerr.Invalid, Field: "input.locale"},
		{Name: "ErrLocaleInvalid", Call: upsert(func(in *translation.UpsertTranslationInput) { in.Locale = "xx-!!" }), Code: cerr.Invalid, Field: "input.locale"},
		{Name: "ErrLocaleEmpty", Call: upsert(func(in *translation.UpsertTranslationInput) { in.Locale = "" }), Code: cerr.Invalid, Field: "input.locale"},
		{Name: "ErrUnknownReport", Call: upsert(func(in *translation.UpsertTranslationInput) { in.ReportID = 999999 }), Code: cerr.NotFound, Field: "input.reportId"},
		{Name: "ErrTitleEmpty", Call: upsert(func(in *translation.UpsertTranslationInput) { in.Title = "\u3000" }), Code: cerr.Invalid, Field: "input.title"},
		{Name: "ErrTitleTooLong", Call: upsert(func(in *translation.UpsertTranslationInput) { in.Title = strings.Repeat("题", editorial.MaxTitle+1) }), Code: cerr.Invalid, Field: "input.title"},
		{Name: "ErrSubtitleTooLong", Call: upsert(func(in *translation.UpsertTranslationInput) {
			in.Subtitle = testkit.Ptr(strings.Repeat("s", editorial.MaxSubtitle+1))
		}), Code: cerr.Invalid, Field: "input.subtitle"},
		{Name: "ErrSummaryNotUTF8", Call: upsert(func(in *translation.UpsertTranslationInput) { in.Summary = testkit.Ptr("\xff") }), Code: cerr.Invalid, Field: "input.summary"},
		{Name: "ErrBodyTooLarge", Call: upsert(func(in *translation.UpsertTranslationInput) {
			in.Body = strings.Repeat("文", editorial.MaxBodyBytes/3+1)
		}), Code: cerr.Invalid, Field: "input.body"},
		{Name: "ErrBodyNotUTF8", Call: upsert(func(in *translation.UpsertTranslationInput) { in.Body = "\xe6\x96" }), Code: cerr.Invalid, Field: "input.body"},
		{Name: "ErrForeignAttendee", Call: upsert(attendees(editorial.AttendeeTranslation{AttendeeID: wang.ID, Role: testkit.Ptr("Sindaco")}, editorial.AttendeeTranslation{AttendeeID: foreign.ID, Role: testkit.Ptr("Ospite")})),
			Code: cerr.NotFound, Field: "input.attendees.1.attendeeId"},
		{Name: "ErrUnknownAttendee", Call: upsert(attendees(editorial.AttendeeTranslation{AttendeeID: 999999})), Code: cerr.NotFound, Field: "input.attendees.0.attendeeId"},
		{Name: "ErrDuplicateAttendee", Call: upsert(attendees(editorial.AttendeeTranslation{AttendeeID: wang.ID, Role: testkit.Ptr("Sindaco")}, editorial.AttendeeTranslation{AttendeeID: wang.ID, Role: testkit.Ptr("Ospite")})),
			Code: cerr.Invalid, Field: "input.attendees.1.attendeeId"},
		{Name: "ErrAttendeeRoleTooLong", Call: upsert(attendees(editorial.AttendeeTranslation{AttendeeID: wang.ID, Role: testkit.Ptr(strings.Repeat("r", editorial.MaxRole+1))})), Code: cerr.Invalid, Field: "input.attendees.0.role"},
		{Name: "ErrAttendeeNoteTooLong", Call: upsert(attendees(editorial.AttendeeTranslation{AttendeeID: wang.ID, Note: testkit.Ptr(strings.Repeat("n", editorial.MaxNote+1))})), Code: cerr.Invalid, Field: "input.attendees.0.note"},
	})
}

// --- translation workflow helpers ---

// trDesk is a workflow desk (newDesk, whose translator translates into ja)
// with a second ja translator, a zh-Hans translator, and two people.
type trDesk struct {
	*testkit.Desk
	ja2, zh      *auth.User
	Wang, Li     *editorial.Person
	otherDeskID  int64
	sys, ed, jaT context.Context
}

func newTrDesk(t *testing.T) *trDesk {
	t.Helper()
	d := &trDesk{Desk: testkit.NewDesk(t)}
	d.sys = testkit.AsSystem(t)
	translator := func(email string, deskID int64, locales ...string) *auth.User {
		return testkit.Of(d.IDs.CreateUser(d.sys, identity.NewUser{Email: email, Name: email, Locales: locales,
			Grants: []auth.Grant{{Role: auth.Translator, DeskID: &deskID}}})).OK(t)
	}
	d.ja2 = translator("ja2@example.org", d.Desk.Desk.ID, "ja")
	d.zh = translator("zh@example.org", d.Desk.Desk.ID, "zh-Hans")
	d.Wang = testkit.Of(d.Svc.CreatePerson(d.sys, directory.CreatePersonInput{Name: "Wang Wei"})).OK(t)
	d.Li = testkit.Of(d.Svc.CreatePerson(d.sys, directory.CreatePersonInput{Name: "Li Na"})).OK(t)
	d.otherDeskID = *d.OtherEditor.Grants[0].DeskID
	d.ed, d.jaT = d.As(t, d.Editor), d.As(t, d.Translator)
	return d
}

// state returns the state of a report's translation into locale, as the editor reads it.
func (d *trDesk) state(t *testing.T, reportID int64, locale string) *translation.State {
	t.Helper()
	return testkit.Of(d.Svc.TranslationState(d.ed, reportID, locale)).OK(t)
}

// update edits the report's source as the editor.
func (d *trDesk) update(t *testing.T, in reports.UpdateReportInput) *editorial.Report {
	t.Helper()
	in.ExpectedVersion = d.Current(t, in.ID).Version
	return testkit.Of(d.Svc.UpdateReport(d.ed, in)).OK(t).Report
}

// translation reads a report's translation into locale as stored (nil: none).
func (d *trDesk) translation(t *testing.T, reportID int64, locale string) *editorial.Translation {
	t.Helper()
	k := editorial.TranslationKey{ReportID: reportID, Locale: locale}
	return testkit.Of(postgres.TranslationsByKeys(context.Background(), d.DB, []editorial.TranslationKey{k})).OK(t)[k]
}

// fieldVersions reads the recorded field versions of a translation.
func fieldVersions(t *testing.T, db *postgres.DB, reportID int64, locale string) map[string]int {
	t.Helper()
	k := editorial.TranslationKey{ReportID: reportID, Locale: locale}
	return testkit.Of(postgres.TranslationFieldsByKeys(context.Background(), db, []editorial.TranslationKey{k})).OK(t)[k]
}

// translationDump is workflowDump plus the translation workflow's tables.
func translationDump(t *testing.T, db *postgres.DB) string {
	t.Helper()
	var s string
	err := db.GetContext(context.Background(), &s, `SELECT concat_ws(E'\n',
		(SELECT json_agg(x ORDER BY report_id, locale, field)::text FROM translation_fields x),
		(SELECT json_agg(x ORDER BY report_id, locale)::text FROM translation_assignments x),
		(SELECT json_agg(json_build_array(report_id, locale, status, version, source_version, edited_by) ORDER BY report_id, locale)::text FROM report_translations x))`)
	if err != nil {
		t.Fatal(err)
	}
	return testkit.WorkflowDump(t, db) + "\n" + s
}

// wantUnchanged runs call, which must fail with code (and field, if set),
// and checks it left no trace: no row changed, no audit entry.
func wantUnchanged(t *testing.T, db *postgres.DB, name string, call func() error, code, field string) *cerr.Error {
	t.Helper()
	before := translationDump(t, db)
	n := testkit.RowCount(t, db, "audit_log")
	err := call()
	e := cerr.As(err)
	if e == nil || e.Code != code || (field != "" && e.Field != field) {
		t.Fatalf("%s: err = %v (%+v), want %s on %q", name, err, e, code, field)
	}
	if after := translationDump(t, db); after != before || testkit.RowCount(t, db, "audit_log") != n {
		t.Fatalf("%s: a failed call changed the database:\nbefore %s\nafter  %s", name, before, after)
	}
	return e
}

func wantState(t *testing.T, name string, got *translation.State, want translation.State) {
	t.Helper()
	if want.StaleFields == nil {
		want.StaleFields = []translation.StaleField{}
	}
	if want.MissingFields == nil {
		want.MissingFields = []string{}
	}
	if diff := cmp.Diff(want, *got); diff != "" {
		t.Fatalf("%s: state mismatch (-want +got):\n%s\nstate\n%s\nwant\n%s", name, diff, stateString(got), stateString(&want))
	}
}

func stateString(s *translation.State) string {
	var b strings.Builder
	fmt.Fprintf(&b, "stale=%v current=%v sourceVersion=%d currentSourceVersion=%d missing=%q", s.Stale, s.Current(), s.SourceVersion, s.CurrentSourceVersion, s.MissingFields)
	for _, f := range s.StaleFields {
		fmt.Fprintf(&b, "\n  %s (v%d): %s → %s", f.Field, f.SourceVersion, quote(f.From), quote(f.To))
	}
	return b.String()
}

func quote(p *string) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprintf("%q", *p)
}

// --- staleness ---

// A translation follows its source field by field: an edit to the source
// body makes exactly the body stale (with the text then and now), a
// confirmation makes it current again; an edited attendee role makes that
// role stale; a new subtitle or attendee role is missing; a change to
// anything untranslated (tags, section) changes nothing.
func TestTranslationStalenessLifecycle(t *testing.T) {
	t.Parallel()
	d := newTrDesk(t)
	r := d.Draft(t, "Forum opens")
	r = testkit.Of(d.Svc.SetAttendees(d.ed, r.ID, r.Version, []reports.AttendeeInput{
		{PersonID: &d.Wang.ID, Role: testkit.Ptr("Mayor"), Participations: testkit.Parts("SPEECH")}}, nil)).OK(t).Report
	wang := testkit.AttendeesOf(t, d.DB, r.ID)[0]
	role := fmt.Sprintf("attendees.%d.role", wang.ID)

	ja := testkit.Of(d.Svc.UpsertTranslation(d.jaT, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "ja", Title: "フォーラム開幕",
		Body: "フォーラムは月曜日に開幕した。", Attendees: []editorial.AttendeeTranslation{{AttendeeID: wang.ID, Role: testkit.Ptr("市長")}}})).OK(t)
	if ja.Version != 1 || ja.SourceVersion != 2 || ja.Status != editorial.TranslationInProgress || ja.EditedBy == nil || *ja.EditedBy != d.Translator.ID {
		t.Fatalf("created translation: %+v", ja)
	}
	if diff := cmp.Diff(map[string]int{"title": 2, "body": 2, role: 2}, fieldVersions(t, d.DB, r.ID, "ja")); diff != "" {
		t.Fatalf("field versions mismatch (-want +got), want only fields with text on both sides:\n%s", diff)
	}
	wantState(t, "translated", testkit.Of(d.Svc.TranslationState(d.jaT, r.ID, " JA ")).OK(t), translation.State{SourceVersion: 2, CurrentSourceVersion: 2})

	// The source body changes: exactly the body is stale, with both texts.
	d.update(t, reports.UpdateReportInput{ID: r.ID, Body: testkit.Set("The forum opened on Tuesday.")})
	wantState(t, "body edited", d.state(t, r.ID, "ja"), translation.State{Stale: true, SourceVersion: 2, CurrentSourceVersion: 3,
		StaleFields: []translation.StaleField{{Field: "body", From: testkit.Ptr("The forum opened on Monday."), To: testkit.Ptr("The forum opened on Tuesday."), SourceVersion: 2}}})

	// Only stale fields can be confirmed.
	confirm := func(version int, fields ...string) func() error {
		return func() error { _, err := d.Svc.ConfirmTranslationFields(d.jaT, r.ID, "ja", version, fields); return err }
	}
	for _, c := range []struct {
		name, field, msg string
		call             func() error
	}{
		{"not stale", "input.fields.0", "title is not stale", confirm(1, "title")},
		{"stale and not stale", "input.fields.1", "subtitle is not stale", confirm(1, "body", "subtitle")},
		{"twice", "input.fields.1", "listed twice", confirm(1, "body", "body")},
		{"no such field", "input.fields.0", "not a translatable field", confirm(1, "attendees.0.role")},
		{"no such attendee", "input.fields.0", "is not stale", confirm(1, "attendees.999999.role")},
		{"no field kind", "input.fields.0", "not a translatable field", confirm(1, fmt.Sprintf("attendees.%d.person", wang.ID))},
		{"none", "input.fields", "at least one", confirm(1)},
	} {
		if e := wantUnchanged(t, d.DB, c.name, c.call, cerr.Invalid, c.field); !strings.Contains(e.Message, c.msg) {
			t.Errorf("%s: message %q does not contain %q", c.name, e.Message, c.msg)
		}
	}
	wantUnchanged(t, d.DB, "confirm an old version", confirm(0, "body"), cerr.Conflict, "input.expectedVersion")

	ja = testkit.Of(d.Svc.ConfirmTranslationFields(d.jaT, r.ID, "ja", 1, []string{"body"})).OK(t)
	if ja.Version != 2 || ja.Status != editorial.TranslationInProgress || ja.SourceVersion != 2 || ja.Body != "フォーラムは月曜日に開幕した。" {
		t.Fatalf("confirmed translation: %+v", ja)
	}
	wantState(t, "body confirmed", d.state(t, r.ID, "ja"), translation.State{SourceVersion: 2, CurrentSourceVersion: 3})

	// An attendee's role changes: that role is stale.
	testkit.Of(d.Svc.SetAttendees(d.ed, r.ID, 3, []reports.AttendeeInput{
		{ID: wang.ID, PersonID: &d.Wang.ID, Role: testkit.Ptr("Mayor of Qingdao"), Participations: testkit.Parts("SPEECH")}}, nil)).OK(t)
	staleRole := translation.StaleField{Field: role, From: testkit.Ptr("Mayor"), To: testkit.Ptr("Mayor of Qingdao"), SourceVersion: 2}
	wantState(t, "role edited", d.state(t, r.ID, "ja"), translation.State{Stale: true, SourceVersion: 2, CurrentSourceVersion: 4,
		StaleFields: []translation.StaleField{staleRole}})

	// A new subtitle has no translation: the translation is incomplete.
	d.update(t, reports.UpdateReportInput{ID: r.ID, Subtitle: testkit.Set(testkit.Ptr("Day one"))})
	wantState(t, "subtitle added", d.state(t, r.ID, "ja"), translation.State{Stale: true, SourceVersion: 2, CurrentSourceVersion: 5,
		StaleFields: []translation.StaleField{staleRole}, MissingFields: []string{"subtitle"}})

	// Translating everything again makes it current against the source now.
	ja = testkit.Of(d.Svc.UpsertTranslation(d.jaT, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "ja", ExpectedVersion: &ja.Version,
		Title: "フォーラム開幕", Subtitle: testkit.Ptr("初日"), Body: "フォーラムは火曜日に開幕した。",
		Attendees: []editorial.AttendeeTranslation{{AttendeeID: wang.ID, Role: testkit.Ptr("青島市長")}}})).OK(t)
	wantState(t, "translated again", d.state(t, r.ID, "ja"), translation.State{SourceVersion: 5, CurrentSourceVersion: 5})

	// Changes to what is not translated leave it current.
	d.update(t, reports.UpdateReportInput{ID: r.ID, Section: testkit.Set(testkit.Ptr("World")), Tags: testkit.Set([]reports.TagRef{{Name: "Forums"}})})
	wantState(t, "section and tags", d.state(t, r.ID, "ja"), translation.State{SourceVersion: 5, CurrentSourceVersion: 6})

	// A new attendee with a role: its role is missing. The old attendee
	// leaves: its translated role and version go with it.
	testkit.Of(d.Svc.SetAttendees(d.ed, r.ID, 6, []reports.AttendeeInput{{PersonID: &d.Li.ID, Role: testkit.Ptr("Professor"), Participations: testkit.Parts("ATTENDED")}}, nil)).OK(t)
	li := testkit.AttendeesOf(t, d.DB, r.ID)[0]
	wantState(t, "attendees replaced", d.state(t, r.ID, "ja"), translation.State{SourceVersion: 5, CurrentSourceVersion: 7,
		MissingFields: []string{fmt.Sprintf("attendees.%d.role", li.ID)}})
	if _, ok := fieldVersions(t, d.DB, r.ID, "ja")[role]; ok {
		t.Errorf("the removed attendee's field version is still recorded")
	}

	// The source loses its subtitle: the translated one is stale (to
	// nothing); confirming it forgets its version.
	d.update(t, reports.UpdateReportInput{ID: r.ID, Subtitle: testkit.Set[*string](nil)})
	wantState(t, "subtitle removed", d.state(t, r.ID, "ja"), translation.State{Stale: true, SourceVersion: 5, CurrentSourceVersion: 8,
		StaleFields:   []translation.StaleField{{Field: "subtitle", From: testkit.Ptr("Day one"), SourceVersion: 5}},
		MissingFields: []string{fmt.Sprintf("attendees.%d.role", li.ID)}})
	ja = testkit.Of(d.Svc.ConfirmTranslationFields(d.jaT, r.ID, "ja", ja.Version, []string{"subtitle"})).OK(t)
	wantState(t, "subtitle confirmed", d.state(t, r.ID, "ja"), translation.State{SourceVersion: 5, CurrentSourceVersion: 8,
		MissingFields: []string{fmt.Sprintf("attendees.%d.role", li.ID)}})
	testkit.Diff(t, "field versions", map[string]int{"title": 5, "body": 5}, fieldVersions(t, d.DB, r.ID, "ja"))

	// The batch loader agrees with the single read; missing translations are absent.
	keys := []editorial.TranslationKey{{ReportID: r.ID, Locale: "ja"}, {ReportID: r.ID, Locale: "zh-Hans"}, {ReportID: 999999, Locale: "ja"}}
	states := testkit.Of(d.Svc.TranslationStates(d.ed, keys)).OK(t)
	if len(states) != 1 {
		t.Errorf("TranslationStates = %v, want only %v", states, keys[0])
	}
	testkit.Diff(t, "TranslationStates[ja]", d.state(t, r.ID, "ja"), states[keys[0]])
	_, err := d.Svc.TranslationState(d.ed, r.ID, "zh-hans")
	testkit.WantErr(t, err, cerr.NotFound, "locale")
	_, err = d.Svc.TranslationStates(auth.WithViewer(t.Context(), auth.Anonymous()), keys)
	testkit.WantCode(t, err, cerr.Unauthenticated, "")
}

// The source text a stale field quotes, then and now, is the text as
// written, byte for byte: CJK, combining marks, ideographic spaces, emoji.
func TestTranslationStaleTextIsByteForByte(t *testing.T) {
	t.Parallel()
	d := newTrDesk(t)
	then := "\u3000\u3000青岛讯——「一带一路」国际技术贸易大会开幕。𠮷\U0001F1E8\U0001F1F3 e\u0301\n\n> 引用\r\n"
	now := "\u3000\u3000青島訊——「一帶一路」大會閉幕。ｶﾀｶﾅ \u1112\u1161\u11ab \u200b\n"
	r := testkit.Of(d.Svc.CreateReport(d.sys, reports.CreateReportInput{Title: "国际技术贸易大会", SourceLocale: "zh-hans", Body: then, DeskID: &d.Desk.Desk.ID})).OK(t).Report
	en := testkit.Of(d.Svc.UpsertTranslation(d.ed, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "en", Title: "Trade conference", Body: "The conference opened."})).OK(t)
	d.update(t, reports.UpdateReportInput{ID: r.ID, Body: testkit.Set(now)})
	st := d.state(t, r.ID, "en")
	if len(st.StaleFields) != 1 || st.StaleFields[0].Field != "body" || *st.StaleFields[0].From != then || *st.StaleFields[0].To != now {
		t.Fatalf("state: %s", stateString(st))
	}
	// A translation into the source locale, in any spelling, is refused.
	_, err := d.Svc.UpsertTranslation(d.ed, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "ZH-hans", Title: "同"})
	testkit.WantErr(t, err, cerr.Invalid, "input.locale")
	_, err = d.Svc.AssignTranslator(d.ed, r.ID, "zh-hans", d.zh.ID)
	testkit.WantErr(t, err, cerr.Invalid, "input.locale")
	testkit.Of(d.Svc.ConfirmTranslationFields(d.ed, r.ID, "en", en.Version, []string{"body"})).OK(t)
	if st := d.state(t, r.ID, "en"); !st.Current() {
		t.Fatalf("state after confirming: %s", stateString(st))
	}
}

// --- the workflow ---

// IN_PROGRESS → IN_REVIEW → APPROVED, only when current; an approved
// translation that goes stale stays approved (and stale); an edit sends it
// back to IN_PROGRESS; its last editor cannot approve it.
func TestTranslationWorkflow(t *testing.T) {
	t.Parallel()
	d := newTrDesk(t)
	rev := d.As(t, d.Reviewer1)
	r := d.Draft(t, "Forum opens")
	upsert := func(ctx context.Context, version *int, body string) *editorial.Translation {
		t.Helper()
		return testkit.Of(d.Svc.UpsertTranslation(ctx, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "ja", ExpectedVersion: version,
			Title: "フォーラム開幕", Body: body})).OK(t)
	}
	status := func(want editorial.TranslationStatus, version int) {
		t.Helper()
		if got := d.translation(t, r.ID, "ja"); got.Status != want || got.Version != version {
			t.Fatalf("translation is %s v%d, want %s v%d", got.Status, got.Version, want, version)
		}
	}
	_, err := d.Svc.SubmitTranslation(d.jaT, r.ID, "ja", 1)
	testkit.WantErr(t, err, cerr.NotFound, "input.locale")

	// Only copydesk itself may set a status directly.
	wantUnchanged(t, d.DB, "status from a user", func() error {
		_, err := d.Svc.UpsertTranslation(d.ed, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "ja", Title: "承認済み", Status: editorial.TranslationApproved})
		return err
	}, cerr.Forbidden, "input.status")

	ja := upsert(d.jaT, nil, "月曜日に開幕した。")
	ja = testkit.Of(d.Svc.SubmitTranslation(d.jaT, r.ID, "JA", ja.Version)).OK(t)
	status(editorial.TranslationInReview, 2)
	wantUnchanged(t, d.DB, "submit twice", func() error { _, err := d.Svc.SubmitTranslation(d.jaT, r.ID, "ja", 2); return err }, cerr.Invalid, "input.locale")
	wantUnchanged(t, d.DB, "approve by a translator", func() error { _, err := d.Svc.ApproveTranslation(d.jaT, r.ID, "ja", 2); return err }, cerr.Forbidden, "")
	wantUnchanged(t, d.DB, "approve an old version", func() error { _, err := d.Svc.ApproveTranslation(rev, r.ID, "ja", 1); return err }, cerr.Conflict, "input.expectedVersion")
	ja = testkit.Of(d.Svc.ApproveTranslation(rev, r.ID, "ja", 2)).OK(t)
	status(editorial.TranslationApproved, 3)
	wantUnchanged(t, d.DB, "approve twice", func() error { _, err := d.Svc.ApproveTranslation(rev, r.ID, "ja", 3); return err }, cerr.Invalid, "input.locale")

	// A source edit leaves it APPROVED, and stale.
	d.update(t, reports.UpdateReportInput{ID: r.ID, Body: testkit.Set("The forum opened on Tuesday.")})
	status(editorial.TranslationApproved, 3)
	p := testkit.Of(d.Svc.TranslationProgress(d.ed, []int64{r.ID}, nil)).OK(t)[r.ID]
	if diff := cmp.Diff(translation.Progress{Total: 1, Locales: []translation.LocaleProgress{{Locale: "ja", Status: editorial.TranslationApproved, Stale: true}}}, p); diff != "" {
		t.Fatalf("progress mismatch (-want +got):\n%s", diff)
	}

	// Editing an approved translation sends it back to IN_PROGRESS; it
	// cannot be submitted while stale.
	ja = upsert(d.ed, &ja.Version, "火曜日に開幕した。")
	status(editorial.TranslationInProgress, 4)
	d.update(t, reports.UpdateReportInput{ID: r.ID, Body: testkit.Set("The forum opened on Wednesday.")})
	e := wantUnchanged(t, d.DB, "submit while stale", func() error { _, err := d.Svc.SubmitTranslation(d.jaT, r.ID, "ja", 4); return err }, cerr.Invalid, "input.locale")
	testkit.Diff(t, "submit while stale: staleFields", []string{"body"}, e.Details["staleFields"])
	if !strings.Contains(e.Message, "stale: body") {
		t.Errorf("submit while stale: message %q, want it to name the stale body", e.Message)
	}
	ja = testkit.Of(d.Svc.ConfirmTranslationFields(d.jaT, r.ID, "ja", 4, []string{"body"})).OK(t)
	ja = testkit.Of(d.Svc.SubmitTranslation(d.jaT, r.ID, "ja", ja.Version)).OK(t)
	status(editorial.TranslationInReview, 6)

	// In review, the source moves on: it cannot be approved until current.
	d.update(t, reports.UpdateReportInput{ID: r.ID, Subtitle: testkit.Set(testkit.Ptr("Day one"))})
	e = wantUnchanged(t, d.DB, "approve while incomplete", func() error { _, err := d.Svc.ApproveTranslation(rev, r.ID, "ja", 6); return err }, cerr.Invalid, "input.locale")
	testkit.Diff(t, "approve while incomplete: missingFields", []string{"subtitle"}, e.Details["missingFields"])
	d.update(t, reports.UpdateReportInput{ID: r.ID, Subtitle: testkit.Set[*string](nil)})

	// The editor wrote the text: the editor may not approve it, a reviewer may.
	if ja := d.translation(t, r.ID, "ja"); ja.EditedBy == nil || *ja.EditedBy != d.Editor.ID {
		t.Fatalf("edited by %v, want the editor", ja.EditedBy)
	}
	e = wantUnchanged(t, d.DB, "approve own", func() error { _, err := d.Svc.ApproveTranslation(d.ed, r.ID, "ja", 6); return err }, cerr.Forbidden, "")
	if e.Message != auth.RuleFor(auth.ReviewTranslation).Description {
		t.Errorf("approve own: %q", e.Message)
	}
	testkit.Of(d.Svc.ApproveTranslation(d.As(t, d.Admin), r.ID, "ja", 6)).OK(t)
	status(editorial.TranslationApproved, 7)
}

// A translator works only in the locales granted to them, on their desk.
func TestTranslatorLocaleScoping(t *testing.T) {
	t.Parallel()
	d := newTrDesk(t)
	zhT := d.As(t, d.zh)
	r := d.Draft(t, "Forum opens")
	other := testkit.Of(d.Svc.CreateReport(d.sys, reports.CreateReportInput{Title: "Elsewhere", SourceLocale: "en", DeskID: &d.otherDeskID})).OK(t).Report
	zh := testkit.Of(d.Svc.UpsertTranslation(zhT, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "zh-hans", Title: "论坛开幕", Body: "论坛周一开幕。"})).OK(t)
	if zh.Locale != "zh-Hans" {
		t.Fatalf("locale %q, want zh-Hans", zh.Locale)
	}
	d.update(t, reports.UpdateReportInput{ID: r.ID, Title: testkit.Set("The forum opens")})
	for _, c := range []struct {
		name string
		call func() error
	}{
		{"upsert", func() error {
			_, err := d.Svc.UpsertTranslation(d.jaT, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "zh-Hans", ExpectedVersion: testkit.Ptr(1), Title: "论坛"})
			return err
		}},
		{"create", func() error {
			_, err := d.Svc.UpsertTranslation(d.jaT, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "zh-Hant", Title: "論壇"})
			return err
		}},
		{"confirm", func() error {
			_, err := d.Svc.ConfirmTranslationFields(d.jaT, r.ID, "zh-Hans", 1, []string{"title"})
			return err
		}},
		{"submit", func() error { _, err := d.Svc.SubmitTranslation(d.jaT, r.ID, "zh-Hans", 1); return err }},
		{"delete", func() error { _, err := d.Svc.DeleteTranslation(d.jaT, r.ID, "zh-Hans", 1); return err }},
		{"approve", func() error { _, err := d.Svc.ApproveTranslation(d.jaT, r.ID, "zh-Hans", 1); return err }},
		{"assign", func() error { _, err := d.Svc.AssignTranslator(d.jaT, r.ID, "ja", d.Translator.ID); return err }},
		{"other desk", func() error {
			_, err := d.Svc.UpsertTranslation(d.jaT, translation.UpsertTranslationInput{ReportID: other.ID, Locale: "ja", Title: "他"})
			return err
		}},
	} {
		wantUnchanged(t, d.DB, "ja translator: "+c.name, c.call, cerr.Forbidden, "")
	}
	// Reading states is open to the newsroom; the zh-Hans translator can do their work.
	if st := testkit.Of(d.Svc.TranslationState(d.jaT, r.ID, "zh-Hans")).OK(t); !st.Stale {
		t.Fatalf("zh-Hans state: %s", stateString(st))
	}
	zh = testkit.Of(d.Svc.ConfirmTranslationFields(zhT, r.ID, "zh-Hans", 1, []string{"title"})).OK(t)
	testkit.Of(d.Svc.SubmitTranslation(zhT, r.ID, "zh-Hans", zh.Version)).OK(t)
}

// Assignments: editors assign translators who hold the locale on the desk.
// The assigned translator may delete the translation while in progress;
// editors may delete it in any state.
func TestAssignAndDeleteTranslations(t *testing.T) {
	t.Parallel()
	d := newTrDesk(t)
	r := d.Draft(t, "Forum opens")
	r = testkit.Of(d.Svc.SetAttendees(d.ed, r.ID, r.Version, []reports.AttendeeInput{
		{PersonID: &d.Wang.ID, Role: testkit.Ptr("Mayor"), Participations: testkit.Parts("SPEECH")}}, nil)).OK(t).Report
	wang := testkit.AttendeesOf(t, d.DB, r.ID)[0]
	disabled := testkit.Of(d.IDs.CreateUser(d.sys, identity.NewUser{Email: "gone@example.org", Name: "Gone", Locales: []string{"ja"},
		Grants: []auth.Grant{{Role: auth.Translator, DeskID: &d.Desk.Desk.ID}}})).OK(t)
	testkit.Of(d.IDs.SetUserDisabled(d.sys, disabled.ID, true)).OK(t)
	otherDesk := testkit.Of(d.IDs.CreateUser(d.sys, identity.NewUser{Email: "far@example.org", Name: "Far", Locales: []string{"ja"},
		Grants: []auth.Grant{{Role: auth.Translator, DeskID: &d.otherDeskID}}})).OK(t)
	for _, c := range []struct {
		name   string
		user   int64
		locale string
		msg    string
	}{
		{"unknown", 999999, "ja", "There is no user 999999."},
		{"not a translator", d.Reviewer1.ID, "ja", "is not a translator into ja"},
		{"other locale", d.zh.ID, "ja", "is not a translator into ja"},
		{"other desk", otherDesk.ID, "ja", "is not a translator into ja"},
		{"disabled", disabled.ID, "ja", "is disabled"},
	} {
		e := wantUnchanged(t, d.DB, "assign: "+c.name, func() error { _, err := d.Svc.AssignTranslator(d.ed, r.ID, c.locale, c.user); return err }, cerr.Invalid, "input.userId")
		if !strings.Contains(e.Message, c.msg) {
			t.Errorf("assign %s: %q", c.name, e.Message)
		}
	}
	wantUnchanged(t, d.DB, "assign by a reviewer", func() error {
		_, err := d.Svc.AssignTranslator(d.As(t, d.Reviewer1), r.ID, "ja", d.Translator.ID)
		return err
	}, cerr.Forbidden, "")
	wantUnchanged(t, d.DB, "assign to an unknown report", func() error { _, err := d.Svc.AssignTranslator(d.ed, 999999, "ja", d.Translator.ID); return err }, cerr.NotFound, "input.reportId")

	a := testkit.Of(d.Svc.AssignTranslator(d.ed, r.ID, "ja", d.Translator.ID)).OK(t)
	if a.UserID != d.Translator.ID || a.AssignedBy == nil || *a.AssignedBy != d.Editor.ID || !a.AssignedAt.Equal(testkit.Start) {
		t.Fatalf("assignment = %+v", a)
	}
	n := len(testkit.AuditTrail(t, d.DB, r.ID))
	if again := testkit.Of(d.Svc.AssignTranslator(d.ed, r.ID, "ja", d.Translator.ID)).OK(t); again.UserID != d.Translator.ID || len(testkit.AuditTrail(t, d.DB, r.ID)) != n {
		t.Fatalf("assigning the same translator again recorded something")
	}

	ja := testkit.Of(d.Svc.UpsertTranslation(d.As(t, d.ja2), translation.UpsertTranslationInput{ReportID: r.ID, Locale: "ja", Title: "開幕", Body: "本文",
		Attendees: []editorial.AttendeeTranslation{{AttendeeID: wang.ID, Role: testkit.Ptr("市長")}}})).OK(t)
	wantUnchanged(t, d.DB, "delete by an unassigned translator", func() error { _, err := d.Svc.DeleteTranslation(d.As(t, d.ja2), r.ID, "ja", 1); return err }, cerr.Forbidden, "")
	ja = testkit.Of(d.Svc.SubmitTranslation(d.jaT, r.ID, "ja", ja.Version)).OK(t)
	wantUnchanged(t, d.DB, "delete in review by the assigned translator", func() error { _, err := d.Svc.DeleteTranslation(d.jaT, r.ID, "ja", 2); return err }, cerr.Forbidden, "")
	ja = testkit.Of(d.Svc.UpsertTranslation(d.jaT, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "ja", ExpectedVersion: &ja.Version, Title: "開幕", Body: "本文"})).OK(t)
	deleted := testkit.Of(d.Svc.DeleteTranslation(d.jaT, r.ID, "ja", ja.Version)).OK(t)
	if deleted.Version != 3 || d.translation(t, r.ID, "ja") != nil || len(fieldVersions(t, d.DB, r.ID, "ja")) != 0 ||
		testkit.RowCount(t, d.DB, "report_attendee_translations") != 0 || testkit.RowCount(t, d.DB, "translation_assignments") != 1 {
		t.Fatalf("after delete: %+v, %s", deleted, translationDump(t, d.DB))
	}
	wantUnchanged(t, d.DB, "delete twice", func() error { _, err := d.Svc.DeleteTranslation(d.jaT, r.ID, "ja", 3); return err }, cerr.NotFound, "input.locale")

	// An editor deletes an approved translation.
	ja = testkit.Of(d.Svc.UpsertTranslation(d.jaT, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "ja", Title: "開幕", Body: "本文",
		Attendees: []editorial.AttendeeTranslation{{AttendeeID: wang.ID, Role: testkit.Ptr("市長")}}})).OK(t)
	ja = testkit.Of(d.Svc.SubmitTranslation(d.jaT, r.ID, "ja", ja.Version)).OK(t)
	ja = testkit.Of(d.Svc.ApproveTranslation(d.As(t, d.Reviewer1), r.ID, "ja", ja.Version)).OK(t)
	if deleted := testkit.Of(d.Svc.DeleteTranslation(d.ed, r.ID, "ja", ja.Version)).OK(t); deleted.Status != editorial.TranslationApproved {
		t.Fatalf("deleted %+v", deleted)
	}

	// Reassigning records who was assigned before.
	testkit.Of(d.Svc.AssignTranslator(d.ed, r.ID, "ja", d.ja2.ID)).OK(t)
	trail := testkit.AuditTrail(t, d.DB, r.ID)
	last := trail[len(trail)-1]
	if last.Action != "translation.assign" || testkit.JSONField(t, last.Before, "userId") != float64(d.Translator.ID) || testkit.JSONField(t, last.After, "userId") != float64(d.ja2.ID) {
		t.Fatalf("reassignment entry: %s %s %s", last.Action, last.Before, last.After)
	}
}

// --- the queue ---

// A translator's queue: per locale granted, the reports on their desk whose
// translation is missing, stale or incomplete, assigned to them or nobody,
// oldest source change first.
func TestTranslatorQueue(t *testing.T) {
	t.Parallel()
	d := newTrDesk(t)
	tick := func() time.Time { return d.Clock.Add(time.Hour) }
	mk := func(title string, in reports.CreateReportInput) (*editorial.Report, time.Time) {
		at := tick()
		in.Title, in.DeskID = title, &d.Desk.Desk.ID
		if in.SourceLocale == "" {
			in.SourceLocale = "en"
		}
		return testkit.Of(d.Svc.CreateReport(d.ed, in)).OK(t).Report, at
	}
	translate := func(r *editorial.Report) {
		t.Helper()
		tick()
		testkit.Of(d.Svc.UpsertTranslation(d.jaT, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "ja", Title: "訳", Body: "本文"})).OK(t)
	}
	missing, missingAt := mk("Missing", reports.CreateReportInput{Body: "Body"})
	stale, _ := mk("Stale", reports.CreateReportInput{Body: "Body"})
	translate(stale)
	incomplete, _ := mk("Incomplete", reports.CreateReportInput{Body: "Body"})
	translate(incomplete)
	current, _ := mk("Current", reports.CreateReportInput{Body: "Body"})
	translate(current)
	retagged, _ := mk("Retagged", reports.CreateReportInput{Body: "Body"})
	translate(retagged)
	takenByOther, _ := mk("Assigned to someone else", reports.CreateReportInput{Body: "Body"})
	testkit.Of(d.Svc.AssignTranslator(d.ed, takenByOther.ID, "ja", d.ja2.ID)).OK(t)
	inJapanese, _ := mk("日本語の記事", reports.CreateReportInput{SourceLocale: "ja", Body: "本文"})
	archived, _ := mk("Archived", reports.CreateReportInput{Body: "Body"})
	testkit.Of(d.Svc.DeleteReport(d.ed, archived.ID, archived.Version)).OK(t)
	elsewhere := testkit.Of(d.Svc.CreateReport(d.sys, reports.CreateReportInput{Title: "Elsewhere", SourceLocale: "en", DeskID: &d.otherDeskID})).OK(t).Report

	// The source changes: incomplete first (a subtitle), then stale (the body
	// twice: the first change counts), then a tag only.
	incompleteAt := tick()
	d.update(t, reports.UpdateReportInput{ID: incomplete.ID, Subtitle: testkit.Set(testkit.Ptr("New subtitle"))})
	staleAt := tick()
	d.update(t, reports.UpdateReportInput{ID: stale.ID, Body: testkit.Set("Body, edited")})
	tick()
	d.update(t, reports.UpdateReportInput{ID: stale.ID, Body: testkit.Set("Body, edited twice")})
	tick()
	d.update(t, reports.UpdateReportInput{ID: retagged.ID, Tags: testkit.Set([]reports.TagRef{{Name: "Retagged"}})})
	mine, mineAt := mk("Assigned to me", reports.CreateReportInput{Body: "Body"})
	testkit.Of(d.Svc.AssignTranslator(d.ed, mine.ID, "ja", d.Translator.ID)).OK(t)

	got := testkit.Of(d.Svc.TranslatorQueue(d.jaT, d.Translator.ID, 0)).OK(t)
	want := []translation.QueueItem{
		{ReportID: missing.ID, Locale: "ja", Reason: translation.ReasonMissing, Since: missingAt},
		{ReportID: incomplete.ID, Locale: "ja", Reason: translation.ReasonIncomplete, Since: incompleteAt},
		{ReportID: stale.ID, Locale: "ja", Reason: translation.ReasonStale, Since: staleAt},
		{ReportID: mine.ID, Locale: "ja", Reason: translation.ReasonMissing, Since: mineAt},
	}
	for i := range got {
		got[i].Since = got[i].Since.UTC()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("queue mismatch (-want +got):\n%s\n(current %d, retagged %d, taken %d, ja source %d, archived %d, elsewhere %d)",
			diff, current.ID, retagged.ID, takenByOther.ID, inJapanese.ID, archived.ID, elsewhere.ID)
	}

	// Asking for the first n gives the first n, however the missing and
	// the stale ones interleave.
	for n := 1; n <= len(want); n++ {
		first := testkit.Of(d.Svc.TranslatorQueue(d.jaT, d.Translator.ID, n)).OK(t)
		for i := range first {
			first[i].Since = first[i].Since.UTC()
		}
		testkit.Diff(t, fmt.Sprintf("first %d", n), want[:n], first)
	}

	// The other ja translator sees what is unassigned and theirs, not mine.
	got2 := testkit.Of(d.Svc.TranslatorQueue(d.jaT, d.ja2.ID, 0)).OK(t)
	var ids []int64
	for _, it := range got2 {
		ids = append(ids, it.ReportID)
	}
	if !slices.Equal(ids, []int64{missing.ID, takenByOther.ID, incomplete.ID, stale.ID}) {
		t.Errorf("ja2's queue: %+v", got2)
	}
	// A zh-Hans translator needs every report of the desk but the archived one.
	if n := len(testkit.Of(d.Svc.TranslatorQueue(d.jaT, d.zh.ID, 0)).OK(t)); n != 8 {
		t.Errorf("zh-Hans queue has %d items, want 8", n)
	}
	// Confirming the stale body takes it off the queue.
	st := d.translation(t, stale.ID, "ja")
	testkit.Of(d.Svc.ConfirmTranslationFields(d.jaT, stale.ID, "ja", st.Version, []string{"body"})).OK(t)
	if got := testkit.Of(d.Svc.TranslatorQueue(d.jaT, d.Translator.ID, 0)).OK(t); len(got) != 3 || slices.ContainsFunc(got, func(it translation.QueueItem) bool { return it.ReportID == stale.ID }) {
		t.Errorf("queue after confirming: %+v", got)
	}
	if got := testkit.Of(d.Svc.TranslatorQueue(d.jaT, d.Reviewer1.ID, 0)).OK(t); len(got) != 0 {
		t.Errorf("a reviewer's translation queue: %+v", got)
	}
	_, err := d.Svc.TranslatorQueue(d.jaT, 999999, 0)
	testkit.WantCode(t, err, cerr.NotFound, "")
}

// --- progress ---

func TestTranslationProgress(t *testing.T) {
	t.Parallel()
	d := newTrDesk(t)
	r := d.Draft(t, "Forum opens")
	empty := d.Draft(t, "Nothing translated")
	japanese := testkit.Of(d.Svc.CreateReport(d.ed, reports.CreateReportInput{Title: "日本語", SourceLocale: "ja", DeskID: &d.Desk.Desk.ID})).OK(t).Report
	up := func(locale string) *editorial.Translation {
		return testkit.Of(d.Svc.UpsertTranslation(d.ed, translation.UpsertTranslationInput{ReportID: r.ID, Locale: locale, Title: "T " + locale, Body: "B " + locale})).OK(t)
	}
	ja := up("ja")
	ja = testkit.Of(d.Svc.SubmitTranslation(d.ed, r.ID, "ja", ja.Version)).OK(t)
	testkit.Of(d.Svc.ApproveTranslation(d.As(t, d.Reviewer1), r.ID, "ja", ja.Version)).OK(t)
	up("zh-Hans")
	d.update(t, reports.UpdateReportInput{ID: r.ID, Body: testkit.Set("Changed")})
	ja = d.translation(t, r.ID, "ja")
	testkit.Of(d.Svc.ConfirmTranslationFields(d.ed, r.ID, "ja", ja.Version, []string{"body"})).OK(t)
	up("ko") // not a target locale: counts all the same

	got := testkit.Of(d.Svc.TranslationProgress(d.ed, []int64{r.ID, empty.ID, japanese.ID, 999999}, []string{"zh-hans", "JA", "en"})).OK(t)
	want := map[int64]translation.Progress{
		r.ID: {Current: 2, Total: 3, Locales: []translation.LocaleProgress{
			{Locale: "ja", Status: editorial.TranslationApproved, Current: true},
			{Locale: "ko", Status: editorial.TranslationInProgress, Current: true},
			{Locale: "zh-Hans", Status: editorial.TranslationInProgress, Stale: true},
		}},
		empty.ID: {Total: 2, Locales: []translation.LocaleProgress{
			{Locale: "ja", Status: editorial.TranslationMissing}, {Locale: "zh-Hans", Status: editorial.TranslationMissing}}},
		japanese.ID: {Total: 2, Locales: []translation.LocaleProgress{
			{Locale: "en", Status: editorial.TranslationMissing}, {Locale: "zh-Hans", Status: editorial.TranslationMissing}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("progress mismatch (-want +got):\n%s", diff)
	}
	_, err := d.Svc.TranslationProgress(d.ed, []int64{r.ID}, []string{"xx-!!"})
	testkit.WantErr(t, err, cerr.Invalid, "targetLocales.0")
}

// --- audit ---

// Every successful translation change adds exactly one audit entry with
// its action and the subject key "reportID:locale"; every failed one adds
// none and changes nothing.
func TestTranslationAuditCompleteness(t *testing.T) {
	t.Parallel()
	d := newTrDesk(t)
	r := d.Draft(t, "Audited")
	rev := d.As(t, d.Reviewer1)
	ver := func() int {
		if tr := d.translation(t, r.ID, "ja"); tr != nil {
			return tr.Version
		}
		return 0
	}
	upsert := func(ctx context.Context, title string) func() error {
		return func() error {
			in := translation.UpsertTranslationInput{ReportID: r.ID, Locale: "ja", Title: title, Body: "本文"}
			if v := ver(); v > 0 {
				in.ExpectedVersion = &v
			}
			_, err := d.Svc.UpsertTranslation(ctx, in)
			return err
		}
	}
	edit := func() error {
		_, err := d.Svc.UpdateReport(d.ed, reports.UpdateReportInput{ID: r.ID, ExpectedVersion: d.Current(t, r.ID).Version, Title: testkit.Set(fmt.Sprintf("Audited %d", ver()))})
		return err
	}
	calls := []struct {
		name   string
		call   func() error
		action string // "": must fail with code
		code   string
	}{
		{"upsert by a reviewer", upsert(rev, "訳"), "", cerr.Forbidden},
		{"upsert in the source locale", func() error {
			_, err := d.Svc.UpsertTranslation(d.jaT, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "en", Title: "x"})
			return err
		}, "", cerr.Forbidden},
		{"upsert with an empty title", upsert(d.jaT, " "), "", cerr.Invalid},
		{"create", upsert(d.jaT, "訳"), "translation.upsert", ""},
		{"assign", func() error { _, err := d.Svc.AssignTranslator(d.ed, r.ID, "ja", d.Translator.ID); return err }, "translation.assign", ""},
		{"assign a reviewer", func() error { _, err := d.Svc.AssignTranslator(d.ed, r.ID, "ja", d.Reviewer1.ID); return err }, "", cerr.Invalid},
		{"edit the source title", edit, "report.update", ""},
		{"submit while stale", func() error { _, err := d.Svc.SubmitTranslation(d.jaT, r.ID, "ja", ver()); return err }, "", cerr.Invalid},
		{"confirm a field that is not stale", func() error {
			_, err := d.Svc.ConfirmTranslationFields(d.jaT, r.ID, "ja", ver(), []string{"body"})
			return err
		}, "", cerr.Invalid},
		{"confirm", func() error {
			_, err := d.Svc.ConfirmTranslationFields(d.jaT, r.ID, "ja", ver(), []string{"title"})
			return err
		}, "translation.confirm", ""},
		{"submit an old version", func() error { _, err := d.Svc.SubmitTranslation(d.jaT, r.ID, "ja", ver()-1); return err }, "", cerr.Conflict},
		{"submit", func() error { _, err := d.Svc.SubmitTranslation(d.jaT, r.ID, "ja", ver()); return err }, "translation.submit", ""},
		{"approve by the translator", func() error { _, err := d.Svc.ApproveTranslation(d.jaT, r.ID, "ja", ver()); return err }, "", cerr.Forbidden},
		{"approve", func() error { _, err := d.Svc.ApproveTranslation(rev, r.ID, "ja", ver()); return err }, "translation.approve", ""},
		{"edit after approval", upsert(d.jaT, "訳 2"), "translation.upsert", ""},
		{"delete by a reviewer", func() error { _, err := d.Svc.DeleteTranslation(rev, r.ID, "ja", ver()); return err }, "", cerr.Forbidden},
		{"delete", func() error { _, err := d.Svc.DeleteTranslation(d.jaT, r.ID, "ja", ver()); return err }, "translation.delete", ""},
		{"delete what is gone", func() error { _, err := d.Svc.DeleteTranslation(d.jaT, r.ID, "ja", 1); return err }, "", cerr.NotFound},
	}
	// The source-locale upsert is FORBIDDEN for the ja translator (not their
	// locale) before it is BAD_USER_INPUT.
	for _, c := range calls {
		if c.action == "" {
			wantUnchanged(t, d.DB, c.name, c.call, c.code, "")
			continue
		}
		before := testkit.AuditTrail(t, d.DB, r.ID)
		v := ver()
		if err := c.call(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		after := testkit.AuditTrail(t, d.DB, r.ID)
		if len(after) != len(before)+1 || after[len(after)-1].Action != c.action {
			t.Fatalf("%s: %d → %d audit entries (%v)", c.name, len(before), len(after), testkit.AuditActions(after[len(before):]))
		}
		e := after[len(after)-1]
		if c.action == "report.update" {
			continue
		}
		if e.SubjectType != "ReportTranslation" || e.SubjectID != fmt.Sprintf("%d:ja", r.ID) || e.ActorID == nil {
			t.Errorf("%s: entry %+v", c.name, e)
		}
		if c.action != "translation.assign" && c.action != "translation.delete" && testkit.JSONField(t, e.After, "version") != float64(ver()) {
			t.Errorf("%s: after %s, version %d", c.name, e.After, ver())
		}
		if v > 0 && c.action != "translation.assign" && testkit.JSONField(t, e.Before, "version") != float64(v) {
			t.Errorf("%s: before %s, version was %d", c.name, e.Before, v)
		}
	}
}

// --- the migration ---

// Migration 00007 records, for existing translations, every field with
// text on both sides as translated from the translation's source version.
func TestTranslationFieldsBackfill(t *testing.T) {
	t.Parallel()
	d := newTrDesk(t)
	r := d.Draft(t, "Forum opens")
	r = testkit.Of(d.Svc.SetAttendees(d.ed, r.ID, r.Version, []reports.AttendeeInput{
		{PersonID: &d.Wang.ID, Role: testkit.Ptr("Mayor"), Participations: testkit.Parts("SPEECH")},
		{PersonID: &d.Li.ID, Participations: testkit.Parts("ATTENDED")}}, nil)).OK(t).Report
	atts := testkit.AttendeesOf(t, d.DB, r.ID)
	testkit.Of(d.Svc.UpsertTranslation(d.jaT, translation.UpsertTranslationInput{ReportID: r.ID, Locale: "ja", Title: "開幕", Subtitle: testkit.Ptr("原文にない副題"), Body: "本文",
		Attendees: []editorial.AttendeeTranslation{{AttendeeID: atts[0].ID, Role: testkit.Ptr("市長"), Note: testkit.Ptr("原文にない注")}, {AttendeeID: atts[1].ID, Role: testkit.Ptr("教授")}}})).OK(t)
	d.update(t, reports.UpdateReportInput{ID: r.ID, Body: testkit.Set("The forum opened on Tuesday.")})
	before := fieldVersions(t, d.DB, r.ID, "ja")
	stateBefore := d.state(t, r.ID, "ja")

	sqlDB := d.DB.DB.DB
	if _, err := migrations.Down(t.Context(), sqlDB, false, nil); err != nil {
		t.Fatal(err)
	}
	if n := testkit.RowCount(t, d.DB, "report_translations"); n != 1 {
		t.Fatalf("%d translations after migrating down", n)
	}
	if _, err := migrations.Up(t.Context(), sqlDB, nil); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"title": 2, "body": 2, fmt.Sprintf("attendees.%d.role", atts[0].ID): 2}
	got := fieldVersions(t, d.DB, r.ID, "ja")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("backfilled field versions mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, got); diff != "" {
		t.Fatalf("backfilled field versions vs those recorded before mismatch (-want +got):\n%s", diff)
	}
	st := d.state(t, r.ID, "ja")
	if diff := cmp.Diff(stateBefore, st); diff != "" {
		t.Fatalf("state after the backfill vs before mismatch (-want +got):\n%s", diff)
	}
	if len(st.StaleFields) != 1 || st.StaleFields[0].Field != "body" {
		t.Fatalf("state after the backfill: %s\nbefore: %s", stateString(st), stateString(stateBefore))
	}
}

// Removing an assignment opens the translation to every translator of the
// locale again; only those who may assign may remove one, and removing
// none records nothing.
func TestUnassignTranslator(t *testing.T) {
	t.Parallel()
	d := newTrDesk(t)
	r := d.Draft(t, "Forum opens")
	testkit.Of(d.Svc.AssignTranslator(d.ed, r.ID, "ja", d.Translator.ID)).OK(t)
	wantUnchanged(t, d.DB, "unassign by the translator", func() error { _, err := d.Svc.UnassignTranslator(d.jaT, r.ID, "ja"); return err }, cerr.Forbidden, "")
	wantUnchanged(t, d.DB, "unassign with a bad locale", func() error { _, err := d.Svc.UnassignTranslator(d.ed, r.ID, "j a"); return err }, cerr.Invalid, "input.locale")

	n := len(testkit.AuditTrail(t, d.DB, r.ID))
	prev := testkit.Of(d.Svc.UnassignTranslator(d.ed, r.ID, "ja")).OK(t)
	if prev == nil || prev.UserID != d.Translator.ID || testkit.RowCount(t, d.DB, "translation_assignments") != 0 {
		t.Fatalf("removed %+v; %d assignments left", prev, testkit.RowCount(t, d.DB, "translation_assignments"))
	}
	trail := testkit.AuditTrail(t, d.DB, r.ID)
	if len(trail) != n+1 || trail[len(trail)-1].Action != "translation.unassign" {
		t.Errorf("audit after unassigning: %d new entries", len(trail)-n)
	}
	if again := testkit.Of(d.Svc.UnassignTranslator(d.ed, r.ID, "ja")).OK(t); again != nil || len(testkit.AuditTrail(t, d.DB, r.ID)) != n+1 {
		t.Errorf("removing no assignment returned %+v or recorded something", again)
	}
}
