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
		"another version": {req: events.ClusterCreateRequested{Name: "zk", Stack: "demo", Nodes: 3, Versions: map[string]string{"zookeeper": "3.9.1"}},
			roles: map[string]int{"zookeeper": 3, "redis": 3}},
		"a version out of the supported range is denied": {req: events.ClusterCreateRequested{Name: "zk", Stack: "demo", Nodes: 3, Versions: map[string]string{"zookeeper": "3.4.14"}},
			roles: map[string]int{"zookeeper": 3, "redis": 3}, deny: "version-range"},
		"a version of a component not in the stack": {req: events.ClusterCreateRequested{Name: "zk", Stack: "demo", Nodes: 3, Versions: map[string]string{"kafka": "3.6.0"}},
			wantErr: "kafka=3.6.0: stack demo has no such component"},
		"a version of a component no node runs": {req: events.ClusterCreateRequested{Name: "zk", Stack: "demo", Nodes: 3, Roles: map[string]int{"zookeeper": 3}, Versions: map[string]string{"redis": "7.2.4"}},
			wantErr: "version of redis given, but no node runs it"},
		"an empty version": {req: events.ClusterCreateRequested{Name: "zk", Stack: "demo", Nodes: 3, Versions: map[string]string{"redis": ""}},
			wantErr: "want an upstream version"},
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
			for comp, v := range tc.req.Versions {
				if pl.Versions[comp] != v || pl.Spec.Versions[comp] != v || pl.packageVersions(1)[comp] != v {
					t.Fatalf("%s: plan versions %v, spec %v, node 1's packages %v; want %s", comp, pl.Versions, pl.Spec.Versions, pl.packageVersions(1), v)
				}
			}
			dec, err := p.Policy.Check(context.Background(), pl.PolicyInput(0, 0))
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
	s.Versions = map[string]string{"zookeeper": "3.8.0"}
	if req, err = fromSnapshot(events.ClusterCreateRequested{Name: "b", From: "s"}, s); err != nil || req.Versions["zookeeper"] != "3.8.0" {
		t.Fatalf("the snapshot's versions: %+v, %v", req, err)
	}
	_, err = fromSnapshot(events.ClusterCreateRequested{Name: "b", From: "s", Versions: map[string]string{"zookeeper": "3.9.1"}}, s)
	if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), "versions zookeeper 3.9.1 (the snapshot runs zookeeper 3.8.0)") {
		t.Fatalf("other versions than the snapshot's: %v", err)
	}
	_, err = fromSnapshot(events.ClusterCreateRequested{Name: "b", From: "s", Nodes: 5, Stack: "fixture"}, s)
	if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), "5 nodes") || !strings.Contains(err.Error(), "stack fixture") {
		t.Fatalf("conflicting request: %v", err)
	}
}

func specOf(stack string, nodes int, distro string) (s cluster.Spec) {
	return cluster.Spec{Name: "a", Stack: stack, Nodes: nodes, Distro: distro, Channel: "nightly", MemoryMB: 512, Roles: map[string]int{"zookeeper": nodes}}
}
