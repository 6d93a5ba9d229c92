package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"
	builder "ringmaster.dev/builder"
	"ringmaster.dev/builder/matrix"
	"ringmaster.dev/builder/stack"
	"ringmaster.dev/events"
)

func newBuild(g *globals) *cobra.Command {
	var stackName, channel, commit string
	var components, distros []string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "build --stack S [--component C] [--distro D]",
		Short: "Build a stack's distro × component matrix into packages and publish them",
		Long: `Ask the builder to build every cell (component × distro) of a stack in toolchain
containers — dependencies first, up to one cell per core at once, cells whose
build key already has artifacts skipped — then publish the packages into the
channel's signed repository. Shows a live matrix; a failed cell shows its last
log lines and the command for its full log.`,
		Example: `  ring build --stack fixture
  ring build --stack demo --component redis --distro debian-12
  ring build --stack fixture --commit 0123456789abcdef0123456789abcdef01234567   # a stack from git (ring stack add)
  ring build logs RUN ringhello/debian-12 --follow`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req := &events.BuildRequested{Stack: stackName, Components: components, Distros: distros, Channel: channel}
			if commit != "" {
				git, err := gitRef(cmd.Context(), g, stackName, commit)
				if err != nil {
					return err
				}
				req.Git = git
			}
			return runBuild(cmd.Context(), cmd.OutOrStdout(), g, req, wait)
		},
	}
	cmd.Flags().StringVar(&stackName, "stack", "", "stack under infra/stacks (env RING_STACKS for another directory)")
	cmd.Flags().StringArrayVar(&components, "component", nil, "only this component (and its build dependencies); repeatable")
	cmd.Flags().StringArrayVar(&distros, "distro", nil, "only this distro; repeatable")
	cmd.Flags().StringVar(&channel, "channel", "", "channel to publish into (default: the channel stack.yaml names)")
	cmd.Flags().StringVar(&commit, "commit", "", "build a stack from git at this commit (40 hex digits; ring stack add registers the repository)")
	cmd.Flags().DurationVar(&wait, "wait", 2*time.Hour, "how long to wait for the whole build")
	_ = cmd.MarkFlagRequired("stack")
	cmd.AddCommand(newBuildLogs(g))
	return cmd
}

// runBuild checks the request against the stack here (a clear error before
// anything is sent), sends it and shows the live matrix until the build and
// its publications finish.
func runBuild(ctx context.Context, out io.Writer, g *globals, req *events.BuildRequested, wait time.Duration) error {
	opts := builder.OptionsFromEnv()
	var st *stack.Stack
	var err error
	if req.Git != nil {
		st, err = stackAtCommit(ctx, req)
	} else {
		st, err = stack.Load(filepath.Join(opts.StacksDir, req.Stack, "stack.yaml"))
	}
	if err != nil {
		return err
	}
	cells, err := matrix.Plan(st, req.Components, req.Distros)
	if err != nil {
		return err
	}
	r, err := begin(ctx, g, req)
	if err != nil {
		return err
	}
	defer r.Close()
	return newMatrixView(out, st.Name, r.ID, cells).follow(ctx, r.Facts, wait)
}

// matrixView shows cells as rows = components, columns = distros.
type matrixView struct {
	out      io.Writer
	tty      bool
	stack    string
	run      string
	comps    []string
	distros  []string
	state    map[string]string
	since    time.Time
	drawn    int
	failures []string
}

func newMatrixView(out io.Writer, stackName, run string, cells []matrix.Cell) *matrixView {
	v := &matrixView{out: out, stack: stackName, run: run, state: map[string]string{}, since: time.Now()}
	if f, ok := out.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		v.tty = true
	}
	seen := map[string]bool{}
	for _, c := range cells {
		if !seen[c.Component] {
			v.comps = append(v.comps, c.Component)
			seen[c.Component] = true
		}
		if !seen["@"+c.Distro] {
			v.distros = append(v.distros, c.Distro)
			seen["@"+c.Distro] = true
		}
		v.state[c.Name()] = "queued"
	}
	fmt.Fprintf(out, "build %s, run %s\n", stackName, run)
	v.draw()
	return v
}

func (v *matrixView) set(cell, state string) {
	old, ok := v.state[cell]
	if !ok || old == state {
		return
	}
	v.state[cell] = state
	if v.tty {
		v.draw()
	} else if word(old) != word(state) || strings.Contains(state, "cached") != strings.Contains(old, "cached") {
		// Without a terminal, one line per real change (not for the time added to "ok").
		fmt.Fprintf(v.out, "%-32s %s\n", cell, state)
	}
}

func word(s string) string {
	w, _, _ := strings.Cut(s, " ")
	return w
}

