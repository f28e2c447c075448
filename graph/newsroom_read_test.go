package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/copydesk/copydesk/graph"
	"github.com/copydesk/copydesk/internal/postgres"
)

// newsroomList is the newsroom's list screen: a page of 50 reports with
// their tags and who attended.
const newsroomList = `{ reports(first: 50) { nodes { id title status version updatedAt
	tags { name } attendees { role person { name } organization { name } } } } }`

// newsroomSeed sizes the directory and the reports seedNewsroom writes.
const (
	seedPeople        = 60
	seedOrganizations = 15
	seedTags          = 30
	tagsPerReport     = 10
	attendeesPerRep   = 20
)

// seedNewsroom creates n reports, each with 10 tags and 20 attendees (a
// person with the organization they represented and a role), drawn from a
// directory of 60 people, 15 organizations and 30 tags. Report i is titled
// "Report i"; its tags and attendees are given by seedTagName and
// seedAttendee, so a test can say what a report must show.
func (a *api) seedNewsroom(n int) {
	a.t.Helper()
	create := func(mutation, field string, vars map[string]any) string {
		var out map[string]map[string]map[string]string
		a.do(mutation, vars, &out)
		for _, payload := range out {
			return payload[field]["id"]
		}
		return ""
	}
	people := make([]string, seedPeople)
	for i := range people {
		people[i] = create(`mutation($n: String!) { createPerson(input: {name: $n}) { person { id } } }`, "person", map[string]any{"n": fmt.Sprintf("Person %02d", i)})
	}
	orgs := make([]string, seedOrganizations)
	for i := range orgs {
		orgs[i] = create(`mutation($n: String!) { createOrganization(input: {name: $n}) { organization { id } } }`, "organization", map[string]any{"n": fmt.Sprintf("Organization %02d", i)})
	}
	tags := make([]string, seedTags)
	for i := range tags {
		tags[i] = create(`mutation($n: String!) { createTag(input: {name: $n}) { tag { id } } }`, "tag", map[string]any{"n": seedTagName(i)})
	}
	for r := range n {
		var tagRefs, attendees []map[string]any
		for j := range tagsPerReport {
			tagRefs = append(tagRefs, map[string]any{"id": tags[seedTag(r, j)]})
		}
		for j := range attendeesPerRep {
			p, o := seedAttendee(r, j)
			attendees = append(attendees, map[string]any{"personId": people[p], "organizationId": orgs[o],
				"role": fmt.Sprintf("Role %d", j), "participations": []string{"SPEECH"}})
		}
		a.do(`mutation($t: String!, $tags: [TagRefInput!], $att: [AttendeeInput!]) {
			createReport(input: {title: $t, sourceLocale: "en", tags: $tags, attendees: $att}) { report { id } } }`,
			map[string]any{"t": fmt.Sprintf("Report %d", r), "tags": tagRefs, "att": attendees}, nil)
	}
}

func seedTag(report, j int) int { return (report + 3*j) % seedTags }
func seedTagName(i int) string  { return fmt.Sprintf("Tag %02d", i) }
func seedAttendee(report, j int) (person, org int) {
	return (report + 3*j) % seedPeople, (report + j) % seedOrganizations
}

// countedPost runs query as a's token with its own SQL counter, so that
// requests running at once each know their own count.
func (a *api) countedPost(query string) (int64, []byte) {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.token)
	var c postgres.QueryCounter
	rec := httptest.NewRecorder()
	a.endpoint.ServeHTTP(rec, req.WithContext(postgres.WithQueryCounter(req.Context(), &c)))
	return c.Count(), rec.Body.Bytes()
}

// BenchmarkNewsroomList serves the newsroom's list of 50 reports (tags,
// attendees with their people and organizations) from 4 × GOMAXPROCS
// clients at once, with the default loader wait, and reports the SQL
// statements per request as sql/op:
//
//	go test ./graph -run '^$' -bench NewsroomList -benchmem
func BenchmarkNewsroomList(b *testing.B) {
	a := newAPIWaiting(b, 0, graph.HandlerOptions{})
	a.seedNewsroom(50)
	_, body := a.countedPost(newsroomList)
	var statements atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n, got := a.countedPost(newsroomList)
			statements.Add(n)
			if len(got) != len(body) {
				b.Errorf("response of %d bytes, want %d", len(got), len(body))
			}
		}
	})
	b.ReportMetric(float64(statements.Load())/float64(b.N), "sql/op")
}
