package dashboard

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/inventory"
	"ringmaster.dev/kit/runs"
)

// memRuns is run records in memory, newest first as runs.Store lists them.
type memRuns []runs.Record

func (m memRuns) List(context.Context) ([]runs.Record, error) { return m, nil }
func (m memRuns) Get(_ context.Context, id string) (runs.Record, error) {
	for _, r := range m {
		if r.ID == id {
			return r, nil
		}
	}
	return runs.Record{}, fmt.Errorf("%w: %s", runs.ErrNotFound, id)
}

type memLetters []bus.DeadLetter

func (m memLetters) DeadLetters(context.Context) ([]bus.DeadLetter, error) { return m, nil }

type memClusters []inventory.Detail

func (m memClusters) Details(context.Context) ([]inventory.Detail, error) { return m, nil }

type memSnapshots []inventory.Snapshot

func (m memSnapshots) Snapshots(context.Context) ([]inventory.Snapshot, error) { return m, nil }

func testRuns(n int) memRuns {
	now := time.Date(2026, 12, 6, 6, 0, 0, 0, time.UTC)
	triggers := []string{events.TriggerPush, events.TriggerChat, events.TriggerREST, "schedule"}
	states := []string{runs.Success, runs.Failure, runs.Running, runs.Queued}
	out := make(memRuns, n)
	for i := range out {
		created := now.Add(-time.Duration(i) * time.Minute)
		out[i] = runs.Record{ID: fmt.Sprintf("%08x-0000-4000-8000-%012d", i, i), Kind: "pipeline", Trigger: triggers[i%4], State: states[i%4],
			Stack: "demo", Created: created, Finished: created.Add(90 * time.Second),
			Cells: []events.CellResult{{Component: "redis", Distro: "debian-12", State: "ok", LogKey: "logs/redis"}, {Component: "zookeeper", Distro: "debian-12", State: "failed", Reason: "make: exit 2"}}}
	}
	return out
}

func get(t *testing.T, h http.Handler, method, target string, body io.Reader) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code, w.Body.String()
}

func handler(src Sources) http.Handler {
	mux := http.NewServeMux()
	New(src, zerolog.Nop()).Routes(mux)
	return mux
}

func TestPages(t *testing.T) {
	rs := testRuns(250)
	src := Sources{Runs: rs, DeadLetters: memLetters{{Seq: 7, Service: "builder", Reason: "no such stack: nope", Type: "dev.ringmaster.build.requested.v1", RunID: rs[0].ID}},
		Clusters: memClusters{{Cluster: inventory.Cluster{Name: "zk1", Stack: "demo", Nodes: 3, Running: 2}, Realm: "ZK1", KDC: "running",
			Versions: map[string]string{"zookeeper": "3.8.0"}, NodeList: []inventory.Node{{Name: "node1", State: "running", Components: []string{"redis", "zookeeper"}}, {Name: "node2", State: "exited", Components: []string{"zookeeper"}}}}},
		Snapshots: memSnapshots{{Name: "zk-loaded", Cluster: "zk1", Stack: "demo", Nodes: 3}},
		Compat:    func() ([]byte, string, error) { return []byte(testFacts), "compat.json", nil },
		Repos: func(context.Context) (events.RepoListed, error) {
			return events.RepoListed{Channels: []events.ChannelListing{
				{Channel: "nightly", Distro: "debian-12", Revision: 4, Packages: []string{"redis@7.2.4-1 (amd64)", "zookeeper@3.9.2-1 (all)"}},
				{Channel: "stable", Distro: "debian-12", Revision: 2, Packages: []string{"redis@7.0.15-1 (amd64)", "zookeeper@3.9.2-1 (all)"}},
			}}, nil
		}}
	h := handler(src)
	tests := []struct {
		target string
		status int
		want   []string
		not    []string
	}{
		{"/", 200, []string{"The newest 100 of 250 runs", `href="/runs/` + rs[0].ID + `"`, "✓ success", "✗ failure", "push", "chat", "CLI (rest)", "schedule", `aria-current="page">Runs`}, nil},
		{"/runs?state=failure", 200, []string{"63 runs (250 in all)", "✗ failure"}, []string{"✓ success"}},
		{"/runs?trigger=chat", 200, []string{"63 runs (250 in all)", "chat"}, []string{"(rest)"}},
		{"/runs/" + rs[1].ID, 200, []string{`id="cell-redis_debian-12" class="ok"`, "✓ ok", `href="/runs/` + rs[1].ID + `/logs/redis_debian-12"`, `class="failed"`, "make: exit 2", `/static/live.js`, `data-done="true"`}, nil},
		{"/runs/" + rs[2].ID, 200, []string{`data-done="false"`}, nil},
		{"/runs/nope", 404, []string{"no run with that id"}, nil},
		{"/runs/" + rs[1].ID + "/logs/redis_debian-12", 503, []string{"no blob store"}, nil},
		{"/runs/" + rs[1].ID + "/logs/zookeeper_debian-12", 404, []string{"no log of zookeeper_debian-12"}, nil},
		{"/runs/" + rs[1].ID + "/events", 503, []string{"not available"}, nil},
		{"/compat", 200, []string{"redis × zookeeper", "✓ works", "✗ fails", "replica-catches-up-after-restart", "sweep <a href=\"/runs/0b5e2c7a", "on 2026-12-05", "Facts from <code>compat.json</code>"}, nil},
		{"/compat?distro=debian-11", 200, []string{"No pair of versions has been measured or cited on debian-11"}, nil},
		{"/repos", 200, []string{"revision 4, 2 packages", "ring repo promote --from nightly --to stable", "<td>redis (amd64)</td><td>7.0.15-1</td><td>7.2.4-1</td>", "ring repo sources --channel stable --distro debian-12"}, []string{"<td>zookeeper (all)</td>"}},
		{"/clusters", 200, []string{"zk1: ✗ degraded", "2 of 3 nodes running", "zookeeper 3.8.0", "realm ZK1, KDC ✓ running", "<td>node1</td><td>✓ running</td><td>redis, zookeeper</td>", "<td>node2</td><td>✗ exited</td>", "<td>zk-loaded</td><td>zk1</td>"}, nil},
		{"/deadletters", 200, []string{"no such stack: nope", `action="/deadletters/7/retry"`, `<label for="token-7">API token</label>`}, nil},
		{"/static/live.js", 200, []string{"EventSource"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			status, body := get(t, h, "GET", tt.target, nil)
			if status != tt.status {
				t.Errorf("status %d, want %d\n%s", status, tt.status, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q\n%s", w, body)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(body, w) {
					t.Errorf("page has %q", w)
				}
			}
		})
	}
}

