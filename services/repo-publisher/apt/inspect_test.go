package apt

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

func TestInspectNfpmDebs(t *testing.T) {
	for _, comp := range []string{"gzip", "xz", "zstd", "none"} {
		t.Run(comp, func(t *testing.T) {
			deb := makeDeb(t, "ringtest", "1:1.0-2", "all", comp)
			p, err := Inspect(deb)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(deb)
			if p.Name != "ringtest" || p.Version != "1:1.0-2" || p.Architecture != "all" ||
				p.Size != int64(len(deb)) || p.SHA256 != hex.EncodeToString(sum[:]) ||
				len(p.MD5) != 32 || len(p.SHA1) != 40 ||
				p.Filename != "pool/main/r/ringtest/ringtest_1.0-2_all.deb" {
				t.Fatalf("Inspect = %+v", p)
			}
			if p.Fields[0].Name != "Package" {
				t.Errorf("first field %q, want Package (original order)", p.Fields[0].Name)
			}
			desc, _ := p.Field("description")
			if want := "Ringmaster test package\nIt installs one file.\n\nThat file holds the version."; desc != want {
				t.Errorf("Description = %q, want %q", desc, want)
			}
			if m, _ := p.Field("Maintainer"); m != "Ringmaster Tests <tests@ringmaster.dev>" {
				t.Errorf("Maintainer = %q", m)
			}
		})
	}
}

// recompress rebuilds deb with its control.tar.gz recompressed as control.tar<ext>.
func recompress(t *testing.T, deb []byte, ext string) []byte {
	t.Helper()
	members := readArMembers(t, deb)
	for i, m := range members {
		if m.name != "control.tar.gz" {
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(m.data))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		var w io.WriteCloser
		switch ext {
		case "":
			b.Write(raw)
		case ".xz":
			w, err = xz.NewWriter(&b)
		case ".zst":
			w, err = zstd.NewWriter(&b)
		}
		if err != nil {
			t.Fatal(err)
		}
		if w != nil {
			w.Write(raw)
			w.Close()
		}
		members[i] = arMember{name: "control.tar" + ext, data: b.Bytes()}
	}
	return writeAr(members...)
}

func TestInspectControlCompressions(t *testing.T) {
	deb := makeDeb(t, "ringtest", "1.0", "amd64", "xz")
	for _, ext := range []string{"", ".xz", ".zst"} {
		t.Run("control.tar"+ext, func(t *testing.T) {
			p, err := Inspect(recompress(t, deb, ext))
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != "ringtest" || p.Version != "1.0.0" || p.Architecture != "amd64" {
				t.Fatalf("Inspect = %+v", p)
			}
		})
	}
}

func controlTarGz(t *testing.T, control string, name string) []byte {
	t.Helper()
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(control)), Typeflag: tar.TypeReg})
	tw.Write([]byte(control))
	tw.Close()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(raw.Bytes())
	zw.Close()
	return b.Bytes()
}

func TestInspectErrors(t *testing.T) {
	good := makeDeb(t, "ringtest", "1.0", "all", "gzip")
	members := readArMembers(t, good)
	data := members[2]
	if !strings.HasPrefix(data.name, "data.tar") {
		t.Fatalf("nfpm member order: %v", data.name)
	}
	corruptData := append([]byte(nil), data.data...)
	for i := len(corruptData) / 3; i < len(corruptData)/3+8; i++ {
		corruptData[i] ^= 0xff
	}
	ctl := func(text string) []byte {
		return writeAr(members[0], arMember{"control.tar.gz", controlTarGz(t, text, "./control")}, data)
	}
	for _, c := range []struct {
		name string
		deb  []byte
		want string
	}{
		{"empty", nil, "not an ar archive"},
		{"not an ar archive", []byte("#!/bin/sh\necho this is not a package\n"), "not an ar archive"},
		{"truncated", good[:len(good)-100], "truncated"},
		{"corrupt data member", writeAr(members[0], members[1], arMember{data.name, corruptData}), data.name},
		{"first member not debian-binary", writeAr(members[1], members[0], data), "debian-binary"},
		{"format 3.0", writeAr(arMember{"debian-binary", []byte("3.0\n")}, members[1], data), "format version"},
		{"no control member", writeAr(members[0], data), "no control.tar"},
		{"no data member", writeAr(members[0], members[1]), "no data.tar"},
		{"corrupt control member", writeAr(members[0], arMember{"control.tar.gz", []byte("garbage")}, data), "control.tar.gz"},
		{"unknown control compression", writeAr(members[0], arMember{"control.tar.lz4", []byte("x")}, data), "unknown compression"},
		{"no control file", writeAr(members[0], arMember{"control.tar.gz", controlTarGz(t, "x", "./md5sums")}, data), "no control file"},
		{"control without Package", ctl("Version: 1.0\nArchitecture: all\n"), "package name"},
		{"control with bad version", ctl("Package: ringtest\nVersion: one\nArchitecture: all\n"), "version"},
		{"control with bad name", ctl("Package: Ring_Test\nVersion: 1.0\nArchitecture: all\n"), "package name"},
		{"control not deb822", ctl("Package ringtest\n"), "parse control"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Inspect(c.deb)
			if !errors.Is(err, ErrBadPackage) {
				t.Fatalf("Inspect error = %v, want ErrBadPackage", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("Inspect error = %q, want it to mention %q", err, c.want)
			}
		})
	}
}
