//go:build integration

package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/bus/bustest"
	"ringmaster.dev/kit/runs"
	"ringmaster.dev/kit/service"
	"ringmaster.dev/kit/tokens"
	"ringmaster.dev/policies"
)

// browser is a headless Debian chromium on one tab, recording what the
// pages must not do: console errors, exceptions, requests that leave
// 127.0.0.1.
type browser struct {
	ctx  context.Context
	mu   sync.Mutex
	bad  []string
	out  string
	seen atomic.Int32
}

func newBrowser(t *testing.T, out string) *browser {
	t.Helper()
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed: make deps (infra/deps.sh) installs Debian's chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("no-proxy-server", true))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelA)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	b := &browser{ctx: ctx, out: out}
	if err := chromedp.Listen(ctx, b.watch); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *browser) watch(ev any) {
	var why string
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.seen.Add(1)
		if u, err := url.Parse(e.Request.URL); err != nil || u.Hostname() != "127.0.0.1" {
			why = "a request left 127.0.0.1: " + e.Request.URL
		}
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError {
			why = "console error"
			for _, a := range e.Args {
				why += " " + string(a.Value)
			}
		}
	case *runtime.EventExceptionThrown:
		why = "exception: " + e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			why += " " + e.ExceptionDetails.Exception.Description
		}
	case *cdplog.EventEntryAdded:
		if e.Entry.Level == cdplog.EntryLevelError {
			why = "console: " + e.Entry.Text + " " + e.Entry.URL
		}
	}
	if why != "" {
		b.mu.Lock()
		b.bad = append(b.bad, why)
		b.mu.Unlock()
	}
}

// do runs steps within d.
func (b *browser) do(t *testing.T, d time.Duration, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, d)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		html, _ := chromedp.Run(b.ctx, chromedp.OuterHTML("main"))
		t.Fatalf("%s: %v\n%s", what, err, html)
	}
}

