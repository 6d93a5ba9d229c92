//go:build integration

package publisher

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
)

// TestRealReadersDuringLargeFirstPublish: stock apt-get update and dnf
// makecache poll a channel, anonymously over HTTP from the real embedded S3
// server, while one request publishes thousands of packages into it (debs
// uploaded straight to their pool keys with a claim check, so none is read
// back; rpms signed on the way; the publish is held before its first
// signature or top file until each reader has polled inside it): every poll
// must succeed — no hash mismatch, no bad signature, no missing file — and
// the polls after the publish see every package.
func TestRealReadersDuringLargeFirstPublish(t *testing.T) {
	const debs, rpms = 2000, 300
	for _, tool := range []string{"apt-get", "gpgv", "dnf", "gpgconf"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not installed (apt-get install -y apt gpgv dnf gnupg): %v", tool, err)
		}
	}
	start := time.Now()
	var files []UploadFile
	for i := range debs {
		files = append(files, UploadFile{fmt.Sprintf("ringbig%04d.deb", i), makePkg(t, "deb", fmt.Sprintf("ringbig%04d", i), "1.0-1", "amd64")})
	}
	for i := range rpms {
		files = append(files, UploadFile{fmt.Sprintf("ringbig%04d.rpm", i), makePkg(t, "rpm", fmt.Sprintf("ringbig%04d", i), "1.0-1", "amd64")})
	}
	seed := []UploadFile{
		{"ringseed.deb", makePkg(t, "deb", "ringseed", "1.0-1", "amd64")},
		{"ringseed.rpm", makePkg(t, "rpm", "ringseed", "1.0-1", "amd64")},
	}
	t.Logf("made %d debs and %d rpms in %v", debs, rpms, time.Since(start).Round(time.Millisecond))

	key := testKey(t)
	pub, err := key.PublicArmored()
	if err != nil {
		t.Fatal(err)
	}
	keyring, err := key.PublicBinary()
	if err != nil {
		t.Fatal(err)
	}
	store := startS3(t)
	ctx := context.Background()
	c := &clock{now: time.Now().UTC().Add(-time.Hour).Truncate(time.Second)}
	p := newTestPublisher(t, store, c, key)
	p.URL = store.URL
	distros := []string{"debian-12", "rockylinux-9"}

	// A channel with one package per format: readers start from a repository.
	refs, err := UploadAll(ctx, store, seed, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Publish(ctx, &events.RepoPublishRequested{Channel: "nightly", Distros: distros, Packages: refs}); err != nil {
		t.Fatal(err)
	}
	up := time.Now()
	// As `ring repo publish` does: the .debs' index metadata in a claim
	// check, so the publish reads none of them back (the .rpms it signs).
	batch, err := UploadBatch(ctx, store, files, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if batch.Inspected == "" {
		t.Fatal("UploadBatch wrote no claim check")
	}
	t.Logf("uploaded %d files in %v", len(files), time.Since(up).Round(time.Millisecond))

	apt := newRealAPT(t, strings.TrimSuffix(store.URL(AptRoot), "/"), Suite("debian-12", "nightly"), keyring)
	dnf := newRealDNF(t, store.URL(YumRoot("rockylinux-9", "nightly")), pub)
	if n, err := apt.update(); err != nil || n != 1 {
		t.Fatalf("apt-get update before the publish: %d packages, %v", n, err)
	}
	if n, err := dnf.makecache(); err != nil || n != 1 {
		t.Fatalf("dnf makecache before the publish: %d packages, %v", n, err)
	}

	var publishing, done atomic.Bool
	type tally struct{ during, total int }
	var mu sync.Mutex
	polls := map[string]*tally{"apt-get update": {}, "dnf makecache": {}}
	var wg sync.WaitGroup
	poll := func(name string, fn func() (int, error), want int) {
		defer wg.Done()
		last := 1
		for {
			finished := done.Load()
			during := publishing.Load()
			n, err := fn()
			if err != nil {
				t.Errorf("%s failed while the channel was being published: %v", name, err)
				return
			}
			if n != last && n != want {
				t.Errorf("%s saw %d packages: neither the %d before nor the %d after", name, n, last, want)
				return
			}
			last = n
			mu.Lock()
			polls[name].total++
			if during && publishing.Load() {
				polls[name].during++
			}
			mu.Unlock()
			if finished {
				if n != want {
					t.Errorf("%s after the publish: %d packages, want %d", name, n, want)
				}
				return
			}
		}
	}
	wg.Add(2)
	go poll("apt-get update", apt.update, debs+1)
	go poll("dnf makecache", dnf.makecache, rpms+1)
	time.Sleep(2 * time.Second) // both readers have the seed cached
	c.Add(time.Second)
	// With the claim check the publish is quicker than one dnf makecache
	// on loaded cores. Hold it before its first signature or top file
	// (Release, Release.gpg, repomd.xml.asc, InRelease, repomd.xml), with
	// every new index and by-hash file already written — readers then see
	// the old top files naming old indexes beside the new ones — until each
	// reader has polled wholly inside the publish. (Not later: repomd.xml.asc
	// goes before repomd.xml, and holding between them would show dnf a new
	// signature over the old repomd.xml, a window that is otherwise a few
	// milliseconds.)
	overlapped := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return polls["apt-get update"].during > 0 && polls["dnf makecache"].during > 0
	}
	var gate sync.Once
	p.Store = &gatedStore{Store: p.Store, before: func(key string) {
		switch path.Base(key) {
		case "Release", "Release.gpg", "InRelease", "repomd.xml.asc", "repomd.xml":
		default:
			return
		}
		gate.Do(func() {
			for deadline := time.Now().Add(2 * time.Minute); !overlapped() && time.Now().Before(deadline); {
				time.Sleep(50 * time.Millisecond)
			}
		})
	}}
	publishing.Store(true)
	pubStart := time.Now()
	_, err = p.Publish(ctx, &events.RepoPublishRequested{Channel: "nightly", Distros: distros, Packages: batch.Refs, Inspected: batch.Inspected})
	pubTime := time.Since(pubStart)
	publishing.Store(false)
	done.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("published %d packages in one request in %v; polls (during the publish / in all): apt-get update %d/%d, dnf makecache %d/%d",
		len(files), pubTime.Round(time.Millisecond), polls["apt-get update"].during, polls["apt-get update"].total, polls["dnf makecache"].during, polls["dnf makecache"].total)
	if polls["apt-get update"].during < 1 || polls["dnf makecache"].during < 1 {
		t.Errorf("a reader never ran wholly inside the publish (%v): the test did not overlap them", pubTime)
	}
}

