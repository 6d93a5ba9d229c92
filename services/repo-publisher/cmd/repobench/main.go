// Command repobench measures the repo publisher against the repository tools
// Debian ships — apt-ftparchive (+ gzip, xz, gpg), createrepo_c, aptly and
// reprepro — on the same synthetic but real .deb and .rpm files, in one run,
// and prints a table with ratios (peer time / ours).
//
// For each size N it generates N .deb files (made directly: ar + tar.gz, as
// dpkg-deb writes them) and N unsigned .rpm files (nfpm, cached between runs),
// starts the embedded S3 server (kit/s3server) in this process, and measures:
//
//	(a) apt.Build of the full signed APT index from stored metadata, the same
//	    after reading and inspecting every .deb, and the first
//	    Publisher.Publish of the N debs into the embedded S3, counting requests
//	    through a wrapper of the publisher's Store;
//	(b) yum.Build (with and without reading + inspecting the .rpm files) vs
//	    createrepo_c --no-database;
//	(c) adding one package at N: a second Publish with one new .deb, end to
//	    end (manifest load and save, signing, upload);
//	(d) the peers on the same .deb files.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	sizes       []int
	runs        int
	dir         string
	cache       string
	keep        bool
	markdown    bool
	cpuprofile  string
	skip        string
	peerTimeout time.Duration
	parallel    int
	addRuns     int
	ring        string
	cliSize     int
	weed        string
}

func main() {
	o := parseFlags()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "repobench: %v\n", err)
		os.Exit(1)
	}
}

