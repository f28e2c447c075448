package graph_test

import (
	"fmt"
	"strings"
	"testing"
)

// A list costs the same number of SQL round trips whether it holds 2 reports
// or 20: every relation is fetched once per list by a dataloader, never once
// per item.
func TestListQueriesCostConstantSQL(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	const deep = `{ reports(first: 100) { totalCount edges { cursor node {
		id title body(format: HTML) previousSlugs
		event { name organizers { name parent { name } } children { name } parent { name } }
		tags { name reportCount parent { name } children { name } }
		authors { name affiliation { name } }
		attendees { role person { name affiliation { acronym } } organization { name } }
		translations { locale title attendees { role attendee { id } }
			freshness { stale staleFields { field changes { op } } missingFields } assignment { translator { name } } }
		translationProgress { current total locales { locale status stale } }
		revisions(first: 3) { nodes { version snapshot { title tags { slug } } } }
	} } } }`
	f := a.fixture()
	addReports := func(n int) {
		for i := range n {
			var out struct {
				CreateReport struct{ Report struct{ ID string } }
			}
			a.do(`mutation($t: String!, $p: ID!, $o: ID!, $e: ID!, $tag: ID!) { createReport(input: {title: $t, sourceLocale: "en", eventId: $e,
				authorIds: [$p], tags: [{id: $tag}], attendees: [{personId: $p, participations: [SPEECH]}, {organizationId: $o, participations: [HOSTED]}]}) { report { id } } }`,
				map[string]any{"t": fmt.Sprintf("Report %d", i), "p": f.personID, "o": f.orgID, "e": f.eventID, "tag": f.tagID}, &out)
			a.do(`mutation($id: ID!) { upsertTranslation(input: {reportId: $id, locale: "ja", title: "報告"}) { translation { id } } }`,
				map[string]any{"id": out.CreateReport.Report.ID}, nil)
		}
	}
	// The same list read in Japanese: texts, roles and names from the
	// translations and the directory, still batched.
	const localized = `{ reports(first: 100, locale: "ja") { nodes { title wordCount locale { complete fields { field locale } }
		attendees { role person { name } organization { name } } tags { name } event { name } } } }`
	// A loader batch that splits on a saturated machine costs a statement
	// more, never one less: each count is the fewest of three runs, which
	// an N+1 (a statement per report) still makes grow with the list.
	fewest := func(query string, out any) int64 {
		n := int64(1 << 62)
		for range 3 {
			a.do(query, nil, out)
			n = min(n, a.sql.Load())
		}
		return n
	}
	addReports(1)
	small := fewest(deep, nil)
	smallLocalized := fewest(localized, nil)
	addReports(18)
	if n := fewest(localized, nil); n != smallLocalized {
		t.Errorf("SQL round trips of a localized list grow with the list: %d for 2 reports, %d for 20 (N+1)", smallLocalized, n)
	} else {
		t.Logf("SQL round trips for the localized list: %d with 2 reports and with 20", n)
	}
	var out struct {
		Reports struct{ TotalCount int }
	}
	big := fewest(deep, &out)
	if out.Reports.TotalCount != 20 {
		t.Fatalf("want 20 reports, got %d", out.Reports.TotalCount)
	}
	t.Logf("SQL round trips for the deep list: %d with 2 reports, %d with 20", small, big)
	if big != small {
		t.Errorf("SQL round trips grow with the list: %d for 2 reports, %d for 20 (N+1)", small, big)
	}
	if big > 32 {
		t.Errorf("the deep list takes %d SQL round trips; expected about one per relation", big)
	}
}

