package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	kitfile "ringmaster.dev/kit/file"
	"ringmaster.dev/policies"
	"ringmaster.dev/tester/sweep"
)

func newSweep(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sweep",
		Short: "Compatibility sweeps: a cluster and the smoke suites for every combination of published versions",
		Long: `A compatibility sweep answers "do these versions still work together?" by
measuring it: for every combination of the component versions the channel
publishes, on every distro of the stack, the provisioner makes a cluster with
exactly those versions (the compatibility policy decides first), the tester
runs the smoke suites on it, and the cluster is destroyed. Results go to the
blob store (compat/measured/<stack>/) and, with --write, into the
compatibility facts the policy reads: a combination that passed becomes
known_good, one that failed known_bad, each with the sweep's run id, the day
it finished and the distros ("run", "date", "distros"), so the policy's
denials say which sweep measured them.`,
	}
	cmd.AddCommand(newSweepRun(g), newSweepShow(g))
	return cmd
}

func newSweepRun(g *globals) *cobra.Command {
	var req events.SweepRunRequested
	var write string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "run [--stack S] [--distro D]… [--write FILE]",
		Short: "Sweep a stack's published version combinations; exit 1 when one failed",
		Example: `  ring sweep run --stack demo --distro debian-12
  ring sweep run --stack demo --write infra/compat/compat.json    # record the results as facts
  ring sweep run --stack demo --nodes 3 --max 4 --suite zookeeper --keep-failed
  ring sweep run --stack demo --parallel 2                         # two clusters at a time`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			if write != "" {
				if _, err := os.Stat(write); err != nil {
					return fmt.Errorf("--write %s: %w (it must be an existing compatibility facts file, e.g. infra/compat/compat.json)", write, err)
				}
			}
			r, err := begin(ctx, g, &req)
			if err != nil {
				return err
			}
			defer r.Close()
			fmt.Fprintf(out, "sweeping %s (run %s)\n", req.Stack, r.ID)
			start := time.Now()
			return r.await(ctx, out, wait, func() string {
				return fmt.Sprintf("no result within %s (ring events tail --run %s)", wait, r.ID)
			}, func(env events.Envelope) (bool, error) {
				return sweepFact(out, env, start, func(f events.SweepFinished) error {
					finished := env.Time // when the tester published it
					if finished.IsZero() {
						finished = time.Now()
					}
					return sweepDone(out, f, policies.Sweep{Run: r.ID, Finished: finished}, write)
				})
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Stack, "stack", "demo", "stack to sweep")
	f.StringVar(&req.Channel, "channel", "", "repository channel (default: the stack's)")
	f.StringArrayVar(&req.Distros, "distro", nil, "distro to sweep (repeatable; default: every distro of the stack)")
	f.IntVar(&req.Nodes, "nodes", 3, "nodes per cluster")
	f.IntVar(&req.Max, "max", 16, "at most this many combinations, newest versions first")
	f.StringArrayVar(&req.Suites, "suite", nil, "suite to run (repeatable; default: every suite that applies)")
	f.BoolVar(&req.KeepFailed, "keep-failed", false, "keep the clusters of failed combinations for inspection")
	f.IntVar(&req.Parallel, "parallel", 1, "combinations measured at once, each its own cluster (at most 8; mind the machine's memory)")
	f.StringVar(&req.Prefix, "prefix", "", "name the clusters <prefix>-1, <prefix>-2, … (default sweep-<run>)")
	f.StringVar(&write, "write", "", "merge the results into this compatibility facts file")
	f.DurationVar(&wait, "wait", 2*time.Hour, "how long to wait for the whole sweep")
	return cmd
}

// sweepFact prints one fact of a sweep run; finished handles the end.
func sweepFact(out io.Writer, env events.Envelope, start time.Time, finished func(events.SweepFinished) error) (bool, error) {
	_, payload, err := env.Decode()
	if err != nil {
		return false, nil
	}
	at := time.Since(start).Seconds()
	switch f := payload.(type) {
	case *events.ClusterProgress:
		if f.Step == "policy" {
			fmt.Fprintf(out, "%7.1fs  %s: %s\n", at, f.Name, f.Detail)
		}
	case *events.ClusterReady:
		fmt.Fprintf(out, "%7.1fs  %s: ready in %.1fs\n", at, f.Name, f.Seconds)
	case *events.ClusterRejected:
		fmt.Fprintf(out, "%7.1fs  %s: denied by the compatibility policy (%d reasons)\n", at, f.Name, len(f.Reasons))
	case *events.ClusterFailed:
		fmt.Fprintf(out, "%7.1fs  %s: did not come up: %s\n", at, f.Name, f.Reason)
	case *events.TestFinished:
		fmt.Fprintf(out, "%7.1fs  %s: %d passed, %d failed, %d skipped\n", at, f.Cluster, f.Passed, f.Failed, f.Skipped)
	case *events.SweepFinished:
		return true, finished(*f)
	}
	return false, nil
}

// sweepDone prints the results, merges them into the facts file when asked
// (each fact carrying the sweep's run and the day it finished) and exits 1
// when a combination failed or no cluster came up.
func sweepDone(out io.Writer, f events.SweepFinished, sw policies.Sweep, write string) error {
	printSweep(out, f.Results, f.Notes)
	fmt.Fprintf(out, "results: s3 %s\n", f.Key)
	if write != "" {
		changes, err := mergeSweep(write, f.Results, sw)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			fmt.Fprintf(out, "%s: nothing new\n", write)
		}
		for _, c := range changes {
			fmt.Fprintf(out, "%s: %s\n", write, c)
		}
	}
	for _, r := range f.Results {
		if r.Outcome == sweep.Failed || r.Outcome == sweep.Error {
			return exitError{code: 1}
		}
	}
	return nil
}

