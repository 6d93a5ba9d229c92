package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ConnectTimeout bounds how long Connect tries before it says what to check.
const ConnectTimeout = 5 * time.Second

// Conn is a NATS connection with JetStream, publishing as Source.
type Conn struct {
	NC     *nats.Conn
	JS     jetstream.JetStream
	Source string
}

// ErrUnreachable wraps every failure to reach a usable NATS server.
var ErrUnreachable = errors.New("NATS unreachable")

// Connect dials url and checks JetStream, failing within ConnectTimeout with
// a message saying what to check. source names the publisher (ce-source).
func Connect(ctx context.Context, url, source string) (*Conn, error) {
	nc, err := nats.Connect(url,
		nats.Name(source),
		nats.Timeout(ConnectTimeout),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500*time.Millisecond),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot connect to %s within %s: %v; check the URL (--nats or RING_NATS_URL) and that the server is running (`ring up` starts one)", ErrUnreachable, url, ConnectTimeout, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	cctx, cancel := context.WithTimeout(ctx, ConnectTimeout)
	defer cancel()
	if _, err := js.AccountInfo(cctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("%w: %s answers but JetStream does not: %v; start nats-server with JetStream enabled (-js)", ErrUnreachable, url, err)
	}
	return &Conn{NC: nc, JS: js, Source: source}, nil
}

// Close drains and closes the connection.
func (c *Conn) Close() {
	if err := c.NC.Drain(); err != nil {
		c.NC.Close()
	}
}
