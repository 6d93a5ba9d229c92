//go:build integration

package main_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/client"
	"github.com/rs/zerolog"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/image"
	provisioner "ringmaster.dev/provisioner"
	"ringmaster.dev/ring/platform"
)

// ringLong runs a ring command with a longer deadline.
func ringLong(t testing.TB, home string, timeout time.Duration, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ringBin, args...)
	cmd.Env = append(os.Environ(), "RING_HOME="+home, "RING_NATS_URL=")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// projectEnv points ring at the repository's stacks, roles, recipes and
// policy data, and shares the .deb cache with the other image tests.
func projectEnv(t testing.TB) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("RING_STACKS", filepath.Join(root, "infra/stacks"))
	t.Setenv("RING_IMAGES", filepath.Join(root, "infra/images"))
	t.Setenv("RING_ROLES", filepath.Join(root, "infra/roles"))
	t.Setenv("RING_COMPAT", filepath.Join(root, "infra/compat/compat.json"))
	t.Setenv("RING_DEB_CACHE", filepath.Join(os.TempDir(), "ringmaster-test-debs"))
	t.Setenv("RING_ACK_WAIT", "5s")
}

// cleanupClusters removes the test's clusters and snapshots by label, even
// when the test failed half way.
func cleanupClusters(t testing.TB, p *cluster.Provider, prefix string) {
	clean := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		list, _ := p.List(ctx)
		for _, c := range list {
			if strings.HasPrefix(c.Spec.Name, prefix) {
				if err := p.Destroy(ctx, c.Spec.Name); err != nil {
					t.Errorf("cleanup %s: %v", c.Spec.Name, err)
				}
			}
		}
		snaps, _ := p.Snapshots(ctx)
		for _, s := range snaps {
			if strings.HasPrefix(s.Tag, prefix) {
				_ = p.RemoveSnapshot(ctx, s.Tag)
			}
		}
	}
	clean() // what an interrupted earlier run left
	t.Cleanup(clean)
}

