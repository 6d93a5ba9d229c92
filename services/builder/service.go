// Package builder is the builder service: it fetches sources into the
// content-addressed cache and builds a stack's distro × component matrix in
// toolchain containers, then hands the packages to repo-publisher.
package builder

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/builder/cell"
	"ringmaster.dev/builder/gitrepo"
	"ringmaster.dev/builder/matrix"
	"ringmaster.dev/builder/source"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/health"
	"ringmaster.dev/kit/image"
	"ringmaster.dev/kit/service"
	"ringmaster.dev/kit/stack"
)

// Name is the service name.
const Name = "builder"

// Builder holds what build jobs share.
type Builder struct {
	Store   Store
	Fetcher *source.Fetcher
	Docker  cell.Docker
	Images  *image.Builder
	Opts    Options
	// Git keeps a bare clone per repository of stacks from git.
	Git     *gitrepo.Cache
	WorkDir string
	// KeyDir holds the forge tokens of stacks from git (kit/gitstack).
	KeyDir string
	// Numbers gives rebuilt versions their build numbers (nil: every
	// build is number 1).
	Numbers *Numbers
	// Owner identifies this builder's containers: a hash of its work
	// directory, the same after a restart, different for another builder.
	Owner string
	Log   zerolog.Logger
}

// New is the builder's service.Factory with options from the environment.
func New(ctx context.Context, deps service.Deps) (service.Definition, error) {
	return Factory(OptionsFromEnv())(ctx, deps)
}

// Factory makes the builder's service.Factory for opts.
func Factory(opts Options) service.Factory {
	return func(ctx context.Context, deps service.Deps) (service.Definition, error) {
		f := &source.Fetcher{
			Blobs:   deps.Blob,
			Client:  &http.Client{Timeout: 30 * time.Minute},
			WorkDir: filepath.Join(deps.WorkDir, "downloads"),
			Log:     deps.Log,
		}
		b := &Builder{Store: deps.Blob, Fetcher: f, Opts: opts, WorkDir: deps.WorkDir, KeyDir: deps.KeyDir,
			Git: &gitrepo.Cache{Dir: filepath.Join(deps.WorkDir, "git")}, Owner: owner(deps.WorkDir), Log: deps.Log}
		if deps.Bus != nil {
			nums, err := OpenNumbers(ctx, deps.Bus.JS)
			if err != nil {
				return service.Definition{}, err
			}
			b.Numbers = nums
		}
		deps.Health.Add("docker", health.Docker)
		emitted := newBuildMetrics(deps.Metrics).emitted
		build := bus.Handler(func(*bus.Delivery) error {
			return bus.Permanent(fmt.Errorf("%w: builds need a Docker daemon (check that it runs and DOCKER_HOST)", ErrDocker))
		})
		if dc, err := image.Connect(ctx); err != nil {
			deps.Log.Warn().Err(err).Msg("no Docker: source fetches work, builds will fail")
		} else {
			b.Docker = dc
			recipes, err := image.Load(opts.ImagesDir)
			if err != nil {
				// Source fetches still work; builds say what to fix.
				deps.Log.Warn().Err(err).Msg("no image recipes: builds will fail (run from the project directory or set RING_IMAGES)")
				return service.Definition{Name: Name, Handlers: map[string]bus.Handler{
					"source.fetch.requested": fetchHandler(f),
					"build.requested": func(*bus.Delivery) error {
						return bus.Permanent(fmt.Errorf("the builder has no image recipes: %w (set RING_IMAGES to the project's infra/images)", err))
					},
				}, Emitted: emitted}, nil
			}
			b.Images = &image.Builder{Docker: dc, Recipes: recipes, CacheDir: opts.DebCache, Progress: progressLog{deps.Log}}
			// Containers of a killed predecessor (same work dir) are removed by label.
			if n, err := cell.Cleanup(ctx, dc, cell.LabelOwner+"="+b.Owner); err != nil {
				deps.Log.Warn().Err(err).Msg("cleanup of leftover build containers failed")
			} else if n > 0 {
				deps.Log.Info().Int("containers", n).Msg("removed build containers left by a previous builder")
			}
			build = b.buildHandler
		}
		return service.Definition{Name: Name, Handlers: map[string]bus.Handler{
			"source.fetch.requested": fetchHandler(f),
			"build.requested":        build,
		}, Emitted: emitted}, nil
	}
}

func fetchHandler(f *source.Fetcher) bus.Handler {
	return func(d *bus.Delivery) error {
		req := d.Payload.(*events.SourceFetchRequested)
		res, err := f.Fetch(d.Ctx, req.URL, req.SHA256)
		if errors.Is(err, source.ErrBadRequest) || errors.Is(err, source.ErrChecksum) || errors.Is(err, source.ErrMissing) {
			return bus.Permanent(err)
		}
		if err != nil {
			return err
		}
		d.Log.Info().Str("key", res.Key).Int64("bytes", res.Size).Bool("cached", res.Cached).Msg("source in cache")
		return d.Emit(&events.SourceFetched{URL: req.URL, SHA256: req.SHA256, Key: res.Key, Size: res.Size, Cached: res.Cached})
	}
}

