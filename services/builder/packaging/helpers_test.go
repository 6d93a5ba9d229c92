package packaging

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"ringmaster.dev/kit/stack"
)

const fixture = "../../../infra/stacks/fixture/stack.yaml"

func loadFixture(t *testing.T) (lib, daemon *stack.Component) {
	t.Helper()
	s, err := stack.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	return s.Components[0], s.Components[1]
}

// stageFiles stages the fixture's build output without compiling: a fake
// shared object and a shell script standing in for the daemon.
func stageFiles(t *testing.T) (libDir, daemonDir string) {
	t.Helper()
	libDir, daemonDir = t.TempDir(), t.TempDir()
	writeFileT(t, libDir, "lib/libringhello.so.1", "not really ELF\n", 0o775)
	writeFileT(t, libDir, "include/ringhello.h", "const char *ringhello_greeting(const char *name);\n", 0o664)
	writeFileT(t, daemonDir, "bin/ringhellod", "#!/bin/sh\necho hello, ringmaster\n", 0o700)
	writeFileT(t, daemonDir, "conf/ringhello.conf", "name=ringmaster\n", 0o600)
	// mtimes of staged files must not matter
	now := time.Now()
	os.Chtimes(filepath.Join(daemonDir, "bin/ringhellod"), now, now)
	return libDir, daemonDir
}

func writeFileT(t *testing.T, dir, rel, body string, mode os.FileMode) {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func distroFor(f Format) string {
	if f == RPM {
		return "rockylinux-9"
	}
	return "debian-12"
}
