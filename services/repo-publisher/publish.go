package publisher

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/failpoint"
	"ringmaster.dev/kit/signing"
	"ringmaster.dev/repo-publisher/apt"
	"ringmaster.dev/repo-publisher/repofile"
	"ringmaster.dev/repo-publisher/stage"
	"ringmaster.dev/repo-publisher/yum"
)

// Publisher turns packages into a channel's signed APT and YUM repositories.
type Publisher struct {
	Store   Store
	Key     *signing.Key
	WorkDir string
	Log     zerolog.Logger
	// Parallel bounds the S3 requests in flight: package reads and pool
	// writes of a publish, index uploads (default DefaultParallel; the
	// service reads RING_REPO_PARALLEL).
	Parallel int
	// URL gives the public URL of a key (the blob store's URL).
	URL func(key string) string
	Now func() time.Time

	manifests manifestCache
	xzBlocks  apt.BlockCache
	once      sync.Once
	metrics   *repoMetrics
}

var channelRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// Validate checks a request before anything is read or written.
func Validate(req *events.RepoPublishRequested) error {
	if !channelRE.MatchString(req.Channel) {
		return fmt.Errorf("%w: channel %q: want lowercase letters, digits and '-', e.g. nightly", ErrBadRequest, req.Channel)
	}
	if len(req.Distros) == 0 {
		return fmt.Errorf("%w: no distro: name at least one, e.g. debian-12", ErrBadRequest)
	}
	for _, d := range req.Distros {
		if FormatOf(d) == "" {
			return fmt.Errorf("%w: distro %q: not a known Debian or RPM family (debian-12, ubuntu-24.04, rockylinux-9, fedora-40, …)", ErrBadRequest, d)
		}
	}
	if len(req.Packages) == 0 {
		return fmt.Errorf("%w: no packages", ErrBadRequest)
	}
	return nil
}

// FailpointPoolWritten is where a publication has written its packages
// to the pool and no index yet (kit/failpoint).
const FailpointPoolWritten = "publish-pool-written"

// Publish adds the requested packages to the channel and makes the new
// indexes live. The caller holds the channel's lease.
func (p *Publisher) Publish(ctx context.Context, req *events.RepoPublishRequested) (*events.RepoPublished, error) {
	if err := Validate(req); err != nil {
		return nil, err
	}
	m, now, err := p.begin(ctx, req.Channel)
	if err != nil {
		return nil, err
	}
	claimed, err := p.claimed(ctx, req)
	if err != nil {
		return nil, err
	}
	ins, err := p.takeAll(ctx, req.Packages, claimed, func(ref events.PackageRef, in incoming) error {
		for _, d := range req.Distros {
			if FormatOf(d) == in.format {
				return nil
			}
		}
		return fmt.Errorf("%w: %s is a .%s package, but none of the distros %v takes .%s", ErrBadRequest, ref.Key, in.format, req.Distros, in.format)
	})
	if err != nil {
		return nil, err
	}
	for _, in := range ins {
		for _, d := range req.Distros {
			if FormatOf(d) != in.format {
				continue
			}
			if in.format == Deb {
				m.addDeb(d, in.deb)
			} else {
				m.addRPM(d, in.rpm)
			}
		}
	}
	// Crash drills kill the publisher here: the packages are in the pool,
	// no index names them yet.
	failpoint.Hit(FailpointPoolWritten)
	return p.commit(ctx, m, now, "published")
}

// begin loads a channel's manifest and the time to publish it at. apt
// revalidates InRelease with If-Modified-Since at one-second resolution:
// never publish a channel twice within one second.
func (p *Publisher) begin(ctx context.Context, channel string) (*Manifest, time.Time, error) {
	now := p.now()
	m, err := p.loadManifest(ctx, channel)
	if err != nil {
		return nil, time.Time{}, err
	}
	if wait := m.Updated.Truncate(time.Second).Add(time.Second).Sub(now); wait > 0 {
		time.Sleep(wait)
		now = p.now()
	}
	return m, now, nil
}

// loadManifest returns channel's manifest, owned by the caller: the one this
// publisher saved last if the stored head is still that one (one Stat),
// otherwise read from the store. commit caches it again once saved.
func (p *Publisher) loadManifest(ctx context.Context, channel string) (*Manifest, error) {
	if c, ok := p.manifests.take(channel); ok {
		info, err := p.Store.Stat(ctx, ManifestKey(channel))
		if err == nil && info.SHA256 == c.sha {
			return c.m, nil
		}
	}
	m, _, err := loadManifest(ctx, p.Store, channel)
	return m, err
}

