package matrix

import (
	"fmt"
	"time"
)

// State of a cell.
type State string

const (
	Queued  State = "queued"
	Running State = "running" // sent to the builders
	OK      State = "ok"
	Failed  State = "failed"
	Skipped State = "skipped"
)

// Outcome is where a cell stands.
type Outcome struct {
	Cell   Cell
	State  State
	Reason string
	Cached bool
	Took   time.Duration
}

// Board is where a planned matrix stands. It changes only through what
// happened to its cells (Succeeded, Failed) and through Next, which
// releases the cells whose dependencies succeeded and skips those with a
// dependency that did not — so a coordinator that crashed rebuilds the
// same board by replaying the cells' facts, and goes on from there.
type Board struct {
	out   []Outcome
	index map[string]int
}

// NewBoard starts a board with every cell queued, in plan order.
func NewBoard(cells []Cell) *Board {
	b := &Board{out: make([]Outcome, len(cells)), index: map[string]int{}}
	for i, c := range cells {
		b.out[i] = Outcome{Cell: c, State: Queued}
		b.index[c.Name()] = i
	}
	return b
}

// Succeeded records that the cell built (or was found built). It tells
// whether that changed the board: a cell that already ended stays as it
// ended (a fact seen twice, or after the cell was given up).
func (b *Board) Succeeded(name string, cached bool, took time.Duration) bool {
	return b.end(name, Outcome{State: OK, Cached: cached, Took: took})
}

// Failed records that the cell failed, or (skipped) that it was skipped.
func (b *Board) Failed(name, reason string, skipped bool, took time.Duration) bool {
	s := Failed
	if skipped {
		s = Skipped
	}
	return b.end(name, Outcome{State: s, Reason: reason, Took: took})
}

func (b *Board) end(name string, o Outcome) bool {
	i, ok := b.index[name]
	if !ok || b.out[i].State == OK || b.out[i].State == Failed || b.out[i].State == Skipped {
		return false
	}
	o.Cell = b.out[i].Cell
	b.out[i] = o
	return true
}

// Next marks as running and returns the queued cells whose dependencies
// all succeeded (a dependency outside the plan counts as built: its
// packages come from an earlier build), and marks as skipped and returns
// the queued cells with a dependency that failed or was skipped, with the
// reason. Cells come in plan order.
func (b *Board) Next() (ready []Cell, skipped []Outcome) {
	for changed := true; changed; {
		changed = false
		for i := range b.out {
			if b.out[i].State != Queued {
				continue
			}
			go_ := true
			for _, d := range b.out[i].Cell.Deps {
				j, known := b.index[d+"/"+b.out[i].Cell.Distro]
				if !known {
					continue
				}
				switch b.out[j].State {
				case OK:
				case Failed, Skipped:
					b.out[i].State, b.out[i].Reason = Skipped, fmt.Sprintf("dependency %s %s", b.out[j].Cell.Name(), b.out[j].State)
					skipped = append(skipped, b.out[i])
					changed = true
					go_ = false
				default:
					go_ = false
				}
				if !go_ {
					break
				}
			}
			if go_ {
				b.out[i].State = Running
				ready = append(ready, b.out[i].Cell)
			}
		}
	}
	return ready, skipped
}

// Done tells whether every cell ended.
func (b *Board) Done() bool {
	for _, o := range b.out {
		if o.State == Queued || o.State == Running {
			return false
		}
	}
	return true
}

// Outcomes are the cells' outcomes in plan order.
func (b *Board) Outcomes() []Outcome { return append([]Outcome(nil), b.out...) }

// Outcome is where the cell named stands.
func (b *Board) Outcome(name string) (Outcome, bool) {
	i, ok := b.index[name]
	if !ok {
		return Outcome{}, false
	}
	return b.out[i], true
}

// Cell finds a cell of the plan by name.
func (b *Board) Cell(name string) (Cell, bool) {
	i, ok := b.index[name]
	if !ok {
		return Cell{}, false
	}
	return b.out[i].Cell, true
}
