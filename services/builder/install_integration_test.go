//go:build integration

package builder_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/pkg/stdcopy"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/image"
)

// installAndRun installs .debs with stock dpkg in a fresh container of img
// and runs cmd there; it returns the combined output.
func installAndRun(t *testing.T, img string, debs []string, cmd string) string {
	t.Helper()
	ctx := context.Background()
	c, err := image.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dir := t.TempDir()
	for _, d := range debs {
		data, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		_ = os.WriteFile(filepath.Join(dir, filepath.Base(d)), data, 0o644)
	}
	created, err := c.ContainerCreate(ctx,
		&container.Config{Image: img, Cmd: []string{"sh", "-c", "dpkg -i /pkgs/*.deb && " + cmd}, Labels: map[string]string{"ringmaster.test": "install"}},
		&container.HostConfig{NetworkMode: "none", Mounts: []mount.Mount{{Type: mount.TypeBind, Source: dir, Target: "/pkgs", ReadOnly: true}}},
		nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.ContainerRemove(context.WithoutCancel(ctx), created.ID, container.RemoveOptions{Force: true})
	if err := c.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	wait, errc := c.ContainerWait(ctx, created.ID, container.WaitConditionNotRunning)
	var code int64
	select {
	case w := <-wait:
		code = w.StatusCode
	case err := <-errc:
		t.Fatal(err)
	}
	logs, err := c.ContainerLogs(ctx, created.ID, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	var out bytes.Buffer
	_, _ = stdcopy.StdCopy(&out, &out, logs)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	return out.String()
}

// download copies the packages of a build.succeeded fact to dir.
func (p *platform) download(t *testing.T, refs []events.PackageRef, dir string) []string {
	t.Helper()
	var out []string
	for _, r := range refs {
		rc, _, err := p.store.Get(p.ctx, r.Key)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		path := filepath.Join(dir, filepath.Base(r.Key))
		_ = os.WriteFile(path, data, 0o644)
		out = append(out, path)
	}
	return out
}

// installFixture installs the fixture's debian-12 packages of a run with
// dpkg on a clean Debian 12 and runs the daemon from its package.
func installFixture(t *testing.T, p *platform, runID string) {
	t.Helper()
	img := baseImage(t)
	dir := t.TempDir()
	var debs []string
	for _, e := range ofType(p.runFacts(runID), "build.succeeded") {
		var s events.BuildSucceeded
		if err := json.Unmarshal(e.Data, &s); err != nil {
			t.Fatal(err)
		}
		if s.Distro == "debian-12" {
			debs = append(debs, p.download(t, s.Packages, dir)...)
		}
	}
	if len(debs) != 2 {
		t.Fatalf("debian-12 packages: %v", debs)
	}
	out := installAndRun(t, img, debs, "id ringhello && /usr/sbin/ringhellod /etc/ringhello/conf/ringhello.conf")
	if !strings.Contains(out, "hello, ringmaster!") || !strings.Contains(out, "uid=") {
		t.Fatalf("the installed daemon said:\n%s", out)
	}
}

// baseImage builds (or finds) the plain Debian 12 image: no compilers, just
// what a fresh system has.
func baseImage(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	c, err := image.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rec, err := image.Load(imagesDir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&image.Builder{Docker: c, Recipes: rec, CacheDir: debCache}).Build(ctx, "base", "debian-12")
	if err != nil {
		t.Fatal(err)
	}
	return res.Spec.Tag
}
