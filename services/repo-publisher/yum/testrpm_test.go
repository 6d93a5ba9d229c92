package yum

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/files"
	_ "github.com/goreleaser/nfpm/v2/rpm"

	"ringmaster.dev/kit/signing"
)

// testRPM describes a package for makeRPM.
type testRPM struct {
	name, version, release string
	epoch                  string
	arch                   string
	keyFile                string // armored private key; "" leaves the rpm unsigned
	depends, provides      []string
	conflicts, recommends  []string
	changelog              string // chglog yaml file
}

var testTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// makeRPM builds an rpm with nfpm from a fresh nfpm.Info. It holds
// /usr/share/<name>/VERSION (containing the version), /usr/bin/<name>,
// /etc/<name>/conf (config), an explicit dir and a ghost file.
func makeRPM(t testing.TB, dir string, r testRPM) []byte {
	t.Helper()
	src := filepath.Join(dir, "src-"+r.name+"-"+r.version)
	must(t, os.MkdirAll(src, 0o755))
	write(t, filepath.Join(src, "VERSION"), []byte(r.version+"\n"), 0o644)
	write(t, filepath.Join(src, "bin"), []byte("#!/bin/sh\necho "+r.version+"\n"), 0o755)
	write(t, filepath.Join(src, "conf"), []byte("a = 1\n"), 0o644)
	arch := r.arch
	if arch == "" {
		arch = "amd64"
	}
	info := &nfpm.Info{
		Name:          r.name,
		Arch:          arch,
		Platform:      "linux",
		Version:       r.version,
		Release:       r.release,
		Epoch:         r.epoch,
		VersionSchema: "none",
		Maintainer:    "Ring Master <ring@example.com>",
		Description:   "Ring test package.\nSecond line & <markup>.",
		Vendor:        "Ringmaster",
		Homepage:      "https://example.com/ringtest",
		License:       "MIT",
		Changelog:     r.changelog,
		MTime:         testTime,
		Overridables: nfpm.Overridables{
			Depends:    r.depends,
			Provides:   r.provides,
			Conflicts:  r.conflicts,
			Recommends: r.recommends,
			Contents: files.Contents{
				{Source: filepath.Join(src, "VERSION"), Destination: "/usr/share/" + r.name + "/VERSION"},
				{Source: filepath.Join(src, "bin"), Destination: "/usr/bin/" + r.name},
				{Source: filepath.Join(src, "conf"), Destination: "/etc/" + r.name + "/conf", Type: files.TypeConfig},
				{Destination: "/var/lib/" + r.name, Type: files.TypeDir},
				{Destination: "/var/log/" + r.name + ".log", Type: files.TypeRPMGhost},
			},
			RPM: nfpm.RPM{
				Summary:   r.name + " summary",
				Group:     "Applications/System",
				BuildHost: "build.example.com",
				Packager:  "Ringmaster CI",
				Signature: nfpm.RPMSignature{PackageSignature: nfpm.PackageSignature{KeyFile: r.keyFile}},
			},
		},
	}
	pkgr, err := nfpm.Get("rpm")
	must(t, err)
	info = nfpm.WithDefaults(info)
	var buf bytes.Buffer
	must(t, pkgr.Package(info, &buf))
	return buf.Bytes()
}

// writeKey generates a signing key and writes its armored private part to a
// 0400 file for nfpm.
func writeKey(t testing.TB, dir, name string) (*signing.Key, string) {
	t.Helper()
	k, err := signing.Generate(name, name+"@example.com", testTime)
	must(t, err)
	priv, err := k.PrivateArmored()
	must(t, err)
	p := filepath.Join(dir, name+".key.asc")
	write(t, p, priv, 0o400)
	return k, p
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func write(t testing.TB, p string, b []byte, mode os.FileMode) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	must(t, os.WriteFile(p, b, mode))
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	must(t, err)
	out, err := io.ReadAll(zr)
	must(t, err)
	return out
}
