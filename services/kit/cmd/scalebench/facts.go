package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bench"
	"ringmaster.dev/kit/bus"
)

// byRunStream stores the same facts under subjects that carry the run id
// (byRunPrefix.<run id>.<fact name>), with FACTS' limits: the layout whose
// lookup the FACTS layout (run id in a header only) is compared with.
const (
	byRunStream = "FACTS_BY_RUN"
	byRunPrefix = "ringmaster.byrun"
)

// factsPerRun is the length of runFacts.
const factsPerRun = 10

// runFacts are the facts of one synthetic build run: the source fetched,
// six batches of log lines, the cell's success, the build's summary and
// the publication.
func runFacts(run int) []any {
	stack, comp, distro := "bigdata", fmt.Sprintf("component%03d", run%200), "debian-12"
	pkg := events.PackageRef{Key: fmt.Sprintf("repos/apt/pool/main/c/%s/%s_1.%d-1_amd64.deb", comp, comp, run),
		SHA256: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", Size: 1_200_000}
	out := []any{&events.SourceFetched{URL: "https://archive.example.org/" + comp + "-1.0.tar.gz", SHA256: pkg.SHA256,
		Key: "sources/sha256/" + pkg.SHA256, Size: 9_400_000}}
	for seq := range 6 {
		lines := make([]string, 10)
		for i := range lines {
			lines[i] = fmt.Sprintf("gcc -O2 -g -c src/module%02d/file%03d.c -o build/module%02d/file%03d.o", seq, i, seq, i)
		}
		out = append(out, &events.BuildLog{Stack: stack, Component: comp, Distro: distro, Seq: seq, Lines: lines})
	}
	cell := events.CellResult{Component: comp, Distro: distro, State: "ok", Seconds: 95.2, LogKey: "logs/" + comp + "/build.log", Packages: []events.PackageRef{pkg}}
	return append(out,
		&events.BuildSucceeded{Stack: stack, Component: comp, Distro: distro, BuildKey: pkg.SHA256, Packages: []events.PackageRef{pkg}, LogKey: cell.LogKey},
		&events.BuildFinished{Stack: stack, Channel: "nightly", Cells: []events.CellResult{cell}, Published: []string{distro}},
		&events.RepoPublished{Channel: "nightly", Distros: []string{distro}, URLs: map[string]string{"apt": "http://s3.example.internal/ringmaster/repos/apt"},
			Hashes: map[string]string{distro: pkg.SHA256}},
	)
}

// byRunMsg is payload as bus.Conn.PublishAsync sends it, under the run's subject.
func byRunMsg(payload any, runID string) (*nats.Msg, error) {
	spec, err := events.Of(payload)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	env := events.Envelope{ID: uuid.NewString(), Source: "scalebench", Type: spec.Type(), Time: time.Now().UTC(), RunID: runID, Data: body}
	m := nats.NewMsg(byRunPrefix + "." + runID + "." + spec.Name)
	m.Header = nats.Header(env.Headers())
	m.Header.Set(events.HeaderMsgID, env.ID)
	m.Data = body
	return m, nil
}

// factRun is one published run: its id and a time no later than its first fact's.
type factRun struct {
	id    string
	start time.Time
}

func factsPart(ctx context.Context, o options, dir string, emit func(*bench.Table) error) error {
	srv, err := startServer(ctx, dir, "facts")
	if err != nil {
		return err
	}
	defer srv.close()
	js := srv.conn.JS
	if o.byRun {
		cfg := jetstream.StreamConfig{Name: byRunStream, Subjects: []string{byRunPrefix + ".>"}, Retention: jetstream.LimitsPolicy,
			Storage: jetstream.FileStorage, MaxAge: bus.FactMaxAge, MaxBytes: bus.FactMaxBytes, Duplicates: bus.DedupeWindow}
		if _, err := js.CreateStream(ctx, cfg); err != nil {
			return err
		}
	}
	grow := &bench.Table{Title: fmt.Sprintf("FACTS growth: %d-fact synthetic build runs published with bus.Conn.PublishAsync (Nats-Msg-Id, CloudEvents headers), file storage", factsPerRun),
		Columns: []string{"messages", "FACTS publish/s", "stored B/msg", "FACTS MiB", "heap MiB after", "by-run publish/s", "heap MiB after by-run"}}
	look := &bench.Table{Title: "Finding one run's facts in FACTS with a new ordered consumer (bus.Conn.ReplayRun) until caught up, seconds",
		Columns: []string{"messages", "newest run, since its start", "middle run, since its start", "middle run, since the stream's start", "… only build.finished", "by-run subject (FACTS_BY_RUN)"}}
	before := bench.Load()
	streamStart := time.Now().Add(-time.Second)
	var published []factRun
	for _, size := range o.factSizes {
		target := size / factsPerRun
		if target <= len(published) {
			continue
		}
		from := len(published)
		fresh := make([]factRun, 0, target-from)
		for i := from; i < target; i++ {
			fresh = append(fresh, factRun{id: uuid.NewString()})
		}
		elapsed, err := publishRuns(ctx, srv.conn, from, fresh, false)
		if err != nil {
			return err
		}
		published = append(published, fresh...)
		heap := bench.HeapInUse()
		info, err := js.Stream(ctx, events.FactStream)
		if err != nil {
			return err
		}
		st := info.CachedInfo().State
		row := []any{st.Msgs, bench.Rate(len(fresh)*factsPerRun, elapsed), float64(st.Bytes) / float64(max(st.Msgs, 1)), bench.MiB(int64(st.Bytes)), bench.MiB(heap)}
		logf("facts: %d messages, %s publish/s", st.Msgs, bench.Rate(len(fresh)*factsPerRun, elapsed))
		if o.byRun {
			el, err := publishRuns(ctx, srv.conn, from, fresh, true)
			if err != nil {
				return err
			}
			row = append(row, bench.Rate(len(fresh)*factsPerRun, el), bench.MiB(bench.HeapInUse()))
		} else {
			row = append(row, "–", "–")
		}
		grow.Add(row...)

		newest, middle := published[len(published)-1], published[len(published)/2]
		cells := []any{st.Msgs}
		for _, c := range []struct {
			run   factRun
			since time.Time
			names []string
		}{
			{newest, newest.start, nil}, {middle, middle.start, nil}, {middle, streamStart, nil}, {middle, streamStart, []string{"build.finished"}},
		} {
			d, err := replay(ctx, srv.conn, c.run.id, c.since, c.names...)
			if err != nil {
				return err
			}
			cells = append(cells, bench.Num(d.Seconds()))
		}
		if o.byRun {
			d, err := byRunLookup(ctx, js, middle.id)
			if err != nil {
				return err
			}
			cells = append(cells, bench.Num(d.Seconds()))
		} else {
			cells = append(cells, "–")
		}
		logf("facts: lookups at %d messages: %v", st.Msgs, cells[1:])
		look.Add(cells...)
	}
	grow.Note("Publish: async, the client's window of unacknowledged publications full, until every acknowledgement is in. Heap: this process (server and client) after a collection.")
	grow.Note("FACTS limits: MaxBytes %s MiB, MaxAge %s, de-duplication window %s.", bench.MiB(bus.FactMaxBytes), bus.FactMaxAge, bus.DedupeWindow)
	bench.LoadNote(grow, before)
	look.Note("The newest run is the last published; the middle run the one at half the stream. ReplayRun filters by subject (fact names) on the server and by run id (a header) here, so it reads every fact since `since`.")
	look.Note("By-run: an ordered consumer of FACTS_BY_RUN filtered on %s.<run id>.>, delivering all, until caught up. One measurement each, page cache warm.", byRunPrefix)
	bench.LoadNote(look, before)
	if err := emit(grow); err != nil {
		return err
	}
	return emit(look)
}

// publishRuns publishes the facts of runs (numbered from first) and waits
// for every acknowledgement; the last run is published after the others
// are stored, so its start time precedes its facts and follows the rest.
func publishRuns(ctx context.Context, c *bus.Conn, first int, runs []factRun, byRun bool) (time.Duration, error) {
	start := time.Now()
	send := func(r *factRun, n int) error {
		if !byRun {
			r.start = time.Now()
		}
		for _, p := range runFacts(n) {
			for {
				var err error
				if byRun {
					var m *nats.Msg
					if m, err = byRunMsg(p, r.id); err == nil {
						_, err = c.JS.PublishMsgAsync(m)
					}
				} else {
					_, err = c.PublishAsync(p, bus.WithRunID(r.id))
				}
				if !errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
					if err != nil {
						return err
					}
					break
				}
				select {
				case <-c.JS.PublishAsyncComplete():
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		return nil
	}
	wait := func() error {
		select {
		case <-c.JS.PublishAsyncComplete():
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Minute):
			return fmt.Errorf("publish acknowledgements still pending after 2 minutes")
		}
	}
	for i := range runs[:len(runs)-1] {
		if err := send(&runs[i], first+i); err != nil {
			return 0, err
		}
	}
	if err := wait(); err != nil {
		return 0, err
	}
	if err := send(&runs[len(runs)-1], first+len(runs)-1); err != nil {
		return 0, err
	}
	if err := wait(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// replay times ReplayRun of runID since since until it has caught up and
// delivered the run's facts (all of them, or one per name).
func replay(ctx context.Context, c *bus.Conn, runID string, since time.Time, names ...string) (time.Duration, error) {
	want := factsPerRun
	if len(names) > 0 {
		want = len(names)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	start := time.Now()
	r, err := c.ReplayRun(ctx, runID, since, names...)
	if err != nil {
		return 0, err
	}
	got := 0
	caught := r.CaughtUp
	for got < want || caught != nil {
		select {
		case _, ok := <-r.Facts:
			if !ok {
				return 0, fmt.Errorf("replay of %s ended after %d of %d facts: %w", runID, got, want, ctx.Err())
			}
			got++
		case <-caught:
			caught = nil
		}
	}
	return time.Since(start), nil
}

// byRunLookup times reading runID's facts from FACTS_BY_RUN by subject.
func byRunLookup(ctx context.Context, js jetstream.JetStream, runID string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	start := time.Now()
	cons, err := js.OrderedConsumer(ctx, byRunStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{byRunPrefix + "." + runID + ".>"}})
	if err != nil {
		return 0, err
	}
	got := 0
	for got < factsPerRun {
		batch, err := cons.Fetch(factsPerRun-got, jetstream.FetchMaxWait(time.Minute))
		if err != nil {
			return 0, err
		}
		for m := range batch.Messages() {
			if !strings.HasPrefix(m.Subject(), byRunPrefix+"."+runID+".") {
				return 0, fmt.Errorf("by-run lookup of %s got %s", runID, m.Subject())
			}
			got++
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return 0, err
		}
	}
	return time.Since(start), nil
}
