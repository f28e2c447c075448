package main

import (
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// The corpus must abuse the server with documents the schema accepts
// (a typo would make a "refusal" free) unless a document is meant to be
// invalid, and must be as deep as its name says.

func loadSchema(t *testing.T) *ast.Schema {
	t.Helper()
	b, err := os.ReadFile("../../schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(b)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func docNamed(t *testing.T, name string) Doc {
	t.Helper()
	for _, d := range Corpus(demoSlug) {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no document %q in the corpus", name)
	return Doc{}
}

func TestCorpusDocumentsAreValidOrInvalidAsTheyClaim(t *testing.T) {
	schema := loadSchema(t)
	tests := []struct {
		name  string
		valid bool
		depth int // nesting of object fields, fragments expanded; 0: not checked
	}{
		{"fanout-inline-d5-x4", true, 7},
		{"fanout-fragments-d5-x4", true, 7},
		{"fanout-inline-d12-x2", true, 17},
		{"fanout-fragments-d12-x4", true, 17},
		{"alias-cheap-1k", true, 0},
		{"alias-reports-1k", true, 2},
		{"fragment-chain-500", true, 0},
		{"fragment-cycle-2", false, 0},
		{"fragment-cycle-500", false, 0},
		{"oftype-500", true, 504}, // __schema types fields type + 500 ofType
		{"tokens-1mb", false, 0},
		{"first-1m", true, 2},
		{"first-1m-event", true, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(schema, docNamed(t, tt.name).Query)
			if tt.valid && errs != nil {
				t.Fatalf("the schema refuses it: %v", errs)
			}
			if !tt.valid {
				if errs == nil {
					t.Fatal("the schema accepts it; it is meant to be invalid")
				}
				return
			}
			if tt.depth > 0 {
				if got := depthOf(doc); got != tt.depth {
					t.Errorf("depth %d, want %d", got, tt.depth)
				}
			}
		})
	}
}

// The largest documents are only parsed: validating them is what the issue
// measured taking seconds.
func TestLargeDocumentsParseToWhatTheirNamesSay(t *testing.T) {
	tests := []struct {
		name       string
		selections int // in the operation's top selection set
	}{
		{"typename-8k", 8_000},
		{"typename-100k", 100_000},
		{"alias-cheap-10k", 10_000},
		{"alias-reports-10k", 10_000},
		{"introspection-2000", 2_000},
		{"tokens-1mb", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := parser.ParseQuery(&ast.Source{Input: docNamed(t, tt.name).Query})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(doc.Operations[0].SelectionSet); got != tt.selections {
				t.Errorf("%d top-level selections, want %d", got, tt.selections)
			}
		})
	}
}

func TestTheTokenFloodIsAMegabyteOfTokens(t *testing.T) {
	q := docNamed(t, "tokens-1mb").Query
	if n := len(strings.Fields(q)); len(q) < 1<<20 || n < 500_000 {
		t.Errorf("%d bytes, %d whitespace-separated tokens; want ≥ 1 MiB and ≥ 500,000", len(q), n)
	}
}

func TestEveryDocumentHasAUniqueName(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range Corpus(demoSlug) {
		if d.Name == "" || d.What == "" || seen[d.Name] {
			t.Errorf("document %q: names must be unique and not empty, and say what they abuse", d.Name)
		}
		seen[d.Name] = true
	}
}

// depthOf is the deepest nesting of object fields in doc's first operation,
// fragments expanded (each once: memoized, as the fan-out spreads them 4^n
// times).
func depthOf(doc *ast.QueryDocument) int {
	memo := map[string]int{}
	var set func(ast.SelectionSet) int
	set = func(ss ast.SelectionSet) int {
		deepest := 0
		for _, s := range ss {
			d := 0
			switch s := s.(type) {
			case *ast.Field:
				if len(s.SelectionSet) > 0 {
					d = 1 + set(s.SelectionSet)
				}
			case *ast.InlineFragment:
				d = set(s.SelectionSet)
			case *ast.FragmentSpread:
				v, ok := memo[s.Name]
				if !ok {
					v = set(s.Definition.SelectionSet)
					memo[s.Name] = v
				}
				d = v
			}
			deepest = max(deepest, d)
		}
		return deepest
	}
	return set(doc.Operations[0].SelectionSet)
}
