package suite

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"ringmaster.dev/kit/cluster"
)

// Repo gives a node access to the cluster's channel repository.
type Repo interface {
	// Open makes the channel reachable from the cluster's network and
	// returns the apt sources file and the binary keyring to install;
	// close ends the access.
	Open(ctx context.Context, c cluster.Cluster) (sources, keyring []byte, close func(), err error)
}

// Packages: the Bigtop layout and service user of every component, and
// conffiles that survive an upgrade from the repository.
func Packages() Suite {
	return Suite{Name: "packages", Cases: []Case{
		{Name: "fhs-layout-and-service-user", Timeout: 30 * time.Second, Run: fhsLayout},
		{Name: "conffile-survives-upgrade", Timeout: 3 * time.Minute, Run: conffileUpgrade},
	}}
}

// components are the components any node of the cluster runs, sorted.
func components(c cluster.Cluster) []string {
	set := map[string]bool{}
	for _, n := range c.Nodes {
		for _, r := range n.Roles {
			set[r] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// layoutScript prints one line per finding that breaks the layout.
const layoutScript = `c=$1
dpkg-query -W -f='${Status}\n' "$c" 2>/dev/null | grep -q 'install ok installed' || { echo "package $c is not installed"; exit 0; }
dpkg -L "$c" | grep -q "^/usr/lib/$c/" || echo "package $c puts nothing under /usr/lib/$c"
[ -d "/etc/$c/conf" ] || echo "/etc/$c/conf is not a directory"
[ -x "/etc/init.d/$c" ] || echo "/etc/init.d/$c is missing or not executable"
getent passwd "$c" >/dev/null || echo "service user $c does not exist"
for d in /var/lib/$c /var/log/$c; do
  [ -d "$d" ] || { echo "$d is missing"; continue; }
  [ "$(stat -c %U "$d")" = "$c" ] || echo "$d is owned by $(stat -c %U "$d"), not $c"
done
dpkg -L "$c" | grep -Eq '^/(opt|usr/local)/' && echo "package $c installs under /opt or /usr/local"
true`

func fhsLayout(ctx context.Context, env *Env) error {
	var problems []string
	for _, comp := range components(env.Cluster) {
		nodes := members(env, comp)
		out, err := sh(ctx, env, nodes[0], layoutScript, comp)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if line != "" {
				problems = append(problems, nodes[0].Name+": "+line)
			}
		}
	}
	if len(problems) > 0 {
		return Failf("%s", strings.Join(problems, "\n"))
	}
	return nil
}

// upgradeScript installs the oldest version of $1, edits its first
// conffile, upgrades to the newest from the repository and prints
// "<old> <new> <conffile>"; it exits 3 when there is only one version.
const upgradeScript = `set -e
p=$1; marker=$2
apt="apt-get -o Dir::Etc::SourceList=/dev/null -q"
$apt update >/dev/null
versions=$(apt-cache -o Dir::Etc::SourceList=/dev/null madison "$p" | awk '{print $3}')
old=$(echo "$versions" | tail -n1); new=$(echo "$versions" | head -n1)
[ -n "$old" ] && [ "$old" != "$new" ] || { echo "only version: $new"; exit 3; }
$apt install -y --no-install-recommends "$p=$old" >/dev/null
conf=$(dpkg-query -W -f='${Conffiles}\n' "$p" | awk 'NF {print $1; exit}')
[ -n "$conf" ] || { echo "package $p has no conffile"; exit 4; }
echo "$marker" >> "$conf"
$apt install -y --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$p=$new" >/dev/null
echo "$old $(dpkg-query -W -f='${Version}' "$p") $conf"`

func conffileUpgrade(ctx context.Context, env *Env) error {
	if env.Repo == nil {
		return Skip("no repository access configured")
	}
	sources, keyring, closeRepo, err := env.Repo.Open(ctx, env.Cluster)
	if err != nil {
		return Infra(err)
	}
	defer closeRepo()
	n, err := env.Docker.Scratch(ctx, env.Cluster, "upgrade-"+env.RunID, "ringmaster/node:"+env.Cluster.Spec.Distro)
	if err != nil {
		return Infra(err)
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = env.Docker.Remove(rctx, n)
	}()
	if err := env.Docker.WriteFiles(ctx, n,
		cluster.File{Path: "/usr/share/keyrings/ringmaster.gpg", Data: keyring, Mode: 0o644},
		cluster.File{Path: "/etc/apt/sources.list.d/ringmaster.sources", Data: sources, Mode: 0o644},
		cluster.File{Path: "/usr/sbin/policy-rc.d", Data: []byte("#!/bin/sh\nexit 101\n"), Mode: 0o755}); err != nil {
		return Infra(err)
	}
	marker := "# edited by the ringmaster packages suite, run " + env.RunID
	var only []string
	for _, comp := range components(env.Cluster) {
		r, err := env.Docker.Exec(ctx, n, []string{"sh", "-c", upgradeScript, "sh", comp, marker}, cluster.ExecOptions{Env: []string{"DEBIAN_FRONTEND=noninteractive", "LC_ALL=C"}})
		if err != nil {
			return Infra(err)
		}
		out := strings.TrimSpace(string(r.Stdout))
		switch r.ExitCode {
		case 0:
		case 3:
			only = append(only, comp+" "+strings.TrimPrefix(out, "only version: "))
			continue
		default:
			return Failf("%s: exit code %d: %s %s", comp, r.ExitCode, out, r.Stderr)
		}
		f := strings.Fields(out)
		if len(f) != 3 || f[0] == f[1] {
			return Failf("%s: upgrade did not happen: %q", comp, out)
		}
		b, err := env.Docker.ReadFile(ctx, n, f[2])
		if err != nil {
			return Infra(err)
		}
		if !strings.Contains(string(b), marker) {
			return Failf("%s %s → %s: the edit to conffile %s was lost in the upgrade", comp, f[0], f[1], f[2])
		}
		env.Log.Info().Str("package", comp).Str("from", f[0]).Str("to", f[1]).Str("conffile", f[2]).Msg("conffile kept across upgrade")
		return nil
	}
	return Skip("every package has a single version in channel %s (%s): publish a newer build to exercise upgrades",
		env.Cluster.Spec.Channel, strings.Join(only, ", "))
}
