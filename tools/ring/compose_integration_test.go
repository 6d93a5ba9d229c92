//go:build integration

package main_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	dimage "github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"ringmaster.dev/builder/packaging"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/metrics/metricstest"
	"ringmaster.dev/ring/platform"
)

// composeTool is the Compose the machine has: the docker plugin or the
// standalone docker-compose.
func composeTool(t *testing.T) []string {
	t.Helper()
	if exec.Command("docker", "compose", "version").Run() == nil {
		return []string{"docker", "compose"}
	}
	if p, err := exec.LookPath("docker-compose"); err == nil {
		return []string{p}
	}
	t.Fatal("neither `docker compose` nor docker-compose is installed: infra/compose cannot be tested (Debian: apt-get install docker-compose)")
	return nil
}

// serviceBinaries builds every service's binary next to ringBin, where
// `ring image services` looks by default.
func serviceBinaries(t *testing.T) {
	t.Helper()
	for _, name := range platform.ServiceNames {
		cmd := exec.Command("go", "build", "-o", filepath.Join(filepath.Dir(ringBin), name), "./cmd/"+name)
		cmd.Dir = filepath.Join("..", "..", "services", name)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", name, err, out)
		}
	}
}

// servicesImage runs `ring image services` and returns the image it made
// (or found), ringmaster/ring:debian-12-<hash>.
func servicesImage(t *testing.T, home string) string {
	t.Helper()
	out := mustRing(t, home, 10*time.Minute, "image", "services")
	var ref string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "ringmaster/ring:debian-12-") {
			ref, _, _ = strings.Cut(l, "\t")
		}
	}
	if ref == "" {
		t.Fatalf("ring image services printed %q", out)
	}
	return ref
}

func freePort(t *testing.T) string {
	_, port, _ := net.SplitHostPort(freeAddr(t))
	return port
}

