package cluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestMoveScriptManyFiles runs the rename script WriteFiles sends with more
// than nine files: positional parameters past $9 need braces.
// (Ownership is the test's own user: chown to it needs no privilege.)
func TestMoveScriptManyFiles(t *testing.T) {
	dir := t.TempDir()
	var files []File
	for i := 0; i < 12; i++ {
		files = append(files, File{Path: filepath.Join(dir, fmt.Sprintf("f%02d", i)), UID: os.Getuid(), GID: os.Getgid()})
	}
	script, args := moveScript(files), []string(nil)
	for _, f := range files {
		tmp := tempName(f.Path, ".t")
		if err := os.WriteFile(tmp, []byte(f.Path), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, tmp, f.Path, fmt.Sprintf("%d:%d", f.UID, f.GID))
	}
	if out, err := exec.Command("sh", append([]string{"-c", script, "sh"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, f := range files {
		b, err := os.ReadFile(f.Path)
		if err != nil || string(b) != f.Path {
			t.Fatalf("%s: %q %v", f.Path, b, err)
		}
	}
}
