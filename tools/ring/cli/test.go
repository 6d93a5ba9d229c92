package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/cluster"
)

func newTest(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "test", Short: "Run smoke and integration suites against clusters",
		Example: "  ring test run zk\n  ring test run zk --suite zookeeper --junit zk.xml"}
	cmd.AddCommand(newTestRun(g))
	return cmd
}

func newTestRun(g *globals) *cobra.Command {
	var suites []string
	var junit string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "run CLUSTER [--suite S]…",
		Short: "Run the suites that apply to a cluster (or the named ones); exit 1 on any failure",
		Long: `Run test suites against a cluster and print a summary.

Suites: packages (FHS layout, service users, conffiles kept across an upgrade
from the repository), zookeeper (quorum, a znode written on one node read on
another, leader killed and a new one elected), redis (replication, a replica
catching up after a restart). Infrastructure faults are retried once and
reported as errors; assertion failures are never retried. JUnit XML goes to
the blob store (and, with --junit, to a local file).`,
		Example: `  ring test run zk
  ring test run zk --suite zookeeper --suite redis
  ring test run zk --junit report.xml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			if err := cluster.ValidateName("cluster", args[0]); err != nil {
				return err
			}
			// On whichever Docker host holds it; a Docker that does not
			// answer here is the tester's to report.
			if _, _, err := g.clusterHost(ctx, args[0]); errors.Is(err, cluster.ErrNotFound) {
				return err
			}
			return runTests(ctx, out, g, &events.TestRunRequested{Cluster: args[0], Suites: suites}, junit, wait)
		},
	}
	cmd.Flags().StringArrayVar(&suites, "suite", nil, "suite to run (repeatable; default: every suite that applies)")
	cmd.Flags().StringVar(&junit, "junit", "", "also write the JUnit XML to this file")
	cmd.Flags().DurationVar(&wait, "wait", 15*time.Minute, "how long to wait for the result")
	return cmd
}

var outcomeMark = map[string]string{"passed": "ok  ", "failed": "FAIL", "error": "ERR ", "skipped": "skip"}

func printCase(out io.Writer, c events.TestCase) {
	fmt.Fprintf(out, "  %s %-10s %-40s %5.1fs\n", outcomeMark[c.Outcome], c.Suite, c.Name, c.Seconds)
	if c.Outcome != "passed" && c.Message != "" {
		for _, line := range strings.Split(strings.TrimSpace(c.Message), "\n") {
			fmt.Fprintf(out, "         %s\n", line)
		}
	}
}

func testSummary(ctx context.Context, g *globals, out io.Writer, f events.TestFinished, junit string) error {
	fmt.Fprintf(out, "%s: %d passed, %d failed, %d skipped in %.1fs; JUnit XML: s3 %s\n", f.Cluster, f.Passed, f.Failed, f.Skipped, f.Seconds, f.JUnitKey)
	if junit != "" {
		store, err := g.store(ctx)
		if err != nil {
			return err
		}
		rc, _, err := store.Get(ctx, f.JUnitKey)
		if err != nil {
			return err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			return err
		}
		if err := os.WriteFile(junit, b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(out, "wrote %s\n", junit)
	}
	if f.Failed > 0 {
		return exitError{code: 1}
	}
	return nil
}

// runTests sends a test run and prints each case and the summary; any
// failure is exit 1.
func runTests(ctx context.Context, out io.Writer, g *globals, req *events.TestRunRequested, junit string, wait time.Duration) error {
	r, err := begin(ctx, g, req)
	if err != nil {
		return err
	}
	defer r.Close()
	fmt.Fprintf(out, "testing %s (run %s)\n", req.Cluster, r.ID)
	return r.await(ctx, out, wait, func() string {
		return fmt.Sprintf("no result within %s (ring events tail --run %s)", wait, r.ID)
	}, func(env events.Envelope) (bool, error) {
		switch env.Type {
		case "ringmaster.test.case.finished.v1":
			var c events.TestCase
			_ = json.Unmarshal(env.Data, &c)
			printCase(out, c)
		case "ringmaster.test.finished.v1":
			var f events.TestFinished
			_ = json.Unmarshal(env.Data, &f)
			return true, testSummary(ctx, g, out, f, junit)
		}
		return false, nil
	})
}
