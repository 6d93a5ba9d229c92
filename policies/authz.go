package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// AuthzQuery is the authorization policy's decision.
const AuthzQuery = "data.ringmaster.authz.decision"

// Identity is who asks: the platform's ids, and the name, groups and roles
// the identity mapping or the REST token gives them.
type Identity struct {
	Platform string   `json:"platform"`
	Team     string   `json:"team"`
	User     string   `json:"user"`
	Name     string   `json:"name"`
	Groups   []string `json:"groups"`
	Roles    []string `json:"roles"`
}

// Target is what a request acts on.
type Target struct {
	Stack   string   `json:"stack"`
	Channel string   `json:"channel"`
	From    string   `json:"from"`
	To      string   `json:"to"`
	Cluster string   `json:"cluster"`
	Realms  []string `json:"realms"`
	// Protected: the cluster is labelled protected.
	Protected bool `json:"protected"`
}

// Room is where a request came from: a channel, a room, a pull request.
type Room struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// AuthzInput is one request to decide.
type AuthzInput struct {
	Identity Identity `json:"identity"`
	Verb     string   `json:"verb"`
	Target   Target   `json:"target"`
	Room     Room     `json:"room"`
}

// AuthzReason is a rule that said no, and what would allow the request.
type AuthzReason struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
	AllowBy string `json:"allow_by"`
}

// AuthzDecision is the policy's answer. Allowed: Rule and Message say by
// what; denied: Deny holds every reason, the first the one to tell.
type AuthzDecision struct {
	Allow   bool          `json:"allow"`
	Rule    string        `json:"rule,omitempty"`
	Message string        `json:"message,omitempty"`
	Deny    []AuthzReason `json:"deny,omitempty"`
}

// Sentence is what a requester is told: the grant, or the first denial
// with its rule and what would allow it.
func (d AuthzDecision) Sentence() string {
	if d.Allow {
		return d.Message
	}
	if len(d.Deny) == 0 {
		return "denied"
	}
	r := d.Deny[0]
	s := fmt.Sprintf("denied by rule %s: %s (what would allow it: %s)", r.Rule, r.Message, r.AllowBy)
	for _, more := range d.Deny[1:] {
		s += fmt.Sprintf("; also %s: %s", more.Rule, more.Message)
	}
	return s
}

// denyOrder ranks the rules: the reason told first is the one that no
// role can get around, then the role, then the name, then the room.
var denyOrder = map[string]int{"unknown-verb": 0, "cluster-protected": 1, "release-channel": 2, "role-required": 3, "cluster-prefix": 4, "room-not-allowed": 5}

// Authorizer evaluates the authorization policy over a roles file; it is
// prepared once and safe for concurrent use.
type Authorizer struct {
	q     rego.PreparedEvalQuery
	roles *Roles
}

// NewAuthorizer prepares the embedded authz policy with roles as its data.
func NewAuthorizer(ctx context.Context, roles *Roles) (*Authorizer, error) {
	srcs, err := modules("authz", false)
	if err != nil {
		return nil, err
	}
	data, err := rolesData(roles)
	if err != nil {
		return nil, err
	}
	opts := []func(*rego.Rego){rego.Query(AuthzQuery), rego.SetRegoVersion(ast.RegoV1),
		rego.Store(inmem.NewFromObjectWithOpts(map[string]any{"authz": data}, inmem.OptReturnASTValuesOnRead(true)))}
	for name, src := range srcs {
		opts = append(opts, rego.Module(name, src))
	}
	q, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("authz policy: %w", err)
	}
	return &Authorizer{q: q, roles: roles}, nil
}

// Roles is the roles file the Authorizer decides with.
func (a *Authorizer) Roles() *Roles { return a.roles }

// rolesData is the roles file as the policy reads it (data.authz).
func rolesData(r *Roles) (map[string]any, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

// Decide evaluates the policy for one request.
func (a *Authorizer) Decide(ctx context.Context, in AuthzInput) (AuthzDecision, error) {
	if in.Identity.Groups == nil {
		in.Identity.Groups = []string{}
	}
	if in.Identity.Roles == nil {
		in.Identity.Roles = []string{}
	}
	if in.Target.Realms == nil {
		in.Target.Realms = []string{}
	}
	v, err := ast.InterfaceToValue(in)
	if err != nil {
		return AuthzDecision{}, err
	}
	rs, err := a.q.Eval(ctx, rego.EvalParsedInput(v))
	if err != nil {
		return AuthzDecision{}, fmt.Errorf("authz policy: %w", err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return AuthzDecision{}, fmt.Errorf("authz policy: undefined decision")
	}
	b, err := json.Marshal(rs[0].Expressions[0].Value)
	if err != nil {
		return AuthzDecision{}, err
	}
	var raw struct {
		Allow bool `json:"allow"`
		Grant struct {
			Rule    string `json:"rule"`
			Message string `json:"message"`
		} `json:"grant"`
		Deny []AuthzReason `json:"deny"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return AuthzDecision{}, fmt.Errorf("authz policy: decision %s: %w", b, err)
	}
	d := AuthzDecision{Allow: raw.Allow, Rule: raw.Grant.Rule, Message: raw.Grant.Message, Deny: raw.Deny}
	if !d.Allow && len(d.Deny) == 0 {
		return AuthzDecision{}, fmt.Errorf("authz policy: a denial without a reason: %s", b)
	}
	sort.SliceStable(d.Deny, func(i, j int) bool {
		oi, oj := denyOrder[d.Deny[i].Rule], denyOrder[d.Deny[j].Rule]
		if oi != oj {
			return oi < oj
		}
		return d.Deny[i].Message < d.Deny[j].Message
	})
	if !d.Allow {
		d.Rule, d.Message = d.Deny[0].Rule, d.Deny[0].Message
	}
	return d, nil
}

// AuthzRequest is what `ring policy check --authz FILE` reads: the input,
// or instead of verb and target a command line (text) the grammar reads.
type AuthzRequest struct {
	AuthzInput `json:",inline" yaml:",inline"`
	Text       string `json:"text,omitempty" yaml:"text,omitempty"`
}

// LoadAuthzRequest reads a request to decide offline (JSON or YAML;
// unknown fields are errors, with line and column).
func LoadAuthzRequest(path string) (AuthzRequest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return AuthzRequest{}, err
	}
	var r AuthzRequest
	if err := yaml.UnmarshalWithOptions(b, &r, yaml.Strict()); err != nil {
		return AuthzRequest{}, fmt.Errorf("%s: request: line %s", path, strings.Replace(strings.TrimPrefix(yaml.FormatError(err, false, true), "["), "] ", ": ", 1))
	}
	return r, nil
}
