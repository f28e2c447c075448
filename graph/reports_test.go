package graph_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fixture is a small directory and a report built through the API.
type fixture struct {
	orgID, personID, eventID, tagID string
	reportID, slug                  string
	version                         int
	attendeeIDs                     []string
}

func (a *api) fixture() fixture {
	a.t.Helper()
	var f fixture
	var org struct {
		CreateOrganization struct{ Organization struct{ ID string } }
	}
	a.do(`mutation { createOrganization(input: {name: "China Association for Science and Technology", acronym: "CAST", country: "CN",
		localizedNames: [{locale: "zh-hans", value: "中国科学技术协会"}]}) { organization { id } } }`, nil, &org)
	f.orgID = org.CreateOrganization.Organization.ID
	var person struct {
		CreatePerson struct{ Person struct{ ID string } }
	}
	a.do(`mutation($org: ID!) { createPerson(input: {name: "Song Jun", affiliationId: $org,
		localizedNames: [{locale: "zh-Hans", value: "宋军"}]}) { person { id } } }`, map[string]any{"org": f.orgID}, &person)
	f.personID = person.CreatePerson.Person.ID
	var event struct {
		CreateEvent struct{ Event struct{ ID string } }
	}
	a.do(`mutation($org: ID!) { createEvent(input: {name: "China-Japan-Korea Technology Trade Forum", timeZone: "Asia/Shanghai",
		startsAt: "2020-08-13T09:00:00+08:00", city: "Qingdao", country: "CN", format: HYBRID, organizerIds: [$org],
		figures: [{metric: VIEWERS, value: 750000, approximation: MORE_THAN, label: "750,000 live-stream viewers", channels: ["Tencent"]}]}) { event { id } } }`,
		map[string]any{"org": f.orgID}, &event)
	f.eventID = event.CreateEvent.Event.ID
	var tag struct {
		CreateTag struct{ Tag struct{ ID string } }
	}
	a.do(`mutation { createTag(input: {name: "Technology trade"}) { tag { id } } }`, nil, &tag)
	f.tagID = tag.CreateTag.Tag.ID
	var rep struct {
		CreateReport struct {
			Report struct {
				ID, Slug  string
				Version   int
				Attendees []struct{ ID string }
			}
			Revision struct{ Version int }
		}
	}
	a.do(`mutation($person: ID!, $org: ID!, $event: ID!, $tag: ID!) { createReport(input: {
		title: "Forum held in Qingdao", sourceLocale: "en", section: "News", eventId: $event,
		summary: "A forum on technology trade.", body: "The forum **opened** on Thursday.",
		tags: [{id: $tag}, {name: "Cooperation"}],
		attendees: [
			{personId: $person, organizationId: $org, role: "executive secretary of CAST", participations: [SPEECH]},
			{organizationId: $org, participations: [CONGRATULATORY_LETTER]},
			{delegation: "officers from the Consulates General of ROK and Japan", participations: [ATTENDED]}
		]}) { report { id slug version attendees { id } } revision { version } } }`,
		map[string]any{"person": f.personID, "org": f.orgID, "event": f.eventID, "tag": f.tagID}, &rep)
	r := rep.CreateReport.Report
	f.reportID, f.slug, f.version = r.ID, r.Slug, r.Version
	for _, at := range r.Attendees {
		f.attendeeIDs = append(f.attendeeIDs, at.ID)
	}
	if rep.CreateReport.Revision.Version != 1 || r.Version != 1 {
		a.t.Fatalf("a new report is at version 1 with revision 1, got %+v", rep.CreateReport)
	}
	return f
}

const reportFields = `id slug previousSlugs sourceLocale section title subtitle summary
	body html: body(format: HTML) text: body(format: TEXT) wordCount status version
	event { name city country format timeZone figures { metric value approximation label channels } organizers { acronym } }
	tags { name slug reportCount }
	attendees { position role participations delegation person { name zh: localizedName(locale: "zh-Hans") affiliation { acronym } } organization { name acronym } }
	translations { locale title }`

