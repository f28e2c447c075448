// Package cost decides, before a GraphQL document is validated or executed,
// whether it is small enough to run: how many tokens it has, how deep it
// nests, how many fields and aliases it selects, how often one response name
// repeats in a selection set, and its complexity, an estimate of the objects
// it can return with list sizes multiplied through nested lists.
//
// The walk is linear in the size of the document: every fragment is measured
// once (its figures are memoized), spreads of a fragment already being
// measured count nothing (the validator rejects such cycles afterwards), and
// arithmetic saturates instead of overflowing. That is what makes the later,
// library-provided validation safe to run: its overlapping-fields rule is
// quadratic in the number of fields sharing a response name in one selection
// set, which MaxDuplicates bounds.
package cost

import (
	"fmt"
	"math"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Limits is what one audience may send. A zero field means "no limit" for
// that measure.
type Limits struct {
	// MaxTokens bounds the lexical tokens of the document (names,
	// punctuation, values); the parser stops at the limit.
	MaxTokens int
	// MaxDepth bounds field nesting, through fragments: `{ a { b } }` is 2.
	MaxDepth int
	// MaxFields bounds field selections with fragments expanded (a fragment
	// spread twice counts twice), list sizes not multiplied.
	MaxFields int
	// MaxAliases bounds aliased fields written in the document.
	MaxAliases int
	// MaxDuplicates bounds how often one response name may be selected in
	// one selection set, counting the fields that fragments spread into it.
	MaxDuplicates int
	// MaxComplexity bounds Measure.Complexity.
	MaxComplexity int
	// MaxIntrospections bounds the `__schema` selections: the schema is
	// described once per document. What is under `__schema` counts for
	// depth and fields but not for complexity: it reads no data, and its
	// size is the schema's, not the request's.
	MaxIntrospections int
}

// Sizes are the list sizes the complexity assumes where a request does not
// say one.
type Sizes struct {
	// List is assumed for a list of objects without a `first`, `last` or
	// `ids` argument (a report's tags, an event's children).
	List int
	// Fields overrides List for named fields, as "Type.field"; for a
	// connection whose `first` has no default in the schema (it defaults
	// in the resolver, as `last` may be given instead), its default page.
	Fields map[string]int
	// MaxPage is the largest page a list field returns; a larger `first`
	// or `last` is refused by the field itself (BAD_USER_INPUT), so the
	// complexity counts at most MaxPage elements. 0: no cap.
	MaxPage int
}

// Measure is what Analyze found.
type Measure struct {
	Depth, Fields, Aliases, Duplicates int
	// Introspections counts `__schema` selections, fragments expanded.
	Introspections int
	// Complexity is the number of fields the response can hold: each field
	// costs 1, and the fields under a list cost once per element (the
	// list's `first`, `last`, the length of `ids`, or Sizes).
	Complexity int
}

// Refusal says which limit a document broke. Its Reason is one of "bytes", "tokens",
// "depth", "fields", "aliases", "duplicates", "complexity", "introspection".
type Refusal struct {
	Reason       string
	Value, Limit int
	// Name is the repeated response name, for "duplicates".
	Name string
}

func (r *Refusal) Error() string {
	switch r.Reason {
	case "bytes":
		return fmt.Sprintf("The query is %d bytes long; at most %d are allowed. Pass long texts (a report's body) in variables, not in the query, and split long queries.", r.Value, r.Limit)
	case "tokens":
		return fmt.Sprintf("The query is too long: it has more than %d tokens. Split it into smaller queries.", r.Limit)
	case "depth":
		return fmt.Sprintf("The query nests %d levels deep; at most %d are allowed. Ask for fewer nested relations.", r.Value, r.Limit)
	case "fields":
		return fmt.Sprintf("The query selects %d fields (fragments expanded); at most %d are allowed. Select fewer fields.", r.Value, r.Limit)
	case "aliases":
		return fmt.Sprintf("The query has %d aliases; at most %d are allowed.", r.Value, r.Limit)
	case "introspection":
		return fmt.Sprintf("The query asks for the schema (__schema) %d times; at most %d allowed. Ask for it once.", r.Value, r.Limit)
	case "duplicates":
		return fmt.Sprintf("The field %q is selected %d times in one selection set; at most %d are allowed. Select it once.", r.Name, r.Value, r.Limit)
	default:
		return fmt.Sprintf("The query is too complex: it could return about %d fields, and the limit is %d. Ask for smaller pages (first/last) or fewer nested lists.", r.Value, r.Limit)
	}
}

// Check compares m with l and returns the first limit broken, or nil.
func (l Limits) Check(m Measure) *Refusal {
	for _, c := range []struct {
		reason       string
		value, limit int
	}{
		{"depth", m.Depth, l.MaxDepth},
		{"aliases", m.Aliases, l.MaxAliases},
		{"fields", m.Fields, l.MaxFields},
		{"complexity", m.Complexity, l.MaxComplexity},
		{"introspection", m.Introspections, l.MaxIntrospections},
	} {
		if c.limit > 0 && c.value > c.limit {
			return &Refusal{Reason: c.reason, Value: c.value, Limit: c.limit}
		}
	}
	return nil
}

// Analyze measures operation op of doc against schema. vars are the
// request's variables (as decoded from JSON), used for `first: $n`. It stops
// early with a Refusal once the duplicates limit is broken (the others are
// checked by Limits.Check on the result). Names the schema does not know are
// counted as plain fields; the validator reports them afterwards.
func Analyze(schema *ast.Schema, doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any, sizes Sizes, maxDuplicates int) (Measure, *Refusal) {
	w := newWalker(schema, doc, vars, sizes, maxDuplicates)
	m := w.operation(op)
	return m, w.refusal
}

// AnalyzeDocument measures every operation of doc and every fragment, used
// or not: the validator reads them all, whichever operation runs. It
// returns one Measure per operation, in order, and the first duplicates
// refusal found anywhere. Fragments are measured once for the whole
// document.
func AnalyzeDocument(schema *ast.Schema, doc *ast.QueryDocument, vars map[string]any, sizes Sizes, maxDuplicates int) ([]Measure, *Refusal) {
	w := newWalker(schema, doc, vars, sizes, maxDuplicates)
	out := make([]Measure, 0, len(doc.Operations))
	for _, op := range doc.Operations {
		m := w.operation(op)
		if w.refusal != nil {
			return nil, w.refusal
		}
		out = append(out, m)
	}
	for _, f := range doc.Fragments {
		w.fragment(f.Name, nil)
		if w.refusal != nil {
			return nil, w.refusal
		}
	}
	return out, nil
}

func newWalker(schema *ast.Schema, doc *ast.QueryDocument, vars map[string]any, sizes Sizes, maxDuplicates int) *walker {
	return &walker{schema: schema, doc: doc, vars: vars, sizes: sizes, maxDup: maxDuplicates,
		frags: map[string]*figures{}, active: map[string]bool{}}
}

// operation measures one operation.
func (w *walker) operation(op *ast.OperationDefinition) Measure {
	w.op = op
	root := w.schema.Query
	switch op.Operation {
	case ast.Mutation:
		root = w.schema.Mutation
	case ast.Subscription:
		root = w.schema.Subscription
	}
	f := w.selectionSet(op.SelectionSet, root)
	if w.refusal != nil {
		return Measure{}
	}
	aliases := 0
	countAliases(op.SelectionSet, &aliases)
	for _, fr := range w.doc.Fragments {
		countAliases(fr.SelectionSet, &aliases)
	}
	return Measure{Depth: f.depth, Fields: f.fields, Aliases: aliases, Duplicates: f.dups, Complexity: f.cost, Introspections: f.schemas}
}

// figures are the measures of one selection set.
type figures struct {
	depth, fields, cost, dups, schemas int
	// names counts the response names selected directly in the set,
	// including those spread into it by fragments (for duplicates).
	names map[string]int
}

type walker struct {
	schema  *ast.Schema
	doc     *ast.QueryDocument
	op      *ast.OperationDefinition
	vars    map[string]any
	sizes   Sizes
	maxDup  int
	frags   map[string]*figures
	active  map[string]bool
	refusal *Refusal
}

func (w *walker) selectionSet(set ast.SelectionSet, parent *ast.Definition) *figures {
	out := &figures{names: map[string]int{}}
	for _, sel := range set {
		if w.refusal != nil {
			return out
		}
		var f *figures
		switch s := sel.(type) {
		case *ast.Field:
			f = w.field(s, parent)
			out.names[responseName(s)]++
		case *ast.InlineFragment:
			f = w.selectionSet(s.SelectionSet, w.typeOr(s.TypeCondition, parent))
			addNames(out.names, f.names)
		case *ast.FragmentSpread:
			f = w.fragment(s.Name, parent)
			addNames(out.names, f.names)
		}
		out.depth = max(out.depth, f.depth)
		out.fields = add(out.fields, f.fields)
		out.cost = add(out.cost, f.cost)
		out.dups = max(out.dups, f.dups)
		out.schemas = add(out.schemas, f.schemas)
	}
	for name, n := range out.names {
		out.dups = max(out.dups, n)
		if w.maxDup > 0 && n > w.maxDup {
			w.refusal = &Refusal{Reason: "duplicates", Value: n, Limit: w.maxDup, Name: name}
		}
	}
	return out
}

// fragment measures a named fragment once; a spread inside its own
// expansion (a cycle) or of an unknown fragment counts nothing.
func (w *walker) fragment(name string, parent *ast.Definition) *figures {
	if f, ok := w.frags[name]; ok {
		return f
	}
	def := w.doc.Fragments.ForName(name)
	if def == nil || w.active[name] {
		return &figures{}
	}
	w.active[name] = true
	f := w.selectionSet(def.SelectionSet, w.typeOr(def.TypeCondition, parent))
	delete(w.active, name)
	w.frags[name] = f
	return f
}

func (w *walker) field(f *ast.Field, parent *ast.Definition) *figures {
	var def *ast.FieldDefinition
	if parent != nil {
		def = parent.Fields.ForName(f.Name)
	}
	if def == nil {
		def = w.introspectionField(f.Name)
	}
	var child *ast.Definition
	if def != nil {
		child = w.schema.Types[def.Type.Name()]
	}
	out := &figures{depth: 1, fields: 1, cost: 1}
	if len(f.SelectionSet) == 0 {
		return out
	}
	sub := w.selectionSet(f.SelectionSet, child)
	out.depth = add(sub.depth, 1)
	out.fields = add(out.fields, sub.fields)
	out.dups = sub.dups
	out.schemas = sub.schemas
	if f.Name == "__schema" {
		out.schemas = add(out.schemas, 1)
		return out
	}
	out.cost = add(1, mul(w.multiplier(f, def, parent), sub.cost))
	return out
}

// multiplier is how many times the selections under f are returned: the
// page size of a list or connection, 1 for a single object, and 1 for the
// edges and nodes of a connection, whose field already took the page size.
func (w *walker) multiplier(f *ast.Field, def *ast.FieldDefinition, parent *ast.Definition) int {
	if n, ok := w.sizeArg(f, def); ok {
		if w.sizes.MaxPage > 0 && f.Name != "nodes" {
			n = min(n, w.sizes.MaxPage)
		}
		return n
	}
	if def != nil && def.Type.Elem == nil && strings.HasSuffix(def.Type.NamedType, "Connection") && parent != nil {
		if n, ok := w.sizes.Fields[parent.Name+"."+f.Name]; ok { // a connection whose page size defaults in its resolver
			return n
		}
	}
	if def == nil || def.Type.Elem == nil {
		return 1
	}
	if parent != nil && strings.HasSuffix(parent.Name, "Connection") {
		return 1
	}
	if parent != nil {
		if n, ok := w.sizes.Fields[parent.Name+"."+f.Name]; ok {
			return n
		}
	}
	if parent != nil && parent.Name == "__Schema" && f.Name == "types" {
		return len(w.schema.Types)
	}
	return max(w.sizes.List, 1)
}

// sizeArg reads `first`, `last` (or their defaults) and the length of
// `ids`. A value that is not a usable number leaves the decision to the
// field's default; the validator rejects it afterwards.
func (w *walker) sizeArg(f *ast.Field, def *ast.FieldDefinition) (int, bool) {
	n, found := 0, false
	for _, name := range []string{"first", "last"} {
		if v, ok := w.argInt(f, def, name); ok {
			n, found = max(n, v), true
		}
	}
	if a := f.Arguments.ForName("ids"); a != nil {
		if v := w.value(a.Value); v != nil {
			if list, ok := v.([]any); ok {
				n, found = max(n, len(list)), true
			}
		}
	}
	return n, found
}

func (w *walker) argInt(f *ast.Field, def *ast.FieldDefinition, name string) (int, bool) {
	if a := f.Arguments.ForName(name); a != nil {
		if n, ok := toInt(w.value(a.Value)); ok {
			return n, true
		}
	}
	if def != nil {
		if ad := def.Arguments.ForName(name); ad != nil && ad.DefaultValue != nil {
			if n, ok := toInt(w.value(ad.DefaultValue)); ok {
				return n, true
			}
		}
	}
	return 0, false
}

// value resolves a literal or a variable (or the variable's default) to a
// Go value; nil when it cannot.
func (w *walker) value(v *ast.Value) any {
	if v == nil {
		return nil
	}
	if v.Kind == ast.Variable {
		if x, ok := w.vars[v.Raw]; ok {
			return x
		}
		if w.op == nil {
			return nil
		}
		if d := w.op.VariableDefinitions.ForName(v.Raw); d != nil && d.DefaultValue != nil {
			return w.value(d.DefaultValue)
		}
		return nil
	}
	x, err := v.Value(nil)
	if err != nil {
		return nil
	}
	if v.Kind == ast.ListValue {
		items := make([]any, len(v.Children))
		for i := range items {
			items[i] = true
		}
		return items
	}
	return x
}

func (w *walker) typeOr(name string, def *ast.Definition) *ast.Definition {
	if t := w.schema.Types[name]; t != nil {
		return t
	}
	return def
}

// introspectionField returns the definition of __schema, __type and
// __typename, which no object type declares.
func (w *walker) introspectionField(name string) *ast.FieldDefinition {
	switch name {
	case "__schema":
		return &ast.FieldDefinition{Name: name, Type: ast.NonNullNamedType("__Schema", nil)}
	case "__type":
		return &ast.FieldDefinition{Name: name, Type: ast.NamedType("__Type", nil)}
	}
	return nil
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return max(n, 0), true
	case int64:
		return clampInt(float64(n)), true
	case float64:
		return clampInt(n), true
	case interface{ Float64() (float64, error) }: // json.Number
		f, err := n.Float64()
		return clampInt(f), err == nil
	}
	return 0, false
}

