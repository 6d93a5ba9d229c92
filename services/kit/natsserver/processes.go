package natsserver

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/kit/natsauth"
)

// Processes is a JetStream cluster of real nats-server processes on this
// machine (the binary built from the pinned module, bin/nats-server),
// routed to each other over TLS with certificates of the project's CA,
// with the project's users and their permissions: what tests, benchmarks
// and fault drills run the bus on. Servers are named n1, n2, …
type Processes struct {
	// Seeds are every server's client URL, comma-separated (what clients
	// are given).
	Seeds string
	// Home holds the servers' configuration, stores, logs, the CA and the
	// users' credentials (natsauth.Path(Home, user), 0400, naming the CA).
	Home  string
	Creds map[string]natsauth.Credentials

	bin         string
	names       []string
	clientPort  map[string]int
	routeHost   map[string]string
	routePort   map[string]int
	monitorPort map[string]int
	gid         map[string]uint32 // Partitionable: each server's own group
	mu          sync.Mutex
	procs       map[string]*proc
	cuts        map[string]*Partition // in place, healed by Close
}

// proc is one running (or exited) server process.
type proc struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once it is reaped
}

func (r *proc) running() bool {
	select {
	case <-r.exited:
		return false
	default:
		return true
	}
}

// ProcessesConfig configures StartProcesses.
type ProcessesConfig struct {
	// Bin is the nats-server binary.
	Bin string
	// Home is a directory of the caller's (made if missing).
	Home string
	// Servers is how many (default 3).
	Servers int
	// RoutePing, if set, is how often each server pings its routes; a
	// route that leaves RoutePingMax pings (default 2) unanswered is
	// closed. nats-server's default (30 s for routes, 2 pings) leaves a
	// cut route open for a minute or more: a fault drill sets a second.
	RoutePing    time.Duration
	RoutePingMax int
	// Partitionable lets Partition cut one server's routes while its
	// clients stay connected to it (iptables; root only): each server's
	// routes listen on a loopback address of its own (127.x.y.n) and each
	// server runs with a group id of its own, which tells its outgoing
	// route connections apart from the others'.
	Partitionable bool
}

// ErrProcesses wraps a cluster of processes that cannot be started.
var ErrProcesses = errors.New("nats-server processes")

// StartProcesses writes each server's configuration and starts them; it
// returns once every server listens for clients (the cluster elects its
// JetStream leader after that: clients retry until it has).
func StartProcesses(ctx context.Context, cfg ProcessesConfig) (*Processes, error) {
	if cfg.Servers <= 0 {
		cfg.Servers = 3
	}
	if _, err := os.Stat(cfg.Bin); err != nil {
		return nil, fmt.Errorf("%w: %v (make build puts nats-server into bin/)", ErrProcesses, err)
	}
	if cfg.Partitionable {
		if err := CanPartition(); err != nil {
			return nil, fmt.Errorf("%w: partitionable: %w", ErrProcesses, err)
		}
	}
	if cfg.RoutePing > 0 && cfg.RoutePingMax <= 0 {
		cfg.RoutePingMax = 2
	}
	creds, err := natsauth.LoadOrCreate(cfg.Home, Users())
	if err != nil {
		return nil, err
	}
	tlsDir := filepath.Join(cfg.Home, "tls")
	ca, err := natsauth.LoadOrCreateCA(tlsDir)
	if err != nil {
		return nil, err
	}
	if creds, err = natsauth.SetCA(cfg.Home, creds, ca.CertFile); err != nil {
		return nil, err
	}
	pw := map[string]string{}
	for u, c := range creds {
		pw[u] = c.Password
	}
	p := &Processes{Home: cfg.Home, Creds: creds, bin: cfg.Bin, clientPort: map[string]int{}, routeHost: map[string]string{},
		routePort: map[string]int{}, monitorPort: map[string]int{}, gid: map[string]uint32{}, procs: map[string]*proc{}, cuts: map[string]*Partition{}}
	var hosts []string // client, route and monitor listener of each server
	var lo []string
	var gid uint32
	if cfg.Partitionable {
		lo, gid = loopbackHosts(cfg.Servers), groupBase()
	}
	for i := range cfg.Servers {
		name := fmt.Sprintf("n%d", i+1)
		p.names = append(p.names, name)
		p.routeHost[name] = "127.0.0.1"
		if lo != nil {
			p.routeHost[name], p.gid[name] = lo[i], gid+uint32(i)
		}
		hosts = append(hosts, "127.0.0.1", p.routeHost[name], "127.0.0.1")
	}
	ports, err := freePorts(hosts)
	if err != nil {
		return nil, err
	}
	var routes, seeds []string
	for i, name := range p.names {
		p.clientPort[name], p.routePort[name], p.monitorPort[name] = ports[3*i], ports[3*i+1], ports[3*i+2]
		routes = append(routes, "tls://"+p.routeAddr(name))
		seeds = append(seeds, p.ClientURL(name))
	}
	p.Seeds = strings.Join(seeds, ",")
	for _, name := range p.names {
		// Issued anew: the route address may differ from an earlier run's.
		_ = os.Remove(filepath.Join(tlsDir, name+".pem"))
		cert, key, err := ca.Issue(tlsDir, name, slices.Compact([]string{"127.0.0.1", p.routeHost[name], "localhost"}))
		if err != nil {
			return nil, err
		}
		if err := WriteConf(p.confPath(name), ProcessConf{
			Name: name, Listen: fmt.Sprintf("127.0.0.1:%d", p.clientPort[name]), StoreDir: filepath.Join(cfg.Home, name), Passwords: pw,
			TLS:     &TLS{CertFile: cert, KeyFile: key, CAFile: ca.CertFile},
			Cluster: "ringmaster", ClusterListen: p.routeAddr(name), Routes: routes,
			RoutePingInterval: cfg.RoutePing, RoutePingMax: cfg.RoutePingMax,
			Monitor: fmt.Sprintf("127.0.0.1:%d", p.monitorPort[name]),
		}); err != nil {
			return nil, err
		}
	}
	for _, name := range p.names {
		if err := p.Start(ctx, name); err != nil {
			p.Close()
			return nil, err
		}
	}
	return p, nil
}

