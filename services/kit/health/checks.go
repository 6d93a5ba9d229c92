package health

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultTimeout bounds each check of one /readyz request.
const DefaultTimeout = 5 * time.Second

// Check says whether one dependency answers; nil means it does.
type Check func(ctx context.Context) error

// Checks are a process's named readiness checks. Safe for concurrent use;
// a nil *Checks has none and ignores Add.
type Checks struct {
	// Timeout bounds each check (0: DefaultTimeout).
	Timeout time.Duration

	mu     sync.Mutex
	names  []string
	checks map[string]Check
}

// Add adds a check under name. A name added before keeps its first check:
// services in one process that all drive Docker check it once.
func (c *Checks) Add(name string, check Check) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.checks == nil {
		c.checks = map[string]Check{}
	}
	if _, ok := c.checks[name]; ok {
		return
	}
	c.names = append(c.names, name)
	c.checks[name] = check
}

// Result is one check's answer.
type Result struct {
	Name string
	Err  error
	Took time.Duration
}

// Run runs every check at once, each within c.Timeout, and returns their
// results in the order they were added.
func (c *Checks) Run(ctx context.Context) []Result {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	names := append([]string(nil), c.names...)
	checks := make([]Check, len(names))
	for i, n := range names {
		checks[i] = c.checks[n]
	}
	c.mu.Unlock()
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	out := make([]Result, len(names))
	var wg sync.WaitGroup
	for i := range names {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			start := time.Now()
			err := checks[i](cctx)
			if err == nil && cctx.Err() != nil {
				err = fmt.Errorf("no answer within %s", timeout)
			}
			out[i] = Result{Name: names[i], Err: err, Took: time.Since(start)}
		})
	}
	wg.Wait()
	return out
}

// Handler is /readyz: it runs the checks and answers 200 when all pass,
// 503 when one fails, with a line per check:
//
//	[+] nats ok (1ms)
//	[-] docker failed: docker daemon does not answer at unix:///var/run/docker.sock: …
//	not ready: docker
func (c *Checks) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		var failed []string
		for _, res := range c.Run(r.Context()) {
			if res.Err != nil {
				failed = append(failed, res.Name)
				fmt.Fprintf(&b, "[-] %s failed: %v\n", res.Name, oneLine(res.Err.Error()))
				continue
			}
			fmt.Fprintf(&b, "[+] %s ok (%s)\n", res.Name, res.Took.Round(time.Millisecond))
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if len(failed) > 0 {
			fmt.Fprintf(&b, "not ready: %s\n", strings.Join(failed, ", "))
			w.WriteHeader(http.StatusServiceUnavailable)
		} else {
			b.WriteString("ready\n")
		}
		_, _ = w.Write([]byte(b.String()))
	})
}

// Live is /healthz: the process is up and serving.
func Live() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte("ok\n"))
	})
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }
