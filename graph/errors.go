package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/copydesk/copydesk/internal/cerr"
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
		if _, ok := gqlErr.Extensions["code"]; ok {
			// GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED and friends.
			return gqlErr
		}
		if e := cerr.As(err); e != nil {
			gqlErr.Message = e.Message
			gqlErr.Extensions["code"] = e.Code
			if e.Field != "" {
				gqlErr.Extensions["field"] = e.Field
			}
			for k, v := range e.Details {
				gqlErr.Extensions[k] = v
			}
			if e.Code == cerr.Internal {
				logInternal(ctx, log, err, gqlErr)
			}
			return gqlErr
		}
		var plain *gqlerror.Error
		if errors.As(err, &plain) && plain.Err == nil && isTransportMessage(plain.Message) {
			// Errors raised by gqlgen's transports about the HTTP request itself.
			gqlErr.Message = transportMessage(plain.Message)
			gqlErr.Extensions["code"] = "BAD_REQUEST"
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

func logInternal(ctx context.Context, log *slog.Logger, err error, gqlErr *gqlerror.Error) {
	id := reqctx.RequestID(ctx)
	gqlErr.Extensions["code"] = cerr.Internal
	if id != "" {
		gqlErr.Extensions["requestId"] = id
	}
	gqlErr.Message = "Internal error."
	log.ErrorContext(ctx, "internal error", "err", err.Error(), "path", gqlErr.Path.String(), "request_id", id)
}

func isTransportMessage(msg string) bool {
	for _, p := range []string{"json request body could not be decoded", "could not read request body", "no operation provided", "could not get json request body", "transport not supported", "operation not found"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

func transportMessage(msg string) string {
	switch {
	case strings.HasPrefix(msg, "json request body could not be decoded"):
		return "The request body is not valid JSON. Send {\"query\": \"...\", \"variables\": {...}}."
	case strings.HasPrefix(msg, "no operation provided"):
		return "The request has no query. Send {\"query\": \"...\"}."
	default:
		return msg
	}
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