// TestComposeServicesInContainers runs infra/compose/compose.yaml for real:
// the services image made from this checkout's binaries, the servers and
// each service in its own container (a temporary RING_HOME, free ports),
// the CLI on this machine reaching them through RING_HOME. A fixture build
// goes through the containerized builder (its build containers bind-mount
// work dirs by their host paths) and publisher; a 1-node Redis cluster and
// the packages suite through the provisioner and tester containers; a
// service container whose process is SIGKILLed is restarted by its policy
// and does its work again. Everything goes by the compose project's label, even when
// the test fails.
func TestComposeServicesInContainers(t *testing.T) {
	compose := composeTool(t)
	projectEnv(t)
	serviceBinaries(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	// What make compose-up does first: the images, on this machine.
	mustRing(t, home, 15*time.Minute, "image", "build", "toolchain", "--distro", "debian-12")
	ref := servicesImage(t, home)
	if again := mustRing(t, home, time.Minute, "image", "services"); !strings.Contains(again, ref+"\tpresent") {
		t.Errorf("a second ring image services made the image again:\n%s", again)
	}

	dc, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	project := "ringtest" + strconv.Itoa(os.Getpid())
	byProject := filters.NewArgs(filters.Arg("label", "com.docker.compose.project="+project))
	metricsPorts := map[string]string{}
	for _, v := range []string{"RING_METRICS_PORT", "RING_BUILDER_METRICS_PORT", "RING_PUBLISHER_METRICS_PORT", "RING_PROVISIONER_METRICS_PORT", "RING_TESTER_METRICS_PORT", "RING_REALM_METRICS_PORT", "RING_GATEWAY_METRICS_PORT"} {
		metricsPorts[v] = freePort(t)
	}
	env := append(os.Environ(), "RING_HOME="+home, "RING_PROJECT="+root, "RING_IMAGE="+ref,
		"RING_NATS_PORT="+freePort(t), "RING_S3_PORT="+freePort(t), "RING_HTTP_PORT="+freePort(t), "RING_LOG_LEVEL=warn",
		"RING_UID="+strconv.Itoa(os.Getuid()), "RING_GID="+strconv.Itoa(os.Getgid()), "DOCKER_GID=0")
	for k, v := range metricsPorts {
		env = append(env, k+"="+v)
	}
	composeCmd := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		full := append(append(compose[1:], "-p", project, "-f", filepath.Join(root, "infra", "compose", "compose.yaml")), args...)
		cmd := exec.CommandContext(ctx, compose[0], full...)
		cmd.Env = env
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := composeCmd("logs", "--no-color", "--tail", "40")
			t.Logf("compose logs:\n%s", logs)
		}
		if out, err := composeCmd("down", "--remove-orphans"); err != nil {
			t.Errorf("compose down: %v\n%s", err, out)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		left, _ := dc.ContainerList(ctx, container.ListOptions{All: true, Filters: byProject})
		for _, c := range left {
			t.Errorf("compose down left %s; removing it", c.Names)
			_ = dc.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true})
		}
		_, _ = dc.ImageRemove(ctx, ref, dimage.RemoveOptions{})
	})
	if out, err := composeCmd("up", "-d"); err != nil {
		t.Fatalf("compose up: %v\n%s", err, out)
	}

	pingAll := func(within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			got, err := ringLong(t, home, 30*time.Second, "ping")
			if err == nil && strings.Contains(got, "all 6 services answered") {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the services in containers did not all answer within %s: %v\n%s", within, err, got)
			}
			time.Sleep(time.Second)
		}
	}
	pingAll(90 * time.Second)
	ctx := context.Background()
	list, err := dc.ContainerList(ctx, container.ListOptions{Filters: byProject})
	if err != nil {
		t.Fatal(err)
	}
	running := map[string]string{}
	for _, c := range list {
		running[c.Labels["com.docker.compose.service"]] = c.ID
		if c.Labels["ringmaster.compose"] != "true" {
			t.Errorf("%s lacks the ringmaster.compose label", c.Names)
		}
	}
	for _, want := range append([]string{"servers"}, platform.ServiceNames...) {
		if running[want] == "" {
			t.Errorf("no running container of %s (have %v)", want, running)
		}
	}
	// Each container's healthcheck asks its /readyz (ring health): NATS, S3
	// and, for the services that drive it, Docker answer.
	for name, id := range running {
		deadline := time.Now().Add(2 * time.Minute)
		for {
			c, err := dc.ContainerInspect(ctx, id)
			if err == nil && c.State.Health != nil && c.State.Health.Status == "healthy" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s is not healthy: %+v %v", name, c.State, err)
			}
			time.Sleep(time.Second)
		}
	}

	// A build through the builder and publisher in their containers.
	got := mustRing(t, home, 15*time.Minute, "build", "--stack", "fixture", "--distro", "debian-12")
	if !strings.Contains(got, "published") {
		t.Fatalf("fixture build in containers:\n%s", got)
	}
	if got := mustRing(t, home, time.Minute, "repo", "list"); !strings.Contains(got, "ringhello") {
		t.Fatalf("repo list after a build in containers:\n%s", got)
	}
	// The builder's and publisher's own /metrics counted it; the servers'
	// see every stream.
	scrape := func(port string) metricstest.Families {
		return metricstest.Scrape(t, "http://127.0.0.1:"+port+"/metrics")
	}
	if v, _ := scrape(metricsPorts["RING_BUILDER_METRICS_PORT"]).Value("ringmaster_builds_total", map[string]string{"stack": "fixture", "state": "ok"}); v != 1 {
		t.Errorf("the builder container counted %v ok builds of fixture, want 1", v)
	}
	if v, _ := scrape(metricsPorts["RING_PUBLISHER_METRICS_PORT"]).Value("ringmaster_repo_size_bytes", map[string]string{"distro": "debian-12"}); v <= 0 {
		t.Errorf("the publisher container reports a repository of %v bytes", v)
	}
	if v, ok := scrape(metricsPorts["RING_METRICS_PORT"]).Value("ringmaster_service_instances", map[string]string{"service": "builder"}); v != 1 || !ok {
		t.Errorf("the servers container sees %v builder instances", v)
	}

	// A cluster through the provisioner and tester in their containers:
	// apt-get on the node reaches the provisioner's relay on the cluster
	// network's gateway, the provisioner's probe and the tester reach the node.
	cleanupClusters(t, cluster.New(dc), "cmp-")
	mustRing(t, home, 20*time.Minute, "build", "--stack", "demo", "--component", "redis", "--distro", "debian-12")
	got = mustRing(t, home, 5*time.Minute, "cluster", "create", "cmp-r", "-n", "1", "--role", "redis=1")
	for _, want := range []string{"installed redis with apt-get from the signed nightly repository", "ready: cmp-r, 1 node"} {
		if !strings.Contains(got, want) {
			t.Errorf("create through the provisioner container lacks %q:\n%s", want, got)
		}
	}
	if got := mustRing(t, home, 5*time.Minute, "test", "run", "cmp-r", "--suite", "packages"); !strings.Contains(got, "0 failed") {
		t.Fatalf("packages suite through the tester container:\n%s", got)
	}
	mustRing(t, home, 2*time.Minute, "cluster", "destroy", "cmp-r")

	// SIGKILL a service container's process: the restart policy brings it back.
	id := running["repo-publisher"]
	before, err := dc.ContainerInspect(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// From outside Docker, as a crash would: Docker ignores the restart
	// policy of a container it was asked to kill.
	if err := syscall.Kill(before.State.Pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill the repo-publisher container's init (pid %d): %v", before.State.Pid, err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		after, err := dc.ContainerInspect(ctx, id)
		if err == nil && after.State.Running && after.RestartCount > before.RestartCount {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("repo-publisher was not restarted after SIGKILL: %+v %v", after.State, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	pingAll(60 * time.Second)
	deb := buildPkg(t, t.TempDir(), "1.0.0", packaging.Deb, "")
	if got := mustRing(t, home, 2*time.Minute, "repo", "publish", "--channel", "compose", "--distro", "debian-12", deb); !strings.Contains(got, "published 1 package(s) to compose") {
		t.Fatalf("publish through the restarted repo-publisher:\n%s", got)
	}
}
