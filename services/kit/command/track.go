package command

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"ringmaster.dev/events"
)

// Tracker follows the facts of the run a Request started: Apply turns each
// into a progress line (or ""), Done says when the run has ended, and
// Result how. The gateway's chat replies and `ring --server` share it.
type Tracker struct {
	req    Request
	done   bool
	failed bool
	result string
	// build: distros still to be published, what failed.
	pending  map[string]bool
	finished *events.BuildFinished
	bad      []string
}

// NewTracker starts following the run of r.
func NewTracker(r Request) *Tracker { return &Tracker{req: r, pending: map[string]bool{}} }

// Done tells whether the run has ended.
func (t *Tracker) Done() bool { return t.done }

// Result is how the run ended: ok, and a sentence or a few lines.
func (t *Tracker) Result() (ok bool, text string) { return !t.failed, t.result }

func (t *Tracker) end(failed bool, format string, a ...any) string {
	t.done, t.failed, t.result = true, failed, fmt.Sprintf(format, a...)
	return t.result
}

// Apply folds one fact of the run in and returns the line to show, if any.
func (t *Tracker) Apply(env events.Envelope) string {
	if t.done {
		return ""
	}
	_, payload, err := env.Decode()
	if err != nil {
		return ""
	}
	if f, ok := payload.(*events.CommandFailed); ok {
		if strings.HasSuffix(f.CommandType, "chat.reply.requested.v1") || strings.Contains(f.CommandType, "forge.status.requested") {
			return "" // the reply or a commit status failed, not the work
		}
		return t.end(true, "%s gave up on %s: %s", f.Service, shortType(f.CommandType), strings.TrimPrefix(f.Reason, "permanent: "))
	}
	switch t.req.Verb {
	case Build:
		return t.build(payload)
	case Promote:
		if p, ok := payload.(*events.RepoPublished); ok && p.Channel == t.req.To {
			return t.end(false, "promoted %s from %s to %s (%s)", strings.Join(t.req.Packages, ", "), t.req.From, p.Channel, strings.Join(p.Distros, ", "))
		}
	case ClusterCreate:
		return t.cluster(payload)
	case ClusterDestroy:
		if d, ok := payload.(*events.ClusterDestroyed); ok && d.Name == t.req.Cluster {
			return t.end(false, "cluster %s destroyed", d.Name)
		}
	case TestRun:
		return t.test(payload)
	case SweepRun:
		return t.sweep(payload)
	case RealmTrust, RealmUntrust:
		if r, ok := payload.(*events.RealmTrusted); ok {
			verb := "trust set up"
			if r.Removed {
				verb = "trust removed"
			}
			return t.end(false, "%s between %s (%s); krb5.conf rewritten on every node", verb, strings.Join(r.Realms, ", "), r.Topology)
		}
	case Retest:
		switch p := payload.(type) {
		case *events.PipelineStage:
			return fmt.Sprintf("%s %s: %s", p.Stage, p.State, p.Detail)
		case *events.PipelineFinished:
			if p.State == "success" {
				return t.end(false, "pipeline of %s passed in %.0fs (channel %s)", short(p.Commit), p.Seconds, p.Channel)
			}
			return t.end(true, "pipeline of %s failed: %s", short(p.Commit), p.Reason)
		}
	}
	return ""
}

func (t *Tracker) build(payload any) string {
	switch p := payload.(type) {
	case *events.BuildSucceeded:
		return fmt.Sprintf("%s/%s built%s", p.Component, p.Distro, map[bool]string{true: " (cached)"}[p.Cached])
	case *events.BuildFailed:
		why, _, _ := strings.Cut(p.Reason, "\n")
		t.bad = append(t.bad, fmt.Sprintf("%s/%s: %s", p.Component, p.Distro, why))
		return fmt.Sprintf("%s/%s failed: %s", p.Component, p.Distro, why)
	case *events.BuildFinished:
		t.finished = p
		for _, d := range p.Published {
			t.pending[d] = true
		}
		var bad []string
		for _, c := range p.Cells {
			if c.State != "ok" {
				why, _, _ := strings.Cut(c.Reason, "\n")
				bad = append(bad, fmt.Sprintf("%s/%s %s: %s", c.Component, c.Distro, c.State, why))
			}
		}
		t.bad = bad
		if len(t.pending) == 0 {
			return t.buildEnd()
		}
		return fmt.Sprintf("%d cells done; publishing to %s", len(p.Cells), p.Channel)
	case *events.RepoPublished:
		if t.finished == nil || p.Channel != t.finished.Channel {
			return ""
		}
		for _, d := range p.Distros {
			delete(t.pending, d)
		}
		if len(t.pending) == 0 {
			return t.buildEnd()
		}
	}
	return ""
}

