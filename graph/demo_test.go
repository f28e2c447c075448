package graph_test

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/demo"
)

// The demo report, loaded as a fresh server loads it, reads back through the
// public API with its event, attendees and translations, text unchanged.
func TestDemoReportThroughTheAPI(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	if _, err := demo.Load(context.Background(), a.db, nil); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Report struct {
			Title, Status, Body string
			PublishedAt         string
			Event               struct {
				Name    string
				Parent  struct{ Name string }
				Figures []struct {
					Metric   string
					Value    int
					Channels []string
				}
			}
			Attendees []struct {
				Role           *string
				Participations []string
				Person         *struct{ Name, Zh, Ko string }
			}
			Translations []struct {
				Locale, Title, Status string
				Attendees             []struct{ Role *string }
			}
		}
	}
	a.do(`{ report(slug: "international-technology-trade-conference-qingdao-2020") {
		title status body publishedAt
		event { name parent { name } figures { metric value channels } }
		attendees { role participations person { name zh: localizedName(locale: "zh-Hans") ko: localizedName(locale: "ko") } }
		translations { locale title status attendees { role } } } }`, nil, &out)
	r := out.Report
	if r.Status != "PUBLISHED" || r.PublishedAt != "2020-08-14T01:00:00Z" {
		t.Errorf("demo report is %s at %s", r.Status, r.PublishedAt)
	}
	if !strings.Contains(r.Body, "in his speech\u00a0the policies") {
		t.Error("the body lost its non-breaking space: text must come back byte for byte")
	}
	if len(r.Attendees) != 22 || len(r.Translations) != 3 {
		t.Fatalf("%d attendees and %d translations, want 22 and 3", len(r.Attendees), len(r.Translations))
	}
	names := map[string]bool{}
	for _, at := range r.Attendees {
		if at.Person != nil {
			names[at.Person.Name+"/"+at.Person.Zh+"/"+at.Person.Ko] = true
		}
	}
	if !names["Song Jun/宋军/Song Jun"] && !names["Song Jun/宋军/쑹쥔"] {
		raw, _ := json.Marshal(names)
		t.Errorf("Song Jun's localized names: %s", raw)
	}
	wantTitles := map[string]string{
		"zh-Hans": "国际技术贸易大会暨中日韩技术贸易论坛在山东青岛举行",
		"ja":      "国際技術貿易大会・日中韓技術貿易フォーラム、中国東部の青島で開催",
		"ko":      "국제기술무역대회 및 한중일 기술무역포럼, 중국 동부 칭다오서 개최",
	}
	for _, tr := range r.Translations {
		if tr.Title != wantTitles[tr.Locale] || tr.Status != "APPROVED" {
			t.Errorf("%s translation: %q %s", tr.Locale, tr.Title, tr.Status)
		}
	}
	if r.Event.Parent.Name == "" || len(r.Event.Figures) == 0 {
		t.Errorf("the forum's event is part of the annual meeting and has figures: %+v", r.Event)
	}
}

// readmeQueries returns the GraphQL examples of the repository's README
// (its ```graphql blocks), in order.
func readmeQueries(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile("(?ms)^```graphql\n(.*?)^```").FindAllStringSubmatch(string(raw), -1) {
		out = append(out, m[1])
	}
	return out
}

// The README's explorer examples run against the demo data as it says:
// the first anonymously, the second (the newsroom view) with an admin
// token, which it needs.
func TestTheReadmeQueriesRun(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	if _, err := demo.Load(context.Background(), a.db, nil); err != nil {
		t.Fatal(err)
	}
	queries := readmeQueries(t)
	if len(queries) < 2 {
		t.Fatalf("the README has %d GraphQL examples, want the public one and the newsroom one", len(queries))
	}
	type report struct {
		Report map[string]any `json:"report"`
	}
	run := func(c *api, q string) (report, response) {
		t.Helper()
		resp := c.post(q, nil)
		var out report
		if len(resp.Data) > 0 {
			if err := json.Unmarshal(resp.Data, &out); err != nil {
				t.Fatalf("decoding %s: %v", resp.Data, err)
			}
		}
		return out, resp
	}
	public, newsroom := queries[0], queries[1]
	if got, resp := run(a.as(""), public); len(resp.Errors) > 0 || got.Report == nil || got.Report["title"] == nil {
		t.Errorf("the first example, anonymously: %+v, data %s", resp.Errors, resp.Data)
	}
	got, resp := run(a, newsroom)
	if len(resp.Errors) > 0 || got.Report == nil || got.Report["status"] != "PUBLISHED" || got.Report["revisions"] == nil {
		t.Errorf("the second example, with an admin token: %+v, data %s", resp.Errors, resp.Data)
	}
	// It needs the token, as the README says.
	if _, resp := run(a.as(""), newsroom); len(resp.Errors) == 0 || resp.Errors[0].code() != "UNAUTHENTICATED" {
		t.Errorf("the second example, anonymously: errors %+v", resp.Errors)
	}
}
