package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
)

// screen keeps a block of live lines under what a command printed so far.
// On a terminal the block is redrawn in place (long lines are clipped, not
// wrapped, so the block keeps its height); elsewhere nothing is redrawn and
// only the lines printed with printf appear.
type screen struct {
	out   io.Writer
	tty   bool
	drawn int
	live  []string
}

func newScreen(out io.Writer) *screen {
	s := &screen{out: out}
	if f, ok := out.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		s.tty = true
	}
	return s
}

// printf prints a line (or lines) above the live block.
func (s *screen) printf(format string, args ...any) {
	s.erase()
	fmt.Fprintf(s.out, format, args...)
	s.redraw()
}

// show replaces the live block (on a terminal; elsewhere it is not shown).
func (s *screen) show(lines ...string) {
	s.live = lines
	s.erase()
	s.redraw()
}

// done leaves the live block as it is, as ordinary lines, and starts a new
// empty one below it.
func (s *screen) done() {
	s.drawn, s.live = 0, nil
}

func (s *screen) erase() {
	if s.tty && s.drawn > 0 {
		fmt.Fprintf(s.out, "\033[%dA\033[J", s.drawn)
	}
	s.drawn = 0
}

func (s *screen) redraw() {
	if !s.tty || len(s.live) == 0 {
		return
	}
	// Auto-wrap off while drawing: a line wider than the terminal is cut
	// instead of taking two rows the next erase would not know of.
	fmt.Fprint(s.out, "\033[?7l"+strings.Join(s.live, "\n")+"\n\033[?7h")
	s.drawn = len(s.live)
}

// elapsed formats a running time for a live line: 7s, 1m02s.
func elapsed(d time.Duration) string {
	d = d.Round(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}
