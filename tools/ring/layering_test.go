package main_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// TestServicesImportOnlySharedModules: a service imports only kit, events and
// policies (and its own packages), never another service's, so each can be
// built, deployed and read on its own; tools/ring composes them. Code two
// services need belongs in kit (or events, for wire types).
func TestServicesImportOnlySharedModules(t *testing.T) {
	services, err := filepath.Glob("../../services/*/go.mod")
	if err != nil || len(services) < 6 {
		t.Fatalf("service modules: %v, %v", services, err)
	}
	allowed := map[string]bool{"ringmaster.dev/kit": true, "ringmaster.dev/events": true, "ringmaster.dev/policies": true}
	for _, gomod := range services {
		dir := filepath.Dir(gomod)
		data, err := os.ReadFile(gomod)
		if err != nil {
			t.Fatal(err)
		}
		mf, err := modfile.ParseLax(gomod, data, nil)
		if err != nil {
			t.Fatal(err)
		}
		self := mf.Module.Mod.Path
		ok := func(path string) bool {
			if !strings.HasPrefix(path, "ringmaster.dev/") || path == self || strings.HasPrefix(path, self+"/") {
				return true
			}
			mod := strings.Join(strings.SplitN(path, "/", 3)[:2], "/")
			return allowed[mod] && (self != "ringmaster.dev/kit" || mod == "ringmaster.dev/events")
		}
		for _, r := range mf.Require {
			if !ok(r.Mod.Path) {
				t.Errorf("%s requires %s: a service depends only on kit, events and policies", gomod, r.Mod.Path)
			}
		}
		err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
				return err
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if !ok(p) {
					t.Errorf("%s imports %s: move what it needs into kit (or events), see docs/architecture.md", path, p)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
