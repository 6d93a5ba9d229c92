package builder

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/builder/matrix"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/stack"
)

// The facts a coordinator follows: how each cell it sent ended.
var cellFacts = []string{"build.succeeded", "build.failed", "command.failed"}

// waitingAfter is how long a sent cell may wait before the coordinator
// looks for a builder serving its route (and says so when there is none).
const waitingAfter = 2 * time.Second

// buildHandler coordinates a build request: it plans the matrix and sends
// one cell.build.requested per cell once the cell's dependencies are
// built, to whichever builder serves the cell's distro and architecture.
// Where the matrix stands is derived from the cells' facts (since the
// request was made), so a coordinator that dies is replaced by whichever
// builder gets the redelivered request: it reads the same facts, sends
// what was not sent (the ids are the same, so JetStream drops what was),
// and goes on. When every cell ended it sends the packages to the
// repo-publisher, one command per distro, and reports build.finished.
func (b *Builder) buildHandler(d *bus.Delivery) error {
	req := d.Payload.(*events.BuildRequested)
	if req.Stack == "" || strings.ContainsAny(req.Stack, "/\\.") {
		return bus.Permanent(fmt.Errorf("stack %q: give the name of a directory under %s", req.Stack, b.Opts.StacksDir))
	}
	work, err := b.scratch("builds", d.Envelope.ID)
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	st, err := b.loadStack(d.Ctx, req.Stack, req.Git, work)
	if err != nil {
		return err
	}
	cells, err := matrix.Plan(st, req.Components, req.Distros)
	if err != nil {
		return bus.Permanent(err)
	}
	co := &coordinator{b: b, d: d, req: req, st: st, board: matrix.NewBoard(cells), built: map[string]events.BuildSucceeded{},
		ended: map[string]cellEnd{}, sentAt: map[string]time.Time{}, told: map[string]bool{}}
	if err := co.run(d.Ctx); err != nil {
		return err
	}
	return co.finish()
}

// cellEnd is what the facts said of a cell that did not build.
type cellEnd struct {
	reason, logKey, builder string
	seconds                 float64
}

// Facts is the part of JetStream a coordinator reads: the cells' facts,
// and whether a route has a consumer (a builder serving it).
type Facts interface {
	OrderedConsumer(ctx context.Context, stream string, cfg jetstream.OrderedConsumerConfig) (jetstream.Consumer, error)
	Consumer(ctx context.Context, stream, name string) (jetstream.Consumer, error)
}

// coordinator is one build request's matrix being coordinated.
type coordinator struct {
	b     *Builder
	d     *bus.Delivery
	req   *events.BuildRequested
	st    *stack.Stack
	board *matrix.Board
	built map[string]events.BuildSucceeded // cell → its fact
	ended map[string]cellEnd               // cell → why it did not build
	// sentAt tells when each cell was sent; told marks the cells reported
	// as waiting for a builder.
	sentAt map[string]time.Time
	told   map[string]bool
}