// buildHandler builds the requested matrix. Cell failures are results, not
// handler errors: they are reported as build.failed facts and the command
// is done. Infrastructure errors (images, blob store) are retried.
func (b *Builder) buildHandler(d *bus.Delivery) error {
	req := d.Payload.(*events.BuildRequested)
	if req.Stack == "" || strings.ContainsAny(req.Stack, "/\\.") {
		return bus.Permanent(fmt.Errorf("stack %q: give the name of a directory under %s", req.Stack, b.Opts.StacksDir))
	}
	work := filepath.Join(b.WorkDir, "builds", sha256hex([]byte(d.Envelope.ID))[:16])
	_ = os.RemoveAll(work) // what a killed attempt left
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(work)
	var st *stack.Stack
	var err error
	if req.Git != nil {
		st, err = b.stackAt(d.Ctx, req, work)
	} else {
		st, err = stack.Load(filepath.Join(b.Opts.StacksDir, req.Stack, "stack.yaml"))
		if err != nil {
			err = bus.Permanent(err)
		}
	}
	if err != nil {
		return err
	}
	cells, err := matrix.Plan(st, req.Components, req.Distros)
	if err != nil {
		return bus.Permanent(err)
	}
	// The request's channel, else the one the stack declares (stack.yaml
	// channel:, whose default is stack.DefaultChannel).
	channel := cmp.Or(req.Channel, st.Channel)
	j := &job{d: d, st: st, b: b, work: work, steps: map[string]int{},
		keys: map[string]string{}, results: map[string]*result{}}
	// Images are made side by side with the cells: a cell starts as soon
	// as its own image exists (or at once when its build key has outputs).
	imageOf := func(c matrix.Cell) string { return j.comp(c.Component).Build.Image }
	if j.images, err = startImages(d.Ctx, b.Images, cells, imageOf, b.Opts.Parallel, j.reportImage); err != nil {
		return imageErr(err)
	}
	outcomes := matrix.Run(d.Ctx, cells, b.Opts.Parallel, j.runCell, func(o matrix.Outcome) {
		d.Log.Info().Str("cell", o.Cell.Name()).Str("state", string(o.State)).Bool("cached", o.Cached).Str("reason", o.Reason).Msg("cell")
	})
	j.images.drain()
	if d.Ctx.Err() != nil {
		return d.Ctx.Err()
	}
	if err := j.images.err(); err != nil {
		// Cells that needed it did not get to build: retried as a whole
		// (the cells that built are found by their build keys then).
		return imageErr(err)
	}
	summary := &events.BuildFinished{Stack: st.Name, Channel: channel, Test: testSpec(st)}
	if req.Git != nil {
		summary.Commit = req.Git.Commit
	}
	byDistro := map[string][]events.PackageRef{}
	var distros []string
	for _, o := range outcomes {
		cr := events.CellResult{Component: o.Cell.Component, Distro: o.Cell.Distro, State: string(o.State), Reason: o.Reason, Cached: o.Cached, Seconds: o.Took.Seconds()}
		if r := j.results[o.Cell.Name()]; r != nil && o.State == matrix.OK {
			if len(byDistro[o.Cell.Distro]) == 0 {
				distros = append(distros, o.Cell.Distro)
			}
			byDistro[o.Cell.Distro] = append(byDistro[o.Cell.Distro], r.Packages...)
			cr.LogKey, cr.BuildKey, cr.Packages = r.LogKey, j.keys[o.Cell.Name()], r.Packages
		}
		if o.State == matrix.Skipped || o.State == matrix.Failed {
			// A failed build already reported itself with its log tail under
			// the same id, so this copy is dropped as a duplicate; failures
			// before the build (sources, cache) are reported here.
			_ = d.EmitAs(o.Cell.Name(), &events.BuildFailed{Stack: st.Name, Component: o.Cell.Component, Distro: o.Cell.Distro, Reason: o.Reason, Skipped: o.State == matrix.Skipped})
		}
		summary.Cells = append(summary.Cells, cr)
	}
	for _, dist := range distros {
		pub := &events.RepoPublishRequested{Channel: channel, Distros: []string{dist}, Packages: byDistro[dist]}
		if err := d.EmitAs("publish/"+dist, pub); err != nil {
			return err
		}
		summary.Published = append(summary.Published, dist)
	}
	return d.Emit(summary)
}

// progressLog turns image build progress lines into log entries.
type progressLog struct{ log zerolog.Logger }

func (p progressLog) Write(b []byte) (int, error) {
	p.log.Info().Msg(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func owner(workDir string) string {
	abs, err := filepath.Abs(workDir)
	if err != nil {
		abs = workDir
	}
	return sha256hex([]byte(abs))[:16]
}
