package publisher

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/events"
)

func TestValidateGC(t *testing.T) {
	for _, tc := range []struct {
		req   events.RepoGCRequested
		grace time.Duration
		err   string
	}{
		{events.RepoGCRequested{}, time.Hour, ""},
		{events.RepoGCRequested{Channel: "nightly", Grace: "30m", DryRun: true}, 30 * time.Minute, ""},
		{events.RepoGCRequested{Grace: "0s"}, 0, ""},
		{events.RepoGCRequested{Channel: "Bad_Channel"}, 0, `channel "Bad_Channel"`},
		{events.RepoGCRequested{Grace: "an hour"}, 0, `grace "an hour"`},
		{events.RepoGCRequested{Grace: "-1h"}, 0, `grace "-1h"`},
	} {
		t.Run(fmt.Sprintf("%+v", tc.req), func(t *testing.T) {
			g, err := ValidateGC(&tc.req)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !IsPermanent(err) {
					t.Fatalf("err = %v, want permanent containing %q", err, tc.err)
				}
				return
			}
			if err != nil || g != tc.grace {
				t.Fatalf("= %v, %v; want %v", g, err, tc.grace)
			}
		})
	}
}

func TestCollectable(t *testing.T) {
	now := testStart
	dists := AptRoot + "dists/debian-12-nightly/"
	for _, tc := range []struct {
		name      string
		retired   map[string]time.Duration // key → age
		live      []string
		grace     time.Duration
		del       []string
		kept      int
		remaining []string // keys left in Retired
	}{
		{"nothing retired", nil, nil, time.Hour, nil, 0, nil},
		{"old and young",
			map[string]time.Duration{dists + "by-hash/a": 2 * time.Hour, dists + "by-hash/b": 59 * time.Minute, dists + "by-hash/c": time.Hour},
			nil, time.Hour, []string{dists + "by-hash/a", dists + "by-hash/c"}, 1,
			[]string{dists + "by-hash/a", dists + "by-hash/b", dists + "by-hash/c"}},
		{"zero grace deletes everything retired",
			map[string]time.Duration{dists + "x": 0, dists + "y": time.Second},
			nil, 0, []string{dists + "x", dists + "y"}, 0, []string{dists + "x", dists + "y"}},
		{"live again is dropped, never deleted",
			map[string]time.Duration{dists + "InRelease": 3 * time.Hour},
			[]string{dists + "InRelease"}, time.Hour, nil, 0, nil},
		{"pool files and foreign keys are kept",
			map[string]time.Duration{AptRoot + "pool/main/r/ringhello/x.deb": 9 * time.Hour, YumPool + "r/ringhello/x.rpm": 9 * time.Hour, "state/repos/nightly.json": 9 * time.Hour},
			nil, time.Hour, nil, 3,
			[]string{"state/repos/nightly.json", AptRoot + "pool/main/r/ringhello/x.deb", YumPool + "r/ringhello/x.rpm"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newManifest("nightly")
			for k, age := range tc.retired {
				m.Retired[k] = now.Add(-age)
			}
			for _, k := range tc.live {
				m.Live[k] = "sum"
			}
			del, kept := collectable(m, now, tc.grace)
			if !slices.Equal(del, tc.del) || kept != tc.kept {
				t.Errorf("= %v, %d; want %v, %d", del, kept, tc.del, tc.kept)
			}
			left := sortedKeys(m.Retired)
			want := slices.Sorted(slices.Values(tc.remaining))
			if !slices.Equal(left, want) && !(len(left) == 0 && len(want) == 0) {
				t.Errorf("retired left %v, want %v", left, want)
			}
		})
	}
}

