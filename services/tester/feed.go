package tester

import (
	"context"
	"sync"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
)

// feed hands a sweep's facts to the combination they are about: one
// goroutine reads the run's watch and passes each answer about a cluster
// (ready, rejected, failed, destroyed) to whoever subscribed to that
// cluster's name, so combinations measured at once never take each other's
// answers. Facts about clusters nobody waits for are dropped; a subscriber
// subscribes before it sends the command the answer is to.
type feed struct {
	mu   sync.Mutex
	subs map[string]chan any
}

// feedBuffer is ample: a cluster gets one answer per command sent for it.
const feedBuffer = 16

// newFeed starts routing w's facts until ctx ends or the watch closes.
func newFeed(ctx context.Context, w *bus.Watch) *feed {
	f := &feed{subs: map[string]chan any{}}
	go func() {
		for {
			select {
			case env, ok := <-w.Facts:
				if !ok {
					return
				}
				_, payload, err := env.Decode()
				if err != nil {
					continue
				}
				if name, ok := answerAbout(payload); ok {
					f.deliver(ctx, name, payload)
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return f
}

// answerAbout names the cluster a provisioner's answer is about.
func answerAbout(payload any) (string, bool) {
	switch p := payload.(type) {
	case *events.ClusterReady:
		return p.Name, true
	case *events.ClusterRejected:
		return p.Name, true
	case *events.ClusterFailed:
		return p.Name, true
	case *events.ClusterDestroyed:
		return p.Name, true
	}
	return "", false
}

func (f *feed) deliver(ctx context.Context, name string, payload any) {
	f.mu.Lock()
	ch := f.subs[name]
	f.mu.Unlock()
	if ch == nil {
		return
	}
	select {
	case ch <- payload:
	case <-ctx.Done():
	}
}

// subscribe returns the answers about cluster name from now on, and the
// function that ends the subscription.
func (f *feed) subscribe(name string) (<-chan any, func()) {
	ch := make(chan any, feedBuffer)
	f.mu.Lock()
	f.subs[name] = ch
	f.mu.Unlock()
	return ch, func() {
		f.mu.Lock()
		if f.subs[name] == ch {
			delete(f.subs, name)
		}
		f.mu.Unlock()
	}
}
