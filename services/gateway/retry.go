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
	"ringmaster.dev/policies"
)

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
