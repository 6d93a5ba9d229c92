package tester

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/tester/sweep"
)

func fact(t *testing.T, payload any) events.Envelope {
	t.Helper()
	spec, err := events.Of(payload)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return events.Envelope{Type: spec.Type(), Data: data}
}

// TestAwaitCluster: the provisioner's answer about the sweep's cluster
// decides the outcome; facts about other clusters and other events are
// passed over; no answer in time is an error outcome, not a hang.
func TestAwaitCluster(t *testing.T) {
	other := &events.ClusterReady{Name: "sweep-x-2"}
	for _, tc := range []struct {
		name    string
		facts   []any
		outcome string
		detail  string
	}{
		{"ready", []any{other, &events.ClusterProgress{Name: "sweep-x-1", Step: "policy"}, &events.ClusterReady{Name: "sweep-x-1"}}, "", ""},
		{"denied", []any{&events.ClusterRejected{Name: "sweep-x-1", Reasons: []events.DenyReason{{Rule: "zk-odd-ensemble", Message: "odd"}, {Rule: "nodes", Message: "few"}}}},
			sweep.Denied, "zk-odd-ensemble: odd; nodes: few"},
		{"failed", []any{other, &events.ClusterFailed{Name: "sweep-x-1", Reason: "apt-get install failed"}}, sweep.Error, "apt-get install failed"},
		{"no answer", []any{other}, sweep.Error, "the provisioner did not answer within 50ms (is it running?)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := make(chan events.Envelope, len(tc.facts))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// Subscribe first, as a sweep does before it sends the create:
			// the feed drops facts about clusters nobody waits for.
			answers, unsubscribe := newFeed(ctx, &bus.Watch{Facts: ch}).subscribe("sweep-x-1")
			defer unsubscribe()
			for _, f := range tc.facts {
				ch <- fact(t, f)
			}
			// Answers come at once; only "no answer" waits out the deadline,
			// so a slow machine cannot turn a delivered answer into a timeout.
			timeout := 10 * time.Second
			if tc.name == "no answer" {
				timeout = 50 * time.Millisecond
			}
			tr := &Tester{Sweeps: SweepOptions{ClusterTimeout: timeout}}
			outcome, detail, err := tr.awaitCluster(ctx, answers, "sweep-x-1")
			if err != nil || outcome != tc.outcome || detail != tc.detail {
				t.Fatalf("awaitCluster = %q, %q, %v; want %q, %q", outcome, detail, err, tc.outcome, tc.detail)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tr := &Tester{Sweeps: SweepOptions{ClusterTimeout: time.Minute}}
	if _, _, err := tr.awaitCluster(ctx, make(chan any), "sweep-x-1"); err == nil {
		t.Fatal("a cancelled sweep kept waiting")
	}
}

func TestTestOutcome(t *testing.T) {
	for _, tc := range []struct {
		name            string
		fin             events.TestFinished
		outcome, detail string
	}{
		{"passed", events.TestFinished{Passed: 6, Skipped: 1}, sweep.Passed, "6 passed, 1 skipped"},
		{"failed and erred cases named", events.TestFinished{Passed: 4, Failed: 2, Cases: []events.TestCase{
			{Suite: "zookeeper", Name: "quorum", Outcome: "passed"},
			{Suite: "zookeeper", Name: "leader-killed", Outcome: "failed", Message: "no new leader in 30s"},
			{Suite: "packages", Name: "upgrade", Outcome: "skipped", Message: "one version"},
			{Suite: "redis", Name: "replication", Outcome: "error", Message: "docker exec: EOF"},
		}}, sweep.Failed, "zookeeper/leader-killed: no new leader in 30s; redis/replication: docker exec: EOF"},
		{"only the infrastructure failed", events.TestFinished{Passed: 5, Failed: 1, Cases: []events.TestCase{
			{Suite: "redis", Name: "replication", Outcome: "error", Message: "docker exec: EOF"},
		}}, sweep.Error, "infrastructure: redis/replication: docker exec: EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if o, d := testOutcome(tc.fin); o != tc.outcome || d != tc.detail {
				t.Fatalf("testOutcome = %q, %q; want %q, %q", o, d, tc.outcome, tc.detail)
			}
		})
	}
}

// TestSweepRequestErrors: requests that can never succeed are errSweep
// (a permanent failure), before anything is asked of the store or the bus.
func TestSweepRequestErrors(t *testing.T) {
	tr := &Tester{Sweeps: SweepOptions{StacksDir: "../../infra/stacks", RolesDir: "../../infra/roles"}}
	noRoles := t.TempDir() // a stack none of whose components has a role
	if err := os.MkdirAll(filepath.Join(noRoles, "tools"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(noRoles, "tools", "stack.yaml"), []byte(`name: tools
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
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		req  events.SweepRunRequested
		want string
	}{
		{"unknown stack", events.SweepRunRequested{Stack: "nope"}, `stack "nope"`},
		{"a path for a stack", events.SweepRunRequested{Stack: "../demo"}, "stack name"},
		{"no component with a role", events.SweepRunRequested{Stack: "tools"}, "no component with a role"},
		{"negative max", events.SweepRunRequested{Stack: "demo", Max: -1}, "want 0 (the default) or more"},
		{"too parallel", events.SweepRunRequested{Stack: "demo", Parallel: MaxSweepParallel + 1}, "parallel at most 8"},
		{"a prefix that makes bad names", events.SweepRunRequested{Stack: "demo", Prefix: "Bad_Prefix"}, "sweep prefix name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := *tr
			if tc.req.Stack == "tools" {
				tr.Sweeps.StacksDir = noRoles
			}
			_, err := tr.Sweep(context.Background(), tc.req, idleRun{}, zerolog.Nop())
			if !errors.Is(err, errSweep) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want errSweep saying %q", err, tc.want)
			}
		})
	}
}

// idleRun is a Run for requests that fail before anything is sent.
type idleRun struct{}

func (idleRun) EmitAs(string, any) error   { return errors.New("nothing may be sent") }
func (idleRun) Watch() (*bus.Watch, error) { return nil, errors.New("nothing may be watched") }
func (idleRun) RunID() string              { return "0123456789abcdef" }
func (idleRun) Attempt() int               { return 1 }