func TestCreateReportAndReadItBackEveryWay(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	f := a.fixture()

	var byID, bySlug, byNode struct {
		Report, Node json.RawMessage
	}
	a.do(`query($id: ID!) { report(id: $id) { `+reportFields+` } }`, map[string]any{"id": f.reportID}, &byID)
	a.do(`query($slug: String!) { report(slug: $slug) { `+reportFields+` } }`, map[string]any{"slug": f.slug}, &bySlug)
	a.do(`query($id: ID!) { node(id: $id) { ... on Report { `+reportFields+` } } }`, map[string]any{"id": f.reportID}, &byNode)
	if string(byID.Report) != string(bySlug.Report) || string(byID.Report) != string(byNode.Node) {
		t.Fatalf("report(id), report(slug) and node(id) disagree:\n%s\n%s\n%s", byID.Report, bySlug.Report, byNode.Node)
	}
	var r struct {
		Slug, Title, Body, HTML, Text, Status string
		WordCount                             int
		Event                                 struct {
			City    string
			Figures []struct {
				Metric        string
				Value         int
				Approximation string
				Channels      []string
			}
			Organizers []struct{ Acronym string }
		}
		Tags      []struct{ Name, Slug string }
		Attendees []struct {
			Position       int
			Role           *string
			Participations []string
			Delegation     *string
			Person         *struct {
				Name, Zh    string
				Affiliation struct{ Acronym string }
			}
			Organization *struct{ Acronym string }
		}
	}
	if err := json.Unmarshal(byID.Report, &r); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"slug from title", r.Slug, "forum-held-in-qingdao"},
		{"status", r.Status, "DRAFT"},
		{"markdown body", r.Body, "The forum **opened** on Thursday."},
		{"html body", strings.TrimSpace(r.HTML), "<p>The forum <strong>opened</strong> on Thursday.</p>"},
		{"text body", strings.TrimSpace(r.Text), "The forum opened on Thursday."},
		{"word count", r.WordCount, 5},
		{"event city", r.Event.City, "Qingdao"},
		{"figure", fmt.Sprint(r.Event.Figures), "[{VIEWERS 750000 MORE_THAN [Tencent]}]"},
		{"organizer", r.Event.Organizers[0].Acronym, "CAST"},
		{"tags in order, the second created by name", fmt.Sprint(r.Tags), "[{Technology trade technology-trade} {Cooperation cooperation}]"},
		{"attendees", len(r.Attendees), 3},
		{"speaker's localized name", r.Attendees[0].Person.Zh, "宋军"},
		{"speaker's role", *r.Attendees[0].Role, "executive secretary of CAST"},
		{"organization attendee", r.Attendees[1].Organization.Acronym, "CAST"},
		{"delegation without people", *r.Attendees[2].Delegation, "officers from the Consulates General of ROK and Japan"},
		{"positions", r.Attendees[2].Position, 2},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
}

func TestBodyHTMLIsSanitized(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var out struct {
		CreateReport struct{ Report struct{ HTML string } }
	}
	a.do(`mutation { createReport(input: {title: "XSS", sourceLocale: "en",
		body: "Hi <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"}) {
		report { html: body(format: HTML) } } }`, nil, &out)
	html := out.CreateReport.Report.HTML
	for _, bad := range []string{"<script", "javascript:", "onerror"} {
		if strings.Contains(html, bad) {
			t.Errorf("rendered HTML keeps %q: %s", bad, html)
		}
	}
}

