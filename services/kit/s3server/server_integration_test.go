//go:build integration

package s3server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/kit/blob"
)

func startT(t *testing.T, cfg Config) *Server {
	t.Helper()
	t0 := time.Now()
	srv, err := Start(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("started %s (%s metadata) in %v", srv.Endpoint(), srv.Metadata(), time.Since(t0))
	return srv
}

func TestStartAnswersAndSingleInstance(t *testing.T) {
	srv := startT(t, Config{Dir: t.TempDir(), AccessKey: "ak", SecretKey: "sk"})
	defer srv.Close()

	resp, err := http.Get(srv.Endpoint() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("anonymous list buckets: status %d, want 403", resp.StatusCode)
	}

	_, err = Start(t.Context(), Config{Dir: t.TempDir(), AccessKey: "ak", SecretKey: "sk"})
	if !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second Start: err = %v, want ErrAlreadyRunning", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := http.Get(srv.Endpoint() + "/"); err == nil {
		t.Fatal("server still answers after Close")
	}
}

func TestRestartSameDir(t *testing.T) {
	for _, sidecar := range []bool{false, true} {
		name := map[bool]string{false: "auto", true: "sidecar"}[sidecar]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := Config{Dir: dir, AccessKey: "ak", SecretKey: "sk", ForceSidecar: sidecar}
			srv := startT(t, cfg)
			t.Cleanup(func() { srv.Close() })
			if sidecar && srv.Metadata() != "sidecar" {
				t.Fatalf("metadata = %q", srv.Metadata())
			}
			bcfg := blob.Config{Endpoint: srv.Endpoint(), AccessKey: "ak", SecretKey: "sk", Bucket: "persist"}
			st, err := blob.Open(t.Context(), bcfg)
			if err != nil {
				t.Fatal(err)
			}
			const body = "persisted"
			sha := "0000000000000000000000000000000000000000000000000000000000000001"
			if _, err := st.Put(t.Context(), "k/v", strings.NewReader(body), int64(len(body)), blob.PutOptions{ContentType: "text/x", SHA256: sha}); err != nil {
				t.Fatal(err)
			}
			if err := srv.Close(); err != nil {
				t.Fatal(err)
			}
			srv = startT(t, cfg)
			bcfg.Endpoint = srv.Endpoint()
			st, err = blob.Open(t.Context(), bcfg)
			if err != nil {
				t.Fatal(err)
			}
			rc, info, err := st.Get(t.Context(), "k/v")
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if string(got) != body || info.SHA256 != sha || info.ContentType != "text/x" {
				t.Errorf("after restart: %q %+v", got, info)
			}
			if sidecar && srv.Metadata() != "sidecar" {
				t.Fatalf("after restart metadata = %q", srv.Metadata())
			}
			if _, err := os.Stat(filepath.Join(dir, "data")); err != nil {
				t.Fatal(err)
			}
			if sidecar {
				if _, err := os.Stat(filepath.Join(dir, "meta")); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestQuietStdout re-executes the test binary so the child's stdout can be
// inspected: Start and Close must print nothing to stdout.
func TestQuietStdout(t *testing.T) {
	if os.Getenv("S3SERVER_QUIET_CHILD") == "1" {
		srv, err := Start(context.Background(), Config{Dir: os.Getenv("S3SERVER_DIR"), AccessKey: "ak", SecretKey: "sk", ForceSidecar: true})
		if err != nil {
			os.Stderr.WriteString(err.Error())
			os.Exit(3)
		}
		if err := srv.Close(); err != nil {
			os.Stderr.WriteString(err.Error())
			os.Exit(4)
		}
		os.Exit(0)
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestQuietStdout$")
	cmd.Env = append(os.Environ(), "S3SERVER_QUIET_CHILD=1", "S3SERVER_DIR="+t.TempDir())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v: %s", err, stderr.String())
	}
	if len(out) != 0 {
		t.Errorf("child printed to stdout: %q", out)
	}
}

// TestSecondProcessRefused: while one process serves a directory, Start in
// another process fails with ErrDirInUse naming the first one's PID (the
// conditional PUTs' atomicity rests on one process per directory); after
// Close, or the holder's end, the directory can be served again.
func TestSecondProcessRefused(t *testing.T) {
	if os.Getenv("S3SERVER_LOCK_CHILD") == "1" {
		srv, err := Start(context.Background(), Config{Dir: os.Getenv("S3SERVER_DIR"), AccessKey: "ak", SecretKey: "sk"})
		if err != nil {
			os.Stderr.WriteString(err.Error())
			if errors.Is(err, ErrDirInUse) {
				os.Exit(5)
			}
			os.Exit(3)
		}
		if err := srv.Close(); err != nil {
			os.Stderr.WriteString(err.Error())
			os.Exit(4)
		}
		os.Exit(0)
	}
	dir := t.TempDir()
	child := func() (int, string) {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestSecondProcessRefused$")
		cmd.Env = append(os.Environ(), "S3SERVER_LOCK_CHILD=1", "S3SERVER_DIR="+dir)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), stderr.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, stderr.String()
	}
	srv := startT(t, Config{Dir: dir, AccessKey: "ak", SecretKey: "sk"})
	code, msg := child()
	if code != 5 {
		t.Fatalf("second process on a served directory: exit %d (%s), want ErrDirInUse (5)", code, msg)
	}
	if want := "process " + strconv.Itoa(os.Getpid()); !strings.Contains(msg, want) {
		t.Errorf("refusal %q does not name the holder (%s)", msg, want)
	}
	t.Logf("refused: %s", msg)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if code, msg := child(); code != 0 {
		t.Fatalf("second process after Close: exit %d (%s), want it to serve the directory", code, msg)
	}
	// The child's lock went with its Close: this process serves it again.
	startT(t, Config{Dir: dir, AccessKey: "ak", SecretKey: "sk"}).Close()
}
