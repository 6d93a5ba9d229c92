package doctor

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/system"
)

// docker is a Docker daemon as the checks see it.
type docker struct {
	version types.Version
	info    system.Info
	infoErr error
}

func (d docker) ServerVersion(context.Context) (types.Version, error) { return d.version, nil }
func (d docker) Info(context.Context) (system.Info, error)            { return d.info, d.infoErr }
func (d docker) DaemonHost() string                                   { return "unix:///var/run/docker.sock" }

// host is a machine as the checks see it.
type host struct {
	free    map[string]uint64 // path → free bytes; missing: unreadable
	mem     uint64
	missing map[string]bool // commands not on PATH
	taken   map[string]bool // addresses in use
}

func (h host) FreeBytes(path string) (uint64, error) {
	if b, ok := h.free[path]; ok {
		return b, nil
	}
	return 0, errors.New("no such file or directory")
}
func (h host) MemAvailable() (uint64, error) { return h.mem, nil }
func (h host) LookPath(cmd string) (string, error) {
	if h.missing[cmd] {
		return "", errors.New("executable file not found in $PATH")
	}
	return "/usr/bin/" + cmd, nil
}
func (h host) Listen(addr string) error {
	if h.taken[addr] {
		return errors.New("bind: address already in use")
	}
	return nil
}

// healthy is a machine the main job runs on; each case below breaks one thing.
func healthy() (docker, host, Checks) {
	d := docker{version: types.Version{Version: "28.5.2", APIVersion: "1.51"},
		info: system.Info{CgroupVersion: "2", MemoryLimit: true, DockerRootDir: "/var/lib/docker"}}
	h := host{free: map[string]uint64{"/var/lib/docker": 60 * GiB, "/": 60 * GiB}, mem: 16 * GiB,
		missing: map[string]bool{}, taken: map[string]bool{}}
	c := Checks{Home: "/nonexistent/ringmaster", Tools: []Tool{{"mmdebstrap", "mmdebstrap"}, {"createrepo-c", "createrepo_c"}, {"dnf", "dnf"}},
		Ports:   []Port{{Name: "NATS", Addr: "127.0.0.1:4222", Flag: "--nats-listen"}, {Name: "S3", Addr: "127.0.0.1:9000", Flag: "--s3-listen"}},
		Running: func() (int, bool) { return 0, false }}
	return d, h, c
}