func (t *Tracker) buildEnd() string {
	f := t.finished
	cached := 0
	for _, c := range f.Cells {
		if c.Cached {
			cached++
		}
	}
	if len(t.bad) > 0 {
		return t.end(true, "build %s: %d of %d cells did not build: %s", f.Stack, len(t.bad), len(f.Cells), strings.Join(t.bad, "; "))
	}
	where := "nothing published"
	if len(f.Published) > 0 {
		where = fmt.Sprintf("published to %s for %s", f.Channel, strings.Join(f.Published, ", "))
	}
	return t.end(false, "build %s: %d cells built (%d from the build cache), %s", f.Stack, len(f.Cells), cached, where)
}

func (t *Tracker) cluster(payload any) string {
	switch p := payload.(type) {
	case *events.ClusterProgress:
		if p.Node != "" {
			return fmt.Sprintf("%s %s: %s", p.Node, p.Step, p.Detail)
		}
		return p.Step + ": " + p.Detail
	case *events.ClusterReady:
		var eps []string
		for _, k := range slices.Sorted(maps.Keys(p.Endpoints)) {
			eps = append(eps, k+" "+p.Endpoints[k])
		}
		return t.end(false, "cluster %s ready: %d node(s) in %.0fs; %s", p.Name, len(p.Nodes), p.Seconds, strings.Join(eps, ", "))
	case *events.ClusterRejected:
		var rs []string
		for _, r := range p.Reasons {
			rs = append(rs, r.Rule+": "+r.Message)
		}
		return t.end(true, "cluster %s denied by the compatibility policy, nothing created: %s", p.Name, strings.Join(rs, "; "))
	case *events.ClusterFailed:
		kept := "what was made was removed"
		if p.Kept {
			kept = "kept for inspection"
		}
		return t.end(true, "cluster %s failed: %s (%s)", p.Name, p.Reason, kept)
	}
	return ""
}

func (t *Tracker) test(payload any) string {
	switch p := payload.(type) {
	case *events.TestCase:
		line := fmt.Sprintf("%s %s/%s", p.Outcome, p.Suite, p.Name)
		if p.Outcome == "failed" || p.Outcome == "error" {
			msg, _, _ := strings.Cut(p.Message, "\n")
			line += ": " + msg
		}
		return line
	case *events.TestFinished:
		var bad []string
		for _, c := range p.Cases {
			if c.Outcome == "failed" || c.Outcome == "error" {
				bad = append(bad, c.Suite+"/"+c.Name)
			}
		}
		text := fmt.Sprintf("%s: %d passed, %d failed, %d skipped in %.0fs", p.Cluster, p.Passed, p.Failed, p.Skipped, p.Seconds)
		if len(bad) > 0 {
			text += " (" + strings.Join(bad, ", ") + ")"
		}
		return t.end(p.Failed > 0, "%s", text)
	}
	return ""
}

func (t *Tracker) sweep(payload any) string {
	switch p := payload.(type) {
	case *events.ClusterReady:
		return fmt.Sprintf("%s ready in %.0fs", p.Name, p.Seconds)
	case *events.TestFinished:
		return fmt.Sprintf("%s: %d passed, %d failed", p.Cluster, p.Passed, p.Failed)
	case *events.SweepFinished:
		counts := map[string]int{}
		failed := false
		for _, r := range p.Results {
			counts[r.Outcome]++
			failed = failed || r.Outcome == "failed" || r.Outcome == "error"
		}
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(counts)) {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
		if len(parts) == 0 {
			parts = []string{"no combination measured"}
		}
		return t.end(failed, "sweep of %s (%s): %s; results in %s", p.Stack, p.Channel, strings.Join(parts, ", "), p.Key)
	}
	return ""
}

func shortType(t string) string {
	if name, _, err := events.ParseType(t); err == nil {
		return name
	}
	return t
}

func short(commit string) string { return commit[:min(12, len(commit))] }