// Every failure a client can cause comes back with a stable code, the input
// field at fault, a typed user error in the payload, and no change.
func TestMutationFailuresAreTypedAndChangeNothing(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	f := a.fixture()
	other := a.createReport("Another report", "")
	long := strings.Repeat("x", 301)
	huge := strings.Repeat("a", 1<<20+1)
	cases := []struct {
		name, mutation string
		vars           map[string]any
		code, field    string
	}{
		{"empty title", `createReport(input: {title: "  ", sourceLocale: "en"})`, nil, "BAD_USER_INPUT", "input.title"},
		{"title too long", `createReport(input: {title: $s, sourceLocale: "en"})`, map[string]any{"s": long}, "BAD_USER_INPUT", "input.title"},
		{"invalid locale", `createReport(input: {title: "T", sourceLocale: "english!"})`, nil, "BAD_USER_INPUT", "input.sourceLocale"},
		{"oversized body", `createReport(input: {title: "T", sourceLocale: "en", body: $s})`, map[string]any{"s": huge}, "BAD_USER_INPUT", "input.body"},
		{"slug taken", `createReport(input: {title: "T", sourceLocale: "en", slug: $s})`, map[string]any{"s": f.slug}, "CONFLICT", "input.slug"},
		{"bad slug", `createReport(input: {title: "T", sourceLocale: "en", slug: "Not A Slug"})`, nil, "BAD_USER_INPUT", "input.slug"},
		{"not an ID", `createReport(input: {title: "T", sourceLocale: "en", eventId: "nonsense"})`, nil, "BAD_USER_INPUT", "input.eventId"},
		{"ID of the wrong type", `createReport(input: {title: "T", sourceLocale: "en", eventId: $s})`, map[string]any{"s": f.personID}, "BAD_USER_INPUT", "input.eventId"},
		{"unknown event", `createReport(input: {title: "T", sourceLocale: "en", eventId: "RXZlbnQ6OTk5OTk"})`, nil, "NOT_FOUND", "input.eventId"},
		{"duplicated attendee", `createReport(input: {title: "T", sourceLocale: "en", attendees: [{personId: $s, participations: [SPEECH]}, {personId: $s, participations: [ATTENDED]}]})`,
			map[string]any{"s": f.personID}, "BAD_USER_INPUT", "input.attendees.1"},
		{"attendee who is nobody", `createReport(input: {title: "T", sourceLocale: "en", attendees: [{role: "guest", participations: [ATTENDED]}]})`, nil, "BAD_USER_INPUT", "input.attendees.0"},
		{"unknown attendee person", `createReport(input: {title: "T", sourceLocale: "en", attendees: [{personId: "UGVyc29uOjk5OTk5", participations: [ATTENDED]}]})`, nil, "NOT_FOUND", "input.attendees.0.personId"},
		{"duplicated tag", `createReport(input: {title: "T", sourceLocale: "en", tags: [{id: $s}, {id: $s}]})`, map[string]any{"s": f.tagID}, "BAD_USER_INPUT", "input.tags.1"},
		{"stale version", `updateReport(input: {id: $s, expectedVersion: 0, title: "New"})`, map[string]any{"s": f.reportID}, "CONFLICT", "input.expectedVersion"},
		{"rename to a taken slug", `updateReport(input: {id: $s, expectedVersion: 1, slug: "another-report"})`, map[string]any{"s": f.reportID}, "CONFLICT", "input.slug"},
		{"clear the title", `updateReport(input: {id: $s, expectedVersion: 1, title: null})`, map[string]any{"s": f.reportID}, "BAD_USER_INPUT", "input.title"},
		{"unknown report", `updateReport(input: {id: "UmVwb3J0Ojk5OTk5", expectedVersion: 1, title: "T"})`, nil, "NOT_FOUND", ""},
		{"restore a report that is not archived", `restoreReport(input: {id: $s, expectedVersion: 1})`, map[string]any{"s": f.reportID}, "BAD_USER_INPUT", "input.id"},
		{"attendee of another report", `setReportAttendees(input: {reportId: $s, expectedVersion: 1, attendees: [{id: $a, participations: [ATTENDED]}]})`,
			map[string]any{"s": other, "a": f.attendeeIDs[0]}, "NOT_FOUND", "input.attendees.0.id"},
		{"translation in the source locale", `upsertTranslation(input: {reportId: $s, locale: "en", title: "T"})`, map[string]any{"s": f.reportID}, "BAD_USER_INPUT", ""},
		{"tag parent cycle", `updateTag(input: {id: $s, expectedVersion: 1, parentId: $s})`, map[string]any{"s": f.tagID}, "BAD_USER_INPUT", "input.parentId"},
		{"invalid country", `createOrganization(input: {name: "X", country: "XX"})`, nil, "BAD_USER_INPUT", "input.country"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := a.rowCounts()
			var decl []string
			for k, v := range c.vars {
				typ := "String!"
				if strings.HasPrefix(fmt.Sprint(v), "U") || strings.HasPrefix(fmt.Sprint(v), "V") || strings.HasPrefix(fmt.Sprint(v), "Q") {
					typ = "ID!" // a global ID (base64 of "Report:…", "Tag:…", "Person:…", "Attendee:…")
				}
				if k == "s" && (strings.Contains(c.mutation, "title: $s") || strings.Contains(c.mutation, "body: $s") || strings.Contains(c.mutation, "slug: $s")) {
					typ = "String!"
				}
				decl = append(decl, "$"+k+": "+typ)
			}
			vars := ""
			if len(decl) > 0 {
				vars = "(" + strings.Join(decl, ", ") + ")"
			}
			name := c.mutation[:strings.Index(c.mutation, "(")]
			e, data := a.fail(`mutation`+vars+` { `+c.mutation+` { userErrors { code field message } } }`, c.vars)
			if e.code() != c.code || (c.field != "" && e.field() != c.field) {
				t.Errorf("got %s on %q (%s), want %s on %q", e.code(), e.field(), e.Message, c.code, c.field)
			}
			var payload map[string]struct {
				UserErrors []struct{ Code, Field, Message string }
			}
			if err := json.Unmarshal(data, &payload); err == nil {
				ue := payload[name].UserErrors
				if len(ue) != 1 || ue[0].Code != e.code() || ue[0].Message != e.Message {
					t.Errorf("payload userErrors %+v do not match the error %+v", ue, e)
				}
			}
			if after := a.rowCounts(); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("a failed mutation changed the database: %v → %v", before, after)
			}
		})
	}
}

