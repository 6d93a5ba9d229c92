package policies

import (
	"context"
	"math/rand"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// versionCases are versions worth comparing Go's parsing with the policy's.
func versionCases() []string {
	vs := []string{
		"3.8.0", "3.8", "3", "3.9.1-rc1", "3.9.1+build.5", "3.9.1~pre", "7.0.15",
		"3.10.0", "3.9.99", "01.002.0003", "0", "0.0.0.0.0", "1.2.3.4.5.6",
		"1-", "1+", "1~x.y-z+w", "1-rc_1", "1-rc 1", "1.2-", "3..8", "3.", ".3",
		"", "latest", "v3.8.0", " 3.8.0", "3.8.0 ", "3.8.0\n", "3.8.0\nx", "3,8",
		"3.8.0-ünïcode", "١٢٣", "1e3", "1.2e3", "-1", "+1", "~1", "1.-2", "1.+2",
		"99999999999999999999.1", "18446744073709551616.0.1",
		strings.Repeat("9", 400) + ".1", "1." + strings.Repeat("9", 400), "1.2.3.4." + strings.Repeat("9", 400),
	}
	r := rand.New(rand.NewSource(1))
	const alphabet = "0123456789..-+~a\n "
	for range 300 {
		b := make([]byte, 1+r.Intn(8))
		for i := range b {
			b[i] = alphabet[r.Intn(len(alphabet))]
		}
		vs = append(vs, string(b))
	}
	return vs
}

// TestVersionsMatchRego checks that validVersion and versionKey give what the
// policy's valid_version and vkey give, which input.version_keys and
// input.invalid_versions stand in for.
func TestVersionsMatchRego(t *testing.T) {
	ctx := context.Background()
	srcs, err := Modules()
	if err != nil {
		t.Fatal(err)
	}
	prepare := func(q string) rego.PreparedEvalQuery {
		opts := []func(*rego.Rego){rego.Query(q), rego.SetRegoVersion(ast.RegoV1)}
		for name, src := range srcs {
			opts = append(opts, rego.Module(name, src))
		}
		pq, err := rego.New(opts...).PrepareForEval(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return pq
	}
	valid := prepare("data.ringmaster.compat.valid_version(input)")
	key := prepare("x := data.ringmaster.compat.vkey(input)")
	for _, v := range versionCases() {
		rs, err := valid.Eval(ctx, rego.EvalInput(v))
		if err != nil {
			t.Fatal(err)
		}
		if want := len(rs) == 1; validVersion(v) != want {
			t.Errorf("validVersion(%q) = %v, valid_version: %v", v, !want, want)
		}
		if !validVersion(v) {
			continue
		}
		rs, err = key.Eval(ctx, rego.EvalInput(v), rego.EvalGenerateJSON(keepTerm))
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) == 0 {
			t.Errorf("vkey(%q) undefined", v)
			continue
		}
		if got, want := versionKey(v), rs[0].Bindings["x"].(*ast.Term); !got.Equal(want) {
			t.Errorf("versionKey(%q) = %v, vkey: %v", v, got, want)
		}
	}
}

// keepTerm leaves rego results as AST terms.
func keepTerm(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil }
