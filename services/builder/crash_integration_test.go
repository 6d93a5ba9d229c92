//go:build integration

package builder_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/natsserver"
	"ringmaster.dev/kit/s3server"
)

// builderBin is the real builder binary, built once before any test: the
// embedded S3 server changes the working directory, so build first.
var builderBin string

// The project's stacks and image recipes, and a .deb cache kept across runs
// so only the first run on a machine downloads packages for the images.
var (
	stacksDir = "../../infra/stacks"
	imagesDir = "../../infra/images"
	debCache  = filepath.Join(os.TempDir(), "ringmaster-test-debs")
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "builder-bin-")
	if err != nil {
		panic(err)
	}
	builderBin = filepath.Join(dir, "builder")
	if out, err := exec.Command("go", "build", "-o", builderBin, "./cmd/builder").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("build builder: " + err.Error() + "\n" + string(out))
	}
	// Absolute now: the embedded S3 server changes the working directory.
	for _, v := range []*string{&stacksDir, &imagesDir} {
		if *v, err = filepath.Abs(*v); err != nil {
			panic(err)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// platform is a real NATS + S3 for builder processes started by the test.
type platform struct {
	t        *testing.T
	ctx      context.Context
	bin      string
	natsURL  string
	s3       *s3server.Server
	conn     *bus.Conn
	store    *blob.Store
	workDir  string
	logFiles []string
}

func newPlatform(t *testing.T) *platform {
	t.Helper()
	// Long enough for the longest build a test waits for (10 minutes, when
	// the toolchain images are built first on a new machine).
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	t.Cleanup(cancel)
	dir := t.TempDir()
	ns, err := natsserver.Start(ctx, natsserver.Config{Dir: filepath.Join(dir, "nats")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	s3, err := s3server.Start(ctx, s3server.Config{Dir: filepath.Join(dir, "s3"), AccessKey: "crashtest", SecretKey: "crashtest-secret-key"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s3.Close() })
	conn, err := bus.Connect(ctx, ns.ClientURL(), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	if err := conn.EnsureTopology(ctx); err != nil {
		t.Fatal(err)
	}
	store, err := blob.Open(ctx, blob.Config{Endpoint: s3.Endpoint(), AccessKey: "crashtest", SecretKey: "crashtest-secret-key"})
	if err != nil {
		t.Fatal(err)
	}
	p := &platform{t: t, ctx: ctx, bin: builderBin, natsURL: ns.ClientURL(), s3: s3, conn: conn, store: store, workDir: filepath.Join(dir, "work")}
	t.Cleanup(func() {
		if t.Failed() {
			for _, f := range p.logFiles {
				b, _ := os.ReadFile(f)
				t.Logf("--- %s\n%s", filepath.Base(f), b)
			}
		}
	})
	return p
}

// startBuilder runs the real builder binary; extraEnv arms failpoints.
func (p *platform) startBuilder(extraEnv ...string) *exec.Cmd {
	p.t.Helper()
	logFile := filepath.Join(filepath.Dir(p.workDir), "builder-"+time.Now().Format("150405.000")+".log")
	p.logFiles = append(p.logFiles, logFile)
	f, err := os.Create(logFile)
	if err != nil {
		p.t.Fatal(err)
	}
	cmd := exec.Command(p.bin)
	cmd.Env = append(os.Environ(),
		"RING_NATS_URL="+p.natsURL, "RING_S3_URL="+p.s3.Endpoint(),
		"RING_S3_ACCESS_KEY=crashtest", "RING_S3_SECRET_KEY=crashtest-secret-key",
		"RING_ACK_WAIT=2s", "RING_WORK_DIR="+p.workDir, "RING_LOG_LEVEL=debug",
		"RING_STACKS="+stacksDir, "RING_IMAGES="+imagesDir, "RING_DEB_CACHE="+debCache,
	)
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); f.Close() })
	return cmd
}

// facts lists source.fetched facts of one run.
func (p *platform) facts(runID string) []events.SourceFetched {
	p.t.Helper()
	var out []events.SourceFetched
	for _, e := range ofType(p.runFacts(runID), "source.fetched") {
		var f events.SourceFetched
		if err := json.Unmarshal(e.Data, &f); err != nil {
			p.t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

func (p *platform) objects(prefix string) int {
	n := 0
	for _, err := range p.store.List(p.ctx, prefix) {
		if err != nil {
			p.t.Fatal(err)
		}
		n++
	}
	return n
}

// archive serves random bytes slowly, counting requests and bytes sent.
type archive struct {
	data     []byte
	sum      string
	requests atomic.Int32
	sent     atomic.Int64
}

func newArchive(t *testing.T, size int) *archive {
	a := &archive{data: make([]byte, size)}
	_, _ = rand.Read(a.data)
	h := sha256.Sum256(a.data)
	a.sum = hex.EncodeToString(h[:])
	return a
}

func (a *archive) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.requests.Add(1)
	w.Header().Set("Content-Length", strconv.Itoa(len(a.data)))
	for off := 0; off < len(a.data); off += 64 << 10 {
		end := min(off+64<<10, len(a.data))
		if _, err := w.Write(a.data[off:end]); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		a.sent.Add(int64(end - off))
		time.Sleep(40 * time.Millisecond)
	}
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func killed(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("builder did not die by SIGKILL: %v", err)
	}
}

// TestSIGKILLMidDownloadFetchesOnce kills the builder while it downloads;
// the restarted builder gets the redelivered command and the archive and its
// source.fetched fact each appear exactly once.
func TestSIGKILLMidDownloadFetchesOnce(t *testing.T) {
	p := newPlatform(t)
	a := newArchive(t, 3<<20)
	srv := httptest.NewServer(a)
	defer srv.Close()

	first := p.startBuilder()
	if _, err := p.conn.Publish(p.ctx, &events.SourceFetchRequested{URL: srv.URL + "/a.tar.gz", SHA256: a.sum}, bus.WithRunID("crash-1")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "download under way", 30*time.Second, func() bool { return a.sent.Load() > 1<<20 })
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed(t, first)
	if n := len(p.facts("crash-1")); n != 0 {
		t.Fatalf("%d facts before the job finished", n)
	}
	if n := p.objects("sources/"); n != 0 {
		t.Fatalf("%d objects in the cache from an unfinished download", n)
	}

	p.startBuilder()
	waitFor(t, "source.fetched after restart", 60*time.Second, func() bool { return len(p.facts("crash-1")) > 0 })
	time.Sleep(3 * time.Second) // room for a duplicate to show up
	facts := p.facts("crash-1")
	if len(facts) != 1 || facts[0].SHA256 != a.sum || facts[0].Cached {
		t.Fatalf("facts = %+v, want one fresh fetch", facts)
	}
	if n := p.objects("sources/"); n != 1 {
		t.Fatalf("cache holds %d objects, want 1", n)
	}
	info, err := p.store.Stat(p.ctx, "sources/sha256/"+a.sum)
	if err != nil || info.Size != int64(len(a.data)) {
		t.Fatalf("cached archive: %+v, %v", info, err)
	}
	if a.requests.Load() != 2 {
		t.Fatalf("downloads = %d, want 2 (killed one, finished one)", a.requests.Load())
	}
	if dls, _ := p.conn.DeadLetters(p.ctx); len(dls) != 0 {
		t.Fatalf("dead letters: %+v", dls)
	}
}

// TestSIGKILLAfterEffectBeforeAck kills the builder right after it stored the
// archive, before it reported and acknowledged; the redelivery must not
// download or store again, and the fact appears once.
func TestSIGKILLAfterEffectBeforeAck(t *testing.T) {
	p := newPlatform(t)
	a := newArchive(t, 256<<10)
	srv := httptest.NewServer(a)
	defer srv.Close()

	first := p.startBuilder("RING_FAILPOINT=source-stored")
	if _, err := p.conn.Publish(p.ctx, &events.SourceFetchRequested{URL: srv.URL + "/b.tar.gz", SHA256: a.sum}, bus.WithRunID("crash-2")); err != nil {
		t.Fatal(err)
	}
	killed(t, first)
	if n := p.objects("sources/"); n != 1 {
		t.Fatalf("the failpoint is after the store, yet %d objects", n)
	}
	if n := len(p.facts("crash-2")); n != 0 {
		t.Fatalf("%d facts before the crash point", n)
	}

	p.startBuilder()
	waitFor(t, "source.fetched after restart", 60*time.Second, func() bool { return len(p.facts("crash-2")) > 0 })
	time.Sleep(3 * time.Second)
	facts := p.facts("crash-2")
	if len(facts) != 1 || !facts[0].Cached {
		t.Fatalf("facts = %+v, want one, from the cache", facts)
	}
	if a.requests.Load() != 1 || p.objects("sources/") != 1 {
		t.Fatalf("downloads = %d, objects = %d; want 1 and 1", a.requests.Load(), p.objects("sources/"))
	}
}