func mustRing(t testing.TB, home string, timeout time.Duration, args ...string) string {
	t.Helper()
	out, err := ringLong(t, home, timeout, args...)
	if err != nil {
		t.Fatalf("ring %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TestClusterLifecycle is the chain end to end: the demo stack built and
// published, a denied spec, a 3-node cluster installed with apt-get from
// the signed repository, the smoke suites, idempotent re-apply, sample
// data, a snapshot and a cluster from it, stop/start, a provisioner killed
// mid-create, destroy.
func TestClusterLifecycle(t *testing.T) {
	projectEnv(t)
	ctx := context.Background()
	dc, err := image.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := cluster.New(dc)
	cleanupClusters(t, p, "it-")
	home := t.TempDir()
	natsAddr, s3Addr := freeAddr(t), freeAddr(t)
	upCmd, upOut, _ := up(t, home, "--nats-listen", natsAddr, "--s3-listen", s3Addr)
	_ = upCmd

	out := mustRing(t, home, 30*time.Minute, "build", "--stack", "demo", "--distro", "debian-12")
	if !strings.Contains(out, "published debian-12 to nightly") {
		t.Fatalf("build did not publish:\n%s", out)
	}
	// The previous Redis into the same channel: two versions of redis.
	out = mustRing(t, home, 30*time.Minute, "build", "--stack", "demo-redis6", "--distro", "debian-12")
	if !strings.Contains(out, "published debian-12 to nightly") {
		t.Fatalf("demo-redis6 build did not publish:\n%s", out)
	}

	// A denied spec: every reason, non-zero exit, nothing created.
	out, err = ringLong(t, home, time.Minute, "cluster", "create", "it-even", "-n", "2")
	if err == nil || !strings.Contains(out, "zk-odd-ensemble") || !strings.Contains(out, "nothing was created") {
		t.Fatalf("even ensemble: %v\n%s", err, out)
	}
	if _, err := p.Get(ctx, "it-even"); !cluster.IsNotFound(err) {
		t.Fatalf("a denied cluster left something behind: %v", err)
	}
	// More memory than the Docker host has, as docker info tells it.
	info, err := p.Client().Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hostMB := int(info.MemTotal >> 20)
	out, err = ringLong(t, home, time.Minute, "cluster", "create", "it-big", "-n", "3", "--memory", strconv.Itoa(hostMB/2))
	if want := fmt.Sprintf("is more than the machine's %d MB", hostMB); err == nil || !strings.Contains(out, want) {
		t.Fatalf("3 nodes × half the host's memory: %v, want %q in\n%s", err, want, out)
	}

	// A version the channel does not have: refused before anything is made.
	out, err = ringLong(t, home, time.Minute, "cluster", "create", "it-v", "--version", "zookeeper=3.8.1")
	if want := "not in the nightly channel for debian-12: zookeeper 3.8.1 (published: 3.8.0-"; err == nil || !strings.Contains(out, want) {
		t.Fatalf("an unpublished version: %v, want %q in\n%s", err, want, out)
	}
	if _, err := p.Get(ctx, "it-v"); !cluster.IsNotFound(err) {
		t.Fatalf("a cluster of an unpublished version left something behind: %v", err)
	}

	// A pinned version that is not the channel's newest is what runs.
	mustRing(t, home, 10*time.Minute, "cluster", "create", "it-r6", "-n", "1", "--role", "redis=1", "--version", "redis=6.0.16")
	if got := mustRing(t, home, time.Minute, "cluster", "exec", "it-r6", "--", "redis-server", "--version"); !strings.Contains(got, "v=6.0.16") {
		t.Fatalf("--version redis=6.0.16 runs %s", got)
	}
	mustRing(t, home, 5*time.Minute, "cluster", "destroy", "it-r6")

	out = mustRing(t, home, 10*time.Minute, "cluster", "create", "it-zk", "-n", "3", "--version", "zookeeper=3.8.0")
	for _, want := range []string{"installed redis, zookeeper with apt-get from the signed nightly repository", "leader", "Redis replica", "ready: it-zk, 3 nodes"} {
		if !strings.Contains(out, want) {
			t.Errorf("create output lacks %q:\n%s", want, out)
		}
	}
	c, err := p.Get(ctx, "it-zk")
	if err != nil || len(c.Nodes) != 3 {
		t.Fatalf("cluster: %+v %v", c, err)
	}
	assertLockedDown(t, dc, c)

	// One node of nearly the whole host fits the machine, but not beside
	// it-zk's three running nodes: refused, naming what they hold.
	out, err = ringLong(t, home, time.Minute, "cluster", "create", "it-avail", "-n", "1", "--role", "redis=1", "--memory", strconv.Itoa(hostMB-256))
	// (at least it-zk's: other clusters on this Docker host count too)
	held := regexp.MustCompile(`running clusters hold (\d+) MB`).FindStringSubmatch(out)
	if err == nil || !strings.Contains(out, "memory-available") || held == nil {
		t.Fatalf("a cluster that fits the machine but not what is left: %v, want memory-available in\n%s", err, out)
	}
	if mb, _ := strconv.Atoi(held[1]); mb < 3*c.Spec.MemoryMB {
		t.Errorf("the policy counted %d MB held, less than it-zk's 3 × %d MB", mb, c.Spec.MemoryMB)
	}

	// The name is taken: a clear message, non-zero exit.
	if out, err := ringLong(t, home, time.Minute, "cluster", "create", "it-zk", "-n", "3"); err == nil || !strings.Contains(out, "already exists") {
		t.Fatalf("second create of it-zk: %v\n%s", err, out)
	}

	// A second apply changes nothing.
	t.Run("reapply changes nothing", func(t *testing.T) {
		store, err := blob.Open(ctx, blobConfig(t, home))
		if err != nil {
			t.Fatal(err)
		}
		prov, err := provisioner.Open(ctx, provisioner.OptionsFromEnv(), store, zerolog.Nop())
		if err != nil {
			t.Fatal(err)
		}
		applied, err := prov.Reapply(ctx, "it-zk")
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range applied {
			if a.Changes() != 0 {
				t.Errorf("%s: second apply changed %+v", a.Node, a)
			}
		}
	})

	junit := filepath.Join(t.TempDir(), "junit.xml")
	out = mustRing(t, home, 10*time.Minute, "test", "run", "it-zk", "--junit", junit)
	if !strings.Contains(out, "0 failed") || !strings.Contains(out, "leader-killed-new-leader-elected") {
		t.Fatalf("test run:\n%s", out)
	}
	checkJUnit(t, junit)

	// A suite that cannot apply, an unknown cluster: clear errors.
	if out, err := ringLong(t, home, time.Minute, "test", "run", "it-zk", "--suite", "nope"); err == nil || !strings.Contains(out, `no suite "nope"`) {
		t.Fatalf("unknown suite: %v\n%s", err, out)
	}
	if out, err := ringLong(t, home, time.Minute, "cluster", "exec", "it-none", "--", "true"); err == nil || !strings.Contains(out, "not found") {
		t.Fatalf("unknown cluster: %v\n%s", err, out)
	}

	t.Run("compatibility sweep", func(t *testing.T) { sweepScenario(t, home, p) })

	// Sample data, a snapshot, a cluster from it that holds the data.
	sample := t.TempDir()
	writeFile(t, filepath.Join(sample, "zookeeper", "app", "config"), "mode=demo")
	writeFile(t, filepath.Join(sample, "redis", "greeting"), "hello from the snapshot")
	mustRing(t, home, time.Minute, "cluster", "load", "it-zk", sample)
	mustRing(t, home, 5*time.Minute, "cluster", "snapshot", "it-zk", "--as", "it-snap")
	out = mustRing(t, home, 5*time.Minute, "cluster", "create", "it-copy", "--from", "it-snap")
	if !strings.Contains(out, "ready: it-copy") || strings.Contains(out, "installed") {
		t.Fatalf("create from snapshot (nothing to install):\n%s", out)
	}
	if got := mustRing(t, home, time.Minute, "cluster", "exec", "it-copy", "node3", "--", "redis-cli", "get", "greeting"); strings.TrimSpace(got) != "hello from the snapshot" {
		t.Fatalf("snapshot data on node3: %q", got)
	}

	// Stop and start: each node's boot script brings its services back.
	mustRing(t, home, 2*time.Minute, "cluster", "stop", "it-copy")
	if got := mustRing(t, home, time.Minute, "cluster", "list"); !strings.Contains(got, "stopped") || !strings.Contains(got, "redis=7.0.15×3,zookeeper=3.8.0×3") ||
		!regexp.MustCompile(`(?m)^it-copy\s+stopped\s+3/3\s+\S+\s+0 MB\s`).MatchString(got) || !strings.Contains(got, "MB of the Docker host's") {
		t.Fatalf("list after stop (a stopped cluster holds no memory):\n%s", got)
	}
	mustRing(t, home, time.Minute, "cluster", "start", "it-copy")
	mustRing(t, home, 5*time.Minute, "test", "run", "it-copy", "--suite", "zookeeper", "--suite", "redis")

	// The provisioner (in ring up) is killed mid-create; the restarted one
	// completes the cluster from the redelivered command.
	parent := t
	var upOut2 *syncBuffer
	// One SIGKILL of ring up while a create and a sweep's create are under
	// way: after the restart both complete, the sweep with its result.
	t.Run("provisioner killed mid-create", func(t *testing.T) {
		start := func(args ...string) (*exec.Cmd, *syncBuffer) {
			cmd := exec.Command(ringBin, args...)
			cmd.Env = append(os.Environ(), "RING_HOME="+home, "RING_NATS_URL=")
			out := &syncBuffer{}
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			return cmd, out
		}
		_, createOut := start("cluster", "create", "it-crash", "-n", "3")
		sweepCmd, sweepOut := start("sweep", "run", "--stack", "demo", "--distro", "debian-12", "--suite", "redis", "--prefix", "it-crash-sweep")
		deadline := time.Now().Add(2 * time.Minute)
		for _, name := range []string{"it-crash", "it-crash-sweep-1"} {
			for {
				if c, err := p.Get(ctx, name); err == nil && len(c.Nodes) > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s never started:\n%s\n%s\n%s", name, createOut.String(), sweepOut.String(), upOut.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		_ = upCmd.Process.Signal(syscall.SIGKILL)
		_ = upCmd.Wait()
		_ = os.Remove(filepath.Join(home, "endpoints.json"))
		_, upOut2, _ = up(parent, home, "--nats-listen", natsAddr, "--s3-listen", s3Addr) // lives on for the rest of the test
		deadline = time.Now().Add(5 * time.Minute)
		for {
			got, _ := ringLong(t, home, time.Minute, "cluster", "list")
			if line := lineWith(got, "it-crash"); strings.Contains(line, " ready ") {
				if !strings.Contains(line, "3/3") {
					t.Fatalf("after recovery: %s", line)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("it-crash not ready after the restart:\n%s", got)
			}
			time.Sleep(time.Second)
		}
		done := make(chan error, 1)
		go func() { done <- sweepCmd.Wait() }()
		select {
		case err := <-done:
			if err != nil || !strings.Contains(sweepOut.String(), "redis 7.0.15, zookeeper 3.8.0  passed") {
				t.Fatalf("the sweep after the restart: %v\n%s", err, sweepOut.String())
			}
		case <-time.After(5 * time.Minute):
			t.Fatalf("the sweep did not finish after the restart:\n%s", sweepOut.String())
		}
		// Neither the first attempt's clusters (a late create of them is
		// refused) nor the second's outlive the sweep.
		all, err := p.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range all {
			if strings.HasPrefix(c.Spec.Name, "it-crash-sweep") {
				t.Fatalf("the sweep's cluster %s outlived the sweep", c.Spec.Name)
			}
		}
		if !strings.Contains(sweepOut.String(), "it-crash-sweep-1-a2: ready") {
			t.Errorf("the redelivered sweep did not make its own cluster:\n%s", sweepOut.String())
		}
	})

	if upOut2 == nil {
		t.Fatal("ring up was not restarted")
	}
	t.Run("kerberos realms across four clusters", func(t *testing.T) { realmScenario(t, home, p, upOut2) })

	out = mustRing(t, home, 5*time.Minute, "cluster", "destroy", "it-zk", "it-copy", "it-crash", "it-old-prod", "it-old-staging", "it-new-prod", "it-new-staging")
	for _, name := range []string{"it-zk", "it-copy", "it-crash", "it-old-prod", "it-new-staging"} {
		if !strings.Contains(out, "destroyed "+name) {
			t.Errorf("destroy did not destroy %s:\n%s", name, out)
		}
		if _, err := p.Get(ctx, name); !cluster.IsNotFound(err) {
			t.Errorf("%s still exists: %v", name, err)
		}
	}
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, sub+" ") {
			return l
		}
	}
	return ""
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func checkJUnit(t *testing.T, file string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("JUnit XML: %v\n%s", err, b)
	}
	if doc.Tests < 7 || doc.Failures != 0 || len(doc.Suites) != 3 {
		t.Fatalf("JUnit: %+v\n%s", doc, b)
	}
}

func blobConfig(t *testing.T, home string) blob.Config {
	t.Helper()
	e, err := platform.ReadEndpoints(home)
	if err != nil {
		t.Fatal(err)
	}
	k, err := platform.LoadCredentials(home)
	if err != nil {
		t.Fatal(err)
	}
	return blob.Config{Endpoint: e.S3, Bucket: e.Bucket, AccessKey: k.AccessKey, SecretKey: k.SecretKey}
}

// assertLockedDown checks that nodes are unprivileged containers with an
// init as PID 1, limits and labels.
func assertLockedDown(t *testing.T, dc *client.Client, c cluster.Cluster) {
	t.Helper()
	for _, n := range c.Nodes {
		in, err := dc.ContainerInspect(context.Background(), n.ID)
		if err != nil {
			t.Fatal(err)
		}
		h := in.HostConfig
		if h.Privileged || h.Memory == 0 || h.PidsLimit == nil || *h.PidsLimit == 0 || !slices.Contains(h.SecurityOpt, "no-new-privileges") {
			t.Errorf("%s: privileged=%v memory=%d pids=%v secopt=%v", n.Name, h.Privileged, h.Memory, h.PidsLimit, h.SecurityOpt)
		}
		if in.Config.Entrypoint[0] != "/usr/bin/tini" || in.Config.Hostname != n.Name {
			t.Errorf("%s: entrypoint %v hostname %s", n.Name, in.Config.Entrypoint, in.Config.Hostname)
		}
		for _, l := range []string{cluster.LabelCluster, cluster.LabelNode, cluster.LabelRun, cluster.LabelRole} {
			if in.Config.Labels[l] == "" {
				t.Errorf("%s: no label %s", n.Name, l)
			}
		}
	}
}

// sweepScenario sweeps the demo stack's published versions on debian-12
// (zookeeper 3.8.0; redis 7.0.15 and, from demo-redis6, 6.0.16): with 2
// nodes every combination is denied by the policy (nothing created); with 3
// each combination gets a cluster with exactly its versions, the redis suite
// passes, the cluster is destroyed, the results are in the blob store, and
// --write records both combinations as known_good in a copy of the facts.
func sweepScenario(t *testing.T, home string, p *cluster.Provider) {
	ctx := context.Background()
	out := mustRing(t, home, 5*time.Minute, "sweep", "run", "--stack", "demo", "--distro", "debian-12", "--nodes", "2", "--prefix", "it-sweep-even")
	if !strings.Contains(out, "it-sweep-even-1: denied by the compatibility policy") || !strings.Contains(out, "denied   ") || !strings.Contains(out, "zk-odd-ensemble: ") {
		t.Fatalf("sweep with 2 nodes:\n%s", out)
	}
	if _, err := p.Get(ctx, "it-sweep-even-1"); !cluster.IsNotFound(err) {
		t.Fatalf("a denied combination left a cluster: %v", err)
	}
	facts, err := os.ReadFile("../../infra/compat/compat.json")
	if err != nil {
		t.Fatal(err)
	}
	compat := filepath.Join(t.TempDir(), "compat.json")
	var doc map[string]any
	if err := json.Unmarshal(facts, &doc); err != nil {
		t.Fatal(err)
	}
	doc["known_good"] = []any{} // so the sweep's pass is news
	facts, _ = json.Marshal(doc)
	writeFile(t, compat, string(facts))
	// Both combinations at once: each gets its own cluster's answers.
	out = mustRing(t, home, 15*time.Minute, "sweep", "run", "--stack", "demo", "--distro", "debian-12", "--suite", "redis",
		"--prefix", "it-sweep", "--write", compat, "--parallel", "2")
	for _, want := range []string{"it-sweep-1: allowed: redis 7.0.15, zookeeper 3.8.0 on debian-12", "it-sweep-1: ready in",
		"it-sweep-2: allowed: redis 6.0.16, zookeeper 3.8.0 on debian-12", "it-sweep-2: ready in",
		"debian-12  redis 7.0.15, zookeeper 3.8.0  passed", "debian-12  redis 6.0.16, zookeeper 3.8.0  passed",
		"known_good + redis 7.0.15, zookeeper 3.8.0", "known_good + redis 6.0.16, zookeeper 3.8.0"} {
		if !strings.Contains(out, want) {
			t.Errorf("sweep output lacks %q:\n%s", want, out)
		}
	}
	for _, name := range []string{"it-sweep-1", "it-sweep-2"} {
		if _, err := p.Get(ctx, name); !cluster.IsNotFound(err) {
			t.Errorf("the swept cluster %s was not destroyed: %v", name, err)
		}
	}
	if got := mustRing(t, home, time.Minute, "policy", "check", "--data", compat, "../../infra/compat/examples/zk3.json"); !strings.Contains(got, "allow") {
		t.Errorf("the merged facts do not load: %s", got)
	}
	merged, err := os.ReadFile(compat)
	if err != nil || !strings.Contains(string(merged), `"version": "3.8.0"`) || !regexp.MustCompile(`"run": "[0-9a-f-]{36}",\s+"date": "\d{4}-\d\d-\d\d",\s+"distros": \["debian-12"\]`).Match(merged) {
		t.Fatalf("merged facts lack the versions or the sweep's run, date and distros: %v\n%s", err, merged)
	}
	if got := mustRing(t, home, time.Minute, "sweep", "show", "--stack", "demo"); !strings.Contains(got, "passed") || !strings.Contains(got, "redis 7.0.15, zookeeper 3.8.0") {
		t.Errorf("sweep show:\n%s", got)
	}
	brokenSweep(t, home, p, compat)
}

// brokenSweep: a combination that really fails. The fixture Redis 6.0.98
// (its init script deletes the data directory on stop) in channel broken,
// beside the nightly ZooKeeper: the cluster comes up, the redis suite's
// restart case fails, the sweep says failed (not error) and exits 1, the
// result lands in known_bad with the failed case, and the policy refuses
// the pair from then on with the sweep's reason.
func brokenSweep(t *testing.T, home string, p *cluster.Provider, compat string) {
	ctx := context.Background()
	if out := mustRing(t, home, 30*time.Minute, "build", "--stack", "fixture-redis-broken"); !strings.Contains(out, "published debian-12 to broken") {
		t.Fatalf("fixture-redis-broken build:\n%s", out)
	}
	zk := ""
	for _, l := range strings.Split(mustRing(t, home, time.Minute, "repo", "list"), "\n") {
		if f := strings.Fields(l); len(f) >= 4 && slices.Contains(f, "nightly") && slices.Contains(f, "zookeeper") && slices.Contains(f, "debian-12") {
			for _, v := range f {
				if strings.HasPrefix(v, "3.8.0-") {
					zk = v
				}
			}
		}
	}
	if zk == "" {
		t.Fatal("ring repo list shows no zookeeper 3.8.0 in nightly for debian-12")
	}
	mustRing(t, home, 5*time.Minute, "repo", "promote", "--from", "nightly", "--to", "broken", "--distro", "debian-12", "zookeeper@"+zk)
	out, err := ringLong(t, home, 15*time.Minute, "sweep", "run", "--stack", "demo", "--channel", "broken", "--distro", "debian-12",
		"--suite", "redis", "--prefix", "it-sweep-bad", "--write", compat)
	if err == nil {
		t.Errorf("a sweep with a failed combination exited 0:\n%s", out)
	}
	for _, want := range []string{"it-sweep-bad-1: ready in", "debian-12  redis 6.0.98, zookeeper 3.8.0  failed", "replica-catches-up-after-restart",
		"known_bad + redis 6.0.98, zookeeper 3.8.0"} {
		if !strings.Contains(out, want) {
			t.Errorf("broken sweep output lacks %q:\n%s", want, out)
		}
	}
	if _, err := p.Get(ctx, "it-sweep-bad-1"); !cluster.IsNotFound(err) {
		t.Errorf("the failed combination's cluster was kept without --keep-failed: %v", err)
	}
	spec := filepath.Join(t.TempDir(), "bad.json")
	writeFile(t, spec, `{"stack": "demo", "components": {"zookeeper": "3.8.0", "redis": "6.0.98"}, "distro": "debian-12",
  "roles": {"zookeeper": 3, "redis": 3}, "nodes": 3, "memory_mb_per_node": 512}`)
	got, err := ringLong(t, home, time.Minute, "policy", "check", "--data", compat, spec)
	if err == nil || !strings.Contains(got, "known-bad-pair") || !strings.Contains(got, "measured by sweep") || !strings.Contains(got, "replica-catches-up-after-restart") {
		t.Errorf("the policy with the merged facts does not refuse the failed pair: %v\n%s", err, got)
	}
}
