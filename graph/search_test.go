package graph_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/demo"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/published"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/testkit"
	"github.com/copydesk/copydesk/internal/translation"
)

// searchResult is what the search tests read of a reports connection.
type searchResult struct {
	Reports struct {
		TotalCount int
		Edges      []struct {
			Cursor string
			Node   struct{ Slug, Title string }
			Search *struct {
				Rank       float64
				Locales    []string
				Highlights []struct{ Field, Locale, Text, HTML string }
			}
		}
		PageInfo struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       *string
		}
	}
}

const searchFields = `totalCount edges { cursor node { slug title } search { rank locales highlights { field locale text html } } }
	pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`

func (a *api) search(q string, args string) searchResult {
	a.t.Helper()
	var out searchResult
	a.do(fmt.Sprintf(`query($q: String) { reports(search: $q%s) { %s } }`, args, searchFields), map[string]any{"q": q}, &out)
	return out
}

// highlighted reports whether the i-th report has a highlight of field.
func (r searchResult) highlighted(i int, field string) bool {
	if i >= len(r.Reports.Edges) || r.Reports.Edges[i].Search == nil {
		return false
	}
	return slices.ContainsFunc(r.Reports.Edges[i].Search.Highlights, func(h struct{ Field, Locale, Text, HTML string }) bool { return h.Field == field })
}

func (r searchResult) titles() []string {
	var out []string
	for _, e := range r.Reports.Edges {
		out = append(out, e.Node.Title)
	}
	return out
}

// The demo report is found in every script it is written in, by the
// public (its published text and approved translations) and by the
// newsroom: Chinese, Japanese and Korean from two characters, without
// spaces, and English with its stems.
func TestSearchFindsTheDemoReportInEveryScript(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	if _, err := demo.Load(context.Background(), a.db, nil); err != nil {
		t.Fatal(err)
	}
	newsroomClient := a.as(a.newUser("editor@example.com", auth.Grant{Role: auth.Editor}))
	for _, c := range []struct{ query, locale string }{
		{"科协", "zh-Hans"}, {"中国科协", "zh-Hans"}, {"貿易", "ja"}, {"技術貿易", "ja"}, {"과학", "ko"}, {"과학기술", "ko"},
		{"Georgia Tech", "en"}, {"宋军", "zh-Hans"}, {"conferences", "en"}, {`"science and technology"`, "en"},
	} {
		for name, client := range map[string]*api{"public": a.as(""), "newsroom": newsroomClient} {
			got := client.search(c.query, "")
			if got.Reports.TotalCount != 1 || len(got.Reports.Edges) != 1 || got.Reports.Edges[0].Node.Slug != demoSlug {
				t.Errorf("%s: %q found %d reports: %v", name, c.query, got.Reports.TotalCount, got.titles())
				continue
			}
			hit := got.Reports.Edges[0].Search
			if hit == nil || hit.Rank < 0 || len(hit.Highlights) == 0 {
				t.Errorf("%s: %q: hit %+v", name, c.query, hit)
				continue
			}
			if !slices.Contains(hit.Locales, c.locale) {
				t.Errorf("%s: %q matched in %v, want %s among them", name, c.query, hit.Locales, c.locale)
			}
			if !slices.ContainsFunc(hit.Highlights, func(h struct{ Field, Locale, Text, HTML string }) bool { return strings.Contains(h.HTML, "<mark>") }) {
				t.Errorf("%s: %q: no highlight marks a match: %+v", name, c.query, hit.Highlights)
			}
		}
	}
	for _, q := range []string{"技貿", "Georgia -Tech", "zebracorn", "科协 -宋军"} {
		if got := a.as("").search(q, ""); got.Reports.TotalCount != 0 {
			t.Errorf("%q found %v", q, got.titles())
		}
	}
}

