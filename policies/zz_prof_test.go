package policies

import (
	"context"
	"fmt"
	"testing"

	"github.com/open-policy-agent/opa/v1/profiler"
	"github.com/open-policy-agent/opa/v1/rego"
)

func TestZZProfile(t *testing.T) {
	c := newChecker(t)
	p := profiler.New()
	in := demo()
	for i := 0; i < 2000; i++ {
		_, err := c.pq.Eval(context.Background(), rego.EvalParsedInput(in.value()), rego.EvalQueryTracer(p))
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range p.ReportTopNResults(40, []string{"total_time_ns", "num_eval"}) {
		fmt.Printf("%8d ns %6d evals %4d redo  %s:%d\n", r.ExprTimeNs/2000, r.NumEval/2000, r.NumRedo/2000, r.Location.File, r.Location.Row)
	}
}
