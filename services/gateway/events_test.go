package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/tokens"
)

// TestRunEventsStream: a run started through REST streams its facts as
// Server-Sent Events, stored and live, and ends with an end event.
func TestRunEventsStream(t *testing.T) {
	e := newChatEnv(t)
	ctx := context.Background()
	store, err := tokens.Open(ctx, e.conn.JS)
	must(t, err)
	token, _, err := store.Create(ctx, "alice", "developer")
	must(t, err)
	waitToken(t, e.g, token)
	req, _ := http.NewRequest(http.MethodDelete, e.srv.URL+"/api/v1/clusters/alice-zk", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	code, body := do(t, req)
	var a Accepted
	if code != http.StatusAccepted || json.Unmarshal([]byte(body), &a) != nil || a.Events == "" {
		t.Fatalf("destroy: %d %s", code, body)
	}
	// A fact stored before the stream is opened, one after.
	if _, err := e.conn.Publish(ctx, &events.ClusterProgress{Name: "alice-zk", Step: "destroy", Detail: "removing"}, bus.WithRunID(a.Run)); err != nil {
		t.Fatal(err)
	}
	sreq, _ := http.NewRequest(http.MethodGet, e.srv.URL+a.Events, nil)
	sreq.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(sreq)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		_, _ = e.conn.Publish(ctx, &events.ClusterDestroyed{Name: "alice-zk"}, bus.WithRunID(a.Run))
	}()
	var seen []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "event: ") {
			seen = append(seen, strings.TrimPrefix(line, "event: "))
		}
		if strings.HasPrefix(line, "data: ") && len(seen) > 0 && seen[len(seen)-1] == "end" {
			if !strings.Contains(line, `"ok":true`) || !strings.Contains(line, "cluster alice-zk destroyed") {
				t.Errorf("end: %s", line)
			}
			break
		}
	}
	// The run's record first (and again whenever it changes).
	if len(seen) == 0 || seen[0] != "run" {
		t.Errorf("events %v: want the run's record first", seen)
	}
	facts := slices.DeleteFunc(slices.Clone(seen), func(e string) bool { return e == "run" })
	if strings.Join(facts, ",") != "audit.recorded,cluster.progress,cluster.destroyed,end" {
		t.Errorf("events %v", seen)
	}
}
