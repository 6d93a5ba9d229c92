// Command hookbench measures webhook intake: signed GitHub push deliveries
// at a fixed rate against the gateway (verify the signature, check the
// repository, store the pipeline command in JetStream, answer 202) on an
// embedded NATS with file storage, and, in the same run, against a bare
// net/http handler that only verifies the HMAC — the floor on this machine.
// It prints latency percentiles of each and their ratio.
//
//	go run ./cmd/hookbench --rate 200 --duration 20s
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"
	"ringmaster.dev/gateway"
	"ringmaster.dev/gateway/internal/benchrig"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/kit/service"
)

const secret = "bench secret"

func main() {
	rate := flag.Int("rate", 200, "requests per second (open loop: sent on schedule whatever the answers)")
	dur := flag.Duration("duration", 20*time.Second, "how long each target is loaded")
	sample := flag.String("sample", "forge/testdata/github/push.json", "a GitHub push delivery body")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "hookbench — webhook intake latency, the gateway against a bare HMAC handler.\n\nExample:\n  go run ./cmd/hookbench --rate 200 --duration 20s\n\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(*rate, *dur, *sample); err != nil {
		fmt.Fprintln(os.Stderr, "hookbench:", err)
		os.Exit(1)
	}
}

func run(rate int, dur time.Duration, samplePath string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	body, err := os.ReadFile(samplePath)
	if err != nil {
		return err
	}
	rig, err := benchrig.Start(ctx, "hookbench")
	if err != nil {
		return err
	}
	defer rig.Close()
	conn := rig.Conn
	keys := filepath.Join(rig.Dir, "keys")
	g, err := gateway.Open(ctx, service.Deps{Bus: conn, KeyDir: keys, Log: zerolog.Nop()}, gateway.Options{HTTP: "127.0.0.1:0"})
	if err != nil {
		return err
	}
	go g.Serve(ctx)
	reg, err := gitstack.Open(ctx, conn.JS)
	if err != nil {
		return err
	}
	if err := reg.Put(ctx, gitstack.Record{Name: "hello", Git: "https://github.com/Codertocat/Hello-World.git", Forge: gitstack.GitHub}); err != nil {
		return err
	}
	if err := gitstack.WriteSecret(gitstack.SecretPath(keys, "hello"), []byte(secret)); err != nil {
		return err
	}
	bare, err := bareHMAC()
	if err != nil {
		return err
	}
	fmt.Printf("webhook intake, %d requests/s for %s each, %d cores, GOMAXPROCS %d\n", rate, dur, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	floor := load("bare net/http, HMAC only", "http://"+bare+"/", body, rate, dur)
	gw := load("gateway (verify, check, JetStream, 202)", "http://"+g.Addr()+"/hooks/hello", body, rate, dur)
	if floor.p99 > 0 {
		fmt.Printf("p99 ratio gateway / bare handler: %.1f×\n", float64(gw.p99)/float64(floor.p99))
	}
	return nil
}

// bareHMAC serves a handler that reads the body, checks its HMAC and answers 202.
func bareHMAC() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 5<<20))
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(b)
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Hub-Signature-256"))) {
			http.Error(w, "signature", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"run":"x"}`))
	}))
	return ln.Addr().String(), nil
}

type result struct{ p50, p99, max time.Duration }

// load sends rate signed deliveries a second for dur, each with its own
// delivery id and commit (no two alike), and prints the latency of the
// answers; any answer but 202 is counted as an error.
func load(name, url string, sample []byte, rate int, dur time.Duration) result {
	start := time.Now()
	r := benchrig.Open(name, benchrig.Client(), rate, dur, func(i int) *http.Request {
		body := bytes.Replace(sample, []byte("ec26c3e57ca3a959ca5aad62de7213c562f8c821"), []byte(fmt.Sprintf("%040x", i+1+int(start.UnixNano()%1e9)<<20)), -1)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "push")
		req.Header.Set("X-GitHub-Delivery", uuid.NewString())
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
		return req
	}, func(resp *http.Response, _ []byte) bool { return resp.StatusCode == http.StatusAccepted })
	return result{p50: r.P50, p99: r.P99, max: r.Max}
}
