//go:build integration

package main_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/natsauth"
	"ringmaster.dev/kit/natsserver"
)

// TestUpNATSUsers: ring up lets only its users into the embedded NATS
// server — each service's and the CLI's, generated into RING_HOME with mode
// 0400 and never printed; the CLI finds its own with no flag; a service run
// as a process of its own connects with its file; with --nats-tls the same
// over TLS.
func TestUpNATSUsers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		extra  []string
		scheme string
	}{{"plain", nil, "nats://"}, {"tls", []string{"--nats-tls"}, "tls://"}} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			_, out, e := up(t, home, append([]string{"--services", "builder,repo-publisher,provisioner,tester,gateway"}, tc.extra...)...)
			if !strings.HasPrefix(e.NATS, tc.scheme) {
				t.Fatalf("NATS at %s, want %s", e.NATS, tc.scheme)
			}
			creds := map[string]natsauth.Credentials{}
			for _, u := range natsserver.Users() {
				p := natsauth.Path(home, u)
				fi, err := os.Stat(p)
				if err != nil || fi.Mode().Perm() != 0o400 {
					t.Fatalf("%s: %v, want a file of mode 0400", p, err)
				}
				if creds[u], err = natsauth.Read(p); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			// Nobody without credentials.
			if c, err := bus.Connect(ctx, e.NATS, "intruder"); err == nil {
				c.Close()
				t.Fatal("connected to ring up's NATS without credentials")
			} else if !errors.Is(err, bus.ErrUnreachable) {
				t.Fatalf("without credentials: %v", err)
			}

			// The kerberos-realm service as a process of its own, as its user.
			bin := filepath.Join(t.TempDir(), "kerberos-realm")
			build := exec.Command("go", "build", "-o", bin, "./cmd/kerberos-realm")
			build.Dir = filepath.Join("..", "..", "services", "kerberos-realm")
			if b, err := build.CombinedOutput(); err != nil {
				t.Fatalf("build kerberos-realm: %v\n%s", err, b)
			}
			svcOut := &syncBuffer{}
			svc := exec.Command(bin, "--nats", e.NATS, "--s3", e.S3, "--log-level", "info", "--work-dir", filepath.Join(home, "work", "kr"))
			svc.Env = append(os.Environ(), "RING_HOME="+home, "RING_NATS_URL=", "RING_NATS_CREDS=", "RING_S3_CREDENTIALS="+filepath.Join(home, "s3-credentials.json"),
				"RING_S3_ACCESS_KEY=", "RING_S3_SECRET_KEY=")
			svc.Stdout, svc.Stderr = svcOut, svcOut
			if err := svc.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = svc.Process.Kill(); _ = svc.Wait() })

			// The CLI needs no flag: all six answer.
			var got string
			for {
				var err error
				got, err = ring(t, home, "ping", "--timeout", "5s")
				if err == nil && strings.Contains(got, "all 6 services answered") {
					break
				}
				if ctx.Err() != nil {
					t.Fatalf("ring ping: %v\n%s\nservice:\n%s", err, got, svcOut.String())
				}
				time.Sleep(500 * time.Millisecond)
			}

			// The kerberos-realm's user may not take the builder's commands.
			kr, err := bus.Connect(ctx, e.NATS, "kerberos-realm", bus.WithCredentials(creds["kerberos-realm"]))
			if err != nil {
				t.Fatal(err)
			}
			defer kr.Close()
			rctx, rcancel := context.WithTimeout(ctx, 3*time.Second)
			defer rcancel()
			if _, err := kr.JS.Stream(rctx, events.CommandStream("builder")); err != nil {
				t.Fatalf("reading the stream's info is allowed: %v", err)
			}
			_, err = kr.JS.CreateOrUpdateConsumer(rctx, events.CommandStream("builder"), (&bus.Worker{Service: "builder"}).ConsumerConfig())
			if !errors.Is(kr.Explain(err), bus.ErrRefused) {
				t.Fatalf("kerberos-realm consuming the builder's stream: %v, want bus.ErrRefused", kr.Explain(err))
			}

			for _, c := range creds {
				if strings.Contains(out.String(), c.Password) || strings.Contains(svcOut.String(), c.Password) || strings.Contains(got, c.Password) {
					t.Fatalf("the password of %s is in an output", c.User)
				}
			}
		})
	}
}
