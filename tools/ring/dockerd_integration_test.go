//go:build integration

package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"ringmaster.dev/kit/dockerhost"
)

// secondDockerd starts a Docker daemon of the test's own beside the
// system's — its own socket, data root, exec root, pidfile and address
// pool, no default bridge, no iptables rules (the system daemon's stay as
// they are) — and returns its endpoint and a client of it. When the test
// ends, failed or not, the daemon is stopped by its PID (SIGTERM, then
// SIGKILL), whatever it left mounted is unmounted and its directories are
// removed. Register cleanups that need the daemon after calling this.
func secondDockerd(t *testing.T, system *client.Client) (string, *client.Client) {
	t.Helper()
	if _, err := exec.LookPath("dockerd"); err != nil {
		t.Fatal("dockerd is not installed: a second Docker host cannot be started (Debian: apt-get install docker.io)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	info, err := system.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Short: a unix socket path has at most 107 bytes.
	dir, err := os.MkdirTemp("", "ring-dockerd-")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "unix://" + filepath.Join(dir, "docker.sock")
	// The system daemon's storage driver works here; its config file is
	// not read (it names the system's data root).
	conf, _ := json.Marshal(map[string]any{"storage-driver": info.Driver, "mtu": 1400})
	if err := os.WriteFile(filepath.Join(dir, "daemon.json"), conf, 0o600); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "dockerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dockerd", "--config-file", filepath.Join(dir, "daemon.json"),
		"--host", endpoint, "--data-root", filepath.Join(dir, "data"), "--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "docker.pid"), "--bridge", "none", "--iptables=false", "--ip6tables=false",
		"--default-address-pool", "base="+freePool(t)+",size=24")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(logFile.Name())
			t.Logf("--- second dockerd (pid %d) log, last lines:\n%s", pid, tail(string(b), 40))
		}
		_ = syscall.Kill(pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-pid, syscall.SIGKILL) // dockerd and its containerd
			<-exited
		}
		logFile.Close()
		unmountUnder(t, dir)
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove the second dockerd's directory: %v", err)
		}
	})
	deadline := time.Now().Add(time.Minute)
	for {
		dc, err := dockerhost.Dial(ctx, endpoint)
		if err == nil {
			t.Cleanup(func() { dc.Close() })
			return endpoint, dc
		}
		select {
		case <-exited:
			deadline = time.Now()
		default:
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logFile.Name())
			t.Fatalf("the second dockerd does not answer at %s: %v\n%s", endpoint, err, tail(string(b), 40))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// freePool is a 10.x.0.0/16 no route of this machine uses yet.
func freePool(t *testing.T) string {
	out, err := exec.Command("ip", "-4", "route").Output()
	if err != nil {
		t.Fatalf("ip -4 route: %v", err)
	}
	for x := 231; x < 255; x++ {
		if !strings.Contains(string(out), fmt.Sprintf("10.%d.", x)) {
			return fmt.Sprintf("10.%d.0.0/16", x)
		}
	}
	t.Fatal("no free 10.x.0.0/16 for the second dockerd's networks")
	return ""
}

// unmountUnder unmounts what is still mounted below dir, deepest first.
func unmountUnder(t *testing.T, dir string) {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return
	}
	defer f.Close()
	var mounts []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 1 && strings.HasPrefix(fields[1], dir+"/") {
			mounts = append(mounts, fields[1])
		}
	}
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i]) > len(mounts[j]) })
	for _, m := range mounts {
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil {
			t.Logf("unmount %s: %v", m, err)
		}
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// forwardBridge lets the containers of one network of the second dockerd
// reach each other, as they do on a host whose daemon keeps iptables: that
// daemon runs without iptables, and the system daemon's FORWARD policy
// (DROP, with bridged packets handed to iptables by br_netfilter) drops
// what no rule accepts — node to node, node to KDC; the host reaches them
// anyway. One rule for the network's bridge, deleted on cleanup.
func forwardBridge(t *testing.T, ctx context.Context, c *client.Client, name string) {
	t.Helper()
	nw, err := c.NetworkInspect(ctx, name, network.InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	br := "br-" + nw.ID[:12]
	if n := nw.Options["com.docker.network.bridge.name"]; n != "" {
		br = n
	}
	rule := []string{"FORWARD", "-i", br, "-o", br, "-j", "ACCEPT"}
	if out, err := exec.CommandContext(ctx, "iptables", append([]string{"-I"}, rule...)...).CombinedOutput(); err != nil {
		t.Fatalf("iptables -I %v: %v\n%s", rule, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("iptables", append([]string{"-D"}, rule...)...).CombinedOutput(); err != nil {
			t.Errorf("iptables -D %v: %v\n%s", rule, err, out)
		}
	})
}
