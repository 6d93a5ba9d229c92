// Package load puts sample data into a running cluster: a directory with
// one subdirectory per component, each file becoming a znode (ZooKeeper:
// zookeeper/app/config → /app/config) or a key (Redis: redis/greeting →
// key "greeting" on the primary). Together with snapshots this is
// Hadoocker's "preloaded" cluster.
package load

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/gomodule/redigo/redis"
	"ringmaster.dev/kit/cluster"
)

// ErrInput is a sample directory that cannot be loaded as it is.
var ErrInput = errors.New("invalid sample data")

// maxZnode is ZooKeeper's default jute.maxbuffer, less headroom.
const maxZnode = 1000 * 1000

// Result counts what was loaded per component.
type Result map[string]int

// Dir loads every component directory under dir into cluster c. Files are
// read and checked first, so bad input writes nothing.
func Dir(ctx context.Context, c cluster.Cluster, dir string) (Result, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	items := map[string]map[string][]byte{}
	for _, e := range entries {
		if !e.IsDir() {
			return nil, fmt.Errorf("%w: %s: want one directory per component (zookeeper/, redis/), not a file", ErrInput, filepath.Join(dir, e.Name()))
		}
		switch e.Name() {
		case "zookeeper", "redis":
		default:
			return nil, fmt.Errorf("%w: %s: no loader for component %q (zookeeper and redis have one)", ErrInput, filepath.Join(dir, e.Name()), e.Name())
		}
		if len(endpoints(c, e.Name(), 0)) == 0 {
			return nil, fmt.Errorf("%w: %s: cluster %s runs no %s", ErrInput, filepath.Join(dir, e.Name()), c.Spec.Name, e.Name())
		}
		files, err := read(filepath.Join(dir, e.Name()), e.Name() == "zookeeper")
		if err != nil {
			return nil, err
		}
		items[e.Name()] = files
	}
	res := Result{}
	if files := items["zookeeper"]; files != nil {
		if err := loadZK(ctx, endpoints(c, "zookeeper", 2181), files); err != nil {
			return res, err
		}
		res["zookeeper"] = len(files)
	}
	if files := items["redis"]; files != nil {
		eps := endpoints(c, "redis", 6379)
		if err := loadRedis(ctx, eps[0], files); err != nil {
			return res, err
		}
		res["redis"] = len(files)
	}
	return res, nil
}

// read returns relative slash path → content for every regular file.
func read(root string, znodes bool) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%w: %s: only regular files are loaded", ErrInput, p)
		}
		rel, _ := filepath.Rel(root, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if znodes && len(b) > maxZnode {
			return fmt.Errorf("%w: %s: %d bytes is more than a znode holds (%d)", ErrInput, p, len(b), maxZnode)
		}
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s holds no files", ErrInput, root)
	}
	return out, nil
}

// endpoints are host:port of the running nodes with the component.
func endpoints(c cluster.Cluster, comp string, port int) []string {
	var out []string
	for _, n := range c.Nodes {
		for _, r := range n.Roles {
			if r == comp && n.Running() && n.IP != "" {
				out = append(out, net.JoinHostPort(n.IP, fmt.Sprint(port)))
			}
		}
	}
	return out
}

func loadZK(ctx context.Context, servers []string, files map[string][]byte) error {
	conn, _, err := zk.Connect(servers, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		return fmt.Errorf("zookeeper %v: %w", servers, err)
	}
	defer conn.Close()
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, rel := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		znode := "/" + rel
		if err := ensureParents(conn, path.Dir(znode)); err != nil {
			return err
		}
		_, err := conn.Create(znode, files[rel], 0, zk.WorldACL(zk.PermAll))
		if errors.Is(err, zk.ErrNodeExists) {
			_, err = conn.Set(znode, files[rel], -1)
		}
		if err != nil {
			return fmt.Errorf("zookeeper %s: %w", znode, err)
		}
	}
	return nil
}

func ensureParents(conn *zk.Conn, dir string) error {
	if dir == "/" {
		return nil
	}
	cur := ""
	for _, part := range strings.Split(strings.TrimPrefix(dir, "/"), "/") {
		cur += "/" + part
		if _, err := conn.Create(cur, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return fmt.Errorf("zookeeper %s: %w", cur, err)
		}
	}
	return nil
}

func loadRedis(ctx context.Context, addr string, files map[string][]byte) error {
	c, err := redis.DialContext(ctx, "tcp", addr, redis.DialConnectTimeout(5*time.Second))
	if err != nil {
		return fmt.Errorf("redis %s: %w", addr, err)
	}
	defer c.Close()
	for k, v := range files {
		if err := c.Send("SET", k, v); err != nil {
			return fmt.Errorf("redis %s: %w", addr, err)
		}
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("redis %s: %w", addr, err)
	}
	for range files {
		if _, err := c.Receive(); err != nil {
			return fmt.Errorf("redis %s: %w", addr, err)
		}
	}
	return nil
}