func clampInt(f float64) int {
	switch {
	case f != f || f < 0:
		return 0
	case f > math.MaxInt32:
		return math.MaxInt32
	}
	return int(f)
}

func responseName(f *ast.Field) string {
	if f.Alias != "" {
		return f.Alias
	}
	return f.Name
}

func addNames(dst, src map[string]int) {
	for k, v := range src {
		dst[k] = add(dst[k], v)
	}
}

func countAliases(set ast.SelectionSet, n *int) {
	EachField(set, func(f *ast.Field) bool {
		if f.Alias != "" && f.Alias != f.Name {
			*n++
		}
		return false
	})
}

// EachField calls fn for every field written in set, nested ones and those
// of inline fragments included (fragment spreads are not followed), until
// fn returns true; it reports whether one did.
func EachField(set ast.SelectionSet, fn func(*ast.Field) bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if fn(s) || EachField(s.SelectionSet, fn) {
				return true
			}
		case *ast.InlineFragment:
			if EachField(s.SelectionSet, fn) {
				return true
			}
		}
	}
	return false
}

// AnyField is EachField over every operation and fragment of doc.
func AnyField(doc *ast.QueryDocument, fn func(*ast.Field) bool) bool {
	for _, op := range doc.Operations {
		if EachField(op.SelectionSet, fn) {
			return true
		}
	}
	for _, f := range doc.Fragments {
		if EachField(f.SelectionSet, fn) {
			return true
		}
	}
	return false
}

// add and mul saturate at math.MaxInt32, far above any limit.
func add(a, b int) int { return min(a+b, math.MaxInt32) }

func mul(a, b int) int {
	if a != 0 && b > math.MaxInt32/a {
		return math.MaxInt32
	}
	return min(a*b, math.MaxInt32)
}
