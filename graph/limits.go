package graph

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/copydesk/copydesk/graph/cost"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/metrics"
)

// Codes of requests refused for their size, in extensions.code.
const (
	// CodeTooComplex: the document broke a cost limit before anything ran;
	// extensions.reason says which (tokens, depth, fields, aliases,
	// duplicates, complexity), extensions.cost what it measured and
	// extensions.limit the limit.
	CodeTooComplex = "QUERY_TOO_COMPLEX"
	// CodeTooLarge: execution stopped because the response grew past the
	// audience's field budget; no data is returned.
	CodeTooLarge = "RESPONSE_TOO_LARGE"
)

// Limits are the cost limits per audience and the execution bounds.
type Limits struct {
	// Public applies to anonymous requests and to tokens that only read
	// published content; Newsroom to staff with a FULL token.
	Public, Newsroom Audience
	// Sizes are the list sizes the complexity assumes when a field has no
	// `first`, `last` or `ids`.
	Sizes cost.Sizes
	// Timeout is the deadline of one operation (query or mutation, over
	// HTTP or a socket); its SQL is cancelled when it passes.
	Timeout time.Duration
}

// Audience is what one audience may send and receive.
type Audience struct {
	cost.Limits
	// MaxResolved bounds the fields resolved while executing: the size of
	// the response. Past it, execution stops with RESPONSE_TOO_LARGE.
	MaxResolved int
	// MaxBytes bounds the document's text, checked before it is parsed.
	// Texts (a report's body, up to 1 MiB) belong in variables, which it
	// does not count.
	MaxBytes int
}

// DefaultLimits are the documented defaults (README, "Limits"). The public
// ones admit the public site's queries (a report with its event, tags and
// attendees; a page of 20 reports with their tags) and refuse fan-out
// through relations; the newsroom's admit the editorial screens (queues of
// 50 with tags and attendees, the explorer's introspection).
func DefaultLimits() Limits {
	return Limits{
		Public: Audience{Limits: cost.Limits{MaxTokens: 5000, MaxDepth: 15, MaxFields: 500, MaxAliases: 30, MaxDuplicates: 10, MaxComplexity: 10000, MaxIntrospections: 1},
			MaxResolved: 50000, MaxBytes: 64 << 10},
		Newsroom: Audience{Limits: cost.Limits{MaxTokens: 20000, MaxDepth: 20, MaxFields: 2000, MaxAliases: 100, MaxDuplicates: 20, MaxComplexity: 500000, MaxIntrospections: 1},
			MaxResolved: 500000, MaxBytes: 256 << 10},
		Sizes: cost.Sizes{List: 10, Fields: map[string]int{"Report.attendees": 40, "ReportTranslation.attendees": 40,
			"Query.reports": 20, "Person.reports": 20, "Organization.reports": 20, "Tag.reports": 20, "Event.reports": 20},
			MaxPage: editorial.MaxPage},
		Timeout: 30 * time.Second,
	}
}

// ParseAudience reads limits written as "depth=15,complexity=10000" over
// base: the keys are bytes, tokens, depth, fields, aliases, duplicates,
// complexity, introspections and resolved; a value of 0 lifts that limit.
func ParseAudience(s string, base Audience) (Audience, error) {
	a := base
	fields := map[string]*int{"tokens": &a.MaxTokens, "depth": &a.MaxDepth, "fields": &a.MaxFields, "aliases": &a.MaxAliases,
		"duplicates": &a.MaxDuplicates, "complexity": &a.MaxComplexity, "introspections": &a.MaxIntrospections, "resolved": &a.MaxResolved,
		"bytes": &a.MaxBytes}
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		dst, known := fields[strings.TrimSpace(k)]
		n, err := strconv.Atoi(strings.TrimSpace(v))
		switch {
		case !ok || !known:
			return base, fmt.Errorf("%q: want key=number with a key among bytes, tokens, depth, fields, aliases, duplicates, complexity, introspections, resolved", part)
		case err != nil || n < 0:
			return base, fmt.Errorf("%q: the limit must be a whole number, 0 or more", part)
		}
		*dst = n
	}
	return a, nil
}

// audienceOf picks the limits of ctx's viewer.
func (l *Limits) audienceOf(ctx context.Context) Audience {
	if auth.ViewerFrom(ctx).SeesDrafts() {
		return l.Newsroom
	}
	return l.Public
}

