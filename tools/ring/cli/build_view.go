package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"ringmaster.dev/builder/matrix"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/image"
)

// matrixView shows a build live: the cells as rows = components, columns =
// distros; a row per toolchain image being made, with its step and how
// long it has taken; a row per publication still under way. On a terminal
// it is redrawn every second; elsewhere it prints a line per change.
type matrixView struct {
	scr      *screen
	stack    string
	run      string
	comps    []string
	distros  []string
	cells    map[string]*cellRow // component/distro
	imageOf  map[string]string   // component → recipe of its build image
	images   map[string]*imageRow
	order    []string           // image rows in the order they appear
	pubs     map[string]*pubRow // distro → publication under way
	since    time.Time
	failures []string
	// imagesDone is called once for each distro when every image the
	// build needs for it is ready (or could not be made).
	imagesDone func(distro string)
	fired      map[string]bool
	// Times, for the main job's report.
	times buildTimes
	final bool // the build ended: the last drawing
}

type cellRow struct {
	state   string
	started time.Time
}

type imageRow struct {
	name, distro string
	step, detail string
	start        time.Time
	done, built  bool
	took         time.Duration
	// note says why an image is here that the build does not need.
	note string
}

type pubRow struct {
	channel, state string
	since          time.Time
}

// buildTimes is where a build's time went.
type buildTimes struct {
	Images  []imageTime   // images built now (present ones cost nothing)
	Took    time.Duration // from the request to build.finished
	Publish time.Duration // from build.finished to the last publication
}

type imageTime struct {
	Name, Distro string
	Took         time.Duration
}

func newMatrixView(scr *screen, stackName, run string, cells []matrix.Cell, imageOf map[string]string) *matrixView {
	v := &matrixView{scr: scr, stack: stackName, run: run, cells: map[string]*cellRow{}, imageOf: imageOf,
		images: map[string]*imageRow{}, pubs: map[string]*pubRow{}, since: time.Now(), fired: map[string]bool{}}
	for _, c := range cells {
		if !slices.Contains(v.comps, c.Component) {
			v.comps = append(v.comps, c.Component)
		}
		if !slices.Contains(v.distros, c.Distro) {
			v.distros = append(v.distros, c.Distro)
		}
		v.cells[c.Name()] = &cellRow{state: "queued"}
		if name := imageOf[c.Component]; name != "" {
			v.imageRow(name, c.Distro)
		}
	}
	scr.printf("build %s, run %s\n", stackName, run)
	v.draw()
	return v
}

func (v *matrixView) imageRow(name, distro string) *imageRow {
	k := name + "@" + distro
	r, ok := v.images[k]
	if !ok {
		r = &imageRow{name: name, distro: distro, step: "queued", start: time.Now()}
		v.images[k] = r
		v.order = append(v.order, k)
	}
	return r
}

// setCell changes a cell's state; without a terminal it prints a line for
// every real change (not for the time added to "ok").
func (v *matrixView) setCell(cell, state string) {
	c, ok := v.cells[cell]
	if !ok || c.state == state {
		return
	}
	old := c.state
	c.state = state
	if state == "running" {
		c.started = time.Now()
	}
	if !v.scr.tty && (word(old) != word(state) || strings.Contains(state, "cached") != strings.Contains(old, "cached")) {
		v.scr.printf("%-32s %s\n", cell, state)
	}
}

func word(s string) string {
	w, _, _ := strings.Cut(s, " ")
	return w
}

// image takes an image step, the builder's (a fact) or one made here.
func (v *matrixView) image(p events.ImageProgress, note string) {
	r := v.imageRow(p.Image, p.Distro)
	if note != "" {
		r.note = note
	}
	oldStep := r.step
	r.take(p)
	if r.done && r.built && note == "" {
		v.times.Images = append(v.times.Images, imageTime{Name: p.Image, Distro: p.Distro, Took: r.took})
	}
	if !v.scr.tty && p.Step != oldStep && !(p.Step == image.PhaseReady && !p.Built) {
		v.scr.printf("image %s %s: %s\n", p.Image, p.Distro, strings.TrimSpace(p.Step+" "+p.Detail))
	}
	v.checkImagesDone()
}

