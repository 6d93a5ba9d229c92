//go:build integration

package image

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
)

// recipesDir is the project's infra/images.
const recipesDir = "../../../infra/images"

// cacheDir survives test runs, so only the first run on a machine downloads.
var cacheDir = filepath.Join(os.TempDir(), "ringmaster-test-debs")

func run(t *testing.T, c *client.Client, ref string, cmd ...string) string {
	t.Helper()
	ctx := context.Background()
	created, err := c.ContainerCreate(ctx, &container.Config{Image: ref, Cmd: cmd, Labels: map[string]string{"ringmaster.test": "image"}},
		&container.HostConfig{NetworkMode: "none"}, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.ContainerRemove(ctx, created.ID, container.RemoveOptions{Force: true})
	if err := c.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	wait, errc := c.ContainerWait(ctx, created.ID, container.WaitConditionNotRunning)
	select {
	case <-wait:
	case err := <-errc:
		t.Fatal(err)
	}
	logs, err := c.ContainerLogs(ctx, created.ID, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	var out, errOut bytes.Buffer
	_, _ = stdcopy.StdCopy(&out, &errOut, logs)
	return strings.TrimSpace(out.String() + errOut.String())
}

func TestBuildBaseOnceThenReuse(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, err := Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rec, err := Load(recipesDir)
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	b := &Builder{Docker: c, Recipes: rec, CacheDir: cacheDir, Progress: &progress}
	first, err := b.Build(ctx, "base", "debian-12")
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	if got := run(t, c, first.Spec.Tag, "cat", "/etc/debian_version"); !strings.HasPrefix(got, "12.") {
		t.Fatalf("debian_version in the image: %q", got)
	}
	if got := run(t, c, first.Spec.Current, "sh", "-c", "ls /var/cache/apt/archives/*.deb 2>/dev/null | wc -l"); got != "0" {
		t.Fatalf("cached debs left in the image: %s", got)
	}
	again, err := b.Build(ctx, "base", "debian-12")
	if err != nil || again.Built || again.Spec.Tag != first.Spec.Tag {
		t.Fatalf("second build: %+v, %v (want: found, not built)", again, err)
	}
	list, err := b.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, in := range list {
		if in.Hash == first.Spec.Hash && in.Current && in.Name == "base" && in.Distro == "debian-12" {
			found = true
		}
	}
	if !found {
		t.Fatalf("list lacks the image: %+v", list)
	}

	// A changed recipe gets a new tag; the old image is then stale and prune lists it.
	changed := t.TempDir()
	for _, f := range []string{"distros.yaml", "base.yaml"} {
		data, _ := os.ReadFile(filepath.Join(recipesDir, f))
		if f == "base.yaml" {
			data = append(data, []byte("env:\n  RINGMASTER_TEST: \"1\"\n")...)
		}
		_ = os.WriteFile(filepath.Join(changed, f), data, 0o644)
	}
	rec2, err := Load(changed)
	if err != nil {
		t.Fatal(err)
	}
	spec2, _ := rec2.Spec("base", "debian-12")
	if spec2.Tag == first.Spec.Tag {
		t.Fatal("a changed recipe kept its tag")
	}
	b2 := &Builder{Docker: c, Recipes: rec2, CacheDir: cacheDir}
	stale, err := b2.Prune(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, in := range stale {
		listed = listed || in.Hash == first.Spec.Hash
	}
	if !listed {
		t.Fatalf("prune --dry-run did not list the stale image: %+v", stale)
	}
	if _, err := c.ImageInspect(ctx, first.Spec.Tag); err != nil {
		t.Fatalf("dry run removed the image: %v", err)
	}
}
