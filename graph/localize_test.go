package graph_test

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/demo"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/testkit"
	"github.com/copydesk/copydesk/internal/translation"
)

type localized struct {
	Report struct {
		Title  string
		Body   string
		Locale struct {
			Requested *string
			Chain     []string
			Complete  bool
			Fields    []struct{ Field, Locale string }
		}
		Attendees []struct {
			Role   *string
			Person *struct{ Name string }
		}
		Event struct{ Name string }
	}
}

const localizedQuery = `query($l: String) { report(slug: "international-technology-trade-conference-qingdao-2020", locale: $l) {
	title body locale { requested chain complete fields { field locale } }
	attendees { role person { name } } event { name } } }`

// Reading the demo report in another locale: every text comes from its
// translation, names of people from the directory in that script, and the
// response says where each value came from; a locale with no translation
// falls back along the chain to the source, and says so.
func TestReadingAReportInAnotherLocale(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	if _, err := demo.Load(context.Background(), a.db, nil); err != nil {
		t.Fatal(err)
	}
	public := a.as("")
	read := func(c *api, loc any) localized {
		var out localized
		vars := map[string]any{}
		if loc != nil {
			vars["l"] = loc
		}
		c.do(localizedQuery, vars, &out)
		return out
	}
	ja := read(public, "ja")
	if ja.Report.Title != "国際技術貿易大会・日中韓技術貿易フォーラム、中国東部の青島で開催" || !ja.Report.Locale.Complete ||
		fmt.Sprint(ja.Report.Locale.Chain) != "[ja en]" {
		t.Errorf("ja: %q %+v", ja.Report.Title, ja.Report.Locale)
	}
	for _, f := range ja.Report.Locale.Fields {
		if f.Field == "title" && f.Locale != "ja" {
			t.Errorf("ja title came from %s", f.Locale)
		}
	}
	names := map[string]bool{}
	translatedRoles := 0
	for _, at := range ja.Report.Attendees {
		if at.Person != nil {
			names[at.Person.Name] = true
		}
		if at.Role != nil && !isASCII(*at.Role) {
			translatedRoles++
		}
	}
	if translatedRoles == 0 {
		t.Error("no attendee role came back in Japanese")
	}
	if !names["後藤吉正"] || !names["宋軍"] || !names["Carl Rust"] {
		t.Errorf("a Japanese read names people in Japanese where the directory has it, else as the newsroom does: %v", names)
	}

	// Lists localize the same way as single reads.
	var list struct {
		Reports struct {
			Nodes []struct {
				Title     string
				Attendees []struct{ Person *struct{ Name string } }
			}
		}
	}
	public.do(`{ reports(first: 5, locale: "ja") { nodes { title attendees { person { name } } } } }`, nil, &list)
	if n := list.Reports.Nodes; len(n) != 1 || n[0].Title != ja.Report.Title || n[0].Attendees[0].Person == nil || n[0].Attendees[0].Person.Name != "宋軍" {
		t.Errorf("a list read in Japanese: %+v", n)
	}

	// Under a translation, names are in the translation's locale too.
	var tr struct {
		Report struct {
			Translation struct {
				Attendees []struct {
					Attendee struct{ Person *struct{ Name string } }
				}
			}
		}
	}
	public.do(`{ report(slug: "international-technology-trade-conference-qingdao-2020") { translation(locale: "ko") { attendees { attendee { person { name } } } } } }`, nil, &tr)
	if at := tr.Report.Translation.Attendees; len(at) == 0 || at[0].Attendee.Person == nil || at[0].Attendee.Person.Name != "쑹쥔" {
		t.Errorf("names under the ko translation: %+v", at)
	}

	zhHant := read(public, "zh-Hant")
	zhNames := map[string]bool{}
	for _, at := range zhHant.Report.Attendees {
		if at.Person != nil {
			zhNames[at.Person.Name] = true
		}
	}
	if !zhNames["宋军"] || !zhNames["干勇"] {
		t.Errorf("a Chinese read names Chinese people in Chinese: %v", zhNames)
	}
	if zhHant.Report.Title != "国际技术贸易大会暨中日韩技术贸易论坛在山东青岛举行" || zhHant.Report.Locale.Complete {
		t.Errorf("zh-Hant falls back to zh-Hans and says it is not complete: %q %+v", zhHant.Report.Title, zhHant.Report.Locale)
	}
	fr := read(public, "fr")
	if !strings.HasPrefix(fr.Report.Title, "International Technology Trade Conference") || fr.Report.Locale.Complete {
		t.Errorf("fr falls back to the source: %q %+v", fr.Report.Title, fr.Report.Locale)
	}
	ko := public.as("")
	ko.acceptLanguage = "ko-KR, en;q=0.5"
	if got := read(ko, nil); got.Report.Title != "국제기술무역대회 및 한중일 기술무역포럼, 중국 동부 칭다오서 개최" {
		t.Errorf("Accept-Language ko-KR: %q %+v", got.Report.Title, got.Report.Locale)
	}
	source := read(public, nil)
	if source.Report.Locale.Requested != nil || !source.Report.Locale.Complete || !strings.Contains(source.Report.Body, "\u00a0") {
		t.Errorf("no locale asked: %+v", source.Report.Locale)
	}
	if e, _ := public.fail(`{ report(slug: "x", locale: "not a locale!") { title } }`, nil); e.code() != "BAD_USER_INPUT" || e.field() != "locale" {
		t.Errorf("bad locale: %+v", e)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// provenanceData creates, as the System viewer, a published English report
// whose translations and directory entries cover a value of every kind
// in some locales and not in others: zh-Hans has every text and the
// first attendee's role but not its note nor the second attendee's role;
// zh-Hant only the title and the second attendee's role; ko everything.
// In the directory, Song Jun has zh-Hans and ko names, Carl Rust none, CAST
// a zh-Hans name, the tag a ja name only, the forum a zh-Hans name and the
// annual meeting above it a zh-Hant one.
func (a *api) provenanceData() {
	a.t.Helper()
	ctx := auth.WithViewer(context.Background(), auth.System())
	svc := newsroom.New(a.db)
	must := func(err error) {
		a.t.Helper()
		if err != nil {
			a.t.Fatal(err)
		}
	}
	cast, err := svc.Directory.CreateOrganization(ctx, directory.CreateOrganizationInput{Name: "China Association for Science and Technology",
		Acronym: testkit.Ptr("CAST"), LocalizedNames: editorial.LocalizedNames{"zh-Hans": "中国科协"}})
	must(err)
	song, err := svc.Directory.CreatePerson(ctx, directory.CreatePersonInput{Name: "Song Jun", AffiliationID: &cast.ID,
		LocalizedNames: editorial.LocalizedNames{"zh-Hans": "宋军", "ko": "쑹쥔"}})
	must(err)
	rust, err := svc.Directory.CreatePerson(ctx, directory.CreatePersonInput{Name: "Carl Rust"})
	must(err)
	annual, err := svc.Directory.CreateEvent(ctx, directory.CreateEventInput{Name: "Annual Meeting", LocalizedNames: editorial.LocalizedNames{"zh-Hant": "年會"}})
	must(err)
	forum, err := svc.Directory.CreateEvent(ctx, directory.CreateEventInput{Name: "Forum", ParentID: &annual.ID, OrganizerIDs: []int64{cast.ID},
		LocalizedNames: editorial.LocalizedNames{"zh-Hans": "论坛"}})
	must(err)
	tag, err := svc.Directory.CreateTag(ctx, directory.CreateTagInput{Name: "Trade", LocalizedNames: editorial.LocalizedNames{"ja": "貿易"}})
	must(err)
	speech := []editorial.Participation{"SPEECH"}
	s, err := svc.Reports.CreateReport(ctx, reports.CreateReportInput{Title: "Forum opens", Slug: testkit.Ptr(provenanceSlug), SourceLocale: "en",
		Summary: testkit.Ptr("A summary."), Body: "The body.", Status: editorial.Published, EventID: &forum.ID,
		Tags: []reports.TagRef{{ID: tag.ID}}, AuthorIDs: []int64{rust.ID},
		Attendees: []reports.AttendeeInput{
			{PersonID: &song.ID, Role: testkit.Ptr("Chair"), Note: testkit.Ptr("Opened the forum."), Participations: speech},
			{PersonID: &rust.ID, Role: testkit.Ptr("Guest"), Participations: speech},
			{OrganizationID: &cast.ID, Participations: []editorial.Participation{"ATTENDED"}},
		}})
	must(err)
	id := s.Report.ID
	byReport, err := postgres.AttendeesByReportIDs(ctx, a.db, []int64{id})
	must(err)
	atts := byReport[id]
	if len(atts) != 3 {
		a.t.Fatalf("%d attendees saved", len(atts))
	}
	role := func(i int, role string, note *string) editorial.AttendeeTranslation {
		return editorial.AttendeeTranslation{AttendeeID: atts[i].ID, Role: &role, Note: note}
	}
	for _, tr := range []translation.UpsertTranslationInput{
		{Locale: "zh-Hans", Title: "论坛开幕", Summary: testkit.Ptr("摘要。"), Body: "正文。", Attendees: []editorial.AttendeeTranslation{role(0, "主席", nil)}},
		{Locale: "zh-Hant", Title: "論壇開幕", Attendees: []editorial.AttendeeTranslation{role(1, "嘉賓", nil)}},
		{Locale: "ko", Title: "포럼 개막", Summary: testkit.Ptr("요약."), Body: "본문.",
			Attendees: []editorial.AttendeeTranslation{role(0, "의장", testkit.Ptr("포럼을 열었다.")), role(1, "손님", nil)}},
	} {
		tr.ReportID, tr.Status = id, editorial.TranslationApproved
		_, err := svc.Translations.UpsertTranslation(ctx, tr)
		must(err)
	}
}

const provenanceSlug = "provenance-forum-opens"

// provenanceQuery reads every localized value of a report and where it
// came from.
const provenanceQuery = `fragment r on Report {
	locale { requested complete fields { field locale } }
	authors { name nameLocale } tags { name nameLocale }
	event { name nameLocale parent { name nameLocale } organizers { name nameLocale } }
	attendees { person { name nameLocale affiliation { name nameLocale } } organization { name nameLocale } } }`

type named struct {
	Name       string
	NameLocale *string
}

type provenanceReport struct {
	Locale struct {
		Requested *string
		Complete  bool
		Fields    []struct{ Field, Locale string }
	}
	Authors, Tags []named
	Event         struct {
		named
		Parent     named
		Organizers []named
	}
	Attendees []struct {
		Person *struct {
			named
			Affiliation *named
		}
		Organization *named
	}
}

// flat lists where each value of r came from: a text field as its locale,
// a directory name as name@locale (name@- when it is the name as the
// newsroom writes it), and complete.
func (r provenanceReport) flat() map[string]string {
	out := map[string]string{"complete": fmt.Sprint(r.Locale.Complete)}
	for _, f := range r.Locale.Fields {
		out[f.Field] = f.Locale
	}
	put := func(key string, n named) {
		loc := "-"
		if n.NameLocale != nil {
			loc = *n.NameLocale
		}
		out[key] = n.Name + "@" + loc
	}
	for i, n := range r.Authors {
		put(fmt.Sprintf("author %d", i), n)
	}
	for i, n := range r.Tags {
		put(fmt.Sprintf("tag %d", i), n)
	}
	put("event", r.Event.named)
	put("event parent", r.Event.Parent)
	for i, n := range r.Event.Organizers {
		put(fmt.Sprintf("organizer %d", i), n)
	}
	for i, at := range r.Attendees {
		if p := at.Person; p != nil {
			put(fmt.Sprintf("attendee %d", i), p.named)
			if p.Affiliation != nil {
				put(fmt.Sprintf("attendee %d affiliation", i), *p.Affiliation)
			}
		}
		if o := at.Organization; o != nil {
			put(fmt.Sprintf("attendee %d organization", i), *o)
		}
	}
	return out
}

// Every localized value of a report read in a locale says which locale it
// is in: texts and attendee roles and notes in Report.locale.fields (and
// in complete), directory names in their nameLocale; the same for the
// public and the newsroom, for a single read and a list.
func TestEveryLocalizedValueSaysItsLocale(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	a.provenanceData()
	// The names as the newsroom writes them, and the ones below each
	// report read in its source locale.
	asWritten := map[string]string{
		"author 0": "Carl Rust@-", "tag 0": "Trade@-", "event": "Forum@-", "event parent": "Annual Meeting@-",
		"organizer 0": "China Association for Science and Technology@-", "attendee 0": "Song Jun@-",
		"attendee 0 affiliation": "China Association for Science and Technology@-", "attendee 1": "Carl Rust@-",
		"attendee 2 organization": "China Association for Science and Technology@-",
	}
	with := func(m map[string]string) map[string]string {
		out := maps.Clone(asWritten)
		maps.Copy(out, m)
		return out
	}
	for _, c := range []struct {
		name   string
		locale any
		want   map[string]string
	}{
		{"source", nil, with(map[string]string{"complete": "true"})},
		// Every text in zh-Hans but the chair's note and the guest's role:
		// not complete. Song Jun, CAST and the forum have zh-Hans names;
		// Carl Rust, the tag and the annual meeting have none.
		{"zh-Hans", "zh-Hans", with(map[string]string{
			"complete": "false", "title": "zh-Hans", "summary": "zh-Hans", "body": "zh-Hans",
			"attendees.0.role": "zh-Hans", "attendees.0.note": "en", "attendees.1.role": "en",
			"attendee 0": "宋军@zh-Hans", "attendee 0 affiliation": "中国科协@zh-Hans", "attendee 2 organization": "中国科协@zh-Hans",
			"organizer 0": "中国科协@zh-Hans", "event": "论坛@zh-Hans",
		})},
		// zh-Hant → zh-Hans → en, value by value.
		{"zh-Hant", "zh-Hant", with(map[string]string{
			"complete": "false", "title": "zh-Hant", "summary": "zh-Hans", "body": "zh-Hans",
			"attendees.0.role": "zh-Hans", "attendees.0.note": "en", "attendees.1.role": "zh-Hant",
			"attendee 0": "宋军@zh-Hans", "attendee 0 affiliation": "中国科协@zh-Hans", "attendee 2 organization": "中国科协@zh-Hans",
			"organizer 0": "中国科协@zh-Hans", "event": "论坛@zh-Hans", "event parent": "年會@zh-Hant",
		})},
		// No ja translation: every text from the source, only the tag in ja.
		{"ja", "ja", with(map[string]string{
			"complete": "false", "title": "en", "summary": "en", "body": "en",
			"attendees.0.role": "en", "attendees.0.note": "en", "attendees.1.role": "en",
			"tag 0": "貿易@ja",
		})},
		// Every text in ko: complete, though most names are not in ko
		// (directory names do not count in complete).
		{"ko", "ko", with(map[string]string{
			"complete": "true", "title": "ko", "summary": "ko", "body": "ko",
			"attendees.0.role": "ko", "attendees.0.note": "ko", "attendees.1.role": "ko",
			"attendee 0": "쑹쥔@ko",
		})},
	} {
		for _, reader := range []struct {
			name string
			c    *api
		}{{"public", a.as("")}, {"newsroom", a}} {
			t.Run(c.name+"/"+reader.name, func(t *testing.T) {
				vars := map[string]any{"s": provenanceSlug}
				if c.locale != nil {
					vars["l"] = c.locale
				}
				var one struct{ Report provenanceReport }
				reader.c.do(`query($s: String!, $l: String) { report(slug: $s, locale: $l) { ...r } } `+provenanceQuery, vars, &one)
				testkit.Diff(t, "report(locale:)", c.want, one.Report.flat())
				if req := one.Report.Locale.Requested; fmt.Sprint(req != nil) != fmt.Sprint(c.locale != nil) || req != nil && *req != c.locale {
					t.Errorf("requested %v, want %v", req, c.locale)
				}
				// A list asks for the locale without the attendees: their
				// roles and notes are listed all the same.
				delete(vars, "s")
				var list struct {
					Reports struct {
						Nodes []struct {
							Locale struct {
								Complete bool
								Fields   []struct{ Field, Locale string }
							}
						}
					}
				}
				reader.c.do(`query($l: String) { reports(first: 5, locale: $l) { nodes { locale { complete fields { field locale } } } } }`, vars, &list)
				if len(list.Reports.Nodes) != 1 {
					t.Fatalf("%d reports listed", len(list.Reports.Nodes))
				}
				got := map[string]string{"complete": fmt.Sprint(list.Reports.Nodes[0].Locale.Complete)}
				want := map[string]string{}
				for _, f := range list.Reports.Nodes[0].Locale.Fields {
					got[f.Field] = f.Locale
				}
				for k, v := range c.want {
					if !strings.Contains(v, "@") { // a text, not a name
						want[k] = v
					}
				}
				testkit.Diff(t, "reports(locale:)", want, got)
			})
		}
	}

	// Under a translation, names say the translation's locale (and its
	// fallbacks).
	var tr struct {
		Report struct {
			Translation struct {
				Attendees []struct {
					Attendee struct{ Person *named }
				}
			}
		}
	}
	a.as("").do(`{ report(slug: "`+provenanceSlug+`") { translation(locale: "ko") { attendees { attendee { person { name nameLocale } } } } } }`, nil, &tr)
	got := []string{}
	for _, at := range tr.Report.Translation.Attendees {
		if p := at.Attendee.Person; p != nil {
			got = append(got, p.Name+"@"+fmt.Sprint(deref(p.NameLocale)))
		}
	}
	if fmt.Sprint(got) != "[쑹쥔@ko Carl Rust@]" {
		t.Errorf("names under the ko translation: %v", got)
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
