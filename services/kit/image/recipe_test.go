package image

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadRejectsBadRecipes(t *testing.T) {
	for name, body := range map[string]string{
		"unknown field": "name: bad\npackages: [a1]\ncolour: red\n",
		"bad package":   "name: bad\npackages: [\"rm -rf\"]\n",
		"wrong file":    "name: other\npackages: [a1]\n",
		"bad distro":    "name: bad\npackages: [a1]\ndistro_packages:\n  plan9-4: [x1]\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			_ = os.WriteFile(filepath.Join(dir, "distros.yaml"), []byte("debian-12:\n  suite: bookworm\n  mirror: http://deb.debian.org/debian\n"), 0o644)
			_ = os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(body), 0o644)
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), "bad.yaml") || strings.Contains(err.Error(), "]") {
				t.Fatalf("err = %v", err)
			}
			t.Log(err)
		})
	}
}

func TestProjectRecipesAndTags(t *testing.T) {
	rec, err := Load("../../../infra/images")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"base", "toolchain", "node"} {
		for _, d := range []string{"debian-11", "debian-12"} {
			s, err := rec.Spec(name, d)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := rec.Spec(name, d)
			if s.Tag != again.Tag || !strings.HasPrefix(s.Tag, Repository+name+":"+d+"-") {
				t.Fatalf("tag %q unstable or malformed", s.Tag)
			}
		}
	}
	a, _ := rec.Spec("node", "debian-11")
	b, _ := rec.Spec("node", "debian-12")
	if a.Hash == b.Hash {
		t.Fatal("different distros share a hash")
	}
	if _, err := rec.Spec("nope", "debian-12"); err == nil {
		t.Fatal("unknown recipe accepted")
	}
}
