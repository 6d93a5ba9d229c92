package dashboard

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/runs"
)

// Runs reads the run records.
type Runs interface {
	Get(ctx context.Context, id string) (runs.Record, error)
	List(ctx context.Context) ([]runs.Record, error)
}

// Blobs reads build logs and JUnit reports.
type Blobs interface {
	Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error)
}

// DeadLetters lists the dead-letter stream.
type DeadLetters interface {
	DeadLetters(ctx context.Context) ([]bus.DeadLetter, error)
}

// Sweep is one finished compatibility sweep: its run, when it finished and
// what it measured.
type Sweep struct {
	Run      string
	Finished time.Time
	events.SweepFinished
}

// Sweeps reads the sweeps that finished lately (their sweep.finished facts).
type Sweeps interface {
	Sweeps(ctx context.Context) ([]Sweep, error)
}

// Outcome is what came of a request that changes something.
type Outcome struct {
	Status int
	Text   string
}

// Sources are where the pages' data comes from. A nil source is shown as
// "not available here" on its page, never as an empty one.
type Sources struct {
	Runs        Runs
	Blobs       Blobs
	DeadLetters DeadLetters
	Clusters    Clusters
	Snapshots   Snapshots
	// ClustersErr says why there is no cluster inventory.
	ClustersErr error
	// ClusterFacts reads the clusters' probe results and realm trusts.
	ClusterFacts ClusterFacts
	Sweeps       Sweeps
	// Compat reads the compatibility facts (compat.json) and says where
	// they were read from.
	Compat func() (data []byte, path string, err error)
	// Repos asks the repo-publisher what the channels publish.
	Repos func(ctx context.Context) (events.RepoListed, error)
	// Stream serves a run's facts as Server-Sent Events.
	Stream func(w http.ResponseWriter, r *http.Request, rec runs.Record)
	// Retry puts a dead letter back on its subject, after the same
	// authorization chat-ops and the REST API use, for the holder of token.
	Retry func(ctx context.Context, r *http.Request, token string, seq uint64) Outcome
}

// Dashboard serves the pages.
type Dashboard struct {
	src Sources
	log zerolog.Logger
}

// New makes the dashboard of src.
func New(src Sources, log zerolog.Logger) *Dashboard {
	return &Dashboard{src: src, log: log}
}

// Routes adds the pages to mux.
func (d *Dashboard) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", d.runsPage)
	mux.HandleFunc("GET /runs", d.runsPage)
	mux.HandleFunc("GET /runs/{id}", d.runPage)
	mux.HandleFunc("GET /runs/{id}/events", d.runStream)
	mux.HandleFunc("GET /runs/{id}/logs/{cell}", d.runLog)
	mux.HandleFunc("GET /runs/{id}/junit.xml", d.runJUnit)
	mux.HandleFunc("GET /compat", d.compatPage)
	mux.HandleFunc("GET /repos", d.reposPage)
	mux.HandleFunc("GET /clusters", d.clustersPage)
	mux.HandleFunc("GET /deadletters", d.deadLettersPage)
	mux.HandleFunc("POST /deadletters/{seq}/retry", d.retry)
	mux.Handle("GET /static/", http.FileServerFS(staticFS))
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// page is what every page's template gets: its title, which tab it is,
// notes on what could not be read, and the page's own data.
type page struct {
	Title string
	Tab   string
	Notes []string
	Data  any
}

var funcs = template.FuncMap{
	"short": events.ShortRunID,
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"took":   took,
	"mark":   mark,
	"cellid": func(component, distro string) string { return "cell-" + component + "_" + distro },
	"join":   strings.Join,
}

// templates are each page's template with the layout.
var templates = func() map[string]*template.Template {
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	entries, _ := templateFS.ReadDir("templates")
	out := map[string]*template.Template{}
	for _, e := range entries {
		if e.Name() == "layout.html" {
			continue
		}
		out[e.Name()] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+e.Name()))
	}
	return out
}()

// render writes a page, or a 500 naming no internals when its template
// fails (the whole page is rendered first, so nothing half-written goes out).
func (d *Dashboard) render(w http.ResponseWriter, status int, name string, p page) {
	var buf bytes.Buffer
	if err := templates[name].ExecuteTemplate(&buf, "layout.html", p); err != nil {
		d.log.Warn().Err(err).Str("page", name).Msg("dashboard page")
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// mark is a state as a sign that does not need colour: ✓, ✗, – or ….
func mark(state string) string {
	switch state {
	case "success", "ok", "passed", "good", "running-ok":
		return "✓"
	case "failure", "failed", "bad", "denied", "error":
		return "✗"
	case "skipped", "untested":
		return "–"
	}
	return "…"
}

// took is a run's duration so far, as people read it.
func took(r runs.Record) string {
	d := r.Took()
	switch {
	case d < time.Minute:
		return d.String()
	case d < time.Hour:
		return d.Round(time.Second).String()
	}
	return d.Round(time.Minute).String()
}

// notAvailable is the note of a source the gateway does not have.
func notAvailable(what string) string {
	return what + " are not available from this gateway"
}

func safeKey(key string) bool { return key != "" && !strings.Contains(key, "..") }
