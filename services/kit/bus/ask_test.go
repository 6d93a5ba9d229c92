package bus

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func TestAgainRetriesOnlyTransientFailuresOnACluster(t *testing.T) {
	refused := errors.New("permissions violation")
	cases := []struct {
		name     string
		replicas int
		within   time.Duration
		fails    []error // what the attempts return before success
		wantN    int
		wantErr  error
	}{
		{"one server: tried once", 1, 0, []error{nats.ErrTimeout}, 1, nats.ErrTimeout},
		{"cluster: a timeout then an answer", 3, 0, []error{nats.ErrTimeout}, 2, nil},
		{"cluster: unanswered, no responders, then an answer", 3, 0, []error{jetstream.ErrNoStreamResponse, nats.ErrNoResponders, context.DeadlineExceeded}, 4, nil},
		{"cluster: a refusal is final", 3, 0, []error{fmt.Errorf("stream info: %w", refused)}, 1, refused},
		{"cluster: JetStream temporarily unavailable, then an answer", 3, 0,
			[]error{fmt.Errorf("lease bucket: %w", &jetstream.APIError{Code: 503, ErrorCode: 10008, Description: "JetStream system temporarily unavailable"})}, 2, nil},
		{"cluster: JetStream not enabled for the account is final", 3, 0, []error{jetstream.ErrJetStreamNotEnabledForAccount}, 1, jetstream.ErrJetStreamNotEnabledForAccount},
		{"cluster: a stream not found is final", 3, 0, []error{jetstream.ErrStreamNotFound}, 1, jetstream.ErrStreamNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := 0
			v, err := again(context.Background(), asker{n: c.replicas}, c.within, func(ctx context.Context) (int, error) {
				if _, ok := ctx.Deadline(); c.replicas > 1 && !ok {
					t.Error("an attempt on a cluster has no deadline of its own")
				}
				n++
				if n <= len(c.fails) {
					return 0, c.fails[n-1]
				}
				return 42, nil
			})
			if n != c.wantN {
				t.Errorf("%d attempts, want %d", n, c.wantN)
			}
			if c.wantErr == nil && (err != nil || v != 42) {
				t.Errorf("got %d, %v; want 42", v, err)
			}
			if c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Errorf("err %v, want %v", err, c.wantErr)
			}
		})
	}
}

func TestDeclareGivesUpAfterItsWait(t *testing.T) {
	n := 0
	_, err := again(context.Background(), asker{n: 3}, 600*time.Millisecond, func(ctx context.Context) (int, error) {
		n++
		return 0, nats.ErrNoResponders
	})
	// attempts 250 ms apart within 600 ms: 3 on a quiet machine, fewer
	// when the test is starved, never a busy loop
	if !errors.Is(err, nats.ErrNoResponders) || n < 1 || n > 3 {
		t.Fatalf("%d attempts, err %v; want at most 3 and the last attempt's error", n, err)
	}
}

// A request the server refused goes unanswered (a timeout), and is not
// asked again: the user's permissions will not change.
func TestAgainStopsAtARefusal(t *testing.T) {
	var refusedAt time.Time
	n := 0
	_, err := again(context.Background(), asker{n: 3, refused: func(since time.Time) bool { return !refusedAt.IsZero() && !refusedAt.Before(since) }},
		0, func(ctx context.Context) (int, error) {
			n++
			refusedAt = time.Now() // the server's -ERR comes while the request waits
			return 0, nats.ErrTimeout
		})
	if n != 1 || !errors.Is(err, nats.ErrTimeout) {
		t.Fatalf("%d attempts, err %v; want one and its timeout", n, err)
	}
}

func TestAgainEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := again(ctx, asker{n: 3}, 0, func(ctx context.Context) (int, error) {
		<-ctx.Done() // never answered
		return 0, ctx.Err()
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Fatalf("returned after %s, the caller's context ended after 300ms", d)
	}
}
