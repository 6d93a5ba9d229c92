package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/command"
	"ringmaster.dev/kit/inventory"
	"ringmaster.dev/kit/presence"
	"ringmaster.dev/kit/runs"
)

// repoListWait bounds how long a repo list waits for the repo-publisher.
const repoListWait = 2500 * time.Millisecond

// StatusView is the answer to status.
type StatusView struct {
	Services []ServiceView       `json:"services"`
	Runs     []runs.Record       `json:"runs"`
	Clusters []inventory.Cluster `json:"clusters"`
	Notes    []string            `json:"notes,omitempty"`
}

// ServiceView is one service's liveness.
type ServiceView struct {
	Service   string `json:"service"`
	Instances int    `json:"instances"`
}

// AuditEntry is one audit.recorded fact with its time.
type AuditEntry struct {
	Time time.Time `json:"time"`
	events.AuditRecorded
}

// read answers a request that changes nothing, at once: a sentence (or a
// few lines) for chat, the data for REST.
func (g *Gateway) read(ctx context.Context, a ask, req command.Request) answer {
	ok := func(text string, data any) answer { return answer{status: http.StatusOK, text: text, data: data} }
	switch req.Verb {
	case command.Help:
		return ok(helpText(a.door, req.Topic), helpData(a.door, req.Topic))
	case command.Status:
		v := g.status(ctx)
		return ok(statusText(v), v)
	case command.ClusterList:
		if g.ops.clusters == nil {
			return refusedAnswer(http.StatusServiceUnavailable, "inventory", "the clusters cannot be listed: %v", g.ops.clustersErr)
		}
		cs, err := g.ops.clusters.List(ctx)
		if err != nil {
			return refusedAnswer(http.StatusServiceUnavailable, "inventory", "the clusters cannot be listed: %v", err)
		}
		return ok(clustersText(cs), orNone(cs))
	case command.RunsShow:
		r, err := g.Runs.Get(ctx, req.Run)
		if errors.Is(err, runs.ErrNotFound) {
			return refusedAnswer(http.StatusNotFound, "no-such-run", "%v", err)
		} else if err != nil {
			return refusedAnswer(http.StatusServiceUnavailable, "runs", "%v", err)
		}
		return ok(runText(r, g.Opts.PublicURL), r)
	case command.RunsList:
		all, err := g.Runs.List(ctx)
		if err != nil {
			return refusedAnswer(http.StatusServiceUnavailable, "runs", "%v", err)
		}
		var shown []runs.Record
		for _, r := range all {
			if (req.Stack == "" || r.Stack == req.Stack) && len(shown) < 20 {
				shown = append(shown, r)
			}
		}
		return ok(runsText(shown), orNone(shown))
	case command.RepoList:
		return g.repoList(ctx, req)
	case command.Audit:
		entries, err := ReadAudit(ctx, g.Bus, req)
		if err != nil {
			return refusedAnswer(http.StatusServiceUnavailable, "audit", "%v", err)
		}
		return ok(auditText(entries), orNone(entries))
	}
	return refusedAnswer(http.StatusBadRequest, "syntax", "%s is no question", req.Verb)
}