// take updates the row from a step.
func (r *imageRow) take(p events.ImageProgress) {
	r.step, r.detail = p.Step, p.Detail
	r.start = time.Now().Add(-time.Duration(p.Seconds * float64(time.Second)))
	if p.Step == image.PhaseReady || p.Step == image.PhaseFailed {
		r.done, r.built = true, p.Built
		r.took = time.Duration(p.Seconds * float64(time.Second))
	}
}

// text is the row's live line: image, distro, step, time so far.
func (r *imageRow) text() string {
	state := strings.TrimSpace(r.step + " " + r.detail)
	if !r.done {
		state += "  " + elapsed(time.Since(r.start))
	}
	if r.note != "" {
		state += "  (" + r.note + ")"
	}
	return fmt.Sprintf("image %-18s %-12s %s", r.name, r.distro, state)
}

func (v *matrixView) checkImagesDone() {
	if v.imagesDone == nil {
		return
	}
	for _, d := range v.distros {
		if v.fired[d] {
			continue
		}
		done := true
		for _, r := range v.images {
			if r.distro == d && r.note == "" && !r.done {
				done = false
			}
		}
		if done {
			v.fired[d] = true
			v.imagesDone(d)
		}
	}
}

// draw shows the live block (on a terminal).
func (v *matrixView) draw() {
	if !v.scr.tty {
		return
	}
	v.scr.show(v.lines()...)
}

func (v *matrixView) lines() []string {
	var out []string
	var b strings.Builder
	fmt.Fprintf(&b, "%-24s", "")
	for _, d := range v.distros {
		fmt.Fprintf(&b, "%-24s", d)
	}
	out = append(out, strings.TrimRight(b.String(), " "))
	for _, c := range v.comps {
		b.Reset()
		fmt.Fprintf(&b, "%-24s", c)
		for _, d := range v.distros {
			fmt.Fprintf(&b, "%-24s", v.cellText(c, d))
		}
		out = append(out, strings.TrimRight(b.String(), " "))
	}
	for _, k := range v.order {
		r := v.images[k]
		if r.step == image.PhaseReady && !r.built || v.final && !r.done {
			continue // present: nothing to watch; at the end: not the build's
		}
		out = append(out, r.text())
	}
	for _, d := range slices.Sorted(maps.Keys(v.pubs)) {
		p := v.pubs[d]
		out = append(out, fmt.Sprintf("publish %-16s %-12s %s  %s", p.channel, d, p.state, elapsed(time.Since(p.since))))
	}
	return out
}

func (v *matrixView) cellText(comp, distro string) string {
	c, ok := v.cells[comp+"/"+distro]
	switch {
	case !ok:
		return "-" // not built for this distro
	case c.state == "queued":
		if r := v.images[v.imageOf[comp]+"@"+distro]; r != nil && !r.done {
			return "waiting for image"
		}
	case c.state == "running":
		return "running " + elapsed(time.Since(c.started))
	}
	return c.state
}

