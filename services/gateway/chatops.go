package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/chatconf"
	"ringmaster.dev/kit/command"
	"ringmaster.dev/kit/config"
	"ringmaster.dev/kit/image"
	"ringmaster.dev/kit/inventory"
	"ringmaster.dev/kit/tokens"
	"ringmaster.dev/policies"
)

// KV buckets of chat-ops.
const (
	// SeenBucket remembers the signatures (Slack) and trigger ids
	// (Mattermost) of requests taken, so a replay is refused.
	SeenBucket = "ring_chat_seen"
	// ReplyBucket keeps where a run's progress and result are posted
	// (a response_url, a forge thread): not in any event.
	ReplyBucket = "ring_replies"
	seenTTL     = 10 * time.Minute
	replyTTL    = 48 * time.Hour
	// EnvRoles names the roles file (default infra/authz/roles.yaml).
	EnvRoles = "RING_AUTHZ_ROLES"
)

// Clusters is what chat-ops reads of the clusters there are.
type Clusters interface {
	List(ctx context.Context) ([]inventory.Cluster, error)
	Get(ctx context.Context, name string) (inventory.Cluster, error)
}

// chatops is the gateway's chat-ops and REST state.
type chatops struct {
	authz    *chatconf.Watched[*policies.Authorizer]
	ids      *chatconf.Watched[chatconf.Identities]
	conf     *chatconf.Watched[chatconf.Config]
	tokens   *tokens.Cache
	clusters Clusters
	// clustersErr says why there is no cluster inventory.
	clustersErr error
	seen        jetstream.KeyValue
	replies     jetstream.KeyValue
	// client posts replies: no redirects (a reply goes to the allowed
	// origin only), a short timeout.
	client *http.Client
}

// openChatops declares chat-ops' buckets, starts watching the tokens and
// finds the roles file, the chat configuration and Docker. Only the bus
// is required: without the rest, requests are refused saying what to set up.
func (g *Gateway) openChatops(ctx context.Context) error {
	js := g.Bus.JS
	o := &chatops{client: &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	var err error
	if o.seen, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: SeenBucket,
		Description: "chat-ops requests taken (replay refusal)", TTL: seenTTL, Storage: jetstream.FileStorage}); err != nil {
		return fmt.Errorf("bucket %s: %w", SeenBucket, err)
	}
	if o.replies, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: ReplyBucket,
		Description: "where chat-ops runs report: response URLs, forge threads", TTL: replyTTL, Storage: jetstream.FileStorage}); err != nil {
		return fmt.Errorf("bucket %s: %w", ReplyBucket, err)
	}
	store, err := tokens.Open(ctx, js)
	if err != nil {
		return err
	}
	if o.tokens, err = store.Watch(ctx); err != nil {
		return err
	}
	rolesPath := g.Opts.RolesFile
	if rolesPath == "" {
		rolesPath = config.ProjectDir(EnvRoles, policies.DefaultRolesPath)
	}
	o.authz = &chatconf.Watched[*policies.Authorizer]{Path: rolesPath, Public: true, Parse: func(name string, b []byte) (*policies.Authorizer, error) {
		roles, err := policies.ParseRoles(name, b)
		if err != nil {
			return nil, err
		}
		return policies.NewAuthorizer(context.WithoutCancel(ctx), roles)
	}}
	if _, _, err := o.authz.Get(); err != nil {
		g.Log.Warn().Err(err).Msg("chat-ops: the roles file does not load; every request but help is refused until it does")
	}
	o.ids = &chatconf.Watched[chatconf.Identities]{Path: chatconf.IdentitiesPath(g.KeyDir), Parse: chatconf.ParseIdentities}
	o.conf = &chatconf.Watched[chatconf.Config]{Path: chatconf.ConfigPath(g.KeyDir), Parse: chatconf.ParseConfig}
	switch {
	case g.Opts.Clusters != nil:
		o.clusters = g.Opts.Clusters
	default:
		if dc, err := image.Connect(ctx); err != nil {
			o.clustersErr = err
		} else {
			o.clusters = inventory.New(dc)
		}
	}
	g.ops = o
	return nil
}

// chatopsRoutes adds chat-ops, the REST API and its OpenAPI document.
func (g *Gateway) chatopsRoutes(mux *http.ServeMux) {
	for _, r := range g.apiRoutes() {
		mux.HandleFunc(r.pattern, r.handler)
	}
}

