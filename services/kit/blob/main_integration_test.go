//go:build integration

package blob

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"ringmaster.dev/kit/s3server"
	"ringmaster.dev/kit/seaweed"
)

const (
	testAccess = "ringtest"
	testSecret = "ringtest-secret"
)

// engine is an S3-compatible server the store is tested against: every
// behaviour test runs on each (a conformance suite), the embedded gateway
// always, a SeaweedFS cluster (master, two volume servers with replication,
// filer, S3 gateway; real weed processes) when RING_WEED names the weed
// binary, as `make test` does.
type engine struct {
	name     string
	endpoint func() string
	restart  func(ctx context.Context) error
}

var engines []*engine

// open opens a Store on the engine.
func (e *engine) open(t *testing.T, bucket string) *Store {
	t.Helper()
	s, err := Open(t.Context(), Config{Endpoint: e.endpoint(), AccessKey: testAccess, SecretKey: testSecret, Bucket: bucket})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// forEachEngine runs f as a subtest per engine.
func forEachEngine(t *testing.T, f func(t *testing.T, e *engine)) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { f(t, e) })
	}
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "blob-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	cfg := s3server.Config{Dir: filepath.Join(dir, "embedded"), Addr: "127.0.0.1:0", AccessKey: testAccess, SecretKey: testSecret}
	server, err := s3server.Start(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { server.Close() }()
	engines = append(engines, &engine{name: "embedded",
		endpoint: func() string { return server.Endpoint() },
		restart: func(ctx context.Context) error {
			if err := server.Close(); err != nil {
				return err
			}
			server, err = s3server.Start(ctx, cfg)
			return err
		}})

	if bin := os.Getenv("RING_WEED"); bin != "" {
		c, err := seaweed.Start(context.Background(), seaweed.Config{Bin: bin, Dir: filepath.Join(dir, "seaweedfs"), AccessKey: testAccess, SecretKey: testSecret})
		if err != nil {
			fmt.Fprintln(os.Stderr, "SeaweedFS:", err)
			return 1
		}
		defer c.Close()
		engines = append(engines, &engine{name: "seaweedfs", endpoint: c.Endpoint, restart: c.RestartAll})
	} else {
		fmt.Fprintln(os.Stderr, "RING_WEED is not set: the blob store is tested on the embedded gateway only (make test sets it)")
	}
	return m.Run()
}
