package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/files"
	_ "github.com/goreleaser/nfpm/v2/rpm"
)

// genTime is the mtime of every generated file, so generation is reproducible.
var genTime = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// debName is the package name of synthetic package i of a set (prefix keeps
// the sets of different sizes apart in the shared pool).
func debName(prefix string, i int) string { return fmt.Sprintf("%s%05d", prefix, i) }

func debVersion(i int) string { return fmt.Sprintf("1.%d.%d-1", i%7, i) }

// debFileName is the Debian file name of a package.
func debFileName(name, version string) string { return name + "_" + version + "_amd64.deb" }

// makeDeb builds a real, installable .deb (format 2.0: ar with debian-binary,
// control.tar.gz, data.tar.gz, as dpkg-deb writes it) holding
// /usr/share/<name>/VERSION. It is made directly rather than with nfpm: 20,000
// of them take about a second.
func makeDeb(name, version string) ([]byte, error) {
	payload := []byte(version + "\n")
	data, err := tarGz([]tarEntry{
		{name: "./", dir: true},
		{name: "./usr/", dir: true},
		{name: "./usr/share/", dir: true},
		{name: "./usr/share/" + name + "/", dir: true},
		{name: "./usr/share/" + name + "/VERSION", body: payload},
	})
	if err != nil {
		return nil, err
	}
	control := fmt.Sprintf(`Package: %s
Version: %s
Architecture: amd64
Maintainer: Ringmaster Builders <builders@ringmaster.dev>
Installed-Size: 1
Depends: libc6 (>= 2.36)
Section: utils
Priority: optional
Homepage: https://ringmaster.dev/
Description: synthetic package %s
 A synthetic package made by repobench to measure repository
 publishing. It installs one file, /usr/share/%s/VERSION,
 which holds the version.
`, name, version, name, name)
	md5sums := fmt.Sprintf("%x  usr/share/%s/VERSION\n", md5Of(payload), name)
	ctl, err := tarGz([]tarEntry{
		{name: "./", dir: true},
		{name: "./control", body: []byte(control)},
		{name: "./md5sums", body: []byte(md5sums)},
	})
	if err != nil {
		return nil, err
	}
	return arArchive([]arMember{{"debian-binary", []byte("2.0\n")}, {"control.tar.gz", ctl}, {"data.tar.gz", data}}), nil
}

type tarEntry struct {
	name string
	dir  bool
	body []byte
}

// gzPool reuses gzip writers: a new compress/gzip writer allocates about a megabyte.
var gzPool = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }}

func tarGz(entries []tarEntry) ([]byte, error) {
	var b bytes.Buffer
	zw := gzPool.Get().(*gzip.Writer)
	defer gzPool.Put(zw)
	zw.Reset(&b)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, ModTime: genTime, Uname: "root", Gname: "root", Format: tar.FormatGNU}
		if e.dir {
			h.Typeflag, h.Mode = tar.TypeDir, 0o755
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type arMember struct {
	name string
	data []byte
}

// arArchive writes a System V ar archive as dpkg-deb does.
func arArchive(members []arMember) []byte {
	var b bytes.Buffer
	b.WriteString("!<arch>\n")
	for _, m := range members {
		fmt.Fprintf(&b, "%-16s%-12d%-6d%-6d%-8s%-10d`\n", m.name, genTime.Unix(), 0, 0, "100644", len(m.data))
		b.Write(m.data)
		if len(m.data)%2 == 1 {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// genDebs writes debs [from, to) of a set into dir and returns their paths.
func genDebs(ctx context.Context, dir, prefix string, from, to int) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	paths := make([]string, to-from)
	err := parallelFor(ctx, to-from, runtime.GOMAXPROCS(0), func(k int) error {
		i := from + k
		name, ver := debName(prefix, i), debVersion(i)
		b, err := makeDeb(name, ver)
		if err != nil {
			return err
		}
		p := filepath.Join(dir, debFileName(name, ver))
		paths[k] = p
		return os.WriteFile(p, b, 0o644)
	})
	return paths, err
}

// genRPMs writes n unsigned .rpm files made by nfpm (v2.47.0, a fresh
// nfpm.Info each) into dir, unless dir already holds a complete set made
// by this version of the generator (the stamp file): nfpm needs about a
// millisecond or more per rpm, so the set is cached between runs.
func genRPMs(ctx context.Context, dir, prefix string, n int) (cached bool, err error) {
	stamp := filepath.Join(dir, ".repobench-complete")
	want := "repobench rpm v1 " + prefix + " " + strconv.Itoa(n) + "\n"
	if b, err := os.ReadFile(stamp); err == nil && string(b) == want {
		return true, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return false, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	src := filepath.Join(dir, ".VERSION")
	if err := os.WriteFile(src, []byte("synthetic\n"), 0o644); err != nil {
		return false, err
	}
	err = parallelFor(ctx, n, runtime.GOMAXPROCS(0), func(i int) error {
		name := debName(prefix, i)
		info := nfpm.WithDefaults(&nfpm.Info{
			Name:          name,
			Arch:          "amd64",
			Platform:      "linux",
			Version:       fmt.Sprintf("1.%d.%d", i%7, i),
			Release:       "1",
			VersionSchema: "none",
			Maintainer:    "Ringmaster Builders <builders@ringmaster.dev>",
			Description:   "synthetic package " + name + "\nA synthetic package made by repobench.",
			Vendor:        "Ringmaster",
			Homepage:      "https://ringmaster.dev/",
			License:       "MIT",
			MTime:         genTime,
			Overridables: nfpm.Overridables{
				Depends:  []string{"bash >= 4.0"},
				Contents: files.Contents{{Source: src, Destination: "/usr/share/" + name + "/VERSION"}},
				RPM:      nfpm.RPM{Summary: "synthetic package " + name, Group: "Applications/System", BuildHost: "bench.ringmaster.dev"},
			},
		})
		pk, err := nfpm.Get("rpm")
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := pk.Package(info, &b); err != nil {
			return fmt.Errorf("nfpm rpm %s: %w", name, err)
		}
		return os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-1.%d.%d-1.x86_64.rpm", name, i%7, i)), b.Bytes(), 0o644)
	})
	if err != nil {
		return false, err
	}
	return false, os.WriteFile(stamp, []byte(want), 0o644)
}

// parallelFor runs fn(0..n-1) on up to workers goroutines; the first error stops it.
func parallelFor(ctx context.Context, n, workers int, fn func(i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}
