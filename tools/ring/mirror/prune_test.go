package mirror

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// shrink rebuilds the repository at dir with n packages: the others leave
// its indexes (and its pool), and the indexes change.
func shrink(t *testing.T, dir, suite string, n int) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	aptRepo(t, dir, suite, n, 3000)
}

func TestPruneAfterGrace(t *testing.T) {
	repo := t.TempDir()
	pool := aptRepo(t, repo, suite, 5, 3000)
	srv := serve(t, repo)
	dst := t.TempDir()
	t0 := testNow
	at := func(d time.Duration, prune bool) func(*Options) {
		return func(o *Options) {
			o.Now = func() time.Time { return t0.Add(d) }
			o.Prune, o.PruneAfter = prune, time.Hour
		}
	}
	if res, err := syncTo(t, srv.URL, dst, APT, at(0, true)); err != nil || res.Pruned != 0 || res.Unlisted != 0 {
		t.Fatalf("first sync: %v %+v", err, res)
	}
	oldByHash, _ := filepath.Glob(filepath.Join(dst, "dists", suite, "main", "binary-amd64", "by-hash", "SHA256", "*"))

	shrink(t, repo, suite, 3)
	// Unlisted now, but a client may still hold the previous index: kept.
	res, err := syncTo(t, srv.URL, dst, APT, at(time.Minute, true))
	if err != nil || res.Pruned != 0 || res.Unlisted == 0 {
		t.Fatalf("sync after the source dropped two packages: %v %+v", err, res)
	}
	unlisted := res.Unlisted
	for _, p := range pool[3:] {
		if !exists(filepath.Join(dst, p)) {
			t.Fatalf("%s went before its grace", p)
		}
	}
	// Without --prune nothing goes, however long ago.
	if res, err := syncTo(t, srv.URL, dst, APT, at(3*time.Hour, false)); err != nil || res.Pruned != 0 || res.Unlisted != unlisted {
		t.Fatalf("sync without prune: %v %+v, want %d unlisted", err, res, unlisted)
	}
	// Unlisted for more than the grace (counted from the first sync that
	// saw them gone): deleted, with the directories they leave empty.
	res, err = syncTo(t, srv.URL, dst, APT, at(62*time.Minute, true))
	if err != nil || res.Pruned != unlisted || res.Unlisted != 0 {
		t.Fatalf("sync past the grace: %v %+v, want %d pruned", err, res, unlisted)
	}
	for _, p := range pool[3:] {
		if exists(filepath.Join(dst, p)) || exists(filepath.Dir(filepath.Join(dst, p))) {
			t.Errorf("%s (or its directory) is still there", p)
		}
	}
	for _, p := range append(pool[:3], "dists/"+suite+"/InRelease", "dists/"+suite+"/main/binary-amd64/Packages.xz") {
		if fileSum(t, filepath.Join(dst, p)) != fileSum(t, filepath.Join(repo, p)) {
			t.Errorf("%s, still listed, differs or is gone", p)
		}
	}
	for _, p := range oldByHash {
		if exists(p) && !exists(filepath.Join(repo, mustRel(t, dst, p))) {
			t.Errorf("old by-hash index %s was not pruned", p)
		}
	}
	// A verified sync of the pruned mirror finds everything it lists.
	if res, err := syncTo(t, srv.URL, dst, APT, at(2*time.Hour, true)); err != nil || res.Fetched != 0 || res.Pruned != 0 {
		t.Fatalf("sync after pruning: %v %+v", err, res)
	}
}

func mustRel(t *testing.T, base, p string) string {
	t.Helper()
	r, err := filepath.Rel(base, p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Two suites mirrored from two sources into one destination share the
// pool: one source dropping a package does not delete what the other lists.
func TestPruneKeepsWhatAnotherSourceLists(t *testing.T) {
	repoA, repoB := t.TempDir(), t.TempDir()
	pool := aptRepo(t, repoA, suite, 5, 3000)
	aptRepo(t, repoB, "debian-12-stable", 5, 3000)
	srvA, srvB := serve(t, repoA), serve(t, repoB)
	dst := t.TempDir()
	now := func(o *Options) { o.Prune, o.PruneAfter = true, 0 }
	if _, err := syncTo(t, srvA.URL, dst, APT, now); err != nil {
		t.Fatal(err)
	}
	if _, err := syncTo(t, srvB.URL, dst, APT, now, func(o *Options) { o.Suites = []string{"debian-12-stable"} }); err != nil {
		t.Fatal(err)
	}
	shrink(t, repoA, suite, 3)
	res, err := syncTo(t, srvA.URL, dst, APT, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pool[3:] {
		if !exists(filepath.Join(dst, p)) {
			t.Errorf("%s went though the stable suite's mirror lists it", p)
		}
	}
	if res.Pruned == 0 {
		t.Errorf("the nightly suite's old by-hash indexes were not pruned: %+v", res)
	}
	// Once B drops them too, B's sync deletes them.
	shrink(t, repoB, "debian-12-stable", 3)
	res, err = syncTo(t, srvB.URL, dst, APT, now, func(o *Options) { o.Suites = []string{"debian-12-stable"} })
	if err != nil || res.Pruned == 0 {
		t.Fatalf("%v %+v", err, res)
	}
	for _, p := range pool[3:] {
		if exists(filepath.Join(dst, p)) {
			t.Errorf("%s is listed by neither source and still there", p)
		}
	}
}

func TestStateKey(t *testing.T) {
	a := stateKey(APT, "http://h/apt/", []string{"x", "y"})
	if a != stateKey(APT, "http://h/apt/", []string{"y", "x"}) {
		t.Error("the suites' order changes the state key")
	}
	for _, other := range []string{stateKey(YUM, "http://h/apt/", []string{"x", "y"}), stateKey(APT, "http://h/apt2/", []string{"x", "y"}), stateKey(APT, "http://h/apt/", []string{"x"})} {
		if other == a {
			t.Errorf("two sources share the state key %s", a)
		}
	}
}
