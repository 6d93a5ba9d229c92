package provisioner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/kit/role"
	"ringmaster.dev/policies"
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
			pl, err := p.Plan(context.Background(), tc.req, "run-1")
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

// memStore is a blob store in a map: what the builder kept of a commit.
type memStore map[string]string

func (m memStore) Get(_ context.Context, key string) (io.ReadCloser, blob.Info, error) {
	v, ok := m[key]
	if !ok {
		return nil, blob.Info{}, fmt.Errorf("%s: %w", key, blob.ErrNotFound)
	}
	return io.NopCloser(strings.NewReader(v)), blob.Info{Key: key, Size: int64(len(v))}, nil
}

func (m memStore) Stat(ctx context.Context, key string) (blob.Info, error) {
	_, info, err := m.Get(ctx, key)
	return info, err
}

const commit = "0123456789abcdef0123456789abcdef01234567"

func TestPlanStackAtCommit(t *testing.T) {
	p := testProvisioner(t)
	data, err := os.ReadFile("../../infra/stacks/fixture/stack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The commit's stack has another version than the checkout's.
	changed := strings.Replace(string(data), `version: "1.0.0"
    summary: greeting daemon`, `version: "1.2.0"
    summary: greeting daemon`, 1)
	p.Store = memStore{gitstack.SnapshotKey("fixture", commit): changed}
	pl, err := p.Plan(context.Background(), events.ClusterCreateRequested{Name: "ci", Stack: "fixture", Commit: commit, Nodes: 1}, "run-1")
	if err != nil {
		t.Fatal(err)
	}
	if pl.Versions["ringhello"] != "1.2.0" || pl.Spec.Commit != commit || pl.Spec.Roles["ringhello"] != 1 {
		t.Errorf("plan of the commit: versions %v, spec %+v", pl.Versions, pl.Spec)
	}
	_, err = p.Plan(context.Background(), events.ClusterCreateRequested{Name: "ci", Stack: "fixture", Commit: strings.Repeat("f", 40), Nodes: 1}, "run-1")
	if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), "was never built") {
		t.Errorf("a commit never built: %v", err)
	}
	_, err = p.Plan(context.Background(), events.ClusterCreateRequested{Name: "ci", Stack: "fixture", Commit: "HEAD", Nodes: 1}, "run-1")
	if !errors.Is(err, ErrSpec) {
		t.Errorf("not a commit id: %v", err)
	}
}

func TestPlanNoRole(t *testing.T) {
	p := testProvisioner(t)
	p.Opts.StacksDir = t.TempDir()
	stack := `name: tools
distros: [debian-12]
components:
  - name: liba
    version: "1.0"
    summary: a library
    license: MIT
    maintainer: A B <a@example.org>
    sources:
      - url: https://example.org/liba-1.0.tar.gz
        sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    build: {image: toolchain, commands: [make]}
    install:
      - {src: lib/liba.so, dst: /usr/lib/liba/liba.so}
`
	if err := os.MkdirAll(filepath.Join(p.Opts.StacksDir, "tools"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.Opts.StacksDir, "tools", "stack.yaml"), []byte(stack), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := p.Plan(context.Background(), events.ClusterCreateRequested{Name: "t", Stack: "tools", Nodes: 1}, "run-1")
	if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), "no component with a role") {
		t.Errorf("err = %v, want ErrSpec mentioning no component with a role", err)
	}
}

func TestSmallest(t *testing.T) {
	p := testProvisioner(t)
	for _, tc := range []struct {
		req  events.ClusterCreateRequested
		want int
		deny string
	}{
		{events.ClusterCreateRequested{Name: "a", Stack: "fixture"}, 1, ""},
		{events.ClusterCreateRequested{Name: "a", Stack: "demo"}, 3, ""},                                                       // an odd ZooKeeper ensemble of at least 3
		{events.ClusterCreateRequested{Name: "a", Stack: "demo", Roles: map[string]int{"redis": 1}}, 1, ""},                    // Redis alone
		{events.ClusterCreateRequested{Name: "a", Stack: "demo", Roles: map[string]int{"zookeeper": 2}}, 0, "zk-odd-ensemble"}, // never allowed
	} {
		n, err := p.smallest(context.Background(), tc.req, "run-1")
		var rej *RejectedError
		switch {
		case tc.deny != "" && (!errors.As(err, &rej) || !strings.Contains(err.Error(), tc.deny)):
			t.Errorf("smallest(%+v) = %d, %v; want a rejection by %s", tc.req, n, err, tc.deny)
		case tc.deny == "" && (err != nil || n != tc.want):
			t.Errorf("smallest(%+v) = %d, %v; want %d", tc.req, n, err, tc.want)
		}
	}
}

func TestPlanBuilds(t *testing.T) {
	p := testProvisioner(t)
	req := events.ClusterCreateRequested{Name: "ci", Stack: "fixture", Nodes: 1, Builds: map[string]string{"ringhello": "1.0.0-1+deb12+b2", "ringhello-lib": "1.0.0-1+deb12"}}
	pl, err := p.Plan(context.Background(), req, "run-1")
	if err != nil || pl.Spec.Builds["ringhello"] != "1.0.0-1+deb12+b2" {
		t.Fatalf("plan: %+v %v", pl.Spec, err)
	}
	want := "Package: ringhello\nPin: version 1.0.0-1+deb12+b2\nPin-Priority: 1001\n\nPackage: ringhello-lib\nPin: version 1.0.0-1+deb12\nPin-Priority: 1001\n\n"
	if got := string(buildPreferences(pl.Spec.Builds)); got != want {
		t.Errorf("preferences:\n%s\nwant:\n%s", got, want)
	}
	for _, bad := range []map[string]string{{"ringhello": "1.0.0"}, {"ringhello": "1.0.0-1\nPin-Priority: 9999"}, {"Ringhello": "1.0.0-1"}, {"ringhello": "1.0.0-1;reboot"}} {
		req.Builds = bad
		if _, err := p.Plan(context.Background(), req, "run-1"); !errors.Is(err, ErrSpec) {
			t.Errorf("builds %q: %v, want ErrSpec", bad, err)
		}
	}
}
