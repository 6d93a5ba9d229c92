package policies

import (
	"context"
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
// allows exactly when there are none (allow if count(deny) == 0), and asking
// for deny alone saves building the decision object on every call.
const DenyQuery = "data.ringmaster.compat.deny"

// IndexQuery is the part of the policy New evaluates once over the facts and
// stores as data.compat_index, so decisions look it up instead of computing it.
const IndexQuery = "data.ringmaster.compat.index"

// Checker evaluates the compatibility policy; it is compiled once and safe for
// concurrent use.
type Checker struct {
	compiler *ast.Compiler
	store    storage.Store
	data     dataCache // what the store holds, for reads without it
	deny     ast.Body       // compiled `x = data.ringmaster.compat.deny`
	never    topdown.Cancel // for contexts that cannot be cancelled
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
	deny, err := c.run(ctx, c.deny, ast.NewTerm(in.value()))
	if err != nil {
		return Decision{}, err
	}
	return decodeDeny(deny)
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
	sort.Slice(d.Deny, func(i, j int) bool {
		if d.Deny[i].Rule != d.Deny[j].Rule {
			return d.Deny[i].Rule < d.Deny[j].Rule
		}
		return d.Deny[i].Message < d.Deny[j].Message
	})
	return d, nil
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
		"memory_mb_per_node", "version_keys", "invalid_versions")
}

// value builds the input as an AST value directly (no JSON round trip), with
// the versions parsed (version_keys, invalid_versions; see compat.rego).
func (in Input) value() ast.Value {
	comps := make([][2]*ast.Term, 0, len(in.Components))
	for k, v := range in.Components {
		comps = append(comps, ast.Item(ast.InternedTerm(k), ast.InternedTerm(v)))
	}
	roles := make([][2]*ast.Term, 0, len(in.Roles))
	for k, v := range in.Roles {
		roles = append(roles, ast.Item(ast.InternedTerm(k), ast.InternedTerm(v)))
	}
	keys, invalid := versionTerms(in.Components)
	return ast.NewObject(
		ast.Item(ast.InternedTerm("stack"), ast.InternedTerm(in.Stack)),
		ast.Item(ast.InternedTerm("components"), ast.NewTerm(ast.NewObject(comps...))),
		ast.Item(ast.InternedTerm("distro"), ast.InternedTerm(in.Distro)),
		ast.Item(ast.InternedTerm("roles"), ast.NewTerm(ast.NewObject(roles...))),
		ast.Item(ast.InternedTerm("nodes"), ast.InternedTerm(in.Nodes)),
		ast.Item(ast.InternedTerm("kerberos"), ast.InternedTerm(in.Kerberos)),
		ast.Item(ast.InternedTerm("memory_mb_per_node"), ast.InternedTerm(in.MemoryMB)),
		ast.Item(ast.InternedTerm("version_keys"), keys),
		ast.Item(ast.InternedTerm("invalid_versions"), invalid),
	)
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
