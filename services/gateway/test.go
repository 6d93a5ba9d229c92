package gateway

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/runs"
	"ringmaster.dev/kit/service"
)

// tested is what the Tested bucket keeps of a passing test run.
type tested struct {
	Run      string `json:"run"`
	Commit   string `json:"commit"`
	Passed   int    `json:"passed"`
	Skipped  int    `json:"skipped"`
	JUnitKey string `json:"junit_key"`
}

// test creates the stack's test cluster from the channel just published,
// runs the suites on it and removes it. Packages and a test spec that
// passed before (the same build keys on the same distro, the same spec,
// the same Ringmaster) are not tested again, except on a retest.
func (p *pipeline) test(ctx context.Context, target string) error {
	b := p.st.build
	spec := events.TestSpec{}
	if b.Test != nil {
		spec = *b.Test
	}
	distro := spec.Distro
	if distro == "" && len(b.Published) > 0 {
		distro = b.Published[0]
	}
	key := testKey(b, spec, distro)
	if p.req.Trigger != events.TriggerRetest {
		if prior, err := p.g.lookupTested(ctx, key); err != nil {
			return err
		} else if prior != nil && prior.Run != p.rec.ID {
			why := fmt.Sprintf("tested in run %s at commit %s: the same packages and test spec", events.ShortRunID(prior.Run), short(prior.Commit))
			for _, s := range []string{StageCluster, StageTest, StageDestroy} {
				if err := p.stage(ctx, s, "skipped", why); err != nil {
					return err
				}
			}
			p.rec.Tests = &runs.TestSummary{Passed: prior.Passed, Skipped: prior.Skipped, Cached: prior.Run}
			p.rec.JUnitKey = prior.JUnitKey
			return p.status(ctx, ContextTest, "success", fmt.Sprintf("%d passed (%s)", prior.Passed, why), target)
		}
	}
	name := "ci-" + events.ShortRunID(p.rec.ID)
	p.rec.Cluster = name
	if err := p.status(ctx, ContextTest, "pending", fmt.Sprintf("cluster %s on %s", name, distro), target); err != nil {
		return err
	}
	if err := p.stage(ctx, StageCluster, runs.Running, "cluster "+name+" on "+distro); err != nil {
		return err
	}
	create := &events.ClusterCreateRequested{Name: name, Stack: p.req.Stack, Commit: p.req.Git.Commit, Channel: b.Channel, Distro: distro,
		Nodes: spec.Nodes, Roles: spec.Roles, MemoryMB: spec.MemoryMB, Builds: builtVersions(b.Cells, distro)}
	if err := p.d.EmitAs("cluster", create); err != nil {
		return err
	}
	err := p.await(ctx, p.g.Opts.ClusterTimeout, func() bool {
		return p.st.ready != nil || p.st.clusterFail != "" || p.st.failed["cluster.create.requested"] != ""
	})
	if err == nil && p.st.ready == nil {
		err = errors.New(cmp.Or(p.st.clusterFail, p.st.failed["cluster.create.requested"]))
		p.destroy(ctx, name) // a half-made cluster goes too
		return p.failed(ctx, p.fail(ctx, nil, StageCluster, ContextTest, "cluster %s: %v", name, err))
	}
	if err != nil {
		if errors.Is(err, errTimeout) {
			p.destroy(ctx, name)
		}
		return p.failed(ctx, p.fail(ctx, err, StageCluster, ContextTest, "cluster %s: %v", name, err))
	}
	if err := p.stage(ctx, StageCluster, runs.Success, fmt.Sprintf("%s ready in %.0fs", plural(len(p.st.ready.Nodes), "node"), p.st.ready.Seconds)); err != nil {
		return err
	}
	if err := p.stage(ctx, StageTest, runs.Running, "suites "+cmp.Or(strings.Join(spec.Suites, ", "), "that apply")); err != nil {
		return err
	}
	if err := p.d.EmitAs("test", &events.TestRunRequested{Cluster: name, Suites: spec.Suites}); err != nil {
		return err
	}
	err = p.await(ctx, p.g.Opts.TestTimeout, func() bool { return p.st.test != nil || p.st.failed["test.run.requested"] != "" })
	if err != nil && !errors.Is(err, errTimeout) {
		return err
	}
	outcome, detail := testOutcome(p.st.test, p.st.failed["test.run.requested"], err)
	if t := p.st.test; t != nil {
		p.rec.JUnitKey = t.JUnitKey
		p.rec.Tests = &runs.TestSummary{Passed: t.Passed, Failed: t.Failed, Skipped: t.Skipped}
	}
	if err := p.stage(ctx, StageTest, outcome, detail); err != nil {
		return err
	}
	if err := p.destroy(ctx, name); err != nil {
		return err
	}
	if outcome != runs.Success {
		return p.failed(ctx, p.fail(ctx, nil, StageTest, ContextTest, "%s", detail))
	}
	if err := p.g.rememberTested(ctx, key, tested{Run: p.rec.ID, Commit: p.req.Git.Commit, Passed: p.st.test.Passed,
		Skipped: p.st.test.Skipped, JUnitKey: p.st.test.JUnitKey}); err != nil {
		p.log.Warn().Err(err).Msg("test avoidance: not remembered")
	}
	return p.status(ctx, ContextTest, "success", detail, p.g.Opts.PublicURL+"/runs/"+p.rec.ID+"/junit.xml")
}

