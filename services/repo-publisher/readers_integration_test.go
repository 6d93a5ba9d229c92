//go:build integration

package publisher

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/s3server"
	"ringmaster.dev/kit/signing"
)

// startS3 runs the real embedded S3 server (one per process at a time; it
// changes the working directory, so build fixtures first) and opens the blob
// store with repos/ public-read.
func startS3(t *testing.T) *blob.Store {
	t.Helper()
	ctx, endpoint := startS3Server(t)
	store, err := blob.Open(ctx, blob.Config{Endpoint: endpoint, AccessKey: "repotest", SecretKey: "repotest-secret-key"})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetPublicRead(ctx, Root); err != nil {
		t.Fatal(err)
	}
	return store
}

// startS3Server runs the embedded S3 server for the test (user repotest)
// and returns a context that ends with the test and its endpoint.
func startS3Server(t *testing.T) (context.Context, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv, err := s3server.Start(ctx, s3server.Config{Dir: filepath.Join(t.TempDir(), "s3"), AccessKey: "repotest", SecretKey: "repotest-secret-key"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return ctx, srv.Endpoint()
}

// aptReader reads a suite as apt does, anonymously over HTTP: InRelease
// (signature verified), every index it lists by hash, every .deb listed.
type aptReader struct {
	client  *http.Client
	url     func(key string) string
	keyring openpgp.EntityList
}

func newAPTReader(t *testing.T, store *blob.Store, key *signing.Key) *aptReader {
	t.Helper()
	pub, err := key.PublicArmored()
	if err != nil {
		t.Fatal(err)
	}
	kr, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(pub))
	if err != nil {
		t.Fatal(err)
	}
	return &aptReader{client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}, url: store.URL, keyring: kr}
}

func (r *aptReader) get(key string) ([]byte, error) {
	resp, err := r.client.Get(r.url(key))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", key, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", key, resp.Status)
	}
	return b, nil
}

func hexSum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// snapshot is what one read of a suite saw.
type snapshot struct {
	date     string
	packages map[string]string // name → version
	fetched  int
}

// read fetches and checks the whole suite; any mismatch or missing object is an error.
func (r *aptReader) read(suite string) (snapshot, error) {
	dists := AptRoot + "dists/" + suite + "/"
	s := snapshot{packages: map[string]string{}}
	raw, err := r.get(dists + "InRelease")
	if err != nil {
		return s, err
	}
	block, rest := clearsign.Decode(raw)
	if block == nil || len(bytes.TrimSpace(rest)) != 0 {
		return s, fmt.Errorf("InRelease is not one clear-signed message:\n%s", raw)
	}
	if _, err := block.VerifySignature(r.keyring, nil); err != nil {
		return s, fmt.Errorf("InRelease signature: %w", err)
	}
	var packagesIndex []byte
	inSHA := false
	sc := bufio.NewScanner(bytes.NewReader(block.Plaintext))
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "Date: "); ok {
			s.date = v
		}
		if !strings.HasPrefix(line, " ") {
			inSHA = line == "SHA256:"
			continue
		}
		if !inSHA {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return s, fmt.Errorf("bad SHA256 line %q", line)
		}
		size, _ := strconv.Atoi(f[1])
		byHash := dists + path.Dir(f[2]) + "/by-hash/SHA256/" + f[0]
		data, err := r.get(byHash)
		if err != nil {
			return s, fmt.Errorf("%s (listed as %s in InRelease of %s): %w", byHash, f[2], s.date, err)
		}
		s.fetched++
		if len(data) != size || hexSum(data) != f[0] {
			return s, fmt.Errorf("%s: %d bytes sha256 %s, InRelease says %d %s", byHash, len(data), hexSum(data), size, f[0])
		}
		if f[2] == "main/binary-amd64/Packages" {
			packagesIndex = data
		}
	}
	if packagesIndex == nil {
		return s, fmt.Errorf("InRelease lists no main/binary-amd64/Packages:\n%s", block.Plaintext)
	}
	for _, stanza := range strings.Split(strings.TrimSpace(string(packagesIndex)), "\n\n") {
		fields := map[string]string{}
		for _, l := range strings.Split(stanza, "\n") {
			if k, v, ok := strings.Cut(l, ": "); ok && !strings.HasPrefix(l, " ") {
				fields[k] = v
			}
		}
		data, err := r.get(AptRoot + fields["Filename"])
		if err != nil {
			return s, fmt.Errorf("package %s listed in Packages: %w", fields["Package"], err)
		}
		s.fetched++
		if hexSum(data) != fields["SHA256"] || strconv.Itoa(len(data)) != fields["Size"] {
			return s, fmt.Errorf("%s: %d bytes sha256 %s, Packages says %s %s", fields["Filename"], len(data), hexSum(data), fields["Size"], fields["SHA256"])
		}
		s.packages[fields["Package"]] = fields["Version"]
	}
	return s, nil
}

