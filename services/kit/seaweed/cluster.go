package seaweed

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Config describes a cluster.
type Config struct {
	// Bin is the weed binary.
	Bin string
	// Dir holds every server's data (and their logs, <server>.log).
	Dir string
	// Volumes is how many volume servers run (default 2).
	Volumes int
	// Replication is SeaweedFS's placement code (default "001": one more
	// copy on another volume server of the same rack), so losing one volume
	// server loses no object.
	Replication string
	// AccessKey and SecretKey are the S3 gateway's only identity (admin).
	AccessKey, SecretKey string
}

// Cluster is a running SeaweedFS cluster.
type Cluster struct {
	cfg     Config
	mu      sync.Mutex
	procs   map[string]*exec.Cmd
	ports   map[string]int
	started time.Time
}

// ErrNoBinary is a weed binary that is not there.
var ErrNoBinary = errors.New("no weed binary")

// Start starts the master, the volume servers and the filer with its S3
// gateway, and returns once the gateway answers S3 requests.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.Volumes == 0 {
		cfg.Volumes = 2
	}
	if cfg.Replication == "" {
		cfg.Replication = DefaultReplication
	}
	if _, err := os.Stat(cfg.Bin); err != nil {
		return nil, fmt.Errorf("%w: %s (build it: make weed): %v", ErrNoBinary, cfg.Bin, err)
	}
	c := &Cluster{cfg: cfg, procs: map[string]*exec.Cmd{}, ports: map[string]int{}, started: time.Now()}
	names := []string{"master", "filer", "s3"}
	for i := range cfg.Volumes {
		names = append(names, volumeName(i))
	}
	// Each server takes an HTTP port and a gRPC port, all held at once so
	// none is handed out twice.
	ports, err := freePorts(2 * len(names))
	if err != nil {
		return nil, err
	}
	for i, n := range names {
		c.ports[n], c.ports[n+".grpc"] = ports[2*i], ports[2*i+1]
	}
	if err := c.writeS3Config(); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			c.Close()
		}
	}()
	if err := c.start("master"); err != nil {
		return nil, err
	}
	if err := waitHTTP(ctx, c.url("master")+"/cluster/status", 60*time.Second); err != nil {
		return nil, c.explain("master", err)
	}
	for i := range cfg.Volumes {
		if err := c.start(volumeName(i)); err != nil {
			return nil, err
		}
	}
	for i := range cfg.Volumes {
		if err := waitHTTP(ctx, c.url(volumeName(i))+"/status", 60*time.Second); err != nil {
			return nil, c.explain(volumeName(i), err)
		}
	}
	if err := c.start("filer"); err != nil {
		return nil, err
	}
	if err := waitHTTP(ctx, c.url("filer")+"/", 60*time.Second); err != nil {
		return nil, c.explain("filer", err)
	}
	if err := c.start("s3"); err != nil {
		return nil, err
	}
	if err := c.waitS3(ctx); err != nil {
		return nil, c.explain("s3", err)
	}
	ok = true
	return c, nil
}

func volumeName(i int) string { return "volume" + strconv.Itoa(i+1) }

// Endpoint is the S3 gateway's URL.
func (c *Cluster) Endpoint() string { return c.url("s3") }

func (c *Cluster) url(name string) string {
	return "http://127.0.0.1:" + strconv.Itoa(c.ports[name])
}

// Volumes is how many volume servers the cluster has.
func (c *Cluster) Volumes() int { return c.cfg.Volumes }

// server is the description of one of the cluster's servers, on 127.0.0.1.
func (c *Cluster) server(name string) Server {
	addr := func(n string) Addr { return Addr{Host: "127.0.0.1", Port: c.ports[n], GRPC: c.ports[n+".grpc"]} }
	s := Server{Role: name, Self: addr(name), Dir: filepath.Join(c.cfg.Dir, name), Master: addr(Master), Filer: addr(Filer),
		Replication: c.cfg.Replication, S3Config: c.s3ConfigPath()}
	if name != Master && name != Filer && name != S3 {
		s.Role = Volume
	}
	return s
}

// start runs one server in its own process group, its output in <name>.log.
func (c *Cluster) start(name string) error {
	dir := filepath.Join(c.cfg.Dir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	log, err := os.OpenFile(filepath.Join(c.cfg.Dir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	args, err := c.server(name).Args()
	if err != nil {
		log.Close()
		return err
	}
	cmd := exec.Command(c.cfg.Bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("start weed %s: %w", name, err)
	}
	go func() { _ = cmd.Wait(); log.Close() }()
	c.mu.Lock()
	c.procs[name] = cmd
	c.mu.Unlock()
	return nil
}

// Stop kills one server (SIGKILL: a crash, not a shutdown).
func (c *Cluster) Stop(name string) error {
	c.mu.Lock()
	cmd := c.procs[name]
	delete(c.procs, name)
	c.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return fmt.Errorf("weed %s is not running", name)
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if syscall.Kill(cmd.Process.Pid, 0) != nil {
			return nil
		}
	}
	return fmt.Errorf("weed %s (pid %d) did not die", name, cmd.Process.Pid)
}

// Restart starts a stopped server again on its ports and data.
func (c *Cluster) Restart(ctx context.Context, name string) error {
	if err := c.start(name); err != nil {
		return err
	}
	path := "/status"
	switch name {
	case "master":
		path = "/cluster/status"
	case "filer":
		path = "/"
	case "s3":
		return c.waitS3(ctx)
	}
	return waitHTTP(ctx, c.url(name)+path, 60*time.Second)
}

// Close kills every server's process group.
func (c *Cluster) Close() {
	c.mu.Lock()
	names := make([]string, 0, len(c.procs))
	for n := range c.procs {
		names = append(names, n)
	}
	c.mu.Unlock()
	for _, n := range names {
		_ = c.Stop(n)
	}
}

// PIDs are the servers' process ids, by name.
func (c *Cluster) PIDs() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for n, cmd := range c.procs {
		out[n] = cmd.Process.Pid
	}
	return out
}

func (c *Cluster) s3ConfigPath() string { return filepath.Join(c.cfg.Dir, "s3.json") }

// writeS3Config writes the gateway's identities (0400: it holds the secret).
func (c *Cluster) writeS3Config() error {
	return WriteS3Config(c.s3ConfigPath(), c.cfg.AccessKey, c.cfg.SecretKey)
}

// waitS3 waits until the gateway answers an S3 request (any status: an
// anonymous ListBuckets is refused, which proves it is up).
func (c *Cluster) waitS3(ctx context.Context) error {
	return waitHTTP(ctx, c.url("s3")+"/", 60*time.Second)
}

// explain adds the tail of a server's log to an error.
func (c *Cluster) explain(name string, err error) error {
	b, _ := os.ReadFile(filepath.Join(c.cfg.Dir, name+".log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return fmt.Errorf("weed %s: %w\n%s", name, err, b)
}

// waitHTTP polls url until it answers (any status) or the timeout passes.
func waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer: %w", url, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// freePorts finds n distinct ports free now on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var out []int
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	for len(out) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// RestartAll kills every server and starts them again on the same ports and
// data, in dependency order: a whole-cluster crash and recovery.
func (c *Cluster) RestartAll(ctx context.Context) error {
	c.Close()
	names := []string{"master"}
	for i := range c.cfg.Volumes {
		names = append(names, volumeName(i))
	}
	for _, n := range append(names, "filer", "s3") {
		if err := c.Restart(ctx, n); err != nil {
			return c.explain(n, err)
		}
	}
	return nil
}
