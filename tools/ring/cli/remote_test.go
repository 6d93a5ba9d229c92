package cli

import (
	"reflect"
	"testing"
)

func TestRemoteArgs(t *testing.T) {
	t.Setenv(EnvServer, "")
	t.Setenv(EnvTokenFile, "")
	for _, tc := range []struct {
		args          []string
		server, token string
		words         []string
		ok            bool
	}{
		{[]string{"--server", "http://h:8080", "--token-file", "t", "build", "--stack", "fixture"}, "http://h:8080", "t", []string{"build", "--stack", "fixture"}, true},
		{[]string{"--server=http://h", "cluster", "create", "x", "-n", "1", "--token-file=t"}, "http://h", "t", []string{"cluster", "create", "x", "-n", "1"}, true},
		{[]string{"build", "--stack", "fixture"}, "", "", nil, false},             // no server: NATS
		{[]string{"--server", "http://h", "token", "list"}, "", "", nil, false},   // local only
		{[]string{"--server", "http://h", "build", "--help"}, "", "", nil, false}, // help is local
		{[]string{"--log-level", "warn", "--server", "http://h", "status"}, "http://h", "", []string{"status"}, true},
	} {
		server, token, words, ok := remoteArgs(tc.args)
		if server != tc.server || token != tc.token || !reflect.DeepEqual(words, tc.words) || ok != tc.ok {
			t.Errorf("remoteArgs(%q) = %q %q %q %v", tc.args, server, token, words, ok)
		}
	}
}

func TestParseMap(t *testing.T) {
	e, err := parseMap("slack:T1/U2=alice:developers,release-engineers")
	if err != nil || e.ID != "slack:T1/U2" || e.Name != "alice" || !reflect.DeepEqual(e.Groups, []string{"developers", "release-engineers"}) {
		t.Errorf("parseMap: %+v %v", e, err)
	}
	if e, err := parseMap("slack:T1/*=:readers"); err != nil || e.Name != "" || e.Groups[0] != "readers" {
		t.Errorf("team-wide: %+v %v", e, err)
	}
	for _, bad := range []string{"slack:T1/U2", "slack:T1/U2=alice", "slack:T1/U2=alice:"} {
		if _, err := parseMap(bad); err == nil {
			t.Errorf("parseMap(%q) took it", bad)
		}
	}
}
