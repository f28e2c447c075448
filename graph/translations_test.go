package graph_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/demo"
)

type translationState struct {
	Report struct {
		Version     int
		Translation *struct {
			Status    string
			Version   int
			Freshness *struct {
				Stale       bool
				StaleFields []struct {
					Field    string
					From, To *string
					Changes  []struct{ Op, Text string }
				}
				MissingFields        []string
				SourceVersion        int
				CurrentSourceVersion int
			}
			Assignment *struct {
				Locale     string
				Translator struct{ ID string }
			}
		}
		TranslationProgress *struct {
			Current, Total int
			Locales        []struct {
				Locale, Status string
				Stale          bool
			}
		}
	}
}

const translationStateQuery = `query($id: ID!) { report(id: $id) { version
	translation(locale: "zh-Hans") { status version
		freshness { stale staleFields { field from to changes { op text } } missingFields sourceVersion currentSourceVersion }
		assignment { locale translator { id } } }
	translationProgress { current total locales { locale status stale } } } }`

func (a *api) translationState(id string) translationState {
	a.t.Helper()
	var s translationState
	a.do(translationStateQuery, map[string]any{"id": id}, &s)
	return s
}

// A translation's whole life through the API, as a translator, a reviewer
// and a reader see it: the report is published in English; a translator
// finds the missing zh-Hans in their queue, is assigned, translates; readers
// keep reading English until a reviewer approves; the source changes and
// the translation says exactly what changed; the translator confirms; it is
// approved again; while it is being edited, readers keep the approved text.
func TestTranslationLifecycleThroughTheAPI(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	f := a.fixture()
	translator := a.as(a.newUser("translator@example.org", auth.Grant{Role: auth.Translator}))
	reviewer := a.as(a.newUser("reviewer@example.org", auth.Grant{Role: auth.Reviewer}))
	public := a.as("")
	idv := func(v int) map[string]any { return map[string]any{"id": f.reportID, "v": v} }

	v := a.step(`mutation($id: ID!, $v: Int!) { submitReport(input: {id: $id, expectedVersion: $v}) { report { version } } }`, idv(f.version))
	v = reviewer.step(`mutation($id: ID!, $v: Int!) { approveReport(input: {id: $id, expectedVersion: $v}) { report { version } } }`, idv(v))
	v = a.step(`mutation($id: ID!, $v: Int!) { publishReport(input: {id: $id, expectedVersion: $v}) { report { version } } }`, idv(v))

	// The translator's queue has the missing translation.
	var queue struct {
		TranslatorQueue []struct {
			Report         struct{ ID string }
			Locale, Reason string
		}
	}
	translator.do(`{ translatorQueue { report { id } locale reason } }`, nil, &queue)
	if !slices.ContainsFunc(queue.TranslatorQueue, func(q struct {
		Report         struct{ ID string }
		Locale, Reason string
	}) bool {
		return q.Report.ID == f.reportID && q.Locale == "zh-Hans" && q.Reason == "MISSING"
	}) {
		t.Errorf("queue: %+v", queue.TranslatorQueue)
	}
	if e, _ := public.fail(`{ translatorQueue { locale } }`, nil); e.code() != "UNAUTHENTICATED" {
		t.Errorf("anonymous queue: %+v", e)
	}

	// An editor assigns the translator.
	var me struct{ Viewer struct{ ID string } }
	translator.do(`{ viewer { id } }`, nil, &me)
	a.do(`mutation($id: ID!, $u: ID!) { assignTranslator(input: {reportId: $id, locale: "zh-hans", userId: $u}) { assignment { locale } } }`,
		map[string]any{"id": f.reportID, "u": me.Viewer.ID}, nil)
	if e, _ := translator.fail(`mutation($id: ID!, $u: ID!) { assignTranslator(input: {reportId: $id, locale: "zh-Hans", userId: $u}) { userErrors { code } } }`,
		map[string]any{"id": f.reportID, "u": me.Viewer.ID}); e.code() != "FORBIDDEN" {
		t.Errorf("a translator assigning: %+v", e)
	}
	if e, _ := a.fail(`mutation($id: ID!) { assignTranslator(input: {reportId: $id, locale: "zh-Hans"}) { userErrors { code } } }`,
		map[string]any{"id": f.reportID}); e.code() != "BAD_USER_INPUT" || e.field() != "input.userId" {
		t.Errorf("assigning nobody without saying so: %+v", e)
	}

	// The translator translates every field.
	var up struct {
		UpsertTranslation struct {
			Translation struct {
				Status  string
				Version int
			}
		}
	}
	translator.do(`mutation($id: ID!, $a: ID!) { upsertTranslation(input: {reportId: $id, locale: "zh-Hans", title: "青岛举办论坛",
		summary: "技术贸易论坛。", body: "论坛于周四**开幕**。", attendees: [{attendeeId: $a, role: "中国科协党组成员、书记处书记"}]}) { translation { status version } } }`,
		map[string]any{"id": f.reportID, "a": f.attendeeIDs[0]}, &up)
	if up.UpsertTranslation.Translation.Status != "IN_PROGRESS" {
		t.Fatalf("a new translation: %+v", up.UpsertTranslation.Translation)
	}
	st := a.translationState(f.reportID)
	tr := st.Report.Translation
	if tr.Freshness.Stale || len(tr.Freshness.MissingFields) > 0 || tr.Assignment == nil || tr.Assignment.Translator.ID != me.Viewer.ID {
		t.Errorf("fresh translation: %+v %+v", tr.Freshness, tr.Assignment)
	}
	if p := st.Report.TranslationProgress; p.Current != 1 || p.Total != 3 || len(p.Locales) != 3 {
		t.Errorf("progress: %+v", p)
	}

	// Readers see no unapproved translation.
	readZh := func() (title string, translated []string) {
		var out struct {
			Report struct {
				Title        string
				Translations []struct{ Locale, Title string }
			}
		}
		public.do(`query($s: String!) { report(slug: $s, locale: "zh-Hans") { title translations { locale title } } }`, map[string]any{"s": f.slug}, &out)
		for _, tr := range out.Report.Translations {
			translated = append(translated, tr.Locale+":"+tr.Title)
		}
		return out.Report.Title, translated
	}
	if title, list := readZh(); title != "Forum held in Qingdao" || len(list) != 0 {
		t.Errorf("public read of an unapproved translation: %q %v", title, list)
	}
	if e, _ := public.fail(`query($id: ID!) { report(id: $id) { translationProgress { current } } }`, map[string]any{"id": f.reportID}); e.code() != "UNAUTHENTICATED" {
		t.Errorf("public progress: %+v", e)
	}

	// Submit; the translator may not approve their own work; a reviewer does.
	step := func(c *api, mutation string, version int) (string, int) {
		t.Helper()
		var out map[string]struct {
			Translation struct {
				Status  string
				Version int
			}
		}
		c.do(`mutation($id: ID!, $v: Int!) { `+mutation+`(input: {reportId: $id, locale: "zh-Hans", expectedVersion: $v}) { translation { status version } } }`,
			map[string]any{"id": f.reportID, "v": version}, &out)
		return out[mutation].Translation.Status, out[mutation].Translation.Version
	}
	status, tv := step(translator, "submitTranslation", up.UpsertTranslation.Translation.Version)
	if status != "IN_REVIEW" {
		t.Fatalf("submitted: %s", status)
	}
	if e, _ := translator.fail(`mutation($id: ID!, $v: Int!) { approveTranslation(input: {reportId: $id, locale: "zh-Hans", expectedVersion: $v}) { userErrors { code } } }`,
		map[string]any{"id": f.reportID, "v": tv}); e.code() != "FORBIDDEN" {
		t.Errorf("self-approval: %+v", e)
	}
	status, tv = step(reviewer, "approveTranslation", tv)
	if title, list := readZh(); status != "APPROVED" || title != "青岛举办论坛" || !slices.Equal(list, []string{"zh-Hans:青岛举办论坛"}) {
		t.Errorf("approved: %s, readers see %q %v", status, title, list)
	}

	// The source title changes: the translation is stale in exactly that field.
	a.do(`mutation($id: ID!, $v: Int!) { updateReport(input: {id: $id, expectedVersion: $v, title: "Forum held in Qingdao, China"}) { report { version } } }`, idv(v), nil)
	st = a.translationState(f.reportID)
	fr := st.Report.Translation.Freshness
	if !fr.Stale || len(fr.StaleFields) != 1 || fr.StaleFields[0].Field != "title" || *fr.StaleFields[0].From != "Forum held in Qingdao" ||
		*fr.StaleFields[0].To != "Forum held in Qingdao, China" || fr.CurrentSourceVersion <= fr.SourceVersion {
		t.Fatalf("stale: %+v", fr)
	}
	if !slices.ContainsFunc(fr.StaleFields[0].Changes, func(c struct{ Op, Text string }) bool { return c.Op == "INSERT" && strings.Contains(c.Text, "China") }) {
		t.Errorf("the diff shows what was added: %+v", fr.StaleFields[0].Changes)
	}
	if p := st.Report.TranslationProgress; p.Current != 0 || !p.Locales[slices.IndexFunc(p.Locales, func(l struct {
		Locale, Status string
		Stale          bool
	}) bool {
		return l.Locale == "zh-Hans"
	})].Stale {
		t.Errorf("progress of a stale translation: %+v", p)
	}
	translator.do(`{ translatorQueue { report { id } locale reason } }`, nil, &queue)
	if len(queue.TranslatorQueue) == 0 || queue.TranslatorQueue[0].Reason != "STALE" {
		t.Errorf("the stale translation is back in the queue: %+v", queue.TranslatorQueue)
	}

	// A stale approved translation stays readable; it cannot be resubmitted
	// until the changed field is confirmed (or retranslated).
	e, _ := translator.fail(`mutation($id: ID!, $v: Int!) { confirmTranslationFields(input: {reportId: $id, locale: "zh-Hans", expectedVersion: $v, fields: ["summary"]}) { userErrors { code field } } }`,
		map[string]any{"id": f.reportID, "v": tv})
	if e.code() != "BAD_USER_INPUT" {
		t.Errorf("confirming a field that is not stale: %+v", e)
	}
	var conf struct {
		ConfirmTranslationFields struct {
			Translation struct {
				Version   int
				Freshness struct{ Stale bool }
			}
		}
	}
	translator.do(`mutation($id: ID!, $v: Int!) { confirmTranslationFields(input: {reportId: $id, locale: "zh-Hans", expectedVersion: $v, fields: ["title"]}) {
		translation { version freshness { stale } } } }`, map[string]any{"id": f.reportID, "v": tv}, &conf)
	if conf.ConfirmTranslationFields.Translation.Freshness.Stale {
		t.Errorf("confirmed: still stale")
	}

	// Editing the approved translation: readers keep the approved text
	// until the new one is approved.
	translator.do(`mutation($id: ID!, $v: Int!) { upsertTranslation(input: {reportId: $id, locale: "zh-Hans", expectedVersion: $v, title: "中国青岛举办论坛",
		summary: "技术贸易论坛。", body: "论坛于周四**开幕**。"}) { translation { status } } }`, map[string]any{"id": f.reportID, "v": conf.ConfirmTranslationFields.Translation.Version}, nil)
	if title, _ := readZh(); title != "青岛举办论坛" {
		t.Errorf("while the translation is edited, readers see %q", title)
	}
	if st := a.translationState(f.reportID); st.Report.Translation.Status != "IN_PROGRESS" {
		t.Errorf("an edited approved translation is in progress again: %s", st.Report.Translation.Status)
	}

	// Deleting the translation withdraws it from readers.
	st = a.translationState(f.reportID)
	var del struct {
		DeleteTranslation struct {
			DeletedTranslationID string
			Report               struct{ Translations []struct{ Locale string } }
		}
	}
	a.do(`mutation($id: ID!, $v: Int!) { deleteTranslation(input: {reportId: $id, locale: "zh-Hans", expectedVersion: $v}) {
		deletedTranslationId report { translations { locale } } } }`, map[string]any{"id": f.reportID, "v": st.Report.Translation.Version}, &del)
	if del.DeleteTranslation.DeletedTranslationID == "" || len(del.DeleteTranslation.Report.Translations) != 0 {
		t.Errorf("deleted: %+v", del)
	}
	if title, list := readZh(); title != "Forum held in Qingdao" || len(list) != 0 {
		t.Errorf("after deletion readers see %q %v", title, list)
	}
}