// A search is current in the transaction of the change: what an editor
// saves is found at once in the newsroom, and what is published, by the
// public, without waiting for any worker; unpublishing withdraws it from
// public search at once.
func TestSearchFollowsEveryChangeAtOnce(t *testing.T) {
	t.Parallel()
	f := newPublicFixture(t)
	newsroomClient := f.a
	public := f.a.as("")
	saved, err := f.svc.Reports.UpdateReport(f.ctx, reports.UpdateReportInput{ID: f.report.Report.ID, ExpectedVersion: f.report.Report.Version,
		Summary: editorial.SetTo(testkit.Ptr("A zebracorn appeared."))})
	if err != nil {
		t.Fatal(err)
	}
	if got := newsroomClient.search("zebracorns", ""); got.Reports.TotalCount != 1 {
		t.Errorf("the newsroom finds the edit at once: %v", got.titles())
	}
	if got := public.search("zebracorn", ""); got.Reports.TotalCount != 0 {
		t.Errorf("the public does not find unpublished changes: %v", got.titles())
	}
	if _, err := f.svc.Reports.Publish(f.ctx, f.report.Report.ID, saved.Report.Version); err != nil {
		t.Fatal(err)
	}
	got := public.search("zebracorn", "")
	if got.Reports.TotalCount != 1 || !got.highlighted(0, "SUMMARY") {
		t.Errorf("the public finds it once republished: %+v", got.Reports)
	}
	// A translation in progress is searchable in the newsroom only.
	if _, err := f.svc.Translations.UpsertTranslation(f.ctx, translation.UpsertTranslationInput{ReportID: f.report.Report.ID, Locale: "ja",
		ExpectedVersion: testkit.Ptr(1), Title: "フォーラム開幕、一角獣", Body: "一角獣が現れた。"}); err != nil {
		t.Fatal(err)
	}
	if got := newsroomClient.search("一角獣", ""); got.Reports.TotalCount != 1 || got.Reports.Edges[0].Search == nil || got.Reports.Edges[0].Search.Locales[0] != "ja" {
		t.Errorf("the newsroom finds the working translation: %+v", got.Reports)
	}
	if got := public.search("一角獣", ""); got.Reports.TotalCount != 0 {
		t.Errorf("the public does not find an unapproved translation: %v", got.titles())
	}
	// A renamed person is found under the new name once the rebuild job runs.
	if _, err := f.svc.Directory.UpdatePerson(f.ctx, directory.UpdatePersonInput{ID: f.person.ID, ExpectedVersion: f.person.Version,
		Name: editorial.SetTo("Li Weiming")}); err != nil {
		t.Fatal(err)
	}
	if _, err := (&published.Worker{DB: f.a.db}).Drain(f.ctx, nil); err != nil {
		t.Fatal(err)
	}
	for name, client := range map[string]*api{"public": public, "newsroom": newsroomClient} {
		if got := client.search("Weiming", ""); got.Reports.TotalCount != 1 || !got.highlighted(0, "ATTENDEES") {
			t.Errorf("%s: the new name: %+v", name, got.Reports)
		}
	}
	if _, err := f.svc.Reports.Unpublish(f.ctx, f.report.Report.ID, saved.Report.Version+1, "legal review"); err != nil {
		t.Fatal(err)
	}
	if got := public.search("zebracorn", ""); got.Reports.TotalCount != 0 {
		t.Errorf("unpublishing withdraws it from public search: %v", got.titles())
	}
}

// searchFixture is a newsroom of reports to filter, order and page.
type searchFixture struct {
	a                  *api
	svc                *newsroom.Services
	ctx                context.Context
	forum, session     *editorial.Event
	speaker, moderator *editorial.Person
	org                *editorial.Organization
	ids                map[string]int64 // reports by title
}

