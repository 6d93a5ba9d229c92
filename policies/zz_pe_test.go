package policies

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
)

func peChecker(tb testing.TB, src string, show bool) *Checker {
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
	pr, err := rego.New(append(opts, rego.Query(Query))...).PartialResult(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	r := pr.Rego()
	if show {
		for _, m := range r2mods(r) {
			fmt.Println(m)
		}
	}
	pq, err := r.PrepareForEval(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	return &Checker{pq: pq, never: topdown.NewCancel()}
}

func r2mods(r *rego.Rego) []string { return nil }

func BenchmarkPE(b *testing.B) {
	srcb, _ := os.ReadFile("compat.rego")
	c := peChecker(b, string(srcb), false)
	in := demo()
	ctx := context.Background()
	d, err := c.Check(ctx, in)
	fmt.Println(d, err)
	for b.Loop() {
		if _, err := c.Check(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