// route is one pattern the gateway serves beside the webhooks and pages.
type route struct {
	pattern string
	handler http.HandlerFunc
}

func (g *Gateway) apiRoutes() []route {
	rs := []route{
		{"POST /chat/slack", g.slack},
		{"POST /chat/mattermost", g.mattermost},
		{"GET /api/v1/openapi.json", serveOpenAPI},
		{"GET /api/v1/whoami", g.whoami},
		{"GET /api/v1/runs/{run}/events", g.runEvents},
	}
	for _, s := range command.Specs {
		if s.Takes(command.REST) {
			rs = append(rs, route{s.Method + " " + s.Path, g.rest(s)})
		}
	}
	return rs
}

// ask is one request through chat-ops or the REST API, whatever the door.
type ask struct {
	door     command.Door
	platform string // slack, mattermost, github, gitlab, gitea, rest
	team     string
	user     string // the platform's user id (REST: the token's user)
	room     policies.Room
	remote   string
	// text is the command as written; req, when set, is it already read
	// (a REST request).
	text string
	req  *command.Request
	// roles are a REST token's; name its user.
	roles []string
	name  string
	// reply is where progress and the result go ("" kind: nowhere).
	reply reply
	// delivery identifies a forge delivery: the run id derives from it.
	delivery string
	// stack is the stack from git a forge comment came through.
	stack string
}

// answer is what the requester is told at once.
type answer struct {
	status   int
	text     string
	run      string
	decision string
	rule     string
	allowBy  string
	usage    string
	data     any
}

func refusedAnswer(status int, rule, format string, a ...any) answer {
	return answer{status: status, decision: events.DecisionRefused, rule: rule, text: fmt.Sprintf(format, a...)}
}

// handle reads, authorizes, records and carries out one request.
func (g *Gateway) handle(ctx context.Context, a ask) answer {
	var req command.Request
	if a.req != nil {
		req = *a.req
	} else {
		var err error
		if req, err = command.Parse(a.text, a.door); err != nil {
			rule := "syntax"
			if errors.Is(err, command.ErrUnknownVerb) {
				rule = "unknown-verb"
			}
			ans := refusedAnswer(http.StatusBadRequest, rule, "%v", err)
			var ue *command.UsageError
			if errors.As(err, &ue) {
				ans.usage = ue.Usage
			}
			g.audit(ctx, a, nil, ans)
			return ans
		}
	}
	id := g.identity(a)
	in := policies.AuthzInput{Identity: id, Verb: req.Verb, Room: a.room, Target: policies.Target{Stack: req.Stack, Channel: req.Channel,
		From: req.From, To: req.To, Cluster: req.Cluster, Realms: req.Realms}}
	// Whether the cluster is there is told only to whom the policy allows
	// the request: after the decision.
	var afterAllow *answer
	if req.Verb == command.ClusterDestroy || req.Verb == command.TestRun || req.Verb == command.ClusterCreate {
		ans, ok, later := g.clusterTarget(ctx, req, &in.Target)
		if !ok {
			g.audit(ctx, a, &req, ans)
			return ans
		}
		afterAllow = later
	}
	az, ok, err := g.ops.authz.Get()
	if !ok || err != nil {
		if err == nil {
			err = fmt.Errorf("%s is missing (set %s)", g.ops.authz.Path, EnvRoles)
		}
		if req.Verb != command.Help {
			ans := answer{status: http.StatusServiceUnavailable, decision: events.DecisionDeny, rule: "authz-unavailable",
				text: fmt.Sprintf("denied: the authorization policy cannot decide: %v", err)}
			g.audit(ctx, a, &req, ans)
			return ans
		}
	}
	dec := policies.AuthzDecision{Allow: true, Rule: "anyone", Message: "anyone may ask help"}
	if az != nil {
		if dec, err = az.Decide(ctx, in); err != nil {
			ans := answer{status: http.StatusServiceUnavailable, decision: events.DecisionDeny, rule: "authz-error", text: "denied: " + err.Error()}
			g.audit(ctx, a, &req, ans)
			return ans
		}
	}
	if !dec.Allow {
		ans := answer{status: http.StatusForbidden, decision: events.DecisionDeny, rule: dec.Rule, text: dec.Sentence()}
		if len(dec.Deny) > 0 {
			ans.allowBy = dec.Deny[0].AllowBy
		}
		g.audit(ctx, a, &req, ans)
		return ans
	}
	if afterAllow != nil {
		g.audit(ctx, a, &req, *afterAllow)
		return *afterAllow
	}
	var ans answer
	if req.Changes() {
		ans = g.startRequest(ctx, a, req, id)
	} else {
		ans = g.read(ctx, a, req)
	}
	ans.decision, ans.rule = events.DecisionAllow, dec.Rule
	g.audit(ctx, a, &req, ans)
	return ans
}

