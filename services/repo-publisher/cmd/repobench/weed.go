package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/seaweed"
)

// weedRows times our first publish of the N debs and adding one package at
// N on a SeaweedFS cluster — the distributed store — as publishRows does on
// the embedded S3, and gives the ratio to the embedded figures of this run.
func (b *bench) weedRows(ctx context.Context, n int, dir string, debs, extra []string) ([]row, error) {
	o := b.o
	if b.weed == nil {
		var err error
		logf("starting SeaweedFS (%s)", o.weed)
		if b.weed, err = seaweed.Start(ctx, seaweed.Config{Bin: o.weed, Dir: filepath.Join(b.work, "weed"), AccessKey: benchAccess, SecretKey: benchSecret}); err != nil {
			return nil, err
		}
	}
	store, err := blob.Open(ctx, blob.Config{Endpoint: b.weed.Endpoint(), AccessKey: benchAccess, SecretKey: benchSecret, Bucket: fmt.Sprintf("repobench-weed-%d", n)})
	if err != nil {
		return nil, err
	}
	cs := &countingStore{Store: store}
	work := filepath.Join(dir, "publish-weed")
	if err := os.MkdirAll(work, 0o700); err != nil {
		return nil, err
	}
	p := newPublisher(cs, b.key, work, o.parallel)
	start := time.Now()
	refs, err := uploadAll(ctx, store, debs, o.parallel)
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	if _, _, err := publish(ctx, cs, p, "bench", refs); err != nil {
		return nil, fmt.Errorf("first publish: %w", err)
	}
	first := time.Since(start)
	logf("N=%d: first publish on SeaweedFS %v (embedded S3: %v)", n, first, b.firstPub[n])
	var durs []time.Duration
	for i := range o.addRuns {
		r, err := uploadAll(ctx, store, extra[i:i+1], o.parallel)
		if err != nil {
			return nil, err
		}
		d, _, err := publish(ctx, cs, p, "bench", r)
		if err != nil {
			return nil, fmt.Errorf("add one: %w", err)
		}
		durs = append(durs, d)
	}
	med := spread(durs)
	logf("N=%d: add one on SeaweedFS %s (embedded S3: %v)", n, med, b.addOne[n])
	return []row{
		{work: "First publish of N debs on SeaweedFS (2 volume servers, replication 001)", n: n, ours: first, peer: "—",
			note: fmt.Sprintf("%.2f× the time on the embedded S3 in this run (%s)", first.Seconds()/b.firstPub[n].Seconds(), sec(b.firstPub[n]))},
		{work: "Add 1 package at N on SeaweedFS", n: n, ours: med.med, peer: "—",
			note: fmt.Sprintf("%s; %.2f× the embedded S3's median in this run (%s)", med.String(), med.med.Seconds()/b.addOne[n].Seconds(), sec(b.addOne[n]))},
	}, nil
}
