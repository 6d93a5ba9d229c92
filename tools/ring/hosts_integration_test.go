//go:build integration

package main_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/config"
	"ringmaster.dev/kit/dockerhost"
	"ringmaster.dev/kit/image"
	"ringmaster.dev/kit/natsauth"
	"ringmaster.dev/kit/natsserver"
)

// TestClustersOnTwoDockerHosts: one provisioner per Docker host — ring
// up's on the system daemon (host "local") and a provisioner process of
// its own on a second dockerd this test starts (host "second") — each
// host declaring room for one 512 MB node. Two clusters are placed one on
// each host by the policy's memory rules, a third is refused with each
// host's reason; ring cluster list shows the hosts; exec, snapshot and a
// create from the snapshot reach the right host; the tester runs the
// stack's suites on the second host's cluster and kerberos-realm starts
// its KDC there (a node gets a ticket from it), while trust between realms
// on the two hosts is refused, saying why; destroy removes everything
// labelled (KDCs too) from both daemons.
func TestClustersOnTwoDockerHosts(t *testing.T) {
	projectEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 35*time.Minute)
	defer cancel()
	dc, err := image.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	local := cluster.New(dc)
	endpoint, dc2 := secondDockerd(t, dc)
	second := cluster.New(dc2)
	const prefix = "it-hosts-"
	cleanupClusters(t, local, prefix)
	cleanupClusters(t, second, prefix) // before the daemon stops

	// The node image, on the second host too (it has no registry to pull from).
	recipes, err := image.Load(os.Getenv("RING_IMAGES"))
	if err != nil {
		t.Fatal(err)
	}
	node, err := (&image.Builder{Docker: dc, Recipes: recipes, CacheDir: config.DebCache()}).Build(ctx, "node", "debian-12")
	if err != nil {
		t.Fatal(err)
	}
	copyImage(t, ctx, dc, dc2, node.Spec.Tag, node.Spec.Current)
	// And the KDC's, for the realm of the second host's cluster.
	kdc, err := (&image.Builder{Docker: dc, Recipes: recipes, CacheDir: config.DebCache()}).Build(ctx, "kdc", "debian-12")
	if err != nil {
		t.Fatal(err)
	}
	copyImage(t, ctx, dc, dc2, kdc.Spec.Tag, kdc.Spec.Current)

	// Room for one 512 MB node on each host, beside what the system
	// daemon's clusters (not this test's) hold already.
	held := 0
	if all, err := local.List(ctx); err == nil {
		for _, c := range all {
			held += c.HeldMB()
		}
	}
	t.Setenv("RING_DOCKER_HOST_MEMORY_MB", strconv.Itoa(held+700))
	home := t.TempDir()
	upLog := filepath.Join(home, "ring-up.log")
	_, upOut, e := up(t, home, "--log-level", "info", "--log-file", upLog)
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(upLog)
			t.Logf("--- ring up's log, provisioner lines:\n%s", grepLines(string(b), `"service":"provisioner"`, 80))
		}
	})
	prov := startProvisioner(t, home, e.NATS, e.S3, endpoint, "second", 700)
	reg := registry(t, ctx, home, e.NATS)
	waitHosts(t, ctx, reg, prov, "local", "second")

	if out := mustRing(t, home, 20*time.Minute, "build", "--stack", "fixture", "--distro", "debian-12"); !strings.Contains(out, "published debian-12 to stable") {
		t.Fatalf("fixture build:\n%s", out)
	}

	// Placed by memory: the first on the host with the most left (a tie:
	// by name), the second on the other, the third nowhere.
	where := map[string]string{}
	for _, name := range []string{prefix + "a", prefix + "b"} {
		out, err := ringLong(t, home, 10*time.Minute, "cluster", "create", name, "-n", "1", "--stack", "fixture", "--memory", "512")
		if err != nil || !strings.Contains(out, "ready: "+name+", 1 nodes") {
			t.Fatalf("create %s: %v\n%s\nring up:\n%s\nsecond provisioner:\n%s", name, err, out, upOut.String(), prov.String())
		}
		where[name] = hostOf(t, ctx, name, local, second)
		if h := where[name]; h == "second" && !strings.Contains(out, "on docker host second") {
			t.Errorf("create %s on the second host does not say so:\n%s", name, out)
		}
	}
	if where[prefix+"a"] != "local" || where[prefix+"b"] != "second" {
		t.Fatalf("placed %v, want a on local (a tie, by name) and b on second (local full)", where)
	}
	out, err := ringLong(t, home, 2*time.Minute, "cluster", "create", prefix+"c", "-n", "1", "--stack", "fixture", "--memory", "512")
	for _, want := range []string{"nothing was created", "[memory-available] docker host local: 1 nodes × 512 MB", "[memory-available] docker host second: 1 nodes × 512 MB = 512 MB is more than the 188 MB left of the machine's 700 MB"} {
		if err == nil || !strings.Contains(out, want) {
			t.Errorf("a third cluster with no room anywhere: %v, want %q in\n%s", err, want, out)
		}
	}
	if h := hostOf(t, ctx, prefix+"c", local, second); h != "" {
		t.Errorf("the refused cluster is on %s", h)
	}

	// The list shows each cluster's host and each host's memory.
	list := mustRing(t, home, time.Minute, "cluster", "list")
	for name, host := range where {
		if line := lineWith(list, name); !regexp.MustCompile(`\sready\s+1/1\s+\S+\s+512 MB\s+` + host + `\s+fixture\s`).MatchString(line) {
			t.Errorf("list line of %s (on %s): %q\n%s", name, host, line, list)
		}
	}
	if !strings.Contains(list, "docker host second: clusters hold 512 MB of the Docker host's 700 MB, as declared") {
		t.Errorf("list lacks the second host's memory:\n%s", list)
	}
	// exec and logs reach the cluster's host.
	for name := range where {
		if got := mustRing(t, home, time.Minute, "cluster", "exec", name, "--", "hostname"); strings.TrimSpace(got) != "node1" {
			t.Errorf("exec in %s: %q", name, got)
		}
		if got := mustRing(t, home, time.Minute, "cluster", "logs", name); !strings.Contains(got, "==> ring-"+name+"-node1 container output") {
			t.Errorf("logs of %s:\n%s", name, got)
		}
	}

	// A snapshot is taken on the cluster's host; a cluster from it is made
	// there, whichever provisioner took the create.
	b := prefix + "b"
	mustRing(t, home, 3*time.Minute, "cluster", "snapshot", b, "--as", prefix+"snap")
	if _, err := second.GetSnapshot(ctx, prefix+"snap"); err != nil {
		t.Fatalf("snapshot of %s on the second host: %v", b, err)
	}
	if _, err := local.GetSnapshot(ctx, prefix+"snap"); !cluster.IsNotFound(err) {
		t.Errorf("snapshot of %s on the local host: %v", b, err)
	}
	if got := mustRing(t, home, time.Minute, "cluster", "list", "--snapshots"); !regexp.MustCompile(`(?m)^` + prefix + `snap\s+second\s+fixture\s`).MatchString(got) {
		t.Errorf("snapshot list:\n%s", got)
	}
	mustRing(t, home, 2*time.Minute, "cluster", "destroy", b)
	d := prefix + "d"
	out = mustRing(t, home, 5*time.Minute, "cluster", "create", d, "--from", prefix+"snap")
	if h := hostOf(t, ctx, d, local, second); h != "second" || !strings.Contains(out, "ready: "+d) {
		t.Errorf("create --from a snapshot of the second host: on %q\n%s", h, out)
	}

	// The tester reaches the cluster on the second host: the fixture
	// stack's suites (packages: an upgrade in a scratch node beside it;
	// ringhello: greetings, a restart) pass there.
	out = mustRing(t, home, 10*time.Minute, "test", "run", d)
	if !regexp.MustCompile(`(?m)^`+d+`: \d+ passed, 0 failed`).MatchString(out) || !strings.Contains(out, "ringhello") || !strings.Contains(out, "packages") {
		t.Errorf("ring test run %s on the second host:\n%s", d, out)
	}
	if strings.Contains(out, "0 passed") {
		t.Errorf("ring test run %s passed nothing:\n%s", d, out)
	}

	// kerberos-realm starts the realm's KDC on the cluster's host, and a
	// node there gets a ticket from it.
	const realmD, realmA = "IT-HOSTS-D", "IT-HOSTS-A"
	if out := mustRing(t, home, 10*time.Minute, "realm", "create", realmD, "--cluster", d); !strings.Contains(out, "realm "+realmD+" ready") {
		t.Errorf("realm create on the second host:\n%s", out)
	}
	kdcName := cluster.ContainerName(d, "kdc")
	if in, err := dc2.ContainerInspect(ctx, kdcName); err != nil || !in.State.Running {
		t.Errorf("KDC %s on the second daemon: %v", kdcName, err)
	}
	if _, err := dc.ContainerInspect(ctx, kdcName); err == nil {
		t.Errorf("KDC %s is on the local daemon", kdcName)
	}
	// A node there gets a ticket from that KDC, found by its name on the
	// cluster network.
	forwardBridge(t, ctx, dc2, cluster.NetworkName(d))
	kinit := `kdestroy >/dev/null 2>&1; kinit -kt /etc/ringmaster/tester.keytab tester@$1 && klist`
	if out, err := ringLong(t, home, time.Minute, "cluster", "exec", d, "--", "sh", "-c", kinit, "sh", realmD); err != nil || !strings.Contains(out, "krbtgt/"+realmD+"@"+realmD) {
		t.Errorf("a ticket from the KDC on the second host: %v\n%s", err, out)
	}
	// Trust between realms of clusters on the two hosts: refused, saying why.
	mustRing(t, home, 10*time.Minute, "realm", "create", realmA, "--cluster", prefix+"a")
	if list := mustRing(t, home, time.Minute, "realm", "list"); lineWith(list, realmA) == "" || lineWith(list, realmD) == "" {
		t.Errorf("realm list does not show both hosts' realms:\n%s", list)
	}
	out, err = ringLong(t, home, 2*time.Minute, "realm", "trust", realmA, realmD)
	if want := "clusters " + prefix + "a and " + d + " are on docker hosts local and second; cross-realm trust needs them on one host"; err == nil || !strings.Contains(out, want) {
		t.Errorf("trust across docker hosts: %v, want %q in\n%s", err, want, out)
	}

	// Destroyed on each host: nothing labelled is left on either daemon.
	out = mustRing(t, home, 3*time.Minute, "cluster", "destroy", prefix+"a", d)
	if !strings.Contains(out, "destroyed "+prefix+"a") || !strings.Contains(out, "destroyed "+d) {
		t.Errorf("destroy:\n%s", out)
	}
	mustRing(t, home, time.Minute, "cluster", "snapshot", "--rm", prefix+"snap")
	for host, c := range map[string]*client.Client{"local": dc, "second": dc2} {
		if n := labelled(t, ctx, c, prefix); n != 0 {
			t.Errorf("%d objects of the test's clusters left on the %s daemon", n, host)
		}
	}
	if n := labelled(t, ctx, dc2, ""); n != 0 {
		t.Errorf("%d labelled objects left on the second daemon", n)
	}
	if snaps, err := second.Snapshots(ctx); err != nil || len(snaps) != 0 {
		t.Errorf("snapshots left on the second daemon: %v %v", snaps, err)
	}
}

