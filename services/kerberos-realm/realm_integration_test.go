//go:build integration

package realm_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	realm "ringmaster.dev/kerberos-realm"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/dockerhost"
	"ringmaster.dev/kit/image"
)

// TestRealmsOnOneHost: two clusters of one node on the local Docker (no
// registry: the Fleet's local host), a realm each — the KDC on that host —
// and mesh trust between them: a node of one realm gets a service ticket
// of the other's. The node image for debian-12 is built if missing (the kdc
// image is realm.Open's to build).
func TestRealmsOnOneHost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	nodeImage := buildNodeImage(t, ctx)
	hosts := &dockerhost.Fleet{}
	t.Cleanup(func() { _ = hosts.Close() })
	h, err := hosts.Hosts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := h[0].Provider(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"it-kr-a", "it-kr-b"}
	destroy := func() {
		dctx, dcancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer dcancel()
		for _, n := range names {
			if err := p.Destroy(dctx, n); err != nil && !cluster.IsNotFound(err) {
				t.Errorf("destroy %s: %v", n, err)
			}
		}
	}
	destroy()
	t.Cleanup(destroy)
	for _, n := range names {
		c, err := p.EnsureNetwork(ctx, cluster.Spec{Name: n, RunID: "it-kr", Stack: "fixture", Distro: "debian-12", Nodes: 1, MemoryMB: 256})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.EnsureNode(ctx, c, 1, cluster.NodeOptions{Image: nodeImage}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := realm.Open(ctx, t.TempDir(), filepath.Join("..", "..", "infra", "images"), hosts, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		r := []string{"IT-KR-A", "IT-KR-B"}[i]
		ready, err := s.Create(ctx, r, n)
		if err != nil {
			t.Fatalf("create %s for %s: %v", r, n, err)
		}
		if ready.KDC != "kdc."+n+".ring" {
			t.Errorf("realm %s: KDC %s", r, ready.KDC)
		}
	}
	kdcs, err := s.KDCs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, k := range kdcs {
		if strings.HasPrefix(k.Realm, "IT-KR-") {
			found++
			if k.Host != dockerhost.Default || k.Docker != p {
				t.Errorf("KDC of %s on %q (provider %p, want the host's %p)", k.Realm, k.Host, k.Docker, p)
			}
		}
	}
	if found != 2 {
		t.Fatalf("%d KDCs of the test's realms: %+v", found, kdcs)
	}
	if _, err := s.Trust(ctx, []string{"IT-KR-A", "IT-KR-B"}, "mesh", false); err != nil {
		t.Fatalf("trust: %v", err)
	}
	a, err := p.Get(ctx, "it-kr-a")
	if err != nil {
		t.Fatal(err)
	}
	script := `kinit -kt /etc/ringmaster/tester.keytab tester@IT-KR-A && kvno host/node1.it-kr-b.ring@IT-KR-B`
	r, err := p.Exec(ctx, a.Nodes[0], []string{"sh", "-c", script}, cluster.ExecOptions{})
	if err != nil || r.ExitCode != 0 || !strings.Contains(string(r.Stdout), "kvno =") {
		t.Errorf("IT-KR-A → IT-KR-B: %v exit %d\n%s%s", err, r.ExitCode, r.Stdout, r.Stderr)
	}
}

// buildNodeImage builds (or finds) the debian-12 node image from
// infra/images, as the provisioner does, and returns its tag.
func buildNodeImage(t *testing.T, ctx context.Context) string {
	t.Helper()
	c, err := image.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rec, err := image.Load(filepath.Join("..", "..", "infra", "images"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := (&image.Builder{Docker: c, Recipes: rec, CacheDir: filepath.Join(os.TempDir(), "ringmaster-test-debs")}).Build(ctx, "node", "debian-12")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("node image %s ready in %v", res.Spec.Tag, time.Since(start).Round(time.Second))
	return res.Spec.Tag
}
