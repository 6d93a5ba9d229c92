package publisher

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"sort"
	"sync"
	"time"

	"ringmaster.dev/kit/blob"
	"ringmaster.dev/repo-publisher/apt"
	"ringmaster.dev/repo-publisher/par"
	"ringmaster.dev/repo-publisher/yum"
)

// Manifest is a channel's published state: the packages of each distro (with
// the metadata the indexes need, so adding one package does not re-read the
// others), the sha256 of every live object, and objects no longer referenced
// with the time they were retired (deleted by `ring repo gc` after a grace period).
//
// It is stored in two parts (see save): a small head at ManifestKey, and each
// distro's package list cut into content-addressed segments under SegmentRoot,
// so a publish that adds a package writes one segment and the head.
type Manifest struct {
	Channel  string                   `json:"channel"`
	Revision int                      `json:"revision"`
	Updated  time.Time                `json:"updated"`
	Debs     map[string][]apt.Package `json:"debs,omitempty"`
	RPMs     map[string][]yum.Package `json:"rpms,omitempty"`
	Live     map[string]string        `json:"live"`
	Retired  map[string]time.Time     `json:"retired,omitempty"`

	// segs are the stored segments of each list ("deb:"/"rpm:" + distro) as
	// of the last load or save; dirty the positions changed since.
	segs  map[string][]segment
	dirty map[string]map[int]bool
	// debIdx and rpmIdx map a distro's Filename/Href to its position.
	debIdx map[string]map[string]int
	rpmIdx map[string]map[string]int
	// retiredSegs are segment keys no longer referenced, with when.
	retiredSegs map[string]time.Time
}

// segment is entries [start, end) of a list, stored at key.
type segment struct {
	start, end int
	key        string
}

// head is the stored form of a manifest: the lists are segment keys.
type head struct {
	Channel     string                   `json:"channel"`
	Revision    int                      `json:"revision"`
	Updated     time.Time                `json:"updated"`
	Debs        map[string][]apt.Package `json:"debs,omitempty"` // manifests written before segments
	RPMs        map[string][]yum.Package `json:"rpms,omitempty"`
	DebSegments map[string][]string      `json:"debSegments,omitempty"`
	RPMSegments map[string][]string      `json:"rpmSegments,omitempty"`
	Live        map[string]string        `json:"live"`
	Retired     map[string]time.Time     `json:"retired,omitempty"`
	// RetiredSegments are segment keys no longer referenced, deleted by gc
	// after the grace period (a reader may hold the previous head).
	RetiredSegments map[string]time.Time `json:"retiredSegments,omitempty"`
}

// SegmentRoot holds manifest segments: <SegmentRoot><channel>/<sha256>.json.
// It is outside StateRoot, whose keys are the channels' heads.
const SegmentRoot = "state/repo-segments/"

// segmentCut: a segment ends after an entry whose file name hashes to 0 mod
// segmentCut (content-defined, so an insert or replacement changes only its
// own segment): ~128 entries, ~130 KB of JSON.
const segmentCut = 128

func newManifest(channel string) *Manifest {
	return &Manifest{Channel: channel, Debs: map[string][]apt.Package{}, RPMs: map[string][]yum.Package{}, Live: map[string]string{}, Retired: map[string]time.Time{}}
}

// ManifestReader is the part of the blob store reading a manifest needs.
type ManifestReader interface {
	Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error)
}

// Manifests is the part of the blob store manifests need.
type Manifests interface {
	ManifestReader
	Put(ctx context.Context, key string, r io.Reader, size int64, opts blob.PutOptions) (blob.Info, error)
}

// LoadManifest reads a channel's manifest; a channel never published gets an empty one.
func LoadManifest(ctx context.Context, store ManifestReader, channel string) (*Manifest, error) {
	m, _, err := loadManifest(ctx, store, channel)
	return m, err
}

// loadManifest also returns the sha256 of the head ("" if there is none).
func loadManifest(ctx context.Context, store ManifestReader, channel string) (*Manifest, string, error) {
	rc, _, err := store.Get(ctx, ManifestKey(channel))
	if errors.Is(err, blob.ErrNotFound) {
		return newManifest(channel), "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("manifest of %s: %w", channel, err)
	}
	raw, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return nil, "", fmt.Errorf("manifest of %s: %w", channel, err)
	}
	var h head
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, "", fmt.Errorf("manifest of %s: %w", channel, err)
	}
	m := newManifest(channel)
	m.Channel, m.Revision, m.Updated = h.Channel, h.Revision, h.Updated
	if m.Channel == "" {
		m.Channel = channel
	}
	for d, l := range h.Debs {
		m.Debs[d] = l
	}
	for d, l := range h.RPMs {
		m.RPMs[d] = l
	}
	if h.Live != nil {
		m.Live = h.Live
	}
	if h.Retired != nil {
		m.Retired = h.Retired
	}
	m.retiredSegs = h.RetiredSegments
	if err := m.loadSegments(ctx, store, h.DebSegments, h.RPMSegments); err != nil {
		return nil, "", fmt.Errorf("manifest of %s: %w", channel, err)
	}
	return m, sum(raw), nil
}

