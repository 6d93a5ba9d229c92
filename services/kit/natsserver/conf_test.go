package natsserver_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"ringmaster.dev/kit/bus"
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