// clusterTarget looks the request's cluster up and sets whether it is
// protected. A destroy needs to know: when Docker cannot say, nothing is
// destroyed (ok false). A destroy or test of a cluster that is not there,
// or a create of one that is, is refused once the policy has allowed it
// (later).
func (g *Gateway) clusterTarget(ctx context.Context, req command.Request, t *policies.Target) (ans answer, ok bool, later *answer) {
	unknown := func(err error) (answer, bool, *answer) {
		if req.Verb != command.ClusterDestroy {
			return answer{}, true, nil
		}
		return refusedAnswer(http.StatusServiceUnavailable, "inventory", "cannot tell whether cluster %s is protected (%v): nothing was destroyed", req.Cluster, err), false, nil
	}
	if g.ops.clusters == nil {
		return unknown(g.ops.clustersErr)
	}
	c, err := g.ops.clusters.Get(ctx, req.Cluster)
	switch {
	case errors.Is(err, inventory.ErrNotFound) && req.Verb != command.ClusterCreate:
		a := refusedAnswer(http.StatusNotFound, "no-such-cluster", "there is no cluster %s (cluster list shows them)", req.Cluster)
		return answer{}, true, &a
	case err == nil && req.Verb == command.ClusterCreate:
		a := refusedAnswer(http.StatusConflict, "cluster-exists", "cluster %s already exists (%s, %d nodes): pick another name", req.Cluster, c.State(), c.Nodes)
		return answer{}, true, &a
	case err != nil && !errors.Is(err, inventory.ErrNotFound):
		return unknown(err)
	}
	t.Protected = c.Protected
	return answer{}, true, nil
}

// identity is who asks, with the name and groups the identity mapping
// gives (or the REST token's user and role).
func (g *Gateway) identity(a ask) policies.Identity {
	if a.platform == "rest" {
		return policies.Identity{Platform: "rest", User: a.name, Name: a.name, Roles: a.roles}
	}
	id := policies.Identity{Platform: a.platform, Team: a.team, User: a.user}
	m, ok, err := g.ops.ids.Get()
	if err != nil {
		g.Log.Warn().Err(err).Msg("chat-ops: the identity mapping does not load: nobody has a group")
	}
	if ok {
		id.Name, id.Groups = m.Lookup(a.platform, a.team, a.user)
	}
	return id
}

// audit records the request and what came of it: audit.recorded.
func (g *Gateway) audit(ctx context.Context, a ask, req *command.Request, ans answer) {
	f := events.AuditRecorded{Platform: a.platform, Team: a.team, User: a.user, Room: roomName(a.room), Remote: a.remote,
		Decision: ans.decision, Rule: ans.rule, Reason: cutText(ans.text, 500), Run: ans.run}
	if a.platform == "rest" {
		f.User, f.Name = a.name, a.name
	} else if m, ok, _ := g.ops.ids.Get(); ok {
		f.Name, _ = m.Lookup(a.platform, a.team, a.user)
	}
	if req != nil {
		f.Command, f.Verb, f.Target = req.Line(), req.Verb, req.Target()
	} else {
		f.Command = cutText(a.text, 200)
	}
	g.emit(context.WithoutCancel(ctx), "", ans.run, &f)
}

func roomName(r policies.Room) string {
	switch {
	case r.Name != "" && r.ID != "" && r.Name != r.ID:
		return r.Name + " (" + r.ID + ")"
	case r.Name != "":
		return r.Name
	}
	return r.ID
}

// cutText keeps the first n bytes of s (on a rune boundary), with what
// does not print replaced.
func cutText(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' && r != '\n' || r == 0x7f {
			return '�'
		}
		return r
	}, s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