func newSearchFixture(t *testing.T) *searchFixture {
	t.Helper()
	a := newAPI(t)
	f := &searchFixture{a: a, svc: newsroom.New(a.db), ctx: auth.WithViewer(context.Background(), auth.System()), ids: map[string]int64{}}
	day := func(s string) *time.Time { d, _ := time.Parse(time.DateOnly, s); return &d }
	var err error
	must := func(err error) {
		if err != nil {
			t.Helper()
			t.Fatal(err)
		}
	}
	f.org, err = f.svc.Directory.CreateOrganization(f.ctx, directory.CreateOrganizationInput{Name: "Qingdao Science Association", Country: testkit.Ptr("CN")})
	must(err)
	f.forum, err = f.svc.Directory.CreateEvent(f.ctx, directory.CreateEventInput{Name: "Trade Forum", StartsAt: day("2020-11-20"), EndsAt: day("2020-11-22"),
		Country: testkit.Ptr("CN"), OrganizerIDs: []int64{f.org.ID}})
	must(err)
	f.session, err = f.svc.Directory.CreateEvent(f.ctx, directory.CreateEventInput{Name: "Opening session", ParentID: &f.forum.ID, StartsAt: day("2020-11-20")})
	must(err)
	f.speaker, err = f.svc.Directory.CreatePerson(f.ctx, directory.CreatePersonInput{Name: "Song Jun", LocalizedNames: editorial.LocalizedNames{"zh-Hans": "宋军"}})
	must(err)
	f.moderator, err = f.svc.Directory.CreatePerson(f.ctx, directory.CreatePersonInput{Name: "Ada Park", AffiliationID: &f.org.ID})
	must(err)
	for _, r := range []reports.CreateReportInput{
		{Title: "Alpha forum opens", Body: "Trade talks begin.", EventID: &f.forum.ID, Status: editorial.Published, Tags: []reports.TagRef{{Name: "Trade"}, {Name: "Science"}},
			Attendees: []reports.AttendeeInput{{PersonID: &f.speaker.ID, Participations: []editorial.Participation{"SPEECH"}}}},
		{Title: "Bravo session report", Body: "The opening session on trade.", EventID: &f.session.ID, Tags: []reports.TagRef{{Name: "Trade"}},
			Attendees: []reports.AttendeeInput{{PersonID: &f.moderator.ID, Participations: []editorial.Participation{"MODERATED"}}}},
		{Title: "Charlie science notes", Body: "Notes on science.", Tags: []reports.TagRef{{Name: "Science"}}, AuthorIDs: []int64{f.speaker.ID}},
		{Title: "Delta unrelated", Body: "Nothing about it.", Status: editorial.Published},
	} {
		r.SourceLocale = "en"
		created, err := f.svc.Reports.CreateReport(f.ctx, r)
		must(err)
		f.ids[r.Title] = created.Report.ID
	}
	return f
}

