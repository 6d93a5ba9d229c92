package gateway

import (
	"errors"
	"strings"
	"testing"

	"ringmaster.dev/events"
	"ringmaster.dev/gateway/forge"
	"ringmaster.dev/kit/gitstack"
)

func TestPipelineFor(t *testing.T) {
	rec := gitstack.Record{Name: "fixture", Git: "https://github.com/acme/stacks.git", Branch: "main", Path: "infra/stacks/fixture"}
	sha := strings.Repeat("a", 40)
	for _, tc := range []struct {
		name    string
		d       forge.Delivery
		trigger string
		channel string
		promote string
		ignored string
		err     string
	}{
		{"default branch", forge.Delivery{Kind: "push", Ref: "refs/heads/main", Branch: "main", Commit: sha}, events.TriggerPush, "", "", "", ""},
		{"other branch", forge.Delivery{Kind: "push", Ref: "refs/heads/dev", Branch: "dev", Commit: sha}, events.TriggerPush, "branch-dev", "", "", ""},
		{"deleted branch", forge.Delivery{Kind: "push", Ref: "refs/heads/dev", Branch: "dev", Deleted: true}, "", "", "", "dev was deleted", ""},
		{"release tag", forge.Delivery{Kind: "tag", Ref: "refs/tags/v1.2.0", Tag: "v1.2.0", Commit: sha}, events.TriggerTag, "", "stable", "", ""},
		{"other tag", forge.Delivery{Kind: "tag", Ref: "refs/tags/nightly-3", Tag: "nightly-3", Commit: sha}, "", "", "", "not a release tag", ""},
		{"request opened", forge.Delivery{Kind: "pull_request", Ref: "refs/pull/7/head", PR: 7, PRAction: "opened", Commit: sha}, events.TriggerPR, "pr-7", "", "", ""},
		{"request updated", forge.Delivery{Kind: "pull_request", Ref: "refs/merge-requests/7/head", PR: 7, PRAction: "synchronize", Commit: sha}, events.TriggerPR, "pr-7", "", "", ""},
		{"request closed", forge.Delivery{Kind: "pull_request", Ref: "refs/pull/7/head", PR: 7, PRAction: "closed", Commit: sha}, "", "", "", "channel pr-7 is retired", ""},
		{"request labelled", forge.Delivery{Kind: "pull_request", Ref: "refs/pull/7/head", PR: 7, PRAction: "other", Commit: sha}, "", "", "", "nothing to build", ""},
		{"ping", forge.Delivery{Kind: "ping"}, "", "", "", "ping", ""},
		{"an event we ignore", forge.Delivery{Event: "issues"}, "", "", "", "issues event starts nothing", ""},
		{"ref with a path trick", forge.Delivery{Kind: "push", Ref: "refs/heads/../../etc", Commit: sha}, "", "", "", "", "refused"},
		{"ref with a shell character", forge.Delivery{Kind: "push", Ref: "refs/heads/a;reboot", Commit: sha}, "", "", "", "", "refused"},
		{"ref with a newline", forge.Delivery{Kind: "push", Ref: "refs/heads/a\nb", Commit: sha}, "", "", "", "", "refused"},
		{"short commit", forge.Delivery{Kind: "push", Ref: "refs/heads/main", Branch: "main", Commit: "abc123"}, "", "", "", "", "not 40 hex"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, ignored, err := pipelineFor(rec, tc.d)
			switch {
			case tc.err != "":
				if !errors.Is(err, errRefused) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want errRefused saying %q", err, tc.err)
				}
				return
			case err != nil:
				t.Fatal(err)
			case tc.ignored != "":
				if !strings.Contains(ignored, tc.ignored) {
					t.Fatalf("ignored = %q, want %q", ignored, tc.ignored)
				}
				return
			case ignored != "":
				t.Fatalf("ignored: %s", ignored)
			}
			if req.Trigger != tc.trigger || req.Channel != tc.channel || req.PromoteTo != tc.promote {
				t.Errorf("got trigger %q channel %q promote %q", req.Trigger, req.Channel, req.PromoteTo)
			}
			if req.Git.Repo != rec.Git || req.Git.Path != rec.Path || req.Git.Commit != sha || req.Git.Ref != tc.d.Ref {
				t.Errorf("git ref %+v", req.Git)
			}
		})
	}
}

func TestDebRef(t *testing.T) {
	for file, want := range map[string]string{
		"ringhello_1.0.0-1+deb12_amd64.deb": "ringhello@1.0.0-1+deb12",
		"zookeeper_1%3a3.8.0-1_all.deb":     "zookeeper@1:3.8.0-1",
		"ringhello-1.0.0-1.x86_64.rpm":      "",
		"broken.deb":                        "",
	} {
		got, ok := debRef(file)
		if got != want || ok != (want != "") {
			t.Errorf("debRef(%q) = %q, %v; want %q", file, got, ok, want)
		}
	}
}

