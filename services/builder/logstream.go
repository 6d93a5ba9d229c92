package builder

import (
	"bufio"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"ringmaster.dev/events"
)

// tailLines is how many last lines a failed cell reports.
const tailLines = 50

// logStream writes a cell's log to a file and, in batches, to build.log
// events, and keeps the last lines for the failure message.
type logStream struct {
	file  *os.File
	pw    *io.PipeWriter
	done  chan struct{}
	mu    sync.Mutex
	tail  []string
	emit  func(seq int, lines []string)
	batch []string
	seq   int
}

func newLogStream(path string, emit func(seq int, lines []string)) (*logStream, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	l := &logStream{file: f, pw: pw, done: make(chan struct{}), emit: emit}
	go l.pump(pr)
	return l, nil
}

func (l *logStream) Write(p []byte) (int, error) { return l.pw.Write(p) }

func (l *logStream) pump(r io.Reader) {
	defer close(l.done)
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		io.Copy(io.Discard, r) //nolint:errcheck // drain after an over-long line
		close(lines)
	}()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				l.flush()
				return
			}
			l.file.WriteString(line + "\n") //nolint:errcheck // the log file is best effort
			l.mu.Lock()
			l.tail = append(l.tail, line)
			if len(l.tail) > tailLines {
				l.tail = l.tail[len(l.tail)-tailLines:]
			}
			l.mu.Unlock()
			l.batch = append(l.batch, line)
			if len(l.batch) >= 200 {
				l.flush()
			}
		case <-tick.C:
			l.flush()
		}
	}
}

func (l *logStream) flush() {
	if len(l.batch) == 0 {
		return
	}
	l.emit(l.seq, l.batch)
	l.seq++
	l.batch = nil
}

// Close flushes everything and closes the file.
func (l *logStream) Close() error {
	l.pw.Close()
	<-l.done
	return l.file.Close()
}

// Tail is the last lines, for a failure message.
func (l *logStream) Tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.tail, "\n")
}

func logEvent(stack, component, distro string, seq int, lines []string) *events.BuildLog {
	return &events.BuildLog{Stack: stack, Component: component, Distro: distro, Seq: seq, Lines: lines}
}
