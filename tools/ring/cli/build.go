package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"
	builder "ringmaster.dev/builder"
	"ringmaster.dev/builder/matrix"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/stack"
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
channel's signed repository. Shows a live matrix, a row per toolchain image
being made (distro, step, time so far; images are made side by side with the
cells, each cell waiting only for its own) and per publication under way
("waiting for channel nightly" while another publication writes it); a
failed cell shows its last log lines and the command for its full log.`,
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
	_, err := buildLive(ctx, newScreen(out), g, req, wait, nil, nil)
	return err
}

// buildLive is runBuild on scr; imagesDone (may be nil) is called once per
// distro when the images the build needs for it are made, and local's
// image steps (may be nil) are shown among the build's. The view returned
// says where the time went.
func buildLive(ctx context.Context, scr *screen, g *globals, req *events.BuildRequested, wait time.Duration, imagesDone func(distro string), local <-chan localStep) (*matrixView, error) {
	opts := builder.OptionsFromEnv()
	var st *stack.Stack
	var err error
	if req.Git != nil {
		st, err = stackAtCommit(ctx, req)
	} else {
		st, err = stack.Load(filepath.Join(opts.StacksDir, req.Stack, "stack.yaml"))
	}
	if err != nil {
		return nil, err
	}
	cells, err := matrix.Plan(st, req.Components, req.Distros)
	if err != nil {
		return nil, err
	}
	imageOf := map[string]string{}
	for _, c := range st.Components {
		imageOf[c.Name] = c.Build.Image
	}
	r, err := begin(ctx, g, req)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	v := newMatrixView(scr, st.Name, r.ID, cells, imageOf)
	v.imagesDone = imagesDone
	return v, v.follow(ctx, r.Facts, local, wait)
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
