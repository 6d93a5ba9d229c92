package gateway

import (
	"embed"
	"errors"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/runs"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"short": short,
	"took":  func(r runs.Record) string { return r.Took().String() },
	"when":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"mark": func(state string) string {
		switch state {
		case "success", "ok":
			return "✓"
		case "failure", "failed":
			return "✗"
		case "skipped":
			return "–"
		}
		return "…"
	},
}).ParseFS(templateFS, "templates/*.html"))

// runPage shows a run: its stages, cells with links to their logs, the
// suites' results with the JUnit XML. GET /runs/{id}.
func (g *Gateway) runPage(w http.ResponseWriter, r *http.Request) {
	rec, ok := g.findRun(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, "run.html", rec); err != nil {
		g.Log.Warn().Err(err).Msg("run page")
	}
}

// runLog streams a cell's build log: GET /runs/{id}/logs/{component}_{distro}.
func (g *Gateway) runLog(w http.ResponseWriter, r *http.Request) {
	rec, ok := g.findRun(w, r)
	if !ok {
		return
	}
	cell := r.PathValue("cell")
	for _, c := range rec.Cells {
		if c.Component+"_"+c.Distro == cell && c.LogKey != "" {
			g.blob(w, r, c.LogKey, "text/plain; charset=utf-8")
			return
		}
	}
	http.Error(w, "run "+rec.ID+" has no log of "+cell, http.StatusNotFound)
}

// runJUnit is the run's JUnit XML: GET /runs/{id}/junit.xml.
func (g *Gateway) runJUnit(w http.ResponseWriter, r *http.Request) {
	rec, ok := g.findRun(w, r)
	if !ok {
		return
	}
	if rec.JUnitKey == "" {
		http.Error(w, "run "+rec.ID+" has no test report (yet)", http.StatusNotFound)
		return
	}
	g.blob(w, r, rec.JUnitKey, "application/xml")
}

func (g *Gateway) findRun(w http.ResponseWriter, r *http.Request) (runs.Record, bool) {
	id := r.PathValue("id")
	rec, err := g.Runs.Get(r.Context(), id)
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

func (g *Gateway) blob(w http.ResponseWriter, r *http.Request, key, contentType string) {
	if g.Blobs == nil || strings.Contains(key, "..") {
		http.Error(w, "no blob store", http.StatusServiceUnavailable)
		return
	}
	rc, _, err := g.Blobs.Get(r.Context(), key)
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
	_, _ = io.Copy(w, rc)
}
