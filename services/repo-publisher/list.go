package publisher

import (
	"context"
	"fmt"
	"sort"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
)

// maxListed bounds the packages one repo.listed names, so the fact stays
// well under the bus's 1 MiB.
const maxListed = 5000

// List reads what each channel (or the one channel asks for) publishes,
// per distro: name@version (architecture), sorted.
func (p *Publisher) List(ctx context.Context, channel string) (*events.RepoListed, error) {
	channels, err := p.GCChannels(ctx, &events.RepoGCRequested{Channel: channel})
	if err != nil {
		return nil, err
	}
	out := &events.RepoListed{Channels: []events.ChannelListing{}}
	n := 0
	for _, ch := range channels {
		m, err := LoadManifest(ctx, p.Store, ch)
		if err != nil {
			return nil, err
		}
		add := func(distro string, pkgs []string) {
			sort.Strings(pkgs)
			if n+len(pkgs) > maxListed {
				pkgs, out.Truncated = pkgs[:max(0, maxListed-n)], true
			}
			n += len(pkgs)
			out.Channels = append(out.Channels, events.ChannelListing{Channel: ch, Distro: distro, Revision: m.Revision, Packages: pkgs})
		}
		for _, d := range sortedKeys(m.Debs) {
			var pkgs []string
			for _, x := range m.Debs[d] {
				pkgs = append(pkgs, fmt.Sprintf("%s@%s (%s)", x.Name, x.Version, x.Architecture))
			}
			add(d, pkgs)
		}
		for _, d := range sortedKeys(m.RPMs) {
			var pkgs []string
			for _, x := range m.RPMs[d] {
				v := x.Version + "-" + x.Release
				if x.Epoch != "" && x.Epoch != "0" {
					v = x.Epoch + ":" + v
				}
				pkgs = append(pkgs, fmt.Sprintf("%s@%s (%s)", x.Name, v, x.Arch))
			}
			add(d, pkgs)
		}
	}
	return out, nil
}

// listHandler answers repo.list.requested with repo.listed.
func listHandler(p *Publisher) bus.Handler {
	return func(d *bus.Delivery) error {
		req := d.Payload.(*events.RepoListRequested)
		l, err := p.List(d.Ctx, req.Channel)
		if err != nil {
			return bus.Permanent(err)
		}
		return d.Emit(l)
	}
}
