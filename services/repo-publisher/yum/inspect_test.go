package yum

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"slices"
	"testing"
)

func TestInspectReadsNfpmRPM(t *testing.T) {
	dir := t.TempDir()
	_, kf := writeKey(t, dir, "inspect")
	b := makeRPM(t, dir, testRPM{
		name: "ringtest", version: "1.0", release: "2", epoch: "3", keyFile: kf,
		depends:   []string{"bash >= 4.0", "/etc/ringtest/conf", "ringdep"},
		provides:  []string{"ringtest-api = 2"},
		conflicts: []string{"oldring < 1"}, recommends: []string{"ringextra"},
	})
	p, err := Inspect(b, "../../pool/r/ringtest/ringtest.rpm")
	must(t, err)
	sum := sha256.Sum256(b)
	checks := []struct{ field, got, want string }{
		{"name", p.Name, "ringtest"},
		{"arch", p.Arch, "x86_64"},
		{"epoch", p.Epoch, "3"},
		{"version", p.Version, "1.0"},
		{"release", p.Release, "2"},
		{"checksum", p.Checksum, hex.EncodeToString(sum[:])},
		{"href", p.Href, "../../pool/r/ringtest/ringtest.rpm"},
		{"summary", p.Summary, "ringtest summary"},
		{"description", p.Description, "Ring test package.\nSecond line & <markup>."},
		{"packager", p.Packager, "Ringmaster CI"},
		{"url", p.URL, "https://example.com/ringtest"},
		{"license", p.License, "MIT"},
		{"vendor", p.Vendor, "Ringmaster"},
		{"group", p.Group, "Applications/System"},
		{"buildhost", p.BuildHost, "build.example.com"},
		{"sourcerpm", p.SourceRPM, "ringtest-1.0-2.src.rpm"},
		{"nevra", p.NEVRA(), "ringtest-3:1.0-2.x86_64"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if p.PackageSize != uint64(len(b)) || p.InstalledSize == 0 || p.ArchiveSize == 0 {
		t.Errorf("sizes: package %d (len %d), installed %d, archive %d", p.PackageSize, len(b), p.InstalledSize, p.ArchiveSize)
	}
	if p.BuildTime != testTime.Unix() || p.FileTime != p.BuildTime {
		t.Errorf("times: build %d file %d, want %d", p.BuildTime, p.FileTime, testTime.Unix())
	}
	// The main header starts after the 96-byte lead and the signature header.
	if p.HeaderStart <= 96 || p.HeaderEnd <= p.HeaderStart || p.HeaderEnd > uint64(len(b)) ||
		binary.BigEndian.Uint32(b[p.HeaderStart:]) != 0x8eade801 {
		t.Errorf("header range %d-%d", p.HeaderStart, p.HeaderEnd)
	}
	wantFiles := []File{
		{"/etc/ringtest/conf", FileRegular},
		{"/usr/bin/ringtest", FileRegular},
		{"/usr/share/ringtest/VERSION", FileRegular},
		{"/var/lib/ringtest", FileDir},
		{"/var/log/ringtest.log", FileGhost},
	}
	if !slices.Equal(p.Files, wantFiles) {
		t.Errorf("files = %v, want %v", p.Files, wantFiles)
	}
	names := func(ds []Dependency) (out []string) {
		for _, d := range ds {
			out = append(out, d.Name+" "+d.Flags+" "+d.Epoch+":"+d.Version+"-"+d.Release)
		}
		return out
	}
	depChecks := []struct {
		kind string
		got  []Dependency
		want []string
	}{
		// nfpm writes the self-provide without the epoch
		{"provides", p.Provides, []string{"ringtest-api EQ 0:2-", "ringtest EQ 0:1.0-2"}},
		// no rpmlib(…), no /etc/ringtest/conf (own primary file)
		{"requires", p.Requires, []string{"bash GE 0:4.0-", "ringdep  :-"}},
		{"conflicts", p.Conflicts, []string{"oldring LT 0:1-"}},
		{"recommends", p.Recommends, []string{"ringextra  :-"}},
	}
	for _, c := range depChecks {
		if got := names(c.got); !slices.Equal(got, c.want) {
			t.Errorf("%s = %q, want %q", c.kind, got, c.want)
		}
	}
}

func TestInspectUnsignedAndNoarch(t *testing.T) {
	b := makeRPM(t, t.TempDir(), testRPM{name: "ringlib", version: "2.0", release: "1", arch: "all"})
	p, err := Inspect(b, "ringlib.rpm")
	must(t, err)
	if p.Arch != "noarch" || p.Epoch != "0" || p.NEVRA() != "ringlib-2.0-1.noarch" {
		t.Errorf("arch %q epoch %q nevra %q", p.Arch, p.Epoch, p.NEVRA())
	}
}

func TestInspectRejectsCorruptRPM(t *testing.T) {
	good := makeRPM(t, t.TempDir(), testRPM{name: "ringtest", version: "1.0", release: "1"})
	p, err := Inspect(good, "x.rpm")
	must(t, err)
	mutate := func(f func(b []byte) []byte) []byte { return f(slices.Clone(good)) }
	cases := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"not an rpm", []byte("hello, this is not an rpm at all, definitely not one, no no no no no no no no no no no no no no no no no no no")},
		{"lead only", good[:96]},
		{"truncated signature header", good[:120]},
		{"truncated main header", good[:p.HeaderStart+40]},
		{"bad main header magic", mutate(func(b []byte) []byte { b[p.HeaderStart] ^= 0xff; return b })},
		{"huge entry count", mutate(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[p.HeaderStart+8:], 0x7fffffff)
			return b
		})},
		{"main header changed (sha256 mismatch)", mutate(func(b []byte) []byte { b[p.HeaderEnd-1] ^= 0x01; return b })},
		{"entry offset out of range", mutate(func(b []byte) []byte {
			// first index entry's offset field
			binary.BigEndian.PutUint32(b[p.HeaderStart+16+8:], 0x7ffffff0)
			return b
		})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Inspect(c.data, "x.rpm")
			if !errors.Is(err, ErrBadPackage) {
				t.Fatalf("err = %v, want ErrBadPackage", err)
			}
		})
	}
}

