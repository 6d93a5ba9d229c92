//go:build integration

package natsserver_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
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
	*natsserver.Processes
	seeds string // every client URL, comma-separated
	creds map[string]natsauth.Credentials
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

func startCluster(t *testing.T) *cluster {
	t.Helper()
	return startClusterWith(t, natsserver.ProcessesConfig{})
}

// startClusterWith starts the servers as cfg says, with the binary and a
// home of the test's.
func startClusterWith(t *testing.T, cfg natsserver.ProcessesConfig) *cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cfg.Bin, cfg.Home = natsServerBinary(t), t.TempDir()
	p, err := natsserver.StartProcesses(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Close()
		if t.Failed() {
			for _, name := range p.Names() {
				b, _ := os.ReadFile(p.LogPath(name))
				t.Logf("log of %s:\n%s", name, tail(string(b), 40))
			}
		}
	})
	return &cluster{Processes: p, seeds: p.Seeds, creds: p.Creds}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// connect as user to every seed, retrying while the cluster forms.
func (c *cluster) connect(t *testing.T, ctx context.Context, user string) *bus.Conn {
	t.Helper()
	return c.connectTo(t, ctx, user, c.seeds)
}

// connectTo connects as user to the servers of urls (comma-separated).
func (c *cluster) connectTo(t *testing.T, ctx context.Context, user, urls string) *bus.Conn {
	t.Helper()
	for {
		conn, err := bus.Connect(ctx, urls, user, bus.WithCredentials(c.creds[user]))
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
	// Under -race in CI a run took 192 s, most of it waiting (the
	// recovery after the kill): the checks at the end get their own time.
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	begun := time.Now()
	phase := func(what string) { t.Logf("%6.1f s: %s", time.Since(begun).Seconds(), what) }
	admin := c.connect(t, ctx, natsserver.CLIUser)
	if admin.Replicas != 3 {
		t.Fatalf("replicas %d on a cluster of three (servers known: %v)", admin.Replicas, admin.NC.Servers())
	}
	ensureTopology(t, ctx, admin)
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

	phase("streams and buckets declared with 3 replicas")
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
	started := time.Now().Add(-time.Second)
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
			phase(fmt.Sprintf("%d handled, killing the leader of %s", handled(), stream))
			killed = c.killLeader(t, ctx, admin, stream)
			phase("killed " + killed)
		}
	}
	phase(fmt.Sprintf("%d commands sent", n))
	// The effect of a ping is its pong in the fact stream. A pong stored
	// while the leader died may reach the stream without its publisher
	// hearing the ack; the handler's retry is then a duplicate the stream
	// drops (Emitted is not told), so the stream, not Emitted, is counted.
	stored := map[string]int{}
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		if stored = pongs(t, ctx, admin, started); len(stored) >= n {
			break
		}
	}
	phase(fmt.Sprintf("%d pongs stored", len(stored)))
	mu.Lock()
	for _, id := range sent {
		if stored[id] != 1 || effects[id] > 1 {
			t.Errorf("command %s: %d pongs stored, %d seen emitted first; want exactly one", id, stored[id], effects[id])
		}
	}
	mu.Unlock()
	dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer dcancel()
	if dl, err := admin.DeadLetters(dctx); err != nil || len(dl) > 0 {
		t.Errorf("dead letters: %d (%v), want none", len(dl), err)
	}
	t.Logf("%d commands handled exactly once across the kill of %s, the leader of %s", n, killed, stream)

	// And the builder's user may not take the tester's commands.
	rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer rcancel()
	err = (&bus.Worker{Conn: builder, Service: "tester", Handlers: map[string]bus.Handler{}, Log: zerolog.Nop()}).Run(rctx)
	if !errors.Is(err, bus.ErrRefused) {
		t.Fatalf("builder on %s: %v, want bus.ErrRefused", events.CommandStream("tester"), err)
	}
	t.Logf("refused: %v", err)
}

// pongs counts the pongs stored since started, by run id (the ping's id).
// It reads the fact stream message by message, from its leader, with no
// consumer: making one needs the cluster's meta leader, which in one CI run
// was the killed server and was not replaced for minutes under load (the
// read hung); the subject of the test is the stream, not the consumer.
func pongs(t *testing.T, ctx context.Context, conn *bus.Conn, started time.Time) map[string]int {
	t.Helper()
	stored := map[string]int{}
	spec, _ := events.ByName("service.pong")
	subject := spec.Subject("")
	var st jetstream.Stream
	var info *jetstream.StreamInfo
	if askAgain(t, ctx, "read pongs: stream info", func(ctx context.Context) (err error) {
		if st, err = conn.JS.Stream(ctx, events.FactStream); err == nil {
			info, err = st.Info(ctx)
		}
		return err
	}) != nil {
		return stored
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		var msg *jetstream.RawStreamMsg
		if askAgain(t, ctx, fmt.Sprintf("read pongs: message %d", seq), func(ctx context.Context) (err error) {
			msg, err = st.GetMsg(ctx, seq)
			if errors.Is(err, jetstream.ErrMsgNotFound) {
				msg, err = nil, nil
			}
			return err
		}) != nil {
			return stored
		}
		if msg == nil || msg.Subject != subject || msg.Time.Before(started) {
			continue
		}
		if env, err := events.FromHeaders(events.Header(msg.Header), msg.Data, 0); err == nil {
			stored[env.RunID]++
		}
	}
	return stored
}

