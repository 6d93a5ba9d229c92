package gitstack

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		url, err string
	}{
		{"https://github.com/acme/stacks.git", ""},
		{"git://127.0.0.1:9418/stacks.git", ""},
		{"ssh://git@github.com/acme/stacks.git", ""},
		{"git@github.com:acme/stacks.git", ""},
		{"file:///srv/git/stacks.git", ""},
		{"", "clone URL is needed"},
		{"https://user:ghp_secret@github.com/acme/stacks.git", "carries credentials"},
		{"https://ghp_secret@github.com/acme/stacks.git", "carries credentials"},
		{"ssh://git:pw@github.com/acme/stacks.git", "carries credentials"},
		{"ftp://example.org/stacks.git", "want https://"},
		{"https:///stacks.git", "names no host"},
		{"https://github.com/acme/stacks.git;rm -rf /", "characters no clone URL has"},
		{"https://github.com/acme/\nstacks", "characters no clone URL has"},
	} {
		err := CheckURL(tc.url)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("CheckURL(%q) = %v, want nil", tc.url, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("CheckURL(%q) = %v, want %q", tc.url, err, tc.err)
		case err != nil && strings.Contains(err.Error(), "ghp_secret"):
			t.Errorf("CheckURL(%q) error shows the secret: %v", tc.url, err)
		}
	}
}

func TestCheckRefName(t *testing.T) {
	for _, tc := range []struct {
		ref string
		ok  bool
	}{
		{"main", true}, {"feature/faster-builds", true}, {"refs/heads/release-1.2", true}, {"v1.0.0+build.5", true},
		{"../etc/passwd", false}, {"feature/../main", false}, {"a;rm -rf /", false}, {"main\nx", false},
		{"$(id)", false}, {"a b", false}, {"/main", false}, {"main/", false}, {"a//b", false},
		{".hidden", false}, {"x.lock", false}, {"", false}, {"a~1", false}, {"a:b", false},
	} {
		if err := CheckRefName(tc.ref); (err == nil) != tc.ok {
			t.Errorf("CheckRefName(%q) = %v, want ok=%v", tc.ref, err, tc.ok)
		}
	}
}

func TestChannels(t *testing.T) {
	for _, tc := range []struct{ branch, want string }{
		{"dev", "branch-dev"},
		{"release-1", "branch-release-1"},
	} {
		if got := BranchChannel(tc.branch); got != tc.want {
			t.Errorf("BranchChannel(%q) = %q, want %q", tc.branch, got, tc.want)
		}
	}
	seen := map[string]string{}
	for _, b := range []string{"feature/x", "feature-x", "Feature-X", "feature_x", "a-very-long-branch-name-that-goes-on-and-on", "a-very-long-branch-name-that-goes-on-and-on-2", "日本"} {
		c := BranchChannel(b)
		if len(c) > channelMax || !strings.HasPrefix(c, "branch-") || strings.Trim(c, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			t.Errorf("BranchChannel(%q) = %q: not a channel name", b, c)
		}
		if other, dup := seen[c]; dup {
			t.Errorf("branches %q and %q share channel %q", b, other, c)
		}
		seen[c] = b
	}
	if got := PRChannel(42); got != "pr-42" {
		t.Errorf("PRChannel(42) = %q", got)
	}
}

func TestSameRepo(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"https://github.com/Acme/Stacks", "git@github.com:acme/stacks.git", true},
		{"https://github.com/acme/stacks.git", "https://github.com:443/acme/stacks/", true},
		{"ssh://git@gitlab.example.org/group/sub/proj.git", "https://gitlab.example.org/group/sub/proj", true},
		{"git://127.0.0.1:9418/stacks.git", "git://127.0.0.1/stacks", true},
		{"https://github.com/acme/stacks", "https://github.com/acme/other", false},
		{"https://github.com/acme/stacks", "https://evil.example/acme/stacks", false},
		{"git://127.0.0.1:9000/stacks.git", "git://127.0.0.1:9001/stacks.git", false},
		{"", "", false},
	} {
		if got := SameRepo(tc.a, tc.b); got != tc.same {
			t.Errorf("SameRepo(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
	if got := FullName("git@github.com:acme/stacks.git"); got != "acme/stacks" {
		t.Errorf("FullName = %q", got)
	}
}

func TestValidate(t *testing.T) {
	r := Record{Name: "demo", Git: "https://github.com/acme/stacks.git", Path: "./infra/stacks/demo/"}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if r.Branch != DefaultBranch || r.Path != "infra/stacks/demo" {
		t.Errorf("defaults: %+v", r)
	}
	for _, bad := range []Record{
		{Name: "Demo", Git: "https://github.com/a/b"},
		{Name: "demo", Git: "https://github.com/a/b", Path: "../x"},
		{Name: "demo", Git: "https://github.com/a/b", Path: "/etc"},
		{Name: "demo", Git: "https://github.com/a/b", Forge: "bitbucket"},
		{Name: "demo", Git: "https://github.com/a/b", API: "https://api.github.com"},
		{Name: "demo", Git: "https://github.com/a/b", Forge: GitHub, API: "https://u:p@api.github.com"},
		{Name: "demo", Git: "https://github.com/a/b", Branch: "a;b"},
	} {
		if err := bad.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	p := SecretPath(dir, "demo")
	if _, err := ReadSecret(p); !errors.Is(err, ErrNoSecret) {
		t.Fatalf("missing secret: %v", err)
	}
	if err := WriteSecret(p, []byte("s3cret\n")); err != nil {
		t.Fatal(err)
	}
	if err := WriteSecret(p, []byte("s3cret2\n")); err != nil {
		t.Fatalf("replace a 0400 secret: %v", err)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o400 {
		t.Errorf("mode %o", fi.Mode().Perm())
	}
	if b, err := ReadSecret(p); err != nil || string(b) != "s3cret2" {
		t.Errorf("ReadSecret = %q, %v", b, err)
	}
	loose := filepath.Join(dir, "loose")
	os.WriteFile(loose, []byte("x"), 0o644)
	if _, err := ReadSecret(loose); err == nil || !strings.Contains(err.Error(), "chmod 0400") {
		t.Errorf("a world-readable secret: %v", err)
	}
}