func TestGC(t *testing.T) {
	ctx := context.Background()
	c := &clock{now: testStart}
	store := newMemStore(c)
	p := newTestPublisher(t, store, c, testKey(t))
	publish := func(channel, name, version string) {
		t.Helper()
		ref := upload(t, store, name+".deb", makePkg(t, "deb", "ring"+name, version, "amd64"))
		if _, err := p.Publish(ctx, &events.RepoPublishRequested{Channel: channel, Distros: []string{"debian-12"}, Packages: []events.PackageRef{ref}}); err != nil {
			t.Fatal(err)
		}
		c.Add(time.Second)
	}
	publish("nightly", "a", "1.0-1")
	publish("nightly", "b", "1.0-1")
	publish("stable", "a", "1.0-1")
	c.Add(30 * time.Minute)
	publish("nightly", "c", "1.0-1")

	nightly, _ := LoadManifest(ctx, store, "nightly")
	if len(nightly.Retired) == 0 {
		t.Fatal("nothing retired")
	}
	gc := func(channel string, grace time.Duration, dry bool) *events.RepoGCFinished {
		t.Helper()
		chs, err := p.GCChannels(ctx, &events.RepoGCRequested{Channel: channel})
		if err != nil {
			t.Fatal(err)
		}
		out, err := p.GC(ctx, chs, grace, dry)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	// Within the grace period nothing goes.
	objects := store.count("")
	out := gc("", time.Hour, false)
	if out.DeletedCount != 0 || len(out.Deleted) != 0 || out.Kept != len(nightly.Retired) || store.count("") != objects {
		t.Fatalf("young gc: %+v", out)
	}
	if !slices.Equal(out.Channels, []string{"nightly", "stable"}) {
		t.Fatalf("channels %v", out.Channels)
	}

	// 40 minutes later, the retirements of the first publishes (31 min + 40 min
	// old) are due; those of the last one (40 min old) and the uploads
	// (the last is 40 min old) are not.
	c.Add(40 * time.Minute)
	lastRetired := 0
	for _, when := range nightly.Retired {
		if c.Now().Sub(when) < time.Hour {
			lastRetired++
		}
	}
	dry := gc("nightly", time.Hour, true)
	if !dry.DryRun || dry.DeletedCount == 0 || dry.DeletedCount != len(dry.Deleted) || dry.Kept != lastRetired || store.count("") != objects {
		t.Fatalf("dry run: %+v (objects %d → %d)", dry, objects, store.count(""))
	}
	if dry.Uploads != 2 { // a (stable's is the same bytes) and b are older than 1h; c is 40 min old
		t.Fatalf("dry run uploads %d, want 2: %v", dry.Uploads, dry.Deleted)
	}
	for _, k := range dry.Deleted {
		if !store.has(k) {
			t.Fatalf("dry run deleted %s", k)
		}
	}
	real := gc("nightly", time.Hour, false)
	if !slices.Equal(real.Deleted, dry.Deleted) || real.DryRun {
		t.Fatalf("gc deleted %v, the dry run said %v", real.Deleted, dry.Deleted)
	}
	for _, k := range real.Deleted {
		if store.has(k) {
			t.Errorf("%s still there", k)
		}
	}
	after, _ := LoadManifest(ctx, store, "nightly")
	if len(after.Retired) != lastRetired || after.Revision != nightly.Revision || !after.Updated.Equal(nightly.Updated) {
		t.Fatalf("manifest after gc: %d retired (want %d), revision %d", len(after.Retired), lastRetired, after.Revision)
	}
	for k := range after.Live {
		if !store.has(k) {
			t.Fatalf("live object %s deleted", k)
		}
	}
	for _, pkgs := range after.Debs {
		for _, pkg := range pkgs {
			if !store.has(AptRoot + pkg.Filename) {
				t.Fatalf("pool file %s deleted", pkg.Filename)
			}
		}
	}
	if again := gc("nightly", time.Hour, false); again.DeletedCount != 0 {
		t.Fatalf("second gc deleted %v", again.Deleted)
	}

	// An unknown channel is a permanent error naming the channels.
	if _, err := p.GCChannels(ctx, &events.RepoGCRequested{Channel: "beta"}); !IsPermanent(err) || !strings.Contains(err.Error(), "nightly, stable") {
		t.Fatalf("unknown channel: %v", err)
	}
}

func TestGCDeleteFailureKeepsManifest(t *testing.T) {
	ctx := context.Background()
	c := &clock{now: testStart}
	store := newMemStore(c)
	p := newTestPublisher(t, store, c, testKey(t))
	for _, n := range []string{"a", "b", "c"} {
		ref := upload(t, store, n+".deb", makePkg(t, "deb", "ring"+n, "1.0-1", "amd64"))
		if _, err := p.Publish(ctx, &events.RepoPublishRequested{Channel: "nightly", Distros: []string{"debian-12"}, Packages: []events.PackageRef{ref}}); err != nil {
			t.Fatal(err)
		}
		c.Add(time.Second)
	}
	c.Add(2 * time.Hour)
	m, _ := LoadManifest(ctx, store, "nightly")
	bad := sortedKeys(m.Retired)[0]
	store.failDel = map[string]bool{bad: true}
	_, err := p.GC(ctx, []string{"nightly"}, time.Hour, false)
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("err = %v", err)
	}
	after, _ := LoadManifest(ctx, store, "nightly")
	if len(after.Retired) != 1 || after.Retired[bad].IsZero() {
		t.Fatalf("retired after a failed delete: %v (want only %s)", after.Retired, bad)
	}
	store.failDel = nil
	out, err := p.GC(ctx, []string{"nightly"}, time.Hour, false)
	if err != nil || out.DeletedCount != 1+3 /* uploads */ {
		t.Fatalf("retry: %+v, %v", out, err)
	}
}

func TestGCListCap(t *testing.T) {
	ctx := context.Background()
	c := &clock{now: testStart}
	store := newMemStore(c)
	p := newTestPublisher(t, store, c, testKey(t))
	m := newManifest("nightly")
	for i := range MaxListed + 5 {
		k := fmt.Sprintf("%sdists/debian-12-nightly/by-hash/%04d", AptRoot, i)
		m.Retired[k] = testStart.Add(-2 * time.Hour)
		store.objs[k] = memObj{data: []byte("x")}
	}
	if _, err := m.save(ctx, store); err != nil {
		t.Fatal(err)
	}
	out, err := p.GC(ctx, []string{"nightly"}, time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != MaxListed || out.DeletedCount != MaxListed+5 || store.count(AptRoot) != 0 {
		t.Fatalf("listed %d, count %d, left %d", len(out.Deleted), out.DeletedCount, store.count(AptRoot))
	}
}