func (a *api) createReport(title, body string) string {
	a.t.Helper()
	var out struct {
		CreateReport struct{ Report struct{ ID string } }
	}
	a.do(`mutation($t: String!, $b: String) { createReport(input: {title: $t, sourceLocale: "en", body: $b}) { report { id } } }`,
		map[string]any{"t": title, "b": body}, &out)
	return out.CreateReport.Report.ID
}

func TestStaleUpdateSaysWhatChanged(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	id := a.createReport("First title", "Body one.")
	a.do(`mutation($id: ID!) { updateReport(input: {id: $id, expectedVersion: 1, title: "Second title"}) { report { version } } }`,
		map[string]any{"id": id}, nil)
	e, data := a.fail(`mutation($id: ID!) { updateReport(input: {id: $id, expectedVersion: 1, body: "Mine."}) {
		report { id } userErrors { code currentVersion changedFields } } }`, map[string]any{"id": id})
	if e.code() != "CONFLICT" || e.Extensions["currentVersion"] != float64(2) || fmt.Sprint(e.Extensions["changedFields"]) != "[title]" {
		t.Errorf("conflict error: %+v", e)
	}
	want := `{"updateReport":{"report":null,"userErrors":[{"code":"CONFLICT","currentVersion":2,"changedFields":["title"]}]}}`
	if string(data) != want {
		t.Errorf("payload:\n got %s\nwant %s", data, want)
	}
}

// Many editors save the same version at once: exactly one wins, the others
// get CONFLICT, and no update is lost.
func TestConcurrentUpdatesOneWins(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	id := a.createReport("Race", "")
	const editors = 16
	codes := make([]string, editors)
	var wg sync.WaitGroup
	for i := range editors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp := a.post(`mutation($id: ID!, $t: String!) { updateReport(input: {id: $id, expectedVersion: 1, title: $t}) { report { version } } }`,
				map[string]any{"id": id, "t": fmt.Sprintf("Title by editor %d", i)})
			if len(resp.Errors) > 0 {
				codes[i] = resp.Errors[0].code()
			} else {
				codes[i] = "OK"
			}
		}()
	}
	wg.Wait()
	slices.Sort(codes)
	if ok := slices.Index(codes, "CONFLICT"); codes[editors-1] != "OK" || codes[editors-2] != "CONFLICT" || ok != 0 {
		t.Fatalf("want one OK and %d CONFLICT, got %v", editors-1, codes)
	}
	var out struct {
		Report struct {
			Version   int
			Revisions struct{ TotalCount int }
		}
	}
	a.do(`query($id: ID!) { report(id: $id) { version revisions { totalCount } } }`, map[string]any{"id": id}, &out)
	if out.Report.Version != 2 || out.Report.Revisions.TotalCount != 2 {
		t.Errorf("after the race: version %d with %d revisions, want 2 and 2", out.Report.Version, out.Report.Revisions.TotalCount)
	}
}

