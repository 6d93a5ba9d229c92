package apt

import (
	"testing"
)

// BenchmarkBuild20k: the whole index (Packages, .gz, .xz, by-hash copies,
// Release, Release.gpg, InRelease) of one architecture with 20,000 packages
// (a tenth of them Architecture: all).
func BenchmarkBuild20k(b *testing.B) {
	pkgs := make([]Package, 20000)
	for i := range pkgs {
		arch := "amd64"
		if i%10 == 0 {
			arch = "all"
		}
		pkgs[i] = synthPackage(i, arch)
	}
	key := testKey(b)
	s := Suite{Name: "debian-12-nightly", Codename: "bookworm", Architectures: []string{"amd64"}, Origin: "Ringmaster", Label: "Ringmaster"}
	b.ReportAllocs()
	var size int
	for b.Loop() {
		files, err := Build(s, pkgs, key, testNow)
		if err != nil {
			b.Fatal(err)
		}
		size = 0
		for _, f := range files {
			size += len(f.Data)
		}
	}
	b.ReportMetric(float64(size)/1e6, "MB-out")
}
