// Package suite holds the tester's suites and the runner that executes
// them: every case has a deadline, infrastructure faults (Docker, a
// connection that could not be made) are retried once and reported as
// errors, assertion failures are never retried.
package suite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/kit/cluster"
)

// Outcomes of a case.
const (
	Passed  = "passed"
	Failed  = "failed"
	Skipped = "skipped"
	Error   = "error"
)

// Env is what cases work with.
type Env struct {
	Cluster cluster.Cluster
	Docker  *cluster.Provider
	// Repo reads the channel's repository (for upgrade cases).
	Repo Repo
	// RunID names test data (and scratch containers) so that runs do not
	// collide: short, lowercase.
	RunID string
	Log   zerolog.Logger
}

// Case is one named check.
type Case struct {
	Name    string
	Timeout time.Duration
	Run     func(ctx context.Context, env *Env) error
}

// Suite is a set of cases for one component (or for packages).
type Suite struct {
	Name string
	// Needs is the component the cluster must run for the suite to apply
	// ("" for every cluster).
	Needs string
	Cases []Case
}

// Result is a finished case.
type Result struct {
	Suite, Case string
	Outcome     string
	Message     string
	Took        time.Duration
}

// ErrInfra marks a fault of the infrastructure, not of the system under test.
var ErrInfra = errors.New("infrastructure fault")

// errSkip marks a case that does not apply.
var errSkip = errors.New("skipped")

// Infra wraps err as an infrastructure fault.
func Infra(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrInfra, err)
}

// Skip ends a case as skipped with a reason.
func Skip(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errSkip, fmt.Sprintf(format, args...))
}

// Failf is an assertion failure.
func Failf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// All is every suite, in the order they run.
func All() []Suite { return []Suite{Packages(), ZooKeeper(), Redis(), Ringhello()} }

// Select picks the suites that apply to the cluster, or the named ones
// (an unknown name is an error that lists the known).
func Select(c cluster.Cluster, names []string) ([]Suite, error) {
	runs := map[string]bool{}
	for _, n := range c.Nodes {
		for _, r := range n.Roles {
			runs[r] = true
		}
	}
	var out []Suite
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	for _, s := range All() {
		if len(names) > 0 && !want[s.Name] {
			continue
		}
		delete(want, s.Name)
		if s.Needs != "" && !runs[s.Needs] {
			if len(names) > 0 {
				return nil, fmt.Errorf("suite %s needs %s, which cluster %s does not run", s.Name, s.Needs, c.Spec.Name)
			}
			continue
		}
		out = append(out, s)
	}
	for n := range want {
		var known []string
		for _, s := range All() {
			known = append(known, s.Name)
		}
		return nil, fmt.Errorf("no suite %q (suites: %v)", n, known)
	}
	return out, nil
}

// Run executes suites case by case, in order, and reports each result.
func Run(ctx context.Context, env *Env, suites []Suite, report func(Result)) []Result {
	var out []Result
	for _, s := range suites {
		for _, c := range s.Cases {
			r := runCase(ctx, env, s.Name, c)
			out = append(out, r)
			if report != nil {
				report(r)
			}
		}
	}
	return out
}

func runCase(ctx context.Context, env *Env, suite string, c Case) Result {
	start := time.Now()
	timeout := c.Timeout
	if timeout == 0 {
		timeout = time.Minute
	}
	var err error
	for attempt := 1; attempt <= 2; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		err = c.Run(cctx, env)
		cancel()
		if !errors.Is(err, ErrInfra) || ctx.Err() != nil {
			break
		}
		env.Log.Warn().Err(err).Str("case", suite+"/"+c.Name).Int("attempt", attempt).Msg("infrastructure fault; retrying once")
	}
	r := Result{Suite: suite, Case: c.Name, Took: time.Since(start), Outcome: Passed}
	switch {
	case err == nil:
	case errors.Is(err, errSkip):
		r.Outcome, r.Message = Skipped, err.Error()
	case errors.Is(err, ErrInfra):
		r.Outcome, r.Message = Error, err.Error()
	default:
		r.Outcome, r.Message = Failed, err.Error()
	}
	return r
}
