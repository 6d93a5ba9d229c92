//go:build integration

package blob

import (
	"context"
	"fmt"
	"os"
	"testing"

	"ringmaster.dev/kit/s3server"
)

const (
	testAccess = "ringtest"
	testSecret = "ringtest-secret"
)

// One embedded gateway per process: TestMain starts it, tests share it, and
// TestRestart replaces it with a fresh one on the same directory.
var (
	serverDir string
	server    *s3server.Server
)

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
	serverDir = dir
	server, err = s3server.Start(context.Background(), serverConfig())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { server.Close() }()
	return m.Run()
}

func serverConfig() s3server.Config {
	return s3server.Config{Dir: serverDir, Addr: "127.0.0.1:0", AccessKey: testAccess, SecretKey: testSecret}
}

// openStore opens a Store on the shared server.
func openStore(t *testing.T, bucket string) *Store {
	t.Helper()
	s, err := Open(t.Context(), Config{
		Endpoint:  server.Endpoint(),
		AccessKey: testAccess,
		SecretKey: testSecret,
		Bucket:    bucket,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
