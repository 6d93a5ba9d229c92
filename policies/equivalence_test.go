package policies

import (
	"context"
	"encoding/json"
	"math/rand"
	"os"
	"reflect"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// testdata/compat_orig.rego is the policy as first written (commit 9346668),
// without the index and the parsed versions. These tests hold the current
// policy to the same decisions: through the Checker, and through plain
// evaluation of data.ringmaster.compat.decision (what opa eval does).

// evaluator evaluates one decision query over facts.
type evaluator func(t *testing.T, input any) Decision

func regoEvaluator(t *testing.T, facts map[string]any, query string, srcs map[string]string) evaluator {
	ctx := context.Background()
	opts := []func(*rego.Rego){
		rego.Query(query),
		rego.SetRegoVersion(ast.RegoV1),
		rego.Store(inmem.NewFromObject(map[string]any{"compat": facts})),
	}
	for name, src := range srcs {
		opts = append(opts, rego.Module(name, src))
	}
	pq, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return func(t *testing.T, input any) Decision {
		rs, err := pq.Eval(ctx, rego.EvalInput(input))
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		if len(rs) != 1 {
			t.Fatalf("%s: undefined for %v", query, input)
		}
		b, _ := json.Marshal(rs[0].Expressions[0].Value)
		var d Decision
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		if len(d.Deny) == 0 {
			d.Deny = nil
		}
		sortReasons(d.Deny)
		return d
	}
}

// policies returns an evaluator for the original policy and one for the
// current policy, both evaluating the decision over facts.
func policies(t *testing.T, facts map[string]any) (orig, cur evaluator) {
	b, err := os.ReadFile("testdata/compat_orig.rego")
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := Modules()
	if err != nil {
		t.Fatal(err)
	}
	orig = regoEvaluator(t, facts, "data.ringmaster.compat_orig.decision", map[string]string{"orig.rego": string(b)})
	cur = regoEvaluator(t, facts, Query, srcs)
	return orig, cur
}

// inputs returns requested clusters around the edges of the real facts.
func inputs(n int) []Input {
	r := rand.New(rand.NewSource(6))
	pick := func(xs ...string) string { return xs[r.Intn(len(xs))] }
	versions := []string{"3.8.0", "3.4.14", "3.5.0", "3.5", "3.9.99", "3.10.0", "3.9.100", "7.0.15", "7.0.0",
		"6.0.0", "5.0.14", "7.2.99", "7.3", "6.0.0-rc1", "latest", "", "3..8", "007.0.0", "3.9.99~x"}
	var out []Input
	for range n {
		in := Input{
			Stack:      pick("fixture", "demo", ""),
			Components: map[string]string{},
			Distro:     pick("debian-12", "debian-11", "", "ubuntu-24.04"),
			Roles:      map[string]int{},
			Nodes:      r.Intn(8) - 1,
			Kerberos:   r.Intn(2) == 0,
			MemoryMB:   []int{0, 100, 128, 200, 256, 1024, 4096, 8192, 9000, 30000}[r.Intn(10)],
		}
		for _, c := range []string{"zookeeper", "redis"} {
			if r.Intn(4) > 0 {
				in.Components[c] = versions[r.Intn(len(versions))]
			}
		}
		if r.Intn(6) == 0 {
			in.Components["hbase"] = "2.5.0"
		}
		for _, role := range []string{"zookeeper", "redis", "kafka"} {
			if r.Intn(5) > 0 && (role != "kafka" || r.Intn(4) == 0) {
				in.Roles[role] = r.Intn(8) - 1
			}
		}
		out = append(out, in)
	}
	bad := demo()
	bad.Components = map[string]string{"zookeeper": "3.5.0", "redis": "7.0.0"}
	return append(out, demo(), bad)
}

// rawInputs are inputs the Checker cannot express: missing fields, wrong
// types, no object at all.
var rawInputs = []string{
	`{}`, `"x"`, `[]`, `null`,
	`{"components": {"zookeeper": "3.8.0"}, "roles": {"zookeeper": 3}, "nodes": 3, "memory_mb_per_node": 512}`,
	`{"components": {"zookeeper": "3.8.0", "redis": "7.0.15"}, "distro": "debian-12", "roles": {"zookeeper": 3}}`,
	`{"components": ["3.8.0"], "distro": "debian-12", "roles": [3], "nodes": "3", "kerberos": "yes"}`,
	`{"components": {"zookeeper": 3.8, "redis": null}, "distro": 12, "roles": {"zookeeper": 2.5}, "nodes": null, "kerberos": true}`,
	`{"components": {"zookeeper": "3.4.0"}, "roles": {"zookeeper": 3}, "nodes": false, "kerberos": true, "memory_mb_per_node": "big"}`,
	`{"components": {"zookeeper": "3.5.0", "redis": "7.0.0"}, "distro": "debian-11", "roles": {"zookeeper": 4, "redis": 9}, "nodes": 3, "memory_mb_per_node": 9000}`,
	`{"components": {"zookeeper": "3.8.0"}, "version_keys": {"zookeeper": [9, 0, 0, 0]}, "invalid_versions": ["redis"], "nodes": 3, "roles": {"zookeeper": 3}}`,
}

// factsVariants are the real facts, the Rego tests' facts and odd facts.
func factsVariants(t *testing.T) map[string]map[string]any {
	data, err := LoadData(dataPath)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for name, doc := range map[string]string{
		"compat.json": string(data),
		"rego tests": `{"version": 1,
			"known_bad": [{"pair": [{"component": "zookeeper", "version": "3.5.0"}, {"component": "redis", "version": "7.0.0"}], "reason": "sessions are lost", "source": "https://issues.example.org/SESSIONS-1"},
				{"pair": [{"component": "zookeeper", "version": "3.8.0"}, {"component": "redis", "version": "7.0.0"}], "reason": "failed on debian-12: redis/x", "run": "fedcba98-7654", "date": "2026-10-26"}],
			"versions": {"zookeeper": {"min": "3.4.0", "max": "3.9.99"}, "redis": {"min": "6.0.0", "max": "7.2.99"}},
			"roles": {"zookeeper": {"odd": true, "min": 3}, "redis": {"min": 1}},
			"memory": {"machine_mb": 24576, "per_node_min_mb": {"zookeeper": 256, "redis": 128}},
			"distros": {"zookeeper": ["debian-12"], "redis": ["debian-12", "debian-11"]}}`,
		"odd": `{"version": 1,
			"known_bad": [
				{"pair": [{"component": "zookeeper", "version": "3.8.0"}], "reason": "one alone", "source": "https://example.org/1"},
				{"pair": [{"component": "zookeeper", "version": "3.8.0"}, {"component": "redis", "version": "7.0.15"}], "reason": "the demo", "run": "r", "date": "2026-01-02"},
				{"pair": [{"component": "zookeeper", "version": "3.8.0", "note": "x"}, {"component": "hbase", "version": "2.5.0"}], "reason": "hbase", "source": "http://example.org/3", "run": "both", "date": "2026-01-03"},
				{"pair": [], "reason": "always", "source": "https://example.org/4"},
				{"pair": [{"version": "7.0.0"}], "reason": "no component", "source": "https://example.org/5"}],
			"versions": {"zookeeper": {"min": "3.9.0", "max": "3.6.0"}, "redis": {"min": "x", "max": "7"}, "hbase": false},
			"roles": {"zookeeper": {"odd": false}, "redis": {"odd": true}, "kafka": {"min": 2}},
			"memory": {"machine_mb": 4096, "per_node_min_mb": {"kafka": 512}},
			"distros": {"zookeeper": {"a": "debian-12"}, "redis": "debian-12"}}`,
	} {
		facts, err := ParseData([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = facts
	}
	return out
}

func TestSameDecisionsAsOriginal(t *testing.T) {
	ctx := context.Background()
	n := 600
	if testing.Short() {
		n = 100
	}
	for name, facts := range factsVariants(t) {
		t.Run(name, func(t *testing.T) {
			orig, cur := policies(t, facts)
			data, _ := json.Marshal(facts)
			c, err := New(ctx, data)
			if err != nil {
				t.Fatal(err)
			}
			denied := map[string]bool{}
			for _, in := range inputs(n) {
				b, _ := json.Marshal(in)
				var raw any
				if err := json.Unmarshal(b, &raw); err != nil {
					t.Fatal(err)
				}
				want := orig(t, raw)
				got, err := c.Check(ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("Checker on %s:\n got %+v\nwant %+v", b, got, want)
				}
				if got := cur(t, raw); !reflect.DeepEqual(got, want) {
					t.Fatalf("opa eval on %s:\n got %+v\nwant %+v", b, got, want)
				}
				for _, r := range want.Deny {
					denied[r.Rule] = true
				}
			}
			for _, s := range rawInputs {
				var raw any
				if err := json.Unmarshal([]byte(s), &raw); err != nil {
					t.Fatal(err)
				}
				if got, want := cur(t, raw), orig(t, raw); !reflect.DeepEqual(got, want) {
					t.Fatalf("opa eval on %s:\n got %+v\nwant %+v", s, got, want)
				}
			}
			t.Logf("rules seen: %v", denied)
		})
	}
}
