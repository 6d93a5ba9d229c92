package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
)

// run is one user action: a new run id, a connection, and every fact of the
// run delivered as it is published — watched before anything is sent, so
// nothing is missed.
type run struct {
	ID    string
	Facts <-chan events.Envelope
	conn  *bus.Conn
	watch *bus.Watch
}

// startRun connects with connect and starts watching a new run's facts.
func startRun(ctx context.Context, connect func(context.Context) (*bus.Conn, error)) (*run, error) {
	conn, err := connect(ctx)
	if err != nil {
		return nil, err
	}
	r := &run{ID: uuid.NewString(), conn: conn}
	if r.watch, err = conn.WatchRun(r.ID, 64); err != nil {
		conn.Close()
		return nil, err
	}
	r.Facts = r.watch.Facts
	return r, nil
}

// begin starts watching a new run, writes its run record (trigger cli,
// followed by the gateway when one runs; see recordRun) and sends its
// command; the caller closes the run.
func begin(ctx context.Context, g *globals, cmd any) (*run, error) {
	r, err := startRun(ctx, g.connect)
	if err != nil {
		return nil, err
	}
	if log, err := g.logger(); err == nil {
		recordRun(ctx, r.conn, log, r.ID, events.TriggerCLI, osUser(), cmd)
	}
	if err := r.send(ctx, cmd); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// send publishes a command of this run.
func (r *run) send(ctx context.Context, cmd any, opts ...bus.PublishOption) error {
	_, err := r.conn.Publish(ctx, cmd, append(opts, bus.WithRunID(r.ID))...)
	return err
}

// Close stops watching and disconnects.
func (r *run) Close() {
	r.watch.Stop()
	r.conn.Close()
}

// await feeds the run's facts to on until on says the run is done. A
// command.failed of the run ends it with its reason (exit 1); no end within
// wait prints late's line (exit 2). On a terminal, a live line under what on
// prints says how long the run has gone without a step.
func (r *run) await(ctx context.Context, out io.Writer, wait time.Duration, late func() string, on func(events.Envelope) (done bool, err error)) error {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	s := newScreen(out)
	start, last := time.Now(), time.Now()
	defer s.show()
	for {
		select {
		case env := <-r.Facts:
			s.show() // on prints below the lines so far
			last = time.Now()
			if env.Type == "ringmaster.command.failed.v1" {
				var f events.CommandFailed
				_ = json.Unmarshal(env.Data, &f)
				fmt.Fprintf(out, "failed after %d attempt(s): %s\n", f.Attempts, f.Reason)
				return exitError{code: 1}
			}
			if done, err := on(env); done {
				return err
			}
		case <-tick.C:
			if quiet := time.Since(last); quiet >= 2*time.Second {
				s.show(fmt.Sprintf("  … %s since the last step, %s in all", elapsed(quiet), elapsed(time.Since(start))))
			}
		case <-timer.C:
			s.show()
			fmt.Fprintln(out, late())
			return exitError{code: 2}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
