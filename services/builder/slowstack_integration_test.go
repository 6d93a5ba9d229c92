//go:build integration

package builder_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// slowStack writes a stack named name under a new stacks directory, for
// debian-12, whose components each sleep for secs in their toolchain
// container and install a README; it returns the stacks directory.
func slowStack(t *testing.T, name string, secs int, components ...string) string {
	t.Helper()
	stacks := t.TempDir()
	dir := filepath.Join(stacks, name)
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "src", "README"), []byte("slow\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("name: " + name + "\ndistros: [debian-12]\ncomponents:\n")
	for _, c := range components {
		b.WriteString(`  - name: ` + c + `
    version: "1.0"
    summary: takes its time
    license: MIT
    maintainer: Test <test@example.org>
    sources: [{dir: src}]
    build:
      image: toolchain
      commands: ["sleep ` + strconv.Itoa(secs) + `", "mkdir -p $OUT/share && cp README $OUT/share/"]
    install: [{src: share/README, dst: /usr/share/` + c + `/README}]
`)
	}
	if err := os.WriteFile(filepath.Join(dir, "stack.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return stacks
}