func TestEveryFailureSaysWhatIsWrongAndTheFix(t *testing.T) {
	tests := []struct {
		name        string
		breakIt     func(d *docker, h *host, c *Checks)
		check       string
		level       Level
		detail, fix string
	}{
		{name: "all well", breakIt: func(*docker, *host, *Checks) {}, level: OK},
		{name: "docker down", check: "docker", level: Fail, detail: "Docker does not answer: Cannot connect", fix: "sudo systemctl start docker",
			breakIt: func(_ *docker, _ *host, c *Checks) {
				c.Docker = func(context.Context) (Docker, error) {
					return nil, errors.New("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?")
				}
			}},
		{name: "docker socket not ours", check: "docker", level: Fail, detail: "permission denied", fix: "sudo usermod -aG docker $USER",
			breakIt: func(_ *docker, _ *host, c *Checks) {
				c.Docker = func(context.Context) (Docker, error) {
					return nil, errors.New("permission denied while trying to connect to the Docker daemon socket")
				}
			}},
		{name: "docker too old", check: "docker", level: Fail, detail: "Docker 19.03.15 (API 1.40) is too old", fix: "apt-get install docker.io",
			breakIt: func(d *docker, _ *host, _ *Checks) {
				d.version = types.Version{Version: "19.03.15", APIVersion: "1.40"}
			}},
		{name: "no memory limits", check: "cgroup", level: Fail, detail: "cannot limit a container's memory", fix: "systemd.unified_cgroup_hierarchy=1",
			breakIt: func(d *docker, _ *host, _ *Checks) { d.info.CgroupVersion, d.info.MemoryLimit = "1", false }},
		{name: "cgroup v1 with memory limits is fine", check: "cgroup", level: OK, detail: "cgroup v1 with the memory controller",
			breakIt: func(d *docker, _ *host, _ *Checks) { d.info.CgroupVersion = "1" }},
		{name: "docker info fails", check: "cgroup", level: Warn, detail: "docker info failed", fix: "docker info",
			breakIt: func(d *docker, _ *host, _ *Checks) { d.infoErr = errors.New("EOF") }},
		{name: "docker's disk full", check: "disk", level: Fail, detail: "only 1.5 GiB free under Docker's data root /var/lib/docker", fix: "ring image prune",
			breakIt: func(_ *docker, h *host, _ *Checks) { h.free["/var/lib/docker"] = 3 * GiB / 2 }},
		{name: "docker's data root elsewhere", check: "disk", level: Warn, detail: "is not readable here", fix: "docker system df",
			breakIt: func(d *docker, _ *host, _ *Checks) { d.info.DockerRootDir = "/srv/docker-on-another-host" }},
		{name: "RING_HOME's disk full", check: "disk", level: Fail, detail: "only 0.5 GiB free for RING_HOME /nonexistent/ringmaster", fix: "RING_HOME=/big/disk/ringmaster make run",
			breakIt: func(_ *docker, h *host, _ *Checks) { h.free["/"] = GiB / 2 }},
		{name: "tools missing", check: "tools", level: Fail, detail: "not installed: mmdebstrap, createrepo_c", fix: "make deps (or: sudo apt-get install mmdebstrap createrepo-c)",
			breakIt: func(_ *docker, h *host, _ *Checks) { h.missing["mmdebstrap"], h.missing["createrepo_c"] = true, true }},
		{name: "tool list missing", check: "tools", level: Warn, detail: "the tool list", fix: "RING_DEPS",
			breakIt: func(_ *docker, _ *host, c *Checks) {
				c.ToolsErr = errors.New("open infra/deps.list: no such file or directory")
			}},
		{name: "port taken by another program", check: "ports", level: Fail, detail: "127.0.0.1:9000 (S3) is in use by another program", fix: "ss -ltnp 'sport = :9000'",
			breakIt: func(_ *docker, h *host, _ *Checks) { h.taken["127.0.0.1:9000"] = true }},
		{name: "port taken by a running ring up", check: "ports", level: Fail, detail: "ring up already runs with RING_HOME /nonexistent/ringmaster (pid 4242)", fix: "kill 4242",
			breakIt: func(_ *docker, h *host, c *Checks) {
				h.taken["127.0.0.1:4222"] = true
				c.Running = func() (int, bool) { return 4242, true }
			}},
		{name: "memory short", check: "memory", level: Fail, detail: "only 1.0 GiB of memory available", fix: "ring cluster destroy NAME",
			breakIt: func(_ *docker, h *host, _ *Checks) { h.mem = GiB }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, h, c := healthy()
			c.Docker = func(context.Context) (Docker, error) { return d, nil }
			c.Host = h
			tt.breakIt(&d, &h, &c)
			c.Host = h
			findings := c.Run(context.Background())
			var hit *Finding
			for i, f := range findings {
				if f.Level != OK && f.Check != tt.check {
					t.Errorf("another check is unhappy: %+v", f)
				}
				if f.Check == tt.check && strings.Contains(f.Detail, tt.detail) {
					hit = &findings[i]
				}
			}
			if tt.check == "" {
				if n := Failed(findings); n != 0 || len(findings) != 7 {
					t.Fatalf("healthy machine: %d failures, %d findings: %+v", n, len(findings), findings)
				}
				return
			}
			if hit == nil {
				t.Fatalf("no %s finding says %q: %+v", tt.check, tt.detail, findings)
			}
			if hit.Level != tt.level || !strings.Contains(hit.Fix, tt.fix) {
				t.Errorf("%s: level %s, fix %q; want %s, a fix with %q", tt.check, hit.Level, hit.Fix, tt.level, tt.fix)
			}
			want := 0
			if tt.level == Fail {
				want = 1
			}
			if Failed(findings) != want {
				t.Errorf("%d failures, want %d", Failed(findings), want)
			}
		})
	}
}

func TestReadTools(t *testing.T) {
	tools, err := ReadTools("../../../infra/deps.list")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tl := range tools {
		if tl.Package == "mmdebstrap" && tl.Command == "mmdebstrap" {
			found = true
		}
	}
	if !found || len(tools) < 5 {
		t.Fatalf("infra/deps.list read as %+v", tools)
	}
	bad := t.TempDir() + "/deps.list"
	if err := os.WriteFile(bad, []byte("# ok\nmake make\ndpkg-dev\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadTools(bad); err == nil || !strings.Contains(err.Error(), "deps.list:3: want PACKAGE COMMAND") {
		t.Fatalf("a bad line: %v", err)
	}
}
