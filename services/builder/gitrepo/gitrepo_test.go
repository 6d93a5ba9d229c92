package gitrepo

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// git runs the real git CLI in dir and returns its trimmed output.
func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func write(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
}

func TestCheckout(t *testing.T) {
	work := t.TempDir()
	runGit(t, work, "init", "-q", "-b", "main")
	write(t, filepath.Join(work, "stacks/x/stack.yaml"), "name: x\n", 0o644)
	write(t, filepath.Join(work, "stacks/x/bin/run"), "#!/bin/sh\n", 0o755)
	write(t, filepath.Join(work, "shared/patch.diff"), "--- a\n", 0o644)
	if err := os.Symlink("../../shared", filepath.Join(work, "stacks/x/patches")); err != nil {
		t.Fatal(err)
	}
	runGit(t, work, "add", "-A")
	runGit(t, work, "commit", "-q", "-m", "one")
	first := runGit(t, work, "rev-parse", "HEAD")
	url := "file://" + work

	c := &Cache{Dir: filepath.Join(t.TempDir(), "git")}
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "a")
	got, err := c.Checkout(ctx, Request{URL: url, Commit: first, Ref: "refs/heads/main"}, dest)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Fetched || got.Files != 4 {
		t.Errorf("first checkout: %+v, want fetched, 4 files", got)
	}
	if fi, err := os.Stat(filepath.Join(dest, "stacks/x/bin/run")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("executable: %v %v", fi, err)
	}
	if b, err := os.ReadFile(filepath.Join(dest, "stacks/x/patches/patch.diff")); err != nil || string(b) != "--- a\n" {
		t.Errorf("through the link: %q %v", b, err)
	}

	// The same commit again: no fetch.
	got, err = c.Checkout(ctx, Request{URL: url, Commit: first}, filepath.Join(t.TempDir(), "b"))
	if err != nil || got.Fetched {
		t.Errorf("second checkout: %+v %v, want no fetch", got, err)
	}

	// A new commit on a branch: fetched into the same clone.
	runGit(t, work, "checkout", "-q", "-b", "dev")
	write(t, filepath.Join(work, "stacks/x/stack.yaml"), "name: x2\n", 0o644)
	runGit(t, work, "commit", "-q", "-am", "two")
	second := runGit(t, work, "rev-parse", "HEAD")
	dest = filepath.Join(t.TempDir(), "c")
	if got, err = c.Checkout(ctx, Request{URL: url, Commit: second, Ref: "refs/heads/dev"}, dest); err != nil || !got.Fetched {
		t.Fatalf("new commit: %+v %v", got, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dest, "stacks/x/stack.yaml")); string(b) != "name: x2\n" {
		t.Errorf("second commit's file: %q", b)
	}
	if _, err := os.Stat(filepath.Join(c.ClonePath(url), "objects")); err != nil {
		t.Errorf("bare clone: %v", err)
	}

	// An annotated tag's object stands for the commit it tags.
	runGit(t, work, "tag", "-a", "v1", "-m", "release", second)
	tagObject := runGit(t, work, "rev-parse", "v1")
	dest = filepath.Join(t.TempDir(), "t")
	if _, err := c.Checkout(ctx, Request{URL: url, Commit: tagObject, Ref: "refs/tags/v1"}, dest); err != nil {
		t.Fatalf("tag object %s: %v", tagObject[:8], err)
	}
	if b, _ := os.ReadFile(filepath.Join(dest, "stacks/x/stack.yaml")); string(b) != "name: x2\n" {
		t.Errorf("the tagged commit's file: %q", b)
	}

	// A commit nobody has.
	_, err = c.Checkout(ctx, Request{URL: url, Commit: strings.Repeat("ab", 20)}, filepath.Join(t.TempDir(), "d"))
	if !errors.Is(err, ErrCommit) {
		t.Errorf("unknown commit: %v, want ErrCommit", err)
	}
	// Not a commit id.
	for _, bad := range []string{"HEAD", "main", strings.Repeat("A", 40), "../" + first[:37]} {
		if _, err := c.Checkout(ctx, Request{URL: url, Commit: bad}, filepath.Join(t.TempDir(), "e")); !errors.Is(err, ErrBadRequest) {
			t.Errorf("commit %q: %v, want ErrBadRequest", bad, err)
		}
	}
}

func TestCheckoutRefusesLinksOut(t *testing.T) {
	work := t.TempDir()
	runGit(t, work, "init", "-q", "-b", "main")
	write(t, filepath.Join(work, "stack.yaml"), "name: x\n", 0o644)
	if err := os.Symlink("/etc/passwd", filepath.Join(work, "passwd")); err != nil {
		t.Fatal(err)
	}
	runGit(t, work, "add", "-A")
	runGit(t, work, "commit", "-q", "-m", "one")
	abs := runGit(t, work, "rev-parse", "HEAD")
	os.Remove(filepath.Join(work, "passwd"))
	if err := os.Symlink("../../../etc/shadow", filepath.Join(work, "shadow")); err != nil {
		t.Fatal(err)
	}
	runGit(t, work, "add", "-A")
	runGit(t, work, "commit", "-q", "-m", "two")
	rel := runGit(t, work, "rev-parse", "HEAD")
	c := &Cache{Dir: filepath.Join(t.TempDir(), "git")}
	for _, commit := range []string{abs, rel} {
		_, err := c.Checkout(context.Background(), Request{URL: "file://" + work, Commit: commit}, filepath.Join(t.TempDir(), "x"))
		if !errors.Is(err, ErrTree) {
			t.Errorf("commit %s: %v, want ErrTree", commit[:8], err)
		}
	}
}
