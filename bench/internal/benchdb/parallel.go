package benchdb

import (
	"context"
	"sync"
)

// Parallel runs fn in k goroutines and returns the first error (the others
// see ctx cancelled): how the benchmarks seed their data.
func Parallel(ctx context.Context, k int, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for range k {
		wg.Go(func() {
			if err := fn(ctx); err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && err != context.Canceled {
		return err
	}
	return nil
}
