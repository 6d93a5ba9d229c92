// Package doctor checks that a machine can run Ringmaster's main job (`make
// run`): Docker and its version, memory limits in containers, free disk
// under RING_HOME and Docker's data root, the tools infra/deps.list names,
// free ports and memory. For each thing that is wrong it says, in one line,
// what is wrong and the command that fixes it.
package doctor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/api/types/versions"
)

// Level says how a check ended.
type Level int

const (
	OK   Level = iota
	Warn       // could not tell, or works with a caveat
	Fail       // the main job would fail
)

func (l Level) String() string { return [...]string{"ok", "warn", "FAIL"}[l] }

// Finding is how one check ended: what was found and, unless OK, the
// command that fixes it.
type Finding struct {
	Check  string
	Level  Level
	Detail string
	Fix    string
}

// Docker is the part of the Docker client the checks read.
type Docker interface {
	ServerVersion(ctx context.Context) (types.Version, error)
	Info(ctx context.Context) (system.Info, error)
	DaemonHost() string
}

// Host is the part of this machine the checks read.
type Host interface {
	// FreeBytes is the space free to unprivileged users on path's filesystem.
	FreeBytes(path string) (uint64, error)
	// MemAvailable is the memory available without swapping.
	MemAvailable() (uint64, error)
	LookPath(cmd string) (string, error)
	// Listen says whether a TCP listener can be opened on addr.
	Listen(addr string) error
}

// Tool is a command a Debian package gives (a line of infra/deps.list).
type Tool struct{ Package, Command string }

// Port is an address `ring up` listens on.
type Port struct{ Name, Addr, Flag string }

// What the main job needs, measured on this project's main job: the images
// it makes (two toolchains and a node image, about 1.9 GB) and its build
// and cluster containers under Docker's data root; the .deb cache, build
// trees and repositories under RING_HOME; 3 nodes of 768 MB and the
// platform in memory.
const (
	GiB            = 1 << 30
	MinHomeBytes   = 2 * GiB
	MinDockerBytes = 4 * GiB
	MinMemBytes    = 3 * GiB
	MinDockerAPI   = "1.41" // Docker 20.10
)

// Checks is what to check, and on what.
type Checks struct {
	Docker func(ctx context.Context) (Docker, error)
	Host   Host
	Home   string
	Tools  []Tool
	// ToolsErr is why the tool list could not be read, if it could not.
	ToolsErr error
	Ports    []Port
	// Running says whether a `ring up` of this RING_HOME runs, and its pid.
	Running func() (pid int, ok bool)
}

// Run runs every check, in order: Docker (version, memory limits, data
// root), RING_HOME's disk, tools, ports, memory.
func (c Checks) Run(ctx context.Context) []Finding {
	var out []Finding
	dk, err := c.Docker(ctx)
	if err != nil {
		out = append(out, dockerDown(err))
	} else {
		out = append(out, c.docker(ctx, dk)...)
	}
	out = append(out, c.homeDisk(), c.tools())
	out = append(out, c.ports()...)
	return append(out, c.memory())
}

func dockerDown(err error) Finding {
	f := Finding{Check: "docker", Level: Fail, Detail: "Docker does not answer: " + firstLine(err.Error())}
	switch {
	case strings.Contains(err.Error(), "permission denied"):
		f.Fix = "sudo usermod -aG docker $USER, then log in again (or run as root)"
	default:
		f.Fix = "sudo systemctl start docker (not installed: sudo apt-get install docker.io)"
	}
	return f
}

func (c Checks) docker(ctx context.Context, dk Docker) []Finding {
	v, err := dk.ServerVersion(ctx)
	if err != nil {
		return []Finding{dockerDown(err)}
	}
	out := []Finding{{Check: "docker", Level: OK, Detail: fmt.Sprintf("Docker %s (API %s) at %s", v.Version, v.APIVersion, dk.DaemonHost())}}
	if versions.LessThan(v.APIVersion, MinDockerAPI) {
		out[0].Level = Fail
		out[0].Detail = fmt.Sprintf("Docker %s (API %s) is too old: Ringmaster needs 20.10 (API %s) or newer", v.Version, v.APIVersion, MinDockerAPI)
		out[0].Fix = "sudo apt-get install docker.io (or Docker's own packages)"
	}
	info, err := dk.Info(ctx)
	if err != nil {
		return append(out, Finding{Check: "cgroup", Level: Warn, Detail: "docker info failed: " + firstLine(err.Error()), Fix: "docker info"})
	}
	switch {
	case info.CgroupVersion == "2":
		out = append(out, Finding{Check: "cgroup", Level: OK, Detail: "cgroup v2: node containers get their memory limits"})
	case info.MemoryLimit:
		out = append(out, Finding{Check: "cgroup", Level: OK, Detail: "cgroup v" + info.CgroupVersion + " with the memory controller: node containers get their memory limits"})
	default:
		out = append(out, Finding{Check: "cgroup", Level: Fail,
			Detail: "Docker cannot limit a container's memory (cgroup v" + info.CgroupVersion + " without the memory controller): cluster nodes would not hold to their limits",
			Fix:    "boot with cgroup v2: add systemd.unified_cgroup_hierarchy=1 to GRUB_CMDLINE_LINUX in /etc/default/grub, sudo update-grub, reboot"})
	}
	root := info.DockerRootDir
	free, err := c.Host.FreeBytes(root)
	switch {
	case err != nil:
		out = append(out, Finding{Check: "disk", Level: Warn, Detail: fmt.Sprintf("Docker's data root %s is not readable here (%v): its free space is unknown", root, firstLine(err.Error())),
			Fix: "docker system df (on the Docker host)"})
	case free < MinDockerBytes:
		out = append(out, Finding{Check: "disk", Level: Fail, Detail: fmt.Sprintf("only %s free under Docker's data root %s: the main job's images and containers need %s", size(free), root, size(MinDockerBytes)),
			Fix: fmt.Sprintf("free space there: ring image prune removes stale Ringmaster images; df -h %s and docker system df show what uses it", root)})
	default:
		out = append(out, Finding{Check: "disk", Level: OK, Detail: fmt.Sprintf("%s free under Docker's data root %s", size(free), root)})
	}
	return out
}

