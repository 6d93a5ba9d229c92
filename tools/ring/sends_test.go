package main_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"ringmaster.dev/events"
)

// TestServicesPublishOnlyWhatTheCatalogDeclares type-checks every service's
// non-test code, with the kit code it runs, and fails when it sends a
// command the events catalog does not name it a sender of (Spec.Senders)
// or emits a fact that is neither its own nor every service's (Spec.Service):
// the NATS server, whose permissions natsserver.Permissions derives from
// the catalog, would refuse it at run time. It fails too when the catalog
// grants a service an event its code never publishes.
//
// What a service publishes is found two ways: every argument of a catalog
// type given as an interface (`any`) to a function or method named Emit,
// EmitAs, Publish or PublishAsync (kit/bus's, or a service's own wrapper;
// not, say, the repo-publisher's Publish of a typed request), and every non-empty
// composite literal of a catalog type in the service's own packages (a
// payload made there and handed on as `any`). A literal of a command the
// service itself handles is an argument to its own handler code, not a
// send; such a command sent through Emit/Publish is still counted.
func TestServicesPublishOnlyWhatTheCatalogDeclares(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks every service: -short skips it")
	}
	payloads := map[string]events.Spec{}
	for _, s := range events.All() {
		payloads[s.GoType().Name()] = s
	}
	for _, svc := range events.Services {
		t.Run(svc, func(t *testing.T) {
			pkgs := listPackages(t, filepath.Join("..", "..", "services", svc), "./cmd/"+svc)
			self := "ringmaster.dev/" + svc
			published := map[string][]string{} // event name → where
			for _, p := range pkgs {
				own := p.ImportPath == self || strings.HasPrefix(p.ImportPath, self+"/")
				if !own && !strings.HasPrefix(p.ImportPath, "ringmaster.dev/kit/") {
					continue
				}
				for name, where := range publishedBy(t, p, pkgs, payloads, own, svc) {
					published[name] = append(published[name], where...)
				}
			}
			if len(published) == 0 {
				t.Fatal("found nothing published: the scan is broken")
			}
			for _, name := range slices.Sorted(maps.Keys(published)) {
				s := payloads[name]
				ok := slices.Contains(s.Senders, svc)
				if s.Kind == events.Fact {
					ok = s.Service == svc || s.Service == events.AnyService
				}
				if !ok {
					what := fmt.Sprintf("sends command %s: add %q to its Senders", s.Name, svc)
					if s.Kind == events.Fact {
						what = fmt.Sprintf("emits fact %s, which is %s's", s.Name, s.Service)
					}
					t.Errorf("%s %s in events/catalog.go (at %s)", svc, what, strings.Join(published[name], ", "))
				}
			}
			// And no more: a declared event the code does not publish is a
			// right nobody needs.
			for _, s := range append(events.SentBy(svc), events.EmittedBy(svc)...) {
				if _, ok := published[s.GoType().Name()]; !ok {
					t.Errorf("%s is declared to publish %s %s, but its code does not (or this scan misses how): drop it from events/catalog.go", svc, s.Kind, s.Name)
				}
			}
			t.Logf("%s publishes %v", svc, slices.Sorted(maps.Keys(published)))
		})
	}
}

// listedPackage is what `go list -json` says of a package.
type listedPackage struct {
	ImportPath string
	Dir        string
	Export     string
	GoFiles    []string
}

// listPackages lists pattern and its dependencies from dir, with export
// data for the importer.
func listPackages(t *testing.T, dir, pattern string) map[string]listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-export", "-json=ImportPath,Dir,Export,GoFiles", pattern)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list in %s: %v\n%s", dir, err, stderr.String())
	}
	pkgs := map[string]listedPackage{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

// publishedBy type-checks p and returns the catalog payload types (by Go
// name) it publishes, with the positions.
func publishedBy(t *testing.T, p listedPackage, all map[string]listedPackage, payloads map[string]events.Spec, own bool, svc string) map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	for _, f := range p.GoFiles {
		file, err := parser.ParseFile(fset, filepath.Join(p.Dir, f), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, file)
	}
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		dep, ok := all[path]
		if !ok || dep.Export == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(dep.Export)
	})
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{}}
	if _, err := (&types.Config{Importer: imp}).Check(p.ImportPath, fset, files, info); err != nil {
		t.Fatalf("type-check %s: %v", p.ImportPath, err)
	}
	// catalog is the event name of a payload type (T or *T), if it is one.
	catalog := func(typ types.Type) (string, bool) {
		if ptr, ok := typ.(*types.Pointer); ok {
			typ = ptr.Elem()
		}
		named, ok := typ.(*types.Named)
		if !ok || named.Obj().Pkg() == nil || named.Obj().Pkg().Path() != "ringmaster.dev/events" {
			return "", false
		}
		_, ok = payloads[named.Obj().Name()]
		return named.Obj().Name(), ok
	}
	out := map[string][]string{}
	for _, file := range files {
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				var id *ast.Ident
				switch fn := n.Fun.(type) {
				case *ast.SelectorExpr:
					id = fn.Sel
				case *ast.Ident:
					id = fn
				}
				if id == nil || !slices.Contains([]string{"Emit", "EmitAs", "Publish", "PublishAsync"}, id.Name) {
					return true
				}
				if _, isFunc := info.Uses[id].(*types.Func); !isFunc {
					return true
				}
				sig, _ := info.Types[n.Fun].Type.(*types.Signature)
				if sig == nil {
					return true
				}
				for i, arg := range n.Args {
					if !types.IsInterface(param(sig, i)) {
						continue // a typed parameter: not a payload handed to the bus (e.g. Publisher.Publish)
					}
					if name, ok := catalog(info.Types[arg].Type); ok {
						out[name] = append(out[name], fset.Position(arg.Pos()).String())
					}
				}
			case *ast.CompositeLit:
				if !own || len(n.Elts) == 0 {
					return true
				}
				name, ok := catalog(info.Types[n].Type)
				if !ok {
					return true
				}
				if s := payloads[name]; s.Kind == events.Command && (s.Service == svc || s.Service == events.AnyService) {
					return true
				}
				out[name] = append(out[name], fset.Position(n.Pos()).String())
			}
			return true
		})
	}
	return out
}

// param is the type of a call's i-th argument's parameter.
func param(sig *types.Signature, i int) types.Type {
	n := sig.Params().Len()
	if sig.Variadic() && i >= n-1 {
		return sig.Params().At(n - 1).Type().(*types.Slice).Elem()
	}
	if i >= n {
		return nil
	}
	return sig.Params().At(i).Type()
}
