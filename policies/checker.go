package policies

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// DenyQuery is what Check evaluates: the policy's deny reasons. The policy
// allows exactly when there are none (allow if count(deny) == 0), so Check
// sets Decision.Allow from them; asking for deny alone saves evaluating allow
// and building the decision object on every call.
const DenyQuery = "data.ringmaster.compat.deny"

// IndexQuery is the part of the policy New evaluates once over the facts and
// stores as data.compat_index, so decisions look it up instead of computing it.
const IndexQuery = "data.ringmaster.compat.index"

// Checker evaluates the compatibility policy; it is compiled once and safe for
// concurrent use.
type Checker struct {
	compiler *ast.Compiler
	store    storage.Store
	data     dataCache            // what the store holds, for reads without it
	names    map[string]*ast.Term // see factNames; read only
	deny     ast.Body             // compiled `x = data.ringmaster.compat.deny`
	never    topdown.Cancel       // for contexts that cannot be cancelled
}

var (
	resultVar = ast.Var("x")
	noMetrics = metrics.NoOp()
)

// New compiles the embedded policy with data (the contents of compat.json)
// under data.compat, evaluates its index once into data.compat_index and
// compiles the deny query.
func New(ctx context.Context, data []byte) (*Checker, error) {
	facts, err := ParseData(data)
	if err != nil {
		return nil, err
	}
	srcs, err := Modules()
	if err != nil {
		return nil, err
	}
	mods := map[string]*ast.Module{}
	for name, src := range srcs {
		if mods[name], err = ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1}); err != nil {
			return nil, err
		}
	}
	c := &Checker{
		compiler: ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1),
		store: inmem.NewFromObjectWithOpts(map[string]any{"compat": facts},
			inmem.OptRoundTripOnWrite(false), inmem.OptReturnASTValuesOnRead(true)),
		never: topdown.NewCancel(),
		names: factNames(facts),
	}
	if c.compiler.Compile(mods); c.compiler.Failed() {
		return nil, fmt.Errorf("compile policy: %w", c.compiler.Errors)
	}
	idx, err := c.eval(ctx, IndexQuery, nil)
	if err != nil {
		return nil, fmt.Errorf("policy index: %w", err)
	}
	if err := storage.WriteOne(ctx, c.store, storage.AddOp, storage.MustParsePath("/compat_index"), idx.Value); err != nil {
		return nil, fmt.Errorf("policy index: %w", err)
	}
	if c.deny, err = c.compile(DenyQuery); err != nil {
		return nil, err
	}
	root, err := storage.ReadOne(ctx, c.store, storage.RootPath)
	if err != nil {
		return nil, err
	}
	v, ok := root.(ast.Value)
	if !ok {
		return nil, fmt.Errorf("policy data is %T, not an AST value", root)
	}
	c.data = dataCache{v}
	return c, nil
}

func (c *Checker) compile(query string) (ast.Body, error) {
	body, err := ast.ParseBodyWithOpts("x = "+query, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return nil, err
	}
	return c.compiler.QueryCompiler().Compile(body)
}

// eval evaluates query (a ref) for input (nil for none).
func (c *Checker) eval(ctx context.Context, query string, input *ast.Term) (*ast.Term, error) {
	body, err := c.compile(query)
	if err != nil {
		return nil, err
	}
	return c.run(ctx, body, input)
}

// run evaluates a compiled query `x = ref` and returns x; it is what
// rego.PreparedEvalQuery.Eval does, without the per-call options, metrics,
// cancellation goroutine and conversion of the result to Go values.
func (c *Checker) run(ctx context.Context, body ast.Body, input *ast.Term) (*ast.Term, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cancel := c.never
	if ctx.Done() != nil {
		cc := topdown.NewCancel()
		defer context.AfterFunc(ctx, cc.Cancel)()
		cancel = cc
	}
	txn, err := c.store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	defer c.store.Abort(ctx, txn)
	var out *ast.Term
	err = topdown.NewQuery(body).
		WithCompiler(c.compiler).
		WithStore(c.store).
		WithTransaction(txn).
		WithInput(input).
		WithCancel(cancel).
		WithMetrics(noMetrics).
		WithBaseCache(c.data).
		Iter(ctx, func(qr topdown.QueryResult) error {
			out = qr[resultVar]
			return nil
		})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, errors.New("policy: undefined")
	}
	return out, nil
}

// Check evaluates the policy for one requested cluster.
func (c *Checker) Check(ctx context.Context, in Input) (Decision, error) {
	deny, err := c.run(ctx, c.deny, c.input(in))
	if err != nil {
		return Decision{}, err
	}
	return decodeDeny(deny)
}

// Documents returns, as JSON, the data and the input the Checker evaluates
// for in: {"compat": facts, "compat_index": index} and the input with its
// versions parsed. Given them, opa eval and opa bench evaluate the policy the
// way the Checker does.
func (c *Checker) Documents(in Input) (data, input []byte, err error) {
	for _, x := range []struct {
		v   ast.Value
		out *[]byte
	}{{c.data.data, &data}, {c.input(in).Value, &input}} {
		v, err := ast.JSON(x.v)
		if err != nil {
			return nil, nil, err
		}
		if *x.out, err = json.Marshal(v); err != nil {
			return nil, nil, err
		}
	}
	return data, input, nil
}

