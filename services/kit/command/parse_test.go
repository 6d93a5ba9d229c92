package command

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		line string
		door Door
		want Request
	}{
		{"", Chat, Request{Verb: Help}},
		{"/ring help cluster create", Comment, Request{Verb: Help, Topic: "cluster create"}},
		{"status", REST, Request{Verb: Status}},
		{"build fixture --distro debian-12", Chat, Request{Verb: Build, Stack: "fixture", Distros: []string{"debian-12"}}},
		{"build --stack demo --component redis --distro debian-12 --distro debian-11", REST,
			Request{Verb: Build, Stack: "demo", Components: []string{"redis"}, Distros: []string{"debian-12", "debian-11"}}},
		{"ring repo list --channel nightly", Chat, Request{Verb: RepoList, Channel: "nightly"}},
		{"promote ringhello@1.0.0-1 --to stable", Chat, Request{Verb: Promote, Packages: []string{"ringhello@1.0.0-1"}, From: "nightly", To: "stable"}},
		{"repo promote --from ci --to stable a@1 b@2:3.0-1", Chat, Request{Verb: Promote, Packages: []string{"a@1", "b@2:3.0-1"}, From: "ci", To: "stable"}},
		{"cluster create chat-one -n 1 --stack fixture --role ringhello=1 --protected", Chat,
			Request{Verb: ClusterCreate, Cluster: "chat-one", Nodes: 1, Stack: "fixture", Roles: map[string]int{"ringhello": 1}, Protected: true}},
		{"cluster create zk", Chat, Request{Verb: ClusterCreate, Cluster: "zk", Nodes: 3, Stack: "demo"}},
		{"cluster list", Chat, Request{Verb: ClusterList}},
		{"cluster destroy zk", Comment, Request{Verb: ClusterDestroy, Cluster: "zk"}},
		{"test run zk --suite zookeeper", Chat, Request{Verb: TestRun, Cluster: "zk", Suites: []string{"zookeeper"}}},
		{"sweep run --stack demo --max 2", Chat, Request{Verb: SweepRun, Stack: "demo", Nodes: 3, Max: 2}},
		{"realm trust OLD-PROD NEW-PROD", Chat, Request{Verb: RealmTrust, Realms: []string{"OLD-PROD", "NEW-PROD"}, Topology: "mesh"}},
		{"realm untrust A B C --topology chain", Chat, Request{Verb: RealmUntrust, Realms: []string{"A", "B", "C"}, Topology: "chain"}},
		{"runs show 3f2a9c1e", Chat, Request{Verb: RunsShow, Run: "3f2a9c1e"}},
		{"retest", Comment, Request{Verb: Retest}},
		{"audit --user alice --since 2d", REST, Request{Verb: Audit, User: "alice", Since: "2d"}},
		{"build 'fixture'", Chat, Request{Verb: Build, Stack: "fixture"}},
		{"build fixture --help", Chat, Request{Verb: Help, Topic: Build}},
	} {
		got, err := Parse(tc.line, tc.door)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.line, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q)\n got %+v\nwant %+v", tc.line, got, tc.want)
			continue
		}
		// The line read back parses to the same request.
		again, err := Parse(got.Line(), tc.door)
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("Parse(%q).Line() = %q → %+v, %v", tc.line, got.Line(), again, err)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct {
		line string
		door Door
		kind error
		want string // in the message
	}{
		{"deploy prod", Chat, ErrUnknownVerb, `unknown command "deploy prod"`},
		{"build", Chat, ErrUsage, "usage: build STACK"},
		{"build a b", Chat, ErrUsage, "name one stack"},
		{"build fixture --frobnicate", Chat, ErrUsage, "unknown flag: --frobnicate"},
		{"cluster create 'x;rm -rf /'", Chat, ErrUsage, `cluster name "x;rm -rf /": want 1-40 lowercase`},
		{"cluster destroy ../etc", Chat, ErrUsage, `cluster name "../etc"`},
		{"cluster create $(id)", Chat, ErrUsage, `cluster name "$(id)"`},
		{"cluster create ok -n 40", Chat, ErrUsage, "want 1 to 16 nodes"},
		{"cluster create ok --role zookeeper=x", Chat, ErrUsage, "usage: cluster create NAME"},
		{"test run", Chat, ErrUsage, "usage: test run CLUSTER"},
		{"promote ringhello@1", Chat, ErrUsage, "--to is required"},
		{"promote ringhello --to stable", Chat, ErrUsage, `package "ringhello"`},
		{"promote a@1 --from stable --to stable", Chat, ErrUsage, "both stable"},
		{"realm trust A", Chat, ErrUsage, "at least two realms"},
		{"realm trust a b", Chat, ErrUsage, `realm "a"`},
		{"realm trust A B --topology star", Chat, ErrUsage, "mesh or chain"},
		{"runs show ../../x", Chat, ErrUsage, `run "../../x"`},
		{"retest", Chat, ErrNotHere, "forge comment"},
		{"retest", REST, ErrNotHere, "forge comment"},
		{"audit --since forever", REST, ErrUsage, "want a duration"},
		{"build 'fixture", Chat, ErrUsage, "close your quotes"},
		{"build fixture\x00", Chat, ErrUsage, "control characters"},
		{"build " + strings.Repeat("x", MaxLine), Chat, ErrUsage, "at most 1000"},
		{"help frobnicate", Chat, ErrUsage, `no command "frobnicate"`},
		{"sweep run --stack ''", Chat, ErrUsage, "name the stack"},
	} {
		_, err := Parse(tc.line, tc.door)
		var ue *UsageError
		if !errors.As(err, &ue) || !errors.Is(err, tc.kind) {
			t.Errorf("Parse(%q) = %v, want a %v", tc.line, err, tc.kind)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %q, want it to say %q", tc.line, err, tc.want)
		}
	}
}

// TestSpecsComplete: every verb has a usage line that starts with it, a
// summary, a door, and a REST route unless it is comment-only.
func TestSpecsComplete(t *testing.T) {
	routes := map[string]string{}
	for _, s := range Specs {
		if !strings.HasPrefix(s.Usage, s.Verb) || s.Summary == "" || len(s.Doors) == 0 || s.args == nil {
			t.Errorf("%s: incomplete spec %+v", s.Verb, s)
		}
		if s.Takes(REST) {
			key := s.Method + " " + s.Path
			if s.Path == "" || routes[key] != "" {
				t.Errorf("%s: REST route %q missing or shared with %s", s.Verb, key, routes[key])
			}
			routes[key] = s.Verb
		}
	}
}