func (v *matrixView) draw() {
	if v.drawn > 0 {
		fmt.Fprintf(v.out, "\033[%dA\033[J", v.drawn)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-24s", "")
	for _, d := range v.distros {
		fmt.Fprintf(&b, "%-22s", d)
	}
	b.WriteString("\n")
	for _, c := range v.comps {
		fmt.Fprintf(&b, "%-24s", c)
		for _, d := range v.distros {
			st, ok := v.state[c+"/"+d]
			if !ok {
				st = "-" // not built for this distro
			}
			fmt.Fprintf(&b, "%-22s", st)
		}
		b.WriteString("\n")
	}
	fmt.Fprint(v.out, b.String())
	v.drawn = len(v.comps) + 1
	if !v.tty {
		v.drawn = 0
	}
}

// follow updates the view from the run's facts until the build and its
// publications finish.
func (v *matrixView) follow(ctx context.Context, facts <-chan events.Envelope, wait time.Duration) error {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var finished *events.BuildFinished
	pending := map[string]bool{}
	failed := false
	for {
		select {
		case env := <-facts:
			switch env.Type {
			case "ringmaster.build.log.v1":
				var l events.BuildLog
				_ = json.Unmarshal(env.Data, &l)
				if cell := l.Component + "/" + l.Distro; v.state[cell] == "queued" {
					v.set(cell, "running")
				}
			case "ringmaster.build.succeeded.v1":
				var s events.BuildSucceeded
				_ = json.Unmarshal(env.Data, &s)
				state := "ok"
				if s.Cached {
					state = "ok (cached)"
				}
				v.set(s.Component+"/"+s.Distro, state)
			case "ringmaster.build.failed.v1":
				var f events.BuildFailed
				_ = json.Unmarshal(env.Data, &f)
				cell := f.Component + "/" + f.Distro
				if f.Skipped {
					v.set(cell, "skipped")
					v.failures = append(v.failures, fmt.Sprintf("%s skipped: %s", cell, f.Reason))
				} else {
					v.set(cell, "failed")
					v.failures = append(v.failures, fmt.Sprintf("%s failed: %s\nfull log: ring build logs %s %s", cell, f.Reason, v.run, cell))
				}
			case "ringmaster.build.finished.v1":
				finished = &events.BuildFinished{}
				_ = json.Unmarshal(env.Data, finished)
				for _, c := range finished.Cells {
					v.set(c.Component+"/"+c.Distro, cellLabel(c))
					if c.State == "ok" {
						pending[c.Distro] = true
					} else {
						failed = true
					}
				}
			case "ringmaster.repo.published.v1":
				var p events.RepoPublished
				_ = json.Unmarshal(env.Data, &p)
				for _, d := range p.Distros {
					if pending[d] {
						delete(pending, d)
						fmt.Fprintf(v.out, "published %s to %s: %s\n", d, p.Channel, p.URLs["apt"])
					}
				}
			case "ringmaster.command.failed.v1":
				var f events.CommandFailed
				_ = json.Unmarshal(env.Data, &f)
				fmt.Fprintf(v.out, "%s gave up on %s: %s\n", f.Service, f.CommandType, f.Reason)
				return exitError{code: 1}
			}
			if finished != nil && len(pending) == 0 {
				if !v.tty {
					v.draw() // the final matrix, with times
				}
				for _, f := range v.failures {
					fmt.Fprintln(v.out, f)
				}
				fmt.Fprintf(v.out, "done in %s\n", time.Since(v.since).Round(100*time.Millisecond))
				if failed {
					return exitError{code: 1}
				}
				return nil
			}
		case <-tick.C:
			if v.tty {
				v.draw()
			}
		case <-timer.C:
			fmt.Fprintf(v.out, "no result within %s (see `ring status`, `ring events tail --run %s`)\n", wait, v.run)
			return exitError{code: 2}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
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

func newBuildLogs(g *globals) *cobra.Command {
	var follow bool
	cmd := &cobra.Command{
		Use:     "logs RUN CELL",
		Short:   "Print a build cell's log (CELL is component/distro)",
		Example: "  ring build logs 3f2a… ringhello/debian-12\n  ring build logs 3f2a… ringhello/debian-12 --follow",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			run, cell := args[0], args[1]
			comp, distro, ok := strings.Cut(cell, "/")
			if !ok {
				return fmt.Errorf("cell %q: write component/distro, e.g. ringhello/debian-12", cell)
			}
			ctx := cmd.Context()
			conn, err := g.connect(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			// Replay the cell's log batches from the fact stream, in order, then keep following.
			cons, err := conn.JS.OrderedConsumer(ctx, events.FactStream, jetstream.OrderedConsumerConfig{
				FilterSubjects: []string{"ringmaster.fact.build.log", "ringmaster.fact.build.finished"}, DeliverPolicy: jetstream.DeliverAllPolicy})
			if err != nil {
				return err
			}
			batches := map[int][]string{}
			next, printed := 0, 0
			for {
				fctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				msg, err := cons.Next(jetstream.FetchContext(fctx))
				cancel()
				if err != nil {
					if ctx.Err() != nil {
						return nil
					}
					if !follow {
						if printed == 0 {
							return fmt.Errorf("no log lines for %s in run %s (is the run id right? see `ring events tail`)", cell, run)
						}
						return nil
					}
					continue
				}
				env, err := events.FromHeaders(events.Header(msg.Headers()), msg.Data(), 0)
				if err != nil || env.RunID != run {
					continue
				}
				if env.Type == "ringmaster.build.finished.v1" && follow {
					return nil
				}
				var l events.BuildLog
				if json.Unmarshal(env.Data, &l) != nil || l.Component != comp || l.Distro != distro {
					continue
				}
				batches[l.Seq] = l.Lines
				for lines, ok := batches[next]; ok; lines, ok = batches[next] {
					for _, line := range lines {
						fmt.Fprintln(cmd.OutOrStdout(), line)
					}
					printed += len(lines)
					delete(batches, next)
					next++
				}
			}
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new lines until the build finishes")
	return cmd
}
