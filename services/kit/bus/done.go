package bus

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// doneMarks records which commands a service has finished, so a command
// redelivered after its effects and facts were made is acknowledged without
// running again — also after the de-duplication window has passed.
type doneMarks struct{ kv jetstream.KeyValue }

func doneKey(service, eventID string) string {
	h := sha256.Sum256([]byte(eventID))
	return service + "." + hex.EncodeToString(h[:16])
}

func (m doneMarks) isDone(ctx context.Context, service, eventID string) (bool, error) {
	_, err := m.kv.Get(ctx, doneKey(service, eventID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("done marker: %w", err)
	}
	return true, nil
}

// markDone records the marker without waiting for the server: a lost marker
// only means a later duplicate runs again, which idempotent handlers allow.
// The publish expects no earlier marker, like KV Create, so the first stays.
func (m doneMarks) markDone(js jetstream.JetStream, service, eventID string) error {
	msg := nats.NewMsg("$KV." + DoneBucket + "." + doneKey(service, eventID))
	msg.Data = []byte(eventID)
	if _, err := js.PublishMsgAsync(msg, jetstream.WithExpectLastSequencePerSubject(0)); err != nil {
		return fmt.Errorf("done marker: %w", err)
	}
	return nil
}
