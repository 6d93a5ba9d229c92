package provisioner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"ringmaster.dev/kit/cluster"
)

// nodeState is what one exec reads of a node before it is changed: which
// packages are installed, its users, the digests of the files about to be
// written and which services run. Every docker exec or copy is a round
// trip of a tenth of a second or more, so an apply asks once instead of
// once per package, file and service.
type nodeState struct {
	installed map[string]bool   // package → installed
	users     map[string]ids    // user name → ids
	digests   map[string]string // path → sha256 (hex) of the node's regular file
	running   map[string]bool   // pid file → names a live process
}

type ids struct{ uid, gid int }

// stateScript prints one line per fact; its arguments are the packages, a
// "--", the files, a "--" and the pid files. A missing package, file or
// pid file prints nothing.
//
// On a node whose boot script still starts its services (a snapshot's or a
// restarted node's) it first waits for cluster.BootedPath, up to a minute,
// so it never reports a service down that is about to run.
const stateScript = `if [ -d ` + cluster.BootDir + ` ]; then
	i=0
	while [ ! -e ` + cluster.BootedPath + ` ]; do
		i=$((i + 1))
		if [ $i -gt 600 ]; then echo unbooted; exit 0; fi
		sleep 0.1
	done
fi
sec=pkg
for a do
	if [ "$a" = -- ]; then
		if [ $sec = pkg ]; then sec=file; else sec=pid; fi
		continue
	fi
	case $sec in
	pkg) dpkg-query -W -f 'pkg ${Package} ${db:Status-Status}\n' "$a" 2>/dev/null ;;
	file) if [ -f "$a" ]; then d=$(sha256sum <"$a") && echo "file ${d%% *} $a"; fi ;;
	pid) if [ -f "$a" ] && kill -0 "$(cat "$a")" 2>/dev/null; then echo "run $a"; fi ;;
	esac
done
getent passwd | sed 's/^/user /'
`

// inspect reads the node's state for pkgs, files and pid files in one exec.
func (p *Provisioner) inspect(ctx context.Context, n cluster.Node, pkgs, files, pidFiles []string) (nodeState, error) {
	args := append([]string{"sh", "-c", stateScript, "sh"}, pkgs...)
	args = append(append(append(append(args, "--"), files...), "--"), pidFiles...)
	r, err := p.Docker.Run(ctx, n, args...)
	if err != nil {
		return nodeState{}, err
	}
	return parseState(string(r.Stdout))
}

// parseState reads stateScript's output.
func parseState(out string) (nodeState, error) {
	st := nodeState{installed: map[string]bool{}, users: map[string]ids{}, digests: map[string]string{}, running: map[string]bool{}}
	for i, line := range strings.Split(out, "\n") {
		kind, rest, _ := strings.Cut(line, " ")
		switch kind {
		case "":
		case "pkg":
			name, status, _ := strings.Cut(rest, " ")
			st.installed[name] = status == "installed"
		case "file":
			sum, path, ok := strings.Cut(rest, " ")
			if !ok || len(sum) != 2*sha256.Size {
				return st, fmt.Errorf("node state line %d: %q is not a digest and a path", i+1, line)
			}
			st.digests[path] = sum
		case "unbooted":
			return st, errUnbooted
		case "run":
			st.running[rest] = true
		case "user":
			f := strings.Split(rest, ":")
			if len(f) < 4 {
				continue
			}
			uid, err1 := strconv.Atoi(f[2])
			gid, err2 := strconv.Atoi(f[3])
			if err1 == nil && err2 == nil {
				st.users[f[0]] = ids{uid, gid}
			}
		default:
			return st, fmt.Errorf("node state line %d: unexpected %q", i+1, line)
		}
	}
	return st, nil
}

var errUnbooted = errors.New("the node's boot script has not finished starting its services after a minute (its log: ring cluster logs CLUSTER NODE)")

// missing returns the packages of pkgs not installed, in order.
func (st nodeState) missing(pkgs []string) []string {
	var out []string
	for _, pk := range pkgs {
		if !st.installed[pk] {
			out = append(out, pk)
		}
	}
	return out
}

// differs reports whether the node's file at path is missing or holds
// something other than data.
func (st nodeState) differs(path string, data []byte) bool {
	sum := sha256.Sum256(data)
	return st.digests[path] != hex.EncodeToString(sum[:])
}
