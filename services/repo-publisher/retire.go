package publisher

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/repo-publisher/apt"
	"ringmaster.dev/repo-publisher/yum"
)

// Retiring a channel: a pull or merge request's pr-<n> ends when the request
// closes. Its indexes are retired like the ones a publish replaces (a reader
// that fetched them keeps the grace period to finish), its package lists are
// emptied, and once gc has deleted the last retired object the manifest goes
// too: the channel no longer exists. Pool files are shared and never deleted.

// RequestPrefix starts the channels of pull and merge requests, the only
// ones a gc retires by age.
const RequestPrefix = "pr-"

// validateRetire checks a gc request's retirement fields and returns the idle
// age (0: none retired by age).
func validateRetire(req *events.RepoGCRequested) (time.Duration, error) {
	for i, c := range req.Retire {
		if !channelRE.MatchString(c) {
			return 0, fmt.Errorf("%w: retire[%d] %q: want a channel name, lowercase letters, digits and '-', e.g. pr-12", ErrBadRequest, i, c)
		}
	}
	if req.RetireIdle == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(req.RetireIdle)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%w: retire_idle %q: want a positive duration, e.g. 720h for 30 days", ErrBadRequest, req.RetireIdle)
	}
	return d, nil
}

// retireTargets are the channels of existing that a request retires: those
// it names (a channel already gone is skipped) and, with an idle age, every
// pr-<n> channel; which of those are idle enough is known only from their
// manifests, under the lease (see Retire).
func retireTargets(req *events.RepoGCRequested, existing []string, idle time.Duration) []string {
	var out []string
	for _, c := range existing {
		if slices.Contains(req.Retire, c) || (idle > 0 && strings.HasPrefix(c, RequestPrefix)) {
			out = append(out, c)
		}
	}
	return out
}

// Retire retires the channels named (the caller holds their leases): every
// live object is retired at now, the package lists are emptied and the
// manifest saved (a dry run saves nothing). A channel with an idle age given
// is retired only if its last publish is at least that old; named ones
// always. It returns the channels retired (or that would be); one already
// empty is not listed again.
func (p *Publisher) Retire(ctx context.Context, named, byAge []string, idle time.Duration, dryRun bool) ([]string, error) {
	store, err := p.gcStore()
	if err != nil {
		return nil, err
	}
	now := p.now()
	var out []string
	for _, c := range slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(named), byAge...)))) {
		m, err := LoadManifest(ctx, store, c)
		if err != nil {
			return out, err
		}
		if !slices.Contains(named, c) && (idle <= 0 || now.Sub(m.Updated) < idle) {
			continue
		}
		if m.empty() {
			continue // retired before
		}
		out = append(out, c)
		if dryRun {
			continue
		}
		m.retire(map[string]string{}, now)
		m.Debs, m.RPMs = map[string][]apt.Package{}, map[string][]yum.Package{}
		m.debIdx, m.rpmIdx = nil, nil
		m.Revision++
		m.Updated = now
		p.manifests.drop(c)
		if _, err := m.save(ctx, store); err != nil {
			return out, fmt.Errorf("retire %s: %w", c, err)
		}
		p.Log.Info().Str("channel", c).Int("retired", len(m.Retired)).Msg("retired channel")
	}
	return out, nil
}

// empty tells a manifest that publishes nothing: no package, no live object.
func (m *Manifest) empty() bool {
	for _, l := range m.Debs {
		if len(l) > 0 {
			return false
		}
	}
	for _, l := range m.RPMs {
		if len(l) > 0 {
			return false
		}
	}
	return len(m.Live) == 0
}

// removable tells a retired channel whose every retired object and segment
// has been deleted: its manifest can go.
func (m *Manifest) removable() bool {
	if !m.empty() || len(m.retiredSegs) > 0 {
		return false
	}
	for k := range m.Retired {
		if !isPoolKey(k) && strings.HasPrefix(k, Root) {
			return false
		}
	}
	return true
}

// remove deletes the manifest of a channel gc emptied.
func (p *Publisher) remove(ctx context.Context, store GCStore, channel string) error {
	p.manifests.drop(channel)
	if err := store.Delete(ctx, ManifestKey(channel)); err != nil && !errors.Is(err, blob.ErrNotFound) {
		return fmt.Errorf("remove channel %s: %w", channel, err)
	}
	return nil
}