func TestPagesWithoutSources(t *testing.T) {
	h := handler(Sources{})
	for _, target := range []string{"/", "/compat", "/repos", "/clusters", "/deadletters"} {
		status, body := get(t, h, "GET", target, nil)
		if status != 200 || !strings.Contains(body, "not available from this gateway") {
			t.Errorf("%s: %d, want the page saying what is missing\n%s", target, status, body)
		}
	}
}

func TestRetry(t *testing.T) {
	var asked []string
	src := Sources{DeadLetters: memLetters{}, Retry: func(_ context.Context, _ *http.Request, token string, seq uint64) Outcome {
		asked = append(asked, fmt.Sprintf("%s %d", token, seq))
		if token != "good" {
			return Outcome{Status: http.StatusForbidden, Text: "dlq retry needs role developer; you have reader"}
		}
		return Outcome{Status: http.StatusOK, Text: fmt.Sprintf("dead letter %d is back on its subject", seq)}
	}}
	h := handler(src)
	tests := []struct {
		target, form string
		status       int
		want         string
	}{
		{"/deadletters/7/retry", "token=good", 200, "✓ dead letter 7 is back on its subject"},
		{"/deadletters/7/retry", "token=weak", 403, "✗ dlq retry needs role developer"},
		{"/deadletters/x/retry", "token=good", 400, "not a positive integer"},
		{"/deadletters/0/retry", "token=good", 400, "not a positive integer"},
	}
	for _, tt := range tests {
		status, body := get(t, h, "POST", tt.target, strings.NewReader(tt.form))
		if status != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("POST %s %s: %d, want %d with %q\n%s", tt.target, tt.form, status, tt.status, tt.want, body)
		}
	}
	if strings.Join(asked, ",") != "good 7,weak 7" {
		t.Errorf("retries asked: %v", asked)
	}
	status, body := get(t, handler(Sources{}), "POST", "/deadletters/7/retry", strings.NewReader(url.Values{"token": {"t"}}.Encode()))
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "retrying is not available") {
		t.Errorf("no retry source: %d %s", status, body)
	}
}

func TestCause(t *testing.T) {
	for trigger, want := range map[string]string{"push": "push", "pull_request": "push", "tag": "push", "retest": "push",
		"chat": "chat", "comment": "chat", "rest": "CLI", "manual": "CLI", "schedule": "schedule", "other": "other"} {
		if got := Cause(trigger); got != want {
			t.Errorf("Cause(%q) = %q, want %q", trigger, got, want)
		}
	}
}

func TestPromotion(t *testing.T) {
	l := events.RepoListed{Channels: []events.ChannelListing{
		{Channel: "nightly", Distro: "debian-12", Packages: []string{"a@2 (amd64)", "b@1 (all)", "c@1 (all)"}},
		{Channel: "nightly", Distro: "rockylinux-9", Packages: []string{"a@2 (x86_64)"}},
		{Channel: "stable", Distro: "debian-12", Packages: []string{"a@1 (amd64)", "b@1 (all)"}},
	}}
	got := Promotion(l, "nightly", "stable")
	want := []PromoteChange{{"debian-12", "a (amd64)", "2", "1"}, {"debian-12", "c (all)", "1", ""}, {"rockylinux-9", "a (x86_64)", "2", ""}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Promotion = %v, want %v", got, want)
	}
}

// TestLiveLogPage: while a run goes on, a cell without a log file yet has
// a page that streams its lines; once the run is done, it is a 404.
func TestLiveLogPage(t *testing.T) {
	rs := testRuns(4) // rs[1] failed (done), rs[2] running
	h := handler(Sources{Runs: rs, Stream: func(w http.ResponseWriter, _ *http.Request, _ runs.Record) {}})
	if code, body := get(t, h, "GET", "/runs/"+rs[2].ID+"/logs/zookeeper_debian-12", nil); code != 200 ||
		!strings.Contains(body, `id="cell-log" data-run="`+rs[2].ID+`" data-cell="zookeeper_debian-12"`) || !strings.Contains(body, "/static/live.js") {
		t.Errorf("running: %d\n%s", code, body)
	}
	if code, body := get(t, h, "GET", "/runs/"+rs[1].ID+"/logs/zookeeper_debian-12", nil); code != 404 || !strings.Contains(body, "no log of zookeeper_debian-12") {
		t.Errorf("done: %d\n%s", code, body)
	}
}
