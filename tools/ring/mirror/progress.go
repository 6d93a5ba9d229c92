package mirror

import (
	"fmt"
	"github.com/dustin/go-humanize"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// progress prints "files done/total, bytes downloaded/planned" to w: in
// place on a terminal, a line every few seconds otherwise.
type progress struct {
	w                 io.Writer
	tty               bool
	files, done       atomic.Int64
	bytes, totalBytes atomic.Int64
	stopc             chan struct{}
	wg                sync.WaitGroup
	mu                sync.Mutex
	lastLen           int
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) addBytes(n int64)      { p.bytes.Add(n) }
func (p *progress) addTotalBytes(n int64) { p.totalBytes.Add(n) }
func (p *progress) addDone(n int64)       { p.done.Add(n) }
func (p *progress) setTotalFiles(n int)   { p.files.Store(int64(n)) }

func (p *progress) start() {
	if p == nil || p.w == nil {
		return
	}
	p.stopc = make(chan struct{})
	every := 5 * time.Second
	if p.tty {
		every = 250 * time.Millisecond
	}
	p.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.print()
			case <-p.stopc:
				return
			}
		}
	})
}

func (p *progress) stop() {
	if p.stopc != nil {
		close(p.stopc)
		p.wg.Wait()
		p.stopc = nil
		if p.tty {
			p.mu.Lock()
			fmt.Fprintln(p.w)
			p.mu.Unlock()
		}
	}
}

// final prints the last state once, whatever the interval.
func (p *progress) final() {
	if p.w != nil {
		p.print()
	}
}

func (p *progress) line() string {
	files := "…"
	if n := p.files.Load(); n > 0 {
		files = fmt.Sprint(n)
	}
	return fmt.Sprintf("mirror: %d/%s files, %s/%s downloaded", p.done.Load(), files, humanize.IBytes(uint64(p.bytes.Load())), humanize.IBytes(uint64(p.totalBytes.Load())))
}

func (p *progress) print() {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.line()
	if p.tty {
		pad := max(p.lastLen-len(l), 0)
		fmt.Fprintf(p.w, "\r%s%*s", l, pad, "")
		p.lastLen = len(l)
		return
	}
	fmt.Fprintln(p.w, l)
}
