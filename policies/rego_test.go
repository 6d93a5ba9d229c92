package policies

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestRego runs the Rego unit tests (test_ rules in *_test.rego) through
// OPA's tester and fails on any failing, erroring or missing Rego test.
func TestRego(t *testing.T) {
	ctx := context.Background()
	srcs, err := modules("", true)
	if err != nil {
		t.Fatal(err)
	}
	mods := map[string]*ast.Module{}
	for name, src := range srcs {
		m, err := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatal(err)
		}
		mods[name] = m
	}
	ch, err := tester.NewRunner().
		SetModules(mods).
		SetDefaultRegoVersion(ast.RegoV1).
		RaiseBuiltinErrors(true).
		RunTests(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r := range ch {
		n++
		switch {
		case r.Error != nil:
			t.Errorf("%s.%s: error: %v", r.Package, r.Name, r.Error)
		case r.Skip:
			t.Logf("%s.%s: skipped", r.Package, r.Name)
		case r.Fail:
			t.Errorf("%s.%s: FAIL", r.Package, r.Name)
		default:
			t.Logf("%s.%s: PASS (%v)", r.Package, r.Name, r.Duration)
		}
	}
	if n == 0 {
		t.Fatal("no Rego tests ran")
	}
}
