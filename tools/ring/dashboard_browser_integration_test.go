//go:build integration

package main_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestDashboardLiveBuild watches a real build on the run page of `ring
// up`'s dashboard in Debian's chromium: a developer's REST build of the
// fixture stack for debian-12 (ringhello-lib, then ringhello, built from
// source in the toolchain image), the page opened before any cell is done;
// the cells turn ✓ ok as the builder reports, the page is never reloaded,
// no console error, no request beyond 127.0.0.1. The toolchain image is
// built first if this machine has none (the builder's image step). A
// screenshot of the page goes to $RING_TEST_OUT/dashboard.
func TestDashboardLiveBuild(t *testing.T) {
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed: make deps (infra/deps.sh) installs Debian's chromium")
	}
	projectEnv(t)
	root, _ := filepath.Abs("../..")
	t.Setenv("RING_AUTHZ_ROLES", filepath.Join(root, "infra/authz/roles.yaml"))
	home := t.TempDir()
	_, upOut, e := up(t, home)
	tokenFile := filepath.Join(t.TempDir(), "dev.token")
	mustRing(t, home, time.Minute, "token", "create", "dev", "--role", "developer", "--out", tokenFile)
	token, err := os.ReadFile(tokenFile)
	if err != nil {
		t.Fatal(err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("no-proxy-server", true))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelA)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	var mu sync.Mutex
	var bad []string
	if err := chromedp.Listen(ctx, func(ev any) {
		why := ""
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if u, err := url.Parse(e.Request.URL); err != nil || u.Hostname() != "127.0.0.1" {
				why = "a request left 127.0.0.1: " + e.Request.URL
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				why = "console error"
			}
		case *runtime.EventExceptionThrown:
			why = "exception: " + e.ExceptionDetails.Text
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError {
				why = "console: " + e.Entry.Text + " " + e.Entry.URL
			}
		}
		if why != "" {
			mu.Lock()
			bad = append(bad, why)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}

	req, _ := http.NewRequest("POST", e.HTTP+"/api/v1/builds", strings.NewReader(`{"stack":"fixture","distros":["debian-12"],"channel":"dash"}`))
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	req.Header.Set("Content-Type", "application/json")
	var resp *http.Response
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) { // the token cache follows the bucket
		if resp, err = http.DefaultClient.Do(req); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusUnauthorized || time.Now().After(end) {
			break
		}
		resp.Body.Close()
		req.Body, _ = req.GetBody()
	}
	var acc struct{ Run string }
	_ = json.NewDecoder(resp.Body).Decode(&acc)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || acc.Run == "" {
		t.Fatalf("build: %d %+v\n%s", resp.StatusCode, acc, upOut.String())
	}
	start := time.Now()
	do := func(d time.Duration, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		if err := chromedp.Do(c, steps...); err != nil {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML("main"))
			t.Fatalf("%s: %v\n%s\n%s", what, err, html, upOut.String())
		}
	}
	do(30*time.Second, "run page", chromedp.Navigate(e.HTTP+"/runs/"+acc.Run), chromedp.WaitVisible("#matrix"))
	before, err := chromedp.Run(ctx, chromedp.Evaluate[string]("window.notReloaded = true; document.querySelectorAll('#matrix td.ok').length + ' ok'"))
	if err != nil {
		t.Fatal(err)
	}
	if before != "0 ok" {
		t.Fatalf("the build's cells were done before the page opened (%s): nothing to watch", before)
	}
	do(10*time.Minute, "the cells turn green", chromedp.WaitVisible("#cell-ringhello-lib_debian-12.ok"), chromedp.WaitVisible("#cell-ringhello_debian-12.ok"))
	t.Logf("both cells green %s after the build was asked", time.Since(start).Round(time.Second))
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window.notReloaded === true")); err != nil || !ok {
		t.Errorf("the page was reloaded (%v)", err)
	}
	do(5*time.Minute, "the run ends", chromedp.WaitVisible("#run-state.success"))
	if out := os.Getenv("RING_TEST_OUT"); out != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err == nil {
			_ = os.MkdirAll(filepath.Join(out, "dashboard"), 0o755)
			err = os.WriteFile(filepath.Join(out, "dashboard", "run-live-build.png"), png, 0o644)
		}
		if err != nil {
			t.Error(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bad) > 0 {
		t.Errorf("the page did what it must not:\n%s", strings.Join(bad, "\n"))
	}
}
