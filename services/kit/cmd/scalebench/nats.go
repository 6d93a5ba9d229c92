package main

import (
	"context"
	"os"
	"path/filepath"

	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/natsserver"
)

// server is an embedded NATS server with JetStream file storage in its own
// directory and a connection that declared Ringmaster's topology on it.
type server struct {
	srv  *natsserver.Server
	url  string
	conn *bus.Conn
	dir  string
}

func startServer(ctx context.Context, dir, name string) (*server, error) {
	d := filepath.Join(dir, name)
	srv, err := natsserver.Start(ctx, natsserver.Config{Dir: d})
	if err != nil {
		return nil, err
	}
	conn, err := bus.Connect(ctx, srv.ClientURL(), "scalebench")
	if err != nil {
		srv.Shutdown()
		return nil, err
	}
	if err := conn.EnsureTopology(ctx); err != nil {
		conn.Close()
		srv.Shutdown()
		return nil, err
	}
	return &server{srv: srv, url: srv.ClientURL(), conn: conn, dir: d}, nil
}

func (s *server) close() {
	s.conn.Close()
	s.srv.Shutdown()
	_ = os.RemoveAll(s.dir)
}
