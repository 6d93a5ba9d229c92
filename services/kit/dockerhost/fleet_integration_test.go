//go:build integration

package dockerhost_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"ringmaster.dev/kit/bus/bustest"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/dockerhost"
)

// dialCount dials for real and counts the dials of each endpoint.
type dialCount struct {
	mu sync.Mutex
	n  map[string]int
}

func (d *dialCount) dial(ctx context.Context, endpoint string) (*client.Client, error) {
	d.mu.Lock()
	if d.n == nil {
		d.n = map[string]int{}
	}
	d.n[endpoint]++
	d.mu.Unlock()
	return dockerhost.Dial(ctx, endpoint)
}

func (d *dialCount) of(endpoint string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n[endpoint]
}

// TestFleet: the hosts of a real registry (embedded NATS) reached on the
// local Docker — a cluster found first where the registry says it is (an
// unreachable host never dialed), one provider per endpoint, a cluster on
// no host that answers named with the hosts that do not, the local Docker
// when the registry is missing, and an unreadable registry an error but
// to a lenient Fleet.
func TestFleet(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	local, err := dockerhost.Dial(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	// A cluster of the local Docker: its network, which holds its spec.
	name := "it-fleet-" + time.Now().Format("150405")
	p := cluster.New(local)
	cleanup := func() {
		nets, _ := local.NetworkList(context.Background(), network.ListOptions{})
		for _, n := range nets {
			if n.Labels[cluster.LabelCluster] == name {
				_ = local.NetworkRemove(context.Background(), n.ID)
			}
		}
	}
	cleanup()
	t.Cleanup(cleanup)
	if _, err := p.EnsureNetwork(ctx, cluster.Spec{Name: name, RunID: "run-1", Stack: "fixture", Distro: "debian-12", Nodes: 1}); err != nil {
		t.Fatal(err)
	}

	conn := bustest.Embedded(t)
	f := dockerhost.NewFleet(conn.JS)
	d := &dialCount{}
	f.Dial = d.dial
	t.Cleanup(func() { _ = f.Close() })

	// No registry: the local Docker.
	h, c, err := f.Locate(ctx, name)
	if err != nil || h.Record.Name != dockerhost.Default || h.Registered || c.Spec.Name != name || h.Docker() == nil {
		t.Fatalf("Locate without a registry: %+v %+v %v", h, c, err)
	}

	reg, err := dockerhost.Open(ctx, conn.JS)
	if err != nil {
		t.Fatal(err)
	}
	const gone = "unix:///nonexistent/docker.sock"
	now := time.Now()
	for _, rec := range []dockerhost.Record{
		{Name: "a-gone", Endpoint: gone, Seen: now},
		{Name: "b-here", Endpoint: "", Clusters: map[string]dockerhost.Held{name: {MB: 512, Run: "run-1"}}, Seen: now},
		{Name: "c-same", Endpoint: "", Seen: now},
	} {
		if err := reg.Put(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	hosts, err := f.Hosts(ctx)
	if err != nil || len(hosts) != 3 || hosts[0].Record.Name != "a-gone" || !hosts[0].Registered {
		t.Fatalf("hosts: %+v %v", hosts, err)
	}

	// Where the registry says: the unreachable host is not dialed.
	h, c, err = f.Locate(ctx, name)
	if err != nil || h.Record.Name != "b-here" || !h.Registered || c.Spec.RunID != "run-1" {
		t.Fatalf("Locate %s: %+v %v", name, h, err)
	}
	if n := d.of(gone); n != 0 {
		t.Errorf("the unreachable host was dialed %d times for a cluster the registry places elsewhere", n)
	}

	// One provider per endpoint, dialed once for the whole fleet.
	hosts, _ = f.Hosts(ctx)
	pb, errb := hosts[1].Provider(ctx)
	pc, errc := hosts[2].Provider(ctx)
	if errb != nil || errc != nil || pb != pc || pb != h.Docker() {
		t.Errorf("providers of one endpoint: %p %v, %p %v, located %p", pb, errb, pc, errc, h.Docker())
	}
	if n := d.of(""); n != 1 {
		t.Errorf("the local endpoint dialed %d times, want once", n)
	}

	// On no host that answers: not found, naming the one that does not.
	_, _, err = f.Locate(ctx, "it-fleet-nowhere")
	if !errors.Is(err, cluster.ErrNotFound) || !strings.Contains(err.Error(), "unreachable: docker host a-gone") {
		t.Errorf("Locate of a cluster on no host: %v", err)
	}
	// Not in the registry but on a host: found on the hosts in order.
	if err := reg.Put(ctx, dockerhost.Record{Name: "b-here", Endpoint: "", Seen: now}); err != nil {
		t.Fatal(err)
	}
	if h, _, err := f.Locate(ctx, name); err != nil || h.Record.Name != "b-here" {
		t.Errorf("Locate of a cluster the registry does not place: %+v %v", h, err)
	}

	// The registry alone on an unreachable host: its error.
	for _, rec := range []string{"b-here", "c-same"} {
		if err := reg.KV.Delete(ctx, "host."+rec); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := f.Locate(ctx, name); err == nil || errors.Is(err, cluster.ErrNotFound) || !strings.Contains(err.Error(), "docker host a-gone") {
		t.Errorf("Locate with the only host unreachable: %v", err)
	}

	// A registry that cannot be read: an error, or, lenient, the local Docker.
	conn.Close()
	if _, err := f.Hosts(ctx); err == nil {
		t.Error("Hosts with NATS closed: no error")
	}
	lenient := &dockerhost.Fleet{JS: conn.JS, Lenient: true}
	t.Cleanup(func() { _ = lenient.Close() })
	if h, _, err := lenient.Locate(ctx, name); err != nil || h.Record.Name != dockerhost.Default {
		t.Errorf("lenient Locate with NATS closed: %+v %v", h, err)
	}

	// Closed: it dials no more.
	if err := lenient.Close(); err != nil {
		t.Fatal(err)
	}
	hosts, _ = lenient.Hosts(ctx)
	if _, err := hosts[0].Provider(ctx); !errors.Is(err, dockerhost.ErrClosed) {
		t.Errorf("provider of a closed fleet: %v", err)
	}
}