// TestReadersDuringPublishing publishes 200 packages into a channel, one per
// publish, while readers read the suite as apt does, over anonymous HTTP from
// the real embedded S3 server: they must never see a bad signature, a
// mismatch or a missing object.
func TestReadersDuringPublishing(t *testing.T) {
	const n, readers = 200, 2
	start := time.Now()
	debs := make([][]byte, n)
	for i := range debs {
		debs[i] = makePkg(t, "deb", fmt.Sprintf("ringp%03d", i), "1.0-1", "amd64")
	}
	t.Logf("made %d debs in %v", n, time.Since(start))
	key := testKey(t)
	store := startS3(t)
	ctx := context.Background()
	refs := make([]events.PackageRef, n)
	for i, d := range debs {
		refs[i] = upload(t, store, fmt.Sprintf("ringp%03d.deb", i), d)
	}
	// The fake clock starts in the past (signatures must not be from the
	// future) and advances one second per publish, so no publish waits.
	c := &clock{now: time.Now().UTC().Add(-time.Hour).Truncate(time.Second)}
	p := newTestPublisher(t, store, c, key)
	p.URL = store.URL
	const suite = "debian-12-nightly"
	publish := func(i int) {
		c.Add(time.Second)
		if _, err := p.Publish(ctx, &events.RepoPublishRequested{Channel: "nightly", Distros: []string{"debian-12"}, Packages: refs[i : i+1]}); err != nil {
			t.Errorf("publish %d: %v", i, err)
		}
	}
	publish(0)

	var done atomic.Bool
	var reads, fetched atomic.Int64
	dates := sync.Map{}
	var wg sync.WaitGroup
	pubStart := time.Now()
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := newAPTReader(t, store, key)
			last := 0
			for {
				finished := done.Load()
				s, err := r.read(suite)
				if err != nil {
					t.Errorf("read %d: %v", reads.Load(), err)
					return
				}
				if len(s.packages) < last {
					t.Errorf("packages went from %d to %d", last, len(s.packages))
					return
				}
				last = len(s.packages)
				reads.Add(1)
				fetched.Add(int64(s.fetched))
				dates.Store(s.date, true)
				if finished {
					if len(s.packages) != n {
						t.Errorf("after the last publish readers see %d packages, want %d", len(s.packages), n)
					}
					return
				}
			}
		}()
	}
	for i := 1; i < n && !t.Failed(); i++ {
		publish(i)
	}
	pubTime := time.Since(pubStart)
	done.Store(true)
	wg.Wait()
	revisions := 0
	dates.Range(func(any, any) bool { revisions++; return true })
	t.Logf("%d publishes in %v (%v each); %d reads by %d readers saw %d revisions, fetched %d objects, all consistent",
		n, pubTime.Round(time.Millisecond), (pubTime / n).Round(time.Millisecond), reads.Load(), readers, revisions, fetched.Load())
	if revisions < 10 {
		t.Errorf("readers saw only %d revisions: the test did not overlap reads and publishes", revisions)
	}
	m, err := LoadManifest(ctx, store, "nightly")
	if err != nil {
		t.Fatal(err)
	}
	if m.Revision != n || len(m.Debs["debian-12"]) != n {
		t.Fatalf("manifest revision %d with %d packages", m.Revision, len(m.Debs["debian-12"]))
	}
}

func countObjects(t *testing.T, store *blob.Store, prefix string) int {
	t.Helper()
	n := 0
	for _, err := range store.List(context.Background(), prefix) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

// TestPromoteIntegration publishes to nightly, promotes to stable and reads
// stable as apt would: the package is listed, its pool file is the one
// nightly uses, and no pool object was written.
func TestPromoteIntegration(t *testing.T) {
	debData := makePkg(t, "deb", "ringhello", "1.0.0-1", "amd64")
	rpmData := makePkg(t, "rpm", "ringhello", "1.0.0-1", "amd64")
	key := testKey(t)
	store := startS3(t)
	ctx := context.Background()
	c := &clock{now: time.Now().UTC().Add(-time.Hour).Truncate(time.Second)}
	p := newTestPublisher(t, store, c, key)
	p.URL = store.URL
	if _, err := p.Publish(ctx, &events.RepoPublishRequested{Channel: "nightly", Distros: []string{"debian-12", "rockylinux-9"},
		Packages: []events.PackageRef{upload(t, store, "ringhello.deb", debData), upload(t, store, "ringhello.rpm", rpmData)}}); err != nil {
		t.Fatal(err)
	}
	aptPool, yumPool := countObjects(t, store, AptRoot+"pool/"), countObjects(t, store, YumPool)
	if aptPool != 1 || yumPool != 1 {
		t.Fatalf("pool after publish: %d apt, %d yum objects", aptPool, yumPool)
	}
	c.Add(time.Second)
	if _, err := p.Promote(ctx, &events.RepoPromoteRequested{From: "nightly", To: "stable", Packages: []string{"ringhello@9.9-9"}}); !IsPermanent(err) {
		t.Fatalf("unknown version: %v", err)
	}
	out, err := p.Promote(ctx, &events.RepoPromoteRequested{From: "nightly", To: "stable", Packages: []string{"ringhello@1.0.0-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if n, m := countObjects(t, store, AptRoot+"pool/"), countObjects(t, store, YumPool); n != aptPool || m != yumPool {
		t.Fatalf("pool objects %d+%d → %d+%d: promote copied packages", aptPool, yumPool, n, m)
	}
	s, err := newAPTReader(t, store, key).read("debian-12-stable")
	if err != nil {
		t.Fatal(err)
	}
	if s.packages["ringhello"] != "1.0.0-1" {
		t.Fatalf("stable lists %v", s.packages)
	}
	r := newAPTReader(t, store, key)
	repomd, err := r.get(YumRoot("rockylinux-9", "stable") + "repodata/repomd.xml")
	if err != nil {
		t.Fatal(err)
	}
	if hexSum(repomd) != out.Hashes["rockylinux-9/repomd.xml"] {
		t.Fatal("repomd.xml is not the promoted one")
	}
	sig, err := r.get(YumRoot("rockylinux-9", "stable") + "repodata/repomd.xml.asc")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(r.keyring, bytes.NewReader(repomd), bytes.NewReader(sig), nil); err != nil {
		t.Fatalf("repomd.xml.asc: %v", err)
	}
	if !strings.Contains(out.URLs["apt"], "/repos/apt/") {
		t.Fatalf("urls %v", out.URLs)
	}
}
