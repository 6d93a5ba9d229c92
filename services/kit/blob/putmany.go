package blob

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// errStopped is the cancellation cause PutMany uses after the first failure.
var errStopped = errors.New("blob: put-many stopped after an earlier failure")

// PutMany uploads all uploads with at most parallel (minimum 1) in flight.
// All keys are validated before anything is sent. The first failure cancels
// the uploads still running and stops new ones from starting; the returned
// error joins every genuine failure (uploads cut short by that cancellation
// are not reported separately).
func (s *Store) PutMany(ctx context.Context, uploads []Upload, parallel int) error {
	var invalid []error
	for _, u := range uploads {
		if err := ValidateKey(u.Key); err != nil {
			invalid = append(invalid, err)
		}
	}
	if len(invalid) > 0 {
		return fmt.Errorf("blob: put-many: nothing uploaded: %w", errors.Join(invalid...))
	}
	parallel = max(parallel, 1)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, parallel)
	)
	started := 0
loop:
	for _, u := range uploads {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break loop
		}
		if ctx.Err() != nil {
			break
		}
		started++
		wg.Go(func() {
			defer func() { <-sem }()
			_, err := s.Put(ctx, u.Key, u.Body, u.Size, u.Opts)
			if err == nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if errors.Is(context.Cause(ctx), errStopped) && ctx.Err() != nil && errors.Is(err, context.Canceled) {
				return // cut short by an earlier failure
			}
			errs = append(errs, err)
			cancel(errStopped)
		})
	}
	wg.Wait()
	if len(errs) == 0 && ctx.Err() != nil && !errors.Is(context.Cause(ctx), errStopped) {
		return fmt.Errorf("blob: put-many: %d of %d uploads not done: %w", len(uploads)-started, len(uploads), context.Cause(ctx))
	}
	if len(errs) > 0 {
		return fmt.Errorf("blob: put-many: %d failed, %d never started: %w", len(errs), len(uploads)-started, errors.Join(errs...))
	}
	return nil
}
