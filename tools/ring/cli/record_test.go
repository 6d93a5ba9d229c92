package cli

import (
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/runs"
)

func TestRunRecord(t *testing.T) {
	now := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		cmd    any
		ok     bool
		want   runs.Record
		follow string
	}{
		{"build", &events.BuildRequested{Stack: "fixture", Distros: []string{"debian-12"}}, true,
			runs.Record{Kind: "build", Stack: "fixture", Command: "build fixture --distro debian-12"}, "build fixture --distro debian-12"},
		{"build from git keeps the commit", &events.BuildRequested{Stack: "demo", Git: &events.GitRef{Repo: "https://git.example/demo.git", Commit: "0123", Ref: "refs/heads/main"}}, true,
			runs.Record{Kind: "build", Stack: "demo", Command: "build demo", Repo: "https://git.example/demo.git", Commit: "0123", Ref: "refs/heads/main"}, "build demo"},
		{"sweep", &events.SweepRunRequested{Stack: "demo", Parallel: 2}, true,
			runs.Record{Kind: "sweep run", Stack: "demo", Command: "sweep run --stack demo"}, "sweep run --stack demo"},
		{"cluster create", &events.ClusterCreateRequested{Name: "zk", Stack: "demo", Channel: "nightly"}, true,
			runs.Record{Kind: "cluster create", Stack: "demo", Cluster: "zk", Channel: "nightly", Command: "cluster create zk --stack demo --channel nightly"},
			"cluster create zk --stack demo --channel nightly"},
		{"promote records the target channel", &events.RepoPromoteRequested{From: "nightly", To: "stable", Packages: []string{"ringhello@1.0.0-1"}}, true,
			runs.Record{Kind: "promote", Channel: "stable", Command: "promote ringhello@1.0.0-1 --from nightly --to stable"},
			"promote ringhello@1.0.0-1 --from nightly --to stable"},
		{"a command no verb sends", &events.ServicePingRequested{}, false, runs.Record{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec, follow, ok := runRecord("r1", events.TriggerCLI, "ada", c.cmd, now)
			if ok != c.ok {
				t.Fatalf("ok = %v, want %v", ok, c.ok)
			}
			if !ok {
				return
			}
			c.want.ID, c.want.Trigger, c.want.State, c.want.Sender, c.want.Created = "r1", events.TriggerCLI, runs.Queued, "ada", now
			if rec.ID != c.want.ID || rec.Kind != c.want.Kind || rec.Trigger != c.want.Trigger || rec.State != c.want.State || rec.Stack != c.want.Stack ||
				rec.Cluster != c.want.Cluster || rec.Channel != c.want.Channel || rec.Command != c.want.Command || rec.Sender != c.want.Sender ||
				rec.Repo != c.want.Repo || rec.Commit != c.want.Commit || rec.Ref != c.want.Ref || !rec.Created.Equal(now) {
				t.Errorf("record\n got %+v\nwant %+v", *rec, c.want)
			}
			if follow.Platform != events.TriggerCLI || follow.Command != c.follow {
				t.Errorf("follow %+v, want platform cli, command %q", *follow, c.follow)
			}
		})
	}
}
