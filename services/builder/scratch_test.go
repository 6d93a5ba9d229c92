package builder

import (
	"os"
	"path/filepath"
	"testing"
)

// TestScratchPerAttempt: two attempts at one command (a redelivery while the
// first runs) get a directory each, and the second leaves the first's files
// alone; the next builder on the work directory removes both.
func TestScratchPerAttempt(t *testing.T) {
	b := &Builder{WorkDir: t.TempDir()}
	first, err := b.scratch("cells", "run-1/cell.build.requested/ringhello/debian-12")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(first, "out", "bin")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	second, err := b.scratch("cells", "run-1/cell.build.requested/ringhello/debian-12")
	if err != nil {
		t.Fatal(err)
	}
	if second == first {
		t.Fatalf("both attempts got %s", first)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatalf("the second attempt removed the first's files: %v", err)
	}
	if err := b.removeScratch(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{first, second} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s left after removeScratch: %v", d, err)
		}
	}
}
