//go:build integration

package main_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"ringmaster.dev/builder/packaging"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/signing"
)

// ringMirror runs `ring mirror` against the platform in home and returns
// its combined output and exit code.
func ringMirror(t *testing.T, home string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ringBin, append([]string{"mirror", "--quiet"}, args...)...)
	cmd.Env = append(os.Environ(), "RING_HOME="+home, "RING_NATS_URL=")
	out, err := cmd.CombinedOutput()
	if err != nil && cmd.ProcessState == nil {
		t.Fatal(err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

// copyTree copies a mirror so a test can damage the copy.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", src+"/.", dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
}

// TestMirrorAPTAndYUM: publish deb+rpm, mirror both repositories with the
// real binary, verify a no-op second run, refuse tampered sources and a
// wrong key, survive SIGKILL, and install from the mirror with apt-get.
func TestMirrorAPTAndYUM(t *testing.T) {
	t0 := time.Now()
	home := t.TempDir()
	_, _, endpoints := up(t, home)
	dir := t.TempDir()
	deb1, rpm1 := buildPkg(t, dir, "1.0.0", packaging.Deb, ""), buildPkg(t, dir, "1.0.0", packaging.RPM, "")
	if out, err := ring(t, home, "repo", "publish", "--channel", "nightly", "--distro", "debian-12", "--distro", "rockylinux-9", deb1, rpm1); err != nil {
		t.Fatalf("publish: %v\n%s", err, out)
	}
	armored, err := ring(t, home, "repo", "key")
	if err != nil {
		t.Fatal(err)
	}
	keyAsc := filepath.Join(dir, "ringmaster.asc")
	_ = os.WriteFile(keyAsc, []byte(armored), 0o644)
	binary, _ := ring(t, home, "repo", "key", "--binary")
	keyGpg := filepath.Join(dir, "ringmaster.gpg")
	_ = os.WriteFile(keyGpg, []byte(binary), 0o644)

	sources, err := ring(t, home, "repo", "sources", "--channel", "nightly", "--distro", "debian-12")
	if err != nil {
		t.Fatal(err)
	}
	var aptURL, yumURL string
	for _, l := range strings.Split(sources, "\n") {
		if u, ok := strings.CutPrefix(l, "URIs: "); ok {
			aptURL = u
		}
	}
	repoFile, err := ring(t, home, "repo", "sources", "--channel", "nightly", "--distro", "rockylinux-9")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(repoFile, "\n") {
		if u, ok := strings.CutPrefix(l, "baseurl="); ok {
			yumURL = u
		}
	}
	t.Logf("platform up and v1 published in %s", time.Since(t0).Round(time.Millisecond))
	const suite = "debian-12-nightly"

	// APT: a full mirror, then a run that fetches nothing.
	aptDst := filepath.Join(t.TempDir(), "apt")
	t1 := time.Now()
	out, code := ringMirror(t, home, aptURL, "--suite", suite, "--keyring", keyAsc, aptDst)
	if code != 0 || !strings.Contains(out, "announced mirror.synced") || strings.Contains(out, " 0 fetched") {
		t.Fatalf("mirror apt (exit %d):\n%s", code, out)
	}
	t.Logf("apt mirror in %s:\n%s", time.Since(t1).Round(time.Millisecond), out)
	debs, _ := filepath.Glob(filepath.Join(aptDst, "pool", "*", "*", "*", "ringtest_1.0.0*.deb"))
	if len(debs) != 1 {
		lst, _ := exec.Command("find", aptDst).CombinedOutput()
		t.Logf("%s", lst)
	}
	if len(debs) != 1 {
		t.Fatalf("no deb in the mirror: %v", debs)
	}
	inRelease := filepath.Join(aptDst, "dists", suite, "InRelease")
	if !bytes.Equal(httpGet(t, aptURL+"/dists/"+suite+"/InRelease"), mustRead(t, inRelease)) {
		t.Fatal("InRelease differs from the source")
	}
	if out, err := exec.Command("gpgv", "--keyring", keyGpg, inRelease).CombinedOutput(); err != nil {
		t.Fatalf("gpgv: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(aptDst, ".partial")); !os.IsNotExist(err) {
		t.Fatal(".partial left behind")
	}
	if out, code := ringMirror(t, home, aptURL, "--suite", suite, "--keyring", keyGpg, aptDst); code != 0 || !strings.Contains(out, " 0 fetched") {
		t.Fatalf("second apt run (exit %d):\n%s", code, out)
	}

	// YUM: repodata beside the shared pool, as in the bucket.
	yumDst := filepath.Join(t.TempDir(), "yum")
	t1 = time.Now()
	out, code = ringMirror(t, home, yumURL, "--keyring", keyAsc, yumDst)
	if code != 0 || !strings.Contains(out, "baseurl=file://"+yumDst+"/rockylinux-9-nightly") {
		t.Fatalf("mirror yum (exit %d):\n%s", code, out)
	}
	t.Logf("yum mirror in %s:\n%s", time.Since(t1).Round(time.Millisecond), out)
	rpms, _ := filepath.Glob(filepath.Join(yumDst, "pool", "*", "*", "ringtest-1.0.0*.rpm"))
	if len(rpms) != 1 {
		out, _ := exec.Command("find", yumDst).CombinedOutput()
		t.Fatalf("no rpm in the mirror:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(yumDst, "rockylinux-9-nightly", "repodata", "repomd.xml.asc")); err != nil {
		t.Fatal(err)
	}
	if out, code := ringMirror(t, home, yumURL, "--format", "yum", "--keyring", keyAsc, yumDst); code != 0 || !strings.Contains(out, " 0 fetched") {
		t.Fatalf("second yum run (exit %d):\n%s", code, out)
	}

	// Tampered sources: a copy of the mirror served over HTTP, damaged.
	serveDir := func(d string) string {
		srv := httptest.NewServer(http.FileServer(http.Dir(d)))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	t.Run("tampered by-hash Packages", func(t *testing.T) {
		bad := t.TempDir()
		copyTree(t, aptDst, bad)
		plain := mustRead(t, filepath.Join(bad, "dists", suite, "main", "binary-amd64", "Packages"))
		sum := sha256hex(plain)
		p := filepath.Join(bad, "dists", suite, "main", "binary-amd64", "by-hash", "SHA256", sum)
		_ = os.WriteFile(p, bytes.Replace(plain, []byte("Version: 1.0.0"), []byte("Version: 6.6.6"), 1), 0o644)
		dst := t.TempDir()
		out, code := ringMirror(t, home, serveDir(bad), "--suite", suite, "--keyring", keyAsc, dst)
		if code != 3 || !strings.Contains(out, "by-hash/SHA256/"+sum) || !strings.Contains(out, "expected "+sum) || !strings.Contains(out, "mirror refused") {
			t.Fatalf("tampered Packages (exit %d):\n%s", code, out)
		}
		if _, err := os.Stat(filepath.Join(dst, "dists")); !os.IsNotExist(err) {
			t.Fatal("indexes written after a failed verification")
		}
	})
	t.Run("tampered InRelease", func(t *testing.T) {
		bad := t.TempDir()
		copyTree(t, aptDst, bad)
		p := filepath.Join(bad, "dists", suite, "InRelease")
		_ = os.WriteFile(p, bytes.Replace(mustRead(t, p), []byte("Suite: "+suite), []byte("Suite: "+suite+"-evil"), 1), 0o644)
		out, code := ringMirror(t, home, serveDir(bad), "--suite", suite, "--keyring", keyAsc, t.TempDir())
		if code != 3 || !strings.Contains(out, "InRelease: bad signature") {
			t.Fatalf("tampered InRelease (exit %d):\n%s", code, out)
		}
	})
	t.Run("tampered rpm", func(t *testing.T) {
		bad := t.TempDir()
		copyTree(t, yumDst, bad)
		_ = os.WriteFile(filepath.Join(bad, strings.TrimPrefix(rpms[0], yumDst)), []byte("not the rpm"), 0o644)
		out, code := ringMirror(t, home, serveDir(bad)+"/rockylinux-9-nightly", "--keyring", keyAsc, t.TempDir())
		if code != 3 || !strings.Contains(out, filepath.Base(rpms[0])+": sha256 mismatch") {
			t.Fatalf("tampered rpm (exit %d):\n%s", code, out)
		}
	})
	t.Run("wrong keyring", func(t *testing.T) {
		other, err := signing.Generate("Someone Else", "else@example.org", time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := other.PublicArmored()
		wrong := filepath.Join(t.TempDir(), "wrong.asc")
		_ = os.WriteFile(wrong, pub, 0o644)
		for _, args := range [][]string{{aptURL, "--suite", suite}, {yumURL}} {
			dst := t.TempDir()
			out, code := ringMirror(t, home, append(args, "--keyring", wrong, dst)...)
			if code != 3 || !strings.Contains(out, "bad signature") {
				t.Fatalf("wrong key (exit %d):\n%s", code, out)
			}
			if entries, _ := os.ReadDir(dst); len(entries) != 0 {
				t.Fatalf("files written with a wrong key: %v", entries)
			}
		}
	})

	// SIGKILL mid-download: the .deb trickles out and stalls the first time.
	t.Run("killed and resumed", func(t *testing.T) {
		var debRequests, ranges atomic.Int64
		fs := http.FileServer(http.Dir(aptDst))
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Range") != "" {
				ranges.Add(1)
			}
			if strings.HasSuffix(r.URL.Path, ".deb") && debRequests.Add(1) == 1 {
				b := mustRead(t, filepath.Join(aptDst, filepath.FromSlash(r.URL.Path)))
				w.Header().Set("Content-Length", itoa(len(b)))
				_, _ = w.Write(b[:len(b)/2])
				w.(http.Flusher).Flush()
				<-r.Context().Done() // stall until the client dies
				return
			}
			fs.ServeHTTP(w, r)
		}))
		defer srv.Close()
		dst := t.TempDir()
		cmd := exec.Command(ringBin, "mirror", srv.URL, "--suite", suite, "--keyring", keyAsc, dst)
		cmd.Env = append(os.Environ(), "RING_HOME="+home, "RING_NATS_URL=")
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		partial := ""
		for deadline := time.Now().Add(30 * time.Second); partial == ""; {
			if m, _ := filepath.Glob(filepath.Join(dst, ".partial", "[0-9a-f]*")); len(m) > 0 && debRequests.Load() > 0 {
				for _, f := range m {
					if st, err := os.Stat(f); err == nil && st.Size() > 0 && len(filepath.Base(f)) == 64 {
						if bytes.HasPrefix(mustRead(t, debs[0]), mustRead(t, f)) {
							partial = f
						}
					}
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("no partial deb download:\n%s", buf.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		if _, err := os.Stat(filepath.Join(dst, "dists", suite, "InRelease")); !os.IsNotExist(err) {
			t.Fatal("InRelease written before the packages")
		}
		if d, _ := filepath.Glob(filepath.Join(dst, "pool", "*", "*", "*", "*.deb")); len(d) != 0 {
			t.Fatalf("unverified deb at its final path: %v", d)
		}
		out, code := ringMirror(t, home, srv.URL, "--suite", suite, "--keyring", keyAsc, dst)
		if code != 0 {
			t.Fatalf("resume (exit %d):\n%s", code, out)
		}
		if ranges.Load() == 0 {
			t.Fatalf("the partial download was not resumed with a Range request:\n%s", out)
		}
		for _, rel := range []string{"dists/" + suite + "/InRelease", strings.TrimPrefix(debs[0], aptDst+"/")} {
			if !bytes.Equal(mustRead(t, filepath.Join(dst, rel)), mustRead(t, filepath.Join(aptDst, rel))) {
				t.Fatalf("%s differs after resume", rel)
			}
		}
		if out, err := exec.Command("gpgv", "--keyring", keyGpg, filepath.Join(dst, "dists", suite, "InRelease")).CombinedOutput(); err != nil {
			t.Fatalf("gpgv: %v\n%s", err, out)
		}

		// Bonus: stock apt-get installs from the resumed mirror.
		mirrorURL := serveDir(dst)
		apt := aptRoot(t, "Types: deb\nURIs: "+mirrorURL+"\nSuites: "+suite+"\nComponents: main\nSigned-By: "+keyGpg+"\n")
		if out, err := apt("update"); err != nil {
			t.Fatalf("apt-get update from the mirror: %v\n%s", err, out)
		}
		if got, err := apt("install", "ringtest"); err != nil || got != "1.0.0" {
			t.Fatalf("apt-get install from the mirror: %v: %s", err, got)
		}
	})

	// S3 destination (ring up's server), then --follow picks up a publish.
	t.Run("s3 and follow", func(t *testing.T) {
		s3 := "s3://" + endpoints.Bucket + "/mirrors/apt"
		if out, code := ringMirror(t, home, aptURL, "--suite", suite, "--keyring", keyAsc, s3); code != 0 || !strings.Contains(out, "0 already there") {
			t.Fatalf("mirror to s3 (exit %d):\n%s", code, out)
		}
		if out, code := ringMirror(t, home, aptURL, "--suite", suite, "--keyring", keyAsc, s3); code != 0 || !strings.Contains(out, " 0 fetched") {
			t.Fatalf("second s3 run (exit %d):\n%s", code, out)
		}

		dst := t.TempDir()
		cmd := exec.Command(ringBin, "mirror", "--quiet", "--follow", aptURL, "--suite", suite, "--keyring", keyAsc, dst)
		cmd.Env = append(os.Environ(), "RING_HOME="+home, "RING_NATS_URL=")
		var buf syncBuffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cmd.Process.Kill() }()
		waitFor(t, &buf, "following")
		deb2, rpm2 := buildPkg(t, dir, "2.0.0", packaging.Deb, ""), buildPkg(t, dir, "2.0.0", packaging.RPM, "")
		if out, err := ring(t, home, "repo", "publish", "--channel", "nightly", "--distro", "debian-12", "--distro", "rockylinux-9", deb2, rpm2); err != nil {
			t.Fatalf("publish v2: %v\n%s", err, out)
		}
		waitFor(t, &buf, "repo.published channel nightly")
		for deadline := time.Now().Add(30 * time.Second); strings.Count(buf.String(), "announced mirror.synced") < 2; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no re-sync after repo.published:\n%s", buf.String())
			}
		}
		if d, _ := filepath.Glob(filepath.Join(dst, "pool", "*", "*", "*", "ringtest_2.0.0*.deb")); len(d) != 1 {
			t.Fatalf("v2 not mirrored:\n%s", buf.String())
		}
		_ = cmd.Process.Signal(syscall.SIGINT)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("--follow did not stop cleanly on SIGINT: %v\n%s", err, buf.String())
		}

		// The S3 mirror after v2, pruning at once: the previous indexes'
		// by-hash objects leave the bucket; everything left is on the source.
		// A negative grace is refused before the destination is touched.
		never := filepath.Join(t.TempDir(), "never")
		if out, code := ringMirror(t, home, aptURL, "--suite", suite, "--keyring", keyAsc, "--prune", "--prune-after", "-1h", never); code == 0 || !strings.Contains(out, "--prune-after -1h0m0s: want a duration ≥ 0") {
			t.Fatalf("--prune-after -1h (exit %d):\n%s", code, out)
		}
		if _, err := os.Stat(never); !os.IsNotExist(err) {
			t.Errorf("a refused mirror made its destination: %v", err)
		}
		out, code := ringMirror(t, home, aptURL, "--suite", suite, "--keyring", keyAsc, "--prune", "--prune-after", "0", s3)
		if code != 0 || !regexp.MustCompile(`[1-9][0-9]* files the source no longer lists deleted, 0 kept`).MatchString(out) {
			t.Fatalf("pruning sync to s3 (exit %d):\n%s", code, out)
		}
		ctx := context.Background()
		store, err := blob.Open(ctx, blobConfig(t, home))
		if err != nil {
			t.Fatal(err)
		}
		var byHash int
		for info, err := range store.List(ctx, "mirrors/apt/dists/") {
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(info.Key, "/by-hash/") {
				continue
			}
			byHash++
			resp, err := http.Get(strings.TrimSuffix(aptURL, "/") + "/" + strings.TrimPrefix(info.Key, "mirrors/apt/"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s is in the pruned mirror but not on the source (%s)", info.Key, resp.Status)
			}
		}
		if byHash == 0 {
			t.Error("the pruned s3 mirror has no by-hash indexes left")
		}
	})
	t.Logf("total %s", time.Since(t0).Round(time.Millisecond))
}

// syncBuffer is a bytes.Buffer safe for a child's output and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitFor(t *testing.T, b *syncBuffer, want string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(b.String(), want); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q within 30s:\n%s", want, b.String())
		}
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func itoa(n int) string { return strconv.Itoa(n) }
