package graph_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Bad input a client can send, in variables and written inline alike, is
// BAD_USER_INPUT naming the argument, before it reaches the database:
// never INTERNAL.
func TestBadInputIsBadUserInputNamingTheField(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	id := a.createReport("Forum", "")
	nul := "a\x00b"
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		field       string
		anonymous   bool
	}{
		{"NUL in an inline slug", `{ report(slug: "x\u0000y") { id } }`, nil, "slug", true},
		{"NUL in a slug variable", `query($s: String!) { report(slug: $s) { id } }`, map[string]any{"s": nul}, "slug", true},
		{"NUL in a directory search", `query($q: String) { people(search: $q) { totalCount } }`, map[string]any{"q": nul}, "search", true},
		{"NUL in a title inside an input object", `mutation($t: String!) { createReport(input: {title: $t, sourceLocale: "en"}) { report { id } } }`, map[string]any{"t": nul}, "input.title", false},
		{"NUL in an input object variable", `mutation($in: CreateReportInput!) { createReport(input: $in) { report { id } } }`,
			map[string]any{"in": map[string]any{"title": "ok", "sourceLocale": "en", "attendees": []any{map[string]any{"role": nul}}}}, "input.attendees.0.role", false},
		{"NUL inline in an input object", `mutation { createReport(input: {title: "a\u0000", sourceLocale: "en"}) { report { id } } }`, nil, "input.title", false},
		{"a word as an embargo", `mutation($id: ID!) { setEmbargo(input: {id: $id, expectedVersion: 1, embargoUntil: "tomorrow"}) { report { id } } }`, map[string]any{"id": id}, "input.embargoUntil", false},
		{"a word as a publication time", `mutation($id: ID!, $at: DateTime!) { scheduleReport(input: {id: $id, expectedVersion: 1, publishAt: $at}) { report { id } } }`,
			map[string]any{"id": id, "at": "soon"}, "input.publishAt", false},
		{"month 13", `mutation { createEvent(input: {name: "E", startsAt: "2026-13-45T00:00:00Z"}) { event { id } } }`, nil, "input.startsAt", false},
		{"a date without a time", `mutation { createEvent(input: {name: "E", startsAt: "2026-12-02"}) { event { id } } }`, nil, "input.startsAt", false},
		{"a number as a date", `mutation($e: CreateEventInput!) { createEvent(input: $e) { event { id } } }`, map[string]any{"e": map[string]any{"name": "E", "startsAt": 20261202}}, "input.startsAt", false},
		{"a figure above 2^53", `mutation { createEvent(input: {name: "E", figures: [{metric: VIEWERS, value: 9007199254740993, label: "viewers"}]}) { event { id } } }`, nil, "input.figures.0.value", false},
		{"a string for an Int variable", `query($n: Int) { reports(first: $n) { totalCount } }`, map[string]any{"n": "ten"}, "first", true},
		{"a fraction for an Int variable", `query($n: Int) { reports(first: $n) { totalCount } }`, map[string]any{"n": 1.5}, "first", true},
		{"an unknown enum value in a variable", `query($s: [ReportStatus!]) { reports(filter: {status: $s}) { totalCount } }`, map[string]any{"s": []any{"BOGUS"}}, "filter.status.0", false},
		{"a figure above 2^53 in a variable", `mutation($f: [EventFigureInput!]) { createEvent(input: {name: "E", figures: $f}) { event { id } } }`,
			map[string]any{"f": []any{map[string]any{"metric": "VIEWERS", "value": 9007199254740993, "label": "v"}}}, "input.figures.0.value", false},
		{"NUL in an ID", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": nul}, "id", true},
		{"a page size beyond 32 bits", `{ reports(first: 99999999999) { totalCount } }`, nil, "first", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := a
			if tc.anonymous {
				c = a.as("")
			}
			before := a.rowCounts()
			e, _ := c.fail(tc.query, tc.vars)
			if e.code() != "BAD_USER_INPUT" {
				t.Fatalf("code %s (%s), want BAD_USER_INPUT", e.code(), e.Message)
			}
			if e.field() != tc.field {
				t.Errorf("field %q, want %q (message %q)", e.field(), tc.field, e.Message)
			}
			if strings.Contains(strings.ToLower(e.Message), "internal") || strings.Contains(e.Message, "pq:") {
				t.Errorf("message %q", e.Message)
			}
			if d := cmp.Diff(before, a.rowCounts()); d != "" {
				t.Errorf("bad input changed rows (-before +after):\n%s", d)
			}
		})
	}
}
