package command

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Door is a way in: a chat slash command, a forge comment, the REST API.
type Door string

// The doors.
const (
	Chat    Door = "chat"
	Comment Door = "comment"
	REST    Door = "rest"
)

// Spec is one verb of the grammar.
type Spec struct {
	Verb string
	// Usage is the verb's usage line, shown with every mistake.
	Usage string
	// Summary says what it does, in a line.
	Summary string
	// Aliases are other words for the verb (the CLI's: repo promote).
	Aliases []string
	// Changes tells a verb that starts a run (answered "accepted, run R")
	// from one answered at once.
	Changes bool
	// Doors are the ways in that take the verb.
	Doors []Door
	// Method and Path are its REST route ("" for none); {name} in the path
	// is the Request field of that JSON name.
	Method, Path string

	flags func(fs *pflag.FlagSet, r *Request)
	args  func(r *Request, args []string) error
}

// Takes tells whether the door takes the verb.
func (s Spec) Takes(d Door) bool {
	for _, x := range s.Doors {
		if x == d {
			return true
		}
	}
	return false
}

var (
	everywhere = []Door{Chat, Comment, REST}
)

// Specs are the verbs, in the order help lists them.
var Specs = []Spec{
	{Verb: Help, Usage: "help [VERB]", Summary: "what you can ask, or how to ask one thing", Doors: everywhere,
		Method: "GET", Path: "/api/v1/help",
		args: func(r *Request, a []string) error { r.Topic = strings.Join(a, " "); return nil }},
	{Verb: Status, Usage: "status", Summary: "services, the latest runs and the clusters", Doors: everywhere,
		Method: "GET", Path: "/api/v1/status", args: none},
	{Verb: Build, Usage: "build STACK [--distro D]… [--component C]… [--channel C]", Changes: true, Doors: everywhere,
		Summary: "build a stack's matrix (or part of it) and publish the packages", Method: "POST", Path: "/api/v1/builds",
		flags: func(fs *pflag.FlagSet, r *Request) {
			fs.StringVar(&r.Stack, "stack", "", "")
			fs.StringArrayVar(&r.Distros, "distro", nil, "")
			fs.StringArrayVar(&r.Components, "component", nil, "")
			fs.StringVar(&r.Channel, "channel", "", "")
		},
		args: func(r *Request, a []string) error {
			switch {
			case len(a) == 1 && r.Stack == "":
				r.Stack = a[0]
			case len(a) == 0 && r.Stack != "":
			default:
				return fmt.Errorf("name one stack")
			}
			return nil
		}},
	{Verb: RepoList, Usage: "repo list [--channel C]", Summary: "what each channel publishes, per distro", Doors: everywhere,
		Method: "GET", Path: "/api/v1/repos",
		flags: func(fs *pflag.FlagSet, r *Request) { fs.StringVar(&r.Channel, "channel", "", "") }, args: none},
	{Verb: Promote, Usage: "promote PKG@VERSION… --from C --to C [--distro D]…", Aliases: []string{"repo promote"}, Changes: true, Doors: everywhere,
		Summary: "add packages published in one channel to another (the same bytes)", Method: "POST", Path: "/api/v1/promotions",
		flags: func(fs *pflag.FlagSet, r *Request) {
			fs.StringVar(&r.From, "from", "nightly", "")
			fs.StringVar(&r.To, "to", "", "")
			fs.StringArrayVar(&r.Distros, "distro", nil, "")
		},
		args: func(r *Request, a []string) error {
			if len(a) == 0 {
				return fmt.Errorf("name the packages, e.g. ringhello@1.0.0-1")
			}
			if r.To == "" {
				return fmt.Errorf("--to is required")
			}
			r.Packages = a
			return nil
		}},
	{Verb: ClusterCreate, Usage: "cluster create NAME [-n NODES] [--stack S] [--distro D] [--channel C] [--role COMPONENT=COUNT]… [--memory MB] [--protected]",
		Changes: true, Doors: everywhere, Summary: "a test cluster from the signed repository", Method: "POST", Path: "/api/v1/clusters",
		flags: func(fs *pflag.FlagSet, r *Request) {
			fs.IntVarP(&r.Nodes, "nodes", "n", 3, "")
			fs.StringVar(&r.Stack, "stack", "demo", "")
			fs.StringArrayVar(&r.Distros, "distro", nil, "")
			fs.StringVar(&r.Channel, "channel", "", "")
			fs.StringToIntVar(&r.Roles, "role", nil, "")
			fs.IntVar(&r.MemoryMB, "memory", 0, "")
			fs.BoolVar(&r.Protected, "protected", false, "")
		},
		args: one(func(r *Request) *string { return &r.Cluster }, "name the cluster")},
	{Verb: ClusterList, Usage: "cluster list", Summary: "the clusters, their state and whether they are protected", Doors: everywhere,
		Method: "GET", Path: "/api/v1/clusters", args: none},
	{Verb: ClusterDestroy, Usage: "cluster destroy NAME", Changes: true, Doors: everywhere, Summary: "remove a cluster",
		Method: "DELETE", Path: "/api/v1/clusters/{cluster}", args: one(func(r *Request) *string { return &r.Cluster }, "name the cluster")},
	{Verb: TestRun, Usage: "test run CLUSTER [--suite S]…", Changes: true, Doors: everywhere, Summary: "run the suites against a cluster",
		Method: "POST", Path: "/api/v1/clusters/{cluster}/tests",
		flags: func(fs *pflag.FlagSet, r *Request) { fs.StringArrayVar(&r.Suites, "suite", nil, "") },
		args:  one(func(r *Request) *string { return &r.Cluster }, "name the cluster")},
	{Verb: SweepRun, Usage: "sweep run --stack S [--distro D]… [--nodes N] [--max N] [--suite S]…", Changes: true, Doors: everywhere,
		Summary: "a compatibility sweep of the published versions", Method: "POST", Path: "/api/v1/sweeps",
		flags: func(fs *pflag.FlagSet, r *Request) {
			fs.StringVar(&r.Stack, "stack", "demo", "")
			fs.StringArrayVar(&r.Distros, "distro", nil, "")
			fs.IntVar(&r.Nodes, "nodes", 3, "")
			fs.IntVar(&r.Max, "max", 16, "")
			fs.StringArrayVar(&r.Suites, "suite", nil, "")
		}, args: none},
	{Verb: RealmTrust, Usage: "realm trust A B [C…] [--topology mesh|chain]", Changes: true, Doors: everywhere,
		Summary: "two-way cross-realm trust between Kerberos realms", Method: "POST", Path: "/api/v1/realms/trust",
		flags: topology, args: realms},
	{Verb: RealmUntrust, Usage: "realm untrust A B [C…] [--topology mesh|chain]", Changes: true, Doors: everywhere,
		Summary: "remove cross-realm trust", Method: "POST", Path: "/api/v1/realms/untrust", flags: topology, args: realms},
	{Verb: RunsShow, Usage: "runs show RUN", Summary: "a run: what caused it, its stages and result", Doors: everywhere,
		Method: "GET", Path: "/api/v1/runs/{run}", args: one(func(r *Request) *string { return &r.Run }, "name the run")},
	{Verb: RunsList, Usage: "runs list [--stack S]", Summary: "the latest runs", Doors: everywhere, Method: "GET", Path: "/api/v1/runs",
		flags: func(fs *pflag.FlagSet, r *Request) { fs.StringVar(&r.Stack, "stack", "", "") }, args: none},
	{Verb: Retest, Usage: "retest", Changes: true, Doors: []Door{Comment},
		Summary: "run the pipeline of this pull request's or commit's last run again, tests included", args: none},
	{Verb: Audit, Usage: "audit [--user U] [--since 1h] [--decision allow|deny|refused]", Doors: []Door{Chat, REST},
		Summary: "who asked what, and what was decided", Method: "GET", Path: "/api/v1/audit",
		flags: func(fs *pflag.FlagSet, r *Request) {
			fs.StringVar(&r.User, "user", "", "")
			fs.StringVar(&r.Since, "since", "1h", "")
			fs.StringVar(&r.Decision, "decision", "", "")
		}, args: none},
}

