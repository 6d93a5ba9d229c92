// Package mirror makes a verified, resumable copy of a published APT or YUM
// repository in a local directory or an S3 prefix.
//
// Verification runs top-down, as apt and dnf do: the signed top file
// (InRelease, or repomd.xml with repomd.xml.asc) against the keyring; every
// index file against the sha256 the signed file lists; every package against
// the sha256 its index lists. Downloads go to a work directory first (resumed
// with HTTP Range after a kill) and reach their final path only verified.
// Files are written in reader-safe order: packages, by-hash indexes, plain
// indexes, Release/Release.gpg or repomd.xml.asc, and InRelease or
// repomd.xml last, so a reader of the mirror never sees an index that lists
// a file not yet there.
package mirror

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"ringmaster.dev/kit/lockfile"
)

// Formats.
const (
	APT = "apt"
	YUM = "yum"
)

// Options says what to mirror where.
type Options struct {
	// Source is the repository root: the apt URIs: value, or a YUM baseurl
	// (the directory holding repodata/).
	Source string
	// Dest receives the mirror (NewLocalDest, NewS3Dest, OpenDest).
	Dest Dest
	// Format is APT, YUM or "" to detect (a YUM repo answers repodata/repomd.xml).
	Format string
	// Suites are the APT suites (dists/<suite>) to mirror; required for APT.
	Suites []string
	// Keyring holds the key(s) the repository is signed with.
	Keyring openpgp.EntityList
	// Parallel is the number of concurrent downloads (default 8).
	Parallel int
	// Progress, when set, receives progress lines (files and bytes).
	Progress io.Writer
	// Client defaults to DefaultClient().
	Client *http.Client
	// Now is the clock for Valid-Until and pruning (default time.Now).
	Now func() time.Time
	// Prune deletes files an earlier sync of this source wrote that the
	// source no longer lists, once unlisted for PruneAfter (a client that
	// read the previous index can still fetch what it named meanwhile).
	// Files another source's mirror in the same destination lists stay.
	// Without Prune, unlisted files are only recorded.
	Prune      bool
	PruneAfter time.Duration
}

// Result summarizes a sync.
type Result struct {
	Format, Source, Dest string
	// RepoPath is the repository root relative to Dest ("" for APT; for YUM
	// the directory holding repodata/, beside the shared pool).
	RepoPath string
	// Files is the number of files the mirror holds for this source;
	// Fetched were written by this run, Skipped were already there.
	Files, Fetched, Skipped int
	// Bytes is the size of the files written.
	Bytes int64
	// Absent lists files an index lists that the source does not serve
	// (only ones no reader needs, e.g. an unused compression).
	Absent []string
	// Pruned files were deleted; Unlisted ones wait (PruneAfter, or no Prune).
	Pruned, Unlisted int
	Duration         time.Duration
}

type stage int

const (
	stagePool stage = iota
	stageByHash
	stageIndex
	stageRelease
	stageTop
)

type placement struct {
	key     string
	stage   stage
	present bool
}

// item is one distinct file to mirror, at one or more keys.
type item struct {
	url, altURL string // altURL: the plain name when by-hash is missing
	sum         string
	size        int64 // -1 unknown
	places      []placement
	data        []byte // signed top files: verified, in memory
	local       string // verified local copy
	parse       bool   // contents are read (an index)
	optional    bool   // a 404 leaves it out
	absent      bool
	checked     bool
}

func (it *item) name() string {
	if len(it.places) > 0 {
		return it.places[0].key
	}
	return it.url
}

func (it *item) complete() bool {
	for _, p := range it.places {
		if !p.present {
			return false
		}
	}
	return true
}

type syncer struct {
	opt   Options
	f     *fetcher
	items []*item
	prog  *progress

	mu  sync.Mutex
	res Result
}