// limiter is the gqlgen extension that enforces Limits: it measures every
// document before gqlgen validates it (MutateOperationParameters), gives
// every operation its deadline (InterceptOperation) and counts the fields
// it resolves (InterceptField).
type limiter struct {
	limits  Limits
	schema  *ast.Schema
	metrics *metrics.Metrics // counts refusals by reason; nil-safe
	// docs is gqlgen's cache of validated documents: a document found
	// there is measured without being parsed again.
	docs graphql.Cache[*ast.QueryDocument]
}

func newLimiter(es graphql.ExecutableSchema, l Limits, m *metrics.Metrics, docs graphql.Cache[*ast.QueryDocument]) *limiter {
	return &limiter{limits: l, schema: es.Schema(), metrics: m, docs: docs}
}

var (
	_ graphql.OperationParameterMutator = (*limiter)(nil)
	_ graphql.OperationInterceptor      = (*limiter)(nil)
	_ graphql.FieldInterceptor          = (*limiter)(nil)
	_ graphql.ResponseInterceptor       = (*limiter)(nil)
)

func (*limiter) ExtensionName() string                   { return "Limits" }
func (*limiter) Validate(graphql.ExecutableSchema) error { return nil }
func (*limiter) budgetOf(ctx context.Context) *budget {
	b, _ := ctx.Value(budgetKey{}).(*budget)
	return b
}

// parse returns the document of q: from gqlgen's cache when it has
// accepted q before, else parsed (up to tokens). The limiter adds nothing
// to the cache: it would keep what attackers send, refused documents
// included; gqlgen adds the documents it validates.
func (l *limiter) parse(ctx context.Context, q string, tokens int) (*ast.QueryDocument, error) {
	if doc, ok := l.docs.Get(ctx, q); ok {
		return doc, nil
	}
	return parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, tokens)
}

// MutateOperationParameters measures the document. A document that does
// not parse, or names no operation it has, is left to gqlgen, which reports
// it; only a parse that hit the token limit is refused here.
func (l *limiter) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if oc := graphql.GetOperationContext(ctx); oc != nil {
		// gqlgen sets it only after the parameter mutators; a refusal here
		// should still be counted under the client's name (metrics).
		oc.OperationName = p.OperationName
	}
	a := l.limits.audienceOf(ctx)
	if a.MaxBytes > 0 && len(p.Query) > a.MaxBytes {
		return refusal(l.metrics, &cost.Refusal{Reason: "bytes", Value: len(p.Query), Limit: a.MaxBytes})
	}
	doc, err := l.parse(ctx, p.Query, a.MaxTokens)
	if err != nil {
		if strings.HasPrefix(err.Error(), "exceeded token limit") || strings.Contains(err.Error(), "exceeded token limit") {
			return refusal(l.metrics, &cost.Refusal{Reason: "tokens", Value: a.MaxTokens + 1, Limit: a.MaxTokens})
		}
		return nil
	}
	if len(doc.Operations) == 0 {
		return nil // gqlgen answers "no operation provided" before validating
	}
	if doc.Operations.ForName(p.OperationName) == nil {
		// Refused here, not after gqlgen has validated the whole document.
		err := gqlerror.Errorf("The document has no operation named %q; send operationName with one of its operations' names (or omit it when there is only one).", p.OperationName)
		if p.OperationName == "" {
			err = gqlerror.Errorf("The document has several operations: send operationName to say which one to run.")
		}
		errcode.Set(err, errcode.ValidationFailed)
		return err
	}
	if err := nulError(doc, p.Variables); err != nil {
		return err
	}
	// Every operation and fragment is measured, not only the one that
	// runs: the validator reads them all.
	measures, r := cost.AnalyzeDocument(l.schema, doc, p.Variables, l.limits.Sizes, a.MaxDuplicates)
	for _, m := range measures {
		if r != nil {
			break
		}
		r = a.Check(m)
	}
	if r != nil {
		return refusal(l.metrics, r)
	}
	return nil
}

func refusal(m *metrics.Metrics, r *cost.Refusal) *gqlerror.Error {
	m.Refused(r.Reason)
	ext := map[string]any{"code": CodeTooComplex, "reason": r.Reason, "cost": r.Value, "limit": r.Limit}
	if r.Name != "" {
		ext["field"] = r.Name
	}
	return &gqlerror.Error{Message: r.Error(), Extensions: ext}
}