func TestTestOutcome(t *testing.T) {
	pass := &events.TestFinished{Passed: 3, Skipped: 1, Seconds: 12, Cases: []events.TestCase{{Suite: "ringhello", Name: "greets", Outcome: "passed"}}}
	fail := &events.TestFinished{Passed: 2, Failed: 1, Cases: []events.TestCase{
		{Suite: "ringhello", Name: "greets-with-node-name", Outcome: "failed", Message: `node1 greets "goodbye", want "hello, node1!"` + "\nmore"},
		{Suite: "packages", Name: "fhs", Outcome: "passed"}}}
	none := &events.TestFinished{Skipped: 2}
	for _, tc := range []struct {
		t      *events.TestFinished
		gaveUp string
		wait   error
		state  string
		detail string
	}{
		{pass, "", nil, "success", "3 passed, 1 skipped in 12s"},
		{fail, "", nil, "failure", `1 of 2 cases did not pass: ringhello/greets-with-node-name failed: node1 greets "goodbye", want "hello, node1!"`},
		{none, "", nil, "failure", "no case passed (2 skipped)"},
		{nil, "no cluster", nil, "failure", "the tester gave up: no cluster"},
		{nil, "", errTimeout, "failure", "the suites: timed out"},
	} {
		state, detail := testOutcome(tc.t, tc.gaveUp, tc.wait)
		if state != tc.state || !strings.HasPrefix(detail, tc.detail) {
			t.Errorf("testOutcome = %q, %q; want %q, %q…", state, detail, tc.state, tc.detail)
		}
	}
}

func TestTestKey(t *testing.T) {
	b := &events.BuildFinished{Stack: "fixture", Cells: []events.CellResult{
		{Component: "a", Distro: "debian-12", BuildKey: "k1"}, {Component: "b", Distro: "debian-12", BuildKey: "k2"},
		{Component: "a", Distro: "debian-11", BuildKey: "k3"}}}
	spec := events.TestSpec{Suites: []string{"packages"}}
	k := testKey(b, spec, "debian-12")
	b.Cells[2].BuildKey = "other" // another distro's cell does not count
	if testKey(b, spec, "debian-12") != k {
		t.Error("a debian-11 cell changed the debian-12 key")
	}
	b.Cells[0].BuildKey = "k1-changed"
	if testKey(b, spec, "debian-12") == k {
		t.Error("a changed package did not change the key")
	}
	b.Cells[0].BuildKey = "k1"
	if testKey(b, events.TestSpec{Suites: []string{"ringhello"}}, "debian-12") == k {
		t.Error("another test spec did not change the key")
	}
}

func TestCellSummaries(t *testing.T) {
	cells := []events.CellResult{{Component: "a", Distro: "d", State: "ok", Cached: true}, {Component: "b", Distro: "d", State: "failed", Reason: "make: error\nlog"},
		{Component: "c", Distro: "d", State: "skipped", Reason: "dependency b failed"}}
	if got := failedCells(cells); got != "2 of 3 cells did not build: b on d failed: make: error; c on d skipped: dependency b failed" {
		t.Errorf("failedCells = %q", got)
	}
	if got := failedCells(cells[:1]); got != "" {
		t.Errorf("failedCells of good cells = %q", got)
	}
	if got := cellSummary(cells); got != "3 cells built (1 from the build cache)" {
		t.Errorf("cellSummary = %q", got)
	}
}

func TestBuiltVersions(t *testing.T) {
	cells := []events.CellResult{
		{Distro: "debian-12", Packages: []events.PackageRef{{Key: "builds/k1/aa/ringhello-lib_1.0.0-1+deb12_amd64.deb"}}},
		{Distro: "debian-12", Packages: []events.PackageRef{{Key: "builds/k2/bb/ringhello_1.0.0-1+deb12+b2_amd64.deb"}}},
		{Distro: "debian-11", Packages: []events.PackageRef{{Key: "builds/k3/cc/ringhello_1.0.0-1+deb11_amd64.deb"}}},
	}
	got := builtVersions(cells, "debian-12")
	if len(got) != 2 || got["ringhello"] != "1.0.0-1+deb12+b2" || got["ringhello-lib"] != "1.0.0-1+deb12" {
		t.Errorf("builtVersions = %v", got)
	}
}

// TestStatePublished: a repo.published names every distro of the channel;
// which publication it answers is told by its id.
func TestStatePublished(t *testing.T) {
	s := newState()
	fact := func(id string) events.Envelope {
		return events.Envelope{ID: id, Type: "ringmaster.repo.published.v1", Data: []byte(`{"channel":"ci","distros":["debian-12","debian-11"]}`)}
	}
	s.apply(fact("run/build.requested/build/repo.publish.requested/publish/debian-11/repo.published/0"))
	if !s.published["debian-11"] || s.published["debian-12"] || s.promoted {
		t.Fatalf("after debian-11's answer: %+v", s)
	}
	s.apply(fact("run/build.requested/build/repo.publish.requested/publish/debian-12/repo.published/0"))
	s.apply(fact("run/repo.promote.requested/promote/repo.published/0"))
	if !s.published["debian-12"] || !s.promoted {
		t.Fatalf("after every answer: %+v", s)
	}
}
