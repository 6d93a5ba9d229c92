package tester

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/repository"
	"ringmaster.dev/kit/role"
	"ringmaster.dev/kit/stack"
	"ringmaster.dev/tester/sweep"
)

// Sweep defaults and bounds.
const (
	DefaultSweepNodes = 3
	DefaultSweepMax   = 16
	// MaxSweepParallel bounds the combinations measured at once.
	MaxSweepParallel = 8
)

// SweepOptions locate what a sweep reads besides the blob store.
type SweepOptions struct {
	StacksDir, RolesDir string
	// ClusterTimeout bounds the wait for one combination's cluster.
	ClusterTimeout time.Duration
}

// Run is the part of a bus delivery a sweep uses: commands and facts go out
// under the delivery's run, and the run's facts come back through a watch.
type Run interface {
	EmitAs(key string, payload any) error
	Watch() (*bus.Watch, error)
	RunID() string
	Attempt() int
}

// errSweep is a sweep request that cannot succeed as written.
var errSweep = errors.New("invalid sweep request")

// Sweep runs a compatibility sweep: for every combination of the component
// versions the channel publishes (sweep.Plan), a cluster with exactly those
// versions through the provisioner — the compatibility policy decides first
// — the suites on it, then the cluster is destroyed. The results go to the
// blob store (sweep.Key and sweep.LatestKey) and into the returned fact.
func (t *Tester) Sweep(ctx context.Context, req events.SweepRunRequested, run Run, log zerolog.Logger) (events.SweepFinished, error) {
	started := time.Now().UTC()
	if err := cluster.ValidateName("stack", req.Stack); err != nil {
		return events.SweepFinished{}, fmt.Errorf("%w: %w", errSweep, err)
	}
	if req.Nodes < 0 || req.Max < 0 || req.Parallel < 0 || req.Parallel > MaxSweepParallel {
		return events.SweepFinished{}, fmt.Errorf("%w: nodes %d, max %d, parallel %d: want 0 (the default) or more, parallel at most %d",
			errSweep, req.Nodes, req.Max, req.Parallel, MaxSweepParallel)
	}
	prefix := req.Prefix
	if prefix == "" {
		prefix = "sweep-" + events.ShortRunID(run.RunID())
	}
	if err := cluster.ValidateName("sweep prefix", clusterName(prefix, 99, 9)); err != nil {
		return events.SweepFinished{}, fmt.Errorf("%w: %w", errSweep, err)
	}
	st, err := stack.Load(filepath.Join(t.Sweeps.StacksDir, req.Stack, "stack.yaml"))
	if err != nil {
		return events.SweepFinished{}, fmt.Errorf("%w: stack %q: %w", errSweep, req.Stack, err)
	}
	roles, err := role.Load(t.Sweeps.RolesDir)
	if err != nil {
		return events.SweepFinished{}, err
	}
	var comps []sweep.Component
	for _, c := range st.Components {
		if r := roles[c.Name]; r != nil {
			comps = append(comps, sweep.Component{Name: c.Name, Packages: r.Packages})
		}
	}
	if len(comps) == 0 {
		return events.SweepFinished{}, fmt.Errorf("%w: stack %s has no component with a role in %s", errSweep, st.Name, t.Sweeps.RolesDir)
	}
	channel := cmp.Or(req.Channel, st.Channel)
	distros := req.Distros
	if len(distros) == 0 {
		distros = st.Distros
	}
	published := map[string][]repository.Package{}
	for _, d := range distros {
		pkgs, err := repository.Packages(ctx, t.Store, d, channel)
		if err != nil && !errors.Is(err, repository.ErrNotPublished) {
			return events.SweepFinished{}, err
		}
		published[d] = pkgs
	}
	combos, notes := sweep.Plan(published, distros, comps, cmp.Or(req.Max, DefaultSweepMax))
	for _, n := range notes {
		log.Warn().Str("stack", st.Name).Msg(n)
	}
	w, err := run.Watch()
	if err != nil {
		return events.SweepFinished{}, err
	}
	defer w.Stop()
	fctx, stopFeed := context.WithCancel(ctx)
	defer stopFeed()
	fd := newFeed(fctx, w)
	fin := events.SweepFinished{Stack: st.Name, Channel: channel, Notes: notes, Key: sweep.Key(st.Name, run.RunID())}
	if run.Attempt() > 1 {
		if err := t.buryEarlierAttempts(ctx, prefix, len(combos), run, fd, log); err != nil {
			return events.SweepFinished{}, err
		}
	}
	// Combinations are measured req.Parallel at a time (default one);
	// results keep the plan's order whatever finishes first.
	fin.Results = make([]events.SweepResult, len(combos))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(req.Parallel, 1))
	for i, c := range combos {
		g.Go(func() error {
			name := clusterName(prefix, i+1, run.Attempt())
			log.Info().Str("cluster", name).Str("combination", c.String()).Msg("sweep: combination")
			r, err := t.sweepOne(gctx, req, channel, c, name, run, fd, log)
			fin.Results[i] = r
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return events.SweepFinished{}, err
	}
	doc, err := json.MarshalIndent(sweep.Results{Version: 1, Stack: st.Name, Channel: channel, Run: run.RunID(),
		Started: started, Finished: time.Now().UTC(), Results: fin.Results, Notes: notes}, "", "  ")
	if err != nil {
		return events.SweepFinished{}, err
	}
	for _, key := range []string{fin.Key, sweep.LatestKey(st.Name)} {
		if _, err := t.Store.Put(ctx, key, bytes.NewReader(doc), int64(len(doc)), blob.PutOptions{ContentType: "application/json"}); err != nil {
			return events.SweepFinished{}, fmt.Errorf("store the sweep's results: %w", err)
		}
	}
	return fin, nil
}

// sweepOne measures one combination. An error is the sweep's own (the bus,
// the store): the combination's failures are its outcome.
func (t *Tester) sweepOne(ctx context.Context, req events.SweepRunRequested, channel string, c sweep.Combination, name string, run Run, fd *feed, log zerolog.Logger) (events.SweepResult, error) {
	start := time.Now()
	answers, unsubscribe := fd.subscribe(name)
	defer unsubscribe()
	res := events.SweepResult{Distro: c.Distro, Versions: c.Versions, Cluster: name}
	done := func(outcome, detail string) (events.SweepResult, error) {
		res.Outcome, res.Detail, res.Seconds = outcome, detail, time.Since(start).Seconds()
		keep := req.KeepFailed && (outcome == sweep.Failed || outcome == sweep.Error)
		if !keep && outcome != sweep.Denied {
			if err := t.destroy(ctx, name, run, answers); err != nil {
				return res, err
			}
		}
		return res, nil
	}
	cmd := events.ClusterCreateRequested{Name: name, Stack: req.Stack, Channel: channel, Distro: c.Distro,
		Nodes: cmp.Or(req.Nodes, DefaultSweepNodes), Versions: c.Versions, KeepFailed: req.KeepFailed}
	if err := run.EmitAs(name, &cmd); err != nil {
		return res, err
	}
	outcome, detail, err := t.awaitCluster(ctx, answers, name)
	if err != nil {
		return res, err
	}
	if outcome != "" {
		return done(outcome, detail)
	}
	fin, err := t.Run(ctx, events.TestRunRequested{Cluster: name, Suites: req.Suites}, run.RunID(), log, func(tc events.TestCase) {
		if err := run.EmitAs(name+"/"+tc.Suite+"/"+tc.Name, &tc); err != nil {
			log.Warn().Err(err).Msg("test case event")
		}
	})
	if err != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		return done(sweep.Error, "tests: "+err.Error())
	}
	res.JUnitKey = fin.JUnitKey
	if err := run.EmitAs(name, &fin); err != nil {
		return res, err
	}
	return done(testOutcome(fin))
}

