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
// and records what it shows: the text (terminal codes removed), when each
// piece of output arrived, and the lines that look like JSON logs.
type terminal struct {
	mu      sync.Mutex
	raw     strings.Builder
	arrived []chunk // when each piece of raw arrived
	text    strings.Builder
	json    []string // lines that look like JSON log lines
	pending string   // the unfinished last line
	done    chan struct{}
}

// chunk is a piece of output: it ends at raw offset end and arrived at at.
type chunk struct {
	end int
	at  time.Time
}

// erase is how a live block is taken back before it is redrawn (cursor up
// n lines, erase to the end of the screen): what follows is a new frame.
var erase = regexp.MustCompile(`\x1b\[\d+A\x1b\[J`)

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
	term := &terminal{done: make(chan struct{})}
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
	term.raw.WriteString(s)
	term.arrived = append(term.arrived, chunk{end: term.raw.Len(), at: time.Now()})
	s = term.pending + csi.ReplaceAllString(s, "")
	parts := regexp.MustCompile(`[\r\n]+`).Split(s, -1)
	term.pending = parts[len(parts)-1]
	for _, line := range parts[:len(parts)-1] {
		term.text.WriteString(line + "\n")
		if logLine.MatchString(line) {
			term.json = append(term.json, line)
		}
	}
}

// String is the text shown so far, without terminal codes.
func (term *terminal) String() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.text.String() + term.pending
}

// longestStill is the longest time the screen stood still from the first
// output to the last, and when it began. Output that adds text changes the
// screen; a live block taken back (erased) and drawn again changes it only
// if it reads differently from before — redrawing the same text, or nothing,
// is standing still.
func (term *terminal) longestStill() (time.Duration, time.Time) {
	term.mu.Lock()
	defer term.mu.Unlock()
	raw := term.raw.String()
	var changes []time.Time
	frame, before := "", "" // the text since the last erase, and before it
	start := 0
	for _, c := range term.arrived {
		parts := erase.Split(raw[start:c.end], -1)
		start = c.end
		first := strings.TrimSpace(csi.ReplaceAllString(parts[0], ""))
		frame += first
		changed := first != ""
		for _, p := range parts[1:] {
			before, frame = frame, strings.TrimSpace(csi.ReplaceAllString(p, ""))
			changed = changed || frame != before && frame != ""
		}
		if changed {
			changes = append(changes, c.at)
		}
	}
	var longest time.Duration
	var from time.Time
	for i := 1; i < len(changes); i++ {
		if d := changes[i].Sub(changes[i-1]); d > longest {
			longest, from = d, changes[i-1]
		}
	}
	return longest, from
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

// The still-screen measure itself: added text and a redraw that reads
// differently are changes; a redraw of the same text is not.
func TestTerminalStill(t *testing.T) {
	term := &terminal{}
	t0 := time.Now()
	for i, out := range []string{
		"building\n", // 0 s: text
		"  … 2s\n",   // 1 s: a live line appears
		"\x1b[1A\x1b[J\x1b[?7l  … 3s\n\x1b[?7h", // 2 s: redrawn, reads differently
		"\x1b[1A\x1b[J\x1b[?7l  … 3s\n\x1b[?7h", // 3 s: the same again: still
		"\x1b[1A\x1b[J\x1b[?7l  … 3s\n\x1b[?7h", // 4 s: still
		"\x1b[1A\x1b[J", // 5 s: taken back, nothing drawn: still
		"ready\n",       // 9 s: text
	} {
		at := t0.Add(time.Duration(i) * time.Second)
		if i == 6 {
			at = t0.Add(9 * time.Second)
		}
		term.raw.WriteString(out)
		term.arrived = append(term.arrived, chunk{end: term.raw.Len(), at: at})
	}
	if still, from := term.longestStill(); still != 7*time.Second || !from.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("longest still %s from %s, want 7s from 2s", still, from.Sub(t0))
	}
}