func TestRevisionsDiffAndRestore(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	f := a.fixture()
	a.do(`mutation($id: ID!) { updateReport(input: {id: $id, expectedVersion: 1, title: "Forum closes in Qingdao",
		body: "The forum **closed** on Friday.", tags: [{name: "Cooperation"}], message: "Later news"}) { report { version } } }`,
		map[string]any{"id": f.reportID}, nil)
	a.do(`mutation($id: ID!, $a: ID!) { setReportAttendees(input: {reportId: $id, expectedVersion: 2,
		attendees: [{id: $a, personId: null, delegation: "the speaker", role: "host", participations: [PRESIDED]}]}) { report { version } } }`,
		map[string]any{"id": f.reportID, "a": f.attendeeIDs[2]}, nil)
	var revs struct {
		Report struct {
			Revisions struct {
				TotalCount int
				Nodes      []struct {
					ID, Message string
					Version     int
				}
			}
		}
	}
	a.do(`query($id: ID!) { report(id: $id) { revisions { totalCount nodes { id version message } } } }`, map[string]any{"id": f.reportID}, &revs)
	nodes := revs.Report.Revisions.Nodes
	if revs.Report.Revisions.TotalCount != 3 || nodes[0].Version != 3 || nodes[2].Version != 1 || nodes[1].Message != "Later news" {
		t.Fatalf("revisions, newest first: %+v", revs.Report.Revisions)
	}
	var diff struct {
		RevisionDiff struct {
			ChangedFields []string
			TextChanges   []struct {
				Field    string
				Segments []struct{ Op, Text string }
			}
			TagsAdded, TagsRemoved []string
			AttendeesRemoved       []struct{ PersonName *string }
			AttendeesChanged       []struct {
				Fields []string
				After  struct{ Role *string }
			}
		}
	}
	a.do(`query($a: ID!, $b: ID!) { revisionDiff(from: $a, to: $b) { changedFields textChanges { field segments { op text } }
		tagsAdded tagsRemoved attendeesRemoved { personName } attendeesChanged { fields after { role } } } }`,
		map[string]any{"a": nodes[2].ID, "b": nodes[0].ID}, &diff)
	d := diff.RevisionDiff
	if fmt.Sprint(d.ChangedFields) != "[title body tags attendees]" {
		t.Errorf("changed fields: %v", d.ChangedFields)
	}
	if fmt.Sprint(d.TagsRemoved) != "[technology-trade]" || len(d.TagsAdded) != 0 {
		t.Errorf("tags added %v removed %v", d.TagsAdded, d.TagsRemoved)
	}
	if len(d.AttendeesRemoved) != 2 || len(d.AttendeesChanged) != 1 || *d.AttendeesChanged[0].After.Role != "host" {
		t.Errorf("attendee changes: removed %+v changed %+v", d.AttendeesRemoved, d.AttendeesChanged)
	}
	var body []string
	for _, tc := range d.TextChanges {
		if tc.Field == "body" {
			for _, s := range tc.Segments {
				body = append(body, s.Op+":"+s.Text)
			}
		}
	}
	if got := strings.Join(body, "|"); got != "EQUAL:The forum **|DELETE:opened|INSERT:closed|EQUAL:** on |DELETE:Thursday|INSERT:Friday|EQUAL:." {
		t.Errorf("body diff: %s", got)
	}

	var restored struct {
		RestoreRevision struct {
			Report struct {
				Title     string
				Version   int
				Tags      []struct{ Slug string }
				Attendees []struct{ ID string }
			}
			Revision struct{ Message string }
		}
	}
	a.do(`mutation($rev: ID!) { restoreRevision(input: {revisionId: $rev, expectedVersion: 3}) {
		report { title version tags { slug } attendees { id } } revision { message } } }`, map[string]any{"rev": nodes[2].ID}, &restored)
	rr := restored.RestoreRevision
	if rr.Report.Title != "Forum held in Qingdao" || rr.Report.Version != 4 || len(rr.Report.Tags) != 2 || len(rr.Report.Attendees) != 3 {
		t.Errorf("restored report: %+v", rr.Report)
	}
	if rr.Revision.Message != "Restored version 1" {
		t.Errorf("restore message: %q", rr.Revision.Message)
	}
	if rr.Report.Attendees[2].ID != f.attendeeIDs[2] {
		t.Errorf("the kept attendee keeps its ID across restore")
	}
}

