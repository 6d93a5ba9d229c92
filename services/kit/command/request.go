package command

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Verbs.
const (
	Help           = "help"
	Status         = "status"
	Build          = "build"
	RepoList       = "repo list"
	Promote        = "promote"
	ClusterCreate  = "cluster create"
	ClusterList    = "cluster list"
	ClusterDestroy = "cluster destroy"
	TestRun        = "test run"
	SweepRun       = "sweep run"
	RealmTrust     = "realm trust"
	RealmUntrust   = "realm untrust"
	RunsShow       = "runs show"
	RunsList       = "runs list"
	Retest         = "retest"
	Audit          = "audit"
)

// Request is one command, whatever door it came through. Only the fields
// of its verb are set; JSON is the REST API's body (and query) form.
type Request struct {
	Verb       string         `json:"verb,omitempty"`
	Topic      string         `json:"topic,omitempty"`
	Stack      string         `json:"stack,omitempty"`
	Distros    []string       `json:"distros,omitempty"`
	Components []string       `json:"components,omitempty"`
	Channel    string         `json:"channel,omitempty"`
	Packages   []string       `json:"packages,omitempty"`
	From       string         `json:"from,omitempty"`
	To         string         `json:"to,omitempty"`
	Cluster    string         `json:"cluster,omitempty"`
	Nodes      int            `json:"nodes,omitempty"`
	Roles      map[string]int `json:"roles,omitempty"`
	MemoryMB   int            `json:"memory_mb,omitempty"`
	Protected  bool           `json:"protected,omitempty"`
	Suites     []string       `json:"suites,omitempty"`
	Realms     []string       `json:"realms,omitempty"`
	Topology   string         `json:"topology,omitempty"`
	Run        string         `json:"run,omitempty"`
	Max        int            `json:"max,omitempty"`
	User       string         `json:"user,omitempty"`
	Since      string         `json:"since,omitempty"`
	Decision   string         `json:"decision,omitempty"`
}

// Spec is the request's verb's spec (ok false for an unknown verb).
func (r Request) Spec() (Spec, bool) {
	s, ok := byVerb[r.Verb]
	return s, ok
}

// Changes tells whether the request changes something (starts a run).
func (r Request) Changes() bool {
	s, ok := r.Spec()
	return ok && s.Changes
}

// Target names what the request acts on, for people and the audit trail:
// a stack, a cluster, a channel, realms or a run.
func (r Request) Target() string {
	switch r.Verb {
	case Build, SweepRun:
		return r.Stack
	case Promote:
		return r.From + "→" + r.To
	case ClusterCreate, ClusterDestroy, TestRun:
		return r.Cluster
	case RealmTrust, RealmUntrust:
		return strings.Join(r.Realms, ",")
	case RunsShow:
		return r.Run
	case RepoList:
		return r.Channel
	}
	return ""
}

// Line writes the request back in the grammar, flags in a fixed order, so
// that Parse(r.Line()) is r: what the audit trail and the run record keep.
func (r Request) Line() string {
	w := strings.Fields(r.Verb)
	n := len(w)
	arg := func(v ...string) { w = append(w, v...) }
	flag := func(name, v string) {
		if v != "" {
			w = append(w, "--"+name, v)
		}
	}
	flags := func(name string, vs []string) {
		for _, v := range vs {
			flag(name, v)
		}
	}
	num := func(name string, n int) {
		if n != 0 {
			flag(name, strconv.Itoa(n))
		}
	}
	switch r.Verb {
	case Help:
		if r.Topic != "" {
			arg(r.Topic)
		}
	case Build:
		arg(r.Stack)
		flags("distro", r.Distros)
		flags("component", r.Components)
		flag("channel", r.Channel)
	case RepoList:
		flag("channel", r.Channel)
	case Promote:
		arg(r.Packages...)
		flag("from", r.From)
		flag("to", r.To)
		flags("distro", r.Distros)
	case ClusterCreate:
		arg(r.Cluster)
		num("nodes", r.Nodes)
		flag("stack", r.Stack)
		flag("channel", r.Channel)
		flags("distro", r.Distros)
		for _, k := range slices.Sorted(maps.Keys(r.Roles)) {
			flag("role", k+"="+strconv.Itoa(r.Roles[k]))
		}
		num("memory", r.MemoryMB)
		if r.Protected {
			arg("--protected")
		}
	case ClusterDestroy:
		arg(r.Cluster)
	case TestRun:
		arg(r.Cluster)
		flags("suite", r.Suites)
	case SweepRun:
		flag("stack", r.Stack)
		flags("distro", r.Distros)
		num("nodes", r.Nodes)
		num("max", r.Max)
		flags("suite", r.Suites)
	case RealmTrust, RealmUntrust:
		arg(r.Realms...)
		flag("topology", r.Topology)
	case RunsShow:
		arg(r.Run)
	case RunsList:
		flag("stack", r.Stack)
	case Audit:
		flag("user", r.User)
		flag("since", r.Since)
		flag("decision", r.Decision)
	}
	for i := n; i < len(w); i++ {
		w[i] = quote(w[i])
	}
	return strings.Join(w, " ")
}

// quote puts a word that the shell-like splitting would change in quotes
// (the grammar's values never need it; a help topic of two words does).
func quote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\#") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}
