package cell

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/pkg/stdcopy"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// fake is a Docker whose container "runs" until exit is closed.
type fake struct {
	mu      sync.Mutex
	cfg     *container.Config
	host    *container.HostConfig
	code    int64
	exit    chan struct{}
	removed []string
	killed  bool
	output  string
}

func newFake(code int64, output string, runs bool) *fake {
	f := &fake{code: code, output: output, exit: make(chan struct{})}
	if !runs {
		close(f.exit)
	}
	return f
}

func (f *fake) ContainerCreate(_ context.Context, cfg *container.Config, host *container.HostConfig, _ *network.NetworkingConfig, _ *ocispec.Platform, _ string) (container.CreateResponse, error) {
	f.cfg, f.host = cfg, host
	return container.CreateResponse{ID: "0123456789abcdef"}, nil
}
func (f *fake) ContainerStart(context.Context, string, container.StartOptions) error { return nil }
func (f *fake) ContainerWait(ctx context.Context, _ string, _ container.WaitCondition) (<-chan container.WaitResponse, <-chan error) {
	w, e := make(chan container.WaitResponse, 1), make(chan error, 1)
	go func() {
		select {
		case <-f.exit:
			w <- container.WaitResponse{StatusCode: f.code}
		case <-ctx.Done():
			e <- ctx.Err()
		}
	}()
	return w, e
}
func (f *fake) ContainerLogs(context.Context, string, container.LogsOptions) (io.ReadCloser, error) {
	var b bytes.Buffer
	_, _ = stdcopy.NewStdWriter(&b, stdcopy.Stdout).Write([]byte(f.output))
	return io.NopCloser(&b), nil
}
func (f *fake) ContainerKill(context.Context, string, string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.killed {
		f.killed = true
		close(f.exit)
	}
	return nil
}
func (f *fake) ContainerRemove(ctx context.Context, id string, _ container.RemoveOptions) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	f.removed = append(f.removed, id)
	return nil
}
func (f *fake) ContainerList(context.Context, container.ListOptions) ([]container.Summary, error) {
	return []container.Summary{{ID: "a"}, {ID: "b"}}, nil
}

func testSpec(t *testing.T) Spec {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	_ = os.MkdirAll(src, 0o755)
	patch := filepath.Join(dir, "0001-fix.patch")
	_ = os.WriteFile(patch, nil, 0o644)
	return Spec{RunID: "run-1", Stack: "fixture", Component: "ringhello", Distro: "debian-12", Image: "img",
		SourceDir: src, PatchFiles: []string{patch}, Commands: []string{"make", "make install DESTDIR=\"$OUT\""},
		Env: map[string]string{"CFLAGS": "-O2"}, DepsDirs: map[string]string{"ringhello-lib": src}, OutDir: filepath.Join(dir, "out")}
}

func TestLockedDown(t *testing.T) {
	f := newFake(0, "built\n", false)
	var log bytes.Buffer
	res, err := Run(context.Background(), f, testSpec(t), &log)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	h := f.host
	if h.Privileged || h.NetworkMode != "none" || !f.cfg.NetworkDisabled || len(h.CapDrop) != 1 || h.CapDrop[0] != "ALL" || len(h.CapAdd) != 0 ||
		h.SecurityOpt[0] != "no-new-privileges" || h.Memory != DefaultMemoryBytes || *h.PidsLimit != DefaultPidsLimit {
		t.Fatalf("host config not locked down: %+v", h)
	}
	mounts := map[string]bool{}
	for _, m := range h.Mounts {
		mounts[m.Target] = m.ReadOnly
	}
	want := map[string]bool{"/src": true, "/build": false, "/out": false, "/deps/ringhello-lib": true, "/patches/0001-0001-fix.patch": true}
	for target, ro := range want {
		if got, ok := mounts[target]; !ok || got != ro {
			t.Errorf("mount %s: present %v read-only %v", target, ok, got)
		}
	}
	if f.cfg.Labels[LabelRun] != "run-1" || f.cfg.Labels[LabelRole] != RoleBuild {
		t.Errorf("labels %v", f.cfg.Labels)
	}
	envs := strings.Join(f.cfg.Env, " ")
	for _, e := range []string{"OUT=/out", "DEPS=/deps", "SRC=/src", "JOBS=", "CFLAGS=-O2"} {
		if !strings.Contains(envs, e) {
			t.Errorf("env lacks %s: %s", e, envs)
		}
	}
	if !strings.Contains(log.String(), "built") || len(f.removed) != 1 {
		t.Fatalf("log %q, removed %v", log.String(), f.removed)
	}
}

func TestFailureTimeoutCancel(t *testing.T) {
	f := newFake(2, "", false)
	res, err := Run(context.Background(), f, testSpec(t), nil)
	var ee *ExitError
	if !errors.Is(err, ErrBuildFailed) || !errors.As(err, &ee) || ee.Code != 2 || res.ExitCode != 2 || len(f.removed) != 1 {
		t.Fatalf("failure: %+v %v %v", res, err, f.removed)
	}

	f = newFake(137, "", true)
	s := testSpec(t)
	s.Timeout = 50 * time.Millisecond
	if _, err := Run(context.Background(), f, s, nil); !errors.Is(err, ErrTimeout) || !f.killed || len(f.removed) != 1 {
		t.Fatalf("timeout: %v killed %v removed %v", err, f.killed, f.removed)
	}

	f = newFake(137, "", true)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := Run(ctx, f, testSpec(t), nil); !errors.Is(err, context.Canceled) || !f.killed || len(f.removed) != 1 {
		t.Fatalf("cancel: %v killed %v removed %v", err, f.killed, f.removed)
	}
}

func TestInvalidSpec(t *testing.T) {
	for name, mutate := range map[string]func(*Spec){
		"env name":     func(s *Spec) { s.Env = map[string]string{"A-B": "x"} },
		"reserved env": func(s *Spec) { s.Env = map[string]string{"OUT": "/tmp"} },
		"no commands":  func(s *Spec) { s.Commands = nil },
		"dep name":     func(s *Spec) { s.DepsDirs = map[string]string{"../x": "/tmp"} },
		"run id":       func(s *Spec) { s.RunID = "a b" },
		"no source":    func(s *Spec) { s.SourceDir = filepath.Join(s.SourceDir, "missing") },
	} {
		f := newFake(0, "", false)
		s := testSpec(t)
		mutate(&s)
		if _, err := Run(context.Background(), f, s, nil); !errors.Is(err, ErrSpec) || f.cfg != nil {
			t.Errorf("%s: %v (created: %v)", name, err, f.cfg != nil)
		}
	}
}

func TestCleanup(t *testing.T) {
	f := newFake(0, "", false)
	if _, err := Cleanup(context.Background(), f, ""); !errors.Is(err, ErrSpec) {
		t.Fatalf("empty selector: %v", err)
	}
	n, err := Cleanup(context.Background(), f, LabelRole+"="+RoleBuild)
	if err != nil || n != 2 {
		t.Fatalf("%d %v", n, err)
	}
}