// What a query means across languages and scripts: exclusions exclude
// under every stemmer, terms may match in different languages, a stop
// word of one language is still a word, and a CJK phrase excluded leaves
// the rest alone.
func TestSearchQueriesMeanWhatTheySay(t *testing.T) {
	t.Parallel()
	f := newSearchFixture(t)
	for _, r := range []reports.CreateReportInput{
		{Title: "Running the numbers", Body: "Runners and foo.", SourceLocale: "en"},
		{Title: "Foo alone", Body: "Nothing else.", SourceLocale: "en"},
		{Title: "Die Häuser", Body: "Foo und die Häuser der Stadt.", SourceLocale: "de"},
		{Title: "科协之声", Body: "foo 中国科协年会", SourceLocale: "zh-Hans"},
	} {
		if _, err := f.svc.Reports.CreateReport(f.ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		search string
		want   []string
	}{
		{"foo -running", []string{"Foo alone", "Die Häuser", "科协之声"}}, // "Runners" stems to "runner", not "run"
		{"foo -run", []string{"Foo alone", "Die Häuser", "科协之声"}},
		{"haus foo", []string{"Die Häuser"}}, // German stems, for a query in any language
		{"the -running", []string{}},         // "the" is no word of these reports
		{"foo -中国科协", []string{"Running the numbers", "Foo alone", "Die Häuser"}},
		{"中国科协 OR häuser", []string{"Die Häuser", "科协之声"}},
	} {
		got := f.a.search(c.search, ", first: 100, orderBy: TITLE_ASC")
		titles := got.titles()
		slices.Sort(titles)
		want := slices.Clone(c.want)
		slices.Sort(want)
		if !slices.Equal(titles, want) {
			t.Errorf("search %q: got %v, want %v", c.search, titles, want)
		}
	}
}

// Relevance: reports whose title, subtitle or summary holds the whole
// query come first (rank 1), newest first; then the reports matching only
// elsewhere (body, attendees, the query spread over fields: rank 0),
// newest first. A head that holds the query does not make a hit of a
// report whose body holds an excluded word.
func TestRelevanceRanksTheHeadFirstThenNewest(t *testing.T) {
	t.Parallel()
	f := newSearchFixture(t)
	for _, r := range []reports.CreateReportInput{
		{Title: "Quokka census opens", Body: "Counting begins."},
		{Title: "Harbour notes", Body: "A quokka was seen at the harbour."},
		{Title: "Island day", Summary: testkit.Ptr("The quokka colony grows."), Body: "More to follow."},
		{Title: "Quokka watch", Body: "Photographers wanted."},
		{Title: "Quokka split", Body: "A census of the island."}, // "quokka census" spread over title and body
		{Title: "Quokka fakes", Body: "Only stuffed toys."},
	} {
		r.SourceLocale = "en"
		if _, err := f.svc.Reports.CreateReport(f.ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		search string
		want   []string
		ranks  []float64
	}{
		{"quokka", []string{"Quokka fakes", "Quokka split", "Quokka watch", "Island day", "Quokka census opens", "Harbour notes"}, []float64{1, 1, 1, 1, 1, 0}},
		{"quokka census", []string{"Quokka census opens", "Quokka split"}, []float64{1, 0}},
		{"quokka -toys", []string{"Quokka split", "Quokka watch", "Island day", "Quokka census opens", "Harbour notes"}, []float64{1, 1, 1, 1, 0}},
	} {
		got := f.a.search(c.search, ", first: 100")
		var ranks []float64
		for _, e := range got.Reports.Edges {
			ranks = append(ranks, e.Search.Rank)
		}
		if !slices.Equal(got.titles(), c.want) || !slices.Equal(ranks, c.ranks) {
			t.Errorf("search %q: got %v ranked %v, want %v ranked %v", c.search, got.titles(), ranks, c.want, c.ranks)
		}
	}
}

// Long reports stay searchable: a body past PostgreSQL's limits is
// indexed as far as it can be (and saved), and a phrase in a translation
// after a long source is found at its own positions.
func TestSearchCopesWithLongReports(t *testing.T) {
	t.Parallel()
	f := newSearchFixture(t)
	var huge strings.Builder
	for i := 0; huge.Len() < 1000_000; i++ {
		fmt.Fprintf(&huge, "w%dx ", i) // every word distinct: a tsvector of all of them would pass 1 MB
	}
	if _, err := f.svc.Reports.CreateReport(f.ctx, reports.CreateReportInput{Title: "A huge report", Body: huge.String(), SourceLocale: "en"}); err != nil {
		t.Fatalf("a 1 MB body of distinct words: %v", err)
	}
	if got := f.a.search("w100x", ""); !slices.Equal(got.titles(), []string{"A huge report"}) {
		t.Errorf("the start of a huge body is searchable: %v", got.titles())
	}
	long, err := f.svc.Reports.CreateReport(f.ctx, reports.CreateReportInput{Title: "A long report", SourceLocale: "en",
		Body: strings.Repeat("many words of a long English body ", 3000)}) // 21,000 positions
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Translations.UpsertTranslation(f.ctx, translation.UpsertTranslationInput{ReportID: long.Report.ID, Locale: "zh-Hans",
		Title: "长篇报道", Body: "中国科协年会开幕"}); err != nil {
		t.Fatal(err)
	}
	if got := f.a.search("中国科协", ""); !slices.Equal(got.titles(), []string{"A long report"}) {
		t.Errorf("a phrase in the translation of a long report: %v", got.titles())
	}
}

// Every filter, alone and with a search, as a table.
func TestReportFilters(t *testing.T) {
	t.Parallel()
	f := newSearchFixture(t)
	tag := func(name string) string {
		var out struct {
			Tags struct{ Nodes []struct{ ID string } }
		}
		f.a.do(`query($n: String) { tags(search: $n) { nodes { id } } }`, map[string]any{"n": name}, &out)
		return out.Tags.Nodes[0].ID
	}
	trade, science := tag("Trade"), tag("Science")
	ids := f.ids
	for _, tr := range []translation.UpsertTranslationInput{
		{ReportID: ids["Alpha forum opens"], Locale: "ja", Title: "アルファ", Body: "貿易", Status: editorial.TranslationApproved},
		{ReportID: ids["Bravo session report"], Locale: "ja", Title: "ブラボー", Body: "貿易"},
		{ReportID: ids["Bravo session report"], Locale: "ko", Title: "브라보", Body: "무역", Status: editorial.TranslationApproved},
	} {
		if _, err := f.svc.Translations.UpsertTranslation(f.ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name, search, filter string
		want                 []string
	}{
		{"an event includes its sessions", "", fmt.Sprintf(`{eventId: %q}`, gid("Event", f.forum.ID)), []string{"Alpha forum opens", "Bravo session report"}},
		{"a session alone", "", fmt.Sprintf(`{eventId: %q}`, gid("Event", f.session.ID)), []string{"Bravo session report"}},
		{"any of two tags", "", fmt.Sprintf(`{tagIds: [%q, %q]}`, trade, science), []string{"Alpha forum opens", "Bravo session report", "Charlie science notes"}},
		{"all of two tags", "", fmt.Sprintf(`{tagIds: [%q, %q], tagsMatch: ALL}`, trade, science), []string{"Alpha forum opens"}},
		{"an attendee", "", fmt.Sprintf(`{personId: %q}`, gid("Person", f.speaker.ID)), []string{"Alpha forum opens"}},
		{"an author", "", fmt.Sprintf(`{authorId: %q}`, gid("Person", f.speaker.ID)), []string{"Charlie science notes"}},
		{"an organization through an affiliation or as organizer", "", fmt.Sprintf(`{organizationId: %q}`, gid("Organization", f.org.ID)),
			[]string{"Alpha forum opens", "Bravo session report"}},
		{"a way of taking part", "", `{participation: [MODERATED]}`, []string{"Bravo session report"}},
		{"a country", "", `{country: "cn"}`, []string{"Alpha forum opens"}},
		{"an event date range", "", `{eventDate: {from: "2020-11-21", to: "2020-11-30"}}`, []string{"Alpha forum opens"}},
		{"a status", "", `{status: [PUBLISHED]}`, []string{"Alpha forum opens", "Delta unrelated"}},
		{"not embargoed, not scheduled", "", `{embargoed: false, scheduled: false, status: [DRAFT]}`, []string{"Bravo session report", "Charlie science notes"}},
		{"published in a range", "", `{published: {from: "2000-01-01T00:00:00Z"}}`, []string{"Alpha forum opens", "Delta unrelated"}},
		{"search and a tag", "trade", fmt.Sprintf(`{tagIds: [%q]}`, trade), []string{"Alpha forum opens", "Bravo session report"}},
		{"search and a status", "trade", `{status: [DRAFT]}`, []string{"Bravo session report"}},
		{"search by the event's name", `"trade forum"`, "{}", []string{"Alpha forum opens"}},
		{"no Japanese translation", "", `{translations: [{locale: "ja", status: [MISSING]}]}`, []string{"Charlie science notes", "Delta unrelated"}},
		{"a source locale is never missing", "", `{translations: [{locale: "en", status: [MISSING]}]}`, []string{}},
		{"an approved Japanese translation", "", `{translations: [{locale: "ja", status: [APPROVED]}]}`, []string{"Alpha forum opens"}},
		{"Japanese in the works or missing", "", `{translations: [{locale: "JA", status: [MISSING, IN_PROGRESS, IN_REVIEW]}]}`, []string{"Bravo session report", "Charlie science notes", "Delta unrelated"}},
		{"Japanese in the works, Korean approved", "", `{translations: [{locale: "ja", status: [IN_PROGRESS]}, {locale: "ko", status: [APPROVED]}]}`, []string{"Bravo session report"}},
	} {
		got := f.a.search(c.search, ", orderBy: TITLE_ASC, filter: "+c.filter)
		if !slices.Equal(got.titles(), c.want) || got.Reports.TotalCount != len(c.want) {
			t.Errorf("%s: got %v (total %d), want %v", c.name, got.titles(), got.Reports.TotalCount, c.want)
		}
	}
	// The public may not filter on what it cannot see.
	e, _ := f.a.as("").fail(`{ reports(filter: {deskIds: []}) { totalCount } }`, nil)
	if e.code() != "FORBIDDEN" || e.field() != "filter.deskIds" {
		t.Errorf("public desk filter: %+v", e)
	}
	e, _ = f.a.as("").fail(`{ reports(filter: {translations: [{locale: "ja", status: [MISSING]}]}) { totalCount } }`, nil)
	if e.code() != "FORBIDDEN" || e.field() != "filter.translations" {
		t.Errorf("public translation filter: %+v", e)
	}
	for _, c := range []struct{ filter, field string }{
		{`{translations: [{locale: "not a locale!", status: [MISSING]}]}`, "filter.translations.0.locale"},
		{`{translations: [{locale: "ja", status: []}]}`, "filter.translations.0.status"},
		{`{translations: [` + strings.Repeat(`{locale: "ja", status: [MISSING]}`, 11) + `]}`, "filter.translations"},
	} {
		e, _ := f.a.fail(`{ reports(filter: `+c.filter+`) { totalCount } }`, nil)
		if e.code() != "BAD_USER_INPUT" || e.field() != c.field {
			t.Errorf("%s: %+v", c.filter, e)
		}
	}
	// The connections of directory entries are the same list.
	var person struct {
		Node struct{ Reports struct{ TotalCount int } }
	}
	f.a.do(fmt.Sprintf(`{ node(id: %q) { ... on Person { reports(search: "alpha") { totalCount } } } }`, gid("Person", f.speaker.ID)), nil, &person)
	if person.Node.Reports.TotalCount != 1 {
		t.Errorf("Person.reports(search:) = %d", person.Node.Reports.TotalCount)
	}
	// … which a filter naming another entry contradicts.
	e, _ = f.a.fail(fmt.Sprintf(`{ node(id: %q) { ... on Person { reports(filter: {personId: %q}) { totalCount } } } }`,
		gid("Person", f.speaker.ID), gid("Person", f.moderator.ID)), nil)
	if e.code() != "BAD_USER_INPUT" || e.field() != "filter.personId" {
		t.Errorf("Person.reports(filter: {personId: another}): %+v", e)
	}
}

// Pages walk the list both ways with the same cursors, in every order,
// and stay stable while reports are added between pages.
func TestReportPagesWalkBothWays(t *testing.T) {
	t.Parallel()
	f := newSearchFixture(t)
	for _, order := range []string{"UPDATED_DESC", "CREATED_ASC", "TITLE_ASC", "TITLE_DESC", "EVENT_DATE_DESC", "PUBLISHED_DESC", "RELEVANCE"} {
		search := ""
		if order == "RELEVANCE" {
			search = "trade OR science OR notes OR unrelated"
		}
		all := f.a.search(search, ", first: 100, orderBy: "+order).titles()
		var forward []string
		var cursor *string
		for i := 0; ; i++ {
			page := f.a.search(search, fmt.Sprintf(", first: 2, after: %s, orderBy: %s", quoteOrNull(cursor), order))
			forward = append(forward, page.titles()...)
			if i == 0 { // a report added after the first page does not shift the pages that follow
				if _, err := f.svc.Reports.CreateReport(f.ctx, reports.CreateReportInput{Title: "Aardvark " + order, SourceLocale: "en", Body: "trade science notes unrelated"}); err != nil {
					t.Fatal(err)
				}
			}
			if !page.Reports.PageInfo.HasNextPage {
				break
			}
			cursor = page.Reports.PageInfo.EndCursor
		}
		if fresh := slices.DeleteFunc(slices.Clone(forward), func(s string) bool { return s == "Aardvark "+order }); !slices.Equal(fresh, all) || len(all) < 4 {
			t.Errorf("%s: forward %v, want %v", order, forward, all)
		}
		now := f.a.search(search, ", first: 100, orderBy: "+order).titles()
		var backward []string
		cursor = nil
		for {
			page := f.a.search(search, fmt.Sprintf(", last: 2, before: %s, orderBy: %s", quoteOrNull(cursor), order))
			backward = append(page.titles(), backward...)
			if !page.Reports.PageInfo.HasPreviousPage {
				break
			}
			cursor = page.Reports.PageInfo.StartCursor
		}
		if !slices.Equal(backward, now) {
			t.Errorf("%s: backward %v, want %v", order, backward, now)
		}
	}
	for _, c := range []struct{ args, field string }{
		{`first: 2, last: 2`, "last"},
		{`orderBy: RELEVANCE`, "orderBy"},
		{`after: "bm9wZQ"`, "after"},
		// well-formed, with a key PostgreSQL cannot read as the order's time
		{fmt.Sprintf(`before: %q`, cursorOf("updated:not a time", 1)), "before"},
		{fmt.Sprintf(`after: %q, orderBy: RELEVANCE, search: "trade"`, cursorOf("relevance:NaNish", 1)), "after"},
	} {
		if e, _ := f.a.fail(`{ reports(`+c.args+`) { totalCount } }`, nil); e.code() != "BAD_USER_INPUT" || e.field() != c.field {
			t.Errorf("%s: %+v", c.args, e)
		}
	}
	// A cursor of another order is refused, not misread.
	page := f.a.search("", ", first: 1, orderBy: TITLE_ASC")
	if e, _ := f.a.fail(fmt.Sprintf(`{ reports(after: %q, orderBy: UPDATED_DESC) { totalCount } }`, *page.Reports.PageInfo.EndCursor), nil); e.code() != "BAD_USER_INPUT" {
		t.Errorf("a cursor of another order: %+v", e)
	}
}

// cursorOf writes a cursor as the API does (base64url of [key, id]).
func cursorOf(key string, id int64) string {
	b, _ := json.Marshal([]any{key, id})
	return base64.RawURLEncoding.EncodeToString(b)
}

func quoteOrNull(s *string) string {
	if s == nil {
		return "null"
	}
	return fmt.Sprintf("%q", *s)
}
