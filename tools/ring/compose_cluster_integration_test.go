//go:build integration

package main_test

import (
	"context"
	"encoding/json"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	dimage "github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"ringmaster.dev/builder/packaging"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/natsauth"
	"ringmaster.dev/kit/natsserver"
	"ringmaster.dev/ring/platform"
)

// heldPorts are n distinct ports free on 127.0.0.1, below the kernel's
// ephemeral range: a server of the cluster binds its port only once its
// container starts, and until then an outgoing connection of any process
// could take a port of that range as its own. All are held until every one
// is chosen, so none is handed out twice.
func heldPorts(t *testing.T, n int) []string {
	t.Helper()
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if v, err := strconv.Atoi(f[0]); err == nil && v > 12000 {
				low = v
			}
		}
	}
	var out []string
	for tries := 0; len(out) < n; tries++ {
		if tries == 1000 {
			t.Fatalf("no %d free ports between 10000 and %d", n, low)
		}
		p := 10000 + rand.IntN(low-10000)
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		defer ln.Close()
		out = append(out, strconv.Itoa(p))
	}
	return out
}

// clusterBinaries puts nats-server (built from the pinned module) and weed
// next to the services' binaries: the directory cluster.yaml mounts them
// from (RING_BIN).
func clusterBinaries(t *testing.T, weed string) string {
	t.Helper()
	dir := filepath.Dir(ringBin)
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "nats-server"), "github.com/nats-io/nats-server/v2")
	cmd.Dir = filepath.Join("..", "..", "services", "kit")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build nats-server: %v\n%s", err, out)
	}
	abs, err := filepath.Abs(weed)
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "weed")
	_ = os.Remove(link)
	if err := os.Symlink(abs, link); err != nil {
		t.Fatal(err)
	}
	return dir
}

var pongOf = regexp.MustCompile(`(?m)^← (\S+)\s+\S+\s+instance (\S+)`)