// Paging with first/after visits every report exactly once, newest change first.
func TestReportsPaginateWithoutGapsOrRepeats(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	for i := range 7 {
		a.createReport(fmt.Sprintf("Report %d", i), "")
	}
	seen := map[string]bool{}
	var order []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		var out struct {
			Reports struct {
				TotalCount int
				Nodes      []struct{ ID, Title string }
				PageInfo   struct {
					HasNextPage bool
					EndCursor   *string
				}
			}
		}
		vars := map[string]any{}
		if after != "" {
			vars["after"] = after
		}
		a.do(`query($after: String) { reports(first: 3, after: $after) { totalCount nodes { id title } pageInfo { hasNextPage endCursor } } }`, vars, &out)
		if out.Reports.TotalCount != 7 {
			t.Errorf("totalCount %d on every page, want 7", out.Reports.TotalCount)
		}
		for _, n := range out.Reports.Nodes {
			if seen[n.ID] {
				t.Errorf("%s seen twice", n.Title)
			}
			seen[n.ID] = true
			order = append(order, n.Title)
		}
		if !out.Reports.PageInfo.HasNextPage {
			break
		}
		after = *out.Reports.PageInfo.EndCursor
	}
	if len(seen) != 7 || order[0] != "Report 6" || order[6] != "Report 0" {
		t.Errorf("visited %v", order)
	}
	e, _ := a.fail(`{ reports(after: "garbage") { totalCount } }`, nil)
	if e.code() != "BAD_USER_INPUT" || e.field() != "after" {
		t.Errorf("bad cursor: %+v", e)
	}
	e, _ = a.fail(`{ reports(first: 1000) { totalCount } }`, nil)
	if e.code() != "BAD_USER_INPUT" || e.field() != "first" {
		t.Errorf("oversized page: %+v", e)
	}
}

func TestDirectoryListsSearchInAnyScript(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	a.fixture()
	cases := []struct{ query, want string }{
		{`{ people(search: "宋") { nodes { name } } }`, `{"people":{"nodes":[{"name":"Song Jun"}]}}`},
		{`{ people(search: "song") { nodes { name } } }`, `{"people":{"nodes":[{"name":"Song Jun"}]}}`},
		{`{ organizations(search: "CAST") { nodes { acronym } } }`, `{"organizations":{"nodes":[{"acronym":"CAST"}]}}`},
		{`{ organizations(search: "科学技术") { nodes { acronym } } }`, `{"organizations":{"nodes":[{"acronym":"CAST"}]}}`},
		{`{ tags(search: "coop") { nodes { slug reportCount } } }`, `{"tags":{"nodes":[{"slug":"cooperation","reportCount":1}]}}`},
		{`{ events(search: "forum") { totalCount nodes { country } } }`, `{"events":{"totalCount":1,"nodes":[{"country":"CN"}]}}`},
		{`{ people(search: "nobody") { totalCount nodes { name } } }`, `{"people":{"totalCount":0,"nodes":[]}}`},
	}
	for _, c := range cases {
		resp := a.post(c.query, nil)
		if len(resp.Errors) > 0 || string(resp.Data) != c.want {
			t.Errorf("%s\n got %s %v\nwant %s", c.query, resp.Data, resp.Errors, c.want)
		}
	}
}

