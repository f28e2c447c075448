package main

// The corpus of abusive GraphQL documents. Every entry is a named value
// built by a generator below, so a test can send the same documents (copy
// this file, or move it to a package: it uses nothing but the standard
// library and the slug of a published report).
//
// Depth, as used here and as a depth limit would count it: the number of
// nested object fields, the root field being depth 1; the scalar leaves
// inside the deepest selection set do not count.

import (
	"fmt"
	"strings"
)

// Doc is one abusive document.
type Doc struct {
	Name  string // stable, for -only and for tests: "fanout-fragments-d12-x4"
	What  string // what it abuses, one line
	Issue string // what the issue measured with it, when it did
	Query string
}

// Corpus returns every abusive document, rooted where a root is needed at
// report(slug: slug), a published report whose event has many published
// reports.
func Corpus(slug string) []Doc {
	return []Doc{
		{Name: "fanout-inline-d5-x4", What: "report → event → reports(first: 100) → event → reports(first: 100), every field under 4 aliases, written inline (4^5 copies of the leaves)",
			Issue: "inline fan-out: 266 MB, server RSS 179 MB → 5 GB", Query: Fanout(slug, 5, 4, false)},
		{Name: "fanout-fragments-d5-x4", What: "the same fan-out, one named fragment per level (linear text)",
			Query: Fanout(slug, 5, 4, true)},
		{Name: "fanout-inline-d12-x2", What: "fan-out 12 deep, 2 aliases per level, inline (4 aliases would be 4^12 copies: ~700 MB of text)",
			Query: Fanout(slug, 12, 2, false)},
		{Name: "fanout-fragments-d12-x4", What: "fan-out 12 deep, 4 aliases per level, named fragments",
			Issue: "a 1,082-byte query of named fragments returned 105 MB in 5.6 s", Query: Fanout(slug, 12, 4, true)},
		{Name: "typename-8k", What: "{ __typename } repeated 8,000 times in one selection set",
			Issue: "8,000 copies take 3.6 s in validation", Query: Repeat("__typename", 8_000)},
		{Name: "typename-100k", What: "{ __typename } repeated 100,000 times",
			Issue: "100,000 never finished", Query: Repeat("__typename", 100_000)},
		{Name: "alias-cheap-1k", What: "1,000 aliases of __typename", Query: Aliases("__typename", 1_000)},
		{Name: "alias-cheap-10k", What: "10,000 aliases of __typename", Query: Aliases("__typename", 10_000)},
		{Name: "alias-reports-1k", What: "1,000 aliases of reports(first: 100) { nodes { id title } }",
			Query: Aliases("reports(first: 100) { nodes { id title } }", 1_000)},
		{Name: "alias-reports-10k", What: "10,000 aliases of reports(first: 100) { nodes { id title } }",
			Query: Aliases("reports(first: 100) { nodes { id title } }", 10_000)},
		{Name: "fragment-chain-500", What: "500 fragments, each spreading the next", Query: FragmentChain(500)},
		{Name: "fragment-cycle-2", What: "two fragments spreading each other (invalid: a cycle)", Query: FragmentCycle(2)},
		{Name: "fragment-cycle-500", What: "a cycle through 500 fragments (invalid)", Query: FragmentCycle(500)},
		{Name: "introspection-2000", What: "2,000 aliased __schema { types { fields { type { ofType { ofType { name } } } } } }",
			Issue: "62 s", Query: IntrospectionAliases(2_000)},
		{Name: "oftype-500", What: "__schema { types { fields { type { ofType { … 500 deep } } } } }", Query: OfTypeChain(500)},
		{Name: "tokens-1mb", What: "1 MB of whitespace-separated tokens (a list argument of 0s, to __typename: invalid only after parsing)",
			Query: TokenFlood(1 << 20)},
		{Name: "first-1m", What: "reports(first: 1000000)", Query: `{ reports(first: 1000000) { nodes { id title } } }`},
		{Name: "first-1m-event", What: "report → event → reports(first: 1000000)",
			Query: fmt.Sprintf(`{ report(slug: %q) { event { reports(first: 1000000) { nodes { id title } } } } }`, slug)},
	}
}

