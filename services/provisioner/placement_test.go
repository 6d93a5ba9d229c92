package provisioner

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"ringmaster.dev/events"
	"ringmaster.dev/policies"
)

// TestPlace: the compatibility policy decides per host; the allowed host
// with the most memory left is chosen; a denial everywhere says why, per
// host where the hosts' reasons differ.
func TestPlace(t *testing.T) {
	p := testProvisioner(t)
	ctx := context.Background()
	// 1 node × 2000 MB of redis.
	pl, err := p.Plan(ctx, events.ClusterCreateRequested{Name: "r", Stack: "demo", Nodes: 1, Roles: map[string]int{"redis": 1}, MemoryMB: 2000}, "run-r")
	if err != nil {
		t.Fatal(err)
	}
	even, err := p.Plan(ctx, events.ClusterCreateRequested{Name: "zk", Stack: "demo", Nodes: 2, Roles: map[string]int{"zookeeper": 2}, MemoryMB: 512}, "run-zk")
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		pl    plan
		cands []candidate
		host  string   // chosen ("" denied)
		deny  []string // rule: message prefix, when denied
	}{
		"the one host that has room": {pl: pl, cands: []candidate{{"a", 3000, 2000}, {"b", 8000, 1000}}, host: "b"},
		"the most memory left":       {pl: pl, cands: []candidate{{"a", 16000, 2000}, {"b", 8000, 0}}, host: "a"},
		"ties go by name":            {pl: pl, cands: []candidate{{"b", 4000, 0}, {"a", 4000, 0}}, host: "a"},
		"the only host, full: its reasons as they are": {pl: pl, cands: []candidate{{"local", 3000, 2000}},
			deny: []string{"memory-available: 1 nodes × 2000 MB = 2000 MB is more than the 1000 MB left of the machine's 3000 MB"}},
		"no host has room: per host": {pl: pl, cands: []candidate{{"a", 3000, 2000}, {"b", 1000, 0}},
			deny: []string{"memory-available: docker host a: 1 nodes × 2000 MB", "memory-total: docker host b: 1 nodes × 2000 MB = 2000 MB is more than the machine's 1000 MB"}},
		"hosts alike: still per host": {pl: pl, cands: []candidate{{"a", 3000, 2000}, {"b", 3000, 2000}},
			deny: []string{"memory-available: docker host a: 1 nodes × 2000 MB", "memory-available: docker host b: 1 nodes × 2000 MB"}},
		"what no host changes is said once": {pl: even, cands: []candidate{{"a", 8000, 0}, {"b", 8000, 0}},
			deny: []string{"zk-odd-ensemble: "}},
	} {
		t.Run(name, func(t *testing.T) {
			c, dec, err := p.place(ctx, tc.pl, tc.cands)
			if err != nil {
				t.Fatal(err)
			}
			if dec.Allow != (tc.host != "") || c.Host != tc.host {
				t.Fatalf("placed on %q (allow %v, %v), want %q", c.Host, dec.Allow, dec.Deny, tc.host)
			}
			if len(dec.Deny) != len(tc.deny) {
				t.Fatalf("reasons %v, want %d", dec.Deny, len(tc.deny))
			}
			for i, want := range tc.deny {
				if got := dec.Deny[i].String(); !strings.HasPrefix(got, want) {
					t.Errorf("reason %d: %q, want %q…", i, got, want)
				}
			}
		})
	}
}

func TestMergeDenials(t *testing.T) {
	ver := policies.Reason{Rule: "version-range", Message: "zookeeper 9 is newer"}
	mem := func(mb string) policies.Reason { return policies.Reason{Rule: "memory-total", Message: mb} }
	got := mergeDenials([]string{"a", "b"}, []policies.Decision{{Deny: []policies.Reason{ver, mem("over")}}, {Deny: []policies.Reason{ver, mem("over")}}}, []policies.Reason{ver})
	want := []policies.Reason{ver, {Rule: "memory-total", Message: "docker host a: over"}, {Rule: "memory-total", Message: "docker host b: over"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged %v, want %v", got, want)
	}
}