// TestComposeCluster runs infra/compose/cluster.yaml for real: three
// nats-server containers as a JetStream cluster over TLS, a SeaweedFS
// cluster of five containers, ring up --services none as the control
// container and every service in its own, two builders (the second serving
// debian-12 only). The CLI on this machine reaches it through RING_HOME
// (all seed URLs, TLS, its user); every service answers ring ping, both
// builders too; every stream and bucket has 3 replicas; a deb published
// through the repo-publisher lands in SeaweedFS (on both volume servers) and
// stock apt-get installs it. Then the nats-server leading the
// repo-publisher's command stream is stopped: the services answer again and
// the next version publishes and upgrades. compose down removes everything;
// the project's label finds what it would leave, even when the test fails.
func TestComposeCluster(t *testing.T) {
	weed := os.Getenv("RING_WEED")
	if weed == "" {
		t.Skip("RING_WEED is not set (make test builds bin/weed and sets it)")
	}
	start := time.Now()
	phase := func(what string) { t.Logf("%6.1fs %s", time.Since(start).Seconds(), what) }
	compose := composeTool(t)
	projectEnv(t)
	serviceBinaries(t)
	binDir := clusterBinaries(t, weed)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	ctx := context.Background()
	dc, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()

	// The services image from this checkout's binaries; ring image services
	// moves :latest, which goes back to where it was afterwards.
	const latest = "ringmaster/ring:latest"
	before, _ := dc.ImageInspect(ctx, latest)
	ref := servicesImage(t, home)
	phase("binaries and the services image " + ref)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		img, err := dc.ImageInspect(ctx, ref)
		if err != nil || img.ID == before.ID {
			return
		}
		if before.ID != "" {
			_ = dc.ImageTag(ctx, before.ID, latest)
		} else {
			_, _ = dc.ImageRemove(ctx, latest, dimage.RemoveOptions{})
		}
		_, _ = dc.ImageRemove(ctx, ref, dimage.RemoveOptions{})
	})

	project := "ringcluster" + strconv.Itoa(os.Getpid())
	byProject := filters.NewArgs(filters.Arg("label", "com.docker.compose.project="+project))
	vars := []string{"RING_NATS_PORT_1", "RING_NATS_PORT_2", "RING_NATS_PORT_3", "RING_NATS_ROUTE_PORT_1", "RING_NATS_ROUTE_PORT_2",
		"RING_NATS_ROUTE_PORT_3", "RING_NATS_MONITOR_PORT_1", "RING_NATS_MONITOR_PORT_2", "RING_NATS_MONITOR_PORT_3", "RING_S3_PORT", "RING_HTTP_PORT", "RING_METRICS_PORT", "RING_BUILDER_METRICS_PORT", "RING_BUILDER2_METRICS_PORT",
		"RING_PUBLISHER_METRICS_PORT", "RING_PROVISIONER_METRICS_PORT", "RING_TESTER_METRICS_PORT", "RING_REALM_METRICS_PORT", "RING_GATEWAY_METRICS_PORT"}
	ports := map[string]string{}
	env := append(os.Environ(), "RING_HOME="+home, "RING_PROJECT="+root, "RING_BIN="+binDir, "RING_IMAGE="+ref, "RING_LOG_LEVEL=warn",
		"RING_UID="+strconv.Itoa(os.Getuid()), "RING_GID="+strconv.Itoa(os.Getgid()), "DOCKER_GID=0", "RING_BUILDER2_DISTROS=debian-12")
	for i, p := range heldPorts(t, len(vars)) {
		ports[vars[i]] = p
		env = append(env, vars[i]+"="+p)
	}
	composeCmd := func(timeout time.Duration, args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		full := append(append(compose[1:], "-p", project, "-f", filepath.Join(root, "infra", "compose", "cluster.yaml")), args...)
		cmd := exec.CommandContext(ctx, compose[0], full...)
		cmd.Env = env
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := composeCmd(time.Minute, "logs", "--no-color", "--tail", "30")
			t.Logf("compose logs:\n%s", logs)
		}
		if out, err := composeCmd(3*time.Minute, "down", "--remove-orphans", "--timeout", "5"); err != nil {
			t.Errorf("compose down: %v\n%s", err, out)
		}
		phase("compose down")
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		left, _ := dc.ContainerList(ctx, container.ListOptions{All: true, Filters: byProject})
		for _, c := range left {
			t.Errorf("compose down left %s; removing it", c.Names)
			_ = dc.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true})
		}
		nets, _ := dc.NetworkList(ctx, network.ListOptions{Filters: byProject})
		for _, n := range nets {
			t.Errorf("compose down left the network %s; removing it", n.Name)
			_ = dc.NetworkRemove(ctx, n.ID)
		}
	})
	if out, err := composeCmd(5*time.Minute, "up", "-d"); err != nil {
		t.Fatalf("compose up: %v\n%s", err, out)
	}
	phase("compose up -d")

	// Every container of the form runs (nats-conf ran once and exited 0).
	list, err := dc.ContainerList(ctx, container.ListOptions{All: true, Filters: byProject})
	if err != nil {
		t.Fatal(err)
	}
	state := map[string]string{}
	for _, c := range list {
		state[c.Labels["com.docker.compose.service"]] = c.State
		if c.Labels["ringmaster.compose"] != "true" {
			t.Errorf("%s lacks the ringmaster.compose label", c.Names)
		}
	}
	for _, want := range []string{"nats-1", "nats-2", "nats-3", "weed-master", "weed-volume-1", "weed-volume-2", "weed-filer", "weed-s3",
		"control", "builder-1", "builder-2", "repo-publisher", "provisioner", "tester", "kerberos-realm", "gateway"} {
		if state[want] != "running" {
			t.Errorf("%s is %q, want running (all: %v)", want, state[want], state)
		}
	}
	if state["nats-conf"] != "exited" {
		t.Errorf("nats-conf is %q, want exited", state["nats-conf"])
	}

	// The CLI finds the cluster through RING_HOME: every seed, over TLS.
	var e platform.Endpoints
	b, err := os.ReadFile(filepath.Join(home, "endpoints.json"))
	if err != nil || json.Unmarshal(b, &e) != nil {
		t.Fatalf("endpoints.json: %v\n%s", err, b)
	}
	seeds := "tls://127.0.0.1:" + ports["RING_NATS_PORT_1"] + ",tls://127.0.0.1:" + ports["RING_NATS_PORT_2"] + ",tls://127.0.0.1:" + ports["RING_NATS_PORT_3"]
	if e.NATS != seeds || e.S3 != "http://127.0.0.1:"+ports["RING_S3_PORT"] {
		t.Fatalf("endpoints.json names NATS %s and S3 %s, want %s and the S3 gateway", e.NATS, e.S3, seeds)
	}
	for _, f := range []string{natsauth.Path(home, natsserver.CLIUser), natsauth.Path(home, "builder"), platform.CredentialsPath(home),
		filepath.Join(home, "nats-cluster", "n1.conf"), filepath.Join(home, "seaweed", "s3", "s3.json")} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o400 {
			t.Errorf("%s: %v, want mode 0400", f, err)
		}
	}

	ping := func(within time.Duration) string {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			got, err := ringLong(t, home, 30*time.Second, "ping")
			if err == nil && strings.Contains(got, "all 6 services answered") {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("the services did not all answer within %s: %v\n%s", within, err, got)
			}
			time.Sleep(time.Second)
		}
	}
	ping(90 * time.Second)
	// Both builders: they share the builder's command stream, so pings
	// reach one or the other; ring status lists both.
	builders := map[string]bool{}
	for i := 0; len(builders) < 2; i++ {
		if i == 30 {
			t.Fatalf("30 pings reached only the builder instances %v", builders)
		}
		for _, m := range pongOf.FindAllStringSubmatch(ping(30*time.Second), -1) {
			if m[1] == "builder" {
				builders[m[2]] = true
			}
		}
	}
	phase("every service answered, both builders: " + strings.Join(slices.Sorted(maps.Keys(builders)), ", "))
	// Each declares the distros compose gave it (RING_BUILDER2_DISTROS
	// below): ring status shows the routes each serves.
	status := mustRing(t, home, time.Minute, "status")
	var serves []string
	for _, l := range regexp.MustCompile(`(?m)^builder\s+[0-9a-f]{8}\s.*$`).FindAllString(status, -1) {
		f := strings.Fields(l)
		serves = append(serves, f[len(f)-1])
	}
	slices.Sort(serves)
	arch := runtime.GOARCH
	if want := []string{"debian-12." + arch, "debian-12." + arch + ",debian-11." + arch}; !slices.Equal(serves, want) {
		t.Errorf("ring status shows builders serving %q, want %q:\n%s", serves, want, status)
	}
	if !strings.Contains(status, "NATS "+seeds) {
		t.Errorf("ring status does not name every seed:\n%s", status)
	}

	// Three replicas of every stream and bucket, the catalog's and those
	// the services made.
	creds, err := natsauth.Read(natsauth.Path(home, natsserver.CLIUser))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := bus.Connect(ctx, seeds, "compose-test", bus.WithCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if conn.NC.ConnectedUrl() == "" || !strings.HasPrefix(conn.NC.ConnectedUrl(), "tls://") {
		t.Errorf("connected to %q, want TLS", conn.NC.ConnectedUrl())
	}
	streams := 0
	for name := range conn.JS.StreamNames(ctx).Name() {
		st, err := conn.JS.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if info := st.CachedInfo(); info.Config.Replicas != 3 || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
			t.Errorf("stream %s: %d replicas, cluster %+v; want 3", name, info.Config.Replicas, info.Cluster)
		}
		streams++
	}
	if streams < len(bus.StreamConfigs())+len(bus.KVConfigs()) {
		t.Errorf("%d streams on the cluster, want at least the catalog's and the buckets'", streams)
	}

	// A package through the repo-publisher into SeaweedFS; apt-get installs it.
	dir := t.TempDir()
	publish := func(version string, within time.Duration) {
		t.Helper()
		deb := buildPkg(t, dir, version, packaging.Deb, "")
		deadline := time.Now().Add(within)
		for {
			got, err := ringLong(t, home, 2*time.Minute, "repo", "publish", "--channel", "cluster", "--distro", "debian-12", deb)
			if err == nil && strings.Contains(got, "published 1 package(s) to cluster") {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("publish %s: %v\n%s", version, err, got)
			}
			time.Sleep(2 * time.Second)
		}
	}
	publish("1.0.0", 0)
	keyPath := filepath.Join(dir, "ringmaster.gpg")
	if err := os.WriteFile(keyPath, []byte(mustRing(t, home, time.Minute, "repo", "key", "--binary")), 0o644); err != nil {
		t.Fatal(err)
	}
	sources := mustRing(t, home, time.Minute, "repo", "sources", "--channel", "cluster", "--distro", "debian-12", "--keyring", keyPath)
	if !strings.Contains(sources, "URIs: "+e.S3) {
		t.Fatalf("sources do not point at the SeaweedFS gateway %s:\n%s", e.S3, sources)
	}
	apt := aptRoot(t, sources)
	if got, err := apt("update"); err != nil {
		t.Fatalf("apt-get update: %v\n%s", err, got)
	}
	if got, err := apt("install", "ringtest"); err != nil || got != "1.0.0" {
		t.Fatalf("apt-get install: %v\n%s", err, got)
	}
	// Replication 001: each volume server holds a copy (and more: the
	// repository's indexes).
	debSize := int64(0)
	if debs, _ := filepath.Glob(filepath.Join(dir, "out-1.0.0*", "*.deb")); len(debs) == 1 {
		if fi, err := os.Stat(debs[0]); err == nil {
			debSize = fi.Size()
		}
	}
	for _, v := range []string{"volume-1", "volume-2"} {
		dats, _ := filepath.Glob(filepath.Join(home, "seaweed", v, "*.dat"))
		var size int64
		for _, d := range dats {
			if fi, err := os.Stat(d); err == nil {
				size += fi.Size()
			}
		}
		if debSize == 0 || size < debSize {
			t.Errorf("weed %s holds %d bytes, less than the %d-byte package", v, size, debSize)
		}
	}

	phase("published into SeaweedFS, installed with apt-get")

	// Stop the nats-server leading the repo-publisher's command stream: the
	// bus goes on with two of three.
	st, err := conn.JS.Stream(ctx, events.CommandStream("repo-publisher"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil || info.Cluster == nil || !regexp.MustCompile(`^n[123]$`).MatchString(info.Cluster.Leader) {
		t.Fatalf("leader of %s: %v %+v", events.CommandStream("repo-publisher"), err, info)
	}
	stopped := "nats-" + strings.TrimPrefix(info.Cluster.Leader, "n")
	if out, err := composeCmd(time.Minute, "stop", "--timeout", "10", stopped); err != nil {
		t.Fatalf("compose stop %s: %v\n%s", stopped, err, out)
	}
	phase("stopped " + stopped + ", the leader of " + events.CommandStream("repo-publisher"))
	ping(90 * time.Second)
	phase("every service answered again")
	publish("2.0.0", 90*time.Second)
	if got, err := apt("update"); err != nil {
		t.Fatalf("apt-get update with %s stopped: %v\n%s", stopped, err, got)
	}
	if got, err := apt("upgrade"); err != nil || got != "2.0.0" {
		t.Fatalf("apt-get upgrade with %s stopped: %v\n%s", stopped, err, got)
	}
	if info, err := st.Info(ctx); err != nil || info.Cluster == nil || info.Cluster.Leader == "" || info.Cluster.Leader == "n"+strings.TrimPrefix(stopped, "nats-") {
		t.Errorf("after stopping %s: %v %+v", stopped, err, info)
	}
	phase("2.0.0 published and upgraded with " + stopped + " stopped")
}
