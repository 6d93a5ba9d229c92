package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/runs"
	"ringmaster.dev/ring/platform"
)

func newRuns(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "Pipeline runs: what a push caused, where it stands, its logs and test results",
		Long: `A pipeline run takes one commit of a stack from git through build, publish,
a test cluster, the suites and the cluster's removal (and a v* tag on to a
promote to stable), reporting each stage to the forge as a commit status.
Pushes start them through the gateway's webhook; ring runs start starts one
by hand.`,
		Example: `  ring runs list
  ring runs show 3f2a9c1e
  ring runs start fixture --commit 0123456789abcdef0123456789abcdef01234567`,
	}
	cmd.AddCommand(newRunsList(g), newRunsShow(g), newRunsStart(g))
	return cmd
}

func openRuns(ctx context.Context, g *globals) (*bus.Conn, *runs.Store, error) {
	conn, err := g.connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	st, err := runs.Open(ctx, conn.JS)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, st, nil
}

func checkOutput(output string) error {
	if output != "text" && output != "json" {
		return fmt.Errorf("--output %q: want text or json", output)
	}
	return nil
}

func newRunsList(g *globals) *cobra.Command {
	var output, stackName string
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List runs (pushes, chat-ops, REST, the CLI, scheduled sweeps), newest first",
		Example: `  ring runs list
  ring runs list --stack fixture --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			conn, st, err := openRuns(cmd.Context(), g)
			if err != nil {
				return err
			}
			defer conn.Close()
			all, err := st.List(cmd.Context())
			if err != nil {
				return err
			}
			var shown []runs.Record
			for _, r := range all {
				if (stackName == "" || r.Stack == stackName) && (limit <= 0 || len(shown) < limit) {
					shown = append(shown, r)
				}
			}
			out := cmd.OutOrStdout()
			if output == "json" {
				return writeJSONTo(out, orEmpty(shown))
			}
			if len(shown) == 0 {
				fmt.Fprintln(out, "no runs yet (a push to a stack from git, chat-ops, the REST API, ring build or ring sweep run start one — the latter two when a gateway runs)")
				return nil
			}
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			defer w.Flush()
			fmt.Fprintln(w, "RUN\tKIND\tSTACK\tTRIGGER\tREF\tCOMMIT\tCHANNEL\tSTATE\tAGE\tTOOK")
			for _, r := range shown {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", events.ShortRunID(r.ID), orDash(r.Kind), r.Stack, r.Trigger, shortRef(r.Ref), shortCommit(r.Commit),
					orDash(r.Channel), r.State, time.Since(r.Created).Round(time.Second), r.Took().String())
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	cmd.Flags().StringVar(&stackName, "stack", "", "only this stack's runs")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many (0: all)")
	return cmd
}

func newRunsShow(g *globals) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "show RUN",
		Short: "Show a run: its stages, cells, cluster, suites and where the logs and JUnit are",
		Example: `  ring runs show 3f2a9c1e
  ring runs show 3f2a9c1e-… --output json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			conn, st, err := openRuns(cmd.Context(), g)
			if err != nil {
				return err
			}
			defer conn.Close()
			r, err := st.Get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSONTo(cmd.OutOrStdout(), r)
			}
			showRun(cmd.OutOrStdout(), r)
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return cmd
}

func newRunsStart(g *globals) *cobra.Command {
	var commit, ref, channel string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "start STACK --commit SHA",
		Short: "Start a pipeline run of a stack from git by hand, and follow it",
		Long: `Start the pipeline of one commit as a push would: build, publish (to the
stack's channel, or --channel), the test cluster and its suites, commit
statuses. A commit tested before with the same packages is not tested again
unless --retest.`,
		Example: `  ring runs start fixture --commit 0123456789abcdef0123456789abcdef01234567
  ring runs start fixture --commit $(git rev-parse HEAD) --ref refs/heads/dev --channel branch-dev`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			retest, _ := cmd.Flags().GetBool("retest")
			if err := validateCommit(commit); err != nil {
				return err
			}
			ctx := cmd.Context()
			conn, reg, err := openStacks(ctx, g)
			if err != nil {
				return err
			}
			defer conn.Close()
			st, err := runs.Open(ctx, conn.JS)
			if err != nil {
				return err
			}
			rec, err := reg.Get(ctx, args[0])
			if err != nil {
				return err
			}
			trigger := events.TriggerManual
			if retest {
				trigger = events.TriggerRetest
			}
			req := &events.PipelineRunRequested{Stack: rec.Name, Trigger: trigger, Channel: channel, Forge: rec.Forge,
				Git: events.GitRef{Repo: rec.Git, Commit: commit, Ref: cmp.Or(ref, "refs/heads/"+rec.Branch), Path: rec.Path}}
			id := uuid.NewString()
			if _, err := conn.Publish(ctx, req, bus.WithID(id)); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "run %s: %s at %s\n", id, rec.Name, shortCommit(commit))
			return followRun(ctx, out, st, id, wait)
		},
	}
	cmd.Flags().StringVar(&commit, "commit", "", "the full 40-hex commit id (git rev-parse REF)")
	cmd.Flags().StringVar(&ref, "ref", "", "the ref it was pushed to (default: the stack's branch)")
	cmd.Flags().StringVar(&channel, "channel", "", "channel to publish into (default: the stack's)")
	cmd.Flags().Bool("retest", false, "run the suites even if these packages passed before")
	cmd.Flags().DurationVar(&wait, "wait", 2*time.Hour, "how long to follow the run")
	_ = cmd.MarkFlagRequired("commit")
	return cmd
}