var (
	ruleKey    = ast.InternedTerm("rule")
	messageKey = ast.InternedTerm("message")
)

// decodeDeny turns the policy's deny set into a Decision, reasons sorted.
func decodeDeny(t *ast.Term) (Decision, error) {
	deny, ok := t.Value.(ast.Set)
	if !ok {
		return Decision{}, fmt.Errorf("policy: deny is %v, not a set", ast.ValueName(t.Value))
	}
	d := Decision{Allow: deny.Len() == 0}
	err := deny.Iter(func(x *ast.Term) error {
		var rule, msg ast.String
		if r, ok := x.Value.(ast.Object); ok {
			rule, _ = valueOf(r, ruleKey).(ast.String)
			msg, _ = valueOf(r, messageKey).(ast.String)
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
	sortReasons(d.Deny)
	return d, nil
}

// sortReasons sorts by rule, then message.
func sortReasons(rs []Reason) {
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Rule != rs[j].Rule {
			return rs[i].Rule < rs[j].Rule
		}
		return rs[i].Message < rs[j].Message
	})
}

// valueOf is o[k]'s value, nil when o has no k.
func valueOf(o ast.Object, k *ast.Term) ast.Value {
	if v := o.Get(k); v != nil {
		return v.Value
	}
	return nil
}

func init() {
	ast.InternStringTerm("stack", "components", "distro", "roles", "nodes", "kerberos",
		"memory_mb_per_node", "machine_mb", "committed_mb", "version_keys", "invalid_versions")
}

// input builds the input as an AST value directly (no JSON round trip),
// with the versions parsed (version_keys, invalid_versions; see
// compat.rego).
func (c *Checker) input(in Input) *ast.Term {
	comps := make([][2]*ast.Term, 0, len(in.Components))
	for k, v := range in.Components {
		comps = append(comps, ast.Item(c.term(k), ast.InternedTerm(v)))
	}
	roles := make([][2]*ast.Term, 0, len(in.Roles))
	for k, v := range in.Roles {
		roles = append(roles, ast.Item(c.term(k), ast.InternedTerm(v)))
	}
	keys, invalid := versionTerms(comps)
	items := make([][2]*ast.Term, 0, 10)
	if in.MachineMB > 0 {
		items = append(items, ast.Item(ast.InternedTerm("machine_mb"), ast.InternedTerm(in.MachineMB)))
	}
	if in.CommittedMB > 0 {
		items = append(items, ast.Item(ast.InternedTerm("committed_mb"), ast.InternedTerm(in.CommittedMB)))
	}
	return ast.NewTerm(ast.NewObject(append(items,
		ast.Item(ast.InternedTerm("stack"), ast.InternedTerm(in.Stack)),
		ast.Item(ast.InternedTerm("components"), ast.NewTerm(ast.NewObject(comps...))),
		ast.Item(ast.InternedTerm("distro"), c.term(in.Distro)),
		ast.Item(ast.InternedTerm("roles"), ast.NewTerm(ast.NewObject(roles...))),
		ast.Item(ast.InternedTerm("nodes"), ast.InternedTerm(in.Nodes)),
		ast.Item(ast.InternedTerm("kerberos"), ast.InternedTerm(in.Kerberos)),
		ast.Item(ast.InternedTerm("memory_mb_per_node"), ast.InternedTerm(in.MemoryMB)),
		ast.Item(ast.InternedTerm("version_keys"), keys),
		ast.Item(ast.InternedTerm("invalid_versions"), invalid),
	)...))
}

// term is s as a term, shared when s is a name in the facts.
func (c *Checker) term(s string) *ast.Term {
	if t, ok := c.names[s]; ok {
		return t
	}
	return ast.InternedTerm(s)
}

// factNames collects the strings of the facts an input names: components,
// roles and distros, as terms to share between inputs.
func factNames(facts map[string]any) map[string]*ast.Term {
	names := map[string]*ast.Term{}
	add := func(s any) {
		if s, ok := s.(string); ok {
			names[s] = ast.StringTerm(s)
		}
	}
	for _, k := range []string{"versions", "roles", "distros"} {
		m, _ := facts[k].(map[string]any)
		for name, v := range m {
			add(name)
			if k == "distros" {
				ds, _ := v.([]any)
				for _, d := range ds {
					add(d)
				}
			}
		}
	}
	return names
}

// dataCache serves reads of base documents from the store's data as AST
// values read once in New (the data does not change after New): it is the
// cache OPA would otherwise fill per evaluation. A nil data (while New
// reads the store) serves nothing.
type dataCache struct{ data ast.Value }

func (c dataCache) Get(ref ast.Ref) ast.Value {
	if c.data == nil {
		return nil
	}
	v, err := c.data.Find(ref[1:])
	if err != nil {
		return nil
	}
	return v
}

func (dataCache) Put(ast.Ref, ast.Value) {}
