package policies

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
	"sigs.k8s.io/yaml"
)

// Files holds the Rego policies and their Rego unit tests.
//
//go:embed *.rego
var Files embed.FS

// Query is the decision the Checker evaluates.
const Query = "data.ringmaster.compat.decision"

// DefaultDataPath is where the compatibility facts live, relative to the
// repository root.
const DefaultDataPath = "infra/compat/compat.json"

// Input is a requested cluster.
type Input struct {
	Stack      string            `json:"stack"`
	Components map[string]string `json:"components"`
	Distro     string            `json:"distro"`
	Roles      map[string]int    `json:"roles"`
	Nodes      int               `json:"nodes"`
	Kerberos   bool              `json:"kerberos"`
	MemoryMB   int               `json:"memory_mb_per_node"`
}

// Reason is one reason a cluster is denied.
type Reason struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

func (r Reason) String() string { return r.Rule + ": " + r.Message }

// Decision is the policy's answer.
type Decision struct {
	Allow bool     `json:"allow"`
	Deny  []Reason `json:"deny"`
}

// Checker evaluates the compatibility policy; its query is prepared once and
// it is safe for concurrent use.
type Checker struct {
	pq    rego.PreparedEvalQuery
	never topdown.Cancel // for contexts that cannot be cancelled
}

// Modules returns the embedded policy modules (without the _test files) by
// file name.
func Modules() (map[string]string, error) {
	return modules(false)
}

func modules(withTests bool) (map[string]string, error) {
	names, err := fs.Glob(Files, "*.rego")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, n := range names {
		if !withTests && len(n) > len("_test.rego") && n[len(n)-len("_test.rego"):] == "_test.rego" {
			continue
		}
		b, err := Files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out[n] = string(b)
	}
	return out, nil
}

// ParseData checks a compatibility-facts document (compat.json) and returns it
// as a value for data.compat.
func ParseData(data []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var facts map[string]any
	if err := d.Decode(&facts); err != nil {
		return nil, fmt.Errorf("compatibility data: %w", err)
	}
	v, ok := facts["version"].(json.Number)
	if !ok || v.String() != "1" {
		return nil, fmt.Errorf("compatibility data: version %v is not supported (want 1)", facts["version"])
	}
	for _, k := range []string{"versions", "roles", "memory", "distros"} {
		if _, ok := facts[k].(map[string]any); !ok {
			return nil, fmt.Errorf("compatibility data: %q must be an object", k)
		}
	}
	return facts, nil
}

