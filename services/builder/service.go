// Package builder is the builder service: it fetches sources into the
// content-addressed cache now, and builds the distro × component matrix in
// toolchain containers once issue #5 lands.
package builder

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"time"

	"ringmaster.dev/builder/source"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/service"
)

// Name is the service name.
const Name = "builder"

// New is the builder's service.Factory.
func New(_ context.Context, deps service.Deps) (service.Definition, error) {
	f := &source.Fetcher{
		Blobs:   deps.Blob,
		Client:  &http.Client{Timeout: 30 * time.Minute},
		WorkDir: filepath.Join(deps.WorkDir, "downloads"),
		Log:     deps.Log,
	}
	return service.Definition{Name: Name, Handlers: map[string]bus.Handler{
		"source.fetch.requested": fetchHandler(f),
		"build.requested":        bus.NotImplemented("the builder's build matrix arrives with issue #5 (toolchain images and m×n builds)"),
	}}, nil
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
