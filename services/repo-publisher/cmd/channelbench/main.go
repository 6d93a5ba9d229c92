// Command channelbench measures one writer per channel: publishes per
// second when W repo-publisher replicas all publish to one channel (they
// take turns through the channel's lease, kit/lease) and when each
// publishes to its own channel. Every publish is the real thing: a new
// .deb made by nfpm, publisher.Upload into the embedded S3, lease.AcquireWait
// and Hold on "repo.<channel>" as the service takes it, Publisher.Publish
// (manifest, signed APT indexes, reader-safe write order), release.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bench"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/lease"
	"ringmaster.dev/kit/natsserver"
	"ringmaster.dev/kit/s3server"
	"ringmaster.dev/kit/signing"
	publisher "ringmaster.dev/repo-publisher"
)

type options struct {
	writers  []int
	duration time.Duration
	parallel int
	markdown string
}

func main() {
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "channelbench: %v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "channelbench: %v\n", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, out io.Writer) (options, error) {
	var o options
	var writers string
	fs := flag.NewFlagSet("channelbench", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&writers, "writers", "1,4,16", "publisher replicas writing at once (comma-separated)")
	fs.DurationVar(&o.duration, "duration", 8*time.Second, "length of each run")
	fs.IntVar(&o.parallel, "parallel", publisher.DefaultParallel, "S3 requests in flight per publisher (RING_REPO_PARALLEL)")
	fs.StringVar(&o.markdown, "markdown", "", "also write the table as markdown into this file")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `channelbench — publishes/s to one channel vs one channel per writer, through
the repo-publisher's library, its channel lease (kit/lease) and the embedded
NATS and S3 in this process.

Usage:
  channelbench [flags]

Examples:
  channelbench                              # 1, 4 and 16 writers, 8 s each, both layouts
  channelbench --writers 8 --duration 5s --markdown /tmp/channels.md

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, s := range strings.Split(writers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return o, fmt.Errorf("--writers %q: want positive integers separated by commas, e.g. 1,4,16", writers)
		}
		o.writers = append(o.writers, n)
	}
	if o.duration <= 0 || o.parallel < 1 {
		return o, fmt.Errorf("--duration and --parallel must be positive")
	}
	return o, nil
}

// rig is everything a writer needs: the lease bucket, the store, the key.
type rig struct {
	kv    jetstream.KeyValue
	store *blob.Store
	key   *signing.Key
	work  string
	o     options
}

func run(ctx context.Context, o options) error {
	begin := time.Now()
	work, err := os.MkdirTemp("", "channelbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	ns, err := natsserver.Start(ctx, natsserver.Config{Dir: filepath.Join(work, "nats")})
	if err != nil {
		return err
	}
	defer ns.Shutdown()
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	kv, err := lease.Open(ctx, js)
	if err != nil {
		return err
	}
	s3, err := s3server.Start(ctx, s3server.Config{Dir: filepath.Join(work, "s3"), AccessKey: "channelbench", SecretKey: "channelbench-secret"})
	if err != nil {
		return err
	}
	defer func() { _ = s3.Close() }()
	store, err := blob.Open(ctx, blob.Config{Endpoint: s3.Endpoint(), AccessKey: "channelbench", SecretKey: "channelbench-secret"})
	if err != nil {
		return err
	}
	key, err := signing.Generate("Channelbench signing key", "channelbench@ringmaster.invalid", time.Now())
	if err != nil {
		return err
	}
	r := &rig{kv: kv, store: store, key: key, work: work, o: o}
	fmt.Fprintf(os.Stderr, "%s  NATS, S3 and the signing key ready in %s\n", time.Now().Format("15:04:05"), time.Since(begin).Round(100*time.Millisecond))
	fmt.Printf("channelbench %s UTC, load average %s\n\n", time.Now().UTC().Format("2006-01-02 15:04"), bench.Load())
	t := &bench.Table{Title: fmt.Sprintf("One writer per channel: publishes of one new .deb each (upload, lease, Publisher.Publish, release), %s per run, embedded NATS and S3", o.duration),
		Columns: []string{"writers", "channels", "publishes", "publishes/s", "writers that published", "writers still waiting at the end", "lease wait p50 / p99 / max", "one-second rule sleep p50 / p99 / max", "rest of Publish p50 / p99 / max"}}
	before := bench.Load()
	for _, w := range o.writers {
		for _, shared := range []bool{true, false} {
			if shared && w == 1 {
				continue // the same as one writer on its own channel
			}
			res, err := r.measure(ctx, w, shared)
			if err != nil {
				return err
			}
			channels := strconv.Itoa(w)
			if shared {
				channels = "1 (shared)"
			}
			n := len(res.work)
			fmt.Fprintf(os.Stderr, "%s  %d writers, %s channels: %d publishes, %s/s\n", time.Now().Format("15:04:05"), w, channels, n, bench.Rate(n, res.elapsed))
			t.Add(w, channels, n, bench.Rate(n, res.elapsed), res.served, res.unserved, bench.Summary(res.lease), bench.Summary(res.sleep), bench.Summary(res.work))
		}
	}
	t.Note("A writer still waiting for the lease when the run ends stops waiting; its publish is not counted, nor its wait (the lease wait column is of the waits that got the lease).")
	t.Note("Each writer is its own Publisher (its own manifest cache, %d S3 requests in flight), as a repo-publisher replica is; channels start empty.", o.parallel)
	t.Note("The lease is lease.AcquireWait (polls every 200 ms while held) on repo.<channel>, then Hold; Publish never publishes a channel twice within one second (apt's If-Modified-Since has one-second resolution).")
	bench.LoadNote(t, before)
	if err := t.Text(os.Stdout); err != nil {
		return err
	}
	if o.markdown != "" {
		f, err := os.Create(o.markdown)
		if err != nil {
			return err
		}
		defer f.Close()
		return t.Markdown(f)
	}
	return nil
}

type result struct {
	lease, sleep, work []time.Duration
	elapsed            time.Duration
	served             int // writers that published at least once
	unserved           int // writers still waiting for the lease when the run ended
}

// measure runs w writers for the duration, all on one channel or each on
// its own, and returns every publish's times.
func (r *rig) measure(ctx context.Context, w int, shared bool) (result, error) {
	var res result
	var mu sync.Mutex
	errs := make(chan error, w)
	deadline := time.Now().Add(r.o.duration)
	// A writer waits for the lease until the run ends, not after it.
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	prefix := fmt.Sprintf("w%d-%s", w, map[bool]string{true: "shared", false: "own"}[shared])
	start := time.Now()
	var wg sync.WaitGroup
	for i := range w {
		channel := prefix
		if !shared {
			channel = fmt.Sprintf("%s-%d", prefix, i)
		}
		dir := filepath.Join(r.work, prefix, strconv.Itoa(i))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return res, err
		}
		p := &publisher.Publisher{Store: r.store, Key: r.key, WorkDir: dir, Log: zerolog.Nop(), Parallel: r.o.parallel, URL: r.store.URL}
		wg.Go(func() {
			for n := 0; time.Now().Before(deadline); n++ {
				pt, err := r.publishOne(ctx, dctx, p, channel, fmt.Sprintf("%s-%d", prefix, i), n)
				if dctx.Err() != nil && (errors.Is(err, lease.ErrHeld) || errors.Is(err, context.DeadlineExceeded)) {
					mu.Lock()
					res.unserved++
					mu.Unlock()
					return // still waiting for the lease when the run ended
				}
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				res.lease, res.sleep, res.work = append(res.lease, pt.lease), append(res.sleep, pt.sleep), append(res.work, pt.work)
				if n == 0 {
					res.served++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	close(errs)
	return res, <-errs
}

// publishOne makes and uploads one new .deb and publishes it to channel
// under the channel's lease.
// The lease is waited for until waitCtx ends.
func (r *rig) publishOne(ctx, waitCtx context.Context, p *publisher.Publisher, channel, writer string, n int) (publishTimes, error) {
	name := strings.ToLower(strings.ReplaceAll("pkg-"+writer, "_", "-"))
	deb, err := makeDeb(name, fmt.Sprintf("1.%d", n), filepath.Join(p.WorkDir, "VERSION"))
	if err != nil {
		return publishTimes{}, err
	}
	ref, err := publisher.Upload(ctx, r.store, publisher.UploadFile{Name: fmt.Sprintf("%s_1.%d-1_amd64.deb", name, n), Data: deb})
	if err != nil {
		return publishTimes{}, err
	}
	t0 := time.Now()
	l, err := lease.AcquireWait(waitCtx, r.kv, "repo."+channel, writer, time.Second, nil)
	if err != nil {
		return publishTimes{}, err
	}
	wait := time.Since(t0)
	hctx, stop := l.Hold(ctx)
	defer func() { stop(); _ = l.Release(context.WithoutCancel(ctx)) }()
	// How long Publish will sleep for the one-second rule (the manifest
	// cannot change meanwhile: the lease is ours), read untimed.
	m, err := publisher.LoadManifest(hctx, r.store, channel)
	if err != nil {
		return publishTimes{}, err
	}
	t1 := time.Now()
	sleep := max(m.Updated.Truncate(time.Second).Add(time.Second).Sub(t1), 0)
	_, err = p.Publish(hctx, &events.RepoPublishRequested{Channel: channel, Distros: []string{"debian-12"}, Packages: []events.PackageRef{ref}})
	took := time.Since(t1)
	return publishTimes{lease: wait, sleep: sleep, work: took - sleep}, err
}

// publishTimes are one publish's lease wait, the sleep of the one-second
// rule and the rest of Publish.
type publishTimes struct{ lease, sleep, work time.Duration }
