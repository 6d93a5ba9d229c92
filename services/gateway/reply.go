package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/slack-go/slack"
	"ringmaster.dev/events"
	"ringmaster.dev/gateway/forge"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/chatconf"
	"ringmaster.dev/kit/command"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/kit/runs"
)

// reply is where a run's progress and result go, kept in ReplyBucket by
// run id (never in an event: a response_url is a capability).
type reply struct {
	// Kind is slack, mattermost or forge ("" nowhere: a REST request).
	Kind string `json:"kind"`
	// URL is a Slack or Mattermost response_url.
	URL string `json:"url,omitempty"`
	// Stack, Forge and Thread say where a reply comment goes.
	Stack  string       `json:"stack,omitempty"`
	Forge  string       `json:"forge,omitempty"`
	Thread forge.Thread `json:"thread"`
	// Comment is the reply comment made so far (0: none yet).
	Comment int64  `json:"comment,omitempty"`
	Command string `json:"command"`
	Author  string `json:"author"`
}

// Slack takes at most 5 posts to a response_url within 30 minutes:
// up to 3 progress updates, then the result.
const (
	slackProgressPosts = 3
	progressEvery      = 20 * time.Second
)

// waitFor bounds how long a reply follows a run of each verb.
var waitFor = map[string]time.Duration{
	command.Build: 2 * time.Hour, command.Promote: 15 * time.Minute, command.ClusterCreate: 20 * time.Minute,
	command.ClusterDestroy: 5 * time.Minute, command.TestRun: 45 * time.Minute, command.SweepRun: 4 * time.Hour,
	command.RealmTrust: 15 * time.Minute, command.RealmUntrust: 15 * time.Minute, command.Retest: 4 * time.Hour,
}

// handleReply follows the run a chat-ops, REST or CLI request or a
// scheduled sweep started: its facts
// (replayed from the stream, so a redelivery after a crash picks up where
// it was) become progress and a result, in the run's record and posted
// where the request came from — one message, edited in place where the
// platform allows. Failing to post is logged, never retried forever.
func (g *Gateway) handleReply(d *bus.Delivery) error {
	p := d.Payload.(*events.ChatReplyRequested)
	door := command.Chat
	switch p.Platform {
	case gitstack.GitHub, gitstack.GitLab, gitstack.Gitea:
		door = command.Comment
	case "rest", events.TriggerCLI, events.TriggerSchedule: // the CLI's and the scheduler's: the record only, no reply
		door = command.REST
	}
	req, err := command.Parse(p.Command, door)
	if err != nil {
		return bus.Permanent(fmt.Errorf("reply to %q: %w", p.Command, err))
	}
	runID := d.Envelope.RunID
	ctx, stop := context.WithTimeout(d.Ctx, waitFor[req.Verb])
	defer stop()
	target, _ := g.replyTarget(ctx, runID)
	ownRecord := req.Verb != command.Retest
	var rec runs.Record
	if ownRecord {
		if rec, err = g.Runs.Get(ctx, runID); err != nil {
			return err
		}
		if rec.Done() { // finished before a crash took the acknowledgement
			return nil
		}
		rec.State = runs.Running
		rec.SetStage(req.Verb, runs.Running, "started", time.Now().UTC())
		if err := g.Runs.Put(ctx, &rec); err != nil {
			return err
		}
	}
	replay, err := g.Bus.ReplayRun(ctx, runID, d.Envelope.Time.Add(-time.Minute))
	if err != nil {
		return err
	}
	t := command.NewTracker(req)
	posts := 0
	lastPost, lastSave := time.Now(), time.Time{}
	for !t.Done() {
		select {
		case env, ok := <-replay.Facts:
			if !ok {
				if d.Ctx.Err() != nil {
					return d.Ctx.Err() // shutting down: the command comes back
				}
				return g.endReply(d, req, target, &rec, ownRecord, false, fmt.Sprintf("no result within %s (ring events tail --run %s)", waitFor[req.Verb], runID))
			}
			line := t.Apply(env)
			if line == "" || t.Done() {
				continue
			}
			now := time.Now()
			if ownRecord && now.Sub(lastSave) > 2*time.Second {
				rec.SetStage(req.Verb, runs.Running, line, now.UTC())
				_ = g.Runs.Put(ctx, &rec)
				lastSave = now
			}
			if target.Kind != "" && target.Kind != "mattermost" && now.Sub(lastPost) >= progressEvery && (target.Kind != "slack" || posts < slackProgressPosts) {
				if cur, err := g.replyTarget(ctx, runID); err == nil && cur.Kind != "" {
					target = cur // a reply comment made since
				}
				g.post(ctx, runID, &target, fmt.Sprintf("⏳ run %s: %s\n%s", events.ShortRunID(runID), req.Line(), line), false)
				posts++
				lastPost = now
			}
		case <-ctx.Done():
			if d.Ctx.Err() != nil {
				return d.Ctx.Err()
			}
			return g.endReply(d, req, target, &rec, ownRecord, false, fmt.Sprintf("no result within %s (ring events tail --run %s)", waitFor[req.Verb], runID))
		}
	}
	ok, result := t.Result()
	return g.endReply(d, req, target, &rec, ownRecord, ok, result)
}

