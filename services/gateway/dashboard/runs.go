package dashboard

import (
	"errors"
	"net/http"
	"strconv"

	"io"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/runs"
)

// pageSize is how many runs the runs page shows at most.
const pageSize = 100

// runsView is the runs page: the newest runs that pass the filters.
type runsView struct {
	Runs []runRow
	// Total is how many runs pass the filters; Shown how many are listed.
	Total, All     int
	State, Trigger string
	States         []string
	Triggers       []string
}

// runRow is one run as the runs page lists it.
type runRow struct {
	runs.Record
	// Cause groups the trigger: push, chat, schedule or CLI.
	Cause string
}

// Cause is how a run was started, grouped the way people ask: by a push
// to a forge (push, pull request, tag, retest comment), from chat (a slash
// command or a forge comment), on a schedule, or by the CLI and REST API.
func Cause(trigger string) string {
	switch trigger {
	case events.TriggerPush, events.TriggerPR, events.TriggerTag, events.TriggerRetest:
		return "push"
	case events.TriggerChat, events.TriggerComment:
		return "chat"
	case events.TriggerSchedule:
		return "schedule"
	case events.TriggerREST, events.TriggerManual, events.TriggerCLI:
		return "CLI"
	}
	return trigger
}

// causes are the groups Cause gives, in the order the filter lists them.
var causes = []string{"push", "chat", "schedule", "CLI"}

// runsPage lists recent runs, newest first: GET / and GET /runs, filtered
// by ?state= and ?trigger= (a Cause group).
func (d *Dashboard) runsPage(w http.ResponseWriter, r *http.Request) {
	p := page{Title: "Runs", Tab: "runs"}
	v := runsView{State: r.URL.Query().Get("state"), Trigger: r.URL.Query().Get("trigger"),
		States: []string{runs.Queued, runs.Running, runs.Success, runs.Failure}, Triggers: causes}
	if d.src.Runs == nil {
		p.Notes = append(p.Notes, notAvailable("runs"))
	} else if all, err := d.src.Runs.List(r.Context()); err != nil {
		p.Notes = append(p.Notes, "runs: "+err.Error())
	} else {
		v.All = len(all)
		for _, rec := range all {
			c := Cause(rec.Trigger)
			if v.State != "" && rec.State != v.State || v.Trigger != "" && c != v.Trigger {
				continue
			}
			v.Total++
			if len(v.Runs) < pageSize {
				v.Runs = append(v.Runs, runRow{Record: rec, Cause: c})
			}
		}
	}
	p.Data = v
	d.render(w, http.StatusOK, "runs.html", p)
}

// runView is a run page: the record and its matrix as a grid.
type runView struct {
	runs.Record
	Matrix matrix
}

// matrix is a build matrix: components × distros.
type matrix struct {
	Components []string
	Distros    []string
	Cells      map[string]map[string]events.CellResult
}

// Cell is the cell of component on distro (State "" when not built yet).
func (m matrix) Cell(component, distro string) events.CellResult {
	c, ok := m.Cells[component][distro]
	if !ok {
		c = events.CellResult{Component: component, Distro: distro}
	}
	return c
}

func matrixOf(cells []events.CellResult) matrix {
	m := matrix{Cells: map[string]map[string]events.CellResult{}}
	seenD := map[string]bool{}
	for _, c := range cells {
		if m.Cells[c.Component] == nil {
			m.Cells[c.Component] = map[string]events.CellResult{}
			m.Components = append(m.Components, c.Component)
		}
		m.Cells[c.Component][c.Distro] = c
		if !seenD[c.Distro] {
			seenD[c.Distro] = true
			m.Distros = append(m.Distros, c.Distro)
		}
	}
	return m
}

// runPage shows a run: what caused it, its stages, its build matrix (live
// while it runs), the cluster and the suites' results. GET /runs/{id}.
func (d *Dashboard) runPage(w http.ResponseWriter, r *http.Request) {
	rec, ok := d.findRun(w, r)
	if !ok {
		return
	}
	d.render(w, http.StatusOK, "run.html", page{Title: "Run " + events.ShortRunID(rec.ID), Tab: "runs",
		Data: runView{Record: rec, Matrix: matrixOf(rec.Cells)}})
}

// runStream is the run's facts as Server-Sent Events, for the run page's
// live matrix: GET /runs/{id}/events. It reads what the run page shows.
func (d *Dashboard) runStream(w http.ResponseWriter, r *http.Request) {
	if d.src.Stream == nil {
		http.Error(w, notAvailable("run events"), http.StatusServiceUnavailable)
		return
	}
	rec, ok := d.findRun(w, r)
	if !ok {
		return
	}
	d.src.Stream(w, r, rec)
}

// runLog serves a cell's build log: GET /runs/{id}/logs/{component}_{distro}.
// While the run goes on and the cell has no log file yet, a page streams
// the cell's lines as the builder sends them.
func (d *Dashboard) runLog(w http.ResponseWriter, r *http.Request) {
	rec, ok := d.findRun(w, r)
	if !ok {
		return
	}
	cell := r.PathValue("cell")
	for _, c := range rec.Cells {
		if c.Component+"_"+c.Distro == cell && c.LogKey != "" {
			d.blob(w, r, c.LogKey, "text/plain; charset=utf-8")
			return
		}
	}
	if !rec.Done() && d.src.Stream != nil {
		// Building (or not yet): the page streams the cell's lines.
		d.render(w, http.StatusOK, "log.html", page{Title: "Log of " + cell, Tab: "runs", Data: liveLog{Run: rec.ID, Cell: cell}})
		return
	}
	http.Error(w, "run "+rec.ID+" has no log of "+cell, http.StatusNotFound)
}

// liveLog is the page of a cell's log while it builds.
type liveLog struct{ Run, Cell string }

// runJUnit is the run's JUnit XML: GET /runs/{id}/junit.xml.
func (d *Dashboard) runJUnit(w http.ResponseWriter, r *http.Request) {
	rec, ok := d.findRun(w, r)
	if !ok {
		return
	}
	if rec.JUnitKey == "" {
		http.Error(w, "run "+rec.ID+" has no test report (yet)", http.StatusNotFound)
		return
	}
	d.blob(w, r, rec.JUnitKey, "application/xml")
}

func (d *Dashboard) findRun(w http.ResponseWriter, r *http.Request) (runs.Record, bool) {
	if d.src.Runs == nil {
		http.Error(w, notAvailable("runs"), http.StatusServiceUnavailable)
		return runs.Record{}, false
	}
	rec, err := d.src.Runs.Get(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, runs.ErrNotFound):
		http.Error(w, err.Error(), http.StatusNotFound)
		return rec, false
	case err != nil:
		http.Error(w, "runs: "+err.Error(), http.StatusServiceUnavailable)
		return rec, false
	}
	return rec, true
}

func (d *Dashboard) blob(w http.ResponseWriter, r *http.Request, key, contentType string) {
	if d.src.Blobs == nil || !safeKey(key) {
		http.Error(w, "no blob store", http.StatusServiceUnavailable)
		return
	}
	rc, info, err := d.src.Blobs.Get(r.Context(), key)
	if errors.Is(err, blob.ErrNotFound) {
		http.Error(w, key+" is gone", http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", contentType)
	if info.Size > 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(info.Size, 10))
	}
	_, _ = io.Copy(w, rc)
}
