package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/cerr"
)

// failed handles a mutation's error. A failure the client caused (a
// cerr.Error with a client code) is added to the response's errors, like
// every error, and also returned as typed user errors for the payload, so the
// mutation answers {object: null, userErrors: [...]}. Anything else is
// returned as is and becomes INTERNAL.
func failed(ctx context.Context, err error) ([]*model.UserError, error) {
	e := cerr.As(err)
	if e == nil || !model.UserErrorCode(e.Code).IsValid() {
		return nil, err
	}
	graphql.AddError(ctx, err)
	ue := &model.UserError{Code: model.UserErrorCode(e.Code), Message: e.Message}
	if e.Field != "" {
		ue.Field = &e.Field
	}
	if v, ok := e.Details["currentVersion"].(int); ok {
		ue.CurrentVersion = &v
	}
	if v, ok := e.Details["changedFields"].([]string); ok {
		ue.ChangedFields = v
	}
	return []*model.UserError{ue}, nil
}

// noUserErrors is the userErrors of a mutation that succeeded.
func noUserErrors() []*model.UserError { return []*model.UserError{} }
