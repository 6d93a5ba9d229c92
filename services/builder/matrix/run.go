package matrix

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// State of a cell.
type State string

const (
	Queued  State = "queued"
	Running State = "running"
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

// Runner builds one cell; cached says its artifacts already existed.
type Runner func(ctx context.Context, c Cell) (cached bool, err error)

// Run runs cells with at most parallel at once, each after its
// dependencies succeeded; a cell whose dependency failed or was skipped is
// skipped with the reason. onChange (may be nil) sees every state change,
// from one goroutine at a time. It returns the outcomes in plan order.
func Run(ctx context.Context, cells []Cell, parallel int, run Runner, onChange func(Outcome)) []Outcome {
	parallel = max(parallel, 1)
	out := make([]Outcome, len(cells))
	index := map[string]int{}
	for i, c := range cells {
		out[i] = Outcome{Cell: c, State: Queued}
		index[c.Name()] = i
	}
	var mu sync.Mutex
	notify := func(i int) {
		if onChange != nil {
			onChange(out[i])
		}
	}
	mu.Lock()
	for i := range out {
		notify(i)
	}
	mu.Unlock()

	done := make(chan int)
	running := 0
	finished := 0
	// ready returns the queued cells whose dependencies all finished, marking
	// as skipped those with a dependency that did not succeed.
	ready := func() []int {
		var r []int
		for changed := true; changed; {
			changed = false
			for i := range out {
				if out[i].State != Queued {
					continue
				}
				ok := true
				for _, d := range out[i].Cell.Deps {
					j, known := index[d+"/"+out[i].Cell.Distro]
					if !known {
						continue // not part of this run: its packages come from earlier builds
					}
					switch out[j].State {
					case OK:
					case Failed, Skipped:
						out[i].State, out[i].Reason = Skipped, fmt.Sprintf("dependency %s %s", out[j].Cell.Name(), out[j].State)
						finished++
						notify(i)
						changed = true
						ok = false
					default:
						ok = false
					}
					if !ok {
						break
					}
				}
				if ok && out[i].State == Queued {
					r = append(r, i)
				}
			}
		}
		return r
	}
	for finished < len(out) {
		mu.Lock()
		for _, i := range ready() {
			if running >= parallel {
				break
			}
			if ctx.Err() != nil {
				out[i].State, out[i].Reason = Skipped, "cancelled: "+ctx.Err().Error()
				finished++
				notify(i)
				continue
			}
			out[i].State = Running
			notify(i)
			running++
			go func(i int) {
				start := time.Now()
				cached, err := run(ctx, out[i].Cell)
				mu.Lock()
				out[i].Took, out[i].Cached = time.Since(start), cached
				if err != nil {
					out[i].State, out[i].Reason = Failed, err.Error()
				} else {
					out[i].State = OK
				}
				notify(i)
				mu.Unlock()
				done <- i
			}(i)
		}
		if finished == len(out) {
			mu.Unlock()
			break
		}
		mu.Unlock()
		if running == 0 {
			// Nothing runs and nothing could start: only possible when
			// every remaining cell was just skipped (handled above).
			continue
		}
		<-done
		mu.Lock()
		running--
		finished++
		mu.Unlock()
	}
	return out
}
