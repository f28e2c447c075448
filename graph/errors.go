package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reqctx"
)

// presentError is the only place an error becomes a GraphQL error. It keeps
// the codes gqlgen itself sets for parse and validation failures, gives every
// other error an extensions.code from cerr, and replaces anything internal
// with "Internal error." after logging it in full.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		if gqlErr.Extensions == nil {
			gqlErr.Extensions = map[string]any{}
		}
		var reqErr *requestError
		if errors.As(err, &reqErr) {
			// Problems with the HTTP request itself (httpTransport).
			gqlErr.Message = reqErr.msg
			gqlErr.Extensions["code"] = "BAD_REQUEST"
			return gqlErr
		}
		if isVariableError(gqlErr) {
			return variableError(ctx, gqlErr)
		}
		if _, ok := gqlErr.Extensions["code"]; ok {
			// GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED and friends.
			return gqlErr
		}
		if e := cerr.As(err); e == nil {
			if t := postgres.Transient(err); t != nil {
				err = t
			}
		}
		if e := cerr.As(err); e != nil {
			gqlErr.Message = e.Message
			gqlErr.Extensions["code"] = e.Code
			if e.Field != "" {
				gqlErr.Extensions["field"] = e.Field
			} else if f := argumentPath(ctx, gqlErr.Path); e.Code == cerr.Invalid && f != "" {
				gqlErr.Extensions["field"] = f
			}
			for k, v := range e.Details {
				gqlErr.Extensions[k] = v
			}
			switch e.Code {
			case cerr.Internal:
				logInternal(ctx, log, err, gqlErr)
			case cerr.Canceled:
				log.InfoContext(ctx, "operation cancelled", "path", gqlErr.Path.String(), "request_id", reqctx.RequestID(ctx))
			case cerr.Unavailable, cerr.Timeout:
				log.WarnContext(ctx, "request failed", "code", e.Code, "err", err.Error(), "cause", causeOf(err), "path", gqlErr.Path.String(), "request_id", reqctx.RequestID(ctx))
				if id := reqctx.RequestID(ctx); id != "" {
					gqlErr.Extensions["requestId"] = id
				}
			}
			return gqlErr
		}
		if strings.HasPrefix(gqlErr.Message, "input:") || isInputCoercion(err) {
			// Variable coercion failures found during execution.
			gqlErr.Extensions["code"] = cerr.Invalid
			return gqlErr
		}
		logInternal(ctx, log, err, gqlErr)
		gqlErr.Message = "Internal error."
		return gqlErr
	}
}

// isVariableError: a variable's value does not fit its type (a string for
// an Int, an unknown enum value, a missing required field), which gqlparser
// reports with the path ["variable", name, …].
func isVariableError(e *gqlerror.Error) bool {
	if len(e.Path) < 2 {
		return false
	}
	first, ok := e.Path[0].(ast.PathName)
	return ok && first == "variable"
}

// variableError makes a variable's coercion failure BAD_USER_INPUT, like
// the same mistake written inline, with extensions.field naming the
// argument the variable is used at ("input.figures.0.value") and
// extensions.variable the variable's own path ("e.figures.0.value").
func variableError(ctx context.Context, e *gqlerror.Error) *gqlerror.Error {
	rest := make([]string, 0, len(e.Path)-1)
	for _, p := range e.Path[1:] {
		rest = append(rest, fmt.Sprint(p))
	}
	variable := strings.Join(rest, ".")
	field := variable
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Doc != nil {
		if at := variableUse(oc.Doc, rest[0]); at != "" {
			field = strings.Join(append([]string{at}, rest[1:]...), ".")
		}
	}
	msg := e.Message
	if strings.Contains(msg, " as Int") {
		msg = "must be a whole number between -2147483648 and 2147483647"
	}
	e.Message = fmt.Sprintf("Variable $%s: %s.", variable, strings.TrimSuffix(msg, "."))
	e.Extensions["code"] = cerr.Invalid
	e.Extensions["field"] = field
	e.Extensions["variable"] = variable
	e.Path = nil
	return e
}

func logInternal(ctx context.Context, log *slog.Logger, err error, gqlErr *gqlerror.Error) {
	id := reqctx.RequestID(ctx)
	gqlErr.Extensions["code"] = cerr.Internal
	if id != "" {
		gqlErr.Extensions["requestId"] = id
	}
	gqlErr.Message = "Internal error."
	log.ErrorContext(ctx, "internal error", "err", err.Error(), "cause", causeOf(err), "path", gqlErr.Path.String(), "request_id", id)
}

// causeOf spells out the whole chain under err, for the log: a
// cerr.Error's Error() is only its code and message, and its cause (the
// driver's error, a panic) is what an engineer needs.
func causeOf(err error) string {
	var parts []string
	for e := err; e != nil; e = errors.Unwrap(e) {
		if c, ok := e.(*cerr.Error); ok {
			parts = append(parts, c.Code+": "+c.Message)
			if c.Constraint != "" {
				parts = append(parts, "constraint "+c.Constraint)
			}
			continue
		}
		parts = append(parts, e.Error())
		break // e.Error() already includes what it wraps
	}
	return strings.Join(parts, " <- ")
}

// argumentPath is the argument an input error is about, as "input.startsAt":
// the error's path with the path of the field whose arguments failed
// removed. Scalar parsers (DateTime) cannot know which argument they read;
// gqlgen puts it in the error's path after the field's.
func argumentPath(ctx context.Context, p ast.Path) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || len(p) == 0 {
		return ""
	}
	field := fc.Path()
	if len(p) <= len(field) || p[:len(field)].String() != field.String() {
		return ""
	}
	parts := make([]string, 0, len(p)-len(field))
	for _, e := range p[len(field):] {
		parts = append(parts, fmt.Sprint(e)) // a name, or a list index: "input.figures.0.value"
	}
	return strings.Join(parts, ".")
}

func isInputCoercion(err error) bool {
	var gqlErr *gqlerror.Error
	return errors.As(err, &gqlErr) && gqlErr.Rule == "" && strings.Contains(gqlErr.Message, "cannot be")
}

// recoverPanic turns a panic in a resolver into an INTERNAL error (logged with
// its stack) instead of a dead process.
func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p), "stack", string(debug.Stack()), "request_id", reqctx.RequestID(ctx))
		return &cerr.Error{Code: cerr.Internal, Message: "Internal error.", Err: fmt.Errorf("panic: %v", p)}
	}
}
