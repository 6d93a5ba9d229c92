package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
)

// feedLimit bounds how long one replay of a run is kept for its streams.
const feedLimit = 4 * time.Hour

// feeds shares one replay of a run's facts among every stream of that run
// open on the gateway: fifty browsers on a run page are one consumer on
// the FACTS stream, and each fact is encoded once, not fifty times.
type feeds struct {
	conn  *bus.Conn
	mu    sync.Mutex
	byRun map[string]*feed
}

// feed is one run's facts as read so far, for every stream of the run.
type feed struct {
	mu     sync.Mutex
	facts  []sharedFact
	caught bool // every fact stored when the replay began is in facts
	ended  bool // the replay ended: no more facts will come
	wake   chan struct{}
	users  int
	cancel context.CancelFunc
}

// sharedFact is a fact and its Server-Sent Event frame.
type sharedFact struct {
	env   events.Envelope
	frame []byte
	// log: a build.log batch (no tracker needs to read it).
	log bool
}

// view is what a stream reads of a feed: the facts from an index on.
type view struct {
	facts         []sharedFact
	caught, ended bool
	wake          <-chan struct{}
}

func newFeeds(conn *bus.Conn) *feeds { return &feeds{conn: conn, byRun: map[string]*feed{}} }

// join returns the feed of runID (replaying its facts since since when it
// is the first stream of the run) and the func that leaves it.
func (fs *feeds) join(runID string, since time.Time) (*feed, func(), error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f := fs.byRun[runID]
	if f == nil {
		ctx, cancel := context.WithTimeout(context.Background(), feedLimit)
		replay, err := fs.conn.ReplayRun(ctx, runID, since)
		if err != nil {
			cancel()
			return nil, nil, err
		}
		f = &feed{wake: make(chan struct{}), cancel: cancel}
		fs.byRun[runID] = f
		go f.pump(ctx, replay)
	}
	f.users++
	var once sync.Once
	return f, func() {
		once.Do(func() {
			fs.mu.Lock()
			defer fs.mu.Unlock()
			f.users--
			if f.users == 0 {
				f.cancel()
				if fs.byRun[runID] == f {
					delete(fs.byRun, runID)
				}
			}
		})
	}, nil
}

// pump reads the replay into the feed until it ends.
func (f *feed) pump(ctx context.Context, r *bus.Replay) {
	defer f.change(func() { f.ended = true })
	caught := r.CaughtUp
	for {
		select {
		case env, ok := <-r.Facts:
			if !ok {
				return
			}
			f.add(env)
		case <-caught:
			caught = nil
			// The run's stored facts were sent before CaughtUp closed:
			// take them before saying so.
			for drained := false; !drained; {
				select {
				case env, ok := <-r.Facts:
					if !ok {
						return
					}
					f.add(env)
				default:
					drained = true
				}
			}
			f.change(func() { f.caught = true })
		case <-ctx.Done():
			return
		}
	}
}

func (f *feed) add(env events.Envelope) {
	name, _, _ := events.ParseType(env.Type)
	b, _ := json.Marshal(env)
	frame := fmt.Appendf(nil, "id: %s\nevent: %s\ndata: %s\n\n", env.ID, name, b)
	f.change(func() { f.facts = append(f.facts, sharedFact{env: env, frame: frame, log: name == "build.log"}) })
}

// change applies do under the lock and wakes every stream.
func (f *feed) change(do func()) {
	f.mu.Lock()
	do()
	close(f.wake)
	f.wake = make(chan struct{})
	f.mu.Unlock()
}

// from is the feed's facts from index i on, and what to wait on for more.
func (f *feed) from(i int) view {
	f.mu.Lock()
	defer f.mu.Unlock()
	return view{facts: f.facts[min(i, len(f.facts)):], caught: f.caught, ended: f.ended, wake: f.wake}
}