// Sync mirrors opt.Source into opt.Dest, verifying everything, and returns
// what it did. A verification failure wraps ErrVerify.
func Sync(ctx context.Context, opt Options) (Result, error) {
	t0 := time.Now()
	if opt.Dest == nil {
		return Result{}, errors.New("mirror: no destination")
	}
	if len(opt.Keyring) == 0 {
		return Result{}, errors.New("mirror: no keyring: pass the repository's public key (ring repo key > key.asc)")
	}
	if opt.Parallel <= 0 {
		opt.Parallel = 8
	}
	if opt.Client == nil {
		opt.Client = DefaultClient()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	root, err := dirURL(opt.Source)
	if err != nil {
		return Result{}, err
	}
	s := &syncer{opt: opt, prog: newProgress(opt.Progress)}
	s.f = &fetcher{client: opt.Client, onBytes: s.prog.addBytes, retries: 3}
	s.res = Result{Source: root.String(), Dest: opt.Dest.String()}

	unlock, err := s.prepareWork()
	if err != nil {
		return s.res, err
	}
	defer unlock()

	format := opt.Format
	if format == "" {
		if format, root, err = s.detect(ctx, opt.Source); err != nil {
			return s.res, err
		}
		s.res.Source = root.String()
	}
	s.res.Format = format
	s.prog.start()
	defer s.prog.stop()
	switch format {
	case APT:
		err = s.planAPT(ctx, root)
	case YUM:
		err = s.planYUM(ctx, root)
	default:
		err = fmt.Errorf("format %q: want apt or yum", format)
	}
	if err == nil {
		err = s.run(ctx)
	}
	if err == nil {
		err = s.record(ctx)
	}
	s.res.Duration = time.Since(t0)
	if err != nil {
		return s.res, err
	}
	// Everything is committed: what is left in the work directory is stale.
	_ = os.RemoveAll(opt.Dest.WorkDir())
	return s.res, nil
}

// prepareWork creates the work directory, takes its lock (one writer per
// destination) and removes temporary files of a killed run. Partial
// downloads (named by their sha256) are kept: they are resumed.
func (s *syncer) prepareWork() (func(), error) {
	work := s.opt.Dest.WorkDir()
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	lock, err := lockfile.Try(filepath.Join(work, "lock"))
	var held *lockfile.HeldError
	if errors.As(err, &held) {
		return nil, fmt.Errorf("another ring mirror (%s) is writing to %s (lock %s)", held.Holder(), s.opt.Dest, held.Path)
	}
	if err != nil {
		return nil, err
	}
	if tmps, _ := filepath.Glob(filepath.Join(work, "tmp-*")); len(tmps) > 0 {
		for _, t := range tmps {
			_ = os.Remove(t)
		}
	}
	return func() {
		// A failed run keeps its partial downloads for the next; an
		// empty work directory goes.
		_ = os.Remove(lock.Path())
		_ = lock.Unlock()
		_ = os.Remove(work)
	}, nil
}

// detect tells APT from YUM: a YUM repository answers repodata/repomd.xml.
func (s *syncer) detect(ctx context.Context, raw string) (string, *url.URL, error) {
	if len(s.opt.Suites) > 0 {
		u, err := dirURL(raw)
		return APT, u, err
	}
	trimmed := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(raw, "/"), "/repomd.xml"), "/repodata")
	u, err := dirURL(trimmed)
	if err != nil {
		return "", nil, err
	}
	md, err := resolve(u, "repodata/repomd.xml")
	if err != nil {
		return "", nil, err
	}
	b, err := s.f.get(ctx, md.String(), 16<<20)
	if err == nil && looksLikeRepomd(b) {
		return YUM, u, nil
	}
	if err != nil && !errors.Is(err, errNotFound) {
		return "", nil, err
	}
	return "", nil, fmt.Errorf("%s: no repodata/repomd.xml there, so not a YUM repository; for an APT repository pass --suite (the Suites: value of `ring repo sources`)", raw)
}

// add registers an item, merging items with the same content and refusing
// two different contents for one key.
func (s *syncer) add(it *item, byKey map[string]*item) (*item, error) {
	for _, p := range it.places {
		if o, ok := byKey[p.key]; ok {
			if o.sum != it.sum {
				return nil, verifyErr("%s is listed twice with different sha256 (%s and %s)", p.key, o.sum, it.sum)
			}
			return o, nil
		}
	}
	for _, p := range it.places {
		byKey[p.key] = it
	}
	s.items = append(s.items, it)
	return it, nil
}

// checkPresence looks up every placement of items in the destination.
func (s *syncer) checkPresence(ctx context.Context, items []*item) error {
	return parallel(ctx, s.opt.Parallel, items, func(ctx context.Context, it *item) error {
		if it.checked {
			return nil
		}
		for i := range it.places {
			ok, err := s.opt.Dest.Has(ctx, it.places[i].key, it.sum, it.size)
			if err != nil {
				return fmt.Errorf("check %s in %s: %w", it.places[i].key, s.opt.Dest, err)
			}
			it.places[i].present = ok
		}
		it.checked = true
		return nil
	})
}

// obtain makes sure each item has a verified local copy or is complete in
// the destination (then index contents are read from there).
func (s *syncer) obtain(ctx context.Context, items []*item) error {
	if err := s.checkPresence(ctx, items); err != nil {
		return err
	}
	return parallel(ctx, s.opt.Parallel, items, func(ctx context.Context, it *item) error {
		if it.complete() || it.local != "" || it.data != nil {
			return nil
		}
		return s.download(ctx, it)
	})
}

