package cost_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/copydesk/copydesk/graph"
	"github.com/copydesk/copydesk/graph/cost"
)

var schema = graph.NewExecutableSchema(graph.Config{}).Schema()

func measure(t testing.TB, query string, vars map[string]any) (cost.Measure, *cost.Refusal) {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return cost.Analyze(schema, doc, doc.Operations[0], vars, graph.DefaultLimits().Sizes, 10)
}

// What the documents a CMS sends cost, and what fan-out costs: the figures
// the default limits were chosen from (README, "Limits").
func TestMeasures(t *testing.T) {
	introspection, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		query string
		vars  map[string]any
		want  cost.Measure
	}{
		{"one field", `{ __typename }`, nil, cost.Measure{Depth: 1, Fields: 1, Duplicates: 1, Complexity: 1}},
		{"a page of 20 titles", `{ reports(first: 20) { nodes { title } } }`, nil,
			cost.Measure{Depth: 3, Fields: 3, Duplicates: 1, Complexity: 1 + 20*(1+1)}},
		{"the page size from a variable", `query($n: Int) { reports(first: $n) { nodes { title } } }`, map[string]any{"n": 5},
			cost.Measure{Depth: 3, Fields: 3, Duplicates: 1, Complexity: 1 + 5*(1+1)}},
		{"the argument's default page size", `{ reports { edges { node { title } } totalCount } }`, nil,
			cost.Measure{Depth: 4, Fields: 5, Duplicates: 1, Complexity: 1 + 20*(1+(1+1)+1)}},
		{"nodes(ids:) by its length", `{ nodes(ids: ["a", "b", "c"]) { id } }`, nil,
			cost.Measure{Depth: 2, Fields: 2, Duplicates: 1, Complexity: 1 + 3*1}},
		{"a fragment spread twice counts twice", `{ a: report(slug: "x") { ...F } b: report(slug: "y") { ...F } } fragment F on Report { title tags { name } }`, nil,
			cost.Measure{Depth: 3, Fields: 8, Aliases: 2, Duplicates: 1, Complexity: 2 * (1 + 1 + (1 + 10*1))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, r := measure(t, tc.query, tc.vars)
			if r != nil {
				t.Fatal(r)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
	l := graph.DefaultLimits()
	for _, tc := range []struct {
		name     string
		query    string
		audience cost.Limits
	}{
		{"public report page", `{ report(slug: "x") { title subtitle summary body(format: HTML) publishedAt
			event { name startsAt parent { name } } tags { name slug }
			attendees { role participations person { name title affiliation { name } } organization { name acronym } } } }`, l.Public.Limits},
		{"public front page", `{ reports(first: 20) { edges { cursor node { title summary publishedAt tags { name } event { name } } } pageInfo { hasNextPage endCursor } } }`, l.Public.Limits},
		{"explorer introspection", string(introspection), l.Public.Limits},
		{"newsroom queue", `{ reports(first: 50) { nodes { title status updatedAt tags { name } attendees { role person { name } organization { name } }
			translations { locale status } } } }`, l.Newsroom.Limits},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, r := measure(t, tc.query, nil)
			if r == nil {
				r = tc.audience.Check(got)
			}
			t.Logf("%+v", got)
			if r != nil {
				t.Errorf("refused by the default limits: %v", r)
			}
		})
	}
}

// Every kind of abusive document the issue found is refused, and the
// refusal says which limit and by how much.
func TestAbusiveDocumentsAreRefused(t *testing.T) {
	public := graph.DefaultLimits().Public.Limits
	fanOut := func(depth int) string {
		q := "id"
		for range depth {
			q = fmt.Sprintf("a: event { b: reports(first: 100) { nodes { %s } } c: reports(first: 100) { nodes { %s } } }", q, q)
		}
		return `{ report(slug: "x") { ` + q + ` } }`
	}
	for _, tc := range []struct {
		name, query, reason string
	}{
		{"fan-out through relations", fanOut(3), "complexity"},
		{"a page of pages", `{ reports(first: 1000000) { nodes { event { reports(first: 100) { nodes { title } } } } } }`, "complexity"},
		{"duplicated fields", "{" + strings.Repeat(" __typename", 8000) + " }", "duplicates"},
		{"a fragment spread many times", "{ ...F ...F ...F ...F ...F ...F ...F ...F ...F ...F ...F } fragment F on Query { __typename }", "duplicates"},
		{"alias bomb", "{" + aliases(1000, "__typename") + " }", "aliases"},
		{"deep ofType chain", `{ __type(name: "Report") { ` + strings.Repeat("ofType { ", 500) + "name" + strings.Repeat(" }", 500) + " } }", "depth"},
		{"introspection bomb", "{" + aliases(20, "__schema { types { fields { type { name } } } }") + " }", "introspection"},
		{"deep fragment chain", fragmentChain(500), "depth"},
		{"exponential fragments", exponentialFragments(40), "duplicates"},
		{"two introspections", `{ a: __schema { queryType { name } } b: __schema { queryType { name } } }`, "introspection"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, r := measure(t, tc.query, nil)
			if r == nil {
				r = public.Check(m)
			}
			if r == nil {
				t.Fatalf("accepted: %+v", m)
			}
			if r.Reason != tc.reason {
				t.Errorf("refused for %s (%v), want %s", r.Reason, r, tc.reason)
			}
			if r.Value <= r.Limit {
				t.Errorf("refusal says cost %d within limit %d", r.Value, r.Limit)
			}
		})
	}
}

// A cycle of fragments neither loops nor counts: the validator rejects it
// afterwards with its own message.
func TestFragmentCycleTerminates(t *testing.T) {
	m, r := measure(t, `{ ...A } fragment A on Query { __typename ...B } fragment B on Query { ...A }`, nil)
	if r != nil || m.Fields != 1 {
		t.Fatalf("got %+v, %v", m, r)
	}
}

func aliases(n int, field string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, field)
	}
	return b.String()
}

// fragmentChain is F0 spreading F1 spreading … F(n-1), each one field deeper.
func fragmentChain(n int) string {
	var b strings.Builder
	b.WriteString(`{ report(slug: "x") { ...F0 } }`)
	for i := range n {
		fmt.Fprintf(&b, " fragment F%d on Report { event { reports(first: 1) { nodes { ...F%d } } } }", i, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on Report { id }", n)
	return b.String()
}

// exponentialFragments doubles the fields with every level: each fragment
// spreads the next one twice, 2^n fields in all. Measured in linear time.
func exponentialFragments(n int) string {
	var b strings.Builder
	b.WriteString(`{ ...F0 }`)
	for i := range n {
		fmt.Fprintf(&b, " fragment F%d on Query { ...F%d ...F%d }", i, i+1, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on Query { __typename }", n)
	return b.String()
}

// Analyze never panics, whatever the document.
func FuzzAnalyze(f *testing.F) {
	f.Add(`{ reports(first: 3) { nodes { title } } }`)
	f.Add(`{ ...A } fragment A on Query { ...A }`)
	f.Add(`query($n: Int = 5) { reports(first: $n) { nodes { tags { name } } } }`)
	f.Add(`{ nodes(ids: [1, 2]) { ... on Report { title } } }`)
	f.Fuzz(func(t *testing.T, q string) {
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, 2000)
		if err != nil || len(doc.Operations) == 0 {
			return
		}
		m, _ := cost.Analyze(schema, doc, doc.Operations[0], map[string]any{"n": "x"}, graph.DefaultLimits().Sizes, 10)
		if m.Complexity < 0 || m.Fields < 0 || m.Depth < 0 {
			t.Fatalf("negative measure %+v", m)
		}
	})
}
