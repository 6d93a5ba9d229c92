package publisher

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/lease"
)

// Garbage collection.
const (
	// DefaultGrace is how long a retired object (or an upload) is kept: long
	// enough for a reader that fetched the previous InRelease or repomd.xml to
	// fetch everything it lists.
	DefaultGrace = time.Hour
	// UploadsRoot holds packages uploaded for a publish (`ring repo publish`).
	// Once published they live in the pool; an upload older than the grace
	// period is an orphan that no queued publish still needs.
	UploadsRoot = "uploads/"
	// MaxListed caps the keys a repo.gc.finished fact lists.
	MaxListed = 1000
)

// GCStore is the part of the blob store garbage collection needs.
type GCStore interface {
	Store
	List(ctx context.Context, prefix string) iter.Seq2[blob.Info, error]
	Delete(ctx context.Context, key string) error
}

type leaseKV = jetstream.KeyValue

// ValidateGC checks a gc request and returns its grace period.
func ValidateGC(req *events.RepoGCRequested) (time.Duration, error) {
	if req.Channel != "" && !channelRE.MatchString(req.Channel) {
		return 0, fmt.Errorf("%w: channel %q: want lowercase letters, digits and '-', e.g. nightly", ErrBadRequest, req.Channel)
	}
	if _, err := validateRetire(req); err != nil {
		return 0, err
	}
	if req.Grace == "" {
		return DefaultGrace, nil
	}
	g, err := time.ParseDuration(req.Grace)
	if err != nil || g < 0 {
		return 0, fmt.Errorf("%w: grace %q: want a duration of at least 0, e.g. 1h or 30m", ErrBadRequest, req.Grace)
	}
	return g, nil
}

func (p *Publisher) gcStore() (GCStore, error) {
	s, ok := p.Store.(GCStore)
	if !ok {
		return nil, fmt.Errorf("repo gc: the blob store %T cannot list or delete", p.Store)
	}
	return s, nil
}

// GCChannels resolves which channels a gc request covers: the one it names
// (which must exist) and those it may retire, or every channel with a manifest.
func (p *Publisher) GCChannels(ctx context.Context, req *events.RepoGCRequested) ([]string, error) {
	store, err := p.gcStore()
	if err != nil {
		return nil, err
	}
	var all []string
	for info, err := range store.List(ctx, StateRoot) {
		if err != nil {
			return nil, err
		}
		name, ok := strings.CutSuffix(strings.TrimPrefix(info.Key, StateRoot), ".json")
		if ok && channelRE.MatchString(name) {
			all = append(all, name)
		}
	}
	slices.Sort(all)
	if req.Channel == "" {
		return all, nil
	}
	if !slices.Contains(all, req.Channel) {
		return nil, fmt.Errorf("%w: no channel %s; the channels are %s", ErrBadRequest, req.Channel, orNone(all))
	}
	idle, _ := validateRetire(req)
	return slices.Compact(slices.Sorted(slices.Values(append(retireTargets(req, all, idle), req.Channel)))), nil
}

// collectable splits m's retired objects: those retired at least grace
// before now are returned (sorted), the rest counted as kept. An object that
// is live again, a pool file or a key outside the public tree is never
// returned; a live one is only dropped from the retired list.
func collectable(m *Manifest, now time.Time, grace time.Duration) (del []string, kept int) {
	for _, k := range sortedKeys(m.Retired) {
		when := m.Retired[k]
		switch {
		case m.Live[k] != "":
			delete(m.Retired, k) // live again (retire() normally drops it)
		case isPoolKey(k) || !strings.HasPrefix(k, Root):
			kept++ // shared or foreign: never the publisher's to delete
		case now.Sub(when) >= grace:
			del = append(del, k)
		default:
			kept++
		}
	}
	return del, kept
}

func segmentKeys(m *Manifest, shas []string) []string {
	out := make([]string, len(shas))
	for i, s := range shas {
		out[i] = m.segmentKey(s)
	}
	return out
}

func isPoolKey(k string) bool {
	return strings.HasPrefix(k, AptRoot+"pool/") || strings.HasPrefix(k, YumPool)
}