// followRun prints a run's stages as they change until it ends.
func followRun(ctx context.Context, out io.Writer, st *runs.Store, id string, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	seen := map[string]string{}
	t := time.NewTicker(300 * time.Millisecond)
	defer t.Stop()
	for {
		r, err := st.Get(ctx, id)
		if err == nil {
			for _, s := range r.Stages {
				if seen[s.Name] != s.State+s.Detail {
					seen[s.Name] = s.State + s.Detail
					fmt.Fprintf(out, "  %-8s %-8s %s\n", s.Name, s.State, s.Detail)
				}
			}
			if r.Done() {
				fmt.Fprintf(out, "%s in %s\n", r.State, r.Took().String())
				if r.State == runs.Failure {
					return exitError{code: 1}
				}
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("run %s still %s after %s: ring runs show %s", events.ShortRunID(id), stateOf(r, err), wait, events.ShortRunID(id))
		case <-t.C:
		}
	}
}

func stateOf(r runs.Record, err error) string {
	if err != nil {
		return "queued"
	}
	return r.State
}

// showRun prints a run record for people.
func showRun(out io.Writer, r runs.Record) {
	base := ""
	if home, err := platform.Home(); err == nil {
		if e, err := platform.ReadEndpoints(home); err == nil {
			base = e.HTTP
		}
	}
	fmt.Fprintf(out, "run      %s  %s\n", r.ID, strings.ToUpper(r.State))
	if r.Reason != "" {
		fmt.Fprintf(out, "reason   %s\n", r.Reason)
	}
	fmt.Fprintf(out, "stack    %s  (%s", r.Stack, r.Trigger)
	if r.Sender != "" {
		fmt.Fprintf(out, " by %s", r.Sender)
	}
	fmt.Fprintf(out, ")\ncommit   %s  %s  %s\nchannel  %s\n", r.Commit, r.Ref, r.Repo, orDash(r.Channel))
	fmt.Fprintf(out, "started  %s, took %s\n", r.Created.Local().Format(time.DateTime), r.Took().String())
	if base != "" {
		fmt.Fprintf(out, "page     %s/runs/%s\n", base, r.ID)
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nSTAGE\tSTATE\tDETAIL")
	for _, s := range r.Stages {
		fmt.Fprintf(w, "%s\t%s\t%s\n", s.Name, s.State, s.Detail)
	}
	if len(r.Cells) > 0 {
		fmt.Fprintln(w, "\nCELL\tSTATE\tLOG")
		for _, c := range r.Cells {
			state := c.State
			if c.Cached {
				state += " (cached)"
			}
			log := orDash(c.LogKey)
			if base != "" && c.LogKey != "" {
				log = base + "/runs/" + r.ID + "/logs/" + c.Component + "_" + c.Distro
			}
			fmt.Fprintf(w, "%s/%s\t%s\t%s\n", c.Component, c.Distro, state, log)
		}
	}
	w.Flush()
	if r.Cluster != "" {
		fmt.Fprintf(out, "\ncluster  %s\n", r.Cluster)
	}
	if t := r.Tests; t != nil {
		fmt.Fprintf(out, "suites   %d passed, %d failed, %d skipped", t.Passed, t.Failed, t.Skipped)
		if t.Cached != "" {
			fmt.Fprintf(out, " (from run %s: same packages and test spec)", events.ShortRunID(t.Cached))
		}
		fmt.Fprintln(out)
	}
	if r.JUnitKey != "" {
		junit := "s3 " + r.JUnitKey
		if base != "" {
			junit = base + "/runs/" + r.ID + "/junit.xml"
		}
		fmt.Fprintf(out, "junit    %s\n", junit)
	}
}

func writeJSONTo(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func orEmpty(rs []runs.Record) []runs.Record {
	if rs == nil {
		return []runs.Record{}
	}
	return rs
}

func shortRef(ref string) string {
	return strings.TrimPrefix(strings.TrimPrefix(ref, "refs/heads/"), "refs/")
}

func shortCommit(c string) string { return c[:min(12, len(c))] }

func validateCommit(c string) error {
	if len(c) != 40 || strings.Trim(c, "0123456789abcdef") != "" {
		return fmt.Errorf("--commit %q: give the full 40-hex commit id (git rev-parse %s)", c, cmp.Or(c, "HEAD"))
	}
	return nil
}
