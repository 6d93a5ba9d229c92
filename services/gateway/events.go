package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"ringmaster.dev/kit/command"
	"ringmaster.dev/kit/runs"
)

// sseHeartbeat keeps idle proxies from closing an event stream;
// sseCoalesce is the least time between two writes of a stream (facts
// that come closer together are written at once).
const (
	sseHeartbeat = 15 * time.Second
	sseCoalesce  = 100 * time.Millisecond
)

// runEvents streams a run's facts as Server-Sent Events:
// GET /api/v1/runs/{run}/events. Every fact of the run stored so far, then
// each new one as it comes (event: the fact's name, id: its event id,
// data: the CloudEvents envelope as JSON), and the run's record (event:
// run, data: the record as GET /api/v1/runs/{run} gives it) when the
// stream starts and each time it changes — its stages and state — until
// the run ends (then one "end" event with how) or the client goes. Asking
// needs what runs show needs.
func (g *Gateway) runEvents(w http.ResponseWriter, r *http.Request) {
	a := ask{door: command.REST, platform: "rest", remote: r.RemoteAddr}
	if !g.authenticate(w, r, &a) {
		return
	}
	req := command.Request{Verb: command.RunsShow, Run: r.PathValue("run")}
	if err := req.Check(); err != nil {
		writeJSON(w, http.StatusBadRequest, restError{Error: err.Error(), Rule: "syntax"})
		return
	}
	a.req = &req
	if ans := g.handle(r.Context(), a); ans.status != http.StatusOK {
		writeJSON(w, ans.status, restError{Error: ans.text, Rule: ans.rule, AllowBy: ans.allowBy, Decision: ans.decision})
		return
	}
	rec, err := g.Runs.Get(r.Context(), req.Run)
	if err != nil {
		writeJSON(w, http.StatusNotFound, restError{Error: err.Error()})
		return
	}
	g.streamRun(w, r, rec)
}

// streamRun writes rec's facts as Server-Sent Events: those stored so far,
// then each new one, until the run ends or the client goes. The REST API
// serves it behind a token; the dashboard's run page, which shows the
// same run to anyone who may read the page, at /runs/{id}/events.
func (g *Gateway) streamRun(w http.ResponseWriter, r *http.Request, rec runs.Record) {
	t := trackerOf(rec)
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeJSON(w, http.StatusInternalServerError, restError{Error: "streaming is not supported here"})
		return
	}
	// The server's write timeout would cut a long stream: lift it.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	ctx, cancel := context.WithTimeout(r.Context(), 4*time.Hour)
	defer cancel()
	f, leave, err := g.runFeeds().join(rec.ID, rec.Created.Add(-time.Minute))
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, restError{Error: err.Error()})
		return
	}
	defer leave()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, ": run %s\n\n", rec.ID)
	flusher.Flush()
	beat := time.NewTicker(sseHeartbeat)
	defer beat.Stop()
	rw := recordWriter{id: rec.ID, w: w}
	if g.runList != nil {
		rw.cache = g.runList
	}
	if rw.write() {
		flusher.Flush()
	}
	end := func(ok bool, result string) {
		rw.settle(ctx)
		b, _ := json.Marshal(map[string]any{"ok": ok, "result": result})
		fmt.Fprintf(w, "event: end\ndata: %s\n\n", b)
		flusher.Flush()
	}
	next, checked := 0, false
	for {
		v := f.from(next)
		for _, sf := range v.facts {
			_, _ = w.Write(sf.frame)
			next++
			if sf.log {
				continue // a log batch never ends a run: not decoded per stream
			}
			t.Apply(sf.env)
			if t.Done() {
				end(t.Result())
				return
			}
		}
		wrote := len(v.facts) > 0
		select {
		case <-rw.changed: // also while facts keep coming (a build's log)
			wrote = rw.write() || wrote
		default:
		}
		if wrote {
			flusher.Flush()
		}
		if v.caught && !checked {
			checked = true
			// A run that ended before its facts left the stream's window.
			if now, err := g.Runs.Get(ctx, rec.ID); err == nil && now.Done() && !t.Done() && time.Since(now.Finished) > time.Minute {
				end(now.State == runs.Success, now.Reason)
				return
			}
		}
		if v.ended {
			return
		}
		if wrote {
			// Facts that come close together go out together: a build's
			// log batches would otherwise wake every stream for each.
			select {
			case <-time.After(sseCoalesce):
				continue
			case <-ctx.Done():
				return
			}
		}
		select {
		case <-v.wake:
		case <-rw.changed:
			if rw.write() {
				flusher.Flush()
			}
		case <-beat.C:
			fmt.Fprint(w, ": keep-alive\n\n")
			flusher.Flush()
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				end(false, "the stream ran 4 hours")
			}
			return
		}
	}
}

// runFeeds is the gateway's shared replays of runs (made on first use).
func (g *Gateway) runFeeds() *feeds {
	g.feedsOnce.Do(func() { g.feeds = newFeeds(g.Bus) })
	return g.feeds
}

// trackerOf follows a run by its record: a pipeline to pipeline.finished,
// a chat-ops run by its command.
func trackerOf(rec runs.Record) *command.Tracker {
	if rec.Kind != "pipeline" {
		for _, door := range []command.Door{command.REST, command.Chat, command.Comment} {
			if req, err := command.Parse(rec.Command, door); err == nil {
				return command.NewTracker(req)
			}
		}
	}
	return command.NewTracker(command.Request{Verb: command.Retest})
}