func TestSplitEVR(t *testing.T) {
	cases := []struct {
		in, e, v, r string
		ok          bool
	}{
		{"", "", "", "", true},
		{"1.0", "0", "1.0", "", true},
		{"1.0-2", "0", "1.0", "2", true},
		{"3:1.0-2", "3", "1.0", "2", true},
		{"3:1.0", "3", "1.0", "", true},
		{"1.0-2-3", "0", "1.0", "2-3", true},
		{"x:1.0", "", "", "", false},
	}
	for _, c := range cases {
		e, v, r, ok := splitEVR(c.in)
		if e != c.e || v != c.v || r != c.r || ok != c.ok {
			t.Errorf("splitEVR(%q) = %q %q %q %v, want %q %q %q %v", c.in, e, v, r, ok, c.e, c.v, c.r, c.ok)
		}
	}
}

func TestFlagString(t *testing.T) {
	cases := map[uint32]string{0: "", 2: "LT", 4: "GT", 8: "EQ", 10: "LE", 12: "GE", 8 | 1<<9: "EQ", 6: ""}
	for in, want := range cases {
		if got := flagString(in); got != want {
			t.Errorf("flagString(%#x) = %q, want %q", in, got, want)
		}
	}
}

func TestIsPrimaryFile(t *testing.T) {
	cases := map[string]bool{
		"/etc/foo": true, "/usr/bin/foo": true, "/usr/sbin/foo": true, "/opt/x/bin/y": true,
		"/usr/lib/sendmail": true, "/usr/share/foo": false, "/etc": false, "/usr/binx": false,
	}
	for in, want := range cases {
		if got := isPrimaryFile(in); got != want {
			t.Errorf("isPrimaryFile(%q) = %v", in, got)
		}
	}
}

func TestCompareLibc(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"libc.so.6(GLIBC_2.3)(64bit)", "libc.so.6(GLIBC_2.14)(64bit)", -1},
		{"libc.so.6(GLIBC_2.14)(64bit)", "libc.so.6(GLIBC_2.3)(64bit)", 1},
		{"libc.so.6", "libc.so.6(GLIBC_2.3)", -1},
		{"libc.so.6()(64bit)", "libc.so.6()(64bit)", 0},
	}
	for _, c := range cases {
		if got := compareLibc(c.a, c.b); got != c.want {
			t.Errorf("compareLibc(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
