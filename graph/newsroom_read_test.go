package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

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

// The newsroom's list of 50 reports with tags and attendees costs the same
// few SQL statements on every request, however the goroutines are
// scheduled: with loaders that wait only a microsecond for keys and eight
// clients at once, no batch splits. (The count includes the statement that
// authenticates the token.)
func TestNewsroomListCostsTheSameSQLUnderLoad(t *testing.T) {
	t.Parallel()
	a := newAPIWaiting(t, time.Microsecond, graph.HandlerOptions{})
	a.seedNewsroom(50)
	// The first request records that the token was used: one more statement,
	// once a minute.
	a.countedPost(newsroomList)
	want, first := a.countedPost(newsroomList)
	if want > 6 {
		t.Errorf("the list costs %d SQL statements, want at most 6", want)
	}
	checkNewsroomList(t, first)

	const clients, requests = 8, 5
	var wg sync.WaitGroup
	counts := make([][]int64, clients)
	bodies := make([][][]byte, clients)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range requests {
				n, body := a.countedPost(newsroomList)
				counts[c], bodies[c] = append(counts[c], n), append(bodies[c], body)
			}
		}()
	}
	wg.Wait()
	for c := range clients {
		for i, n := range counts[c] {
			if n != want {
				t.Errorf("client %d, request %d: %d SQL statements, want %d as on every request", c, i, n, want)
			}
			if !bytes.Equal(bodies[c][i], first) {
				t.Errorf("client %d, request %d: the response differs from the first one", c, i)
			}
		}
	}
}

// checkNewsroomList checks the newest report of the list: its tags and
// attendees in the order the report gives them.
func checkNewsroomList(t *testing.T, body []byte) {
	t.Helper()
	var out struct {
		Data struct {
			Reports struct {
				Nodes []struct {
					Title     string
					Tags      []struct{ Name string }
					Attendees []struct {
						Role         string
						Person       struct{ Name string }
						Organization struct{ Name string }
					}
				}
			}
		}
		Errors []any
	}
	if err := json.Unmarshal(body, &out); err != nil || len(out.Errors) > 0 {
		t.Fatalf("response %s (%v)", body, err)
	}
	nodes := out.Data.Reports.Nodes
	if len(nodes) != 50 || nodes[0].Title != "Report 49" {
		t.Fatalf("want 50 reports, Report 49 first; got %d", len(nodes))
	}
	for j, tag := range nodes[0].Tags {
		if want := seedTagName(seedTag(49, j)); tag.Name != want {
			t.Errorf("tag %d is %q, want %q", j, tag.Name, want)
		}
	}
	for j, att := range nodes[0].Attendees {
		p, o := seedAttendee(49, j)
		if att.Role != fmt.Sprintf("Role %d", j) || att.Person.Name != fmt.Sprintf("Person %02d", p) || att.Organization.Name != fmt.Sprintf("Organization %02d", o) {
			t.Errorf("attendee %d is %+v", j, att)
		}
	}
	if len(nodes[0].Tags) != tagsPerReport || len(nodes[0].Attendees) != attendeesPerRep {
		t.Errorf("%d tags and %d attendees, want %d and %d", len(nodes[0].Tags), len(nodes[0].Attendees), tagsPerReport, attendeesPerRep)
	}
}

// BenchmarkNewsroomList serves the newsroom's list of 50 reports (tags,
// attendees with their people and organizations) from 4 × GOMAXPROCS
// clients at once, with the default loader wait, and reports the SQL
// statements per request as sql/op, the goroutines started per request as
// goroutines/op, and the CPU time the test process spent per request (user
// and system, PostgreSQL's not included) as cpu-ns/op, which other load on
// the machine disturbs less than ns/op:
//
//	go test ./graph -run '^$' -bench NewsroomList -benchmem
func BenchmarkNewsroomList(b *testing.B) {
	a := newAPIWaiting(b, 0, graph.HandlerOptions{})
	a.seedNewsroom(50)
	_, body := a.countedPost(newsroomList)
	var statements atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(4)
	cpu, started := processCPU(b), goroutinesCreated()
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
	b.ReportMetric(float64(processCPU(b)-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(goroutinesCreated()-started)/float64(b.N), "goroutines/op")
	b.ReportMetric(float64(statements.Load())/float64(b.N), "sql/op")
}

// The prefetch reads what the query selects, however the selection is
// written (through nodes or edges, in fragments, with @include) and in
// whichever locale the list is read: the same statements on every request,
// with loaders that wait a microsecond.
func TestNewsroomListPrefetchFollowsTheSelection(t *testing.T) {
	t.Parallel()
	a := newAPIWaiting(t, time.Microsecond, graph.HandlerOptions{})
	a.seedNewsroom(3)
	a.countedPost(newsroomList)
	const fields = `id title tags { name } attendees { role person { name } organization { name } }`
	cases := []struct {
		name, query string
		sql         int64
	}{
		{"nodes", `{ reports(first: 50) { nodes { ` + fields + ` } } }`, 6},
		{"edges", `{ reports(first: 50) { edges { cursor node { ` + fields + ` } } } }`, 6},
		{"fragment", `{ reports(first: 50) { ...page } } fragment page on ReportConnection { nodes { ...report } } fragment report on Report { ` + fields + ` }`, 6},
		{"inline fragment on Node", `{ reports(first: 50) { nodes { ... on Node { ... on Report { ` + fields + ` } } } } }`, 6},
		// the token, the page, and the tags with the reports' tag lists
		{"attendees left out", `{ reports(first: 50) { nodes { id title tags { name } attendees @include(if: false) { role } } } }`, 3},
		{"attendees without people", `{ reports(first: 50) { nodes { id title tags { name } attendees { role organization { name } } } } }`, 5},
		// and the reports' translations and their attendees' roles
		{"read in Japanese", `{ reports(first: 50, locale: "ja") { nodes { ` + fields + ` } } }`, 8},
		// the token, the page, the translations, the attendees and their roles
		{"where a Japanese read came from", `{ reports(first: 50, locale: "ja") { nodes { id locale { complete fields { field locale } } } } }`, 5},
	}
	_, plain := a.countedPost(cases[0].query)
	want := reportNodes(t, plain)
	if !strings.Contains(want, `"person":{"name":`) || !strings.Contains(want, `"organization":{"name":`) {
		t.Fatalf("the plain list names no people or organizations: %s", want)
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for range 3 {
				n, body := a.countedPost(c.query)
				if n != c.sql || bytes.Contains(body, []byte(`"errors"`)) {
					t.Fatalf("%d SQL statements, want %d; %s", n, c.sql, body)
				}
				// However the selection is written, the same reports come back.
				if i < 4 {
					if got := reportNodes(t, body); got != want {
						t.Fatalf("reports differ from the plain list's:\n got %s\nwant %s", got, want)
					}
				}
			}
		})
	}
}

// reportNodes is the list of reports of a reports(...) response, under
// nodes or edges.node, as JSON.
func reportNodes(t *testing.T, body []byte) string {
	t.Helper()
	var resp struct {
		Data struct {
			Reports struct {
				Nodes []json.RawMessage
				Edges []struct{ Node json.RawMessage }
			}
		}
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	nodes := resp.Data.Reports.Nodes
	for _, e := range resp.Data.Reports.Edges {
		nodes = append(nodes, e.Node)
	}
	out, err := json.Marshal(nodes)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// processCPU is the CPU time the test process has used so far.
func processCPU(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// goroutinesCreated is the number of goroutines the process has started.
func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
