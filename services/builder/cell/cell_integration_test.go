//go:build integration

package cell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stringid"

	"ringmaster.dev/kit/image"
	"ringmaster.dev/kit/stack"
)

const (
	recipesDir   = "../../../infra/images"
	fixtureStack = "../../../infra/stacks/fixture/stack.yaml"
)

// cacheDir survives test runs, so only the first run on a machine downloads.
var cacheDir = filepath.Join(os.TempDir(), "ringmaster-test-debs")

var toolchainOnce struct {
	sync.Once
	c   *client.Client
	tag string
	err error
}

// toolchain connects to Docker and builds (or finds) the debian-12 toolchain.
func toolchain(t *testing.T) (*client.Client, string) {
	t.Helper()
	toolchainOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		c, err := image.Connect(ctx)
		if err != nil {
			toolchainOnce.err = err
			return
		}
		rec, err := image.Load(recipesDir)
		if err != nil {
			toolchainOnce.err = err
			return
		}
		var progress bytes.Buffer
		res, err := (&image.Builder{Docker: c, Recipes: rec, CacheDir: cacheDir, Progress: &progress}).Build(ctx, "toolchain", "debian-12")
		if err != nil {
			toolchainOnce.err = fmt.Errorf("%w\n%s", err, progress.String())
			return
		}
		toolchainOnce.c, toolchainOnce.tag = c, res.Spec.Tag
	})
	if toolchainOnce.err != nil {
		t.Fatal(toolchainOnce.err)
	}
	return toolchainOnce.c, toolchainOnce.tag
}

// cellSpec is a spec with a fresh run id; after the test no container of
// that run may remain.
func cellSpec(t *testing.T, c *client.Client, img string, commands ...string) Spec {
	t.Helper()
	runID := fmt.Sprintf("test-%s-%d", regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "-"), time.Now().UnixNano())
	t.Cleanup(func() { noContainersLeft(t, c, runID) })
	src := t.TempDir()
	return Spec{RunID: runID, Stack: "test", Component: "probe", Distro: "debian-12", Image: img,
		SourceDir: src, Commands: commands, OutDir: filepath.Join(t.TempDir(), "out"), Timeout: 2 * time.Minute}
}

func noContainersLeft(t *testing.T, c *client.Client, runID string) {
	t.Helper()
	list, err := c.ContainerList(context.Background(), container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", LabelRun+"="+runID))})
	if err != nil {
		t.Error(err)
	}
	for _, ct := range list {
		t.Errorf("container %s (%s) of run %s was left behind", stringid.TruncateID(ct.ID), ct.State, runID)
	}
}

func TestBuildFixture(t *testing.T) {
	c, img := toolchain(t)
	ctx := context.Background()
	st, err := stack.Load(fixtureStack)
	if err != nil {
		t.Fatal(err)
	}
	comp := map[string]*stack.Component{}
	for _, cp := range st.Components {
		comp[cp.Name] = cp
	}
	runID := fmt.Sprintf("test-fixture-%d", time.Now().UnixNano())
	t.Cleanup(func() { noContainersLeft(t, c, runID) })
	specFor := func(name, out string, deps map[string]string) Spec {
		cp := comp[name]
		if cp == nil {
			t.Fatalf("fixture lacks %s", name)
		}
		var patches []string
		for _, p := range cp.Patches {
			patches = append(patches, cp.Path(p))
		}
		return Spec{RunID: runID, Stack: st.Name, Component: name, Distro: "debian-12", Image: img,
			SourceDir: cp.Path(cp.Sources[0].Dir), PatchFiles: patches, Commands: cp.Build.Commands, Env: cp.Build.Env,
			DepsDirs: deps, OutDir: out, Timeout: 5 * time.Minute}
	}

	out1 := filepath.Join(t.TempDir(), "ringhello-lib")
	var log1 bytes.Buffer
	res, err := Run(ctx, c, specFor("ringhello-lib", out1, nil), &log1)
	t.Logf("ringhello-lib: %+v\n%s", res, log1.String())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log1.String(), "applying 0001-0001-ringhello-greeting-punctuation.patch") {
		t.Error("the patch was not applied")
	}
	for _, f := range []string{"lib/libringhello.so.1", "include/ringhello.h"} {
		if _, err := os.Stat(filepath.Join(out1, f)); err != nil {
			t.Fatal(err)
		}
	}

	// Dependents see the library as its package installs it (the builder
	// unpacks the dependency's .debs): lay out that root from out1.
	root := filepath.Join(t.TempDir(), "ringhello-lib-root")
	for src, dst := range map[string]string{
		"lib/libringhello.so.1": "usr/lib/ringhello-lib/libringhello.so.1",
		"include/ringhello.h":   "usr/include/ringhello/ringhello.h",
	} {
		data, err := os.ReadFile(filepath.Join(out1, src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, dst)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, dst), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	out2 := filepath.Join(t.TempDir(), "ringhello")
	var log2 bytes.Buffer
	res, err = Run(ctx, c, specFor("ringhello", out2, map[string]string{"ringhello-lib": root}), &log2)
	t.Logf("ringhello: %+v\n%s", res, log2.String())
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(out2, "bin", "ringhellod"))
	if err != nil || fi.Mode().Perm()&0o100 == 0 {
		t.Fatalf("ringhellod: %v %v", fi, err)
	}

	// Run the daemon in a cell of the same image: its sources are out2.
	run := specFor("ringhello", filepath.Join(t.TempDir(), "out"), map[string]string{"ringhello-lib": root})
	run.SourceDir, run.PatchFiles, run.Env = out2, nil, nil
	run.Commands = []string{`LD_LIBRARY_PATH="$DEPS/ringhello-lib/usr/lib/ringhello-lib" ./bin/ringhellod conf/ringhello.conf`}
	var log3 bytes.Buffer
	if _, err := Run(ctx, c, run, &log3); err != nil {
		t.Fatalf("%v\n%s", err, log3.String())
	}
	if !strings.Contains(log3.String(), "hello, ringmaster!") {
		t.Fatalf("ringhellod said:\n%s", log3.String())
	}
}