// mergeSweep writes the passed and failed combinations into the facts
// file, replacing it atomically.
func mergeSweep(file string, results []events.SweepResult, sw policies.Sweep) ([]string, error) {
	var ms []policies.Measurement
	for _, r := range results {
		if r.Outcome == sweep.Passed || r.Outcome == sweep.Failed {
			ms = append(ms, policies.Measurement{Distro: r.Distro, Versions: r.Versions, Passed: r.Outcome == sweep.Passed, Detail: r.Detail})
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	merged, changes, err := policies.MergeMeasured(data, ms, sw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(changes) == 0 {
		return nil, nil
	}
	info, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	return changes, kitfile.WriteAtomic(file, info.Mode().Perm(), func(w io.Writer) error {
		_, err := w.Write(merged)
		return err
	})
}

func printSweep(out io.Writer, results []events.SweepResult, notes []string) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "DISTRO\tVERSIONS\tOUTCOME\tSECONDS\tDETAIL")
	for _, r := range results {
		fmt.Fprintf(w, "%s\t%s\t%s\t%.1f\t%s\n", r.Distro, policies.VersionList(r.Versions), r.Outcome, r.Seconds, r.Detail)
	}
	if len(results) == 0 {
		fmt.Fprintln(w, "(no combination to sweep)")
	}
	w.Flush()
	for _, n := range notes {
		fmt.Fprintf(out, "note: %s\n", n)
	}
}

func newSweepShow(g *globals) *cobra.Command {
	var stackName, run string
	cmd := &cobra.Command{
		Use:   "show [--stack S] [--run RUN]",
		Short: "Print a stack's latest sweep results (or a given run's)",
		Example: `  ring sweep show --stack demo
  ring sweep show --stack demo --run 5f0c…`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			store, err := g.store(ctx)
			if err != nil {
				return err
			}
			key := sweep.LatestKey(stackName)
			if run != "" {
				key = sweep.Key(stackName, run)
			}
			res, err := readSweep(ctx, store, key)
			if errors.Is(err, blob.ErrNotFound) {
				return fmt.Errorf("no results at %s: no such sweep of %s yet (ring sweep run --stack %s)", key, stackName, stackName)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "sweep %s of %s (%s channel), %s to %s\n", res.Run, res.Stack, res.Channel,
				res.Started.Local().Format(time.DateTime), res.Finished.Local().Format(time.TimeOnly))
			printSweep(out, res.Results, res.Notes)
			return nil
		},
	}
	cmd.Flags().StringVar(&stackName, "stack", "demo", "stack whose sweep to show")
	cmd.Flags().StringVar(&run, "run", "", "a sweep's run id (default: the latest)")
	return cmd
}

func readSweep(ctx context.Context, store *blob.Store, key string) (sweep.Results, error) {
	rc, _, err := store.Get(ctx, key)
	if err != nil {
		return sweep.Results{}, err
	}
	defer rc.Close()
	var res sweep.Results
	if err := json.NewDecoder(rc).Decode(&res); err != nil {
		return sweep.Results{}, err
	}
	return res, nil
}