// startProvisioner runs the provisioner binary against ring up's NATS and
// S3 as its own user, on the Docker host at endpoint, named name.
func startProvisioner(t *testing.T, home, nats, s3, endpoint, name string, memoryMB int) *syncBuffer {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "provisioner")
	build := exec.Command("go", "build", "-o", bin, "./cmd/provisioner")
	build.Dir = filepath.Join("..", "..", "services", "provisioner")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build provisioner: %v\n%s", err, b)
	}
	out := &syncBuffer{}
	cmd := exec.Command(bin, "--nats", nats, "--s3", s3, "--work-dir", filepath.Join(home, "work", "provisioner-"+name),
		"--docker-host-name", name, "--host-memory-mb", strconv.Itoa(memoryMB), "--log-level", "info")
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+endpoint, "RING_HOME="+home, "RING_NATS_URL=", "RING_NATS_CREDS=",
		"RING_S3_CREDENTIALS="+filepath.Join(home, "s3-credentials.json"), "RING_S3_ACCESS_KEY=", "RING_S3_SECRET_KEY=",
		"RING_DOCKER_HOST_MEMORY_MB=",
		// The consumers it shares with ring up's provisioner are made with
		// ring up's ack wait (30 s): instances of a service must agree.
		"RING_ACK_WAIT=")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("--- provisioner %s:\n%s", name, tail(out.String(), 60))
		}
	})
	return out
}

