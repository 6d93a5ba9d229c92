package command

import (
	"encoding/json"
	"strings"
	"testing"

	"ringmaster.dev/events"
)

func fact(t *testing.T, payload any) events.Envelope {
	t.Helper()
	spec, err := events.Of(payload)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(payload)
	return events.Envelope{ID: "x", Type: spec.Type(), Data: b, RunID: "r"}
}

func TestTracker(t *testing.T) {
	for _, tc := range []struct {
		name   string
		req    Request
		facts  []any
		done   bool
		ok     bool
		result string
	}{
		{"build published", Request{Verb: Build, Stack: "fixture"}, []any{
			&events.BuildSucceeded{Component: "a", Distro: "debian-12", Cached: true},
			&events.BuildFinished{Stack: "fixture", Channel: "ci", Published: []string{"debian-12"}, Cells: []events.CellResult{{Component: "a", Distro: "debian-12", State: "ok", Cached: true}}},
			&events.RepoPublished{Channel: "other", Distros: []string{"debian-12"}},
		}, false, true, ""},
		{"build published, done", Request{Verb: Build, Stack: "fixture"}, []any{
			&events.BuildFinished{Stack: "fixture", Channel: "ci", Published: []string{"debian-12"}, Cells: []events.CellResult{{Component: "a", Distro: "debian-12", State: "ok", Cached: true}}},
			&events.RepoPublished{Channel: "ci", Distros: []string{"debian-12"}},
		}, true, true, "build fixture: 1 cells built (1 from the build cache), published to ci for debian-12"},
		{"build cell failed", Request{Verb: Build, Stack: "fixture"}, []any{
			&events.BuildFinished{Stack: "fixture", Channel: "ci", Cells: []events.CellResult{{Component: "a", Distro: "debian-12", State: "failed", Reason: "make: *** Error 2\nmore"}}},
		}, true, false, "1 of 1 cells did not build: a/debian-12 failed: make: *** Error 2"},
		{"unknown stack", Request{Verb: Build, Stack: "nope"}, []any{
			&events.CommandFailed{Service: "builder", CommandType: "ringmaster.build.requested.v1", Reason: "permanent: no stack nope"},
		}, true, false, "builder gave up on build.requested: no stack nope"},
		{"cluster rejected", Request{Verb: ClusterCreate, Cluster: "chat-x"}, []any{
			&events.ClusterProgress{Name: "chat-x", Step: "policy", Detail: "checking"},
			&events.ClusterRejected{Name: "chat-x", Reasons: []events.DenyReason{{Rule: "zk-odd-ensemble", Message: "odd"}}},
		}, true, false, "cluster chat-x denied by the compatibility policy, nothing created: zk-odd-ensemble: odd"},
		{"destroyed", Request{Verb: ClusterDestroy, Cluster: "chat-x"}, []any{&events.ClusterDestroyed{Name: "chat-x"}}, true, true, "cluster chat-x destroyed"},
		{"tests failed", Request{Verb: TestRun, Cluster: "c"}, []any{
			&events.TestFinished{Cluster: "c", Passed: 2, Failed: 1, Cases: []events.TestCase{{Suite: "s", Name: "n", Outcome: "failed"}}},
		}, true, false, "c: 2 passed, 1 failed, 0 skipped in 0s (s/n)"},
		{"a status post failing is not the run's end", Request{Verb: Retest}, []any{
			&events.CommandFailed{Service: "gateway", CommandType: "ringmaster.forge.status.requested.v1", Reason: "401"},
			&events.PipelineFinished{Commit: "0123456789abcdef", State: "success", Seconds: 9, Channel: "pr-2"},
		}, true, true, "pipeline of 0123456789ab passed in 9s (channel pr-2)"},
	} {
		tr := NewTracker(tc.req)
		for _, f := range tc.facts {
			tr.Apply(fact(t, f))
		}
		ok, result := tr.Result()
		if tr.Done() != tc.done || (tc.done && (ok != tc.ok || !strings.Contains(result, tc.result))) {
			t.Errorf("%s: done %v ok %v %q, want %v %v %q", tc.name, tr.Done(), ok, result, tc.done, tc.ok, tc.result)
		}
	}
}