// testOutcome is a combination's outcome from its test run: failed when an
// assertion failed (naming every case that failed or erred, and why), error
// when only the infrastructure did (not a fact about the versions), else
// passed with the counts.
func testOutcome(fin events.TestFinished) (outcome, detail string) {
	var bad []string
	assertion := false
	for _, tc := range fin.Cases {
		if tc.Outcome == "failed" || tc.Outcome == "error" {
			bad = append(bad, fmt.Sprintf("%s/%s: %s", tc.Suite, tc.Name, tc.Message))
			assertion = assertion || tc.Outcome == "failed"
		}
	}
	switch {
	case assertion:
		return sweep.Failed, strings.Join(bad, "; ")
	case len(bad) > 0 || fin.Failed > 0:
		return sweep.Error, "infrastructure: " + strings.Join(bad, "; ")
	}
	return sweep.Passed, fmt.Sprintf("%d passed, %d skipped", fin.Passed, fin.Skipped)
}

// clusterName is the cluster of the i-th combination (from 1) in a sweep's
// attempt: <prefix>-<i>, and <prefix>-<i>-a<attempt> when a sweep is
// redelivered — a new cluster, never one an earlier attempt left.
func clusterName(prefix string, i, attempt int) string {
	if attempt <= 1 {
		return fmt.Sprintf("%s-%d", prefix, i)
	}
	return fmt.Sprintf("%s-%d-a%d", prefix, i, attempt)
}