var (
	byVerb = map[string]Spec{}
	// words maps every verb and alias to its verb.
	words = map[string]string{}
)

func init() {
	for _, s := range Specs {
		byVerb[s.Verb] = s
		words[s.Verb] = s.Verb
		for _, a := range s.Aliases {
			words[a] = s.Verb
		}
	}
}

// Lookup finds a verb's spec by its name or an alias.
func Lookup(verb string) (Spec, bool) {
	s, ok := byVerb[words[verb]]
	return s, ok
}

func none(_ *Request, a []string) error {
	if len(a) > 0 {
		return fmt.Errorf("unexpected %q", strings.Join(a, " "))
	}
	return nil
}

func one(field func(*Request) *string, what string) func(*Request, []string) error {
	return func(r *Request, a []string) error {
		if len(a) != 1 {
			return fmt.Errorf("%s (exactly one)", what)
		}
		*field(r) = a[0]
		return nil
	}
}

func topology(fs *pflag.FlagSet, r *Request) { fs.StringVar(&r.Topology, "topology", "mesh", "") }

func realms(r *Request, a []string) error {
	if len(a) < 2 {
		return fmt.Errorf("name at least two realms")
	}
	r.Realms = a
	return nil
}

// SinceDuration reads an audit request's --since (a Go duration, or a
// number of days with d: 7d).
func SinceDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err == nil && n > 0 && n <= 366 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--since %q: want a duration such as 30m, 1h or 7d", s)
	}
	return d, nil
}