// loadSegments reads every segment the head lists, in parallel.
func (m *Manifest) loadSegments(ctx context.Context, store ManifestReader, debs, rpms map[string][]string) error {
	type job struct {
		list string
		i    int
		key  string
	}
	var jobs []job
	debParts := map[string][][]apt.Package{}
	rpmParts := map[string][][]yum.Package{}
	for d, keys := range debs {
		debParts[d] = make([][]apt.Package, len(keys))
		for i, k := range keys {
			jobs = append(jobs, job{"deb:" + d, i, k})
		}
	}
	for d, keys := range rpms {
		rpmParts[d] = make([][]yum.Package, len(keys))
		for i, k := range keys {
			jobs = append(jobs, job{"rpm:" + d, i, k})
		}
	}
	err := par.ForEach(ctx, jobs, 8, func(ctx context.Context, j job) error {
		rc, _, err := store.Get(ctx, m.segmentKey(j.key))
		if err != nil {
			return fmt.Errorf("segment %s: %w", j.key, err)
		}
		defer rc.Close()
		dec := json.NewDecoder(rc)
		if d, ok := cutPrefix(j.list, "deb:"); ok {
			err = dec.Decode(&debParts[d][j.i])
		} else {
			d, _ := cutPrefix(j.list, "rpm:")
			err = dec.Decode(&rpmParts[d][j.i])
		}
		if err != nil {
			return fmt.Errorf("segment %s: %w", j.key, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	m.segs = map[string][]segment{}
	for d, parts := range debParts {
		var l []apt.Package
		for i, part := range parts {
			m.segs["deb:"+d] = append(m.segs["deb:"+d], segment{len(l), len(l) + len(part), debs[d][i]})
			l = append(l, part...)
		}
		m.Debs[d] = l
	}
	for d, parts := range rpmParts {
		var l []yum.Package
		for i, part := range parts {
			m.segs["rpm:"+d] = append(m.segs["rpm:"+d], segment{len(l), len(l) + len(part), rpms[d][i]})
			l = append(l, part...)
		}
		m.RPMs[d] = l
	}
	return nil
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return s, false
}

func (m *Manifest) segmentKey(sha string) string {
	return SegmentRoot + m.Channel + "/" + sha + ".json"
}

// save writes the segments that changed (see segmentCut) and then the head,
// and returns the head's sha256. Segment keys no longer referenced are
// recorded in the head as retired, for gc.
func (m *Manifest) save(ctx context.Context, store Manifests) (string, error) {
	h := head{Channel: m.Channel, Revision: m.Revision, Updated: m.Updated, Live: m.Live, Retired: m.Retired,
		DebSegments: map[string][]string{}, RPMSegments: map[string][]string{}}
	type job struct {
		list string
		seg  *segment
		data func() ([]byte, error)
	}
	var jobs []job
	newSegs := map[string][]segment{}
	plan := func(list string, n int, name func(i int) string, encode func(a, b int) ([]byte, error)) {
		old := map[[2]int]string{}
		for _, s := range m.segs[list] {
			old[[2]int{s.start, s.end}] = s.key
		}
		dirty := m.dirty[list]
		var segs []segment
		start := 0
		for i := 0; i < n; i++ {
			if i == n-1 || cutAfter(name(i)) {
				segs = append(segs, segment{start: start, end: i + 1})
				start = i + 1
			}
		}
		for i := range segs {
			s := &segs[i]
			if k, ok := old[[2]int{s.start, s.end}]; ok && !anyIn(dirty, s.start, s.end) {
				s.key = k
				continue
			}
			a, b := s.start, s.end
			jobs = append(jobs, job{list, s, func() ([]byte, error) { return encode(a, b) }})
		}
		newSegs[list] = segs
	}
	for _, d := range sortedKeys(m.Debs) {
		l := m.Debs[d]
		plan("deb:"+d, len(l), func(i int) string { return l[i].Filename }, func(a, b int) ([]byte, error) { return json.Marshal(l[a:b]) })
	}
	for _, d := range sortedKeys(m.RPMs) {
		l := m.RPMs[d]
		plan("rpm:"+d, len(l), func(i int) string { return l[i].Href }, func(a, b int) ([]byte, error) { return json.Marshal(l[a:b]) })
	}
	err := par.ForEach(ctx, jobs, 8, func(ctx context.Context, j job) error {
		b, err := j.data()
		if err != nil {
			return err
		}
		s := sum(b)
		j.seg.key = s
		if _, err := store.Put(ctx, m.segmentKey(s), bytes.NewReader(b), int64(len(b)), blob.PutOptions{ContentType: "application/json", SHA256: s}); err != nil {
			return fmt.Errorf("save manifest segment of %s: %w", m.Channel, err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	referenced := map[string]bool{}
	for list, segs := range newSegs {
		keys := make([]string, len(segs))
		for i, s := range segs {
			keys[i] = s.key
			referenced[s.key] = true
		}
		if d, ok := cutPrefix(list, "deb:"); ok {
			h.DebSegments[d] = keys
		} else {
			d, _ := cutPrefix(list, "rpm:")
			h.RPMSegments[d] = keys
		}
	}
	retired := map[string]time.Time{}
	for k, t := range m.retiredSegs {
		if !referenced[k] {
			retired[k] = t
		}
	}
	for _, segs := range m.segs {
		for _, s := range segs {
			if _, known := retired[s.key]; !referenced[s.key] && !known {
				retired[s.key] = m.Updated
			}
		}
	}
	if len(retired) > 0 {
		h.RetiredSegments = retired
	}
	b, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	s := sum(b)
	if _, err := store.Put(ctx, ManifestKey(m.Channel), bytes.NewReader(b), int64(len(b)), blob.PutOptions{ContentType: "application/json", SHA256: s}); err != nil {
		return "", fmt.Errorf("save manifest of %s: %w", m.Channel, err)
	}
	m.segs, m.dirty, m.retiredSegs = newSegs, nil, h.RetiredSegments
	return s, nil
}

func cutAfter(name string) bool {
	h := fnv.New32a()
	h.Write([]byte(name))
	return h.Sum32()%segmentCut == 0
}

func anyIn(set map[int]bool, a, b int) bool {
	if len(set) < b-a {
		for i := range set {
			if a <= i && i < b {
				return true
			}
		}
		return false
	}
	for i := a; i < b; i++ {
		if set[i] {
			return true
		}
	}
	return false
}

func (m *Manifest) markDirty(list string, i int) {
	if m.dirty == nil {
		m.dirty = map[string]map[int]bool{}
	}
	if m.dirty[list] == nil {
		m.dirty[list] = map[int]bool{}
	}
	m.dirty[list][i] = true
}

// addDeb adds pkg to distro d, replacing an entry for the same file (same
// bytes: the pool is immutable), in O(1).
func (m *Manifest) addDeb(d string, pkg apt.Package) {
	if m.debIdx == nil {
		m.debIdx = map[string]map[string]int{}
	}
	m.markDirty("deb:"+d, upsert(m.debIdx, m.Debs, d, pkg, func(p apt.Package) string { return p.Filename }))
}

// addRPM is addDeb for RPMs, by Href.
func (m *Manifest) addRPM(d string, pkg yum.Package) {
	if m.rpmIdx == nil {
		m.rpmIdx = map[string]map[string]int{}
	}
	m.markDirty("rpm:"+d, upsert(m.rpmIdx, m.RPMs, d, pkg, func(p yum.Package) string { return p.Href }))
}

// upsert puts pkg into lists[d], replacing the entry with the same key, and
// returns its position; idx[d] (key → position) is built on first use.
func upsert[T any](idx map[string]map[string]int, lists map[string][]T, d string, pkg T, key func(T) string) int {
	pos := idx[d]
	if pos == nil {
		pos = make(map[string]int, len(lists[d]))
		for i, e := range lists[d] {
			if _, ok := pos[key(e)]; !ok {
				pos[key(e)] = i
			}
		}
		idx[d] = pos
	}
	if i, ok := pos[key(pkg)]; ok {
		lists[d][i] = pkg
		return i
	}
	i := len(lists[d])
	pos[key(pkg)] = i
	lists[d] = append(lists[d], pkg)
	return i
}

// retire records objects that were live and are not any more.
func (m *Manifest) retire(newLive map[string]string, now time.Time) {
	for k := range m.Live {
		if _, still := newLive[k]; !still {
			if _, known := m.Retired[k]; !known {
				m.Retired[k] = now
			}
		}
	}
	for k := range newLive {
		delete(m.Retired, k)
	}
	m.Live = newLive
}

// manifestCache keeps each channel's manifest as last saved by this
// publisher, with the sha256 of its head: a publish reuses it after a Stat
// shows the head unchanged (another publisher instance may have written it).
type manifestCache struct {
	mu sync.Mutex
	m  map[string]cachedManifest
}

type cachedManifest struct {
	m   *Manifest
	sha string
}

// take removes and returns channel's cached manifest: the caller owns it
// (and puts it back after saving it).
func (c *manifestCache) take(channel string) (cachedManifest, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[channel]
	delete(c.m, channel)
	return e, ok
}

func (c *manifestCache) put(m *Manifest, sha string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cachedManifest{}
	}
	c.m[m.Channel] = cachedManifest{m, sha}
}

func (c *manifestCache) drop(channel string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, channel)
}

// sortedSegments lists retired segment keys older than grace, sorted.
func collectableSegments(m *Manifest, now time.Time, grace time.Duration) []string {
	var out []string
	for k, t := range m.retiredSegs {
		if now.Sub(t) >= grace {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
