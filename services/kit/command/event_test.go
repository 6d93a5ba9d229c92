package command

import (
	"testing"

	"ringmaster.dev/events"
)

func TestFromEvent(t *testing.T) {
	cases := []struct {
		name string
		cmd  any
		ok   bool
		line string
	}{
		{"build", &events.BuildRequested{Stack: "fixture", Distros: []string{"debian-12"}, Components: []string{"ringhello"}, Channel: "nightly"},
			true, "build fixture --distro debian-12 --component ringhello --channel nightly"},
		{"build from git keeps the grammar's part", &events.BuildRequested{Stack: "demo", Git: &events.GitRef{Repo: "r", Commit: "c"}}, true, "build demo"},
		{"sweep", &events.SweepRunRequested{Stack: "demo", Distros: []string{"rockylinux-9"}, Nodes: 3, Max: 4, Suites: []string{"smoke"}, Parallel: 2},
			true, "sweep run --stack demo --distro rockylinux-9 --nodes 3 --max 4 --suite smoke"},
		{"cluster create", &events.ClusterCreateRequested{Name: "zk", Stack: "demo", Distro: "debian-12", Nodes: 3, Roles: map[string]int{"zookeeper": 3}, Protected: true},
			true, "cluster create zk --nodes 3 --stack demo --distro debian-12 --role zookeeper=3 --protected"},
		{"cluster create of the smallest size", &events.ClusterCreateRequested{Name: "zk", Stack: "demo"}, true, "cluster create zk --stack demo"},
		{"cluster destroy", &events.ClusterDestroyRequested{Name: "zk"}, true, "cluster destroy zk"},
		{"test run", &events.TestRunRequested{Cluster: "zk", Suites: []string{"smoke"}}, true, "test run zk --suite smoke"},
		{"promote", &events.RepoPromoteRequested{From: "nightly", To: "stable", Packages: []string{"ringhello@1.0.0-1"}}, true,
			"promote ringhello@1.0.0-1 --from nightly --to stable"},
		{"untrust", &events.RealmTrustRequested{Realms: []string{"A", "B"}, Remove: true}, true, "realm untrust A B"},
		{"a stack name the grammar refuses", &events.BuildRequested{Stack: "Bad Name"}, false, ""},
		{"no verb sends it", &events.RepoGCRequested{}, false, ""},
		{"not an event", "build fixture", false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, ok := FromEvent(c.cmd)
			if ok != c.ok {
				t.Fatalf("ok = %v, want %v (%+v)", ok, c.ok, r)
			}
			if ok && r.Line() != c.line {
				t.Errorf("line %q, want %q", r.Line(), c.line)
			}
		})
	}
}
