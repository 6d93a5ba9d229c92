//go:build integration

package yum

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestDnfRefusesTampering: each case breaks one link of the chain of trust
// and dnf (gpgcheck=1, repo_gpgcheck=1) must install nothing.
func TestDnfRefusesTampering(t *testing.T) {
	cases := []struct {
		name string
		// rpm returns the package to publish; tamper changes the published repo.
		unsigned, otherKeyRPM, otherKeyRepo bool
		tamper                              func(t *testing.T, f *repoFixture)
		want                                string // regexp on dnf's output
	}{
		{
			name: "primary.xml.gz changed",
			tamper: func(t *testing.T, f *repoFixture) {
				p := indexPath(t, f, "primary")
				x := gunzip(t, readFileBytes(t, p))
				x = bytes.Replace(x, []byte("ringtest summary"), []byte("evil summary!!!!"), 1)
				var buf bytes.Buffer
				zw := gzip.NewWriter(&buf)
				_, _ = zw.Write(x)
				must(t, zw.Close())
				write(t, p, buf.Bytes(), 0o644)
			},
			want: `checksum doesn.t match`,
		},
		{
			name: "repomd.xml changed after signing",
			tamper: func(t *testing.T, f *repoFixture) {
				p := filepath.Join(f.repo, RepomdPath)
				md := readFileBytes(t, p)
				md = regexp.MustCompile(`<revision>\d+</revision>`).ReplaceAll(md, []byte("<revision>1</revision>"))
				write(t, p, md, 0o644)
			},
			want: `repomd.xml GPG signature verification error`,
		},
		{
			name: "repomd.xml.asc missing",
			tamper: func(t *testing.T, f *repoFixture) {
				must(t, os.Remove(filepath.Join(f.repo, RepomdSigPath)))
			},
			want: `GPG signature is not available`,
		},
		{name: "unsigned rpm", unsigned: true, want: `ringtest-1.0-1.x86_64.rpm is not signed`},
		{name: "rpm signed by another key", otherKeyRPM: true, want: `Public key for ringtest-1.0-1.x86_64.rpm is not installed`},
		{name: "gpgkey is another key", otherKeyRepo: true, want: `repomd.xml GPG signature verification error`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newRepoFixture(t)
			r := testRPM{name: "ringtest", version: "1.0", release: "1", keyFile: f.keyFile}
			if c.unsigned {
				r.keyFile = ""
			}
			if c.otherKeyRPM {
				_, r.keyFile = writeKey(t, f.dir, "intruder")
			}
			f.publish(map[string][]byte{poolPath("ringtest", "1.0"): makeRPM(t, f.dir, r)})
			if c.tamper != nil {
				c.tamper(t, f)
			}
			gpgkey := f.pub
			if c.otherKeyRepo {
				other, _ := writeKey(t, f.dir, "stranger")
				pub, err := other.PublicArmored()
				must(t, err)
				gpgkey = filepath.Join(f.dir, "stranger.asc")
				write(t, gpgkey, pub, 0o644)
			}
			root, reposdir := f.installroot(gpgkey)
			out, err := f.dnf(root, reposdir, "install", "ringtest")
			if err == nil {
				t.Fatalf("dnf install succeeded, want refusal")
			}
			if _, statErr := os.Stat(filepath.Join(root, "usr/share/ringtest/VERSION")); statErr == nil {
				t.Fatalf("package was installed")
			}
			if !regexp.MustCompile(c.want).MatchString(out) {
				t.Errorf("dnf output does not match %q", c.want)
			}
		})
	}
}

func indexPath(t *testing.T, f *repoFixture, kind string) string {
	t.Helper()
	md := string(readFileBytes(t, filepath.Join(f.repo, RepomdPath)))
	m := regexp.MustCompile(`href="(repodata/[0-9a-f]{64}-` + kind + `\.xml\.gz)"`).FindStringSubmatch(md)
	if m == nil {
		t.Fatalf("no %s in repomd.xml", kind)
	}
	return filepath.Join(f.repo, m[1])
}