// InterceptOperation gives a query or mutation its deadline and its field
// budget. Subscriptions live as long as their socket; each event they
// deliver is bounded by the socket's own limits.
func (l *limiter) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
		return next(ctx)
	}
	cancel := context.CancelFunc(func() {})
	if l.limits.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, l.limits.Timeout)
	}
	ctx = context.WithValue(ctx, budgetKey{}, &budget{max: int64(l.limits.audienceOf(ctx).MaxResolved)})
	h := next(ctx)
	// A query or mutation has one response; the deadline ends with it.
	return func(ctx context.Context) *graphql.Response {
		defer cancel()
		return h(ctx)
	}
}

// budget counts the fields an operation resolved.
type budget struct {
	max      int64
	resolved atomic.Int64
	over     atomic.Bool
}

type budgetKey struct{}

// errTooLarge is returned by every field resolved past the budget;
// InterceptResponse then replaces the whole response with one error.
var errTooLarge = &cerr.Error{Code: CodeTooLarge, Message: "The response would be too large: ask for fewer fields or smaller pages."}

// InterceptField counts the field against the budget.
func (l *limiter) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	if b := l.budgetOf(ctx); b != nil && b.max > 0 && b.resolved.Add(1) > b.max {
		b.over.Store(true)
		return nil, errTooLarge
	}
	return next(ctx)
}

// InterceptResponse drops the data of an operation that ran out of budget,
// keeping a single error instead of one per field left unresolved.
func (l *limiter) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if b := l.budgetOf(ctx); resp != nil && b != nil && b.over.Load() {
		l.metrics.Refused("response")
		return &graphql.Response{Errors: gqlerror.List{{
			Message:    fmt.Sprintf("%s The limit is %d fields.", errTooLarge.Message, b.max),
			Extensions: map[string]any{"code": CodeTooLarge, "limit": b.max},
		}}}
	}
	return resp
}

// nulError refuses a request whose variables or inline arguments hold a
// NUL character, which PostgreSQL text cannot store, before anything runs.
// It names the argument path ("input.attendees.2.role") whether the text
// came inline or in a variable, as the other input errors do.
func nulError(doc *ast.QueryDocument, vars map[string]any) *gqlerror.Error {
	uses := map[string]string{} // variable name -> the argument path it is used at
	found := ""
	walkArguments(doc, func(v *ast.Value, path string) bool {
		switch v.Kind {
		case ast.Variable:
			if _, ok := uses[v.Raw]; !ok {
				uses[v.Raw] = path
			}
		case ast.StringValue, ast.BlockValue:
			if strings.IndexByte(v.Raw, 0) >= 0 {
				found = path
				return true
			}
		}
		return false
	})
	if found == "" {
		for name, v := range vars {
			at, used := uses[name]
			if !used {
				continue
			}
			if p, ok := nulInJSON(v, at); ok {
				found = p
				break
			}
		}
	}
	if found == "" {
		return nil
	}
	return &gqlerror.Error{
		Message:    found + " contains a NUL character (\\u0000), which text cannot hold: remove it.",
		Extensions: map[string]any{"code": cerr.Invalid, "field": found},
	}
}

func nulInJSON(v any, path string) (string, bool) {
	switch x := v.(type) {
	case string:
		return path, strings.IndexByte(x, 0) >= 0
	case map[string]any:
		for k, e := range x {
			if p, ok := nulInJSON(e, path+"."+k); ok {
				return p, true
			}
		}
	case []any:
		for i, e := range x {
			if p, ok := nulInJSON(e, fmt.Sprintf("%s.%d", path, i)); ok {
				return p, true
			}
		}
	}
	return "", false
}

// variableUse is the argument path where variable name is first used, or "".
func variableUse(doc *ast.QueryDocument, name string) string {
	at := ""
	walkArguments(doc, func(v *ast.Value, path string) bool {
		if v.Kind == ast.Variable && v.Raw == name {
			at = path
			return true
		}
		return false
	})
	return at
}

// walkArguments calls visit for every argument value of every field in
// doc, and for the values inside lists and input objects, with its path
// ("input.attendees.2.role"), until visit returns true.
func walkArguments(doc *ast.QueryDocument, visit func(v *ast.Value, path string) bool) {
	var value func(v *ast.Value, path string) bool
	value = func(v *ast.Value, path string) bool {
		if v == nil {
			return false
		}
		if visit(v, path) {
			return true
		}
		for i, c := range v.Children {
			at := path + "." + c.Name
			if v.Kind == ast.ListValue {
				at = fmt.Sprintf("%s.%d", path, i)
			}
			if value(c.Value, at) {
				return true
			}
		}
		return false
	}
	cost.AnyField(doc, func(f *ast.Field) bool {
		for _, a := range f.Arguments {
			if value(a.Value, a.Name) {
				return true
			}
		}
		return false
	})
}
