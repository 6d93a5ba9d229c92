// Package bustest gives tests a bus on an embedded NATS server of their own.
package bustest

import (
	"context"
	"testing"
	"time"

	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/natsserver"
)

// Embedded starts a JetStream server with file storage in a temporary
// directory and connects to it; both end with the test.
func Embedded(t testing.TB) *bus.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := natsserver.Start(ctx, natsserver.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	conn, err := bus.Connect(ctx, srv.ClientURL(), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	return conn
}
