//go:build integration

package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/runs"
)

// TestCLIAndScheduledRunsAreRecorded: a sweep typed at the CLI straight
// onto the bus and one ring up schedules each get a run record (trigger
// cli, schedule) that the gateway brings to its end, on `ring runs list`
// and the dashboard's runs page — also when the CLI is stopped with
// Ctrl-C and the platform restarted before the sweep ran; without a
// gateway the CLI works as before and writes none. The stack does not exist, so
// the tester gives up at once and no image is needed.
func TestCLIAndScheduledRunsAreRecorded(t *testing.T) {
	const stack = "it-no-such-stack"
	listRuns := func(t *testing.T, home string) []runs.Record {
		t.Helper()
		got, err := ring(t, home, "runs", "list", "--output", "json", "--limit", "0")
		if err != nil {
			t.Fatalf("ring runs list: %v\n%s", err, got)
		}
		var all []runs.Record
		if err := json.Unmarshal([]byte(got), &all); err != nil {
			t.Fatalf("ring runs list --output json: %v\n%s", err, got)
		}
		return all
	}
	sweep := func(t *testing.T, home string) string {
		t.Helper()
		out, err := ring(t, home, "sweep", "run", "--stack", stack, "--wait", "40s")
		if err == nil || !strings.Contains(out, "failed after") {
			t.Fatalf("ring sweep run of a missing stack: want it to fail with the tester's reason, got err %v:\n%s", err, out)
		}
		return out
	}

	t.Run("with the gateway", func(t *testing.T) {
		home := t.TempDir()
		_, upOut, e := up(t, home, "--sweep-every", "2s", "--sweep-stack", stack)
		out := sweep(t, home)
		var cli, sched *runs.Record
		deadline := time.Now().Add(40 * time.Second)
		for cli == nil || sched == nil {
			cli, sched = nil, nil
			for _, r := range listRuns(t, home) {
				if r.Trigger == events.TriggerCLI && strings.Contains(out, r.ID) && r.Done() {
					cli = &r
				}
				if r.Trigger == events.TriggerSchedule && r.Done() {
					sched = &r
				}
			}
			if time.Now().After(deadline) {
				got, _ := ring(t, home, "runs", "list")
				t.Fatalf("no finished cli and schedule runs (cli %v, schedule %v):\n%s\n%s", cli != nil, sched != nil, got, upOut.String())
			}
			time.Sleep(300 * time.Millisecond)
		}
		for _, r := range []*runs.Record{cli, sched} {
			if r.Kind != "sweep run" || r.Stack != stack || r.State != runs.Failure || r.Reason == "" || r.Finished.Before(r.Created) {
				t.Errorf("%s run: want a failed sweep run of %s with its reason and end, got %+v", r.Trigger, stack, *r)
			}
		}
		for trigger, r := range map[string]*runs.Record{"CLI": cli, "schedule": sched} {
			resp, err := http.Get(e.HTTP + "/runs?trigger=" + trigger)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "/runs/"+r.ID) || !strings.Contains(string(page), "sweep run") {
				t.Errorf("the runs page filtered to %s does not list run %s (%d):\n%s", trigger, r.ID, resp.StatusCode, page)
			}
		}
		if cli.Sender == "" || !strings.HasPrefix(cli.Command, "sweep run --stack "+stack) {
			t.Errorf("cli run: want who typed it and the command, got sender %q command %q", cli.Sender, cli.Command)
		}
	})

	// The CLI is stopped before anything handles its sweep (no tester
	// yet), then the platform too while the gateway follows the run; on
	// the next ring up the tester takes the sweep and the gateway, handed
	// the follow again, ends the record.
	t.Run("the CLI stopped with Ctrl-C", func(t *testing.T) {
		home := t.TempDir()
		first, firstOut, _ := up(t, home, "--services", "builder,repo-publisher,provisioner,gateway")
		out := &syncBuffer{}
		cli := exec.Command(ringBin, "sweep", "run", "--stack", stack)
		cli.Env = append(os.Environ(), "RING_HOME="+home, "RING_NATS_URL=")
		cli.Stdout, cli.Stderr = out, out
		if err := cli.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cli.Process.Kill(); _ = cli.Wait() })
		var id string
		for deadline := time.Now().Add(20 * time.Second); id == ""; time.Sleep(50 * time.Millisecond) {
			if _, rest, ok := strings.Cut(out.String(), "(run "); ok {
				if r, _, ok := strings.Cut(rest, ")"); ok {
					id = r
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("ring sweep run printed no run id:\n%s", out.String())
			}
		}
		if err := cli.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		_ = cli.Wait()
		var rec runs.Record
		for deadline := time.Now().Add(20 * time.Second); rec.State != runs.Running; time.Sleep(200 * time.Millisecond) {
			for _, r := range listRuns(t, home) {
				if r.ID == id {
					rec = r
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("run %s: want the gateway following it (running), got %+v\n%s", id, rec, firstOut.String())
			}
		}
		if err := first.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		_ = first.Wait()
		t.Logf("ring up stopped in %s", time.Since(t0).Round(time.Millisecond))
		_, againOut, _ := up(t, home)
		t.Logf("ring up is back after %s", time.Since(t0).Round(time.Millisecond))
		// A follow in flight holds the gateway's stop for its shutdown grace
		// (10 s) and, when the embedded NATS is gone before its nak, comes
		// back after the ack wait (30 s).
		for deadline := time.Now().Add(90 * time.Second); !rec.Done(); time.Sleep(300 * time.Millisecond) {
			for _, r := range listRuns(t, home) {
				if r.ID == id {
					rec = r
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("run %s did not end after ring up came back: %+v\n%s", id, rec, againOut.String())
			}
		}
		t.Logf("run ended %s after the restart began", time.Since(t0).Round(time.Millisecond))
		if rec.State != runs.Failure || rec.Trigger != events.TriggerCLI {
			t.Errorf("run %s: want a failed cli run (no such stack), got %+v", id, rec)
		}
	})

	t.Run("without a gateway", func(t *testing.T) {
		home := t.TempDir()
		up(t, home, "--services", "builder,repo-publisher,provisioner,tester")
		sweep(t, home)
		if all := listRuns(t, home); len(all) != 0 {
			t.Errorf("no gateway follows runs, so none should be recorded: %+v", all)
		}
	})
}