func TestLockedDownContainer(t *testing.T) {
	c, img := toolchain(t)
	s := cellSpec(t, c, img,
		`echo "net=$(ls /sys/class/net | tr '\n' ' ')"`,
		`grep -E '^(CapEff|NoNewPrivs)' /proc/self/status`,
		`echo "pids=$(cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max)"`,
		`echo "mem=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max)"`,
		`echo "user=$(id -u) jobs=$JOBS out=$OUT"`,
		`touch "$OUT/written"`,
	)
	s.MemoryBytes, s.PidsLimit = 256<<20, 100
	var log bytes.Buffer
	if _, err := Run(context.Background(), c, s, &log); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	out := log.String()
	t.Log(out)
	for _, want := range []string{"net=lo \n", "CapEff:\t0000000000000000", "NoNewPrivs:\t1", "pids=100\n", fmt.Sprintf("mem=%d\n", 256<<20), fmt.Sprintf("user=%d ", os.Getuid())} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(s.OutDir, "written")); err != nil {
		t.Error(err)
	}
}

func TestSourceIsReadOnly(t *testing.T) {
	c, img := toolchain(t)
	var log bytes.Buffer
	res, err := Run(context.Background(), c, cellSpec(t, c, img, "touch /src/x"), &log)
	if !errors.Is(err, ErrBuildFailed) || res.ExitCode == 0 {
		t.Fatalf("touch /src/x: %+v %v\n%s", res, err, log.String())
	}
	if !strings.Contains(log.String(), "Read-only file system") {
		t.Fatalf("log:\n%s", log.String())
	}
}

func TestFailingCommand(t *testing.T) {
	c, img := toolchain(t)
	var log bytes.Buffer
	res, err := Run(context.Background(), c, cellSpec(t, c, img, "echo compiling", "echo 'error: boom' >&2; exit 3", "echo never"), &log)
	var ee *ExitError
	if !errors.Is(err, ErrBuildFailed) || !errors.As(err, &ee) || ee.Code != 3 || res.ExitCode != 3 {
		t.Fatalf("%+v %v", res, err)
	}
	if out := log.String(); !strings.Contains(out, "error: boom") || !strings.Contains(out, "compiling") || strings.Contains(out, "\nnever") {
		t.Fatalf("log:\n%s", out)
	}
}

func TestTimeoutKills(t *testing.T) {
	c, img := toolchain(t)
	s := cellSpec(t, c, img, "echo sleeping", "sleep 600")
	s.Timeout = 3 * time.Second
	var log bytes.Buffer
	res, err := Run(context.Background(), c, s, &log)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("%+v %v\n%s", res, err, log.String())
	}
	if res.Took > time.Minute || !strings.Contains(log.String(), "sleeping") {
		t.Fatalf("took %s, log:\n%s", res.Took, log.String())
	}
}

func TestCancelRemoves(t *testing.T) {
	c, img := toolchain(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := Run(ctx, c, cellSpec(t, c, img, "sleep 600"), nil)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTimeout) {
		t.Fatalf("%v", err)
	}
}

func TestCleanupByLabel(t *testing.T) {
	c, img := toolchain(t)
	ctx := context.Background()
	s := cellSpec(t, c, img, "sleep 600")
	// Containers a killed predecessor left: one running, one never started.
	for i := 0; i < 2; i++ {
		cfg, host := containerConfig(mustValidate(t, s), s.SourceDir)
		created, err := c.ContainerCreate(ctx, cfg, host, nil, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := c.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	n, err := Cleanup(ctx, c, LabelRun+"="+s.RunID)
	if err != nil || n != 2 {
		t.Fatalf("removed %d: %v", n, err)
	}
}

func mustValidate(t *testing.T, s Spec) Spec {
	t.Helper()
	s, err := s.validate()
	if err != nil {
		t.Fatal(err)
	}
	_ = os.MkdirAll(s.OutDir, 0o755)
	return s
}