// endReply records and posts how the run ended.
func (g *Gateway) endReply(d *bus.Delivery, req command.Request, target reply, rec *runs.Record, own, ok bool, result string) error {
	ctx := context.WithoutCancel(d.Ctx)
	runID := d.Envelope.RunID
	state, mark := runs.Success, "✅"
	if !ok {
		state, mark = runs.Failure, "❌"
	}
	if own {
		now := time.Now().UTC()
		rec.SetStage(req.Verb, state, result, now)
		rec.State, rec.Finished = state, now
		if !ok {
			rec.Reason = result
		}
		if err := g.Runs.Put(ctx, rec); err != nil {
			return err
		}
	}
	if cur, err := g.replyTarget(ctx, runID); err == nil && cur.Kind != "" {
		target = cur
	}
	if target.Kind != "" {
		g.post(ctx, runID, &target, fmt.Sprintf("%s run %s: %s\n%s", mark, events.ShortRunID(runID), req.Line(), result), true)
	}
	d.Log.Info().Str("verb", req.Verb).Str("state", state).Msg("chat-ops run finished")
	return nil
}

func (g *Gateway) replyTarget(ctx context.Context, runID string) (reply, error) {
	e, err := g.ops.replies.Get(ctx, runID)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return reply{}, nil
	}
	if err != nil {
		return reply{}, err
	}
	var r reply
	return r, json.Unmarshal(e.Value(), &r)
}

// post sends text where the request came from: Slack replaces its answer
// (replace_original), Mattermost gets the result as one follow-up post,
// a forge gets one reply comment, edited from then on.
func (g *Gateway) post(ctx context.Context, runID string, r *reply, text string, final bool) {
	log := g.Log.With().Str("run", runID).Str("to", r.Kind).Logger()
	switch r.Kind {
	case "slack", "mattermost":
		conf, _, err := g.ops.conf.Get()
		if err != nil {
			log.Warn().Err(err).Msg("chat-ops: chat.yaml does not load: replies go to the defaults only")
		}
		if !chatconf.Allowed(r.URL, conf.Origins(r.Kind)) {
			log.Warn().Msg("chat-ops: the response URL is no longer an allowed origin: not posted")
			return
		}
		msg := &slack.WebhookMessage{Text: text, ResponseType: slack.ResponseTypeEphemeral, ReplaceOriginal: r.Kind == "slack"}
		if r.Kind == "mattermost" {
			msg.ResponseType = slack.ResponseTypeInChannel
		}
		if err := slack.PostWebhookCustomHTTPContext(ctx, r.URL, g.ops.client, msg); err != nil {
			log.Warn().Err(redactURL(err, r.URL)).Msg("chat-ops: reply not posted")
		}
	case "forge":
		rep, err := g.replier(ctx, r.Stack)
		if err != nil {
			log.Warn().Err(err).Msg("chat-ops: no reply comment")
			return
		}
		body := forge.ReplyBody(r.Author, r.Command, text)
		if r.Comment != 0 {
			editable, err := rep.Edit(ctx, r.Thread, r.Comment, body)
			if err != nil {
				log.Warn().Err(err).Msg("chat-ops: reply comment not edited")
			}
			if editable || !final {
				return
			}
		}
		id, err := rep.Create(ctx, r.Thread, body)
		if err != nil {
			log.Warn().Err(err).Msg("chat-ops: reply comment not posted")
			return
		}
		if id != 0 {
			r.Comment = id
			if b, err := json.Marshal(r); err == nil {
				_, _ = g.ops.replies.Put(ctx, runID, b)
			}
		}
	}
}

// replier is the reply-comment client of a stack's forge, with its token.
func (g *Gateway) replier(ctx context.Context, stack string) (forge.Replier, error) {
	rec, err := g.Stacks.Get(ctx, stack)
	if err != nil {
		return nil, err
	}
	token, err := gitstack.ReadSecret(gitstack.TokenPath(g.KeyDir, rec.Name))
	if err != nil {
		return nil, fmt.Errorf("stack %s: forge token: %w (ring stack add --token-file)", rec.Name, err)
	}
	api := rec.API
	if api == "" {
		api = forge.DefaultAPI(rec.Forge, rec.Git)
	}
	return forge.NewReplier(rec.Forge, api, token, nil)
}

// redactURL keeps a response_url (a capability) out of an error.
func redactURL(err error, u string) error {
	if u == "" || !strings.Contains(err.Error(), u) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), u, "<response_url>"))
}
