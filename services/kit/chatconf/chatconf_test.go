package chatconf

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestIdentities(t *testing.T) {
	m, err := ParseIdentities("ids.yaml", []byte(`version: 1
identities:
  - {id: "slack:T1/U1", name: alice, groups: [developers]}
  - {id: "slack:T1/*", groups: [readers]}
  - {id: "github:alice-gh", name: alice, groups: [developers]}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		platform, team, user string
		name                 string
		groups               []string
	}{
		{"slack", "T1", "U1", "alice", []string{"developers", "readers"}},
		{"slack", "T1", "U2", "", []string{"readers"}},
		{"slack", "T2", "U1", "", nil},
		{"github", "acme", "alice-gh", "alice", []string{"developers"}},
	} {
		name, groups := m.Lookup(tc.platform, tc.team, tc.user)
		if name != tc.name || !reflect.DeepEqual(groups, tc.groups) {
			t.Errorf("Lookup(%s %s %s) = %q %v, want %q %v", tc.platform, tc.team, tc.user, name, groups, tc.name, tc.groups)
		}
	}
	for in, want := range map[string]string{
		"version: 1\nidentities:\n  - {id: 'slack:T1/U1;rm', groups: [x]}\n": "id \"slack:T1/U1;rm\"",
		"version: 1\nidentities:\n  - {id: 'slack:T1/U1', group: [x]}\n":     "line 3:",
		"version: 2\n": "version 2",
	} {
		if _, err := ParseIdentities("ids.yaml", []byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseIdentities(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestOrigins(t *testing.T) {
	c, err := ParseConfig("chat.yaml", []byte("mattermost:\n  response_origins: [\"https://Chat.example.org/\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		platform, url string
		ok            bool
	}{
		{"slack", "https://hooks.slack.com/commands/T1/1/abc", true},
		{"slack", "http://hooks.slack.com/commands/T1/1/abc", false},
		{"slack", "https://hooks.slack.com.evil.example/x", false},
		{"slack", "https://user:pw@hooks.slack.com/x", false},
		{"slack", "https://169.254.169.254/latest/meta-data", false},
		{"mattermost", "https://chat.example.org/hooks/commands/x", true},
		{"mattermost", "https://chat.example.org:8443/hooks/commands/x", false},
		{"mattermost", "file:///etc/passwd", false},
	} {
		if got := Allowed(tc.url, c.Origins(tc.platform)); got != tc.ok {
			t.Errorf("Allowed(%s, %s) = %v", tc.platform, tc.url, got)
		}
	}
	if _, err := ParseConfig("chat.yaml", []byte("slack:\n  response_origins: [\"https://x/path\"]\n")); err == nil {
		t.Error("an origin with a path was taken")
	}
}

func TestWatched(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "authz", "identities.yaml")
	w := &Watched[Identities]{Path: p, Parse: ParseIdentities}
	if _, ok, err := w.Get(); ok || err != nil {
		t.Fatalf("missing file: %v %v", ok, err)
	}
	m := Identities{Version: 1, Identities: []Identity{{ID: "slack:T1/U1", Name: "alice", Groups: []string{"developers"}}}}
	if err := WriteYAML(p, "# test\n", m); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o400 {
		t.Fatalf("mode %o", fi.Mode().Perm())
	}
	got, ok, err := w.Get()
	if !ok || err != nil || got.Identities[0].Name != "alice" {
		t.Fatalf("Get: %+v %v %v", got, ok, err)
	}
	m.Identities[0].Name = "alicia"
	time.Sleep(10 * time.Millisecond)
	if err := WriteYAML(p, "# test, changed\n", m); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := w.Get(); got.Identities[0].Name != "alicia" {
		t.Fatalf("not read again after a change: %+v", got)
	}
}