// run follows the cells' facts from just before the request was made and
// sends cells as they become ready, until every cell ended.
func (co *coordinator) run(ctx context.Context) error {
	var subjects []string
	for _, name := range cellFacts {
		spec, _ := events.ByName(name)
		subjects = append(subjects, spec.Subject(""))
	}
	// A minute early: the clocks of the machine that sent the request and
	// of the NATS servers need not agree to the second.
	since := co.d.Envelope.Time.Add(-time.Minute)
	cons, err := co.b.Facts.OrderedConsumer(ctx, events.FactStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: subjects, DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &since})
	if err != nil {
		return fmt.Errorf("follow the cells' facts: %w", err)
	}
	caughtUp := false
	for {
		batch, err := cons.Fetch(256, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("follow the cells' facts: %w", err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			if meta, err := m.Metadata(); err == nil && meta.NumPending == 0 {
				caughtUp = true
			}
			if env, err := events.FromHeaders(events.Header(m.Headers()), m.Data(), 0); err == nil {
				co.apply(env)
			}
		}
		if n == 0 {
			caughtUp = true
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !caughtUp {
			continue // replaying what happened before: send nothing yet
		}
		if err := co.release(); err != nil {
			return err
		}
		if co.board.Done() {
			return nil
		}
		co.lookForBuilders(ctx)
	}
}

// apply takes one fact into the board, if it is about this request.
func (co *coordinator) apply(env events.Envelope) {
	_, payload, err := env.Decode()
	if err != nil {
		return
	}
	switch f := payload.(type) {
	case *events.BuildSucceeded:
		if f.Request == co.d.Envelope.ID && co.board.Succeeded(f.Component+"/"+f.Distro, f.Cached, seconds(f.Seconds)) {
			co.built[f.Component+"/"+f.Distro] = *f
		}
	case *events.BuildFailed:
		if f.Request == co.d.Envelope.ID && co.board.Failed(f.Component+"/"+f.Distro, f.Reason, f.Skipped, seconds(f.Seconds)) {
			co.ended[f.Component+"/"+f.Distro] = cellEnd{reason: f.Reason, logKey: f.LogKey, builder: f.Builder, seconds: f.Seconds}
		}
	case *events.CommandFailed:
		name, ok := co.cellOfID(f.CommandID)
		reason := fmt.Sprintf("no builder could build it (%d attempts): %s", f.Attempts, f.Reason)
		if ok && co.board.Failed(name, reason, false, 0) {
			co.ended[name] = cellEnd{reason: reason}
			// Said as a fact too, so the live matrix and the dashboard show it.
			c, _ := co.board.Cell(name)
			_ = co.d.EmitAs(name, &events.BuildFailed{Stack: co.st.Name, Component: c.Component, Distro: c.Distro, Reason: reason, Request: co.d.Envelope.ID})
		}
	}
}

// cellOfID finds the cell of a cell command id of this request (sent by
// this coordinator or an earlier one of the same request: ids are the same).
func (co *coordinator) cellOfID(id string) (string, bool) {
	prefix := bus.EventID(co.d.Envelope.ID, "cell.build.requested", "")
	name, ok := strings.CutPrefix(id, prefix)
	if !ok {
		return "", false
	}
	_, known := co.board.Cell(name)
	return name, known
}

// release sends the cells that became ready and reports the ones skipped.
func (co *coordinator) release() error {
	ready, skipped := co.board.Next()
	for _, o := range skipped {
		co.ended[o.Cell.Name()] = cellEnd{reason: o.Reason}
		if err := co.d.EmitAs(o.Cell.Name(), &events.BuildFailed{Stack: co.st.Name, Component: o.Cell.Component, Distro: o.Cell.Distro,
			Reason: o.Reason, Skipped: true, Request: co.d.Envelope.ID}); err != nil {
			return err
		}
	}
	for _, c := range ready {
		cmd := &events.CellBuildRequested{Request: co.d.Envelope.ID, Stack: co.req.Stack, Git: co.req.Git,
			Component: c.Component, Distro: c.Distro, Arch: co.b.Opts.Arch}
		for _, dep := range c.Deps {
			if r, ok := co.built[dep+"/"+c.Distro]; ok {
				cmd.Deps = append(cmd.Deps, events.CellDep{Component: dep, BuildKey: r.BuildKey, Packages: r.Packages})
			}
		}
		if err := co.d.EmitAs(c.Name(), cmd); err != nil {
			return fmt.Errorf("send cell %s: %w", c.Name(), err)
		}
		co.sentAt[c.Name()] = time.Now()
	}
	return nil
}

// lookForBuilders tells, once per cell, of cells sent a while ago whose
// route has no consumer: no builder serving it ever ran against this NATS.
// (A route whose builders are all down keeps its consumer; `ring status`
// shows which builders serve what.)
func (co *coordinator) lookForBuilders(ctx context.Context) {
	for name, at := range co.sentAt {
		if co.told[name] || time.Since(at) < waitingAfter {
			continue
		}
		o, _ := co.board.Outcome(name)
		if o.State != matrix.Running {
			continue
		}
		route := o.Cell.Distro + "." + co.b.Opts.Arch
		durable := events.RouteConsumer(Name, "cell.build.requested", route)
		_, err := co.b.Facts.Consumer(ctx, events.CommandStream(Name), durable)
		co.told[name] = true
		if !errors.Is(err, jetstream.ErrConsumerNotFound) {
			continue
		}
		reason := fmt.Sprintf("no builder serves %s: start one with --distros %s (or %s=%s)", route, o.Cell.Distro, EnvDistros, o.Cell.Distro)
		co.d.Log.Warn().Str("cell", name).Msg(reason)
		_ = co.d.EmitAs(name, &events.CellWaiting{Request: co.d.Envelope.ID, Stack: co.st.Name, Component: o.Cell.Component,
			Distro: o.Cell.Distro, Arch: co.b.Opts.Arch, Reason: reason})
	}
}

// finish sends what built to the repo-publisher, a command per distro,
// and reports build.finished.
func (co *coordinator) finish() error {
	d, st, req := co.d, co.st, co.req
	channel := cmp.Or(req.Channel, st.Channel)
	summary := &events.BuildFinished{Stack: st.Name, Channel: channel, Test: testSpec(st)}
	if req.Git != nil {
		summary.Commit = req.Git.Commit
	}
	byDistro := map[string][]events.PackageRef{}
	var distros []string
	for _, o := range co.board.Outcomes() {
		name := o.Cell.Name()
		cr := events.CellResult{Component: o.Cell.Component, Distro: o.Cell.Distro, State: string(o.State), Reason: o.Reason, Cached: o.Cached, Seconds: o.Took.Seconds()}
		if r, ok := co.built[name]; ok && o.State == matrix.OK {
			if len(byDistro[o.Cell.Distro]) == 0 {
				distros = append(distros, o.Cell.Distro)
			}
			byDistro[o.Cell.Distro] = append(byDistro[o.Cell.Distro], r.Packages...)
			cr.LogKey, cr.BuildKey, cr.Packages, cr.Builder = r.LogKey, r.BuildKey, r.Packages, r.Builder
		} else if e, ok := co.ended[name]; ok {
			cr.LogKey, cr.Builder = e.logKey, e.builder
		}
		summary.Cells = append(summary.Cells, cr)
	}
	for _, dist := range distros {
		pub := &events.RepoPublishRequested{Channel: channel, Distros: []string{dist}, Packages: byDistro[dist]}
		if err := d.EmitAs("publish/"+dist, pub); err != nil {
			return err
		}
		summary.Published = append(summary.Published, dist)
	}
	return d.Emit(summary)
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