func TestSlugRenameKeepsOldLinks(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	f := a.fixture()
	a.do(`mutation($id: ID!) { updateReport(input: {id: $id, expectedVersion: 1, slug: "qingdao-forum"}) { report { slug } } }`,
		map[string]any{"id": f.reportID}, nil)
	var out struct {
		Report struct {
			Slug          string
			PreviousSlugs []string
		}
	}
	a.do(`query($s: String!) { report(slug: $s) { slug previousSlugs } }`, map[string]any{"s": f.slug}, &out)
	if out.Report.Slug != "qingdao-forum" || fmt.Sprint(out.Report.PreviousSlugs) != "[forum-held-in-qingdao]" {
		t.Errorf("old slug resolves to %+v", out.Report)
	}
	var missing struct{ Report *struct{ ID string } }
	a.do(`{ report(slug: "no-such-report") { id } }`, nil, &missing)
	if missing.Report != nil {
		t.Errorf("an unknown slug is null, got %+v", missing.Report)
	}
}

func TestArchiveAndRestore(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	id := a.createReport("To archive", "")
	var del struct {
		DeleteReport struct {
			Report struct{ Status, ArchivedAt *string }
		}
	}
	a.do(`mutation($id: ID!) { deleteReport(input: {id: $id, expectedVersion: 1}) { report { status archivedAt } } }`, map[string]any{"id": id}, &del)
	if *del.DeleteReport.Report.Status != "ARCHIVED" || del.DeleteReport.Report.ArchivedAt == nil {
		t.Fatalf("archived: %+v", del.DeleteReport.Report)
	}
	var list struct{ Reports struct{ TotalCount int } }
	a.do(`{ reports { totalCount } }`, nil, &list)
	if list.Reports.TotalCount != 0 {
		t.Errorf("archived reports leave the default list")
	}
	var res struct {
		RestoreReport struct{ Report struct{ Status string } }
	}
	a.do(`mutation($id: ID!) { restoreReport(input: {id: $id, expectedVersion: 2}) { report { status } } }`, map[string]any{"id": id}, &res)
	if res.RestoreReport.Report.Status != "DRAFT" {
		t.Errorf("restored to %s, want DRAFT", res.RestoreReport.Report.Status)
	}
}

func TestTranslationsAreStoredAndRead(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	f := a.fixture()
	var up struct {
		UpsertTranslation struct {
			Translation struct {
				ID, Locale, Title string
				Version           int
			}
		}
	}
	a.do(`mutation($id: ID!, $a: ID!) { upsertTranslation(input: {reportId: $id, locale: "zh-hans", title: "青岛举办论坛",
		body: "论坛于周四**开幕**。", attendees: [{attendeeId: $a, role: "中国科协党组成员、书记处书记"}]}) { translation { id locale title version } } }`,
		map[string]any{"id": f.reportID, "a": f.attendeeIDs[0]}, &up)
	tr := up.UpsertTranslation.Translation
	if tr.Locale != "zh-Hans" || tr.Title != "青岛举办论坛" || tr.Version != 1 {
		t.Fatalf("translation: %+v", tr)
	}
	var out struct {
		Node struct {
			Body      string
			WordCount int
			Attendees []struct {
				Role     string
				Attendee struct{ ID string }
			}
			Report struct{ ID string }
		}
	}
	a.do(`query($id: ID!) { node(id: $id) { ... on ReportTranslation { body wordCount attendees { role attendee { id } } report { id } } } }`,
		map[string]any{"id": tr.ID}, &out)
	n := out.Node
	if n.Body != "论坛于周四**开幕**。" || n.Report.ID != f.reportID || len(n.Attendees) != 1 ||
		n.Attendees[0].Role != "中国科协党组成员、书记处书记" || n.Attendees[0].Attendee.ID != f.attendeeIDs[0] {
		t.Errorf("translation read back: %+v", n)
	}
	e, _ := a.fail(`mutation($id: ID!) { upsertTranslation(input: {reportId: $id, locale: "zh-Hans", expectedVersion: 0, title: "X"}) { userErrors { code } } }`,
		map[string]any{"id": f.reportID})
	if e.code() != "CONFLICT" {
		t.Errorf("stale translation version: %s", e.code())
	}
}
