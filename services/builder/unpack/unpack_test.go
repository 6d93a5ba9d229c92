package unpack

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// member is one entry of a test archive.
type member struct {
	name string
	typ  byte // tar type flag; 0: regular file
	body string
	link string
	mode int64
}

var mtime = time.Date(2020, 2, 2, 10, 0, 0, 0, time.UTC)

func file(name, body string) member {
	return member{name: name, typ: tar.TypeReg, body: body, mode: 0o644}
}
func dir(name string) member { return member{name: name, typ: tar.TypeDir, mode: 0o755} }
func symlink(name, to string) member {
	return member{name: name, typ: tar.TypeSymlink, link: to, mode: 0o777}
}
func hardlink(name, to string) member { return member{name: name, typ: tar.TypeLink, link: to} }

func tarBytes(t *testing.T, ms []member) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range ms {
		h := &tar.Header{Name: m.name, Typeflag: m.typ, Linkname: m.link, Mode: m.mode, ModTime: mtime, Format: tar.FormatPAX}
		if m.typ == tar.TypeXGlobalHeader { // as written by git archive
			h = &tar.Header{Typeflag: m.typ, PAXRecords: map[string]string{"comment": "0123abcd"}}
		}
		if m.typ == tar.TypeReg {
			h.Size = int64(len(m.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if m.typ == tar.TypeReg {
			if _, err := tw.Write([]byte(m.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zipBytes(t *testing.T, ms []member) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range ms {
		h := &zip.FileHeader{Name: m.name, Method: zip.Deflate, Modified: mtime}
		body := m.body
		switch m.typ {
		case tar.TypeDir:
			h.SetMode(fs.ModeDir | fs.FileMode(m.mode))
		case tar.TypeSymlink:
			h.SetMode(fs.ModeSymlink | 0o777)
			body = m.link
		default:
			h.SetMode(fs.FileMode(m.mode))
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// noEscape checks that nothing but dest (if wanted) exists in its parent.
func onlyDest(t *testing.T, parent string, wantDest bool) {
	t.Helper()
	ents, _ := os.ReadDir(parent)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := 0
	if wantDest {
		want = 1
	}
	if len(names) != want || (wantDest && names[0] != "dest") {
		t.Fatalf("dest parent holds %v", names)
	}
}

func TestMalicious(t *testing.T) {
	deep := strings.Repeat("d/", 60) + "f"
	cases := []struct {
		name    string
		members []member
		wantErr error
		entry   string // named in the error
	}{
		{"absolute path", []member{file("/tmp/evil", "x")}, ErrUnsafe, "/tmp/evil"},
		{"dotdot escape", []member{file("top/../../evil", "x")}, ErrUnsafe, "top/../../evil"},
		{"dotdot escape plain", []member{file("../evil", "x")}, ErrUnsafe, "../evil"},
		{"symlink escape then write through it", []member{symlink("top/out", "../.."), file("top/out/evil", "x")}, ErrUnsafe, "top/out"},
		{"absolute symlink", []member{symlink("top/etc", "/etc")}, ErrUnsafe, "top/etc"},
		{"write through inner symlink dir", []member{dir("top/"), dir("top/real/"), symlink("top/alias", "real"), file("top/alias/f", "x")}, ErrUnsafe, "top/alias/f"},
		{"symlink chain escape", []member{
			dir("a/"), dir("a/b/"), dir("a/b/c/"),
			symlink("a/b/c/up", "../.."),        // -> a (inside)
			symlink("a/b/c/esc", "up/../../.."), // lexically a/b, really ../..
		}, ErrUnsafe, "a/b/c/esc"},
		{"hardlink escape", []member{hardlink("top/passwd", "../../etc/passwd")}, ErrUnsafe, "top/passwd"},
		{"hardlink absolute", []member{hardlink("top/passwd", "/etc/passwd")}, ErrUnsafe, "top/passwd"},
		{"hardlink to missing", []member{hardlink("top/x", "top/nothing")}, ErrUnsafe, "top/x"},
		{"char device", []member{{name: "top/null", typ: tar.TypeChar, mode: 0o666}}, ErrUnsafe, "top/null"},
		{"fifo", []member{{name: "top/fifo", typ: tar.TypeFifo, mode: 0o666}}, ErrUnsafe, "top/fifo"},
		{"deep nesting is fine", []member{file(deep, "deep")}, nil, ""},
		{"inner symlinks are fine", []member{dir("top/"), file("top/a", "A"), symlink("top/b", "a"), dir("top/sub/"), symlink("top/sub/c", "../a"), hardlink("top/h", "top/a")}, nil, ""},
	}
	for _, tc := range cases {
		for _, format := range []string{"tar", "zip"} {
			if format == "zip" && strings.Contains(tc.name, "hardlink") || format == "zip" && (tc.name == "char device" || tc.name == "fifo") {
				continue
			}
			t.Run(format+"/"+tc.name, func(t *testing.T) {
				var data []byte
				if format == "tar" {
					data = tarBytes(t, tc.members)
				} else {
					data = zipBytes(t, tc.members)
				}
				archive := write(t, "a."+format, data)
				parent := t.TempDir()
				dest := filepath.Join(parent, "dest")
				err := Extract(context.Background(), archive, dest, Options{})
				if tc.wantErr == nil {
					if err != nil {
						t.Fatal(err)
					}
					onlyDest(t, parent, true)
					return
				}
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				var ue *UnsafeError
				if !errors.As(err, &ue) || ue.Entry != tc.entry {
					t.Fatalf("err %v does not name entry %q", err, tc.entry)
				}
				onlyDest(t, parent, false)
				if _, err := os.Lstat("/tmp/evil"); err == nil {
					t.Fatal("/tmp/evil was written")
				}
			})
		}
	}
}

func TestDeepNesting(t *testing.T) {
	deep := strings.Repeat("d/", 60) + "f"
	dest := filepath.Join(t.TempDir(), "dest")
	if err := Extract(context.Background(), write(t, "a.tar", tarBytes(t, []member{file(deep, "deep")})), dest, Options{StripComponents: StripNone}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dest, deep)); err != nil || string(b) != "deep" {
		t.Fatalf("%q %v", b, err)
	}
}

// upstream is a typical release tarball: one top directory.
func upstream() []member {
	exe := file("proj-1.0/configure", "#!/bin/sh\n")
	exe.mode = 0o755
	ro := file("proj-1.0/src/readonly.h", "ro\n")
	ro.mode = 0o444
	return []member{
		{name: "pax_global_header", typ: tar.TypeXGlobalHeader},
		dir("proj-1.0/"), exe, dir("proj-1.0/src/"), file("proj-1.0/src/main.c", "int main(){}\n"), ro,
		symlink("proj-1.0/src/link.c", "main.c"), hardlink("proj-1.0/src/hard.c", "proj-1.0/src/main.c"),
	}
}

func compress(t *testing.T, format string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	switch format {
	case "tar":
		return data
	case "tar.gz":
		w := gzip.NewWriter(&buf)
		_, _ = w.Write(data)
		_ = w.Close()
	case "tar.xz":
		w, err := xz.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(data)
		_ = w.Close()
	case "tar.zst":
		w, err := zstd.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(data)
		_ = w.Close()
	case "tar.bz2":
		if _, err := exec.LookPath("bzip2"); err != nil {
			t.Skip("bzip2 not installed")
		}
		cmd := exec.Command("bzip2", "-c")
		cmd.Stdin = bytes.NewReader(data)
		cmd.Stdout = &buf
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func TestUpstreamTarball(t *testing.T) {
	for _, format := range []string{"tar", "tar.gz", "tar.xz", "tar.bz2", "tar.zst", "zip"} {
		t.Run(format, func(t *testing.T) {
			ms := upstream()
			var data []byte
			if format == "zip" {
				data = zipBytes(t, ms[1:len(ms)-1]) // no pax header, no hardlink
			} else {
				data = compress(t, format, tarBytes(t, ms))
			}
			// A misleading name: detection goes by magic bytes.
			archive := write(t, "source.bin", data)
			if got, err := Detect(archive); err != nil || string(got) != format {
				t.Fatalf("Detect = %v, %v", got, err)
			}
			dest := filepath.Join(t.TempDir(), "dest")
			if err := Extract(context.Background(), archive, dest, Options{}); err != nil {
				t.Fatal(err)
			}
			check := func(rel string, mode fs.FileMode, body string) {
				t.Helper()
				p := filepath.Join(dest, rel)
				fi, err := os.Lstat(p)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode() != mode {
					t.Errorf("%s: mode %v, want %v", rel, fi.Mode(), mode)
				}
				if mode&fs.ModeSymlink == 0 && !fi.ModTime().Equal(mtime) {
					t.Errorf("%s: mtime %v, want %v", rel, fi.ModTime(), mtime)
				}
				if body != "" {
					if b, _ := os.ReadFile(p); string(b) != body {
						t.Errorf("%s: %q, want %q", rel, b, body)
					}
				}
			}
			check(".", fs.ModeDir|0o755, "")
			check("configure", 0o755, "#!/bin/sh\n")
			check("src", fs.ModeDir|0o755, "")
			check("src/main.c", 0o644, "int main(){}\n")
			check("src/readonly.h", 0o444, "ro\n")
			check("src/link.c", fs.ModeSymlink|0o777, "int main(){}\n")
			if format != "zip" {
				check("src/hard.c", 0o644, "int main(){}\n")
			}
		})
	}
}

func TestStripAndEpoch(t *testing.T) {
	archive := write(t, "a.tar", tarBytes(t, upstream()))
	epoch := time.Unix(1700000000, 0)

	dest := filepath.Join(t.TempDir(), "dest")
	if err := Extract(context.Background(), archive, dest, Options{StripComponents: StripNone, Epoch: epoch}); err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"proj-1.0", "proj-1.0/configure", "proj-1.0/src/main.c"} {
		fi, err := os.Stat(filepath.Join(dest, rel))
		if err != nil || !fi.ModTime().Equal(epoch) {
			t.Fatalf("%s: %v %v", rel, fi, err)
		}
	}

	dest2 := filepath.Join(t.TempDir(), "dest")
	if err := Extract(context.Background(), archive, dest2, Options{StripComponents: 2}); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dest2)
	if len(ents) != 4 { // main.c readonly.h link.c hard.c
		t.Fatalf("strip 2: %v", ents)
	}

	// Two top-level entries: auto strips nothing.
	mixed := write(t, "b.tar", tarBytes(t, []member{file("a/x", "x"), file("README", "r")}))
	dest3 := filepath.Join(t.TempDir(), "dest")
	if err := Extract(context.Background(), mixed, dest3, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dest3, "a", "x")); err != nil {
		t.Fatal(err)
	}
}

func TestAutoStripRechecksSymlinks(t *testing.T) {
	// top/a -> ../top/b stays inside the archive but would point out of dest
	// once top/ is stripped.
	archive := write(t, "a.tar", tarBytes(t, []member{file("top/b", "b"), symlink("top/a", "../top/b")}))
	parent := t.TempDir()
	err := Extract(context.Background(), archive, filepath.Join(parent, "dest"), Options{})
	if !errors.Is(err, ErrUnsafe) {
		t.Fatalf("err = %v", err)
	}
	onlyDest(t, parent, false)
	// Without stripping it is fine.
	if err := Extract(context.Background(), archive, filepath.Join(parent, "dest"), Options{StripComponents: StripNone}); err != nil {
		t.Fatal(err)
	}
}

func TestLimits(t *testing.T) {
	big := write(t, "a.tar", tarBytes(t, []member{file("top/a", strings.Repeat("x", 1000)), file("top/b", strings.Repeat("y", 1000))}))
	parent := t.TempDir()
	dest := filepath.Join(parent, "dest")
	if err := Extract(context.Background(), big, dest, Options{MaxBytes: 1500}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("bytes: %v", err)
	}
	if err := Extract(context.Background(), big, dest, Options{MaxFiles: 1}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("files: %v", err)
	}
	onlyDest(t, parent, false)
	if err := Extract(context.Background(), big, dest, Options{MaxBytes: 2000, MaxFiles: 2}); err != nil {
		t.Fatal(err)
	}
}

func TestDestAndFormat(t *testing.T) {
	archive := write(t, "a.tar", tarBytes(t, upstream()))
	full := t.TempDir()
	_ = os.WriteFile(filepath.Join(full, "x"), nil, 0o644)
	if err := Extract(context.Background(), archive, full, Options{}); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("non-empty dest: %v", err)
	}
	empty := t.TempDir()
	if err := Extract(context.Background(), archive, empty, Options{}); err != nil {
		t.Fatalf("empty dest: %v", err)
	}
	junk := write(t, "a.tar.gz", []byte("this is not an archive at all, not even close to 512 bytes"))
	if err := Extract(context.Background(), junk, filepath.Join(t.TempDir(), "d"), Options{}); !errors.Is(err, ErrFormat) {
		t.Fatalf("junk: %v", err)
	}
	notTar := write(t, "a.gz", compress(t, "tar.gz", []byte(strings.Repeat("plain text\n", 100))))
	parent := t.TempDir()
	if err := Extract(context.Background(), notTar, filepath.Join(parent, "d"), Options{}); !errors.Is(err, ErrFormat) {
		t.Fatalf("gzip of text: %v", err)
	}
	onlyDest(t, parent, false)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Extract(ctx, archive, filepath.Join(t.TempDir(), "d"), Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}
