package policies

import (
	"context"
	"fmt"
	"os"
	"sort"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/topdown"
)

func TestZZInstr(t *testing.T) {
	srcb, _ := os.ReadFile("compat.rego")
	src := string(srcb)
	if f := os.Getenv("VARIANT"); f != "" {
		x, _ := os.ReadFile(f)
		src = string(x)
	}
	c := checkerFromSrc(t, src)
	ctx := context.Background()
	in := demo()
	for i := 0; i < 3; i++ {
		m := metrics.New()
		txn, _ := c.store.NewTransaction(ctx)
		instr := topdown.NewInstrumentation(m)
		err := topdown.NewQuery(c.deny).WithCompiler(c.compiler).WithStore(c.store).WithTransaction(txn).WithInput(ast.NewTerm(in.value())).WithInstrumentation(instr).WithMetrics(m).
			Iter(ctx, func(qr topdown.QueryResult) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		if i < 2 {
			continue
		}
		all := m.All()
		keys := []string{}
		for k := range all {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := all[k]
			if h, ok := v.(map[string]any); ok {
				v = fmt.Sprintf("count=%v median=%v", h["count"], h["median"])
			}
			fmt.Println(k, v)
		}
	}
}
