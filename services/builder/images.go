package builder

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/image"
)

// imageFlight is one toolchain image being made (or found) for a cell.
type imageFlight struct {
	done chan struct{}
	err  error // once done
}

// imageFlights makes each toolchain image at most once at a time in this
// builder: a cell that needs an image another cell is making waits for that
// build instead of starting its own. (Builders on one Docker host share the
// distro's package cache, which image.Builder locks, so two processes
// never download into it at once either.)
type imageFlights struct {
	mu     sync.Mutex
	flight map[string]*imageFlight // "<recipe>@<distro>"
}

// ensure returns once the image of name for distro exists, or why it
// cannot be made. Only the cell that starts the build hears its steps
// (report); a cell that waits for another's build is told once that it
// waits (wait, may be nil).
func (f *imageFlights) ensure(ctx context.Context, b *image.Builder, name, distro string, report func(image.Step), wait func()) error {
	k := name + "@" + distro
	f.mu.Lock()
	if f.flight == nil {
		f.flight = map[string]*imageFlight{}
	}
	fl, busy := f.flight[k]
	if !busy {
		fl = &imageFlight{done: make(chan struct{})}
		f.flight[k] = fl
	}
	f.mu.Unlock()
	if busy {
		if wait != nil {
			wait()
		}
		select {
		case <-fl.done:
			return fl.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	_, err := b.BuildWith(ctx, name, distro, report)
	if err != nil {
		err = fmt.Errorf("image %s for %s: %w", name, distro, err)
	}
	fl.err = err
	f.mu.Lock()
	delete(f.flight, k)
	f.mu.Unlock()
	close(fl.done)
	return err
}

// imageErr is how a missing image ends a cell command: a bad recipe (e.g.
// a build.image no recipe provides) is final, anything else is retried.
func imageErr(err error) error {
	if errors.Is(err, image.ErrRecipe) {
		return bus.Permanent(err)
	}
	return err
}
