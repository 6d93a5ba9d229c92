package natsserver_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/natsserver"
)

// TestProjectNATSConf holds infra/nats/nats.conf to what the embedded
// server is: nats-server's own parser reads it, and a server started from it
// (store and port moved to the test's) carries the project's streams.
func TestProjectNATSConf(t *testing.T) {
	opts, err := server.ProcessConfigFile(filepath.Join("..", "..", "..", "infra", "nats", "nats.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if !opts.JetStream || opts.StoreDir == "" {
		t.Fatalf("JetStream %v with store %q: want it on, with file storage", opts.JetStream, opts.StoreDir)
	}
	if opts.MaxPayload != 8<<20 {
		t.Errorf("max_payload %d, want 8 MB like the embedded server", opts.MaxPayload)
	}
	if opts.Host != "127.0.0.1" || opts.Port != 4222 {
		t.Errorf("listen %s:%d, want 127.0.0.1:4222 (the services' default URL)", opts.Host, opts.Port)
	}
	opts.StoreDir, opts.Port, opts.NoLog, opts.NoSigs = t.TempDir(), -1, true, true
	ns, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	defer ns.Shutdown()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("the server from nats.conf did not start")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := bus.Connect(ctx, ns.ClientURL(), "conf-test")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.EnsureTopology(ctx); err != nil {
		t.Fatalf("streams on a server from nats.conf: %v", err)
	}
}

// WriteConf's file is what nats-server reads: every user with its
// permissions, bcrypt hashes instead of passwords, TLS on clients and routes.
func TestWriteConf(t *testing.T) {
	dir := t.TempDir()
	pw := map[string]string{"builder": "secret-builder", natsserver.CLIUser: "secret-ring"}
	tls := &natsserver.TLS{CertFile: filepath.Join(dir, "c.pem"), KeyFile: filepath.Join(dir, "k.pem"), CAFile: filepath.Join(dir, "ca.pem")}
	path := filepath.Join(dir, "n1.conf")
	if err := natsserver.WriteConf(path, natsserver.ProcessConf{Name: "n1", Listen: "127.0.0.1:4222", StoreDir: dir, Passwords: pw, TLS: tls,
		Cluster: "ring", ClusterListen: "127.0.0.1:6222", Routes: []string{"tls://127.0.0.1:6222", "tls://127.0.0.1:6223"}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "secret-") {
		t.Fatal("the configuration holds a password in clear")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o400 {
		t.Errorf("mode %v, want 0400", fi.Mode().Perm())
	}
	// The certificates do not exist: the parser reports exactly that, after
	// reading everything else.
	_, err := server.ProcessConfigFile(path)
	if err == nil || !strings.Contains(err.Error(), "c.pem") {
		t.Fatalf("parse: %v; want only the missing certificate reported", err)
	}
	if err := natsserver.WriteConf(path, natsserver.ProcessConf{Name: "n1", Listen: "127.0.0.1:4222", StoreDir: dir, Passwords: pw,
		Cluster: "ring", ClusterListen: "127.0.0.1:6222", Routes: []string{"nats://127.0.0.1:6223"}, Monitor: "127.0.0.1:8222",
		RoutePingInterval: 1500 * time.Millisecond, RoutePingMax: 3}); err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(opts.Users) != 2 || opts.Cluster.Name != "ring" || len(opts.Routes) != 1 || opts.MaxPayload != 8<<20 {
		t.Fatalf("users %d, cluster %q, routes %v, max payload %d", len(opts.Users), opts.Cluster.Name, opts.Routes, opts.MaxPayload)
	}
	if opts.Cluster.PingInterval != 1500*time.Millisecond || opts.Cluster.MaxPingsOut != 3 {
		t.Errorf("route pings every %v, %d unanswered at most; want 1.5s and 3", opts.Cluster.PingInterval, opts.Cluster.MaxPingsOut)
	}
	if opts.HTTPHost != "127.0.0.1" || opts.HTTPPort != 8222 {
		t.Errorf("monitoring on %s:%d, want 127.0.0.1:8222", opts.HTTPHost, opts.HTTPPort)
	}
	for _, u := range opts.Users {
		if !strings.HasPrefix(u.Password, "$2a$") {
			t.Errorf("%s: password not a bcrypt hash", u.Username)
		}
		if want := natsserver.Permissions(u.Username); len(u.Permissions.Publish.Allow) != len(want.Publish.Allow) {
			t.Errorf("%s: %d publish permissions, want %d", u.Username, len(u.Permissions.Publish.Allow), len(want.Publish.Allow))
		}
	}
}