// askAgain runs do, each time with 5 s, until it succeeds or ctx ends
// (then the last error): a request to a stream whose leader was just killed
// goes unanswered, and the next leader answers it sent again.
func askAgain(t *testing.T, ctx context.Context, what string, do func(ctx context.Context) error) error {
	t.Helper()
	for {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := do(actx)
		cancel()
		if err == nil || ctx.Err() != nil {
			return err
		}
		t.Logf("%s: %v", what, err)
		time.Sleep(500 * time.Millisecond)
	}
}

// ensureTopology declares the streams and buckets, again while the
// cluster elects its JetStream meta leader.
func ensureTopology(t *testing.T, ctx context.Context, conn *bus.Conn) {
	t.Helper()
	for {
		err := conn.EnsureTopology(ctx)
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("declare streams on the cluster: %v", err)
		}
		time.Sleep(500 * time.Millisecond) // JetStream's meta leader is being elected
	}
}

// killLeader SIGKILLs the server leading stream and returns its name.
func (c *cluster) killLeader(t *testing.T, ctx context.Context, conn *bus.Conn, stream string) string {
	t.Helper()
	leader, err := c.StreamLeader(ctx, conn.JS, stream)
	if err != nil {
		t.Fatal(err)
	}
	pid := c.PID(leader)
	if pid == 0 {
		t.Fatalf("leader %q is none of ours", leader)
	}
	if err := c.Kill(leader); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed %s (pid %d), the leader of %s", leader, pid, stream)
	return leader
}

// The dead letters can be listed and put back while their stream's leader
// is dead: a request sent to the dead leader is never answered, so each
// attempt has its own short timeout and the next leader answers the next
// one.
func TestDeadLettersListedAcrossTheirLeadersDeath(t *testing.T) {
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	admin := c.connect(t, ctx, natsserver.CLIUser)
	ensureTopology(t, ctx, admin)
	// A dead letter as the builder's worker leaves one (its user may
	// publish to its own dead-letter subject).
	builder := c.connect(t, ctx, "builder")
	spec, _ := events.ByName("build.requested")
	cmd := spec.Subject("builder")
	dead := nats.NewMsg(events.DeadLetterSubject("builder"))
	dead.Data = []byte(`{"stack":"fixture"}`)
	dead.Header.Set(bus.HeaderDLQService, "builder")
	dead.Header.Set(bus.HeaderDLQSubject, cmd)
	dead.Header.Set(bus.HeaderDLQReason, "put here by the test")
	if _, err := builder.JS.PublishMsg(ctx, dead, jetstream.WithMsgID("dlq/test/1")); err != nil {
		t.Fatal(err)
	}
	c.killLeader(t, ctx, admin, events.DeadLetterStream)
	start := time.Now()
	lctx, lcancel := context.WithTimeout(ctx, time.Minute)
	defer lcancel()
	dl, err := admin.DeadLetters(lctx)
	if err != nil {
		t.Fatalf("dead letters %.1f s after their leader was killed: %v", time.Since(start).Seconds(), err)
	}
	t.Logf("%d dead letters listed %.1f s after their stream's leader was killed", len(dl), time.Since(start).Seconds())
	if len(dl) != 1 || dl[0].Reason != "put here by the test" {
		t.Fatalf("dead letters: %+v, want the test's one", dl)
	}
	if err := admin.RetryDeadLetter(lctx, dl[0].Seq); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if dl, err := admin.DeadLetters(lctx); err != nil || len(dl) != 0 {
		t.Fatalf("after the retry: %d dead letters, %v; want none", len(dl), err)
	}
	// The command is back in the builder's stream (the CLI's user may read
	// stream states, not the commands themselves).
	// That stream may have lost its leader too: asked again till lctx ends.
	if err := askAgain(t, lctx, "the retried command", func(ctx context.Context) error {
		st, err := admin.JS.Stream(ctx, events.CommandStream("builder"))
		if err != nil {
			return err
		}
		info, err := st.Info(ctx, jetstream.WithSubjectFilter(cmd))
		if err == nil && info.State.Subjects[cmd] != 1 {
			err = fmt.Errorf("%d messages on %s, want 1", info.State.Subjects[cmd], cmd)
		}
		return err
	}); err != nil {
		t.Fatalf("the retried command on %s: %v", cmd, err)
	}
}
