package model

import (
	"context"
	"sync"
)

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

// Once returns t counting at most once, however many fields ask (totalCount
// and totalCountIsExact of one connection); nil stays nil.
func (t Total) Once() Total {
	if t == nil {
		return nil
	}
	var (
		once sync.Once
		n    int
		err  error
	)
	return func(ctx context.Context) (int, error) {
		once.Do(func() { n, err = t(ctx) })
		return n, err
	}
}
