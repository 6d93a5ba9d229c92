//go:build integration

package natsserver_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/natsauth"
	"ringmaster.dev/kit/natsserver"
	"ringmaster.dev/kit/service"
)

// cluster is three real nats-server processes, built from the pinned
// module, routed to each other over TLS, with the project's users.
type cluster struct {
	seeds string // every client URL, comma-separated
	creds map[string]natsauth.Credentials
	procs map[string]*exec.Cmd // by server name
	logs  map[string]string
}

// natsServerBinary is bin/nats-server (make build), else one built now.
func natsServerBinary(t *testing.T) string {
	t.Helper()
	if p, err := filepath.Abs(filepath.Join("..", "..", "..", "bin", "nats-server")); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	out := filepath.Join(t.TempDir(), "nats-server")
	cmd := exec.Command("go", "build", "-o", out, "github.com/nats-io/nats-server/v2")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build nats-server: %v\n%s", err, b)
	}
	return out
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	bin := natsServerBinary(t)
	home := t.TempDir()
	creds, err := natsauth.LoadOrCreate(home, natsserver.Users())
	if err != nil {
		t.Fatal(err)
	}
	tlsDir := filepath.Join(home, "tls")
	ca, err := natsauth.LoadOrCreateCA(tlsDir)
	if err != nil {
		t.Fatal(err)
	}
	pw := map[string]string{}
	for u, c := range creds {
		pw[u], c.CAFile = c.Password, ca.CertFile
		creds[u] = c
	}
	ports := freePorts(t, 6)
	var routes, seeds []string
	for i := range 3 {
		routes = append(routes, fmt.Sprintf("tls://127.0.0.1:%d", ports[3+i]))
		seeds = append(seeds, fmt.Sprintf("tls://127.0.0.1:%d", ports[i]))
	}
	c := &cluster{seeds: strings.Join(seeds, ","), creds: creds, procs: map[string]*exec.Cmd{}, logs: map[string]string{}}
	t.Cleanup(func() {
		for name, p := range c.procs {
			if p.ProcessState == nil {
				_ = syscall.Kill(p.Process.Pid, syscall.SIGKILL)
				_ = p.Wait()
			}
			if t.Failed() {
				b, _ := os.ReadFile(c.logs[name])
				t.Logf("log of %s:\n%s", name, tail(string(b), 40))
			}
		}
	})
	for i := range 3 {
		name := fmt.Sprintf("n%d", i+1)
		cert, key, err := ca.Issue(tlsDir, name, []string{"127.0.0.1", "localhost"})
		if err != nil {
			t.Fatal(err)
		}
		conf := filepath.Join(home, name+".conf")
		if err := natsserver.WriteConf(conf, natsserver.ProcessConf{
			Name: name, Listen: fmt.Sprintf("127.0.0.1:%d", ports[i]), StoreDir: filepath.Join(home, name), Passwords: pw,
			TLS:     &natsserver.TLS{CertFile: cert, KeyFile: key, CAFile: ca.CertFile},
			Cluster: "ringmaster", ClusterListen: fmt.Sprintf("127.0.0.1:%d", ports[3+i]), Routes: routes,
		}); err != nil {
			t.Fatal(err)
		}
		logf := filepath.Join(home, name+".log")
		f, err := os.Create(logf)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "-c", conf)
		cmd.Stdout, cmd.Stderr = f, f
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		c.procs[name], c.logs[name] = cmd, logf
	}
	return c
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// connect as user to every seed, retrying while the cluster forms.
func (c *cluster) connect(t *testing.T, ctx context.Context, user string) *bus.Conn {
	t.Helper()
	for {
		conn, err := bus.Connect(ctx, c.seeds, user, bus.WithCredentials(c.creds[user]))
		if err == nil {
			t.Cleanup(conn.Close)
			return conn
		}
		if ctx.Err() != nil {
			t.Fatalf("connect as %s: %v", user, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// A 3-server cluster over TLS: streams and buckets get 3 replicas, a
// service keeps handling its commands when the leader of its stream is
// killed, each exactly once, and a service's user is refused another's
// command stream.
func TestClusterLeaderKilled(t *testing.T) {
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	admin := c.connect(t, ctx, natsserver.CLIUser)
	if admin.Replicas != 3 {
		t.Fatalf("replicas %d on a cluster of three (servers known: %v)", admin.Replicas, admin.NC.Servers())
	}
	for {
		err := admin.EnsureTopology(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("declare streams on the cluster: %v", err)
		}
		time.Sleep(500 * time.Millisecond) // JetStream's meta leader is being elected
	}
	stream := events.CommandStream("builder")
	st, err := admin.JS.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	if info := st.CachedInfo(); info.Config.Replicas != 3 || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
		t.Fatalf("%s: %d replicas, cluster %+v; want 3", stream, info.Config.Replicas, info.Cluster)
	}
	kvs, err := admin.JS.Stream(ctx, "KV_"+bus.DoneBucket)
	if err != nil {
		t.Fatal(err)
	}
	if r := kvs.CachedInfo().Config.Replicas; r != 3 {
		t.Fatalf("bucket %s: %d replicas, want 3", bus.DoneBucket, r)
	}

	// The builder runs against the cluster as its own user.
	builder := c.connect(t, ctx, "builder")
	var mu sync.Mutex
	effects := map[string]int{} // run id → pongs stored (not duplicates)
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- service.Run(sctx, service.Deps{Bus: builder, Log: zerolog.Nop()}, service.Definition{Name: "builder",
			Emitted: func(d *bus.Delivery, _ any) {
				mu.Lock()
				effects[d.Envelope.RunID]++
				mu.Unlock()
			}}, service.Options{Concurrency: 4, AckWait: 5 * time.Second})
	}()
	defer func() {
		stop()
		<-served
	}()

	const n = 150
	handled := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(effects)
	}
	var sent []string
	killed := ""
	for i := range n {
		id := fmt.Sprintf("ping-%03d", i)
		for attempt := 1; ; attempt++ { // during the election a publish may fail: again, same id
			pctx, pcancel := context.WithTimeout(ctx, 3*time.Second)
			_, err := admin.Publish(pctx, &events.ServicePingRequested{}, bus.WithService("builder"), bus.WithID(id))
			pcancel()
			if err == nil {
				break
			}
			if attempt == 20 {
				t.Fatalf("publish %s: %v", id, err)
			}
			time.Sleep(250 * time.Millisecond)
		}
		sent = append(sent, id)
		if i == n/3 {
			for handled() < n/4 && ctx.Err() == nil {
				time.Sleep(50 * time.Millisecond)
			}
			killed = c.killLeader(t, ctx, admin, stream)
		}
	}
	deadline := time.Now().Add(90 * time.Second)
	for handled() < n && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	mu.Lock()
	for _, id := range sent {
		if effects[id] != 1 {
			t.Errorf("command %s: handled %d times, want exactly once", id, effects[id])
		}
	}
	mu.Unlock()
	t.Logf("%d commands handled exactly once across the kill of %s, the leader of %s", n, killed, stream)

	// And the builder's user may not take the tester's commands.
	rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
	defer rcancel()
	err = (&bus.Worker{Conn: builder, Service: "tester", Handlers: map[string]bus.Handler{}, Log: zerolog.Nop()}).Run(rctx)
	if !errors.Is(err, bus.ErrRefused) {
		t.Fatalf("builder on %s: %v, want bus.ErrRefused", events.CommandStream("tester"), err)
	}
	t.Logf("refused: %v", err)
}

// killLeader SIGKILLs the server leading stream and returns its name.
func (c *cluster) killLeader(t *testing.T, ctx context.Context, conn *bus.Conn, stream string) string {
	t.Helper()
	st, err := conn.JS.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil || info.Cluster == nil || info.Cluster.Leader == "" {
		t.Fatalf("leader of %s: %v %+v", stream, err, info)
	}
	leader := info.Cluster.Leader
	p := c.procs[leader]
	if p == nil {
		t.Fatalf("leader %q is none of ours", leader)
	}
	if err := syscall.Kill(p.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.Wait()
	t.Logf("killed %s (pid %d), the leader of %s", leader, p.Process.Pid, stream)
	return leader
}
