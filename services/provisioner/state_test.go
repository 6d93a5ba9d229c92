package provisioner

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestStateScript runs the inspection script with this machine's sh,
// dpkg-query and getent, as a node's would: an installed and an unknown
// package, a present and a missing file, a live and a dead pid file.
func TestStateScript(t *testing.T) {
	if _, err := exec.LookPath("dpkg-query"); err != nil {
		t.Skip("no dpkg-query on this machine")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "with space.cfg")
	if err := os.WriteFile(conf, []byte("tickTime=2000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	live, dead := filepath.Join(dir, "live.pid"), filepath.Join(dir, "dead.pid")
	if err := os.WriteFile(live, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dead, []byte("999999999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-c", stateScript, "sh", "dpkg", "ringmaster-no-such-package", "--", conf, filepath.Join(dir, "missing"), "--", live, dead, filepath.Join(dir, "none.pid")}
	out, err := exec.Command("sh", args...).Output()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	st, err := parseState(string(out))
	if err != nil {
		t.Fatal(err)
	}
	if got := st.missing([]string{"dpkg", "ringmaster-no-such-package"}); len(got) != 1 || got[0] != "ringmaster-no-such-package" {
		t.Errorf("missing = %v, want the unknown package only", got)
	}
	if st.differs(conf, []byte("tickTime=2000\n")) {
		t.Errorf("the same content differs: digests %v", st.digests)
	}
	if !st.differs(conf, []byte("tickTime=3000\n")) || !st.differs(filepath.Join(dir, "missing"), nil) {
		t.Errorf("other content or a missing file do not differ: digests %v", st.digests)
	}
	if !st.running[live] || st.running[dead] || st.running[filepath.Join(dir, "none.pid")] {
		t.Errorf("running = %v, want only %s", st.running, live)
	}
	if id, ok := st.users["root"]; !ok || id.uid != 0 || id.gid != 0 {
		t.Errorf("users[root] = %v, %v", id, ok)
	}
}

func TestParseState(t *testing.T) {
	for _, tc := range []struct {
		name, out string
		wantErr   bool
	}{
		{"empty", "", false},
		{"all kinds", "pkg redis installed\npkg zookeeper not-installed\nfile " + sha64 + " /etc/a b\nrun /run/x.pid\nuser zk:x:101:102::/var/lib:/bin/false\n", false},
		{"short digest", "file abc /etc/a\n", true},
		{"no path", "file " + sha64 + "\n", true},
		{"unknown line", "surprise\n", true},
		{"odd passwd line skipped", "user broken\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := parseState(tc.out)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if tc.name == "all kinds" {
				if !st.installed["redis"] || st.installed["zookeeper"] || st.digests["/etc/a b"] != sha64 || !st.running["/run/x.pid"] || st.users["zk"] != (ids{101, 102}) {
					t.Errorf("parsed %+v", st)
				}
			}
		})
	}
}

const sha64 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