// buryEarlierAttempts destroys, through the provisioner, every cluster an
// earlier attempt of this sweep made or asked for: the destroy buries the
// name for this run, so a create command of that attempt still on its way
// (the provisioner died too) does not make the cluster after all.
func (t *Tester) buryEarlierAttempts(ctx context.Context, prefix string, combos int, run Run, fd *feed, log zerolog.Logger) error {
	for a := 1; a < run.Attempt(); a++ {
		for i := 1; i <= combos; i++ {
			name := clusterName(prefix, i, a)
			log.Info().Str("cluster", name).Msg("sweep: removing what an earlier attempt made")
			answers, unsubscribe := fd.subscribe(name)
			err := t.destroy(ctx, name, run, answers)
			unsubscribe()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// destroy asks the provisioner to destroy cluster name for this run and
// waits for it; no answer within the timeout is logged, not fatal.
func (t *Tester) destroy(ctx context.Context, name string, run Run, answers <-chan any) error {
	if err := run.EmitAs("destroy/"+name, &events.ClusterDestroyRequested{Name: name}); err != nil {
		return err
	}
	_, err := awaitFact(ctx, answers, cmp.Or(t.Sweeps.ClusterTimeout, 5*time.Minute), func(payload any) (struct{}, bool) {
		f, ok := payload.(*events.ClusterDestroyed)
		return struct{}{}, ok && f.Name == name
	})
	if errors.Is(err, errNoAnswer) {
		t.Log.Warn().Str("cluster", name).Msg("sweep: the provisioner did not confirm the destroy")
		return nil
	}
	return err
}

// errNoAnswer is a wait for a fact that timed out.
var errNoAnswer = errors.New("no answer")

// awaitFact reads answers until match says one is the answer (and returns
// what match made of it), the timeout passes (errNoAnswer) or ctx ends.
func awaitFact[T any](ctx context.Context, answers <-chan any, timeout time.Duration, match func(payload any) (T, bool)) (T, error) {
	var zero T
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case payload := <-answers:
			if v, ok := match(payload); ok {
				return v, nil
			}
		case <-timer.C:
			return zero, errNoAnswer
		case <-ctx.Done():
			return zero, ctx.Err()
		}
	}
}

// awaitCluster waits for the provisioner's answer about cluster name: ""
// when it is ready, else the outcome (denied, error) and why.
func (t *Tester) awaitCluster(ctx context.Context, answers <-chan any, name string) (outcome, detail string, err error) {
	type answer struct{ outcome, detail string }
	timeout := cmp.Or(t.Sweeps.ClusterTimeout, 15*time.Minute)
	got, err := awaitFact(ctx, answers, timeout, func(payload any) (answer, bool) {
		switch f := payload.(type) {
		case *events.ClusterReady:
			return answer{}, f.Name == name
		case *events.ClusterRejected:
			msgs := make([]string, len(f.Reasons))
			for i, r := range f.Reasons {
				msgs[i] = r.Rule + ": " + r.Message
			}
			return answer{sweep.Denied, strings.Join(msgs, "; ")}, f.Name == name
		case *events.ClusterFailed:
			return answer{sweep.Error, f.Reason}, f.Name == name
		}
		return answer{}, false
	})
	if errors.Is(err, errNoAnswer) {
		return sweep.Error, fmt.Sprintf("the provisioner did not answer within %s (is it running?)", timeout), nil
	}
	return got.outcome, got.detail, err
}
