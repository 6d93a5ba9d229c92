package provisioner

import (
	"context"
	"errors"
	"strings"
	"testing"

	"ringmaster.dev/events"
	"ringmaster.dev/policies"
	"ringmaster.dev/provisioner/cluster"
	"ringmaster.dev/provisioner/role"
)

func testProvisioner(t *testing.T) *Provisioner {
	t.Helper()
	roles, err := role.Load("../../infra/roles")
	if err != nil {
		t.Fatal(err)
	}
	data, err := policies.LoadData("../../infra/compat/compat.json")
	if err != nil {
		t.Fatal(err)
	}
	chk, err := policies.New(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	return &Provisioner{Roles: roles, Policy: chk, Opts: Options{StacksDir: "../../infra/stacks", RolesDir: "../../infra/roles", MemoryMB: 768}}
}

func TestPlan(t *testing.T) {
	p := testProvisioner(t)
	for name, tc := range map[string]struct {
		req     events.ClusterCreateRequested
		roles   map[string]int
		wantErr string
		deny    string
	}{
		"defaults: every role on every node": {req: events.ClusterCreateRequested{Name: "zk", Stack: "demo", Nodes: 3},
			roles: map[string]int{"zookeeper": 3, "redis": 3}},
		"roles narrowed": {req: events.ClusterCreateRequested{Name: "zk", Stack: "demo", Nodes: 3, Roles: map[string]int{"zookeeper": 3}},
			roles: map[string]int{"zookeeper": 3}},
		"even ensemble is denied": {req: events.ClusterCreateRequested{Name: "zk", Stack: "demo", Nodes: 2},
			roles: map[string]int{"zookeeper": 2, "redis": 2}, deny: "zk-odd-ensemble"},
		"a distro nothing is packaged for": {req: events.ClusterCreateRequested{Name: "zk", Stack: "demo", Nodes: 3, Distro: "debian-10"},
			roles: map[string]int{"zookeeper": 3, "redis": 3}, deny: "distro"},
		"unknown stack":     {req: events.ClusterCreateRequested{Name: "zk", Stack: "nope", Nodes: 3}, wantErr: "no "},
		"unknown component": {req: events.ClusterCreateRequested{Name: "zk", Stack: "demo", Nodes: 3, Roles: map[string]int{"kafka": 3}}, wantErr: `role "kafka"`},
		"no role for it":    {req: events.ClusterCreateRequested{Name: "zk", Stack: "fixture", Nodes: 1}, wantErr: "no component with a role"},
		"bad name":          {req: events.ClusterCreateRequested{Name: "ZK", Stack: "demo", Nodes: 3}, wantErr: "lowercase"},
	} {
		t.Run(name, func(t *testing.T) {
			pl, err := p.Plan(tc.req, "run-1")
			if tc.wantErr != "" {
				if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want ErrSpec mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(pl.Spec.Roles) != len(tc.roles) {
				t.Fatalf("roles = %v, want %v", pl.Spec.Roles, tc.roles)
			}
			for r, n := range tc.roles {
				if pl.Spec.Roles[r] != n {
					t.Fatalf("roles = %v, want %v", pl.Spec.Roles, tc.roles)
				}
			}
			if pl.Spec.Channel != "nightly" || pl.Spec.MemoryMB != 768 || pl.Spec.RunID != "run-1" {
				t.Fatalf("defaults: %+v", pl.Spec)
			}
			dec, err := p.Policy.Check(context.Background(), pl.PolicyInput())
			if err != nil {
				t.Fatal(err)
			}
			denied := ""
			for _, r := range dec.Deny {
				denied += r.Rule + " "
			}
			if tc.deny == "" && !dec.Allow || tc.deny != "" && !strings.Contains(denied, tc.deny) {
				t.Fatalf("decision %+v, want deny %q", dec, tc.deny)
			}
		})
	}
}

func TestFromSnapshot(t *testing.T) {
	s := specOf("demo", 3, "debian-12")
	req, err := fromSnapshot(events.ClusterCreateRequested{Name: "b", From: "s"}, s)
	if err != nil || req.Stack != "demo" || req.Nodes != 3 || req.Channel != "nightly" {
		t.Fatalf("fromSnapshot = %+v, %v", req, err)
	}
	_, err = fromSnapshot(events.ClusterCreateRequested{Name: "b", From: "s", Nodes: 5, Stack: "fixture"}, s)
	if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), "5 nodes") || !strings.Contains(err.Error(), "stack fixture") {
		t.Fatalf("conflicting request: %v", err)
	}
}

func specOf(stack string, nodes int, distro string) (s cluster.Spec) {
	return cluster.Spec{Name: "a", Stack: stack, Nodes: nodes, Distro: distro, Channel: "nightly", MemoryMB: 512, Roles: map[string]int{"zookeeper": nodes}}
}
