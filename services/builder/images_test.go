package builder

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	dimage "github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/image"
)

// docker answers image inspections: images in present exist; down makes
// the daemon fail every call.
type docker struct {
	present map[string]bool
	down    bool
}

func (d *docker) ImageInspect(_ context.Context, id string, _ ...client.ImageInspectOption) (dimage.InspectResponse, error) {
	if d.down {
		return dimage.InspectResponse{}, errors.New("connection refused")
	}
	if d.present[id] {
		return dimage.InspectResponse{ID: id}, nil
	}
	return dimage.InspectResponse{}, notFound{}
}
func (d *docker) ImageImport(context.Context, dimage.ImportSource, string, dimage.ImportOptions) (io.ReadCloser, error) {
	return nil, errors.New("no imports here")
}
func (d *docker) ImageList(context.Context, dimage.ListOptions) ([]dimage.Summary, error) {
	return nil, nil
}
func (d *docker) ImageRemove(context.Context, string, dimage.RemoveOptions) ([]dimage.DeleteResponse, error) {
	return nil, nil
}
func (d *docker) ImageTag(context.Context, string, string) error { return nil }

type notFound struct{}

func (notFound) Error() string { return "No such image" }
func (notFound) NotFound()     {}

func testImages(t *testing.T, d *docker) *image.Builder {
	t.Helper()
	rec, err := image.Load("../../infra/images")
	if err != nil {
		t.Fatal(err)
	}
	return &image.Builder{Docker: d, Recipes: rec, CacheDir: t.TempDir()}
}

func TestImageFlights(t *testing.T) {
	ctx := context.Background()
	probe := testImages(t, &docker{})
	present := map[string]bool{}
	for _, n := range []string{"toolchain", "toolchain-java"} {
		for _, d := range []string{"debian-12", "debian-11"} {
			s, err := probe.Recipes.Spec(n, d)
			if err != nil {
				t.Fatal(err)
			}
			present[s.Tag] = true
		}
	}

	t.Run("present images are ready at once, each reported", func(t *testing.T) {
		b := testImages(t, &docker{present: present})
		var f imageFlights
		var mu sync.Mutex
		var steps []string
		report := func(s image.Step) {
			mu.Lock()
			steps = append(steps, s.Spec.Name+"@"+s.Spec.Distro+" "+s.Phase+" "+s.Detail)
			mu.Unlock()
		}
		var wg sync.WaitGroup
		for _, n := range []string{"toolchain", "toolchain-java"} {
			for _, d := range []string{"debian-12", "debian-11"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := f.ensure(ctx, b, n, d, report, nil); err != nil {
						t.Error(err)
					}
				}()
			}
		}
		wg.Wait()
		if len(steps) != 4 || !strings.Contains(strings.Join(steps, "\n"), "toolchain-java@debian-11 ready present") {
			t.Errorf("steps: %q", steps)
		}
		if len(f.flight) != 0 {
			t.Errorf("flights left: %v", f.flight)
		}
	})

	t.Run("an image that cannot be made fails every cell waiting for it, and is retried", func(t *testing.T) {
		b := testImages(t, &docker{down: true})
		var f imageFlights
		err := f.ensure(ctx, b, "toolchain", "debian-11", nil, nil)
		if err == nil || !strings.Contains(err.Error(), "image toolchain for debian-11") {
			t.Fatalf("ensure = %v", err)
		}
		if err := imageErr(err); bus.IsPermanent(err) {
			t.Fatalf("a Docker hiccup should be retried: %v", err)
		}
	})

	t.Run("a recipe that does not exist is final", func(t *testing.T) {
		var f imageFlights
		err := f.ensure(ctx, probe, "nope", "debian-12", nil, nil)
		if err == nil || !bus.IsPermanent(imageErr(err)) {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("a cell waiting for another's build shares its result", func(t *testing.T) {
		var f imageFlights
		fl := &imageFlight{done: make(chan struct{})}
		f.flight = map[string]*imageFlight{"toolchain@debian-12": fl}
		waited := make(chan struct{})
		res := make(chan error, 1)
		go func() { res <- f.ensure(ctx, probe, "toolchain", "debian-12", nil, func() { close(waited) }) }()
		<-waited
		fl.err = errors.New("image toolchain for debian-12: disk full")
		close(fl.done)
		if err := <-res; err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Fatalf("waiter got %v", err)
		}
	})
}
