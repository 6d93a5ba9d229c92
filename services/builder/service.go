// Package builder is the builder service: it fetches sources into the
// content-addressed cache and builds a stack's distro × component matrix in
// toolchain containers, then hands the packages to repo-publisher.
package builder

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"ringmaster.dev/builder/cell"
	"ringmaster.dev/builder/gitrepo"
	"ringmaster.dev/builder/source"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/health"
	"ringmaster.dev/kit/image"
	"ringmaster.dev/kit/lease"
	"ringmaster.dev/kit/service"
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
	// ID names this builder in the facts of the cells it builds: its host
	// and Owner.
	ID string
	// Routes are the cell routes ("<distro>.<arch>") it takes.
	Routes []string
	// Leases hold one claim per build key being built (nil: none).
	Leases jetstream.KeyValue
	// Facts is where a coordinator reads the cells' facts.
	Facts Facts
	Log   zerolog.Logger

	flights imageFlights
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
			Git: &gitrepo.Cache{Dir: filepath.Join(deps.WorkDir, "git")}, Owner: OwnerOf(deps.WorkDir), Log: deps.Log}
		if err := b.removeScratch(); err != nil {
			deps.Log.Warn().Err(err).Msg("removing scratch directories left by a previous builder failed")
		}
		host, _ := os.Hostname()
		b.ID = host + "/" + b.Owner[:8]
		if b.Opts.Arch == "" {
			b.Opts.Arch = events.DefaultArch
		}
		if deps.Bus != nil {
			b.Facts = deps.Bus.JS
			nums, err := OpenNumbers(ctx, deps.Bus.JS)
			if err != nil {
				return service.Definition{}, err
			}
			b.Numbers = nums
			if b.Leases, err = lease.Open(ctx, deps.Bus.JS); err != nil {
				return service.Definition{}, err
			}
		}
		deps.Health.Add("docker", health.Docker)
		emitted := newBuildMetrics(deps.Metrics).emitted
		def := service.Definition{Name: Name, Handlers: map[string]bus.Handler{
			"source.fetch.requested": fetchHandler(f),
			// Coordinating needs no Docker: the cells go to builders that have it.
			"build.requested":      b.buildHandler,
			"cell.build.requested": b.cellHandler,
		}, Emitted: emitted,
			// Coordinators mostly wait for their cells.
			Concurrency: 32, RouteConcurrency: max(opts.Parallel, 1)}
		dc, err := image.Connect(ctx)
		if err != nil {
			deps.Log.Warn().Err(err).Msg("no Docker: this builder coordinates builds and fetches sources, but builds no cells")
			return def, nil
		}
		b.Docker = dc
		recipes, err := image.Load(opts.ImagesDir)
		if err != nil {
			deps.Log.Warn().Err(err).Msg("no image recipes: this builder builds no cells (run from the project directory or set RING_IMAGES)")
			return def, nil
		}
		if b.Routes, err = b.Opts.Routes(recipes.DistroNames()); err != nil {
			return service.Definition{}, err
		}
		def.Routes = b.Routes
		b.Images = &image.Builder{Docker: dc, Recipes: recipes, CacheDir: opts.DebCache, Progress: progressLog{deps.Log}}
		// Containers of a killed predecessor (same work dir) are removed by label.
		if n, err := cell.Cleanup(ctx, dc, cell.LabelOwner+"="+b.Owner); err != nil {
			deps.Log.Warn().Err(err).Msg("cleanup of leftover build containers failed")
		} else if n > 0 {
			deps.Log.Info().Int("containers", n).Msg("removed build containers left by a previous builder")
		}
		deps.Log.Info().Strs("serves", b.Routes).Msg("builder ready")
		return def, nil
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

// progressLog turns image build progress lines into log entries.
type progressLog struct{ log zerolog.Logger }

func (p progressLog) Write(b []byte) (int, error) {
	p.log.Info().Msg(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// OwnerOf is the owner label of the build containers (and the end of the
// id) of a builder whose work directory is workDir.
func OwnerOf(workDir string) string {
	abs, err := filepath.Abs(workDir)
	if err != nil {
		abs = workDir
	}
	return sha256hex([]byte(abs))[:16]
}