// registry opens the registry of Docker hosts as the CLI's NATS user.
func registry(t *testing.T, ctx context.Context, home, nats string) *dockerhost.Registry {
	t.Helper()
	creds, err := natsauth.Read(natsauth.Path(home, natsserver.CLIUser))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := bus.Connect(ctx, nats, "test", bus.WithCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	reg, err := dockerhost.Open(ctx, conn.JS)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// waitHosts waits until the registry has a fresh record of each host, and
// none holds a cluster of this test that is gone from Docker.
func waitHosts(t *testing.T, ctx context.Context, reg *dockerhost.Registry, prov *syncBuffer, names ...string) {
	t.Helper()
	start := time.Now()
	for deadline := start.Add(time.Minute); ; time.Sleep(500 * time.Millisecond) {
		recs, err := reg.Hosts(ctx)
		fresh := 0
		for _, r := range recs {
			for _, n := range names {
				if r.Name == n && r.Seen.After(start) {
					fresh++
				}
			}
		}
		if err == nil && fresh == len(names) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("docker hosts %v not all registered within a minute: %+v %v\nsecond provisioner:\n%s", names, recs, err, prov.String())
		}
	}
}

// hostOf says which daemon holds the cluster name ("" none).
func hostOf(t *testing.T, ctx context.Context, name string, local, second *cluster.Provider) string {
	t.Helper()
	out := ""
	for host, p := range map[string]*cluster.Provider{"local": local, "second": second} {
		_, err := p.Get(ctx, name)
		switch {
		case err == nil && out != "":
			t.Errorf("cluster %s is on both hosts", name)
		case err == nil:
			out = host
		case !cluster.IsNotFound(err):
			t.Fatal(err)
		}
	}
	return out
}

// labelled counts the containers and networks labelled with a cluster
// whose name starts with prefix.
func labelled(t *testing.T, ctx context.Context, c *client.Client, prefix string) int {
	t.Helper()
	f := filters.NewArgs(filters.Arg("label", cluster.LabelCluster))
	ctrs, err := c.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	nets, err := c.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ct := range ctrs {
		if strings.HasPrefix(ct.Labels[cluster.LabelCluster], prefix) {
			n++
		}
	}
	for _, nw := range nets {
		if strings.HasPrefix(nw.Labels[cluster.LabelCluster], prefix) {
			n++
		}
	}
	return n
}

// copyImage saves refs from one daemon and loads them into the other.
func copyImage(t *testing.T, ctx context.Context, from, to *client.Client, refs ...string) {
	t.Helper()
	rc, err := from.ImageSave(ctx, refs)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	res, err := to.ImageLoad(ctx, rc)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		t.Fatal(err)
	}
}

// grepLines are the last n lines of s that contain sub.
func grepLines(s, sub string, n int) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return tail(strings.Join(out, "\n"), n)
}