// failed turns a reported failure (fail returned nil) into errRunFailed.
func (p *pipeline) failed(_ context.Context, err error) error {
	if err != nil {
		return err
	}
	return errRunFailed
}

// destroy removes the run's cluster and waits for it to be gone. A
// destroy that fails is recorded on the stage; the run's outcome stands.
func (p *pipeline) destroy(ctx context.Context, name string) error {
	if err := p.stage(ctx, StageDestroy, runs.Running, "removing cluster "+name); err != nil {
		return err
	}
	if err := p.d.EmitAs("destroy", &events.ClusterDestroyRequested{Name: name}); err != nil {
		return err
	}
	err := p.await(ctx, p.g.Opts.ClusterTimeout, func() bool { return p.st.destroyed || p.st.failed["cluster.destroy.requested"] != "" })
	switch {
	case err != nil && !errors.Is(err, errTimeout):
		return err
	case err != nil:
		return p.stage(ctx, StageDestroy, runs.Failure, fmt.Sprintf("cluster %s: %v (ring cluster destroy %s)", name, err, name))
	case !p.st.destroyed:
		return p.stage(ctx, StageDestroy, runs.Failure, fmt.Sprintf("cluster %s: %s (ring cluster destroy %s)", name, p.st.failed["cluster.destroy.requested"], name))
	}
	return p.stage(ctx, StageDestroy, runs.Success, "cluster "+name+" removed")
}

// testOutcome is a test stage's state and sentence.
func testOutcome(t *events.TestFinished, gaveUp string, waitErr error) (string, string) {
	switch {
	case waitErr != nil:
		return runs.Failure, "the suites: " + waitErr.Error()
	case t == nil:
		return runs.Failure, "the tester gave up: " + gaveUp
	}
	var bad []string
	for _, c := range t.Cases {
		if c.Outcome == "failed" || c.Outcome == "error" {
			msg, _, _ := strings.Cut(c.Message, "\n")
			bad = append(bad, fmt.Sprintf("%s/%s %s: %s", c.Suite, c.Name, c.Outcome, msg))
		}
	}
	if len(bad) > 0 {
		return runs.Failure, fmt.Sprintf("%d of %d cases did not pass: %s", len(bad), len(t.Cases), strings.Join(bad, "; "))
	}
	if t.Passed == 0 {
		return runs.Failure, fmt.Sprintf("no case passed (%d skipped): the cluster runs nothing the suites test", t.Skipped)
	}
	return runs.Success, fmt.Sprintf("%d passed, %d skipped in %.0fs", t.Passed, t.Skipped, t.Seconds)
}

// testKey is what a test run's result depends on: the build keys of the
// distro's cells, the test spec, the distro and this Ringmaster's version.
func testKey(b *events.BuildFinished, spec events.TestSpec, distro string) string {
	var keys []string
	for _, c := range b.Cells {
		if c.Distro == distro {
			keys = append(keys, c.Component+"="+c.BuildKey)
		}
	}
	sort.Strings(keys)
	js, _ := json.Marshal(spec)
	h := sha256.New()
	fmt.Fprintf(h, "ringmaster-test-v1\n%s\n%s\n%s\n%s\n%s\n", service.Version, b.Stack, distro, js, strings.Join(keys, "\n"))
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func (g *Gateway) lookupTested(ctx context.Context, key string) (*tested, error) {
	e, err := g.Tested.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var t tested
	if err := json.Unmarshal(e.Value(), &t); err != nil {
		return nil, nil // unreadable: test again
	}
	return &t, nil
}

func (g *Gateway) rememberTested(ctx context.Context, key string, t tested) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	_, err = g.Tested.Put(ctx, key, b)
	return err
}

// plural is "1 node", "3 nodes".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