func parseFlags() options {
	var o options
	var sizes string
	fs := flag.NewFlagSet("repobench", flag.ExitOnError)
	fs.StringVar(&sizes, "sizes", "2000,20000", "package counts to measure (comma-separated)")
	fs.IntVar(&o.runs, "runs", 3, "runs of each repeatable measurement (the median is reported); first publishes and peers' full adds run once")
	fs.StringVar(&o.dir, "dir", "", "work directory (default: a new temporary directory, removed afterwards unless --keep)")
	fs.StringVar(&o.cache, "cache", filepath.Join(os.TempDir(), "repobench-cache"), "directory caching the generated .rpm files between runs")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory (packages, peer repositories, embedded S3 data)")
	fs.BoolVar(&o.markdown, "markdown", false, "also print the table as markdown")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of each of our phases into this directory (<phase>-<N>.pprof)")
	fs.StringVar(&o.skip, "skip", "", "parts to leave out (comma-separated): apt, publish, yum, rpm-publish, ftparchive, createrepo, aptly, reprepro, cli")
	fs.DurationVar(&o.peerTimeout, "peer-timeout", 5*time.Minute, "limit for each peer command")
	fs.IntVar(&o.parallel, "parallel", 16, "S3 requests in flight for our uploads and publishes (Publisher.Parallel), and for the bare upload")
	fs.IntVar(&o.addRuns, "add-runs", 5, "runs of adding one package at N, ours and the peers' (min, median, max reported)")
	fs.StringVar(&o.ring, "ring", "", "path to bin/ring: also time `ring repo publish` of --cli-size .debs against `ring up` (embedded bus, S3, services)")
	fs.StringVar(&o.weed, "weed", "", "path to bin/weed: also time our first publish and add-one on a SeaweedFS cluster (master, 2 volume servers, replication 001, filer, S3) beside the embedded S3")
	fs.IntVar(&o.cliSize, "cli-size", 2000, "how many .debs `ring repo publish` gets (with --ring; at the size equal to it)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `repobench — the repo publisher (signed APT and YUM repositories in S3) against
apt-ftparchive (+gzip, xz, gpg), createrepo_c --no-database, aptly and reprepro,
on the same synthetic .deb and .rpm files, in one run. Peers missing from PATH
are reported as such (apt-get install -y apt-utils createrepo-c aptly reprepro).

Usage:
  repobench [flags]

Examples:
  repobench                                   # 2,000 and 20,000 packages, 3 runs each, table on stdout
  repobench --sizes 2000 --runs 1 --markdown
  repobench --sizes 20000 --skip aptly,reprepro --cpuprofile /tmp/prof
  repobench --sizes 2000 --ring bin/ring          # also times ring repo publish of 2,000 .debs
  go tool pprof -top /tmp/prof/add1-20000.pprof

Flags:
`)
		fs.PrintDefaults()
	}
	_ = fs.Parse(os.Args[1:])
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 99999 {
			fmt.Fprintf(os.Stderr, "repobench: --sizes %q: want package counts from 1 to 99999 separated by commas\n", sizes)
			os.Exit(2)
		}
		o.sizes = append(o.sizes, n)
	}
	if o.runs < 1 {
		o.runs = 1
	}
	if o.addRuns < 1 {
		o.addRuns = 1
	}
	if o.parallel < 1 {
		o.parallel = 1
	}
	return o
}

func (o options) skipped(part string) bool {
	return slices.Contains(strings.Split(o.skip, ","), part)
}

// row is one line of the table.
type row struct {
	work   string
	n      int
	ours   time.Duration // 0: not measured
	peer   string
	peerT  time.Duration // 0: no peer time
	target string
	note   string
}

// logf reports progress on stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// median returns the median of the durations fn reports over runs runs.
func median(runs int, fn func() (time.Duration, error)) (time.Duration, []time.Duration, error) {
	var all []time.Duration
	for range runs {
		d, err := fn()
		if err != nil {
			return 0, all, err
		}
		all = append(all, d)
	}
	s := slices.Clone(all)
	slices.Sort(s)
	return s[len(s)/2], all, nil
}

func timed(fn func() error) (time.Duration, error) {
	// Untimed: what earlier phases left for the kernel to write back (20,000
	// files of a peer's repository or of the S3 server's) is written now,
	// not during this phase.
	syscall.Sync()
	t := time.Now()
	err := fn()
	return time.Since(t), err
}

// profile runs fn under the CPU profiler when --cpuprofile is set.
func (o options) profile(name string, n int, fn func() error) error {
	if o.cpuprofile == "" {
		return fn()
	}
	if err := os.MkdirAll(o.cpuprofile, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(o.cpuprofile, fmt.Sprintf("%s-%d.pprof", name, n)))
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	return fn()
}

func run(ctx context.Context, o options) error {
	work := o.dir
	if work == "" {
		tmp, err := os.MkdirTemp("", "repobench-")
		if err != nil {
			return err
		}
		work = tmp
		if !o.keep {
			defer os.RemoveAll(tmp)
		}
	}
	// The embedded S3 server changes the working directory: every path is absolute.
	var err error
	if work, err = filepath.Abs(work); err != nil {
		return err
	}
	if o.cache, err = filepath.Abs(o.cache); err != nil {
		return err
	}
	if o.cpuprofile != "" {
		if o.cpuprofile, err = filepath.Abs(o.cpuprofile); err != nil {
			return err
		}
	}
	env := fmt.Sprintf("%s/%s, GOMAXPROCS %d, %s, load average at start %s", runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), runtime.Version(), loadavg())
	logf("repobench: %s; work dir %s", env, work)
	b, err := newBench(ctx, o, work)
	if err != nil {
		return err
	}
	defer b.close()
	var rows []row
	for _, n := range o.sizes {
		rs, err := b.size(ctx, n)
		rows = append(rows, rs...)
		if err != nil {
			printTable(os.Stdout, rows)
			return fmt.Errorf("size %d: %w", n, err)
		}
	}
	fmt.Printf("\nrepobench: %s; load average at end %s\n", env, loadavg())
	fmt.Printf("peers: %s\n\n", b.versions())
	printTable(os.Stdout, rows)
	for _, note := range b.notes {
		fmt.Println("  " + note)
	}
	if o.markdown {
		fmt.Println()
		printMarkdown(os.Stdout, rows, b.notes)
	}
	return nil
}
