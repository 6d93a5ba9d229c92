package bus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/events"
)

// Headers a dead letter carries beside the original message's headers.
const (
	HeaderDLQReason   = "Ring-Dlq-Reason"
	HeaderDLQAttempts = "Ring-Dlq-Attempts"
	HeaderDLQService  = "Ring-Dlq-Service"
	HeaderDLQSubject  = "Ring-Dlq-Subject"
	HeaderDLQStream   = "Ring-Dlq-Stream"
	HeaderDLQSeq      = "Ring-Dlq-Seq"
	HeaderDLQTime     = "Ring-Dlq-Time"
)

// DeadLetter is one message in the dead-letter stream.
type DeadLetter struct {
	Seq      uint64      `json:"seq"`
	Service  string      `json:"service"`
	Reason   string      `json:"reason"`
	Attempts int         `json:"attempts"`
	Subject  string      `json:"subject"`
	Type     string      `json:"type"`
	ID       string      `json:"id"`
	RunID    string      `json:"runid"`
	Time     time.Time   `json:"time"`
	Header   nats.Header `json:"header"`
	Data     []byte      `json:"data"`
}

// ErrNoDeadLetter is returned for a sequence that is not in the dead-letter stream.
var ErrNoDeadLetter = errors.New("no such dead letter")

// deadLetter copies msg with its headers into the dead-letter stream. The
// copy's Nats-Msg-Id is derived from the original stream position, so a
// retried dead-lettering is stored once.
func (c *Conn) deadLetter(ctx context.Context, service string, msg jetstream.Msg, attempts int, reason string) error {
	meta, err := msg.Metadata()
	if err != nil {
		return fmt.Errorf("dead letter: %w", err)
	}
	out := nats.NewMsg(events.DeadLetterSubject(service))
	out.Data = msg.Data()
	for k, v := range msg.Headers() {
		out.Header[k] = append([]string(nil), v...)
	}
	out.Header.Set(HeaderDLQReason, reason)
	out.Header.Set(HeaderDLQAttempts, strconv.Itoa(attempts))
	out.Header.Set(HeaderDLQService, service)
	out.Header.Set(HeaderDLQSubject, msg.Subject())
	out.Header.Set(HeaderDLQStream, meta.Stream)
	out.Header.Set(HeaderDLQSeq, strconv.FormatUint(meta.Sequence.Stream, 10))
	out.Header.Set(HeaderDLQTime, time.Now().UTC().Format(time.RFC3339Nano))
	id := fmt.Sprintf("dlq/%s/%d", meta.Stream, meta.Sequence.Stream)
	out.Header.Del(events.HeaderMsgID)
	if _, err := c.JS.PublishMsg(ctx, out, jetstream.WithMsgID(id)); err != nil {
		return fmt.Errorf("dead letter: %w", err)
	}
	return nil
}

func toDeadLetter(seq uint64, h nats.Header, data []byte, at time.Time) DeadLetter {
	n, _ := strconv.Atoi(h.Get(HeaderDLQAttempts))
	t, err := time.Parse(time.RFC3339Nano, h.Get(HeaderDLQTime))
	if err != nil {
		t = at
	}
	return DeadLetter{
		Seq: seq, Service: h.Get(HeaderDLQService), Reason: h.Get(HeaderDLQReason), Attempts: n,
		Subject: h.Get(HeaderDLQSubject), Type: h.Get(events.HeaderType), ID: h.Get(events.HeaderID),
		RunID: h.Get(events.HeaderRunID), Time: t, Header: h, Data: data,
	}
}

// DeadLetters lists the dead-letter stream, oldest first.
func (c *Conn) DeadLetters(ctx context.Context) ([]DeadLetter, error) {
	s, err := c.JS.Stream(ctx, events.DeadLetterStream)
	if err != nil {
		return nil, fmt.Errorf("dead letters: %w", err)
	}
	info, err := ask(ctx, c.asker(), func(ctx context.Context) (*jetstream.StreamInfo, error) { return s.Info(ctx) })
	if err != nil {
		return nil, fmt.Errorf("dead letters: %w", err)
	}
	var out []DeadLetter
	if info.State.Msgs == 0 {
		return out, nil
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		raw, err := ask(ctx, c.asker(), func(ctx context.Context) (*jetstream.RawStreamMsg, error) { return s.GetMsg(ctx, seq) })
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("dead letter %d: %w", seq, err)
		}
		out = append(out, toDeadLetter(raw.Sequence, raw.Header, raw.Data, raw.Time))
	}
	return out, nil
}

