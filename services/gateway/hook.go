package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"
	"ringmaster.dev/events"
	"ringmaster.dev/gateway/forge"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/kit/runs"
)

// deliveryTTL is how long a webhook delivery is remembered.
const deliveryTTL = 7 * 24 * time.Hour

// runNamespace makes run ids from delivery ids: a redelivery gets the
// same run id.
var runNamespace = uuid.MustParse("6f1c9a4e-2b7d-4c55-9e0a-52a1d3c8e7b4")

// hookAnswer is the body of a webhook's answer.
type hookAnswer struct {
	Run       string `json:"run,omitempty"`
	Duplicate bool   `json:"duplicate,omitempty"`
	Ignored   string `json:"ignored,omitempty"`
	Error     string `json:"error,omitempty"`
}

// hook takes a forge's webhook delivery for a stack from git:
// POST /hooks/{stack}. The forge is recognised from the headers, the
// delivery verified with the stack's secret, its repository held to the
// stack's; an accepted push is answered 202 with the run id at once, its
// work continuing on the bus. Every refusal is a 4xx with the reason and
// a webhook.rejected fact; nothing is published for it.
func (g *Gateway) hook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.PathValue("stack")
	rej := events.WebhookRejected{Stack: name, Remote: r.RemoteAddr}
	refuse := func(status int, format string, args ...any) {
		rej.Status, rej.Reason = status, fmt.Sprintf(format, args...)
		g.Log.Info().Str("stack", name).Str("forge", rej.Forge).Str("delivery", rej.Delivery).Int("status", status).Str("reason", rej.Reason).Msg("webhook refused")
		g.emit(context.WithoutCancel(ctx), "", "", &rej)
		writeJSON(w, status, hookAnswer{Error: rej.Reason})
	}
	rec, err := g.Stacks.Get(ctx, name)
	if errors.Is(err, gitstack.ErrNotFound) {
		refuse(http.StatusNotFound, "no stack from git is named %q (ring stack add registers one)", name)
		return
	}
	if err != nil {
		refuse(http.StatusServiceUnavailable, "stack registry: %v", err)
		return
	}
	kind, err := forge.Detect(r.Header)
	if err != nil {
		refuse(http.StatusBadRequest, "%v", err)
		return
	}
	rej.Forge = kind
	if rec.Forge != "" && rec.Forge != kind {
		refuse(http.StatusBadRequest, "stack %s is on %s; this delivery is from %s", name, rec.Forge, kind)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.Opts.MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		refuse(http.StatusRequestEntityTooLarge, "body over %d bytes", g.Opts.MaxBody)
		return
	}
	if err != nil {
		refuse(http.StatusBadRequest, "reading the body: %v", err)
		return
	}
	secret, err := gitstack.ReadSecret(gitstack.SecretPath(g.KeyDir, name))
	if err != nil {
		g.Log.Error().Err(err).Str("stack", name).Msg("webhook secret")
		refuse(http.StatusServiceUnavailable, "stack %s has no usable webhook secret on this gateway (ring stack add --secret-file)", name)
		return
	}
	d, err := forge.Parse(kind, r.Header, body, secret)
	rej.Event, rej.Delivery = d.Event, d.ID
	switch {
	case errors.Is(err, forge.ErrSignature):
		refuse(http.StatusUnauthorized, "signature: %v", err)
		return
	case err != nil:
		refuse(http.StatusBadRequest, "%v", err)
		return
	}
	if d.Kind != "" {
		if err := checkRepo(rec, d); err != nil {
			status := http.StatusNotFound
			if errors.Is(err, errRefused) {
				status = http.StatusBadRequest
			}
			refuse(status, "%v", err)
			return
		}
	}
	if d.Kind == forge.KindComment {
		g.comment(w, r, rec, d)
		return
	}
	req, ignored, err := pipelineFor(rec, d)
	if err != nil {
		refuse(http.StatusBadRequest, "%v", err)
		return
	}
	if err := g.noteRequest(ctx, rec, d); err != nil {
		refuse(http.StatusServiceUnavailable, "closed requests: %v; deliver again", err)
		return
	}
	recv := events.WebhookReceived{Stack: name, Forge: kind, Event: d.Event, Delivery: d.ID, Ref: d.Ref, Commit: d.Commit, Ignored: ignored}
	factID := "webhook/" + kind + "/" + deliveryKey(d.ID)
	if ignored != "" {
		g.emit(ctx, factID, "", &recv)
		writeJSON(w, http.StatusOK, hookAnswer{Ignored: ignored})
		return
	}
	runID, dup, remember, err := g.start(ctx, kind, d.Digest, req)
	if errors.Is(err, errReplay) {
		refuse(http.StatusConflict, "%v", err)
		return
	}
	if err != nil {
		refuse(http.StatusServiceUnavailable, "the bus did not take the run: %v; deliver again", err)
		return
	}
	// The command is stored: answer now, record the rest after.
	writeJSON(w, http.StatusAccepted, hookAnswer{Run: runID, Duplicate: dup})
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	if remember != nil {
		remember(context.WithoutCancel(ctx))
	}
	recv.Run = runID
	g.emit(context.WithoutCancel(ctx), factID, runID, &recv)
	g.Log.Info().Str("stack", name).Str("forge", kind).Str("ref", d.Ref).Str("commit", d.Commit).Str("run", runID).Bool("duplicate", dup).Msg("webhook accepted")
}