func (p *Processes) confPath(name string) string { return filepath.Join(p.Home, name+".conf") }

// LogPath is the file a server writes its log to.
func (p *Processes) LogPath(name string) string { return filepath.Join(p.Home, name+".log") }

// Names are the servers' names, n1 first.
func (p *Processes) Names() []string { return append([]string(nil), p.names...) }

// RoutePort is the port a server's routes listen on.
func (p *Processes) RoutePort(name string) int { return p.routePort[name] }

// routeAddr is host:port of a server's route listener.
func (p *Processes) routeAddr(name string) string {
	return net.JoinHostPort(p.routeHost[name], strconv.Itoa(p.routePort[name]))
}

// ClientURL is the URL of one server alone (a client that must stay on
// it; Seeds names them all).
func (p *Processes) ClientURL(name string) string {
	return fmt.Sprintf("tls://127.0.0.1:%d", p.clientPort[name])
}

// MonitorURL is the base URL of a server's HTTP monitoring (/routez,
// /jsz, /healthz).
func (p *Processes) MonitorURL(name string) string {
	return fmt.Sprintf("http://127.0.0.1:%d", p.monitorPort[name])
}

// CredsFile is the credentials file of user (for a service process's
// --nats-creds / RING_NATS_CREDS).
func (p *Processes) CredsFile(user string) string { return natsauth.Path(p.Home, user) }

// Start starts a server that is not running (again after Kill, with its
// store as it was) and waits until it listens.
func (p *Processes) Start(ctx context.Context, name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r := p.procs[name]; r != nil && r.running() {
		return nil
	}
	if _, ok := p.clientPort[name]; !ok {
		return fmt.Errorf("%w: no server %q (have %v)", ErrProcesses, name, p.names)
	}
	f, err := os.OpenFile(p.LogPath(name), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command(p.bin, "-c", p.confPath(name))
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if g := p.gid[name]; g != 0 {
		// Root still, so it reads its files; the group only marks its
		// sockets (iptables -m owner --gid-owner).
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(os.Geteuid()), Gid: g, NoSetGroups: true}
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%w: start %s: %v", ErrProcesses, name, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	p.procs[name] = &proc{cmd: cmd, exited: exited}
	addr := fmt.Sprintf("127.0.0.1:%d", p.clientPort[name])
	for {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		select {
		case <-exited:
			b, _ := os.ReadFile(p.LogPath(name))
			return fmt.Errorf("%w: %s exited at start:\n%s", ErrProcesses, name, tail(string(b), 20))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Kill SIGKILLs a server and waits until it is gone.
func (p *Processes) Kill(name string) error {
	p.mu.Lock()
	r := p.procs[name]
	p.mu.Unlock()
	if r == nil {
		return fmt.Errorf("%w: %s is not running", ErrProcesses, name)
	}
	if err := syscall.Kill(r.cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	<-r.exited
	return nil
}

// PID is a running server's process id (0: not running).
func (p *Processes) PID(name string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r := p.procs[name]; r != nil && r.running() {
		return r.cmd.Process.Pid
	}
	return 0
}

// Close heals any partition still in place and kills every server.
func (p *Processes) Close() {
	p.mu.Lock()
	cuts := maps.Clone(p.cuts)
	p.mu.Unlock()
	for _, c := range cuts {
		_ = c.Heal()
	}
	for _, name := range p.names {
		if p.PID(name) != 0 {
			_ = p.Kill(name)
		}
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// freePorts asks the kernel for a free port on each of hosts.
func freePorts(hosts []string) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for _, h := range hosts {
		l, err := net.Listen("tcp", net.JoinHostPort(h, "0"))
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// StreamLeader is the name of the server leading stream (what a fault
// drill kills).
func (p *Processes) StreamLeader(ctx context.Context, js jetstream.JetStream, stream string) (string, error) {
	st, err := js.Stream(ctx, stream)
	if err != nil {
		return "", err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return "", err
	}
	if info.Cluster == nil || info.Cluster.Leader == "" {
		return "", fmt.Errorf("%w: stream %s has no leader now", ErrProcesses, stream)
	}
	return info.Cluster.Leader, nil
}
