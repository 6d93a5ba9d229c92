package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestLayerTar(t *testing.T) {
	src := filepath.Join(t.TempDir(), "ring")
	if err := os.WriteFile(src, []byte("#!/bin/sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	l := Layer{Files: []File{{Source: src, Dest: "/usr/local/bin/ring", Mode: 0o755}, {Source: src, Dest: "/usr/local/bin/tester", Mode: 0o755}}}
	if err := l.writeTar(&buf); err != nil {
		t.Fatal(err)
	}
	var got []string
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, h.Name)
		if h.Typeflag == tar.TypeReg && (h.Mode != 0o755 || h.Uid != 0 || h.Size != 10) {
			t.Errorf("%s: mode %o uid %d size %d, want 0755, root, 10 bytes", h.Name, h.Mode, h.Uid, h.Size)
		}
	}
	want := []string{"usr/", "usr/local/", "usr/local/bin/", "usr/local/bin/ring", "usr/local/bin/tester"}
	if !slices.Equal(got, want) {
		t.Errorf("tar holds %q, want %q (each parent once, before its files)", got, want)
	}

	bad := Layer{Files: []File{{Source: src, Dest: "usr/bin/ring", Mode: 0o755}}}
	if err := bad.writeTar(io.Discard); !errors.Is(err, ErrBuild) {
		t.Errorf("a relative destination: %v, want ErrBuild", err)
	}
	missing := Layer{Files: []File{{Source: src + ".gone", Dest: "/ring", Mode: 0o755}}}
	if err := missing.writeTar(io.Discard); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing source: %v, want os.ErrNotExist", err)
	}
}
