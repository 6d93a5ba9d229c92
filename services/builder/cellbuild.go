package builder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"ringmaster.dev/builder/matrix"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/stack"
)

// cellHandler builds one cell of a build request's matrix, sent by the
// request's coordinator once the cell's dependencies were built. How the
// cell ends is a result, not a handler error: build.succeeded or
// build.failed, and the command is done. What keeps it from being tried
// (its toolchain image, the blob store, a shutdown) is retried — on this
// builder or any other serving the route — and after the last attempt the
// command is dead-lettered, which the coordinator hears from command.failed.
func (b *Builder) cellHandler(d *bus.Delivery) error {
	req := d.Payload.(*events.CellBuildRequested)
	if !b.serves(req.Route()) {
		// Only a message moved by hand gets here: the consumer of each
		// route takes that route's subject only.
		return bus.Permanent(fmt.Errorf("%w: cell %s is for %s, this builder serves %v", ErrServes, req.Name(), req.Route(), b.Routes))
	}
	work, err := b.scratch("cells", d.Envelope.ID)
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	st, err := b.loadStack(d.Ctx, req.Stack, req.Git, work)
	if err != nil {
		return err
	}
	j := &job{d: d, st: st, b: b, work: work, request: req.Request, steps: map[string]int{},
		keys: map[string]string{}, results: map[string]*result{}}
	comp := j.comp(req.Component)
	if comp == nil {
		return bus.Permanent(fmt.Errorf("cell %s: stack %s has no component %q", req.Name(), req.Stack, req.Component))
	}
	c := matrix.Cell{Component: req.Component, Distro: req.Distro}
	depKeys := map[string]string{}
	for _, dep := range req.Deps {
		c.Deps = append(c.Deps, dep.Component)
		depKeys[dep.Component] = dep.BuildKey
		j.results[dep.Component+"/"+req.Distro] = &result{Component: dep.Component, Distro: req.Distro, Key: dep.BuildKey, Packages: dep.Packages}
	}
	spec, err := b.Images.Recipes.Spec(comp.Build.Image, req.Distro)
	if err != nil {
		return imageErr(err)
	}
	key, err := BuildKey(comp, req.Distro, spec.Tag, depKeys)
	if err != nil {
		return bus.Permanent(fmt.Errorf("cell %s: %w", req.Name(), err))
	}
	start := time.Now()
	res, err := loadResult(d.Ctx, b.Store, key)
	if err != nil {
		return err
	}
	if res == nil {
		release, err := b.claim(d, b.Leases, key, req.Name())
		if err != nil {
			return err
		}
		defer release()
		// Built by whoever held the claim before us?
		if res, err = loadResult(d.Ctx, b.Store, key); err != nil {
			return err
		}
	}
	cached := res != nil
	if !cached {
		waiting := func() {
			d.Log.Info().Str("cell", req.Name()).Str("image", spec.Tag).Msg("waiting for the toolchain image another cell is making")
		}
		if err := b.flights.ensure(d.Ctx, b.Images, comp.Build.Image, req.Distro, j.reportImage, waiting); err != nil {
			return imageErr(err)
		}
		if res, err = j.build(d.Ctx, c, comp, key, spec.Tag); err != nil {
			var failed *cellFailure
			if errors.As(err, &failed) {
				return nil // reported as build.failed
			}
			return err
		}
	}
	return d.EmitAs(c.Name(), &events.BuildSucceeded{Stack: st.Name, Component: c.Component, Distro: c.Distro,
		BuildKey: key, Cached: cached, Packages: res.Packages, LogKey: res.LogKey,
		Request: req.Request, Builder: b.ID, Seconds: time.Since(start).Seconds()})
}

// loadStack reads the stack a build names: from the builder's stacks
// directory, or from the commit of its git repository (checked out under
// work). A stack that cannot be read is a permanent error.
func (b *Builder) loadStack(ctx context.Context, name string, git *events.GitRef, work string) (*stack.Stack, error) {
	if git != nil {
		return b.stackAt(ctx, &events.BuildRequested{Stack: name, Git: git}, work)
	}
	st, err := stack.Load(filepath.Join(b.Opts.StacksDir, name, "stack.yaml"))
	if err != nil {
		return nil, bus.Permanent(err)
	}
	return st, nil
}

// scratch makes a new, empty directory for one attempt at a command (id)
// under the work directory's kind/. Two deliveries of one command — a
// redelivery while the first attempt still runs, after a NATS server's
// death — get a directory each: the second used to empty the first's (its
// build's /out vanished mid-build, "install: cannot create directory
// '/out/bin'"). What a killed builder left is removed when the next one
// starts on the work directory (removeScratch).
func (b *Builder) scratch(kind, id string) (string, error) {
	dir := filepath.Join(b.WorkDir, kind)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(dir, sha256hex([]byte(id))[:16]+"-")
}

// scratchKinds are the directories under the work directory that hold
// scratch directories.
var scratchKinds = []string{"cells", "builds"}

// removeScratch removes the scratch directories a killed predecessor on the
// same work directory left (one builder per work directory, as for its
// containers: see Owner).
func (b *Builder) removeScratch() error {
	var errs []error
	for _, kind := range scratchKinds {
		errs = append(errs, os.RemoveAll(filepath.Join(b.WorkDir, kind)))
	}
	return errors.Join(errs...)
}

// serves tells whether this builder takes cells of route.
func (b *Builder) serves(route string) bool {
	return slices.Contains(b.Routes, route)
}

// cellFailure is a cell that was tried and failed: reported as
// build.failed, not retried.
type cellFailure struct{ err error }

func (f *cellFailure) Error() string { return f.err.Error() }
func (f *cellFailure) Unwrap() error { return f.err }
