package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

func sec(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.4f s", d.Seconds())
	}
	return fmt.Sprintf("%.3f s", d.Seconds())
}

func ratio(r row) string {
	if r.ours == 0 || r.peerT == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", r.peerT.Seconds()/r.ours.Seconds())
}

func printTable(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "work\tN\tours\tpeer\tpeer time\tpeer/ours\ttarget")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", r.work, r.n, sec(r.ours), r.peer, sec(r.peerT), ratio(r), r.target)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nnotes:")
	for _, r := range rows {
		if r.note != "" {
			fmt.Fprintf(w, "  N=%d %s: %s\n", r.n, strings.TrimSpace(r.work), r.note)
		}
	}
}

func printMarkdown(w io.Writer, rows []row, notes []string) {
	fmt.Fprintln(w, "| work | N | ours | peer | peer time | peer/ours | target |")
	fmt.Fprintln(w, "|---|---:|---:|---|---:|---:|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s |\n", md(strings.TrimSpace(r.work)), r.n, sec(r.ours), md(r.peer), sec(r.peerT), ratio(r), md(r.target))
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		if r.note != "" {
			fmt.Fprintf(w, "- N=%d, %s: %s\n", r.n, md(strings.TrimSpace(r.work)), md(r.note))
		}
	}
	for _, n := range notes {
		fmt.Fprintf(w, "- %s\n", md(n))
	}
}

func md(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
