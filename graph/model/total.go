package model

import "context"

// Total counts a connection's items, when called. A list that would need a
// query to know its size sets Total and leaves TotalCount zero, so the
// count runs only when a query selects totalCount (gqlgen.yml makes it a
// field resolver); a list that knows its size for free sets TotalCount and
// leaves Total nil.
type Total func(context.Context) (int, error)

// Of returns the connection's totalCount: t counted now, or known when t is nil.
func (t Total) Of(ctx context.Context, known int) (int, error) {
	if t == nil {
		return known, nil
	}
	return t(ctx)
}
