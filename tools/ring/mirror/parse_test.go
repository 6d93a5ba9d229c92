package mirror

import (
	"strings"
	"testing"
)

const h1 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
const h2 = "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447"

func TestParseRelease(t *testing.T) {
	good := "Origin: Ringmaster\nSuite: debian-12-nightly\nCodename: debian-12-nightly\nDate: Mon, 02 Jun 2025 12:00:00 UTC\n" +
		"Valid-Until: Mon, 09 Jun 2025 12:00:00 UTC\nAcquire-By-Hash: yes\nMD5Sum:\n d41d8cd98f00b204e9800998ecf8427e 0 main/binary-amd64/Packages\nSHA256:\n" +
		" " + h1 + "                0 main/binary-amd64/Packages\n " + strings.ToUpper(h2) + " 12 main/binary-amd64/Packages.gz\n"
	r, err := ParseRelease([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if r.Suite != "debian-12-nightly" || !r.AcquireByHash || r.ValidUntil.IsZero() || len(r.Files) != 2 {
		t.Fatalf("%+v", r)
	}
	if f := r.Files[1]; f.Path != "main/binary-amd64/Packages.gz" || f.Size != 12 || f.SHA256 != h2 {
		t.Fatalf("%+v", f)
	}
	for name, tc := range map[string]struct{ text, want string }{
		"no sha256":   {"Suite: x\nMD5Sum:\n d41d8cd98f00b204e9800998ecf8427e 0 Packages\n", "no SHA256"},
		"short hash":  {"Suite: x\nSHA256:\n abcd 0 main/Packages\n", "not a sha256"},
		"bad size":    {"Suite: x\nSHA256:\n " + h1 + " -1 main/Packages\n", "size"},
		"dotdot":      {"Suite: x\nSHA256:\n " + h1 + " 0 ../../etc/passwd\n", "leaves the repository"},
		"absolute":    {"Suite: x\nSHA256:\n " + h1 + " 0 /etc/passwd\n", "not a relative"},
		"fields":      {"Suite: x\nSHA256:\n " + h1 + " 0\n", "want <sha256> <size> <path>"},
		"twice":       {"Suite: x\nSHA256:\n " + h1 + " 0 a\n " + h1 + " 0 a\n", "listed twice"},
		"two stanzas": {"Suite: x\n\nSuite: y\n", "2 paragraphs"},
		"bad date":    {"Suite: x\nValid-Until: tomorrow\nSHA256:\n " + h1 + " 0 a\n", "Valid-Until"},
		"not deb822":  {"<html>oops</html>\n", "not a field"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseRelease([]byte(tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParsePackages(t *testing.T) {
	text := "Package: a\nVersion: 1.0\nArchitecture: amd64\nDescription: x\n long\n .\n more\nFilename: pool/main/a/a/a_1.0_amd64.deb\nSize: 10\nSHA256: " + h1 + "\n\n" +
		"# comment\nPackage: b\nVersion: 2\nFilename: pool/main/b/b/b_2_all.deb\nSize: 0\nSHA256: " + strings.ToUpper(h2) + "\n"
	pkgs, err := ParsePackages(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 2 || pkgs[0].Filename != "pool/main/a/a/a_1.0_amd64.deb" || pkgs[0].Size != 10 || pkgs[1].SHA256 != h2 {
		t.Fatalf("%+v", pkgs)
	}
	for name, tc := range map[string]struct{ text, want string }{
		"no sha256":    {"Package: a\nFilename: pool/a.deb\nSize: 1\nMD5sum: x\n", "no valid SHA256"},
		"no filename":  {"Package: a\nSize: 1\nSHA256: " + h1 + "\n", "no Filename"},
		"no package":   {"Filename: pool/a.deb\nSize: 1\nSHA256: " + h1 + "\n", "no Package"},
		"bad size":     {"Package: a\nFilename: pool/a.deb\nSize: big\nSHA256: " + h1 + "\n", "Size"},
		"escape":       {"Package: a\nFilename: ../../x.deb\nSize: 1\nSHA256: " + h1 + "\n", "leaves the repository"},
		"url":          {"Package: a\nFilename: http://evil/x.deb\nSize: 1\nSHA256: " + h1 + "\n", "URL"},
		"continuation": {" orphan\n", "continuation"},
		"dup field":    {"Package: a\nPackage: b\n", "twice"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParsePackages(strings.NewReader(tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func TestPackagesIndexesPrefersPlain(t *testing.T) {
	got := packagesIndexes([]IndexFile{
		{Path: "main/binary-amd64/Packages.xz"}, {Path: "main/binary-amd64/Packages.gz"}, {Path: "main/binary-amd64/Packages"},
		{Path: "main/binary-arm64/Packages.xz"}, {Path: "main/i18n/Translation-en"},
	})
	if len(got) != 2 || got[0].Path != "main/binary-amd64/Packages" || got[1].Path != "main/binary-arm64/Packages.xz" {
		t.Fatalf("%+v", got)
	}
	if p := byHashPath("main/binary-amd64/Packages.gz", h1); p != "main/binary-amd64/by-hash/SHA256/"+h1 {
		t.Fatal(p)
	}
}

func TestParseRepomd(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1</revision>
  <data type="primary"><checksum type="sha256">` + h1 + `</checksum><open-checksum type="sha256">` + h2 + `</open-checksum>
    <location href="repodata/` + h1 + `-primary.xml.gz"/><size>20</size><open-size>0</open-size></data>
  <data type="other"><checksum type="sha256">` + h2 + `</checksum><location href="repodata/other.xml.zst"/></data>
</repomd>`
	d, err := ParseRepomd([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(d) != 2 || d[0].Type != "primary" || d[0].SHA256 != h1 || d[0].Size != 20 || d[1].Size != -1 || d[1].Href != "repodata/other.xml.zst" {
		t.Fatalf("%+v", d)
	}
	for name, tc := range map[string]struct{ text, want string }{
		"sha1":     {strings.Replace(doc, `<checksum type="sha256">`+h1, `<checksum type="sha1">da39a3ee5e6b4b0d3255bfef95601890afd80709`, 1), "only sha256"},
		"xml:base": {strings.Replace(doc, `<location href`, `<location xml:base="http://evil/" href`, 1), "xml:base"},
		"absolute": {strings.Replace(doc, `href="repodata/other.xml.zst"`, `href="/etc/other"`, 1), "not a relative"},
		"empty":    {`<repomd></repomd>`, "no data"},
		"not xml":  {`<html>`, "repomd.xml"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseRepomd([]byte(tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParsePrimary(t *testing.T) {
	pkg := func(sum, href string) string {
		return `<package type="rpm"><name>ringtest</name><arch>x86_64</arch><version epoch="0" ver="1" rel="1"/>
  <checksum type="sha256" pkgid="YES">` + sum + `</checksum><summary>s</summary>
  <size package="42" installed="1" archive="1"/><location href="` + href + `"/><format><rpm:license>MIT</rpm:license></format></package>`
	}
	doc := func(p ...string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="1">` + strings.Join(p, "\n") + `</metadata>`
	}
	rpms, err := ParsePrimary(strings.NewReader(doc(pkg(h1, "../pool/r/ringtest/ringtest-1-1.x86_64.rpm"), pkg(h2, "Packages/b.rpm"))))
	if err != nil {
		t.Fatal(err)
	}
	if len(rpms) != 2 || rpms[0].Href != "../pool/r/ringtest/ringtest-1-1.x86_64.rpm" || rpms[0].Size != 42 || rpms[0].SHA256 != h1 || rpms[0].Name != "ringtest" {
		t.Fatalf("%+v", rpms)
	}
	for name, tc := range map[string]struct{ text, want string }{
		"md5":     {doc(strings.Replace(pkg(h1, "a.rpm"), `type="sha256"`, `type="md5"`, 1)), "only sha256"},
		"no href": {doc(pkg(h1, "")), "no location"},
		"bad sum": {doc(pkg("zz", "a.rpm")), "not a sha256"},
		"broken":  {doc(pkg(h1, "a.rpm")) + "<", "primary.xml"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParsePrimary(strings.NewReader(tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func TestPaths(t *testing.T) {
	base, err := dirURL("http://h:1/r/repos/yum/rocky-9")
	if err != nil || base.String() != "http://h:1/r/repos/yum/rocky-9/" {
		t.Fatal(base, err)
	}
	u, err := resolve(base, "../pool/r/x/x-1.0~rc1+b.rpm")
	if err != nil || u.Path != "/r/repos/yum/pool/r/x/x-1.0~rc1+b.rpm" {
		t.Fatal(u, err)
	}
	if _, err := resolve(base, "../../../../../etc/passwd"); err == nil {
		t.Fatal("escaped the server root")
	}
	if c := commonDir("/r/repos/yum/rocky-9/", "/r/repos/yum/pool/r/x/a.rpm", "/r/repos/yum/rocky-9/repodata/x"); c != "/r/repos/yum/" {
		t.Fatal(c)
	}
	if p := parentDir("/a/b/"); p != "/a/" {
		t.Fatal(p)
	}
	if p := parentDir("/a/"); p != "/" {
		t.Fatal(p)
	}
	if p := parentDir("/"); p != "" {
		t.Fatal(p)
	}
	if _, err := dirURL("ftp://x/"); err == nil {
		t.Fatal("ftp accepted")
	}
}

func TestHashError(t *testing.T) {
	err := checkBytes("dists/x/InRelease", []byte("abc"), h1, 3)
	var he *HashError
	if !asHashError(err, &he) || !strings.Contains(err.Error(), "expected "+h1) || !strings.Contains(err.Error(), "got ba7816bf") {
		t.Fatalf("%v", err)
	}
	if checkBytes("x", nil, h1, 0) != nil {
		t.Fatal("empty file with the empty hash refused")
	}
	if checkBytes("x", nil, h1, 1) == nil {
		t.Fatal("wrong size accepted")
	}
}
