//go:build integration

package yum

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// BenchmarkCreaterepoCvsInspectBuild compares, on the same real rpms
// (YUM_BENCH_RPMS of them, default 2000, made by nfpm), createrepo_c
// --no-database with reading every file + Inspect + Build.
func BenchmarkCreaterepoCvsInspectBuild(b *testing.B) {
	n := 2000
	if s := os.Getenv("YUM_BENCH_RPMS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	dir := b.TempDir()
	repo := filepath.Join(dir, "repo")
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			name := "pkg" + strconv.Itoa(i)
			r := makeRPM(b, filepath.Join(dir, "src"), testRPM{name: name, version: "1.0", release: "1",
				depends: []string{"bash >= 4.0", "pkg" + strconv.Itoa((i+1)%n)}})
			write(b, filepath.Join(repo, name+".rpm"), r, 0o644)
		}()
	}
	wg.Wait()
	b.Logf("made %d rpms in %v", n, time.Since(start))
	k, _ := writeKey(b, dir, "bench")

	b.Run("createrepo_c", func(b *testing.B) {
		for b.Loop() {
			if out, err := exec.Command("createrepo_c", "-q", "--no-database", repo).CombinedOutput(); err != nil {
				b.Fatalf("%v: %s", err, out)
			}
		}
	})
	b.Run("Inspect+Build", func(b *testing.B) {
		for b.Loop() {
			entries, err := os.ReadDir(repo)
			must(b, err)
			pkgs := make([]Package, 0, len(entries))
			for _, e := range entries {
				if filepath.Ext(e.Name()) != ".rpm" {
					continue
				}
				data, err := os.ReadFile(filepath.Join(repo, e.Name()))
				must(b, err)
				p, err := Inspect(data, e.Name())
				must(b, err)
				pkgs = append(pkgs, p)
			}
			if _, err := Build(pkgs, k, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
