//go:build integration

package seaweed_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/seaweed"
)

// TestVolumeServerLoss: with replication 001 every object has a copy on each
// of the two volume servers; SIGKILL one and every object still reads back
// intact through the S3 gateway; once it is back, writes go on. Close leaves
// no weed process behind.
func TestVolumeServerLoss(t *testing.T) {
	bin := os.Getenv("RING_WEED")
	if bin == "" {
		t.Skip("RING_WEED is not set (make test builds bin/weed and sets it)")
	}
	c, err := seaweed.Start(t.Context(), seaweed.Config{Bin: bin, Dir: t.TempDir(), AccessKey: "ringtest", SecretKey: "ringtest-secret"})
	if err != nil {
		t.Fatal(err)
	}
	pids := c.PIDs()
	defer func() {
		c.Close()
		for n, pid := range pids {
			if syscall.Kill(pid, 0) == nil {
				t.Errorf("weed %s (pid %d) still runs after Close", n, pid)
			}
		}
	}()
	if len(pids) != 3+c.Volumes() {
		t.Fatalf("processes %v", pids)
	}
	s, err := blob.Open(t.Context(), blob.Config{Endpoint: c.Endpoint(), AccessKey: "ringtest", SecretKey: "ringtest-secret", Bucket: "loss"})
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string][32]byte{}
	for i := range 30 {
		body := bytes.Repeat([]byte(fmt.Sprintf("object %d ", i)), 1+i*997)
		key := fmt.Sprintf("pool/obj-%02d", i)
		if _, err := s.Put(t.Context(), key, bytes.NewReader(body), int64(len(body)), blob.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		sums[key] = sha256.Sum256(body)
	}
	if err := c.Stop("volume2"); err != nil {
		t.Fatal(err)
	}
	for key, want := range sums {
		rc, _, err := s.Get(t.Context(), key)
		if err != nil {
			t.Fatalf("%s with volume2 down: %v", key, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || sha256.Sum256(b) != want {
			t.Fatalf("%s with volume2 down: %d bytes, %v", key, len(b), err)
		}
	}
	t0 := time.Now()
	if err := c.Restart(t.Context(), "volume2"); err != nil {
		t.Fatal(err)
	}
	pids = c.PIDs()
	// The master takes the returning server back within a few heartbeats.
	var perr error
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if _, perr = s.Put(t.Context(), "pool/after", bytes.NewReader([]byte("after")), 5, blob.PutOptions{}); perr == nil {
			break
		}
	}
	if perr != nil {
		t.Fatalf("write after volume2 came back: %v", perr)
	}
	t.Logf("writes resumed %v after volume2 restarted", time.Since(t0))
}
