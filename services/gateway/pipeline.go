package gateway

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/kit/runs"
)

// Stages of a pipeline run, and the commit statuses they report as.
const (
	StageBuild   = "build"
	StagePublish = "publish"
	StageCluster = "cluster"
	StageTest    = "test"
	StageDestroy = "destroy"
	StagePromote = "promote"

	ContextBuild   = "ringmaster/build"
	ContextTest    = "ringmaster/test"
	ContextRelease = "ringmaster/release"
)

// errTimeout is a wait that ran past its stage's bound.
var errTimeout = errors.New("timed out")

// statusOrderWait bounds how long a status waits for the one before it on
// the same context to be posted, so they reach the forge in order.
const statusOrderWait = 2 * time.Minute

var channelRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// pipeline is one pipeline.run.requested being coordinated.
type pipeline struct {
	g     *Gateway
	d     *bus.Delivery
	req   *events.PipelineRunRequested
	stack gitstack.Record
	rec   *runs.Record
	st    *state
	facts <-chan events.Envelope
	log   zerolog.Logger
	// pending are the contexts this run asked a pending status for (the
	// stages replay from the start after a crash, so it is rebuilt).
	pending map[string]bool
}

// handlePipeline takes a commit through build, publish, a test cluster,
// the suites and the cluster's removal (and, for a v* tag, a promote to
// stable), reporting to the forge. Every command goes out under the run
// with an id derived from the pipeline's, and where the run stands is
// derived from the run's facts, replayed from the stream: a redelivered
// pipeline (its process died) continues where the last one was, sending
// nothing twice. The run's failures are its outcome, not the handler's:
// they end it with a failure status and the handler returns nil.
func (g *Gateway) handlePipeline(d *bus.Delivery) error {
	req := d.Payload.(*events.PipelineRunRequested)
	if err := validatePipeline(req); err != nil {
		return bus.Permanent(err)
	}
	stack, err := g.Stacks.Get(d.Ctx, req.Stack)
	if errors.Is(err, gitstack.ErrNotFound) {
		return bus.Permanent(err)
	}
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(d.Ctx)
	defer stop()
	replay, err := g.Bus.ReplayRun(ctx, d.Envelope.RunID, d.Envelope.Time.Add(-time.Minute), pipelineFacts...)
	if err != nil {
		return err
	}
	p := &pipeline{g: g, d: d, req: req, stack: stack, st: newState(), facts: replay.Facts, pending: map[string]bool{},
		log: d.Log.With().Str("stack", req.Stack).Str("commit", short(req.Git.Commit)).Logger()}
	// Where the run stands: every fact stored before this attempt.
	for caught := false; !caught; {
		select {
		case env, ok := <-replay.Facts:
			if !ok {
				return ctx.Err()
			}
			p.st.apply(env)
		case <-replay.CaughtUp:
			caught = true
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := p.record(ctx); err != nil {
		return err
	}
	return p.run(ctx)
}

func validatePipeline(req *events.PipelineRunRequested) error {
	if err := (&gitstack.Record{Name: req.Stack, Git: req.Git.Repo, Path: req.Git.Path}).Validate(); err != nil {
		return err
	}
	if !commitRE.MatchString(req.Git.Commit) {
		return fmt.Errorf("commit %q: want 40 lowercase hex digits", req.Git.Commit)
	}
	if req.Git.Ref != "" {
		if err := gitstack.CheckRefName(req.Git.Ref); err != nil {
			return err
		}
	}
	for _, c := range []string{req.Channel, req.PromoteTo} {
		if c != "" && !channelRE.MatchString(c) {
			return fmt.Errorf("channel %q: want lowercase letters, digits and '-'", c)
		}
	}
	return nil
}

// record loads (or makes) the run's record and marks it running.
func (p *pipeline) record(ctx context.Context) error {
	id := p.d.Envelope.RunID
	r, err := p.g.Runs.Get(ctx, id)
	if errors.Is(err, runs.ErrNotFound) {
		req := p.req
		r = runs.Record{ID: id, Kind: "pipeline", Trigger: cmp.Or(req.Trigger, events.TriggerManual), Stack: req.Stack, Repo: req.Git.Repo,
			Ref: req.Git.Ref, Commit: req.Git.Commit, Channel: req.Channel, PR: req.PR, Forge: req.Forge, Delivery: req.Delivery,
			Sender: req.Sender, Created: p.d.Envelope.Time.UTC()}
	} else if err != nil {
		return err
	}
	if r.Done() {
		// Finished before a crash took the acknowledgement: nothing to do.
		p.rec = &r
		return nil
	}
	r.State = runs.Running
	p.rec = &r
	return p.g.Runs.Put(ctx, p.rec)
}

// run goes through the stages from where the run stands.
func (p *pipeline) run(ctx context.Context) error {
	if p.rec.Done() {
		return nil
	}
	target := p.g.Opts.PublicURL + "/runs/" + p.rec.ID
	if err := p.status(ctx, ContextBuild, "pending", "building "+short(p.req.Git.Commit), target); err != nil {
		return err
	}
	// Build, and publish what was built.
	if err := p.stage(ctx, StageBuild, runs.Running, "building"); err != nil {
		return err
	}
	build := &events.BuildRequested{Stack: p.req.Stack, Channel: p.req.Channel, Git: &p.req.Git}
	if err := p.d.EmitAs("build", build); err != nil {
		return err
	}
	err := p.await(ctx, p.g.Opts.BuildTimeout, func() bool { return p.st.build != nil || p.st.failed["build.requested"] != "" })
	if err != nil {
		return p.fail(ctx, err, StageBuild, ContextBuild, "the build: %v", err)
	}
	if why := p.st.failed["build.requested"]; why != "" {
		return p.fail(ctx, nil, StageBuild, ContextBuild, "%s", why)
	}
	b := p.st.build
	p.rec.Cells, p.rec.Channel = b.Cells, b.Channel
	if bad := failedCells(b.Cells); bad != "" {
		return p.fail(ctx, nil, StageBuild, ContextBuild, "%s", bad)
	}
	if err := p.stage(ctx, StageBuild, runs.Success, cellSummary(b.Cells)); err != nil {
		return err
	}
	if err := p.stage(ctx, StagePublish, runs.Running, "publishing to "+b.Channel); err != nil {
		return err
	}
	err = p.await(ctx, p.g.Opts.BuildTimeout, func() bool {
		return p.st.failed["repo.publish.requested"] != "" || p.allPublished(b.Published)
	})
	if err != nil {
		return p.fail(ctx, err, StagePublish, ContextBuild, "publishing: %v", err)
	}
	if why := p.st.failed["repo.publish.requested"]; why != "" {
		return p.fail(ctx, nil, StagePublish, ContextBuild, "publishing to %s: %s", b.Channel, why)
	}
	done := fmt.Sprintf("%s, published to %s", cellSummary(b.Cells), b.Channel)
	if err := p.stage(ctx, StagePublish, runs.Success, "signed repositories of "+b.Channel+" are live"); err != nil {
		return err
	}
	if err := p.status(ctx, ContextBuild, "success", done, target); err != nil {
		return err
	}
	// The test cluster and its suites.
	if b.Test != nil && b.Test.Skip {
		for _, s := range []string{StageCluster, StageTest, StageDestroy} {
			if err := p.stage(ctx, s, "skipped", "the stack's test: says skip"); err != nil {
				return err
			}
		}
	} else if err := p.test(ctx, target); err != nil {
		if errors.Is(err, errRunFailed) {
			return nil
		}
		return err
	}
	if p.req.PromoteTo != "" {
		if err := p.promote(ctx, target); err != nil {
			if errors.Is(err, errRunFailed) {
				return nil
			}
			return err
		}
	}
	return p.finish(ctx, runs.Success, "")
}

// errRunFailed says the run ended with a failure that is already reported.
var errRunFailed = errors.New("run failed")

// allPublished tells whether every distro of the build is published.
func (p *pipeline) allPublished(distros []string) bool {
	for _, d := range distros {
		if !p.st.published[d] {
			return false
		}
	}
	return true
}

// await applies the run's facts until done holds, the stage's time is up
// (errTimeout) or ctx ends.
func (p *pipeline) await(ctx context.Context, timeout time.Duration, done func() bool) error {
	if done() {
		return nil
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case env, ok := <-p.facts:
			if !ok {
				return cmp.Or(ctx.Err(), errors.New("the fact stream ended"))
			}
			p.st.apply(env)
			if done() {
				return nil
			}
		case <-t.C:
			return fmt.Errorf("%w after %s", errTimeout, timeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// stage records a stage's state in the run record and as a fact.
func (p *pipeline) stage(ctx context.Context, name, state, detail string) error {
	p.rec.SetStage(name, state, detail, time.Now().UTC())
	if err := p.d.EmitAs(name+"/"+state, &events.PipelineStage{Stack: p.req.Stack, Commit: p.req.Git.Commit, Stage: name, State: state, Detail: detail}); err != nil {
		return err
	}
	return p.g.Runs.Put(ctx, p.rec)
}

// fail ends the run as a failure of stage, reported on the forge context.
// A cancelled context (shutdown) is no failure: it is returned, so the
// command comes back and the run continues.
func (p *pipeline) fail(ctx context.Context, cause error, stage, forgeContext, format string, args ...any) error {
	if cause != nil && !errors.Is(cause, errTimeout) {
		return cause
	}
	reason := fmt.Sprintf(format, args...)
	if err := p.stage(ctx, stage, runs.Failure, reason); err != nil {
		return err
	}
	if err := p.status(ctx, forgeContext, "failure", reason, p.g.Opts.PublicURL+"/runs/"+p.rec.ID); err != nil {
		return err
	}
	if err := p.finish(ctx, runs.Failure, reason); err != nil {
		return err
	}
	return nil
}

// finish records the run's end and emits pipeline.finished.
func (p *pipeline) finish(ctx context.Context, state, reason string) error {
	p.rec.State, p.rec.Reason, p.rec.Finished = state, reason, time.Now().UTC()
	f := &events.PipelineFinished{Stack: p.req.Stack, Commit: p.req.Git.Commit, Channel: p.rec.Channel, State: state, Reason: reason,
		Cluster: p.rec.Cluster, JUnit: p.rec.JUnitKey, Seconds: p.rec.Seconds()}
	if err := p.d.Emit(f); err != nil {
		return err
	}
	p.log.Info().Str("state", state).Str("reason", reason).Float64("seconds", f.Seconds).Msg("pipeline finished")
	return p.g.Runs.Put(ctx, p.rec)
}

// status asks for a commit status on the stack's forge — after the one
// before it on the same context was posted (or given up), so the forge
// gets them in order. A stack without a forge gets none.
func (p *pipeline) status(ctx context.Context, forgeContext, state, description, target string) error {
	if p.stack.Forge == "" || !p.stack.Token {
		return nil
	}
	if state == "pending" {
		p.pending[forgeContext] = true
	} else if p.pending[forgeContext] {
		err := p.await(ctx, statusOrderWait, func() bool { return p.st.posted[forgeContext+"/pending"] })
		if err != nil && !errors.Is(err, errTimeout) {
			return err
		}
	}
	return p.d.EmitAs(forgeContext+"/"+state, &events.ForgeStatusRequested{Stack: p.req.Stack, Forge: p.stack.Forge, Commit: p.req.Git.Commit,
		Ref: p.req.Git.Ref, Context: forgeContext, State: state, Description: description, TargetURL: target})
}

// failedCells names the cells that did not build, or "".
func failedCells(cells []events.CellResult) string {
	var bad []string
	for _, c := range cells {
		if c.State != "ok" {
			why, _, _ := strings.Cut(c.Reason, "\n")
			bad = append(bad, fmt.Sprintf("%s on %s %s: %s", c.Component, c.Distro, c.State, why))
		}
	}
	if len(bad) == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d cells did not build: %s", len(bad), len(cells), strings.Join(bad, "; "))
}

// cellSummary says how many cells built and how many came from the cache.
func cellSummary(cells []events.CellResult) string {
	cached := 0
	for _, c := range cells {
		if c.Cached {
			cached++
		}
	}
	return fmt.Sprintf("%s built (%d from the build cache)", plural(len(cells), "cell"), cached)
}

func short(commit string) string { return commit[:min(12, len(commit))] }