// follow updates the view from the run's facts, and from steps of images
// made here (local, may be nil), until the build and its publications
// finish.
func (v *matrixView) follow(ctx context.Context, facts <-chan events.Envelope, local <-chan localStep, wait time.Duration) error {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var finished *events.BuildFinished
	failed := false
	for {
		select {
		case env := <-facts:
			switch env.Type {
			case "ringmaster.image.progress.v1":
				var p events.ImageProgress
				_ = json.Unmarshal(env.Data, &p)
				v.image(p, "")
			case "ringmaster.build.log.v1":
				var l events.BuildLog
				_ = json.Unmarshal(env.Data, &l)
				if cell := l.Component + "/" + l.Distro; v.cells[cell] != nil && (v.cells[cell].state == "queued" || strings.HasPrefix(v.cells[cell].state, "waiting")) {
					v.setCell(cell, "running")
				}
			case "ringmaster.cell.waiting.v1":
				var w events.CellWaiting
				_ = json.Unmarshal(env.Data, &w)
				if cell := w.Component + "/" + w.Distro; v.cells[cell] != nil && v.cells[cell].state == "queued" {
					v.setCell(cell, "waiting: "+w.Reason)
				}
			case "ringmaster.build.succeeded.v1":
				var s events.BuildSucceeded
				_ = json.Unmarshal(env.Data, &s)
				state := "ok"
				if s.Cached {
					state = "ok (cached)"
				}
				v.setCell(s.Component+"/"+s.Distro, state)
			case "ringmaster.build.failed.v1":
				var f events.BuildFailed
				_ = json.Unmarshal(env.Data, &f)
				cell := f.Component + "/" + f.Distro
				if f.Skipped {
					v.setCell(cell, "skipped")
					v.failures = append(v.failures, fmt.Sprintf("%s skipped: %s", cell, f.Reason))
				} else {
					v.setCell(cell, "failed")
					v.failures = append(v.failures, fmt.Sprintf("%s failed: %s\nfull log: ring build logs %s %s", cell, f.Reason, v.run, cell))
				}
			case "ringmaster.build.finished.v1":
				finished = &events.BuildFinished{}
				_ = json.Unmarshal(env.Data, finished)
				v.times.Took = time.Since(v.since)
				for _, c := range finished.Cells {
					v.setCell(c.Component+"/"+c.Distro, cellLabel(c))
					if c.State != "ok" {
						failed = true
					} else if v.pubs[c.Distro] == nil {
						v.pubs[c.Distro] = &pubRow{channel: finished.Channel, state: "publishing", since: time.Now()}
					}
				}
			case "ringmaster.repo.waiting.v1":
				var w events.RepoWaiting
				_ = json.Unmarshal(env.Data, &w)
				for _, d := range w.Distros {
					if p := v.pubs[d]; p != nil && p.state == "publishing" {
						p.state = "waiting for channel " + w.Channel
						if !v.scr.tty {
							v.scr.printf("%s: waiting for channel %s (another publication writes it)\n", d, w.Channel)
						}
					}
				}
			case "ringmaster.repo.published.v1":
				var p events.RepoPublished
				_ = json.Unmarshal(env.Data, &p)
				for _, d := range p.Distros {
					if v.pubs[d] != nil {
						delete(v.pubs, d)
						v.scr.printf("published %s to %s: %s\n", d, p.Channel, p.URLs["apt"])
					}
				}
			case "ringmaster.command.failed.v1":
				var f events.CommandFailed
				_ = json.Unmarshal(env.Data, &f)
				v.scr.show()
				v.scr.printf("%s gave up on %s: %s\n", f.Service, f.CommandType, f.Reason)
				return exitError{code: 1}
			}
			if finished != nil && len(v.pubs) == 0 {
				v.times.Publish = time.Since(v.since) - v.times.Took
				return v.end(failed)
			}
			v.draw()
		case s := <-local:
			v.image(*s.Fact(), s.note)
			v.draw()
		case <-tick.C:
			v.draw()
		case <-timer.C:
			v.scr.printf("no result within %s (see `ring status`, `ring events tail --run %s`)\n", wait, v.run)
			return exitError{code: 2}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// end leaves the final matrix on screen, then the failures and the time.
func (v *matrixView) end(failed bool) error {
	v.final = true
	if v.scr.tty {
		v.draw()
		v.scr.done()
	} else {
		for _, l := range v.lines() {
			v.scr.printf("%s\n", l)
		}
	}
	for _, f := range v.failures {
		v.scr.printf("%s\n", f)
	}
	v.scr.printf("done in %s\n", time.Since(v.since).Round(100*time.Millisecond))
	if failed {
		return exitError{code: 1}
	}
	return nil
}

// localStep is a step of an image this process makes, with why.
type localStep struct {
	image.Step
	note string
}

func cellLabel(c events.CellResult) string {
	switch {
	case c.State == "ok" && c.Cached:
		return "ok (cached)"
	case c.State == "ok":
		return fmt.Sprintf("ok %s", (time.Duration(c.Seconds * float64(time.Second))).Round(100*time.Millisecond))
	}
	return c.State
}
