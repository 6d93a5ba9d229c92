//go:build integration

package main_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gitDaemon is a real `git daemon` on loopback serving the bare
// repositories under base, pushes allowed; it is killed (by PID) when the
// test ends.
type gitDaemon struct {
	base string
	addr string
}

func startGitDaemon(t testing.TB) *gitDaemon {
	t.Helper()
	d := &gitDaemon{base: t.TempDir(), addr: freeAddr(t)}
	host, port, _ := net.SplitHostPort(d.addr)
	cmd := exec.Command("git", "daemon", "--export-all", "--enable=receive-pack", "--reuseaddr",
		"--listen="+host, "--port="+port, "--base-path="+d.base, d.base)
	if err := cmd.Start(); err != nil {
		t.Fatalf("git daemon: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("tcp", d.addr); err == nil {
			c.Close()
			return d
		}
		if time.Now().After(deadline) {
			t.Fatal("git daemon did not listen")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// repo makes an empty bare repository name (e.g. acme/stacks.git) and
// returns its git:// URL.
func (d *gitDaemon) repo(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(d.base, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	gitIn(t, dir, "init", "-q", "--bare", "-b", "main")
	return "git://" + d.addr + "/" + name
}

// gitWork is a clone to change and push with the real git CLI.
type gitWork struct {
	t   testing.TB
	dir string
}

func cloneWork(t testing.TB, url string) *gitWork {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "work")
	gitIn(t, filepath.Dir(dir), "clone", "-q", url, dir)
	w := &gitWork{t: t, dir: dir}
	w.git("checkout", "-q", "-B", "main")
	return w
}

func (w *gitWork) git(args ...string) string {
	w.t.Helper()
	return gitIn(w.t, w.dir, args...)
}

// write puts a file into the work tree.
func (w *gitWork) write(rel, data string) {
	w.t.Helper()
	p := filepath.Join(w.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// edit replaces old with new in a file of the work tree, once.
func (w *gitWork) edit(rel, old, new string) {
	w.t.Helper()
	b, err := os.ReadFile(filepath.Join(w.dir, rel))
	if err != nil {
		w.t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		w.t.Fatalf("%s has no %q", rel, old)
	}
	w.write(rel, strings.Replace(string(b), old, new, 1))
}

// commit commits everything and returns the commit id.
func (w *gitWork) commit(msg string) string {
	w.t.Helper()
	w.git("add", "-A")
	w.git("commit", "-q", "-m", msg)
	return w.git("rev-parse", "HEAD")
}

func gitIn(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=Ringmaster Test", "GIT_AUTHOR_EMAIL=test@ringmaster.dev",
		"GIT_COMMITTER_NAME=Ringmaster Test", "GIT_COMMITTER_EMAIL=test@ringmaster.dev")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// copyDir copies a directory tree (files and links).
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	out, err := exec.Command("cp", "-a", src+"/.", dst).CombinedOutput()
	if err != nil {
		t.Fatalf("cp %s: %v\n%s", src, err, out)
	}
}