// checkRepo holds the delivery's repository to the stack's.
func checkRepo(rec gitstack.Record, d forge.Delivery) error {
	for _, u := range d.RepoURLs {
		if p, err := url.Parse(u); err == nil && p.User != nil {
			if _, pw := p.User.Password(); pw || p.Scheme == "http" || p.Scheme == "https" {
				return fmt.Errorf("%w: the payload's repository URL %s carries credentials", errRefused, gitstack.Redact(u))
			}
		}
	}
	for _, u := range d.RepoURLs {
		if gitstack.SameRepo(u, rec.Git) {
			return nil
		}
	}
	return fmt.Errorf("repository %s is not stack %s's (%s)", cmpName(d), rec.Name, rec.Git)
}

func cmpName(d forge.Delivery) string {
	if d.RepoName != "" {
		return d.RepoName
	}
	if len(d.RepoURLs) > 0 {
		return d.RepoURLs[0]
	}
	return "(none named)"
}

// errReplay is a delivery id seen before with another body, or a body seen
// before under another delivery id: a replay, not a forge's redelivery.
var errReplay = errors.New("replayed delivery")

// seen is what the deliveries bucket keeps of an accepted delivery.
type seen struct {
	Run      string `json:"run"`
	Delivery string `json:"delivery"`
	Digest   string `json:"digest"`
}

// start sends the pipeline command of a delivery, once: the run id derives
// from the delivery id and the command's Nats-Msg-Id is the delivery, so
// a delivery sent again within the stream's de-duplication window is
// stored once, and after it the deliveries bucket remembers it (7 days).
// A forge's redelivery (the same id and body) answers the same run and
// starts nothing; the same id with another body, or the same body (which
// the signature covers) under another id, is a replay: errReplay.
func (g *Gateway) start(ctx context.Context, forgeKind, digest string, req events.PipelineRunRequested) (runID string, duplicate bool, remember func(context.Context), err error) {
	key := forgeKind + "." + deliveryKey(req.Delivery)
	bodyKey := forgeKind + ".body." + deliveryKey(digest)
	var byID, byBody seen
	var idSeen, bodySeen bool
	var eg errgroup.Group
	eg.Go(func() (err error) { byID, idSeen, err = g.lookupDelivery(ctx, key); return err })
	eg.Go(func() (err error) { byBody, bodySeen, err = g.lookupDelivery(ctx, bodyKey); return err })
	if err := eg.Wait(); err != nil {
		return "", false, nil, err
	}
	switch {
	case idSeen && byID.Digest != digest:
		return "", false, nil, fmt.Errorf("%w: delivery %s came before with another body", errReplay, req.Delivery)
	case idSeen:
		return byID.Run, true, nil, nil
	case bodySeen:
		return "", false, nil, fmt.Errorf("%w: this body came before as delivery %s (run %s)", errReplay, byBody.Delivery, events.ShortRunID(byBody.Run))
	}
	runID = uuid.NewSHA1(runNamespace, []byte(forgeKind+"/"+req.Delivery)).String()
	msgID := "webhook/" + forgeKind + "/" + deliveryKey(req.Delivery) + "/pipeline"
	if _, err := g.Bus.Publish(ctx, &req, bus.WithID(msgID), bus.WithRunID(runID)); err != nil {
		return "", false, nil, err
	}
	// Written once the answer is out: within JetStream's de-duplication
	// window the command's id keeps a redelivery from building twice
	// already; the bucket remembers the delivery after it (7 days), and
	// the pipeline writes the run record if the queued one is missing.
	remember = func(ctx context.Context) {
		b, _ := json.Marshal(seen{Run: runID, Delivery: req.Delivery, Digest: digest})
		var eg errgroup.Group
		for _, k := range []string{key, bodyKey} {
			eg.Go(func() error {
				_, err := g.Deliveries.Put(ctx, k, b)
				return err
			})
		}
		eg.Go(func() error {
			rec := &runs.Record{ID: runID, Kind: "pipeline", Trigger: req.Trigger, State: runs.Queued, Stack: req.Stack, Repo: req.Git.Repo,
				Ref: req.Git.Ref, Commit: req.Git.Commit, Channel: req.Channel, PR: req.PR, Forge: req.Forge, Delivery: req.Delivery,
				Sender: req.Sender, Created: time.Now().UTC()}
			_, err := g.Runs.Create(ctx, rec)
			return err
		})
		if err := eg.Wait(); err != nil {
			g.Log.Warn().Err(err).Str("run", runID).Msg("webhook: delivery or run record not kept")
		}
	}
	return runID, false, remember, nil
}

func (g *Gateway) lookupDelivery(ctx context.Context, key string) (seen, bool, error) {
	e, err := g.Deliveries.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return seen{}, false, nil
	}
	if err != nil {
		return seen{}, false, err
	}
	var s seen
	if err := json.Unmarshal(e.Value(), &s); err != nil {
		return seen{}, false, fmt.Errorf("deliveries: %s: %w", key, err)
	}
	return s, true, nil
}

// deliveryKey is a delivery id in a form any key or subject accepts.
func deliveryKey(id string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(id)))
	return hex.EncodeToString(sum[:16])
}

// noteRequest keeps track of which pr-<n> channels are done with: a
// request that closed is recorded for ring repo gc to retire its channel;
// one opened, updated or reopened takes the record back.
func (g *Gateway) noteRequest(ctx context.Context, rec gitstack.Record, d forge.Delivery) error {
	if d.Kind != forge.KindPullRequest || d.PR <= 0 {
		return nil
	}
	channel := gitstack.PRChannel(d.PR)
	switch d.PRAction {
	case forge.ActionClosed:
		return g.Requests.Closed(ctx, gitstack.ClosedRequest{Channel: channel, Stack: rec.Name, PR: d.PR, Merged: d.Merged, Closed: time.Now().UTC()})
	case forge.ActionOpened, forge.ActionSynchronize, forge.ActionReopened:
		return g.Requests.Opened(ctx, channel)
	}
	return nil
}
