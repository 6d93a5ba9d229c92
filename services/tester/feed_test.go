package tester

import (
	"context"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
)

// Two combinations measured at once each get the answers about their own
// cluster, in order; answers about clusters nobody waits for, and facts
// that are no answer, reach no one.
func TestFeedRoutesAnswersByCluster(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	facts := make(chan events.Envelope, 16)
	fd := newFeed(ctx, &bus.Watch{Facts: facts})
	one, stopOne := fd.subscribe("sweep-x-1")
	defer stopOne()
	two, stopTwo := fd.subscribe("sweep-x-2")
	for _, f := range []any{
		&events.ClusterProgress{Name: "sweep-x-1", Step: "nodes"},
		&events.ClusterReady{Name: "sweep-x-2"},
		&events.ClusterReady{Name: "sweep-x-3"},
		&events.ClusterFailed{Name: "sweep-x-1", Reason: "apt-get"},
		&events.ClusterDestroyed{Name: "sweep-x-2"},
		&events.ClusterRejected{Name: "sweep-x-1"},
	} {
		facts <- fact(t, f)
	}
	next := func(ch <-chan any) any {
		t.Helper()
		select {
		case p := <-ch:
			return p
		case <-time.After(5 * time.Second):
			t.Fatal("no answer routed")
			return nil
		}
	}
	if p, ok := next(one).(*events.ClusterFailed); !ok || p.Reason != "apt-get" {
		t.Errorf("sweep-x-1 first got %#v, want its ClusterFailed", p)
	}
	if _, ok := next(one).(*events.ClusterRejected); !ok {
		t.Error("sweep-x-1 did not get its ClusterRejected next")
	}
	if _, ok := next(two).(*events.ClusterReady); !ok {
		t.Error("sweep-x-2 did not get its ClusterReady")
	}
	if _, ok := next(two).(*events.ClusterDestroyed); !ok {
		t.Error("sweep-x-2 did not get its ClusterDestroyed")
	}
	// After unsubscribing, nothing more arrives on that channel.
	stopTwo()
	facts <- fact(t, &events.ClusterReady{Name: "sweep-x-2"})
	facts <- fact(t, &events.ClusterReady{Name: "sweep-x-1"})
	if _, ok := next(one).(*events.ClusterReady); !ok {
		t.Error("sweep-x-1 did not get its ClusterReady")
	}
	select {
	case p := <-two:
		t.Errorf("an unsubscribed waiter got %#v", p)
	default:
	}
	select {
	case p := <-one:
		t.Errorf("sweep-x-1 got an answer about another cluster or a progress fact: %#v", p)
	default:
	}
}
