package builder

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"ringmaster.dev/builder/matrix"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/image"
)

// imageFuture is one toolchain image a run needs, being built or found.
type imageFuture struct {
	tag  string // its content-hash tag, known before it exists
	done chan struct{}
	err  error // once done
}

// images are the toolchain images of one run.
type images struct {
	b       *image.Builder
	report  func(image.Step)
	futures map[string]*imageFuture // "<recipe>@<distro>"
	mu      sync.Mutex
	failed  error // the first image a cell needed that could not be made
}

// startImages resolves the image of every cell and starts making the ones
// missing: the images of one distro one after another, in the order the
// cells need them (they share the distro's package cache, which allows one
// image build at a time), the distros side by side, at most parallel
// builds at once. A cell waits only for its own image (wait).
func startImages(ctx context.Context, b *image.Builder, cells []matrix.Cell, imageOf func(matrix.Cell) string, parallel int, report func(image.Step)) (*images, error) {
	im := &images{b: b, report: report, futures: map[string]*imageFuture{}}
	queue := map[string][]string{}
	var distros []string
	for _, c := range cells {
		name := imageOf(c)
		k := name + "@" + c.Distro
		if _, ok := im.futures[k]; ok {
			continue
		}
		spec, err := b.Recipes.Spec(name, c.Distro)
		if err != nil {
			return nil, err // e.g. a build.image no recipe provides
		}
		im.futures[k] = &imageFuture{tag: spec.Tag, done: make(chan struct{})}
		if len(queue[c.Distro]) == 0 {
			distros = append(distros, c.Distro)
		}
		queue[c.Distro] = append(queue[c.Distro], name)
	}
	slots := make(chan struct{}, max(parallel, 1))
	for _, d := range distros {
		go func() {
			for _, name := range queue[d] {
				f := im.futures[name+"@"+d]
				select {
				case slots <- struct{}{}:
					_, f.err = b.BuildWith(ctx, name, d, report)
					<-slots
				case <-ctx.Done():
					f.err = ctx.Err()
				}
				if f.err != nil {
					f.err = fmt.Errorf("image %s for %s: %w", name, d, f.err)
				}
				close(f.done)
			}
		}()
	}
	return im, nil
}

// tag is the content-hash tag of a cell's image, whether it exists yet or not.
func (im *images) tag(name, distro string) string { return im.futures[name+"@"+distro].tag }

// wait returns once the image exists, or why it cannot be made.
func (im *images) wait(ctx context.Context, name, distro string) error {
	f := im.futures[name+"@"+distro]
	select {
	case <-f.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if f.err != nil {
		im.mu.Lock()
		if im.failed == nil {
			im.failed = f.err
		}
		im.mu.Unlock()
	}
	return f.err
}

// err is the first image failure a cell met: the command is retried (or
// dead-lettered for a bad recipe) instead of reporting cells as failed
// that never got to build.
func (im *images) err() error {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.failed
}

// drain waits until every image started is made or given up (a run leaves
// nothing behind it).
func (im *images) drain() {
	for _, f := range im.futures {
		<-f.done
	}
}

// imageErr is how a missing image ends a build command: a bad recipe (e.g.
// a build.image no recipe provides) is final, anything else is retried.
func imageErr(err error) error {
	if errors.Is(err, image.ErrRecipe) {
		return bus.Permanent(err)
	}
	return err
}
