package command

import (
	"fmt"
	"regexp"
	"strings"
)

// The shapes of names the grammar takes. None lets a shell or path
// character (space ; / .. $ ` | & < >) through: every value may reach a
// container name, an object key or a log line.
var (
	stackRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
	clusterRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,38}[a-z0-9]$|^[a-z]$`)
	distroRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,31}$`)
	compRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]{0,63}$`)
	channelRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	pkgRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]{0,63}@[0-9][A-Za-z0-9.+~:-]{0,63}$`)
	suiteRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)
	realmRE   = regexp.MustCompile(`^[A-Z0-9][A-Z0-9.-]{0,62}$`)
	runRE     = regexp.MustCompile(`^[0-9a-f][0-9a-f-]{7,35}$`)
	userRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9@._:/-]{0,99}$`)
)

type field struct {
	what, value string
	re          *regexp.Regexp
	hint        string
}

// Check holds every value of r to its shape and every number to its
// range; the error names the value and the shape.
func (r Request) Check() error {
	if _, ok := r.Spec(); !ok {
		return fmt.Errorf("unknown verb %q", printable(r.Verb))
	}
	var fs []field
	add := func(what string, re *regexp.Regexp, hint string, vs ...string) {
		for _, v := range vs {
			fs = append(fs, field{what, v, re, hint})
		}
	}
	const (
		nameHint  = "lowercase letters, digits and dashes"
		clusterH  = "1-40 lowercase letters, digits and dashes, starting with a letter (e.g. zk-test)"
		channelH  = "lowercase letters, digits and dashes, e.g. nightly"
		realmHint = "uppercase letters, digits, dots and dashes, e.g. OLD-PROD"
	)
	if r.Stack != "" {
		add("stack", stackRE, nameHint+", e.g. demo", r.Stack)
	}
	if r.Channel != "" {
		add("channel", channelRE, channelH, r.Channel)
	}
	if r.From != "" {
		add("--from channel", channelRE, channelH, r.From)
	}
	if r.To != "" {
		add("--to channel", channelRE, channelH, r.To)
	}
	if r.Cluster != "" {
		add("cluster name", clusterRE, clusterH, r.Cluster)
	}
	if r.Run != "" {
		add("run", runRE, "a run id or its first 8 or more characters", r.Run)
	}
	if r.User != "" {
		add("user", userRE, "a user name or platform id", r.User)
	}
	add("distro", distroRE, "e.g. debian-12", r.Distros...)
	add("component", compRE, "e.g. zookeeper", r.Components...)
	add("package", pkgRE, "name@version as repo list shows it, e.g. ringhello@1.0.0-1", r.Packages...)
	add("suite", suiteRE, "e.g. smoke", r.Suites...)
	add("realm", realmRE, realmHint, r.Realms...)
	for k := range r.Roles {
		add("--role component", compRE, "COMPONENT=COUNT, e.g. zookeeper=3", k)
	}
	for _, f := range fs {
		if !f.re.MatchString(f.value) {
			return fmt.Errorf("%s %q: want %s", f.what, printable(f.value), f.hint)
		}
	}
	switch r.Verb {
	case Build:
		if r.Stack == "" {
			return fmt.Errorf("name the stack")
		}
	case ClusterCreate:
		if r.Nodes < 1 || r.Nodes > 16 {
			return fmt.Errorf("-n %d: want 1 to 16 nodes", r.Nodes)
		}
		if len(r.Distros) > 1 {
			return fmt.Errorf("a cluster has one distro, not %s", strings.Join(r.Distros, ", "))
		}
		for k, n := range r.Roles {
			if n < 0 || n > r.Nodes {
				return fmt.Errorf("--role %s=%d: want 0 to %d (the cluster's nodes)", k, n, r.Nodes)
			}
		}
		if r.MemoryMB != 0 && (r.MemoryMB < 64 || r.MemoryMB > 65536) {
			return fmt.Errorf("--memory %d: want 64 to 65536 MB per node", r.MemoryMB)
		}
	case SweepRun:
		if r.Stack == "" {
			return fmt.Errorf("name the stack")
		}
		if r.Nodes < 1 || r.Nodes > 16 || r.Max < 1 || r.Max > 256 {
			return fmt.Errorf("--nodes %d --max %d: want 1 to 16 nodes and 1 to 256 combinations", r.Nodes, r.Max)
		}
	case RealmTrust, RealmUntrust:
		if r.Topology != "mesh" && r.Topology != "chain" {
			return fmt.Errorf("--topology %q: want mesh or chain", printable(r.Topology))
		}
		seen := map[string]bool{}
		for _, x := range r.Realms {
			if seen[x] {
				return fmt.Errorf("realm %s is named twice", x)
			}
			seen[x] = true
		}
	case Promote:
		if r.From == r.To {
			return fmt.Errorf("--from and --to are both %s", r.From)
		}
	case Audit:
		if _, err := SinceDuration(r.Since); err != nil {
			return err
		}
		if r.Decision != "" && r.Decision != "allow" && r.Decision != "deny" && r.Decision != "refused" {
			return fmt.Errorf("--decision %q: want allow, deny or refused", printable(r.Decision))
		}
	case Help:
		if r.Topic != "" {
			if _, ok := Lookup(r.Topic); !ok {
				return fmt.Errorf("no command %q; say help for the list", printable(r.Topic))
			}
		}
	}
	return nil
}