// gatedStore calls before ahead of every Put.
type gatedStore struct {
	Store
	before func(key string)
}

func (s *gatedStore) Put(ctx context.Context, key string, r io.Reader, size int64, opts blob.PutOptions) (blob.Info, error) {
	s.before(key)
	return s.Store.Put(ctx, key, r, size, opts)
}

// realAPT is a private apt root reading one suite with stock apt-get.
type realAPT struct {
	t     *testing.T
	root  string
	conf  string
	suite string
}

func newRealAPT(t *testing.T, url, suite string, keyring []byte) *realAPT {
	root := t.TempDir()
	for _, d := range []string{"etc/apt/sources.list.d", "etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/trusted.gpg.d",
		"var/lib/apt/lists/partial", "var/cache/apt/archives/partial", "var/log/apt", "var/lib/dpkg"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"var/lib/dpkg/status": "",
		"ringmaster.gpg":      string(keyring),
		"etc/apt/sources.list.d/ringmaster.sources": "Types: deb\nURIs: " + url + "/\nSuites: " + suite +
			"\nComponents: main\nSigned-By: " + filepath.Join(root, "ringmaster.gpg") + "\n",
		"apt.conf": `Dir::Etc "` + root + `/etc/apt/";
Dir::State "` + root + `/var/lib/apt/";
Dir::State::status "` + root + `/var/lib/dpkg/status";
Dir::Cache "` + root + `/var/cache/apt/";
Dir::Log "` + root + `/var/log/apt/";
APT::Sandbox::User "root";
Debug::NoLocking "1";
Acquire::Languages "none";
Acquire::http::Proxy "DIRECT";
Acquire::Retries "0";
`,
	}
	for rel, content := range files {
		if err := os.WriteFile(filepath.Join(root, rel), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &realAPT{t: t, root: root, conf: filepath.Join(root, "apt.conf"), suite: suite}
}

// update runs apt-get update; any error or warning (apt reports a hash
// mismatch as "W:"/"E:") fails. It returns the packages the lists hold.
func (a *realAPT) update() (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "apt-get", "-q", "update")
	cmd.Env = append(os.Environ(), "APT_CONFIG="+a.conf, "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("\nW:")) || bytes.Contains(out, []byte("\nE:")) || bytes.HasPrefix(out, []byte("W:")) || bytes.HasPrefix(out, []byte("E:")) {
		return 0, fmt.Errorf("apt-get update: %v\n%s", err, out)
	}
	lists, _ := filepath.Glob(filepath.Join(a.root, "var/lib/apt/lists", "*_Packages"))
	n := 0
	for _, l := range lists {
		b, err := os.ReadFile(l)
		if err != nil {
			return 0, err
		}
		n += bytes.Count(b, []byte("\nPackage: "))
		if bytes.HasPrefix(b, []byte("Package: ")) {
			n++
		}
	}
	return n, nil
}

// realDNF is a private installroot reading one repository with stock dnf.
type realDNF struct {
	t        *testing.T
	root     string
	reposdir string
}

func newRealDNF(t *testing.T, baseurl string, pubKey []byte) *realDNF {
	// Not t.TempDir: dnf splits reposdir at commas and spaces.
	root, err := os.MkdirTemp("", "ringdnf")
	if err != nil {
		t.Fatal(err)
	}
	d := &realDNF{t: t, root: root, reposdir: filepath.Join(root, "etc", "yum.repos.d")}
	t.Cleanup(func() { d.killAgents(); _ = os.RemoveAll(root) })
	if err := os.MkdirAll(d.reposdir, 0o755); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(root, "ringmaster.asc")
	if err := os.WriteFile(key, pubKey, 0o644); err != nil {
		t.Fatal(err)
	}
	repo := "[ringbig]\nname=ringbig\nbaseurl=" + baseurl + "\nenabled=1\ngpgcheck=1\nrepo_gpgcheck=1\ngpgkey=file://" + key + "\nmetadata_expire=0\nskip_if_unavailable=0\n"
	if err := os.WriteFile(filepath.Join(d.reposdir, "ringbig.repo"), []byte(repo), 0o644); err != nil {
		t.Fatal(err)
	}
	return d
}

// makecache refreshes the metadata (any failure, e.g. a checksum mismatch,
// fails) and returns how many packages the repository lists.
func (d *realDNF) makecache() (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{"--installroot=" + d.root, "--setopt=reposdir=" + d.reposdir, "--releasever=1", "-q", "-y"}
	out, err := exec.CommandContext(ctx, "dnf", append(base, "makecache", "--refresh")...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("dnf makecache: %v\n%s", err, out)
	}
	out, err = exec.CommandContext(ctx, "dnf", append(base, "-C", "repoquery", "--repo=ringbig", "--qf", "%{name}\n")...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("dnf repoquery: %v\n%s", err, out)
	}
	n := 0
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "ring") {
			n++
		}
	}
	return n, nil
}

// killAgents stops the gpg-agents dnf starts for repo_gpgcheck.
func (d *realDNF) killAgents() {
	_ = filepath.WalkDir(d.root, func(p string, e os.DirEntry, err error) error {
		if err != nil || !e.IsDir() {
			return nil
		}
		for _, ring := range []string{"pubring.kbx", "pubring.gpg"} {
			if _, err := os.Stat(filepath.Join(p, ring)); err == nil {
				_ = exec.Command("gpgconf", "--homedir", p, "--kill", "gpg-agent").Run()
				break
			}
		}
		return nil
	})
}