// XLIFF through the API on the demo report: export each translation,
// import it back unchanged, and every character of the CJK text is what it
// was; the document carries the text byte for byte too.
func TestXLIFFRoundTripOfTheDemoReport(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	if _, err := demo.Load(context.Background(), a.db, nil); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Report struct{ ID string }
	}
	a.do(`{ report(slug: "international-technology-trade-conference-qingdao-2020") { id } }`, nil, &rep)
	type text struct {
		Title, Body string
		Summary     *string
		Attendees   []struct{ Role *string }
	}
	read := func(loc string) text {
		var out struct{ Report struct{ Translation text } }
		a.do(`query($id: ID!, $l: String!) { report(id: $id) { translation(locale: $l) { title summary body attendees { role } } } }`,
			map[string]any{"id": rep.Report.ID, "l": loc}, &out)
		return out.Report.Translation
	}
	for _, loc := range []string{"zh-Hans", "ja", "ko"} {
		before := read(loc)
		var exp struct{ XliffExport string }
		a.do(`query($id: ID!, $l: String!) { xliffExport(input: {reportIds: [$id], locale: $l}) }`, map[string]any{"id": rep.Report.ID, "l": loc}, &exp)
		doc := exp.XliffExport
		if !strings.Contains(doc, `trgLang="`+loc+`"`) || !strings.Contains(doc, before.Title) || !strings.Contains(doc, `state="final"`) {
			t.Fatalf("%s export:\n%.600s", loc, doc)
		}
		var imp struct {
			ImportXliff struct {
				Translations []struct{ Locale, Status string }
			}
		}
		a.do(`mutation($d: String!) { importXliff(input: {document: $d}) { translations { locale status } } }`, map[string]any{"d": doc}, &imp)
		if got := imp.ImportXliff.Translations; len(got) != 1 || got[0].Locale != loc || got[0].Status != "IN_PROGRESS" {
			t.Errorf("%s import: %+v", loc, got)
		}
		after := read(loc)
		if after.Title != before.Title || after.Body != before.Body || *after.Summary != *before.Summary || len(after.Attendees) != len(before.Attendees) {
			t.Errorf("%s changed in the round trip", loc)
		}
		for i := range before.Attendees {
			if (before.Attendees[i].Role == nil) != (after.Attendees[i].Role == nil) || before.Attendees[i].Role != nil && *before.Attendees[i].Role != *after.Attendees[i].Role {
				t.Errorf("%s attendee %d role changed", loc, i)
			}
		}
	}

	// A document made before the source changed is refused, listing the fields.
	var exp struct{ XliffExport string }
	a.do(`query($id: ID!) { xliffExport(input: {reportIds: [$id], locale: "ko"}) }`, map[string]any{"id": rep.Report.ID}, &exp)
	var cur struct{ Report struct{ Version int } }
	a.do(`query($id: ID!) { report(id: $id) { version } }`, map[string]any{"id": rep.Report.ID}, &cur)
	a.do(`mutation($id: ID!, $v: Int!) { updateReport(input: {id: $id, expectedVersion: $v, summary: "A new summary."}) { report { version } } }`,
		map[string]any{"id": rep.Report.ID, "v": cur.Report.Version}, nil)
	resp := a.post(`mutation($d: String!) { importXliff(input: {document: $d}) { translations { locale } userErrors { code field changedFields } } }`, map[string]any{"d": exp.XliffExport})
	if len(resp.Errors) != 1 || resp.Errors[0].code() != "CONFLICT" || !strings.Contains(resp.Errors[0].Message, "/summary") {
		t.Errorf("outdated import: %+v", resp.Errors)
	}
	for _, bad := range []string{"", "<xliff", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xliff/>`} {
		if e, _ := a.fail(`mutation($d: String!) { importXliff(input: {document: $d}) { userErrors { code } } }`, map[string]any{"d": bad}); e.code() != "BAD_USER_INPUT" ||
			strings.Contains(e.Message, "SQL") {
			t.Errorf("import of %q: %+v", bad, e)
		}
	}
	// Its errors name the input field, as the export's arguments are spelled.
	if e, _ := a.fail(`query($id: ID!) { xliffExport(input: {reportIds: [$id], locale: "xx-!!"}) }`, map[string]any{"id": rep.Report.ID}); e.code() != "BAD_USER_INPUT" || e.field() != "input.locale" {
		t.Errorf("export into a malformed locale: %+v", e)
	}
	if e, _ := a.as("").fail(`query($id: ID!) { xliffExport(input: {reportIds: [$id], locale: "ko"}) }`, map[string]any{"id": rep.Report.ID}); e.code() != "UNAUTHENTICATED" {
		t.Errorf("anonymous export: %+v", e)
	}
}
