package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/copydesk/copydesk/internal/metrics"
)

// operationMetrics is the gqlgen extension that records every GraphQL
// operation in internal/metrics: by operation name, type and outcome, its
// duration, and the extensions.code of each error in its responses.
//
// An operation that runs is recorded by InterceptOperation when its first
// response is produced (for a subscription: its first event, or its end).
// A document that never reaches an operation (it does not parse, fails
// validation, names an operation it does not hold, or is refused for its
// cost) has only the error response gqlgen dispatches, which
// InterceptResponse records.
type operationMetrics struct{ m *metrics.Metrics }

var (
	_ graphql.HandlerExtension     = operationMetrics{}
	_ graphql.OperationInterceptor = operationMetrics{}
	_ graphql.ResponseInterceptor  = operationMetrics{}
)

// recordedKey marks the context of responses that InterceptOperation
// records, so that InterceptResponse does not count them twice.
type recordedKey struct{}

func (operationMetrics) ExtensionName() string                   { return "Metrics" }
func (operationMetrics) Validate(graphql.ExecutableSchema) error { return nil }

func (e operationMetrics) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	start := oc.Stats.OperationStart
	if start.IsZero() {
		start = time.Now()
	}
	typ := string(oc.Operation.Operation)
	// The operation is in the document: its name may join the label set.
	name := e.m.OperationName(operationName(oc), true)
	responses := next(ctx)
	first := true
	return func(ctx context.Context) *graphql.Response {
		resp := responses(context.WithValue(ctx, recordedKey{}, true))
		e.countErrors(resp)
		if first {
			first = false
			d := time.Since(start)
			if oc.Operation.Operation == ast.Subscription {
				d = -1 // the life of a subscription is not a latency
			}
			e.m.GraphQLOperation(name, typ, resp != nil && len(resp.Errors) > 0, d)
		}
		return resp
	}
}

func (e operationMetrics) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if ctx.Value(recordedKey{}) != nil || !graphql.HasOperationContext(ctx) {
		return resp
	}
	// An error before the operation ran. Its name joins no label set (it
	// may not even be in the document); it keeps its label only if it is
	// known already.
	oc := graphql.GetOperationContext(ctx)
	typ := metrics.Unknown
	if oc.Operation != nil {
		typ = string(oc.Operation.Operation)
	}
	e.countErrors(resp)
	d := time.Duration(-1)
	if start := oc.Stats.OperationStart; !start.IsZero() {
		d = time.Since(start)
	}
	e.m.GraphQLOperation(e.m.OperationName(operationName(oc), false), typ, true, d)
	return resp
}

func (e operationMetrics) countErrors(resp *graphql.Response) {
	if resp == nil {
		return
	}
	for _, err := range resp.Errors {
		code, _ := err.Extensions["code"].(string)
		e.m.GraphQLError(code)
	}
}

// operationName is the client's operationName or, without one, the name
// of the operation the document runs ("" for an unnamed one).
func operationName(oc *graphql.OperationContext) string {
	if oc.OperationName != "" {
		return oc.OperationName
	}
	if oc.Operation != nil {
		return oc.Operation.Name
	}
	return ""
}
