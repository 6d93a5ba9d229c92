package policies

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
)

func checkerFromSrc(tb testing.TB, src string) *Checker {
	ctx := context.Background()
	data, _ := LoadData(dataPath)
	facts, _ := ParseData(data)
	store := inmem.NewFromObjectWithOpts(map[string]any{"compat": facts},
		inmem.OptRoundTripOnWrite(false), inmem.OptReturnASTValuesOnRead(true))
	opts := []func(*rego.Rego){rego.Store(store), rego.SetRegoVersion(ast.RegoV1), rego.Module("compat.rego", src)}
	idx, err := evalTerm(ctx, rego.New(append(opts, rego.Query(IndexQuery))...))
	if err != nil {
		tb.Fatal(err)
	}
	storage.WriteOne(ctx, store, storage.AddOp, storage.MustParsePath("/compat_index"), idx.Value)
	pq, err := rego.New(append(opts, rego.Query(Query))...).PrepareForEval(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	return &Checker{pq: pq, never: topdown.NewCancel()}
}

func BenchmarkAblate(b *testing.B) {
	srcb, _ := os.ReadFile("compat.rego")
	src := string(srcb)
	if f := os.Getenv("VARIANT"); f != "" {
		x, _ := os.ReadFile(f)
		src = string(x)
	}
	blocks := strings.Split(src, "\n\n")
	re := regexp.MustCompile(`"rule": "([a-z-]+)"`)
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
		if !strings.HasPrefix(bl, "deny contains") {
			nodeny = append(nodeny, bl)
		}
	}
	run("none", strings.Join(nodeny, "\n\n"))
	if os.Getenv("EACH") == "" {
		return
	}
	for i, bl := range blocks {
		if !strings.HasPrefix(bl, "deny contains") {
			continue
		}
		m := re.FindStringSubmatch(bl)
		var keep []string
		for _, x := range nodeny {
			keep = append(keep, x)
		}
		keep = append(keep, bl)
		run(m[1]+"-"+string(rune('a'+i%26)), strings.Join(keep, "\n\n"))
	}
}