// Fanout walks report → event → reports(first: 100) → event → … from
// report(slug:) to depth, each object field written aliases times (a0, a1,
// …), with id and title beside the event at every report level. Inline, the
// text grows as aliases^depth; with fragments, one named fragment per level
// spreads the next, and the text grows linearly.
func Fanout(slug string, depth, aliases int, fragments bool) string {
	// level k (1-based): odd levels select a report (report or reports), even ones an event.
	field := func(k int) string {
		switch {
		case k == 1:
			return fmt.Sprintf("report(slug: %q)", slug)
		case k%2 == 0:
			return "event"
		}
		return "reports(first: 100)"
	}
	// sel selects body under level k's field (a connection's under its nodes).
	sel := func(k int, body string) string {
		if k > 1 && k%2 == 1 {
			return field(k) + " { nodes { " + body + " } }"
		}
		return field(k) + " { " + body + " }"
	}
	leaves := func(k int) string {
		if k%2 == 1 {
			return "id title"
		}
		return "id name"
	}
	if fragments {
		var b strings.Builder
		b.WriteString("query Fanout {")
		for a := range aliases {
			fmt.Fprintf(&b, " a%d: %s", a, sel(1, "...L1"))
		}
		b.WriteString(" }\n")
		for k := 1; k <= depth; k++ {
			on := "Report"
			if k%2 == 0 {
				on = "Event"
			}
			fmt.Fprintf(&b, "fragment L%d on %s { %s", k, on, leaves(k))
			if k < depth {
				for a := range aliases {
					fmt.Fprintf(&b, " a%d: %s", a, sel(k+1, fmt.Sprintf("...L%d", k+1)))
				}
			}
			b.WriteString(" }\n")
		}
		return b.String()
	}
	// Inline: build from the deepest level out.
	inner := ""
	for k := depth; k >= 1; k-- {
		var b strings.Builder
		for a := range aliases {
			fmt.Fprintf(&b, " a%d: %s", a, sel(k, leaves(k)+inner))
		}
		inner = b.String()
	}
	return "query Fanout {" + inner + " }"
}

// Repeat is { field field … } with n copies of field.
func Repeat(field string, n int) string {
	return "{ " + strings.Repeat(field+" ", n) + "}"
}

// Aliases is { a0: field a1: field … } with n aliases.
func Aliases(field string, n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, field)
	}
	b.WriteString(" }")
	return b.String()
}

// FragmentChain is a query spreading F0, F0 spreading F1, …, F(n-1)
// selecting __typename.
func FragmentChain(n int) string {
	var b strings.Builder
	b.WriteString("query Chain { ...F0 }\n")
	for i := range n {
		if i == n-1 {
			fmt.Fprintf(&b, "fragment F%d on Query { __typename }\n", i)
		} else {
			fmt.Fprintf(&b, "fragment F%d on Query { __typename ...F%d }\n", i, i+1)
		}
	}
	return b.String()
}

// FragmentCycle is FragmentChain with the last fragment spreading the
// first: invalid (a spec validation rule), and infinite if expanded.
func FragmentCycle(n int) string {
	var b strings.Builder
	b.WriteString("query Cycle { ...F0 }\n")
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on Query { __typename ...F%d }\n", i, (i+1)%n)
	}
	return b.String()
}

// IntrospectionAliases is n aliased introspections of every field's type,
// two ofType levels deep.
func IntrospectionAliases(n int) string {
	return Aliases("__schema { types { fields { type { ofType { ofType { name } } } } } }", n)
}

// OfTypeChain is __schema { types { fields { type { ofType { … } } } } }
// with ofType nested n deep.
func OfTypeChain(n int) string {
	return "{ __schema { types { fields { type { " + strings.Repeat("ofType { ", n) + "name" + strings.Repeat(" }", n) + " } } } } }"
}

// TokenFlood is { __typename(flood: [0 0 0 …]) } with the list filling
// about size bytes: one token every two bytes. The argument does not exist,
// so only a parser that reads the whole document finds out.
func TokenFlood(size int) string {
	return "{ __typename(flood: [" + strings.Repeat("0 ", size/2) + "]) }"
}