func orNone[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

func (g *Gateway) status(ctx context.Context) StatusView {
	v := StatusView{Runs: []runs.Record{}, Clusters: []inventory.Cluster{}}
	alive := map[string]int{}
	if recs, err := presence.List(ctx, g.Bus.JS); err == nil {
		for _, r := range recs {
			alive[r.Service]++
		}
	} else {
		v.Notes = append(v.Notes, "services: "+err.Error())
	}
	for _, s := range events.Services {
		v.Services = append(v.Services, ServiceView{Service: s, Instances: alive[s]})
	}
	if all, err := g.Runs.List(ctx); err == nil {
		v.Runs = all[:min(5, len(all))]
	} else {
		v.Notes = append(v.Notes, "runs: "+err.Error())
	}
	if g.ops.clusters == nil {
		v.Notes = append(v.Notes, fmt.Sprintf("clusters: %v", g.ops.clustersErr))
	} else if cs, err := g.ops.clusters.List(ctx); err == nil {
		v.Clusters = cs
	} else {
		v.Notes = append(v.Notes, "clusters: "+err.Error())
	}
	return v
}

// repoList asks the repo-publisher what the channels publish and waits a
// moment for the answer.
func (g *Gateway) repoList(ctx context.Context, req command.Request) answer {
	runID := "repolist-" + fmt.Sprint(time.Now().UnixNano())
	w, err := g.Bus.WatchRun(runID, 16)
	if err != nil {
		return refusedAnswer(http.StatusServiceUnavailable, "bus", "%v", err)
	}
	defer w.Stop()
	if _, err := g.Bus.Publish(ctx, &events.RepoListRequested{Channel: req.Channel}, bus.WithRunID(runID)); err != nil {
		return refusedAnswer(http.StatusServiceUnavailable, "bus", "%v", err)
	}
	timer := time.NewTimer(repoListWait)
	defer timer.Stop()
	for {
		select {
		case env := <-w.Facts:
			_, p, err := env.Decode()
			if err != nil {
				continue
			}
			switch f := p.(type) {
			case *events.RepoListed:
				return answer{status: http.StatusOK, text: repoText(*f), data: f}
			case *events.CommandFailed:
				return refusedAnswer(http.StatusServiceUnavailable, "repo-publisher", "the repo-publisher could not list: %s", f.Reason)
			}
		case <-timer.C:
			return refusedAnswer(http.StatusGatewayTimeout, "repo-publisher", "the repo-publisher did not answer within %s (busy publishing, or down: status says); ask again", repoListWait)
		case <-ctx.Done():
			return refusedAnswer(http.StatusServiceUnavailable, "cancelled", "%v", ctx.Err())
		}
	}
}

// ReadAudit reads the audit.recorded facts of the last req.Since (at most
// the 500 newest), of req.User (id or name) and req.Decision if given.
func ReadAudit(ctx context.Context, conn *bus.Conn, req command.Request) ([]AuditEntry, error) {
	since, err := command.SinceDuration(req.Since)
	if err != nil {
		return nil, err
	}
	var out []AuditEntry
	for fact, err := range bus.FactsOf[events.AuditRecorded](ctx, conn, "audit.recorded", time.Now().Add(-since)) {
		if err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		f := fact.Payload
		if req.User != "" && f.User != req.User && f.Name != req.User {
			continue
		}
		if req.Decision != "" && f.Decision != req.Decision {
			continue
		}
		out = append(out, AuditEntry{Time: fact.Time, AuditRecorded: f})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	if len(out) > 500 {
		out = out[len(out)-500:]
	}
	return out, nil
}

func helpData(door command.Door, topic string) any {
	type verb struct {
		Verb    string `json:"verb"`
		Usage   string `json:"usage"`
		Summary string `json:"summary"`
	}
	var out []verb
	for _, s := range command.Specs {
		if s.Takes(door) && (topic == "" || s.Verb == topic) {
			out = append(out, verb{s.Verb, s.Usage, s.Summary})
		}
	}
	return out
}

func helpText(door command.Door, topic string) string {
	if s, ok := command.Lookup(topic); ok {
		return fmt.Sprintf("%s — %s\nusage: %s", s.Verb, s.Summary, s.Usage)
	}
	var b strings.Builder
	b.WriteString("Ringmaster takes:\n")
	for _, s := range command.Specs {
		if s.Takes(door) {
			fmt.Fprintf(&b, "• %s — %s\n", s.Usage, s.Summary)
		}
	}
	b.WriteString("help VERB says more.")
	return b.String()
}

func statusText(v StatusView) string {
	var b strings.Builder
	var up, down []string
	for _, s := range v.Services {
		if s.Instances > 0 {
			up = append(up, s.Service)
		} else {
			down = append(down, s.Service)
		}
	}
	fmt.Fprintf(&b, "services up: %s", strings.Join(up, ", "))
	if len(down) > 0 {
		fmt.Fprintf(&b, "; DOWN: %s", strings.Join(down, ", "))
	}
	b.WriteString("\n")
	for _, r := range v.Runs {
		fmt.Fprintf(&b, "run %s %s %s %s\n", events.ShortRunID(r.ID), r.Kind, r.Stack+r.Cluster, r.State)
	}
	fmt.Fprintf(&b, "%d cluster(s)", len(v.Clusters))
	for _, c := range v.Clusters {
		fmt.Fprintf(&b, "; %s %s", c.Name, c.State())
	}
	for _, n := range v.Notes {
		b.WriteString("\n(" + n + ")")
	}
	return b.String()
}

func clustersText(cs []inventory.Cluster) string {
	if len(cs) == 0 {
		return "no clusters (cluster create NAME --stack S makes one)"
	}
	var lines []string
	for _, c := range cs {
		p := ""
		if c.Protected {
			p = ", protected"
		}
		lines = append(lines, fmt.Sprintf("%s: %s, %d/%d nodes running, stack %s, %s%s", c.Name, c.State(), c.Running, c.Nodes, c.Stack, c.Distro, p))
	}
	return strings.Join(lines, "\n")
}

func runText(r runs.Record, base string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "run %s: %s %s (%s", r.ID, r.Kind, strings.ToUpper(r.State), r.Trigger)
	if r.Sender != "" {
		fmt.Fprintf(&b, " by %s", r.Sender)
	}
	b.WriteString(")")
	if r.Command != "" {
		fmt.Fprintf(&b, "\n%s", r.Command)
	}
	if r.Commit != "" {
		fmt.Fprintf(&b, "\nstack %s at %s, channel %s", r.Stack, short(r.Commit), r.Channel)
	}
	for _, s := range r.Stages {
		fmt.Fprintf(&b, "\n• %s %s: %s", s.Name, s.State, s.Detail)
	}
	if r.Reason != "" {
		fmt.Fprintf(&b, "\nreason: %s", r.Reason)
	}
	if r.Kind == "pipeline" {
		fmt.Fprintf(&b, "\n%s/runs/%s", base, r.ID)
	}
	return b.String()
}

func runsText(rs []runs.Record) string {
	if len(rs) == 0 {
		return "no runs yet"
	}
	var lines []string
	for _, r := range rs {
		what := r.Command
		if what == "" {
			what = r.Stack + " " + short(r.Commit)
		}
		lines = append(lines, fmt.Sprintf("%s %-8s %s (%s)", events.ShortRunID(r.ID), r.State, what, r.Trigger))
	}
	return strings.Join(lines, "\n")
}

func repoText(l events.RepoListed) string {
	if len(l.Channels) == 0 {
		return "nothing published yet"
	}
	var lines []string
	for _, c := range l.Channels {
		lines = append(lines, fmt.Sprintf("%s/%s (revision %d): %s", c.Channel, c.Distro, c.Revision, strings.Join(c.Packages, ", ")))
	}
	if l.Truncated {
		lines = append(lines, "(cut short)")
	}
	return strings.Join(lines, "\n")
}

func auditText(es []AuditEntry) string {
	if len(es) == 0 {
		return "no requests recorded in that time"
	}
	var lines []string
	for _, e := range es[max(0, len(es)-20):] {
		who := e.Name
		if who == "" {
			who = e.Platform + ":" + e.User
		}
		lines = append(lines, fmt.Sprintf("%s %s %s %q: %s (%s)", e.Time.UTC().Format("01-02 15:04:05"), who, e.Decision, e.Command, e.Rule, e.Reason))
	}
	return strings.Join(lines, "\n")
}
