package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"ringmaster.dev/events"
	"ringmaster.dev/gateway/dashboard"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/command"
	"ringmaster.dev/kit/config"
	"ringmaster.dev/kit/inventory"
	"ringmaster.dev/kit/runs"
	"ringmaster.dev/policies"
)

// EnvCompat names the compatibility facts the dashboard's matrix reads
// (default infra/compat/compat.json), as the provisioner's RING_COMPAT.
const EnvCompat = "RING_COMPAT"

// dashboard is the gateway's web pages over its own sources.
func (g *Gateway) dashboard() *dashboard.Dashboard {
	src := dashboard.Sources{Runs: g.Runs, Stream: g.streamRun, Retry: g.retryDeadLetter, Sweeps: sweepFacts{g.Bus},
		Compat: g.compatFacts,
		Repos: func(ctx context.Context) (events.RepoListed, error) {
			ans := g.repoList(ctx, command.Request{Verb: command.RepoList})
			if l, ok := ans.data.(*events.RepoListed); ok {
				return *l, nil
			}
			return events.RepoListed{}, errors.New(ans.text)
		}}
	if g.runList != nil {
		src.Runs = listed{g.Runs, g.runList}
	}
	if g.Blobs != nil {
		src.Blobs = g.Blobs
	}
	if g.Bus != nil {
		src.DeadLetters = g.Bus
	}
	if g.ops != nil {
		switch c := g.ops.clusters.(type) {
		case dashboard.Clusters:
			src.Clusters = c
		case nil:
		default:
			src.Clusters = listedClusters{c}
		}
		if s, ok := g.ops.clusters.(dashboard.Snapshots); ok {
			src.Snapshots = s
		}
		src.ClustersErr = g.ops.clustersErr
	}
	return dashboard.New(src, g.Log)
}

// compatFacts reads the compatibility facts file.
func (g *Gateway) compatFacts() ([]byte, string, error) {
	path := g.Opts.CompatFile
	if path == "" {
		path = config.ProjectDir(EnvCompat, policies.DefaultDataPath)
	}
	b, err := policies.LoadData(path)
	return b, path, err
}

// VerbDLQRetry is the authorization policy's verb of a dead letter's
// retry (not a chat-ops verb: the dashboard and `ring dlq retry` ask it).
const VerbDLQRetry = "dlq retry"

// retryDeadLetter puts dead letter seq back on its subject for the holder
// of token, when the authorization policy allows the token's role
// "dlq retry" — the same policy, roles and audit trail as chat-ops and the
// REST API.
func (g *Gateway) retryDeadLetter(ctx context.Context, r *http.Request, token string, seq uint64) dashboard.Outcome {
	a := ask{door: command.REST, platform: "rest", remote: r.RemoteAddr, text: fmt.Sprintf("%s %d", VerbDLQRetry, seq)}
	refuse := func(ans answer) dashboard.Outcome {
		g.audit(ctx, a, nil, ans)
		return dashboard.Outcome{Status: ans.status, Text: ans.text}
	}
	if token == "" {
		return refuse(refusedAnswer(http.StatusUnauthorized, "token", "give an API token (ring token create USER --role developer makes one)"))
	}
	rec, err := g.ops.tokens.Lookup(token)
	if err != nil {
		return refuse(refusedAnswer(http.StatusUnauthorized, "token", "the token is unknown or revoked (ring token list)"))
	}
	a.name, a.user, a.roles = rec.User, rec.User, []string{rec.Role}
	az, ok, err := g.ops.authz.Get()
	if !ok || err != nil {
		if err == nil {
			err = fmt.Errorf("%s is missing (set %s)", g.ops.authz.Path, EnvRoles)
		}
		return refuse(answer{status: http.StatusServiceUnavailable, decision: events.DecisionDeny, rule: "authz-unavailable",
			text: fmt.Sprintf("denied: the authorization policy cannot decide: %v", err)})
	}
	dec, err := az.Decide(ctx, policies.AuthzInput{Identity: g.identity(a), Verb: VerbDLQRetry})
	if err != nil {
		return refuse(answer{status: http.StatusServiceUnavailable, decision: events.DecisionDeny, rule: "authz-error", text: "denied: " + err.Error()})
	}
	if !dec.Allow {
		ans := answer{status: http.StatusForbidden, decision: events.DecisionDeny, rule: dec.Rule, text: dec.Sentence()}
		if len(dec.Deny) > 0 {
			ans.allowBy = dec.Deny[0].AllowBy
		}
		return refuse(ans)
	}
	ans := answer{status: http.StatusOK, decision: events.DecisionAllow, rule: dec.Rule, text: fmt.Sprintf("dead letter %d is back on its subject", seq)}
	if err := g.Bus.RetryDeadLetter(ctx, seq); err != nil {
		ans.status, ans.text = http.StatusConflict, err.Error()
		if errors.Is(err, bus.ErrNoDeadLetter) {
			ans.status = http.StatusNotFound
		}
	}
	g.audit(ctx, a, nil, ans)
	return dashboard.Outcome{Status: ans.status, Text: ans.text}
}

// listed reads a run from the bucket (the newest record) and lists them
// from the cache (no read of the whole bucket per page view).
type listed struct {
	Runs
	cache *runs.Cache
}

func (l listed) List(ctx context.Context) ([]runs.Record, error) { return l.cache.List(ctx) }

// listedClusters shows an inventory that has no node detail (a test's) by
// its clusters alone.
type listedClusters struct{ Clusters }

func (l listedClusters) Details(ctx context.Context) ([]inventory.Detail, error) {
	cs, err := l.List(ctx)
	out := make([]inventory.Detail, len(cs))
	for i, c := range cs {
		out[i] = inventory.Detail{Cluster: c}
	}
	return out, err
}