// commit makes m's packages live: it rebuilds and re-signs every index of
// the channel, writes them in reader-safe order (stage.Write), records the
// objects no longer live as retired and saves the manifest — last, so a
// failure anywhere before leaves the previous manifest, which still
// describes what readers may be using. The caller holds the channel's lease.
func (p *Publisher) commit(ctx context.Context, m *Manifest, now time.Time, what string) (*events.RepoPublished, error) {
	files, hashes, err := p.indexes(m, now)
	if err != nil {
		return nil, err
	}
	res, err := stage.Write(ctx, p.Store, "", files, m.Live, p.parallel())
	if err != nil {
		return nil, err
	}
	m.retire(res.Live, now)
	m.Revision++
	m.Updated = now
	sha, err := m.save(ctx, p.Store)
	if err != nil {
		return nil, err
	}
	p.manifests.put(m, sha)
	p.metrics.sized(m)
	p.Log.Info().Str("channel", m.Channel).Int("revision", m.Revision).Int("written", res.Written).Int("files", len(files)).Msg(what)
	return &events.RepoPublished{Channel: m.Channel, Distros: m.distros(), URLs: p.urls(m), Hashes: hashes}, nil
}

// indexes builds every distro's indexes of the channel, with paths from the bucket root.
func (p *Publisher) indexes(m *Manifest, now time.Time) ([]repofile.File, map[string]string, error) {
	var files []repofile.File
	hashes := map[string]string{}
	for _, d := range sortedKeys(m.Debs) {
		suite := apt.Suite{Name: Suite(d, m.Channel), Architectures: archsOf(m.Debs[d]), Origin: "Ringmaster", Label: "Ringmaster " + m.Channel,
			Description: fmt.Sprintf("Ringmaster %s packages for %s", m.Channel, d)}
		fs, err := apt.Build(suite, m.Debs[d], p.Key, now, apt.WithBlockCache(p.blockCache()))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: apt index of %s: %w", ErrBadPackage, suite.Name, err)
		}
		for _, f := range fs {
			f.Path = AptRoot + f.Path
			if f.Stage == repofile.Top {
				hashes[d+"/InRelease"] = sum(f.Data)
			}
			files = append(files, f)
		}
	}
	for _, d := range sortedKeys(m.RPMs) {
		fs, err := yum.Build(m.RPMs[d], p.Key, now)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: yum index of %s: %w", ErrBadPackage, d, err)
		}
		for _, f := range fs {
			f.Path = YumRoot(d, m.Channel) + f.Path
			if f.Stage == repofile.Top {
				hashes[d+"/repomd.xml"] = sum(f.Data)
			}
			files = append(files, f)
		}
	}
	return files, hashes, nil
}

// blockCache keeps compressed Packages.xz blocks between publishes (see apt.WithBlockCache).
func (p *Publisher) blockCache() apt.BlockCache {
	p.once.Do(func() { p.xzBlocks = apt.NewBlockCache(blockCacheBytes) })
	return p.xzBlocks
}

// blockCacheBytes bounds the compressed index blocks kept in memory.
const blockCacheBytes = 64 << 20

func (p *Publisher) urls(m *Manifest) map[string]string {
	out := map[string]string{"key": p.url(KeyArmored), "keyring": p.url(KeyBinary)}
	if len(m.Debs) > 0 {
		out["apt"] = p.url(AptRoot)
	}
	for d := range m.RPMs {
		out["yum:"+d] = p.url(YumRoot(d, m.Channel))
	}
	return out
}

func (p *Publisher) url(key string) string {
	if p.URL == nil {
		return key
	}
	return p.URL(key)
}

func (p *Publisher) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

func (p *Publisher) parallel() int {
	if p.Parallel > 0 {
		return p.Parallel
	}
	return DefaultParallel
}

func (m *Manifest) distros() []string {
	var out []string
	for d := range m.Debs {
		out = append(out, d)
	}
	for d := range m.RPMs {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// addDeb adds pkg, replacing an entry for the same file (same bytes: the pool is immutable).
func addDeb(list []apt.Package, pkg apt.Package) []apt.Package {
	for i, e := range list {
		if e.Filename == pkg.Filename {
			list[i] = pkg
			return list
		}
	}
	return append(list, pkg)
}

func addRPM(list []yum.Package, pkg yum.Package) []yum.Package {
	for i, e := range list {
		if e.Href == pkg.Href {
			list[i] = pkg
			return list
		}
	}
	return append(list, pkg)
}

func archsOf(pkgs []apt.Package) []string {
	set := map[string]bool{}
	for _, p := range pkgs {
		if p.Architecture != "all" {
			set[p.Architecture] = true
		}
	}
	if len(set) == 0 {
		set["amd64"] = true
	}
	return sortedKeys(set)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// IsPermanent tells errors no retry can fix.
func IsPermanent(err error) bool {
	return errors.Is(err, ErrBadRequest) || errors.Is(err, ErrBadPackage) || errors.Is(err, ErrImmutable)
}
