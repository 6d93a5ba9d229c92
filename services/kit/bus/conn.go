package bus

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"ringmaster.dev/kit/natsauth"
)

// ConnectTimeout bounds how long Connect tries before it says what to check.
const ConnectTimeout = 5 * time.Second

// ClusterFormTimeout bounds how long Connect waits for a cluster's
// JetStream to elect its meta leader.
const ClusterFormTimeout = 30 * time.Second

// EnvReplicas overrides how many replicas streams and KV buckets get.
const EnvReplicas = "RING_NATS_REPLICAS"

// Conn is a NATS connection with JetStream, publishing as Source.
type Conn struct {
	NC *nats.Conn
	// JS creates streams and buckets with Replicas replicas when their
	// configuration names none.
	JS     jetstream.JetStream
	Source string
	// Replicas is how many copies of each stream and bucket the cluster
	// keeps: 1 on a single server, 3 on a cluster of three or more.
	Replicas int

	user      string
	mu        sync.Mutex
	refusal   error
	refusedAt time.Time
}

// ErrUnreachable wraps every failure to reach a usable NATS server.
var ErrUnreachable = errors.New("NATS unreachable")

// ErrRefused wraps an operation the server refused: the user's permissions
// do not allow the subject (natsserver.Permissions).
var ErrRefused = errors.New("NATS refused")

// Option adjusts Connect.
type Option func(*dialOptions)

type dialOptions struct {
	creds    *natsauth.Credentials
	replicas int
	log      *zerolog.Logger
}

// WithLog logs every subject the server refuses this connection (a missing
// permission shows up at once, not only as a timeout).
func WithLog(log zerolog.Logger) Option { return func(o *dialOptions) { o.log = &log } }

// WithCredentials connects as a user (and over TLS when they name a CA).
func WithCredentials(c natsauth.Credentials) Option {
	return func(o *dialOptions) { o.creds = &c }
}

// WithReplicas fixes the replicas of streams and buckets (0: derived from
// the cluster's size, or RING_NATS_REPLICAS).
func WithReplicas(n int) Option { return func(o *dialOptions) { o.replicas = n } }

// Connect dials url (a comma-separated list of seed URLs for a cluster) and
// checks JetStream, failing within ConnectTimeout with a message saying what
// to check. source names the publisher (ce-source).
func Connect(ctx context.Context, url, source string, opts ...Option) (*Conn, error) {
	var o dialOptions
	for _, opt := range opts {
		opt(&o)
	}
	c := &Conn{Source: source}
	nopts := []nats.Option{
		nats.Name(source),
		nats.Timeout(ConnectTimeout),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrPermissionViolation) {
				c.mu.Lock()
				c.refusal, c.refusedAt = err, time.Now()
				c.mu.Unlock()
				if o.log != nil {
					o.log.Error().Err(err).Str("nats_user", c.user).Msg("NATS refused a subject: the user's permissions do not allow it")
				}
			}
		}),
	}
	who := "without credentials"
	if o.creds != nil {
		who, c.user = "as "+o.creds.String(), o.creds.User
		nopts = append(nopts, nats.UserInfo(o.creds.User, o.creds.Password), nats.CustomInboxPrefix(natsauth.InboxPrefix(o.creds.User)))
		if o.creds.CAFile != "" {
			nopts = append(nopts, nats.RootCAs(o.creds.CAFile))
		}
	}
	nc, err := nats.Connect(url, nopts...)
	if err != nil {
		hint := "check the URL (--nats or RING_NATS_URL) and that the server is running (`ring up` starts one)"
		if errors.Is(err, nats.ErrAuthorization) || strings.Contains(strings.ToLower(err.Error()), "authorization") {
			hint = "check the credentials (" + natsauth.EnvCredentials + ", or the user's file under RING_HOME/nats-users that `ring up` writes)"
		}
		return nil, fmt.Errorf("%w: cannot connect to %s %s within %s: %v; %s", ErrUnreachable, url, who, ConnectTimeout, err, hint)
	}
	c.NC = nc
	c.Replicas = replicas(nc, o.replicas)
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	c.JS = replicated{JetStream: js, asker: c.asker()}
	// A cluster that is forming answers only once it has elected its
	// JetStream meta leader: ask again until the deadline.
	wait := ConnectTimeout
	if nc.ConnectedClusterName() != "" {
		wait = ClusterFormTimeout
	}
	cctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		actx, acancel := context.WithTimeout(cctx, 2*time.Second)
		_, err = js.AccountInfo(actx)
		acancel()
		if err == nil || errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) || cctx.Err() != nil {
			break
		}
		c.mu.Lock()
		refused := c.refusal != nil
		c.mu.Unlock()
		if refused {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if err != nil {
		nc.Close()
		if rerr := c.Explain(err); errors.Is(rerr, ErrRefused) {
			return nil, rerr
		}
		return nil, fmt.Errorf("%w: %s answers but JetStream does not: %v; start nats-server with JetStream enabled (-js)", ErrUnreachable, url, err)
	}
	return c, nil
}

// replicas: fixed, else RING_NATS_REPLICAS, else 3 on a cluster of three
// or more servers (those the client knows of), else 1.
func replicas(nc *nats.Conn, fixed int) int {
	if fixed > 0 {
		return fixed
	}
	if n, err := strconv.Atoi(os.Getenv(EnvReplicas)); err == nil && n > 0 {
		return n
	}
	if nc.ConnectedClusterName() == "" {
		return 1
	}
	seen := map[string]bool{}
	for _, u := range nc.Servers() {
		seen[u] = true
	}
	if len(seen) >= 3 {
		return 3
	}
	return 1
}

// refusalRecent is how long after a refusal a failed operation is taken
// to have failed because of it.
const refusalRecent = time.Minute

// Explain returns err wrapped with ErrRefused and the server's words when
// the server refused a subject of this connection's within the last minute
// (the refusal arrives apart from the request, which then only times out);
// else err.
func (c *Conn) Explain(err error) error {
	if err == nil {
		return nil
	}
	c.mu.Lock()
	r, at := c.refusal, c.refusedAt
	c.mu.Unlock()
	if r == nil || time.Since(at) > refusalRecent || errors.Is(err, ErrRefused) {
		return err
	}
	return fmt.Errorf("%w: %v (the user's permissions do not allow it; see docs/security.md): %w", ErrRefused, r, err)
}

// asker: requests asked again on a cluster, not after the server refused
// one of the connection's subjects.
func (c *Conn) asker() asker { return asker{n: c.Replicas, refused: c.refusedSince} }

// refusedSince tells whether the server refused a subject of this
// connection at or after t.
func (c *Conn) refusedSince(t time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refusal != nil && !c.refusedAt.Before(t)
}

// Close drains and closes the connection.
func (c *Conn) Close() {
	if err := c.NC.Drain(); err != nil {
		c.NC.Close()
	}
}
