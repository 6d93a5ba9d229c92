package natsserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrPartition wraps a partition that cannot be made or healed here.
var ErrPartition = errors.New("network partition")

// CanPartition says why Partition cannot cut routes on this machine, if
// it cannot: it needs root and iptables.
func CanPartition() error {
	if uid := os.Geteuid(); uid != 0 {
		return fmt.Errorf("%w: iptables needs root, this runs as uid %d", ErrPartition, uid)
	}
	if _, err := exec.LookPath("iptables"); err != nil {
		return fmt.Errorf("%w: %v (apt-get install iptables)", ErrPartition, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := iptables(ctx, "-S", "OUTPUT"); err != nil {
		return err
	}
	return nil
}

// Partition is one server cut off from the others' routes by iptables
// rules in a chain of its own, while its clients stay connected to it.
type Partition struct {
	// Server is the server cut off; Chain the iptables chain of its rules
	// (RINGTEST-<pid>-<server>), jumped to first thing in OUTPUT.
	Server, Chain string
	// At is when the rules took effect.
	At time.Time

	p    *Processes
	jump []string
	once sync.Once
	err  error
}

// Partition cuts server name's routes to every other server, both ways,
// and nothing else: its clients stay connected to it. Every packet between
// servers on this machine leaves through OUTPUT on lo; the chain drops
//   - what goes to its route listener or comes from it (the others' routes
//     to it: it listens on an address of its own),
//   - what it sends to the others' route listeners (its own connections to
//     them, told apart by its group id), and what comes back on those
//     connections (conntrack marks them with its group id).
//
// Heal removes the rules, and so does Close; a caller also defers Heal so
// that a failed test leaves nothing behind. Only a process killed before
// either runs leaves its chain; its rules name only the cluster's own
// loopback addresses and group id, and `iptables -D OUTPUT …`, `-F` and
// `-X` with the chain's name remove it. Processes must have been started
// Partitionable.
func (p *Processes) Partition(ctx context.Context, name string) (*Partition, error) {
	gid := p.gid[name]
	if gid == 0 {
		return nil, fmt.Errorf("%w: %s: start the processes with Partitionable (have %v)", ErrPartition, name, p.names)
	}
	p.mu.Lock()
	if p.cuts[name] != nil {
		p.mu.Unlock()
		return nil, fmt.Errorf("%w: %s is cut off already", ErrPartition, name)
	}
	c := &Partition{Server: name, Chain: fmt.Sprintf("RINGTEST-%d-%s", os.Getpid(), name), p: p}
	p.cuts[name] = c
	p.mu.Unlock()

	g := strconv.FormatUint(uint64(gid), 10)
	host, port := p.routeHost[name], strconv.Itoa(p.routePort[name])
	rules := [][]string{
		{"-o", "lo", "-p", "tcp", "-d", host, "--dport", port, "-j", "DROP"},
		{"-o", "lo", "-p", "tcp", "-s", host, "--sport", port, "-j", "DROP"},
	}
	for _, other := range p.names {
		if other != name {
			rules = append(rules, []string{"-o", "lo", "-p", "tcp", "-d", p.routeHost[other], "--dport", strconv.Itoa(p.routePort[other]),
				"-m", "owner", "--gid-owner", g, "-j", "CONNMARK", "--set-mark", g})
		}
	}
	rules = append(rules, []string{"-o", "lo", "-m", "connmark", "--mark", g, "-j", "DROP"})
	c.jump = []string{"OUTPUT", "-m", "comment", "--comment", "ringmaster test: " + name + " cut from its routes", "-j", c.Chain}

	if _, err := iptables(ctx, "-N", c.Chain); err != nil {
		p.forget(c)
		return nil, err
	}
	for _, r := range rules {
		if _, err := iptables(ctx, append([]string{"-A", c.Chain}, r...)...); err != nil {
			return nil, errors.Join(err, c.Heal())
		}
	}
	// The jump last: the cut starts whole.
	if _, err := iptables(ctx, append([]string{"-I", c.jump[0], "1"}, c.jump[1:]...)...); err != nil {
		return nil, errors.Join(err, c.Heal())
	}
	c.At = time.Now()
	return c, nil
}

// Heal removes the partition's rules (the jump first, so traffic flows
// again at once, then its chain). It may be called more than once.
func (c *Partition) Heal() error {
	c.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var errs []error
		if c.jump != nil {
			for {
				out, err := iptables(ctx, append([]string{"-D"}, c.jump...)...)
				if err != nil {
					if !noSuchRule(out) {
						errs = append(errs, err)
					}
					break
				}
			}
		}
		if out, err := iptables(ctx, "-F", c.Chain); err != nil && !noSuchRule(out) {
			errs = append(errs, err)
		}
		if out, err := iptables(ctx, "-X", c.Chain); err != nil && !noSuchRule(out) {
			errs = append(errs, err)
		}
		c.err = errors.Join(errs...)
		c.p.forget(c)
	})
	return c.err
}

func (p *Processes) forget(c *Partition) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cuts[c.Server] == c {
		delete(p.cuts, c.Server)
	}
}

// iptables runs iptables (waiting for its lock) and returns its output.
func iptables(ctx context.Context, args ...string) (string, error) {
	args = append([]string{"-w", "10"}, args...)
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "iptables", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%w: iptables %s: %v: %s", ErrPartition, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// noSuchRule tells whether iptables failed because the rule or chain is
// gone already.
func noSuchRule(out string) bool {
	out = strings.ToLower(out)
	return strings.Contains(out, "does not exist") || strings.Contains(out, "no chain") || strings.Contains(out, "bad rule")
}

// loopbackHosts are n addresses of 127.0.0.0/8 (all on lo) for n
// servers' route listeners, one each, in a /24 chosen at random so that
// two clusters on this machine do not share them.
func loopbackHosts(n int) []string {
	b, c := 100+rand.IntN(100), rand.IntN(256)
	var hosts []string
	for i := range n {
		hosts = append(hosts, fmt.Sprintf("127.%d.%d.%d", b, c, i+1))
	}
	return hosts
}

// groupBase is the first of a cluster's group ids, chosen at random so
// that two clusters on this machine do not share them (and far above the
// groups of /etc/group). It is also the conntrack mark of its connections.
func groupBase() uint32 {
	return 1_600_000_000 + uint32(rand.IntN(1_000_000))*16
}
