package natsserver_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/dockerhost"
	"ringmaster.dev/kit/natsauth"
	"ringmaster.dev/kit/natsserver"
)

// authServer is an embedded server with every user of Users, over TLS with
// the project's CA, and the catalog's streams declared by the CLI's user.
func authServer(t *testing.T) (url string, creds map[string]natsauth.Credentials) {
	t.Helper()
	home := t.TempDir()
	creds, err := natsauth.LoadOrCreate(home, natsserver.Users())
	if err != nil {
		t.Fatal(err)
	}
	ca, err := natsauth.LoadOrCreateCA(filepath.Join(home, "tls"))
	if err != nil {
		t.Fatal(err)
	}
	cert, key, err := ca.Issue(filepath.Join(home, "tls"), "nats", []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	pw := map[string]string{}
	for u, c := range creds {
		pw[u], c.CAFile = c.Password, ca.CertFile
		creds[u] = c
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := natsserver.Start(ctx, natsserver.Config{Dir: filepath.Join(home, "js"), Users: natsserver.ServerUsers(pw),
		TLS: &natsserver.TLS{CertFile: cert, KeyFile: key, CAFile: ca.CertFile}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	if !strings.HasPrefix(srv.ClientURL(), "tls://") {
		t.Fatalf("client URL %s, want tls://", srv.ClientURL())
	}
	admin := connect(t, srv.ClientURL(), creds[natsserver.CLIUser])
	if err := admin.EnsureTopology(ctx); err != nil {
		t.Fatalf("the CLI's user declares the streams: %v", err)
	}
	return srv.ClientURL(), creds
}

func connect(t *testing.T, url string, c natsauth.Credentials) *bus.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := bus.Connect(ctx, url, c.User, bus.WithCredentials(c))
	if err != nil {
		t.Fatalf("connect as %s: %v", c.User, err)
	}
	t.Cleanup(conn.Close)
	return conn
}

// Nobody gets in without a user and the right password, nor without TLS.
func TestAuthRequired(t *testing.T) {
	url, creds := authServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b := creds["builder"]
	for name, opts := range map[string][]bus.Option{
		"no user":        {},
		"wrong password": {bus.WithCredentials(natsauth.Credentials{User: "builder", Password: "guess", CAFile: b.CAFile})},
		"unknown user":   {bus.WithCredentials(natsauth.Credentials{User: "mallory", Password: b.Password, CAFile: b.CAFile})},
		"no CA":          {bus.WithCredentials(natsauth.Credentials{User: "builder", Password: b.Password})},
	} {
		conn, err := bus.Connect(ctx, url, "intruder", opts...)
		if err == nil {
			conn.Close()
			t.Errorf("%s: connected", name)
			continue
		}
		if !errors.Is(err, bus.ErrUnreachable) || strings.Contains(err.Error(), b.Password) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A service works on its own command stream and is refused, with a clear
// error, when it touches another's.
func TestServiceConfinedToItsStream(t *testing.T) {
	url, creds := authServer(t)
	builder := connect(t, url, creds["builder"])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := builder.EnsureTopology(ctx); err != nil {
		t.Fatalf("a service starting against declared streams: %v", err)
	}
	handled := make(chan string, 1)
	run := func(conn *bus.Conn, svc string, h bus.Handler) (context.CancelFunc, chan error) {
		wctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		w := &bus.Worker{Conn: conn, Service: svc, Handlers: map[string]bus.Handler{"service.ping.requested": h}, Log: zerolog.Nop()}
		go func() { done <- w.Run(wctx) }()
		return stop, done
	}
	stop, done := run(builder, "builder", func(d *bus.Delivery) error {
		handled <- d.Envelope.ID
		return d.Emit(&events.ServicePong{Service: "builder", Instance: "test"})
	})
	cli := connect(t, url, creds[natsserver.CLIUser])
	env, err := cli.Publish(ctx, &events.ServicePingRequested{}, bus.WithService("builder"))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-handled:
		if id != env.ID {
			t.Fatalf("handled %s, sent %s", id, env.ID)
		}
	case <-ctx.Done():
		t.Fatal("the builder did not handle its own command")
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// The builder's user on the repo-publisher's stream: refused.
	rctx, rcancel := context.WithTimeout(ctx, 3*time.Second)
	defer rcancel()
	w := &bus.Worker{Conn: builder, Service: "repo-publisher", Handlers: map[string]bus.Handler{}, Log: zerolog.Nop()}
	err = w.Run(rctx)
	if !errors.Is(err, bus.ErrRefused) || !strings.Contains(err.Error(), events.CommandStream("repo-publisher")) {
		t.Fatalf("builder consuming %s: %v; want bus.ErrRefused naming the stream", events.CommandStream("repo-publisher"), err)
	}
	t.Logf("refused as it should be: %v", err)
	// Dead letters and facts in another's name, or the CLI consuming a
	// command stream: refused too.
	tester := connect(t, url, creds["tester"])
	for name, try := range map[string]func(context.Context) error{
		"tester writes the builder's done marker": func(ctx context.Context) error {
			kv, err := tester.JS.KeyValue(ctx, bus.DoneBucket)
			if err == nil {
				_, err = kv.Put(ctx, "builder.0123", []byte("x"))
			}
			return tester.Explain(err)
		},
		"the CLI consumes the builder's commands": func(ctx context.Context) error {
			return (&bus.Worker{Conn: cli, Service: "builder", Handlers: map[string]bus.Handler{}, Log: zerolog.Nop()}).Run(ctx)
		},
	} {
		tctx, tcancel := context.WithTimeout(ctx, 3*time.Second)
		err := try(tctx)
		tcancel()
		if !errors.Is(err, bus.ErrRefused) {
			t.Errorf("%s: %v, want bus.ErrRefused", name, err)
		}
	}
}

// A service publishes the commands it sends and the facts it emits, and
// is refused, naming the subject, when it sends a command or emits a fact
// the events catalog does not declare for it: the tester cannot ask the
// repo-publisher to sign and publish, nor forge the repository's or a
// build's facts.
func TestServiceSendsOnlyWhatItDeclares(t *testing.T) {
	url, creds := authServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	publish := func(conn *bus.Conn, payload any) error {
		pctx, pcancel := context.WithTimeout(ctx, 3*time.Second)
		defer pcancel()
		_, err := conn.Publish(pctx, payload)
		return err
	}
	for _, tc := range []struct {
		user    string
		payload any
	}{
		{"tester", &events.ClusterCreateRequested{Name: "sweep-1"}},
		{"tester", &events.TestFinished{Cluster: "c1"}},
		{"tester", &events.CommandFailed{Service: "tester"}},
		{"builder", &events.CellBuildRequested{Distro: "debian-12", Arch: "amd64"}},
		{"builder", &events.RepoPublishRequested{Channel: "nightly"}},
		{"repo-publisher", &events.RepoPublished{Channel: "nightly"}},
		{"gateway", &events.PipelineRunRequested{Stack: "demo"}},
	} {
		if err := publish(connect(t, url, creds[tc.user]), tc.payload); err != nil {
			t.Errorf("%s publishing %T, which it declares: %v", tc.user, tc.payload, err)
		}
	}
	for _, tc := range []struct {
		user    string
		payload any
	}{
		{"tester", &events.RepoPublishRequested{Channel: "nightly"}},
		{"tester", &events.RepoPublished{Channel: "nightly"}},
		{"tester", &events.BuildSucceeded{Stack: "demo"}},
		{"builder", &events.RepoPublished{Channel: "nightly"}},
		{"builder", &events.ClusterCreateRequested{Name: "c1"}},
		{"kerberos-realm", &events.ServicePingRequested{}},
		{"gateway", &events.RepoPublished{Channel: "nightly"}},
		{"provisioner", &events.CellBuildRequested{Distro: "debian-12", Arch: "amd64"}},
	} {
		spec, err := events.Of(tc.payload)
		if err != nil {
			t.Fatal(err)
		}
		var opts []bus.PublishOption
		if spec.Service == events.AnyService && spec.Kind == events.Command {
			opts = append(opts, bus.WithService("builder"))
		}
		conn := connect(t, url, creds[tc.user])                // its own: a refusal counts for a minute
		pctx, pcancel := context.WithTimeout(ctx, time.Second) // the refusal comes at once; the publish waits for an ack
		env, err := conn.Publish(pctx, tc.payload, opts...)
		pcancel()
		subject := spec.Subject("builder")
		if spec.Routed {
			subject = spec.RoutedSubject("debian-12.amd64")
		}
		if !errors.Is(err, bus.ErrRefused) || !strings.Contains(err.Error(), subject) {
			t.Errorf("%s publishing %s (%s): %v; want bus.ErrRefused naming the subject", tc.user, spec.Name, env.ID, err)
		}
	}
	// No refused fact reached the stream: only the three allowed ones.
	facts, err := connect(t, url, creds[natsserver.CLIUser]).JS.Stream(ctx, events.FactStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := facts.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 3 {
		t.Errorf("%d facts stored, want the 3 allowed", info.State.Msgs)
	}
}

// The tester and kerberos-realm read the registry of Docker hosts — the
// host records and claims the provisioners keep — to find where a cluster
// lives, and may change none of it.
func TestServiceReadsTheDockerHostRegistryOnly(t *testing.T) {
	url, creds := authServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	prov := connect(t, url, creds["provisioner"])
	reg, err := dockerhost.Open(ctx, prov.JS)
	if err != nil {
		t.Fatalf("the provisioner declares the registry: %v", err)
	}
	now := time.Now()
	if err := reg.Put(ctx, dockerhost.Record{Name: "rack2", Endpoint: "tcp://rack2:2375", Clusters: map[string]dockerhost.Held{"zk": {MB: 512}}, Seen: now}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Claim(ctx, dockerhost.Claim{Cluster: "new", Host: "rack2", Run: "r1", At: now}); err != nil {
		t.Fatal(err)
	}
	for _, svc := range []string{"tester", "kerberos-realm"} {
		conn := connect(t, url, creds[svc])
		f := dockerhost.NewFleet(conn.JS)
		hosts, err := f.Hosts(ctx)
		if err != nil || len(hosts) != 1 || hosts[0].Record.Endpoint != "tcp://rack2:2375" || !hosts[0].Registered {
			t.Errorf("%s reads the hosts: %+v %v", svc, hosts, conn.Explain(err))
		}
		r, ok, err := dockerhost.Find(ctx, conn.JS)
		if !ok || err != nil {
			t.Fatalf("%s finds the registry: %v %v", svc, ok, conn.Explain(err))
		}
		if claims, err := r.Claims(ctx); err != nil || len(claims) != 1 {
			t.Errorf("%s reads the claims: %v %v", svc, claims, conn.Explain(err))
		}
		for name, try := range map[string]func(context.Context) error{
			"writes a host's record": func(ctx context.Context) error {
				return r.Put(ctx, dockerhost.Record{Name: "rack3", Seen: now})
			},
			"claims a host": func(ctx context.Context) error {
				return r.Claim(ctx, dockerhost.Claim{Cluster: "x", Host: "rack2", At: now})
			},
			"removes a claim": func(ctx context.Context) error { return r.Unclaim(ctx, "new", "r1") },
			"purges a host's record": func(ctx context.Context) error {
				return r.KV.Purge(ctx, "host.rack2")
			},
			"declares the bucket": func(ctx context.Context) error {
				_, err := dockerhost.Open(ctx, conn.JS)
				return err
			},
		} {
			tctx, tcancel := context.WithTimeout(ctx, 3*time.Second)
			err := conn.Explain(try(tctx))
			tcancel()
			if !errors.Is(err, bus.ErrRefused) {
				t.Errorf("%s %s: %v, want bus.ErrRefused", svc, name, err)
			}
		}
	}
	// Nothing they tried changed it.
	if hosts, err := reg.Hosts(ctx); err != nil || len(hosts) != 1 {
		t.Errorf("hosts after the readers: %+v %v", hosts, err)
	}
	if claims, err := reg.Claims(ctx); err != nil || len(claims) != 1 {
		t.Errorf("claims after the readers: %+v %v", claims, err)
	}
}
