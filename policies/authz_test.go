package policies

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testAuthorizer(t testing.TB) *Authorizer {
	t.Helper()
	roles, err := LoadRoles("../" + DefaultRolesPath)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAuthorizer(context.Background(), roles)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAuthorize: the project's roles file, the rules the issue lists.
func TestAuthorize(t *testing.T) {
	a := testAuthorizer(t)
	person := func(platform string, groups ...string) Identity {
		return Identity{Platform: platform, Team: "T1", User: "U1", Name: "alice", Groups: groups}
	}
	dev, rel, reader := person("slack", "developers"), person("slack", "release-engineers"), person("slack", "readers")
	nobody := Identity{Platform: "slack", Team: "T2", User: "U9"}
	for _, tc := range []struct {
		name string
		in   AuthzInput
		rule string // the rule that decided
		want string // in the sentence
	}{
		{"help for anyone", AuthzInput{Identity: nobody, Verb: "help"}, "anyone", "anyone may ask help"},
		{"unmapped may not read", AuthzInput{Identity: nobody, Verb: "status"}, "role-required", "status needs role reader; you have none"},
		{"reader reads", AuthzInput{Identity: reader, Verb: "cluster list"}, "role-reader", "reader may cluster list"},
		{"reader may not build", AuthzInput{Identity: reader, Verb: "build", Target: Target{Stack: "fixture"}}, "role-required", "build needs role developer; you have reader (what would allow it: a group with role developer for alice (slack:T1/U1)"},
		{"developer builds", AuthzInput{Identity: dev, Verb: "build", Target: Target{Stack: "fixture"}}, "role-developer", "developer may build"},
		{"developer promotes to stable", AuthzInput{Identity: dev, Verb: "promote", Target: Target{From: "nightly", To: "stable"}}, "release-channel", "promote to stable needs role release; you have developer, reader"},
		{"release promotes to stable", AuthzInput{Identity: rel, Verb: "promote", Target: Target{From: "nightly", To: "stable"}}, "role-release", "release may promote"},
		{"developer trusts realms", AuthzInput{Identity: dev, Verb: "realm trust", Target: Target{Realms: []string{"A", "B"}}}, "role-required", "realm trust needs role release"},
		{"own cluster", AuthzInput{Identity: dev, Verb: "cluster destroy", Target: Target{Cluster: "alice-zk"}}, "role-developer", ""},
		{"another's cluster", AuthzInput{Identity: dev, Verb: "cluster create", Target: Target{Cluster: "zk"}}, "cluster-prefix", "developers create clusters whose name starts with their prefix (alice-); zk does not (what would allow it: a name starting with alice-, or role release)"},
		{"protected", AuthzInput{Identity: rel, Verb: "cluster destroy", Target: Target{Cluster: "alice-zk", Protected: true}}, "cluster-protected", "nobody may destroy it"},
		{"token reader", AuthzInput{Identity: Identity{Platform: "rest", User: "bob", Name: "bob", Roles: []string{"reader"}}, Verb: "build", Target: Target{Stack: "demo"}},
			"role-required", "build needs role developer; you have reader (what would allow it: a token with role developer (ring token create bob --role developer))"},
		{"token role", AuthzInput{Identity: Identity{Platform: "rest", User: "carol", Name: "carol", Roles: []string{"release"}}, Verb: "audit"}, "role-release", ""},
	} {
		d, err := a.Decide(context.Background(), tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if d.Rule != tc.rule || !strings.Contains(d.Sentence(), tc.want) {
			t.Errorf("%s: %s %q, want %s %q", tc.name, d.Rule, d.Sentence(), tc.rule, tc.want)
		}
		if allowed := tc.rule == "anyone" || strings.HasPrefix(tc.rule, "role-") && tc.rule != "role-required"; d.Allow != allowed {
			t.Errorf("%s: allow %v with rule %s", tc.name, d.Allow, d.Rule)
		}
	}
}

// TestRolesErrors: a broken roles file is refused naming line:col, the
// field and the problem, every problem at once.
func TestRolesErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"unknown field", "version: 1\nroles: {reader: {}}\ngroups: {}\nadmins: [bob]\n", []string{"x:4:1: admins: additional properties 'admins' not allowed"}},
		{"undefined role", "version: 1\nroles:\n  reader: {}\ngroups:\n  devs:\n    roles: [reader, developer]\n", []string{"x:6:21: groups.devs.roles[1]: role \"developer\" is not defined under roles (defined: reader)"}},
		{"bad prefix and version", "version: 2\nroles: {reader: {}}\ngroups:\n  devs: {roles: [reader], cluster_prefix: \"a b\"}\n", []string{"x:1:1: version: value must be 1", "x:4:27: groups.devs.cluster_prefix: "}},
		{"syntax", "version: 1\nroles: [\n", []string{"x:2:8: YAML syntax"}},
	} {
		_, err := ParseRoles("x", []byte(tc.yaml))
		if !errors.Is(err, ErrRoles) {
			t.Errorf("%s: %v, want ErrRoles", tc.name, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s:\n%v\nwant %q", tc.name, err, w)
			}
		}
	}
	if _, err := os.Stat("../" + DefaultRolesPath); err != nil {
		t.Fatal(err)
	}
}

// benchRequest is the request the benchmarks decide (and
// infra/bench/bench-chatops.sh hands to opa): a developer destroying one of
// their clusters from a Slack channel — every rule of the policy is read.
var benchRequest = AuthzInput{Identity: Identity{Platform: "slack", Team: "T1", User: "U1", Name: "alice", Groups: []string{"developers"}},
	Verb: "cluster destroy", Target: Target{Cluster: "alice-zk"}, Room: Room{ID: "C1", Name: "ci"}}

// BenchmarkAuthorizeLatency reports each decision's latency percentiles.
func BenchmarkAuthorizeLatency(b *testing.B) {
	a := testAuthorizer(b)
	ctx := context.Background()
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if _, err := a.Decide(ctx, benchRequest); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportLatency(b, lat)
}

// TestAuthzDocuments writes the data and input of benchRequest for the
// opa CLI when AUTHZ_DOCS names a directory (bench-chatops.sh sets it).
func TestAuthzDocuments(t *testing.T) {
	dir := os.Getenv("AUTHZ_DOCS")
	if dir == "" {
		t.Skip("AUTHZ_DOCS unset: nothing to write")
	}
	a := testAuthorizer(t)
	data, err := rolesData(a.Roles())
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{"data.json": map[string]any{"authz": data}, "input.json": benchRequest} {
		b, _ := json.Marshal(v)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func BenchmarkAuthorize(b *testing.B) {
	a := testAuthorizer(b)
	in := benchRequest
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := a.Decide(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}
