// Package par runs work over a slice with bounded parallelism: ForEach for
// work where any failure cancels the rest (uploads), Ordered for work whose
// first error must be the one a sequential loop would report.
package par

import (
	"context"
	"sync"
	"sync/atomic"
)

// ForEach runs fn over items with at most parallel at once; the first error
// cancels the rest and is returned.
func ForEach[T any](ctx context.Context, items []T, parallel int, fn func(context.Context, T) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for _, it := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, it); err != nil {
				cancel(err)
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}

// Ordered runs fn(ctx, i) for i in 0..n-1, starting them in order with at
// most parallel running at once. After fn(i) fails no index above i is
// started, and the ones running are not cancelled: the error returned is
// that of the lowest failing index — the one a sequential loop stopping at
// its first error would return, as long as the calls do not depend on each
// other. A cancelled ctx stops starting new calls and is returned if no
// call failed.
func Ordered(ctx context.Context, n, parallel int, fn func(ctx context.Context, i int) error) error {
	errs := make([]error, n)
	var failed atomic.Int64 // lowest failed index, n if none
	failed.Store(int64(n))
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil || int64(i) > failed.Load() {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, i); err != nil {
				errs[i] = err
				for {
					f := failed.Load()
					if int64(i) >= f || failed.CompareAndSwap(f, int64(i)) {
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}
