package command

import "ringmaster.dev/events"

// FromEvent is the request a command event answers to, read back from the
// event: how a run started outside the grammar's doors (the CLI straight
// onto the bus, a scheduled sweep) is written in its run record and
// followed. ok is false for an event no verb sends, or one whose values
// the grammar does not take (then nothing should follow it by its line).
// Fields the grammar has no flag for (a build's git commit, a sweep's
// parallelism) are left out of the request, and none the event leaves
// empty is given the grammar's default (a cluster of 0 nodes is the
// smallest the policy allows, not the grammar's 3).
func FromEvent(cmd any) (r Request, ok bool) {
	switch c := cmd.(type) {
	case *events.BuildRequested:
		r = Request{Verb: Build, Stack: c.Stack, Distros: c.Distros, Components: c.Components, Channel: c.Channel}
	case *events.RepoPromoteRequested:
		r = Request{Verb: Promote, Packages: c.Packages, From: c.From, To: c.To, Distros: c.Distros}
	case *events.ClusterCreateRequested:
		r = Request{Verb: ClusterCreate, Cluster: c.Name, Stack: c.Stack, Channel: c.Channel, Nodes: c.Nodes, Roles: c.Roles,
			MemoryMB: c.MemoryMB, Protected: c.Protected}
		if c.Distro != "" {
			r.Distros = []string{c.Distro}
		}
	case *events.ClusterDestroyRequested:
		r = Request{Verb: ClusterDestroy, Cluster: c.Name}
	case *events.TestRunRequested:
		r = Request{Verb: TestRun, Cluster: c.Cluster, Suites: c.Suites}
	case *events.SweepRunRequested:
		r = Request{Verb: SweepRun, Stack: c.Stack, Distros: c.Distros, Nodes: c.Nodes, Max: c.Max, Suites: c.Suites}
	case *events.RealmTrustRequested:
		r = Request{Verb: RealmTrust, Realms: c.Realms, Topology: c.Topology}
		if c.Remove {
			r.Verb = RealmUntrust
		}
	default:
		return Request{}, false
	}
	if _, err := Parse(r.Line(), REST); err != nil {
		return Request{}, false
	}
	return r, true
}