// node(id:) fetches every kind of object, and IDs of merged directory
// entries keep resolving to the entry they were merged into.
func TestNodeFetchesEveryTypeAndFollowsMerges(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	f := a.fixture()
	var dup struct {
		CreatePerson struct{ Person struct{ ID string } }
	}
	a.do(`mutation { createPerson(input: {name: "Jun Song"}) { person { id } } }`, nil, &dup)
	a.do(`mutation($s: ID!, $t: ID!) { mergePeople(input: {sourceIds: [$s], targetId: $t}) { person { id } } }`,
		map[string]any{"s": dup.CreatePerson.Person.ID, "t": f.personID}, nil)
	var rev struct {
		Report struct {
			Revisions struct{ Nodes []struct{ ID string } }
		}
	}
	a.do(`query($id: ID!) { report(id: $id) { revisions { nodes { id } } } }`, map[string]any{"id": f.reportID}, &rev)

	ids := []string{f.reportID, f.orgID, f.personID, f.eventID, f.tagID, f.attendeeIDs[0], rev.Report.Revisions.Nodes[0].ID, dup.CreatePerson.Person.ID, "UmVwb3J0Ojk5OTk"}
	var out struct {
		Nodes []*struct {
			Typename string `json:"__typename"`
			ID       string
		}
	}
	a.do(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, map[string]any{"ids": ids}, &out)
	want := []string{"Report", "Organization", "Person", "Event", "Tag", "Attendee", "Revision", "Person", "<nil>"}
	for i, n := range out.Nodes {
		got := "<nil>"
		if n != nil {
			got = n.Typename
		}
		if got != want[i] {
			t.Errorf("nodes[%d]: got %s, want %s", i, got, want[i])
		}
	}
	if out.Nodes[7] == nil || out.Nodes[7].ID != f.personID {
		t.Errorf("a merged person's ID resolves to the survivor, got %+v", out.Nodes[7])
	}
	e, _ := a.fail(`{ node(id: "not-an-id") { id } }`, nil)
	if e.code() != "BAD_USER_INPUT" {
		t.Errorf("malformed ID: %+v", e)
	}
}

// A connection counts its items only when the query selects totalCount:
// one more SQL statement with it than without, and none more when the
// first page already holds every item (or, for revisions, ever: their
// total comes with the page).
func TestTotalCountIsCountedOnlyWhenSelected(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	a.seedNewsroom(3)
	for i := range 3 {
		a.do(`mutation($n: String!) { createEvent(input: {name: $n}) { event { id } } }`, map[string]any{"n": fmt.Sprintf("Event %d", i)}, nil)
	}
	var rep struct {
		Reports struct{ Nodes []struct{ ID string } }
	}
	a.do(`{ reports(first: 1) { nodes { id } } }`, nil, &rep)
	id := rep.Reports.Nodes[0].ID
	a.do(`mutation($id: ID!) { updateReport(input: {id: $id, expectedVersion: 1, title: "Retitled"}) { report { id } } }`, map[string]any{"id": id}, nil)

	sqlOf := func(t *testing.T, query string) (int64, string) {
		t.Helper()
		resp := a.post(query, map[string]any{"id": id})
		if len(resp.Errors) > 0 {
			t.Fatalf("%s: %+v", query, resp.Errors)
		}
		return a.sql.Load(), string(resp.Data)
	}
	cases := []struct {
		name  string
		query string // with the page size and the fields to select
		total int
		// statements totalCount adds when the page is not the whole list
		countCosts int64
	}{
		{"reports", `{ reports(first: %d) { %s } }`, 3, 1},
		{"tags", `{ tags(first: %d) { %s } }`, seedTags, 1},
		{"people", `{ people(first: %d) { %s } }`, seedPeople, 1},
		{"organizations", `{ organizations(first: %d) { %s } }`, seedOrganizations, 1},
		{"events", `{ events(first: %d) { %s } }`, 3, 1},
		{"revisions", `query($id: ID!) { report(id: $id) { revisions(first: %d) { %s } } }`, 2, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			total := fmt.Sprintf(`"totalCount":%d`, c.total)
			without, _ := sqlOf(t, fmt.Sprintf(c.query, 1, "nodes { id }"))
			with, data := sqlOf(t, fmt.Sprintf(c.query, 1, "totalCount nodes { id }"))
			if with != without+c.countCosts || !strings.Contains(data, total) {
				t.Errorf("with totalCount %d SQL statements, without %d, want %d more; got %s, want %s", with, without, c.countCosts, data, total)
			}
			whole, _ := sqlOf(t, fmt.Sprintf(c.query, 100, "nodes { id }"))
			if all, data := sqlOf(t, fmt.Sprintf(c.query, 100, "totalCount nodes { id }")); all != whole || !strings.Contains(data, total) {
				t.Errorf("a first page with every item: %d SQL statements with totalCount, %d without; got %s, want %s", all, whole, data, total)
			}
		})
	}
}