// GC deletes, in each channel, the objects retired at least grace ago and
// removes them from the manifest (saved after the deletes: an interrupted gc
// only leaves keys that the next one deletes again), then deletes uploads
// older than grace. A dry run only lists them. The caller holds the leases
// of channels.
func (p *Publisher) GC(ctx context.Context, channels []string, grace time.Duration, dryRun bool) (*events.RepoGCFinished, error) {
	store, err := p.gcStore()
	if err != nil {
		return nil, err
	}
	now := p.now()
	out := &events.RepoGCFinished{Channels: channels, DryRun: dryRun, Deleted: []string{}}
	note := func(keys []string) {
		out.DeletedCount += len(keys)
		for _, k := range keys {
			if len(out.Deleted) < MaxListed {
				out.Deleted = append(out.Deleted, k)
			}
		}
	}
	for _, c := range channels {
		m, err := LoadManifest(ctx, store, c)
		if err != nil {
			return nil, err
		}
		before, beforeSegs := len(m.Retired), len(m.retiredSegs)
		del, kept := collectable(m, now, grace)
		out.Kept += kept
		if dryRun {
			note(del)
			continue
		}
		done, derr := p.deleteAll(ctx, store, del)
		note(done)
		for _, k := range done {
			delete(m.Retired, k)
		}
		// Manifest segments no longer referenced (internal state, not
		// reported in the fact).
		if derr == nil {
			segs, serr := p.deleteAll(ctx, store, segmentKeys(m, collectableSegments(m, now, grace)))
			for _, k := range segs {
				delete(m.retiredSegs, k[strings.LastIndex(k, "/")+1:len(k)-len(".json")])
			}
			derr = serr
		}
		if derr == nil && m.removable() {
			if err := p.remove(ctx, store, c); err != nil {
				return nil, err
			}
			out.Removed = append(out.Removed, c)
			p.Log.Info().Str("channel", c).Int("deleted", len(done)).Msg("removed retired channel")
			continue
		}
		if len(m.Retired) != before || len(m.retiredSegs) != beforeSegs {
			p.manifests.drop(c)
			if _, err := m.save(ctx, store); err != nil {
				return nil, errors.Join(derr, err)
			}
		}
		if derr != nil {
			return nil, derr
		}
		p.Log.Info().Str("channel", c).Int("deleted", len(done)).Int("kept", kept).Msg("collected retired objects")
	}
	var uploads []string
	for info, err := range store.List(ctx, UploadsRoot) {
		if err != nil {
			return nil, err
		}
		if now.Sub(info.LastModified) >= grace {
			uploads = append(uploads, info.Key)
		}
	}
	if !dryRun {
		done, err := p.deleteAll(ctx, store, uploads)
		if err != nil {
			return nil, err
		}
		uploads = done
	}
	out.Uploads = len(uploads)
	note(uploads)
	return out, nil
}

// deleteAll deletes keys, p.parallel() at a time, and returns those deleted.
func (p *Publisher) deleteAll(ctx context.Context, store GCStore, keys []string) ([]string, error) {
	var (
		mu   sync.Mutex
		done []string
		errs []error
		wg   sync.WaitGroup
	)
	sem := make(chan struct{}, p.parallel())
	for _, k := range keys {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := store.Delete(ctx, k)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("delete %s: %w", k, err))
				return
			}
			done = append(done, k)
		}()
	}
	wg.Wait()
	slices.Sort(done)
	if err := errors.Join(errs...); err != nil {
		return done, err
	}
	return done, ctx.Err()
}

func gcHandler(p *Publisher, leases leaseKV) bus.Handler {
	return func(d *bus.Delivery) error {
		req := d.Payload.(*events.RepoGCRequested)
		grace, err := ValidateGC(req)
		if err != nil {
			return bus.Permanent(err)
		}
		channels, err := p.GCChannels(d.Ctx, req)
		if IsPermanent(err) {
			return bus.Permanent(err)
		}
		if err != nil {
			return err
		}
		idle, _ := validateRetire(req)
		var byAge []string
		if idle > 0 {
			byAge = retireTargets(&events.RepoGCRequested{}, channels, idle)
		}
		var out *events.RepoGCFinished
		err = underLeases(d, leases, channels, func(ctx context.Context) error {
			retired, err := p.Retire(ctx, req.Retire, byAge, idle, req.DryRun)
			if err != nil {
				return err
			}
			out, err = p.GC(ctx, channels, grace, req.DryRun)
			if out != nil {
				out.Retired = retired
			}
			return err
		})
		if err != nil {
			return err
		}
		out.Channel = req.Channel
		return d.Emit(out)
	}
}

// underLeases runs fn holding the lease of every channel (taken in sorted
// order, so two multi-channel holders never deadlock), waiting for a busy
// channel (acquire); permanent errors of fn become bus.Permanent.
func underLeases(d *bus.Delivery, kv leaseKV, channels []string, fn func(ctx context.Context) error) error {
	sorted := slices.Compact(slices.Sorted(slices.Values(channels)))
	var held []*lease.Lease
	release := func() {
		for _, l := range held {
			_ = l.Release(context.WithoutCancel(d.Ctx))
		}
	}
	for _, c := range sorted {
		l, err := acquire(d, kv, c)
		if err != nil {
			release()
			return err
		}
		held = append(held, l)
	}
	ctx := d.Ctx
	var stops []func()
	for _, l := range held {
		var stop func()
		ctx, stop = l.Hold(ctx)
		stops = append(stops, stop)
	}
	defer func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
		release()
	}()
	err := fn(ctx)
	if IsPermanent(err) {
		return bus.Permanent(err)
	}
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			return fmt.Errorf("%w (lease: %v)", err, cause)
		}
		return err
	}
	return nil
}
