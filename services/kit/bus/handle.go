package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"ringmaster.dev/events"
)

// settleTimeout bounds each ack/nak/term and dead-letter publication.
const settleTimeout = 10 * time.Second

// handle runs one delivery to its end: poison → dead letter; done before →
// ack; handler ok → done marker, ack; permanent or out of attempts → dead
// letter, command.failed, term; otherwise nak with backoff.
func (w *Worker) handle(ctx context.Context, marks doneMarks, msg jetstream.Msg) {
	w.Metrics.Received.Add(1)
	w.Metrics.InFlight.Add(1)
	defer w.Metrics.InFlight.Add(-1)
	attempt := 1
	if meta, err := msg.Metadata(); err == nil {
		attempt = int(meta.NumDelivered)
	}
	log := w.Log.With().Str("subject", msg.Subject()).Int("attempt", attempt).Logger()

	env, err := events.FromHeaders(events.Header(msg.Headers()), msg.Data(), w.MaxBody)
	var spec events.Spec
	var payload any
	if err == nil {
		spec, payload, err = env.Decode()
	}
	log = log.With().Str("run", env.RunID).Str("id", env.ID).Str("type", env.Type).Logger()
	typ := UnknownType
	if err != nil {
		w.giveUp(ctx, msg, env, typ, attempt, fmt.Sprintf("poison message: %v", err))
		return
	}
	typ = spec.Name
	h, ok := w.Handlers[spec.Name]
	if !ok {
		w.giveUp(ctx, msg, env, typ, attempt, fmt.Sprintf("poison message: %s does not handle %s", w.Service, env.Type))
		return
	}
	if attempt > w.MaxDeliver {
		w.giveUp(ctx, msg, env, typ, attempt-1, fmt.Sprintf("gave up after %d attempts (the last one did not finish: the process died or stalled)", attempt-1))
		return
	}
	if marks.kv != nil && mayBeDuplicate(attempt, env.Time) {
		done, err := marks.isDone(ctx, w.Service, env.ID)
		if err != nil {
			w.retry(msg, typ, attempt, log, err)
			return
		}
		if done {
			w.Metrics.Duplicates.Add(1)
			w.observe(typ, Duplicate)
			log.Info().Msg("already done; acknowledging the redelivery")
			w.settle(log, "ack", msg.Ack())
			return
		}
	}

	stopBeat := w.heartbeat(ctx, msg)
	d := &Delivery{Ctx: ctx, Envelope: env, Spec: spec, Payload: payload, Attempt: attempt, Log: log, Service: w.Service, conn: w.Conn, emitted: w.Emitted}
	mw := append(append([]Middleware(nil), w.Middleware...), Recover(w.Metrics))
	err = Chain(h, mw...)(d)
	stopBeat()

	switch {
	case err == nil:
		if marks.kv != nil {
			if err := marks.markDone(w.Conn.JS, w.Service, env.ID); err != nil {
				// Effects and facts are idempotent: a rerun is harmless.
				log.Warn().Err(err).Msg("could not record done marker")
			}
		}
		w.Metrics.Succeeded.Add(1)
		w.observe(typ, Done)
		w.settle(log, "ack", msg.Ack())
	case ctx.Err() != nil:
		// Shutdown grace ended: hand the command back at once.
		w.observe(typ, HandedBack)
		w.settle(log, "nak", msg.Nak())
	case IsPermanent(err):
		w.giveUp(ctx, msg, env, typ, attempt, err.Error())
	case attempt >= w.MaxDeliver:
		w.giveUp(ctx, msg, env, typ, attempt, fmt.Sprintf("gave up after %d attempts: %v", attempt, err))
	default:
		w.retry(msg, typ, attempt, log, err)
	}
}

// observe tells the Observer, if any, what became of a delivery.
func (w *Worker) observe(typ string, o Outcome) {
	if w.Observer != nil {
		w.Observer.Settled(w.Service, typ, o)
	}
}

func (w *Worker) retry(msg jetstream.Msg, typ string, attempt int, log zerolog.Logger, err error) {
	delay := retryDelay(err)
	if delay == 0 {
		delay = w.Backoff(attempt)
	}
	w.Metrics.Retried.Add(1)
	w.observe(typ, Retried)
	log.Warn().Err(err).Dur("retry_in", delay).Msg("attempt failed")
	w.settle(log, "nak", msg.NakWithDelay(delay))
}

// giveUp dead-letters msg, reports command.failed and terminates the
// delivery. If the dead letter cannot be written, the message is nak'ed
// instead: it is never dropped.
func (w *Worker) giveUp(ctx context.Context, msg jetstream.Msg, env events.Envelope, typ string, attempts int, reason string) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	log := w.Log.With().Str("run", env.RunID).Str("id", env.ID).Str("type", env.Type).Logger()
	if err := w.Conn.deadLetter(sctx, w.Service, msg, attempts, reason); err != nil {
		log.Error().Err(err).Msg("could not dead-letter; will be redelivered")
		w.observe(typ, Retried)
		w.settle(log, "nak", msg.NakWithDelay(w.Backoff(attempts)))
		return
	}
	w.Metrics.DeadLettered.Add(1)
	w.observe(typ, DeadLettered)
	log.Error().Str("reason", reason).Int("attempts", attempts).Msg("dead-lettered")
	if env.ID != "" {
		fail := &events.CommandFailed{Service: w.Service, CommandType: env.Type, CommandID: env.ID, Reason: reason, Attempts: attempts}
		runID := env.RunID
		if runID == "" {
			runID = env.ID
		}
		if _, err := w.Conn.Publish(sctx, fail, WithID(env.ID+"/command.failed"), WithRunID(runID)); err != nil && !errors.Is(err, context.Canceled) {
			log.Warn().Err(err).Msg("could not publish command.failed")
		}
	}
	w.settle(log, "term", msg.TermWithReason(truncate(reason, 200)))
}

// MaxHeartbeat bounds the time between two heartbeats of a delivery.
// Instances of a service share its consumer, whose ack wait is the one the
// last of them to start gave; beating at least this often keeps a delivery
// alive under any ack wait of three times it, whoever set it.
const MaxHeartbeat = time.Second

// heartbeat tells the server the delivery is in progress every AckWait/3,
// at least every MaxHeartbeat.
func (w *Worker) heartbeat(ctx context.Context, msg jetstream.Msg) (stop func()) {
	hctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(min(w.AckWait/3, MaxHeartbeat))
		defer t.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-t.C:
				if err := msg.InProgress(); err != nil {
					w.Log.Debug().Err(err).Msg("heartbeat failed")
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

func (w *Worker) settle(log zerolog.Logger, what string, err error) {
	if err != nil {
		log.Warn().Err(err).Msgf("%s failed; the server will redeliver", what)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// mayBeDuplicate tells whether a delivery could repeat a command already
// handled. Publishers set Nats-Msg-Id to the event id, so within the
// de-duplication window JetStream stores a command once: a first delivery of
// a command published recently (half the window, for clock skew) cannot be a
// repeat, and the done-marker lookup is skipped on that hot path.
func mayBeDuplicate(attempt int, published time.Time) bool {
	return attempt > 1 || published.IsZero() || time.Since(published) > DedupeWindow/2
}