func (s *syncer) download(ctx context.Context, it *item) error {
	partial := filepath.Join(s.opt.Dest.WorkDir(), it.sum)
	if it.size > 0 {
		s.prog.addTotalBytes(it.size)
	}
	err := s.f.download(ctx, it.url, partial, it.name(), it.sum, it.size)
	if errors.Is(err, errNotFound) && it.altURL != "" {
		err = s.f.download(ctx, it.altURL, partial, it.name(), it.sum, it.size)
	}
	if errors.Is(err, errNotFound) && it.optional {
		it.absent = true
		s.mu.Lock()
		s.res.Absent = append(s.res.Absent, it.name())
		s.mu.Unlock()
		return nil
	}
	if err != nil {
		return err
	}
	it.local = partial
	return nil
}

// open reads a verified index: the local copy, else the destination's.
func (s *syncer) open(ctx context.Context, it *item) (io.ReadCloser, error) {
	var rc io.ReadCloser
	var err error
	if it.local != "" {
		rc, err = os.Open(it.local)
	} else {
		rc, err = s.opt.Dest.Open(ctx, it.places[0].key)
	}
	if err != nil {
		return nil, err
	}
	d, err := decompressed(it.places[0].key, rc)
	if err != nil {
		rc.Close()
		return nil, verifyErr("%s: %v", it.name(), err)
	}
	return readCloser{d, rc}, nil
}

type readCloser struct {
	io.ReadCloser
	under io.Closer
}

func (r readCloser) Close() error { r.ReadCloser.Close(); return r.under.Close() }

// run downloads what is missing and writes it stage by stage.
func (s *syncer) run(ctx context.Context) error {
	if err := s.checkPresence(ctx, s.items); err != nil {
		return err
	}
	var files int
	for _, it := range s.items {
		if it.absent {
			continue
		}
		for _, p := range it.places {
			files++
			if p.present {
				s.prog.addDone(1)
			}
		}
	}
	s.prog.setTotalFiles(files)
	s.res.Files = files

	// Packages: download, verify and write each as soon as it is verified
	// (pool files are immutable, so writing them early is safe).
	var pool []*item
	for _, it := range s.items {
		if it.places[0].stage == stagePool && !it.complete() {
			pool = append(pool, it)
		}
	}
	err := parallel(ctx, s.opt.Parallel, pool, func(ctx context.Context, it *item) error {
		if err := s.download(ctx, it); err != nil {
			return err
		}
		return s.commit(ctx, it, stagePool)
	})
	if err != nil {
		return err
	}
	// Indexes that were complete in the destination need nothing; the
	// rest were downloaded while planning. Then the signed files, top last.
	for _, st := range []stage{stageByHash, stageIndex, stageRelease, stageTop} {
		var todo []*item
		for _, it := range s.items {
			if it.absent {
				continue
			}
			for _, p := range it.places {
				if p.stage == st && !p.present {
					todo = append(todo, it)
					break
				}
			}
		}
		if err := parallel(ctx, s.opt.Parallel, todo, func(ctx context.Context, it *item) error {
			if it.local == "" && it.data == nil {
				if err := s.download(ctx, it); err != nil {
					return err
				}
			}
			return s.commit(ctx, it, st)
		}); err != nil {
			return err
		}
	}
	s.res.Skipped = s.res.Files - s.res.Fetched
	s.prog.final()
	return nil
}

// commit writes the item's missing placements of stage st.
func (s *syncer) commit(ctx context.Context, it *item, st stage) error {
	if it.absent {
		return nil
	}
	if it.data != nil && it.local == "" {
		tmp, err := writeTemp(s.opt.Dest.WorkDir(), it.data)
		if err != nil {
			return err
		}
		it.local = tmp
		defer func() { _ = os.Remove(tmp); it.local = "" }()
	}
	for i := range it.places {
		p := &it.places[i]
		if p.stage != st || p.present {
			continue
		}
		// Only a package with a single placement is moved; index copies
		// are kept for their other placements.
		move := st == stagePool && len(it.places) == 1
		if err := s.opt.Dest.Commit(ctx, p.key, it.local, it.sum, it.size, move); err != nil {
			return err
		}
		p.present = true
		size := it.size
		if it.data != nil {
			size = int64(len(it.data))
		}
		s.mu.Lock()
		s.res.Fetched++
		s.res.Bytes += max(size, 0)
		s.mu.Unlock()
		s.prog.addDone(1)
	}
	return nil
}

// writeTemp writes b to a new temporary file in dir (removed by prepareWork
// if a run dies before committing it).
func writeTemp(dir string, b []byte) (string, error) {
	f, err := os.CreateTemp(dir, "tmp-")
	if err != nil {
		return "", err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// parallel runs fn for every item with at most n at a time; the first error
// cancels the rest and is returned.
func parallel(ctx context.Context, n int, items []*item, fn func(context.Context, *item) error) error {
	if len(items) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for _, it := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(ctx, it); err != nil {
				once.Do(func() { first = err; cancel(err) })
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