func (b *browser) text(t *testing.T, sel string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// shot writes a full-page screenshot of the tab to name.png.
func (b *browser) shot(t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.out, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func testOut(t *testing.T) string {
	out := os.Getenv("RING_TEST_OUT")
	if out == "" {
		return t.TempDir()
	}
	out = filepath.Join(out, "dashboard")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDashboardInBrowser drives the dashboard of a gateway on an embedded
// NATS with Debian's chromium: the runs page lists a run; its build
// matrix's cells turn as build facts are published, without a reload; the
// compatibility page shows the swept pairs, green and red with the failed
// case; a dead letter of a real worker is retried from its page's form with
// a developer's token (a reader's is refused by the policy); no page logs
// an error or sends a request beyond 127.0.0.1. Screenshots go to
// $RING_TEST_OUT/dashboard (else a temporary directory).
func TestDashboardInBrowser(t *testing.T) {
	out := testOut(t)
	ctx := context.Background()
	conn := bustest.Embedded(t)
	if err := conn.EnsureTopology(ctx); err != nil {
		t.Fatal(err)
	}

	// The facts a sweep of the demo stack in channel broken writes (as the
	// lifecycle test's: the fixture Redis 6.0.98 fails its restart case),
	// merged into a copy of the project's facts the way ring sweep run
	// --write merges them, and the sweep.finished fact it publishes.
	sweepRun := uuid.NewString()
	finished := time.Now().UTC()
	results := []events.SweepResult{
		{Distro: "debian-12", Versions: map[string]string{"redis": "7.0.15", "zookeeper": "3.8.0"}, Outcome: "passed", Cluster: "it-sweep-1", Seconds: 41},
		{Distro: "debian-12", Versions: map[string]string{"redis": "6.0.98", "zookeeper": "3.8.0"}, Outcome: "failed", Cluster: "it-sweep-2", Seconds: 63,
			Detail: "redis: replica-catches-up-after-restart failed: redis cannot chdir to /var/lib/redis"},
	}
	var ms []policies.Measurement
	for _, r := range results {
		ms = append(ms, policies.Measurement{Distro: r.Distro, Versions: r.Versions, Passed: r.Outcome == "passed", Detail: r.Detail})
	}
	facts, err := policies.LoadData(filepath.Join("..", "..", policies.DefaultDataPath))
	if err != nil {
		t.Fatal(err)
	}
	merged, _, err := policies.MergeMeasured(facts, ms, policies.Sweep{Run: sweepRun, Finished: finished})
	if err != nil {
		t.Fatal(err)
	}
	compat := filepath.Join(t.TempDir(), "compat.json")
	if err := os.WriteFile(compat, merged, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Publish(ctx, &events.SweepFinished{Stack: "fixture-redis-broken", Channel: "broken", Results: results, Key: "sweeps/" + sweepRun + ".json"},
		bus.WithRunID(sweepRun)); err != nil {
		t.Fatal(err)
	}

	g, err := Open(ctx, service.Deps{Bus: conn, KeyDir: t.TempDir(), Log: zerolog.Nop()},
		Options{HTTP: "127.0.0.1:0", RolesFile: filepath.Join("..", "..", "infra", "authz", "roles.yaml"), CompatFile: compat})
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	go g.Serve(sctx)
	base := "http://" + g.Addr()

	// A worker of the builder's that gives up on its first command: a
	// dead letter, handled when retried.
	var handled atomic.Int32
	wctx, wstop := context.WithCancel(ctx)
	t.Cleanup(wstop)
	first := true
	go (&bus.Worker{Conn: conn, Service: "builder", MaxDeliver: 1, Log: zerolog.Nop(), Handlers: map[string]bus.Handler{
		"source.fetch.requested": func(d *bus.Delivery) error {
			if first {
				first = false
				return bus.Permanent(errors.New("the archive's sha256 does not match: got 0f3a…, want 8bea…"))
			}
			handled.Add(1)
			return nil
		}}}).Run(wctx)
	if _, err := conn.Publish(ctx, &events.SourceFetchRequested{URL: "http://127.0.0.1:9/redis.tar.gz", SHA256: strings.Repeat("8bea", 16)}); err != nil {
		t.Fatal(err)
	}

	store, err := tokens.Open(ctx, conn.JS)
	if err != nil {
		t.Fatal(err)
	}
	devToken, _, err := store.Create(ctx, "carol", "developer")
	if err != nil {
		t.Fatal(err)
	}
	readToken, _, err := store.Create(ctx, "rita", "reader")
	if err != nil {
		t.Fatal(err)
	}

	// A pipeline run, running.
	rs, err := runs.Open(ctx, conn.JS)
	if err != nil {
		t.Fatal(err)
	}
	run := runs.Record{ID: uuid.NewString(), Kind: "pipeline", Trigger: events.TriggerPush, State: runs.Running, Stack: "fixture",
		Repo: "http://127.0.0.1/fixture.git", Ref: "refs/heads/main", Commit: strings.Repeat("c0ffee", 6) + "c0ff", Channel: "nightly",
		Created: time.Now().UTC()}
	run.SetStage("build", runs.Running, "", run.Created)
	if err := rs.Put(ctx, &run); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, out)

	// Runs.
	deadline := time.Now().Add(5 * time.Second)
	for {
		b.do(t, 20*time.Second, "runs page", chromedp.Navigate(base+"/"), chromedp.WaitVisible("#runs"))
		if strings.Contains(b.text(t, "#runs"), events.ShortRunID(run.ID)) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := b.text(t, "#runs"); !strings.Contains(got, events.ShortRunID(run.ID)) || !strings.Contains(got, "running") || !strings.Contains(got, "push") {
		t.Errorf("the runs page does not list run %s as running, by push:\n%s", run.ID, got)
	}
	b.shot(t, "runs")

	// The run's matrix turns as its facts arrive, without a reload.
	b.do(t, 20*time.Second, "run page", chromedp.Navigate(base+"/runs/"+run.ID), chromedp.WaitVisible("#matrix"))
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool]("window.notReloaded = true")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the EventSource connects
	pub := func(p any) {
		t.Helper()
		if _, err := conn.Publish(ctx, p, bus.WithRunID(run.ID)); err != nil {
			t.Fatal(err)
		}
	}
	pub(&events.BuildLog{Stack: "fixture", Component: "ringhello", Distro: "debian-12", Lines: []string{"make -j2", "cc -o ringhello ringhello.c"}})
	b.do(t, 20*time.Second, "a building cell", chromedp.WaitVisible("#cell-ringhello_debian-12.running"))
	pub(&events.BuildSucceeded{Stack: "fixture", Component: "ringhello", Distro: "debian-12", BuildKey: "k1", LogKey: "logs/" + run.ID + "/ringhello_debian-12.log",
		Packages: []events.PackageRef{{Key: "packages/ringhello_1.0.0-1_amd64.deb", SHA256: strings.Repeat("ab", 32), Size: 1234}}})
	pub(&events.BuildFailed{Stack: "fixture", Component: "ringhello", Distro: "debian-11", Reason: "make: *** [ringhello] Error 1"})
	b.do(t, 20*time.Second, "the cells turn", chromedp.WaitVisible("#cell-ringhello_debian-12.ok"), chromedp.WaitVisible("#cell-ringhello_debian-11.failed"))
	if ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool]("window.notReloaded === true")); err != nil || !ok {
		t.Errorf("the page reloaded (%v)", err)
	}
	if got := b.text(t, "#cell-ringhello_debian-11"); !strings.Contains(got, "✗ failed") || !strings.Contains(got, "Error 1") {
		t.Errorf("the failed cell says %q", got)
	}
	if got := b.text(t, "#cell-ringhello_debian-12"); !strings.Contains(got, "✓ ok") || !strings.Contains(got, "log") {
		t.Errorf("the built cell says %q", got)
	}
	if n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int]("document.querySelectorAll('#matrix tbody tr').length")); err != nil || n != 1 {
		// one row: ringhello, on two distros
		t.Errorf("the matrix has %d rows, want one (ringhello): %v", n, err)
	}
	if got := b.text(t, "#log"); !strings.Contains(got, "cc -o ringhello") {
		t.Errorf("the live log shows %q", got)
	}
	// The stages move as the run's record changes, without a reload.
	now := time.Now().UTC()
	run.SetStage("build", runs.Failure, "ringhello on debian-11 failed", now)
	run.SetStage("publish", runs.Running, "debian-12", now)
	if err := rs.Put(ctx, &run); err != nil {
		t.Fatal(err)
	}
	b.do(t, 20*time.Second, "the stages move", chromedp.WaitVisible("#stages tr.failure"), chromedp.WaitVisible("#stages tr.running"))
	if got := b.text(t, "#stages"); !strings.Contains(got, "✗ failure") || !strings.Contains(got, "ringhello on debian-11 failed") ||
		!strings.Contains(got, "publish") || !strings.Contains(got, "… running") {
		t.Errorf("the stages say %q", got)
	}
	if ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool]("window.notReloaded === true")); err != nil || !ok {
		t.Errorf("the page reloaded for the stages (%v)", err)
	}
	// A cell's log page while it builds: its lines as they come, then done.
	b.do(t, 20*time.Second, "a building cell's log page", chromedp.Navigate(base+"/runs/"+run.ID+"/logs/ringhello-lib_debian-12"), chromedp.WaitVisible("#cell-log"))
	time.Sleep(300 * time.Millisecond) // the EventSource connects
	pub(&events.BuildLog{Stack: "fixture", Component: "ringhello-lib", Distro: "debian-12", Lines: []string{"cc -fPIC -shared -o libringhello.so.1 ringhello.c"}})
	pub(&events.BuildFailed{Stack: "fixture", Component: "ringhello-lib", Distro: "debian-12", Reason: "ld: cannot find -lc"})
	b.do(t, 20*time.Second, "the log page follows the cell", chromedp.WaitVisible("#cell-log"))
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		lines, state := b.text(t, "#cell-log"), b.text(t, "#log-state")
		if strings.Contains(lines, "libringhello.so.1") && strings.Contains(state, "✗ failed: ld: cannot find -lc") {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the cell's log page shows %q, says %q", lines, state)
		}
	}
	b.shot(t, "log")
	b.do(t, 20*time.Second, "run page again", chromedp.Navigate(base+"/runs/"+run.ID), chromedp.WaitVisible("#cell-ringhello-lib_debian-12.failed"))
	pub(&events.PipelineFinished{Stack: "fixture", Commit: run.Commit, Channel: "nightly", State: runs.Failure, Reason: "ringhello on debian-11 failed"})
	b.do(t, 20*time.Second, "the run ends", chromedp.WaitVisible("#run-state.failure"))
	b.shot(t, "run")

	// Compatibility of the swept stack.
	b.do(t, 20*time.Second, "compatibility page", chromedp.Navigate(base+"/compat?stack=fixture-redis-broken&distro=debian-12"), chromedp.WaitVisible("table.compat"))
	grid := b.text(t, "table.compat")
	cell := func(state string) string {
		s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`Array.from(document.querySelectorAll('table.compat td[data-state=%q]')).map(td => td.closest('tr').cells[0].textContent + ' | ' + td.textContent).join('\n')`, state)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := cell("good"); !strings.Contains(got, "redis 7.0.15 | ✓ works") || !strings.Contains(got, events.ShortRunID(sweepRun)) {
		t.Errorf("no green cell for redis 7.0.15 × zookeeper 3.8.0 with the sweep %s: %q\n%s", sweepRun, got, grid)
	}
	if got := cell("bad"); !strings.Contains(got, "redis 6.0.98 | ✗ fails") || !strings.Contains(got, "replica-catches-up-after-restart") {
		t.Errorf("no red cell with the failed case for redis 6.0.98 × zookeeper 3.8.0: %q\n%s", got, grid)
	}
	b.shot(t, "compat")

	// Dead letters: a reader's token is refused by the policy, a
	// developer's retries.
	form := url.Values{"token": {readToken}}
	resp, err := http.PostForm(base+"/deadletters/1/retry", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a reader's retry: %d, want 403", resp.StatusCode)
	}
	b.do(t, 20*time.Second, "dead letters page", chromedp.Navigate(base+"/deadletters"), chromedp.WaitVisible("#deadletters"))
	if got := b.text(t, "#deadletters"); !strings.Contains(got, "sha256 does not match") {
		t.Fatalf("the dead letter is not listed with its reason:\n%s", got)
	}
	b.shot(t, "deadletters")
	b.do(t, 20*time.Second, "retry", chromedp.SendKeys("#deadletters input[name=token]", devToken), chromedp.Click("#deadletters button"),
		chromedp.WaitVisible("p.outcome"))
	if got := b.text(t, "p.outcome"); !strings.Contains(got, "✓") || !strings.Contains(got, "back on its subject") {
		t.Errorf("the retry says %q", got)
	}
	for end := time.Now().Add(10 * time.Second); handled.Load() == 0 && time.Now().Before(end); {
		time.Sleep(50 * time.Millisecond)
	}
	if handled.Load() != 1 {
		t.Errorf("the retried command was handled %d times, want 1", handled.Load())
	}
	b.shot(t, "deadletters-retried")

	// Clusters (Docker's) and repositories (no repo-publisher here: the
	// page says so) read too.
	b.do(t, 20*time.Second, "clusters page", chromedp.Navigate(base+"/clusters"), chromedp.WaitVisible("#snapshots"))
	b.shot(t, "clusters")
	b.do(t, 20*time.Second, "repositories page", chromedp.Navigate(base+"/repos"), chromedp.WaitVisible("h1"))
	if got := b.text(t, "main"); !strings.Contains(got, "repo-publisher did not answer") {
		t.Errorf("the repositories page without a repo-publisher says %q", got)
	}
	b.shot(t, "repos")

	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.bad) > 0 {
		t.Errorf("the pages did what they must not:\n%s", strings.Join(b.bad, "\n"))
	}
	if b.seen.Load() < 8 {
		t.Errorf("only %d requests were seen: the network events are not watched", b.seen.Load())
	}
	t.Logf("screenshots in %s", out)
}
