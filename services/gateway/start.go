package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/command"
	"ringmaster.dev/kit/runs"
	"ringmaster.dev/policies"
)

// chatNamespace makes run ids from forge deliveries and REST idempotency
// keys: the same delivery gets the same run, so it starts nothing twice.
var chatNamespace = uuid.MustParse("0c9d6f7e-5a3b-4e1f-9c2d-8b7a6e5f4d3c")

// startRequest begins the run of an allowed request that changes something: its
// record, where to report, the follow-up (chat.reply.requested) and the
// command itself, all under one run id. The answer is "accepted, run R".
func (g *Gateway) startRequest(ctx context.Context, a ask, req command.Request, id policies.Identity) answer {
	runID := uuid.NewString()
	if a.delivery != "" {
		runID = uuid.NewSHA1(chatNamespace, []byte(a.platform+"/"+a.delivery)).String()
	}
	cmd, err := g.commandOf(ctx, a, req)
	if err != nil {
		return refusedAnswer(http.StatusConflict, "nothing-to-run", "%v", err)
	}
	who := id.Name
	if who == "" {
		who = a.user
	}
	trigger := map[command.Door]string{command.Chat: events.TriggerChat, command.Comment: events.TriggerComment, command.REST: events.TriggerREST}[a.door]
	if req.Verb != command.Retest { // a retest is a pipeline run: the pipeline keeps its record
		rec := &runs.Record{ID: runID, Kind: req.Verb, Trigger: trigger, State: runs.Queued, Stack: req.Stack, Cluster: req.Cluster,
			Channel: req.Channel, Command: req.Line(), Sender: who, Created: time.Now().UTC()}
		if req.Verb == command.Promote {
			rec.Channel = req.To
		}
		if created, err := g.Runs.Create(ctx, rec); err != nil {
			return refusedAnswer(http.StatusServiceUnavailable, "bus", "the run record was not stored: %v; ask again", err)
		} else if !created {
			return answer{status: http.StatusAccepted, run: runID, text: fmt.Sprintf("accepted before: run %s (%s)", events.ShortRunID(runID), req.Line())}
		}
	}
	a.reply.Command, a.reply.Author = req.Line(), who
	if b, err := json.Marshal(a.reply); err == nil && a.reply.Kind != "" {
		if _, err := g.ops.replies.Put(ctx, runID, b); err != nil {
			g.Log.Warn().Err(err).Str("run", runID).Msg("chat-ops: where to reply was not kept")
		}
	}
	follow := &events.ChatReplyRequested{Platform: a.platform, Command: req.Line()}
	if _, err := g.Bus.Publish(ctx, follow, bus.WithID("chat/"+runID+"/reply"), bus.WithRunID(runID)); err != nil {
		return refusedAnswer(http.StatusServiceUnavailable, "bus", "the bus did not take the request: %v; ask again", err)
	}
	if _, err := g.Bus.Publish(ctx, cmd, bus.WithID("chat/"+runID+"/command"), bus.WithRunID(runID)); err != nil {
		return refusedAnswer(http.StatusServiceUnavailable, "bus", "the bus did not take the request: %v; ask again", err)
	}
	return answer{status: http.StatusAccepted, run: runID, text: fmt.Sprintf("accepted, run %s: %s", events.ShortRunID(runID), req.Line())}
}

// commandOf is the command a request sends. A retest is the pipeline of
// the last run of the comment's pull request or commit, run again with its
// tests.
func (g *Gateway) commandOf(ctx context.Context, a ask, req command.Request) (any, error) {
	first := func(l []string) string {
		if len(l) > 0 {
			return l[0]
		}
		return ""
	}
	switch req.Verb {
	case command.Build:
		return &events.BuildRequested{Stack: req.Stack, Components: req.Components, Distros: req.Distros, Channel: req.Channel}, nil
	case command.Promote:
		return &events.RepoPromoteRequested{From: req.From, To: req.To, Distros: req.Distros, Packages: req.Packages}, nil
	case command.ClusterCreate:
		return &events.ClusterCreateRequested{Name: req.Cluster, Stack: req.Stack, Channel: req.Channel, Distro: first(req.Distros),
			Nodes: req.Nodes, Roles: req.Roles, MemoryMB: req.MemoryMB, Protected: req.Protected}, nil
	case command.ClusterDestroy:
		return &events.ClusterDestroyRequested{Name: req.Cluster}, nil
	case command.TestRun:
		return &events.TestRunRequested{Cluster: req.Cluster, Suites: req.Suites}, nil
	case command.SweepRun:
		return &events.SweepRunRequested{Stack: req.Stack, Distros: req.Distros, Nodes: req.Nodes, Max: req.Max, Suites: req.Suites}, nil
	case command.RealmTrust, command.RealmUntrust:
		return &events.RealmTrustRequested{Realms: req.Realms, Topology: req.Topology, Remove: req.Verb == command.RealmUntrust}, nil
	case command.Retest:
		prior, err := g.lastRun(ctx, a)
		if err != nil {
			return nil, err
		}
		return &events.PipelineRunRequested{Stack: prior.Stack, Trigger: events.TriggerRetest, Channel: prior.Channel, PR: prior.PR,
			Forge: prior.Forge, Sender: a.user, Git: events.GitRef{Repo: prior.Repo, Commit: prior.Commit, Ref: prior.Ref, Path: g.stackPath(ctx, prior.Stack)}}, nil
	}
	return nil, fmt.Errorf("%s starts nothing", req.Verb)
}

// lastRun is the newest pipeline run of the comment's stack and pull
// request (or commit).
func (g *Gateway) lastRun(ctx context.Context, a ask) (runs.Record, error) {
	all, err := g.Runs.List(ctx)
	if err != nil {
		return runs.Record{}, err
	}
	for _, r := range all {
		if r.Kind != "pipeline" || r.Stack != a.stack || r.Commit == "" {
			continue
		}
		if (a.reply.Thread.PullRequest && r.PR == a.reply.Thread.Issue) || (a.reply.Thread.Commit != "" && r.Commit == a.reply.Thread.Commit && !a.reply.Thread.PullRequest) {
			return r, nil
		}
	}
	what := fmt.Sprintf("commit %s", short(a.reply.Thread.Commit))
	if a.reply.Thread.PullRequest {
		what = fmt.Sprintf("pull request %d", a.reply.Thread.Issue)
	} else if a.reply.Thread.Commit == "" {
		return runs.Record{}, fmt.Errorf("retest re-runs the pipeline of a pull request or commit; this is an issue")
	}
	return runs.Record{}, fmt.Errorf("no pipeline run of %s of stack %s to retest yet: a push starts one", what, a.stack)
}

func (g *Gateway) stackPath(ctx context.Context, stack string) string {
	if rec, err := g.Stacks.Get(ctx, stack); err == nil {
		return rec.Path
	}
	return ""
}
