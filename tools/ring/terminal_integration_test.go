//go:build integration

package main_test

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// terminal runs a command on a pseudo-terminal, as a user's shell would,
// and records what it shows: the text (terminal codes removed) and when
// each line that was not on screen before appeared.
type terminal struct {
	mu      sync.Mutex
	raw     strings.Builder
	text    strings.Builder
	seen    map[string]bool
	changes []time.Time // when a line never shown before appeared
	json    []string    // lines that look like JSON log lines
	pending string      // the unfinished last line
	done    chan struct{}
}

// csi matches terminal control sequences (cursor moves, erase, modes).
var csi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// logLine matches a zerolog JSON line.
var logLine = regexp.MustCompile(`^\s*\{.*"level":"`)

func startTerminal(t *testing.T, cmd *exec.Cmd) *terminal {
	t.Helper()
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 60, Cols: 180})
	if err != nil {
		t.Fatal(err)
	}
	term := &terminal{seen: map[string]bool{}, done: make(chan struct{})}
	go func() {
		defer close(term.done)
		defer f.Close()
		buf := make([]byte, 32<<10)
		for {
			n, err := f.Read(buf)
			if n > 0 {
				term.write(string(buf[:n]))
			}
			if err != nil {
				return // EIO once the command exits
			}
		}
	}()
	return term
}

func (term *terminal) write(s string) {
	term.mu.Lock()
	defer term.mu.Unlock()
	now := time.Now()
	term.raw.WriteString(s)
	s = term.pending + csi.ReplaceAllString(s, "")
	parts := regexp.MustCompile(`[\r\n]+`).Split(s, -1)
	term.pending = parts[len(parts)-1]
	for _, line := range parts[:len(parts)-1] {
		term.text.WriteString(line + "\n")
		if logLine.MatchString(line) {
			term.json = append(term.json, line)
		}
		if l := strings.TrimSpace(line); l != "" && !term.seen[l] {
			term.seen[l] = true
			term.changes = append(term.changes, now)
		}
	}
}

// String is the text shown so far, without terminal codes.
func (term *terminal) String() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.text.String() + term.pending
}

// longestStill is the longest time between two changes from the first to
// the last, and when it began.
func (term *terminal) longestStill() (time.Duration, time.Time) {
	term.mu.Lock()
	defer term.mu.Unlock()
	var longest time.Duration
	var at time.Time
	for i := 1; i < len(term.changes); i++ {
		if d := term.changes[i].Sub(term.changes[i-1]); d > longest {
			longest, at = d, term.changes[i-1]
		}
	}
	return longest, at
}

func (term *terminal) jsonLines() []string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return append([]string(nil), term.json...)
}

// wait waits for the command to exit and the terminal to be read out.
func (term *terminal) wait(cmd *exec.Cmd) error {
	err := cmd.Wait()
	<-term.done
	return err
}

// ringOnTerminal starts ring with RING_HOME=home on a pseudo-terminal.
func ringOnTerminal(t *testing.T, home string, args ...string) (*exec.Cmd, *terminal) {
	t.Helper()
	cmd := exec.Command(ringBin, args...)
	cmd.Env = append(os.Environ(), "RING_HOME="+home, "RING_NATS_URL=", "TERM=xterm")
	term := startTerminal(t, cmd)
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = term.wait(cmd)
		}
	})
	return cmd, term
}
