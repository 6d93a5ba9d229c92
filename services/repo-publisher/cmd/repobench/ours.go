package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/signing"
	publisher "ringmaster.dev/repo-publisher"
	"ringmaster.dev/repo-publisher/apt"
	"ringmaster.dev/repo-publisher/yum"
)

const benchDistro = "debian-12"

func benchSuite(channel string) apt.Suite {
	return apt.Suite{Name: publisher.Suite(benchDistro, channel), Architectures: []string{"amd64"}, Origin: "Ringmaster",
		Label: "Ringmaster " + channel, Description: "Ringmaster " + channel + " packages for " + benchDistro}
}

// inspectDebs reads and inspects .deb files as the publisher does (Filename = pool path).
func inspectDebs(ctx context.Context, paths []string, workers int) ([]apt.Package, error) {
	pkgs := make([]apt.Package, len(paths))
	err := parallelFor(ctx, len(paths), workers, func(i int) error {
		b, err := os.ReadFile(paths[i])
		if err != nil {
			return err
		}
		p, err := apt.Inspect(b)
		if err != nil {
			return fmt.Errorf("%s: %w", paths[i], err)
		}
		pkgs[i] = p
		return nil
	})
	return pkgs, err
}

// aptBuild is our full APT index from stored metadata, in memory: Packages,
// .gz, .xz, by-hash copies, Release, Release.gpg, InRelease.
func aptBuild(pkgs []apt.Package, key *signing.Key) (int, error) {
	files, err := apt.Build(benchSuite("bench"), pkgs, key, time.Now())
	if err != nil {
		return 0, err
	}
	size := 0
	for _, f := range files {
		size += len(f.Data)
	}
	return size, nil
}

// aptFromFiles reads and inspects every .deb (all cores) and then builds the index.
func aptFromFiles(ctx context.Context, paths []string, key *signing.Key) error {
	pkgs, err := inspectDebs(ctx, paths, runtime.GOMAXPROCS(0))
	if err != nil {
		return err
	}
	_, err = aptBuild(pkgs, key)
	return err
}

// yumFromFiles reads every .rpm, inspects it (all cores) and builds the index.
func yumFromFiles(ctx context.Context, dir string, key *signing.Key) ([]yum.Package, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.rpm"))
	if err != nil {
		return nil, err
	}
	pkgs := make([]yum.Package, len(paths))
	err = parallelFor(ctx, len(paths), runtime.GOMAXPROCS(0), func(i int) error {
		b, err := os.ReadFile(paths[i])
		if err != nil {
			return err
		}
		pkgs[i], err = yum.Inspect(b, filepath.Base(paths[i]))
		return err
	})
	if err != nil {
		return nil, err
	}
	_, err = yum.Build(pkgs, key, time.Now())
	return pkgs, err
}

// readUploads reads files for an upload.
func readUploads(paths []string) ([]publisher.UploadFile, int64, error) {
	out := make([]publisher.UploadFile, len(paths))
	var size int64
	for i, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, 0, err
		}
		out[i] = publisher.UploadFile{Name: filepath.Base(p), Data: b}
		size += int64(len(b))
	}
	return out, size, nil
}

// uploadAll reads files and uploads them as `ring repo publish` does
// (publisher.UploadBatch: .debs straight to their pool key, inspected, with
// a claim check for the publisher when there are enough of them).
func uploadAll(ctx context.Context, store publisher.Uploader, paths []string, parallel int) (publisher.Batch, error) {
	files, _, err := readUploads(paths)
	if err != nil {
		return publisher.Batch{}, err
	}
	return publisher.UploadBatch(ctx, store, files, parallel, nil)
}

// bareUpload reads files and PUTs them under prefix with parallel in flight:
// no inspection, no index — the floor for writing these bytes to this S3.
func bareUpload(ctx context.Context, store *blob.Store, paths []string, prefix string, parallel int) error {
	files, _, err := readUploads(paths)
	if err != nil {
		return err
	}
	return parallelFor(ctx, len(files), parallel, func(i int) error {
		f := files[i]
		_, err := store.Put(ctx, fmt.Sprintf("%s%d-%s", prefix, i, f.Name), bytes.NewReader(f.Data), int64(len(f.Data)), blob.PutOptions{})
		return err
	})
}

func newPublisher(store publisher.Store, key *signing.Key, work string, parallel int) *publisher.Publisher {
	return &publisher.Publisher{Store: store, Key: key, WorkDir: work, Log: zerolog.Nop(), Parallel: parallel}
}

// waitPublishable sleeps (untimed) until Publish would not sleep: the
// publisher never publishes a channel twice within one second.
func waitPublishable(ctx context.Context, store publisher.Store, channel string) error {
	m, err := publisher.LoadManifest(ctx, store, channel)
	if err != nil {
		return err
	}
	if wait := time.Until(m.Updated.Truncate(time.Second).Add(time.Second)); wait > 0 {
		time.Sleep(wait + 5*time.Millisecond)
	}
	return nil
}

// publish runs one Publisher.Publish of an uploaded batch to channel through a fresh
// counting wrapper and returns the time and the requests.
func publish(ctx context.Context, cs *countingStore, p *publisher.Publisher, channel string, b publisher.Batch) (time.Duration, counts, error) {
	if err := waitPublishable(ctx, cs.Store, channel); err != nil {
		return 0, counts{}, err
	}
	cs.reset()
	start := time.Now()
	_, err := p.Publish(ctx, &events.RepoPublishRequested{Channel: channel, Distros: []string{benchDistro}, Packages: b.Refs, Inspected: b.Inspected})
	d := time.Since(start)
	return d, cs.snapshot(), err
}

// manifestCost measures the channel manifest: its head (the object every
// publish Stats, and saves), and a cold load (head + segments, as a new
// publisher instance or another writer's change needs).
func manifestCost(ctx context.Context, store *blob.Store, channel string) (string, error) {
	info, err := store.Stat(ctx, publisher.ManifestKey(channel))
	if err != nil {
		return "", err
	}
	t0 := time.Now()
	m, err := publisher.LoadManifest(ctx, store, channel)
	if err != nil {
		return "", err
	}
	t1 := time.Now()
	n := 0
	for _, l := range m.Debs {
		n += len(l)
	}
	b, err := json.Marshal(m.Debs)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("manifest head %.1f KB, %d packages in %.1f MB of segments; cold load (GET head + segments, decode) %s", float64(info.Size)/1e3, n, float64(len(b))/1e6, sec(t1.Sub(t0))), nil
}