func (c Checks) homeDisk() Finding {
	dir := existing(c.Home)
	free, err := c.Host.FreeBytes(dir)
	switch {
	case err != nil:
		return Finding{Check: "disk", Level: Fail, Detail: fmt.Sprintf("RING_HOME %s: %v", c.Home, firstLine(err.Error())),
			Fix: "RING_HOME=/a/writable/dir make run"}
	case free < MinHomeBytes:
		return Finding{Check: "disk", Level: Fail, Detail: fmt.Sprintf("only %s free for RING_HOME %s: the .deb cache, build trees and repositories need %s", size(free), c.Home, size(MinHomeBytes)),
			Fix: fmt.Sprintf("free space there (df -h %s), or put RING_HOME on a larger disk: RING_HOME=/big/disk/ringmaster make run", dir)}
	}
	return Finding{Check: "disk", Level: OK, Detail: fmt.Sprintf("%s free for RING_HOME %s", size(free), c.Home)}
}

func (c Checks) tools() Finding {
	if c.ToolsErr != nil {
		return Finding{Check: "tools", Level: Warn, Detail: "the tool list: " + firstLine(c.ToolsErr.Error()), Fix: "run ring doctor from the checkout (or set RING_DEPS to infra/deps.list)"}
	}
	var missing, pkgs []string
	for _, t := range c.Tools {
		if _, err := c.Host.LookPath(t.Command); err != nil {
			missing = append(missing, t.Command)
			pkgs = append(pkgs, t.Package)
		}
	}
	if len(missing) > 0 {
		return Finding{Check: "tools", Level: Fail, Detail: "not installed: " + strings.Join(missing, ", "),
			Fix: "make deps (or: sudo apt-get install " + strings.Join(pkgs, " ") + ")"}
	}
	names := make([]string, len(c.Tools))
	for i, t := range c.Tools {
		names[i] = t.Command
	}
	return Finding{Check: "tools", Level: OK, Detail: "installed: " + strings.Join(names, ", ")}
}

func (c Checks) ports() []Finding {
	var out []Finding
	var free []string
	for _, p := range c.Ports {
		if err := c.Host.Listen(p.Addr); err == nil {
			free = append(free, p.Addr+" ("+p.Name+")")
			continue
		}
		if pid, ok := c.Running(); ok {
			out = append(out, Finding{Check: "ports", Level: Fail, Detail: fmt.Sprintf("%s (%s) is taken: ring up already runs with RING_HOME %s (pid %d)", p.Addr, p.Name, c.Home, pid),
				Fix: fmt.Sprintf("stop it (Ctrl-C where it runs, or kill %d), or use it: ring ping", pid)})
			continue
		}
		_, port, _ := strings.Cut(p.Addr, ":")
		out = append(out, Finding{Check: "ports", Level: Fail, Detail: fmt.Sprintf("%s (%s) is in use by another program", p.Addr, p.Name),
			Fix: fmt.Sprintf("ss -ltnp 'sport = :%s' shows which; stop it, or run ring up --demo %s with another address", port, p.Flag)})
	}
	if len(free) > 0 {
		out = append(out, Finding{Check: "ports", Level: OK, Detail: "free: " + strings.Join(free, ", ")})
	}
	return out
}

func (c Checks) memory() Finding {
	avail, err := c.Host.MemAvailable()
	switch {
	case err != nil:
		return Finding{Check: "memory", Level: Warn, Detail: "available memory unknown: " + firstLine(err.Error()), Fix: "free -h"}
	case avail < MinMemBytes:
		return Finding{Check: "memory", Level: Fail, Detail: fmt.Sprintf("only %s of memory available: the main job's 3 nodes take 768 MB each, the builds and the platform about 1 GB", size(avail)),
			Fix: "free memory: stop programs or clusters no longer needed (ring cluster list, ring cluster destroy NAME)"}
	}
	return Finding{Check: "memory", Level: OK, Detail: size(avail) + " available"}
}

// Failed counts the findings at Fail.
func Failed(fs []Finding) int {
	n := 0
	for _, f := range fs {
		if f.Level == Fail {
			n++
		}
	}
	return n
}

// existing is path or its nearest ancestor that exists (RING_HOME may not
// exist before the first run).
func existing(path string) string {
	for p := filepath.Clean(path); ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil || p == filepath.Dir(p) {
			return p
		}
	}
}

func size(b uint64) string {
	if b >= 10*GiB {
		return fmt.Sprintf("%d GiB", b/GiB)
	}
	return fmt.Sprintf("%.1f GiB", float64(b)/GiB)
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