// DeadLetter returns one dead letter by its sequence in the dead-letter stream.
func (c *Conn) DeadLetter(ctx context.Context, seq uint64) (DeadLetter, error) {
	s, err := c.JS.Stream(ctx, events.DeadLetterStream)
	if err != nil {
		return DeadLetter{}, fmt.Errorf("dead letters: %w", err)
	}
	raw, err := ask(ctx, c.asker(), func(ctx context.Context) (*jetstream.RawStreamMsg, error) { return s.GetMsg(ctx, seq) })
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return DeadLetter{}, fmt.Errorf("%w: %d (see `ring dlq list`)", ErrNoDeadLetter, seq)
	}
	if err != nil {
		return DeadLetter{}, fmt.Errorf("dead letter %d: %w", seq, err)
	}
	return toDeadLetter(raw.Sequence, raw.Header, raw.Data, raw.Time), nil
}

// RetryDeadLetter puts a dead letter back on its original subject with its
// original headers, then removes it from the dead-letter stream.
func (c *Conn) RetryDeadLetter(ctx context.Context, seq uint64) error {
	dl, err := c.DeadLetter(ctx, seq)
	if err != nil {
		return err
	}
	if dl.Subject == "" {
		return fmt.Errorf("dead letter %d has no %s header: cannot tell where it came from", seq, HeaderDLQSubject)
	}
	msg := nats.NewMsg(dl.Subject)
	msg.Data = dl.Data
	for k, v := range dl.Header {
		if len(k) > 8 && k[:8] == "Ring-Dlq" || k == events.HeaderMsgID {
			continue
		}
		msg.Header[k] = v
	}
	// Sent again when unanswered: the message id makes the copies one.
	if _, err := ask(ctx, c.asker(), func(ctx context.Context) (*jetstream.PubAck, error) {
		return c.JS.PublishMsg(ctx, msg, jetstream.WithMsgID(fmt.Sprintf("retry/%d/%s", seq, dl.ID)))
	}); err != nil {
		return fmt.Errorf("retry dead letter %d: %w", seq, err)
	}
	s, err := c.JS.Stream(ctx, events.DeadLetterStream)
	if err != nil {
		return err
	}
	// A delete asked again may find the message gone: the first did it.
	if _, err := ask(ctx, c.asker(), func(ctx context.Context) (struct{}, error) { return struct{}{}, s.DeleteMsg(ctx, seq) }); err != nil &&
		!errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("retried dead letter %d, but could not remove it: %w", seq, err)
	}
	return nil
}

// PurgeDeadLetters removes dead letters, of one service or ("" ) of all.
func (c *Conn) PurgeDeadLetters(ctx context.Context, service string) (uint64, error) {
	s, err := c.JS.Stream(ctx, events.DeadLetterStream)
	if err != nil {
		return 0, fmt.Errorf("dead letters: %w", err)
	}
	info := func(ctx context.Context) (*jetstream.StreamInfo, error) { return s.Info(ctx) }
	before, err := ask(ctx, c.asker(), info)
	if err != nil {
		return 0, err
	}
	var opts []jetstream.StreamPurgeOpt
	if service != "" {
		opts = append(opts, jetstream.WithPurgeSubject(events.DeadLetterSubject(service)))
	}
	if _, err := ask(ctx, c.asker(), func(ctx context.Context) (struct{}, error) { return struct{}{}, s.Purge(ctx, opts...) }); err != nil {
		return 0, fmt.Errorf("purge dead letters: %w", err)
	}
	after, err := ask(ctx, c.asker(), info)
	if err != nil {
		return 0, err
	}
	return before.State.Msgs - after.State.Msgs, nil
}
