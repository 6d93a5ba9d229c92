// Package probe checks that a node's service answers: ZooKeeper's srvr
// four-letter word and Redis's PING (and, on a replica, a replication link
// that is up). Probes are retried until their context's deadline — never a
// fixed sleep.
package probe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/gomodule/redigo/redis"
)

// ErrNotReady is a service that has not answered as expected yet.
var ErrNotReady = errors.New("not ready")

// ZKStatus is what srvr tells.
type ZKStatus struct {
	Version string
	// Mode is leader, follower or standalone.
	Mode  string
	Zxid  string
	Nodes int
}

// ZooKeeper asks addr (host:port) "srvr" once.
func ZooKeeper(ctx context.Context, addr string) (ZKStatus, error) {
	out, err := fourLetter(ctx, addr, "srvr")
	if err != nil {
		return ZKStatus{}, err
	}
	var st ZKStatus
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Zookeeper version":
			st.Version, _, _ = strings.Cut(v, "-")
			st.Version, _, _ = strings.Cut(st.Version, ",")
		case "Mode":
			st.Mode = v
		case "Zxid":
			st.Zxid = v
		case "Node count":
			fmt.Sscan(v, &st.Nodes)
		}
	}
	if st.Mode == "" {
		return st, fmt.Errorf("zookeeper %s: %w: %s", addr, ErrNotReady, firstLine(out))
	}
	return st, nil
}

func fourLetter(ctx context.Context, addr, word string) (string, error) {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	c, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("zookeeper %s: %w: %w", addr, ErrNotReady, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte(word)); err != nil {
		return "", fmt.Errorf("zookeeper %s: %w: %w", addr, ErrNotReady, err)
	}
	b, err := io.ReadAll(io.LimitReader(c, 1<<20))
	if err != nil && len(b) == 0 {
		return "", fmt.Errorf("zookeeper %s: %w: %w", addr, ErrNotReady, err)
	}
	return string(b), nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return "no answer (is srvr in 4lw.commands.whitelist, is the ensemble formed?)"
	}
	return s
}

// RedisStatus is what INFO replication tells.
type RedisStatus struct {
	Role string // master or slave
	// LinkUp is true on a replica whose link to its primary is up.
	LinkUp bool
	// Replicas is the number of connected replicas on a primary.
	Replicas int
}

// Line connects to addr and reads the first line the service sends (a
// greeting, a banner); an empty line or none is not ready.
func Line(ctx context.Context, addr string) (string, error) {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	c, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("%s: %w: %w", addr, ErrNotReady, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	line, err := bufio.NewReader(io.LimitReader(c, 4096)).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("%s: %w: no greeting line (%v)", addr, ErrNotReady, err)
	}
	return line, nil
}

// Redis PINGs addr and reads its replication state once.
func Redis(ctx context.Context, addr string) (RedisStatus, error) {
	c, err := redis.DialContext(ctx, "tcp", addr, redis.DialConnectTimeout(2*time.Second),
		redis.DialReadTimeout(3*time.Second), redis.DialWriteTimeout(3*time.Second))
	if err != nil {
		return RedisStatus{}, fmt.Errorf("redis %s: %w: %w", addr, ErrNotReady, err)
	}
	defer c.Close()
	if pong, err := redis.String(c.Do("PING")); err != nil || pong != "PONG" {
		return RedisStatus{}, fmt.Errorf("redis %s: %w: PING: %q %v", addr, ErrNotReady, pong, err)
	}
	info, err := redis.String(c.Do("INFO", "replication"))
	if err != nil {
		return RedisStatus{}, fmt.Errorf("redis %s: %w: INFO: %w", addr, ErrNotReady, err)
	}
	var st RedisStatus
	for _, line := range strings.Split(info, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		switch k {
		case "role":
			st.Role = v
		case "master_link_status":
			st.LinkUp = v == "up"
		case "connected_slaves":
			fmt.Sscan(v, &st.Replicas)
		}
	}
	return st, nil
}

// Until calls check every interval until it returns nil or ctx ends; the
// error then is the last check's, wrapped with the context's.
func Until(ctx context.Context, interval time.Duration, check func(context.Context) error) error {
	var last error
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if last = check(ctx); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %w)", ctx.Err(), last)
		case <-t.C:
		}
	}
}
