package policies

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
)

func checkerFromSrc(tb testing.TB, src string) *Checker {
	ctx := context.Background()
	data, _ := LoadData(dataPath)
	facts, _ := ParseData(data)
	mod := ast.MustParseModuleWithOpts(src, ast.ParserOptions{RegoVersion: ast.RegoV1})
	c := &Checker{compiler: ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1),
		store: inmem.NewFromObjectWithOpts(map[string]any{"compat": facts}, inmem.OptRoundTripOnWrite(false), inmem.OptReturnASTValuesOnRead(true)),
		never: topdown.NewCancel()}
	if c.compiler.Compile(map[string]*ast.Module{"compat.rego": mod}); c.compiler.Failed() {
		tb.Fatal(c.compiler.Errors)
	}
	idx, err := c.eval(ctx, IndexQuery, nil)
	if err != nil {
		tb.Fatal(err)
	}
	storage.WriteOne(ctx, c.store, storage.AddOp, storage.MustParsePath("/compat_index"), idx.Value)
	c.deny, _ = c.compile(DenyQuery)
	root, _ := storage.ReadOne(ctx, c.store, storage.RootPath)
	c.data = dataCache{root.(ast.Value)}
	return c
}

func BenchmarkAblate(b *testing.B) {
	srcb, _ := os.ReadFile("compat.rego")
	src := string(srcb)
	if f := os.Getenv("VARIANT"); f != "" {
		x, _ := os.ReadFile(f)
		src = string(x)
	}
	blocks := strings.Split(src, "\n\n")
	re := regexp.MustCompile(`"rule": "([a-z-]+)"|(.*)`)
	run := func(name, s string) {
		b.Run(name, func(b *testing.B) {
			c := checkerFromSrc(b, s)
			in := demo()
			ctx := context.Background()
			for b.Loop() {
				if _, err := c.Check(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("all", src)
	nodeny := []string{}
	for _, bl := range blocks {
		if !isDeny(bl) {
			nodeny = append(nodeny, bl)
		}
	}
	run("none", strings.Join(nodeny, "\n\n"))
	if os.Getenv("EACH") == "" {
		return
	}
	for i, bl := range blocks {
		if !isDeny(bl) {
			continue
		}
		m := re.FindStringSubmatch(bl)
		var keep []string
		for j, x := range blocks {
			if j != i {
				keep = append(keep, x)
			}
		}
		name := strings.SplitN(strings.SplitN(bl, "_deny contains", 2)[1], "\n", 3)[1]
		run(strings.TrimSpace(m[1]+" "+name), strings.Join(keep, "\n\n"))
	}
}

func isDeny(bl string) bool {
	return strings.HasPrefix(bl, "_deny contains") || strings.Contains(bl, "\n_deny contains")
}
