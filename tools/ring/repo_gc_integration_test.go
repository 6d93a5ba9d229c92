//go:build integration

package main_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/builder/packaging"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/kit/natsauth"
)

// TestRepoGCRetiresClosedRequests: a closed pull request's pr-<n> channel,
// recorded by the gateway, is retired by ring repo gc: a dry run only names
// it; gc with no grace deletes its indexes and the channel; the pool file
// and the other channels stay; the closure record goes.
func TestRepoGCRetiresClosedRequests(t *testing.T) {
	home := t.TempDir()
	_, _, e := up(t, home)
	dir := t.TempDir()
	deb := buildPkg(t, dir, "1.0.0", packaging.Deb, "")
	for _, ch := range []string{"pr-7", "nightly", "pr-8"} {
		if out, err := ring(t, home, "repo", "publish", "--channel", ch, "--distro", "debian-12", deb); err != nil {
			t.Fatalf("publish to %s: %v\n%s", ch, err, out)
		}
	}
	base := e.S3 + "/" + e.Bucket + "/repos/apt/"
	status := func(url string) int {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, ch := range []string{"pr-7", "nightly", "pr-8"} {
		if s := status(base + "dists/debian-12-" + ch + "/InRelease"); s != http.StatusOK {
			t.Fatalf("%s InRelease: %d", ch, s)
		}
	}
	var pool string // the pool file, from the Packages index
	for _, line := range strings.Split(string(httpGet(t, base+"dists/debian-12-pr-7/main/binary-amd64/Packages")), "\n") {
		if f, ok := strings.CutPrefix(line, "Filename: "); ok {
			pool = f
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	creds, err := natsauth.Read(natsauth.Path(home, "gateway")) // the closures are the gateway's to record
	if err != nil {
		t.Fatal(err)
	}
	conn, err := bus.Connect(ctx, e.NATS, "gateway", bus.WithCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	requests, err := gitstack.OpenRequests(ctx, conn.JS)
	if err != nil {
		t.Fatal(err)
	}
	if err := requests.Closed(ctx, gitstack.ClosedRequest{Channel: "pr-7", Stack: "demo", PR: 7, Merged: true, Closed: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}

	out, err := ring(t, home, "repo", "gc", "--dry-run")
	if err != nil || !strings.Contains(out, "channel pr-7 would be retired") || strings.Contains(out, "pr-8") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if s := status(base + "dists/debian-12-pr-7/InRelease"); s != http.StatusOK {
		t.Fatalf("the dry run retired pr-7: InRelease %d", s)
	}
	out, err = ring(t, home, "repo", "gc", "--grace", "0s")
	if err != nil || !strings.Contains(out, "channel pr-7 retired") || !strings.Contains(out, "channel pr-7 removed") || strings.Contains(out, "pr-8") {
		t.Fatalf("gc: %v\n%s", err, out)
	}
	if s := status(base + "dists/debian-12-pr-7/InRelease"); s != http.StatusNotFound {
		t.Errorf("pr-7's InRelease after gc: %d, want 404", s)
	}
	for _, ch := range []string{"nightly", "pr-8"} {
		if s := status(base + "dists/debian-12-" + ch + "/InRelease"); s != http.StatusOK {
			t.Errorf("%s InRelease after gc: %d", ch, s)
		}
	}
	if pool == "" {
		t.Fatal("no Filename in pr-7's Packages index")
	}
	if s := status(base + pool); s != http.StatusOK {
		t.Errorf("pool file %s after gc: %d", pool, s)
	}
	if list, err := ring(t, home, "repo", "list"); err != nil || strings.Contains(list, "pr-7") || !strings.Contains(list, "pr-8") {
		t.Errorf("repo list after gc: %v\n%s", err, list)
	}
	if closed, err := requests.List(ctx); err != nil || len(closed) != 0 {
		t.Errorf("closure records after gc: %v, %v", closed, err)
	}

	// pr-8 goes by age only: a second later, with a max age of a second.
	time.Sleep(1100 * time.Millisecond)
	out, err = ring(t, home, "repo", "gc", "--grace", "0s", "--request-max-age", "1s")
	if err != nil || !strings.Contains(out, "channel pr-8 retired") || strings.Contains(out, "nightly retired") {
		t.Fatalf("gc by age: %v\n%s", err, out)
	}
	if s := status(base + "dists/debian-12-nightly/InRelease"); s != http.StatusOK {
		t.Errorf("nightly InRelease after gc by age: %d", s)
	}
}
