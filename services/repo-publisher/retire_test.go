package publisher

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/events"
)

func TestValidateRetire(t *testing.T) {
	for _, tc := range []struct {
		req  events.RepoGCRequested
		idle time.Duration
		err  string
	}{
		{events.RepoGCRequested{}, 0, ""},
		{events.RepoGCRequested{Retire: []string{"pr-12", "branch-x"}, RetireIdle: "720h"}, 720 * time.Hour, ""},
		{events.RepoGCRequested{Retire: []string{"pr-12", "PR 13"}}, 0, `retire[1] "PR 13"`},
		{events.RepoGCRequested{RetireIdle: "a month"}, 0, `retire_idle "a month"`},
		{events.RepoGCRequested{RetireIdle: "0s"}, 0, `retire_idle "0s"`},
	} {
		t.Run(strings.Join(tc.req.Retire, ",")+tc.req.RetireIdle, func(t *testing.T) {
			idle, err := validateRetire(&tc.req)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !IsPermanent(err) {
					t.Fatalf("err = %v, want permanent containing %q", err, tc.err)
				}
				if _, gerr := ValidateGC(&tc.req); gerr == nil {
					t.Fatal("ValidateGC lets it through")
				}
				return
			}
			if err != nil || idle != tc.idle {
				t.Fatalf("= %v, %v; want %v", idle, err, tc.idle)
			}
		})
	}
}

// TestRetire: a retired channel keeps serving for the grace period, then gc
// deletes its indexes and its manifest; the pool and the other channels stay.
func TestRetire(t *testing.T) {
	ctx := context.Background()
	c := &clock{now: testStart}
	store := newMemStore(c)
	p := newTestPublisher(t, store, c, testKey(t))
	publish := func(channel, name string) {
		t.Helper()
		ref := upload(t, store, name+".deb", makePkg(t, "deb", "ring"+name, "1.0-1", "amd64"))
		if _, err := p.Publish(ctx, &events.RepoPublishRequested{Channel: channel, Distros: []string{"debian-12"}, Packages: []events.PackageRef{ref}}); err != nil {
			t.Fatal(err)
		}
		c.Add(time.Second)
	}
	publish("pr-7", "a")
	publish("nightly", "a")
	publish("pr-8", "b")
	c.Add(10 * 24 * time.Hour)
	publish("pr-9", "c")
	before, _ := LoadManifest(ctx, store, "pr-7")
	nightly, _ := LoadManifest(ctx, store, "nightly")
	pool := AptRoot + before.Debs["debian-12"][0].Filename

	channels, err := p.GCChannels(ctx, &events.RepoGCRequested{Channel: "nightly", Retire: []string{"pr-7", "pr-404"}})
	if err != nil || !slices.Equal(channels, []string{"nightly", "pr-7"}) {
		t.Fatalf("channels of a gc of nightly retiring pr-7: %v, %v", channels, err)
	}

	// A dry run names the channel and changes nothing.
	objects := store.count("")
	got, err := p.Retire(ctx, []string{"pr-7", "pr-404"}, nil, 0, true)
	if err != nil || !slices.Equal(got, []string{"pr-7"}) || store.count("") != objects {
		t.Fatalf("dry run: %v, %v (objects %d → %d)", got, err, objects, store.count(""))
	}
	// pr-8 (10 days idle) goes by age, pr-9 (just published) does not.
	got, err = p.Retire(ctx, []string{"pr-7"}, []string{"pr-8", "pr-9"}, 7*24*time.Hour, false)
	if err != nil || !slices.Equal(got, []string{"pr-7", "pr-8"}) {
		t.Fatalf("retired %v, %v; want pr-7 and pr-8", got, err)
	}
	after, _ := LoadManifest(ctx, store, "pr-7")
	if !after.empty() || after.Revision != before.Revision+1 || len(after.Retired) != len(before.Live) {
		t.Fatalf("pr-7 after retiring: %d debs, revision %d, %d retired of %d live", len(after.Debs["debian-12"]), after.Revision, len(after.Retired), len(before.Live))
	}
	for k := range before.Live {
		if !store.has(k) {
			t.Fatalf("%s deleted before the grace period", k)
		}
	}
	if again, err := p.Retire(ctx, []string{"pr-7"}, nil, 0, false); err != nil || len(again) != 0 {
		t.Fatalf("retiring twice: %v, %v", again, err)
	}

	// Within the grace nothing goes; after it the channel does.
	out, err := p.GC(ctx, []string{"pr-7", "pr-8"}, time.Hour, false)
	if err != nil || out.DeletedCount != out.Uploads || len(out.Removed) != 0 || out.Kept == 0 {
		t.Fatalf("young gc: %+v, %v", out, err)
	}
	c.Add(2 * time.Hour)
	out, err = p.GC(ctx, []string{"nightly", "pr-7", "pr-8", "pr-9"}, time.Hour, false)
	if err != nil || !slices.Equal(out.Removed, []string{"pr-7", "pr-8"}) {
		t.Fatalf("gc: %+v, %v", out, err)
	}
	for k := range before.Live {
		if store.has(k) {
			t.Errorf("%s of the retired channel is still there", k)
		}
	}
	if store.has(ManifestKey("pr-7")) || store.count(SegmentRoot+"pr-7/") != 0 {
		t.Errorf("pr-7's manifest or segments are still there")
	}
	if !store.has(pool) {
		t.Errorf("pool file %s deleted", pool)
	}
	for k := range nightly.Live {
		if !store.has(k) {
			t.Errorf("nightly's %s deleted", k)
		}
	}
	if all, err := p.GCChannels(ctx, &events.RepoGCRequested{}); err != nil || !slices.Equal(all, []string{"nightly", "pr-9"}) {
		t.Fatalf("channels after: %v, %v", all, err)
	}
	// The number can be used again: a new request publishes afresh.
	publish("pr-7", "d")
	if m, _ := LoadManifest(ctx, store, "pr-7"); len(m.Debs["debian-12"]) != 1 || m.Debs["debian-12"][0].Name != "ringd" {
		t.Fatalf("pr-7 after reuse: %+v", m.Debs)
	}
}
