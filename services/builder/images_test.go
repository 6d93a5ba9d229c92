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
	"ringmaster.dev/builder/matrix"
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

func TestStartImages(t *testing.T) {
	cells := []matrix.Cell{{Component: "redis", Distro: "debian-12"}, {Component: "redis", Distro: "debian-11"},
		{Component: "zookeeper", Distro: "debian-12"}, {Component: "zookeeper", Distro: "debian-11"}}
	imageOf := func(c matrix.Cell) string {
		if c.Component == "zookeeper" {
			return "toolchain-java"
		}
		return "toolchain"
	}
	b := testImages(t, &docker{})
	present := map[string]bool{}
	for _, c := range cells {
		s, err := b.Recipes.Spec(imageOf(c), c.Distro)
		if err != nil {
			t.Fatal(err)
		}
		present[s.Tag] = true
	}
	ctx := context.Background()

	t.Run("present images are ready at once, each reported", func(t *testing.T) {
		b := testImages(t, &docker{present: present})
		var mu sync.Mutex
		var steps []string
		im, err := startImages(ctx, b, cells, imageOf, 2, func(s image.Step) {
			mu.Lock()
			steps = append(steps, s.Spec.Name+"@"+s.Spec.Distro+" "+s.Phase+" "+s.Detail)
			mu.Unlock()
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cells {
			if err := im.wait(ctx, imageOf(c), c.Distro); err != nil {
				t.Fatal(err)
			}
			if tag := im.tag(imageOf(c), c.Distro); !present[tag] {
				t.Errorf("%s: tag %s is not the recipe's", c.Name(), tag)
			}
		}
		im.drain()
		if len(steps) != 4 || !strings.Contains(strings.Join(steps, "\n"), "toolchain-java@debian-11 ready present") {
			t.Errorf("steps: %q", steps)
		}
		if im.err() != nil {
			t.Error(im.err())
		}
	})

	t.Run("an image that cannot be made fails the cells that wait for it, and is retried", func(t *testing.T) {
		b := testImages(t, &docker{down: true})
		im, err := startImages(ctx, b, cells, imageOf, 2, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := im.wait(ctx, "toolchain", "debian-11"); err == nil || !strings.Contains(err.Error(), "image toolchain for debian-11") {
			t.Fatalf("wait = %v", err)
		}
		im.drain()
		if err := imageErr(im.err()); err == nil || bus.IsPermanent(err) {
			t.Fatalf("a Docker hiccup should be retried: %v", err)
		}
	})

	t.Run("a recipe that does not exist is final", func(t *testing.T) {
		_, err := startImages(ctx, b, cells, func(matrix.Cell) string { return "nope" }, 2, nil)
		if err == nil || !bus.IsPermanent(imageErr(err)) {
			t.Fatalf("err = %v", err)
		}
	})
}