// LoadData reads a compatibility-facts document from path.
func LoadData(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if _, err := ParseData(b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// IndexQuery is the part of the policy New evaluates once over the facts and
// stores as data.compat_index, so decisions look it up instead of computing it.
const IndexQuery = "data.ringmaster.compat.index"

// New compiles the embedded policy with data (the contents of compat.json)
// under data.compat, evaluates its index once into data.compat_index and
// prepares the decision query.
func New(ctx context.Context, data []byte) (*Checker, error) {
	facts, err := ParseData(data)
	if err != nil {
		return nil, err
	}
	mods, err := Modules()
	if err != nil {
		return nil, err
	}
	store := inmem.NewFromObjectWithOpts(map[string]any{"compat": facts},
		inmem.OptRoundTripOnWrite(false), inmem.OptReturnASTValuesOnRead(true))
	opts := []func(*rego.Rego){
		rego.Store(store),
		rego.SetRegoVersion(ast.RegoV1),
	}
	for name, src := range mods {
		opts = append(opts, rego.Module(name, src))
	}
	r := rego.New(append(opts, rego.Query(IndexQuery))...)
	idx, err := evalTerm(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("policy index: %w", err)
	}
	if err := storage.WriteOne(ctx, store, storage.AddOp, storage.MustParsePath("/compat_index"), idx.Value); err != nil {
		return nil, fmt.Errorf("policy index: %w", err)
	}
	pq, err := rego.New(append(opts, rego.Query(Query))...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare policy: %w", err)
	}
	return &Checker{pq: pq, never: topdown.NewCancel()}, nil
}

func evalTerm(ctx context.Context, r *rego.Rego) (*ast.Term, error) {
	pq, err := r.PrepareForEval(ctx)
	if err != nil {
		return nil, err
	}
	rs, err := pq.Eval(ctx, rego.EvalGenerateJSON(keepTerm))
	if err != nil {
		return nil, err
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return nil, errors.New("undefined")
	}
	return rs[0].Expressions[0].Value.(*ast.Term), nil
}

// keepTerm leaves a result as the AST term it is, saving the conversion to
// Go values.
func keepTerm(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil }

var noMetrics = metrics.NoOp()

// Check evaluates the policy for one requested cluster.
func (c *Checker) Check(ctx context.Context, in Input) (Decision, error) {
	opts := []rego.EvalOption{
		rego.EvalParsedInput(in.value()),
		rego.EvalGenerateJSON(keepTerm),
		rego.EvalMetrics(noMetrics),
	}
	if ctx.Done() == nil {
		// Nothing can cancel ctx: skip the goroutine OPA starts per
		// evaluation to watch it.
		opts = append(opts, rego.EvalExternalCancel(c.never))
	}
	rs, err := c.pq.Eval(ctx, opts...)
	if err != nil {
		return Decision{}, err
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return Decision{}, errors.New("policy: no decision")
	}
	return decode(rs[0].Expressions[0].Value.(*ast.Term))
}

// value builds the input as an AST value directly (no JSON round trip), with
// the versions parsed (version_keys, invalid_versions; see compat.rego).
func (in Input) value() ast.Value {
	comps := make([][2]*ast.Term, 0, len(in.Components))
	for k, v := range in.Components {
		comps = append(comps, ast.Item(ast.StringTerm(k), ast.StringTerm(v)))
	}
	roles := make([][2]*ast.Term, 0, len(in.Roles))
	for k, v := range in.Roles {
		roles = append(roles, ast.Item(ast.StringTerm(k), ast.IntNumberTerm(v)))
	}
	keys, invalid := versionTerms(in.Components)
	return ast.NewObject(
		ast.Item(ast.StringTerm("stack"), ast.StringTerm(in.Stack)),
		ast.Item(ast.StringTerm("components"), ast.NewTerm(ast.NewObject(comps...))),
		ast.Item(ast.StringTerm("distro"), ast.StringTerm(in.Distro)),
		ast.Item(ast.StringTerm("roles"), ast.NewTerm(ast.NewObject(roles...))),
		ast.Item(ast.StringTerm("nodes"), ast.IntNumberTerm(in.Nodes)),
		ast.Item(ast.StringTerm("kerberos"), ast.BooleanTerm(in.Kerberos)),
		ast.Item(ast.StringTerm("memory_mb_per_node"), ast.IntNumberTerm(in.MemoryMB)),
		ast.Item(ast.StringTerm("version_keys"), keys),
		ast.Item(ast.StringTerm("invalid_versions"), invalid),
	)
}

var (
	allowKey   = ast.StringTerm("allow")
	denyKey    = ast.StringTerm("deny")
	ruleKey    = ast.StringTerm("rule")
	messageKey = ast.StringTerm("message")
)

func decode(t *ast.Term) (Decision, error) {
	m, ok := t.Value.(ast.Object)
	if !ok {
		return Decision{}, fmt.Errorf("policy: decision is %v, not an object", ast.ValueName(t.Value))
	}
	var d Decision
	allow, ok := termValue(m, allowKey).(ast.Boolean)
	if !ok {
		return Decision{}, errors.New("policy: decision has no boolean allow")
	}
	d.Allow = bool(allow)
	deny, _ := termValue(m, denyKey).(ast.Set)
	if deny != nil {
		d.Deny = make([]Reason, 0, deny.Len())
		err := deny.Iter(func(x *ast.Term) error {
			r, _ := x.Value.(ast.Object)
			var rule, msg ast.String
			if r != nil {
				rule, _ = termValue(r, ruleKey).(ast.String)
				msg, _ = termValue(r, messageKey).(ast.String)
			}
			if rule == "" || msg == "" {
				return fmt.Errorf("policy: deny reason without rule or message: %v", x)
			}
			d.Deny = append(d.Deny, Reason{Rule: string(rule), Message: string(msg)})
			return nil
		})
		if err != nil {
			return Decision{}, err
		}
	}
	if len(d.Deny) == 0 {
		d.Deny = nil
	}
	sort.Slice(d.Deny, func(i, j int) bool {
		if d.Deny[i].Rule != d.Deny[j].Rule {
			return d.Deny[i].Rule < d.Deny[j].Rule
		}
		return d.Deny[i].Message < d.Deny[j].Message
	})
	if d.Allow && len(d.Deny) > 0 {
		return Decision{}, errors.New("policy: allow with deny reasons")
	}
	return d, nil
}

// termValue is o[k]'s value, nil when o has no k.
func termValue(o ast.Object, k *ast.Term) ast.Value {
	if v := o.Get(k); v != nil {
		return v.Value
	}
	return nil
}

// ParseInput reads a cluster spec in JSON or YAML; unknown fields are errors.
func ParseInput(b []byte) (Input, error) {
	var in Input
	if err := yaml.UnmarshalStrict(b, &in); err != nil {
		return Input{}, fmt.Errorf("cluster spec: %w", err)
	}
	return in, nil
}

// LoadInput reads a cluster spec (JSON or YAML) from path.
func LoadInput(path string) (Input, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Input{}, err
	}
	in, err := ParseInput(b)
	if err != nil {
		return Input{}, fmt.Errorf("%s: %w", path, err)
	}
	return in, nil
}
