package probe

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// fakeZK answers one four-letter word the way ZooKeeper does.
func fakeZK(t *testing.T, answer string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4)
			_, _ = c.Read(buf)
			_, _ = c.Write([]byte(answer))
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func TestZooKeeperParse(t *testing.T) {
	for _, tc := range []struct {
		name, answer, mode, version string
		nodes                       int
		ready                       bool
	}{
		{"leader", "Zookeeper version: 3.8.0-debian, built on 2023-01-01\nLatency min/avg/max: 0/0.0/0\nZxid: 0x100000002\nMode: leader\nNode count: 5\n", "leader", "3.8.0", 5, true},
		{"standalone", "Zookeeper version: 3.8.0, built on x\nMode: standalone\nNode count: 4\n", "standalone", "3.8.0", 4, true},
		{"no quorum", "This ZooKeeper instance is not currently serving requests\n", "", "", 0, false},
		{"not whitelisted", "srvr is not executed because it is not in the whitelist.\n", "", "", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := ZooKeeper(context.Background(), fakeZK(t, tc.answer))
			if tc.ready != (err == nil) {
				t.Fatalf("err = %v, want ready=%v", err, tc.ready)
			}
			if !tc.ready && !errors.Is(err, ErrNotReady) {
				t.Fatalf("err = %v, want ErrNotReady", err)
			}
			if st.Mode != tc.mode || st.Version != tc.version || st.Nodes != tc.nodes {
				t.Fatalf("status = %+v", st)
			}
		})
	}
}

func TestUntilDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	n := 0
	err := Until(ctx, 10*time.Millisecond, func(context.Context) error { n++; return ErrNotReady })
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrNotReady) || n < 2 {
		t.Fatalf("Until = %v after %d checks", err, n)
	}
	if err := Until(context.Background(), time.Millisecond, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

func TestRedisRefused(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if _, err := Redis(context.Background(), addr); !errors.Is(err, ErrNotReady) {
		t.Fatalf("err = %v", err)
	}
}

func TestLine(t *testing.T) {
	for _, tc := range []struct {
		send, want string
		ready      bool
	}{
		{"hello, ci-1!\n", "hello, ci-1!", true},
		{"hello\r\n", "hello", true},
		{"no newline", "no newline", true},
		{"\n", "", false},
		{"", "", false},
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte(tc.send))
			c.Close()
		}()
		got, err := Line(context.Background(), ln.Addr().String())
		ln.Close()
		if tc.ready != (err == nil) || got != tc.want {
			t.Errorf("Line(%q) = %q, %v; want %q, ready %v", tc.send, got, err, tc.want, tc.ready)
		}
		if !tc.ready && !errors.Is(err, ErrNotReady) {
			t.Errorf("Line(%q): %v is not ErrNotReady", tc.send, err)
		}
	}
}
