package apt

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
)

// makeDeb builds a real .deb with nfpm: a fresh nfpm.Info per package, one
// file at /usr/share/<name>/VERSION holding version.
func makeDeb(t testing.TB, name, version, arch, dataCompression string) []byte {
	t.Helper()
	src := filepath.Join(t.TempDir(), "VERSION")
	if err := os.WriteFile(src, []byte(version+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	info := nfpm.WithDefaults(&nfpm.Info{
		Name:        name,
		Arch:        arch,
		Platform:    "linux",
		Version:     version,
		Section:     "utils",
		Priority:    "optional",
		Maintainer:  "Ringmaster Tests <tests@ringmaster.dev>",
		Description: "Ringmaster test package\nIt installs one file.\n\nThat file holds the version.",
		Homepage:    "https://ringmaster.dev/",
		MTime:       time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Overridables: nfpm.Overridables{
			Contents: files.Contents{{Source: src, Destination: "/usr/share/" + name + "/VERSION"}},
			Deb:      nfpm.Deb{Compression: dataCompression},
		},
	})
	p, err := nfpm.Get("deb")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := p.Package(info, &b); err != nil {
		t.Fatalf("nfpm: %v", err)
	}
	return b.Bytes()
}

type arMember struct {
	name string
	data []byte
}

// writeAr writes a System V / GNU ar archive as dpkg-deb does.
func writeAr(members ...arMember) []byte {
	var b bytes.Buffer
	b.WriteString("!<arch>\n")
	for _, m := range members {
		fmt.Fprintf(&b, "%-16s%-12d%-6d%-6d%-8s%-10d`\n", m.name, 0, 0, 0, "100644", len(m.data))
		b.Write(m.data)
		if len(m.data)%2 == 1 {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// readArMembers splits an ar archive (the test's own reader, to rebuild debs).
func readArMembers(t testing.TB, deb []byte) []arMember {
	t.Helper()
	var out []arMember
	b := deb[8:]
	for len(b) >= 60 {
		var size int
		fmt.Sscan(string(b[48:58]), &size)
		name := string(bytes.TrimRight(b[:16], " "))
		out = append(out, arMember{name: name, data: b[60 : 60+size]})
		b = b[60+size+size%2:]
	}
	return out
}
