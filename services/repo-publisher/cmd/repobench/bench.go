package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/s3server"
	"ringmaster.dev/kit/seaweed"
	"ringmaster.dev/kit/signing"
	publisher "ringmaster.dev/repo-publisher"
	"ringmaster.dev/repo-publisher/yum"
)

type bench struct {
	o      options
	work   string
	s3     *s3server.Server
	weed   *seaweed.Cluster // with --weed, started at its first use
	key    *signing.Key
	gpg    *gpgHome
	gpgErr error
	notes  []string
	// ours per size, for the aptly and reprepro rows' ratios
	firstPub, addOne map[int]time.Duration
	// the peers' first publish per tool and size, for the CLI row
	peerFirst map[string]map[int]time.Duration
}

const benchAccess, benchSecret = "repobench", "repobench-secret-key"

func newBench(ctx context.Context, o options, work string) (*bench, error) {
	b := &bench{o: o, work: work, firstPub: map[int]time.Duration{}, addOne: map[int]time.Duration{},
		peerFirst: map[string]map[int]time.Duration{"aptly": {}, "reprepro": {}}}
	var err error
	if b.key, err = signing.Generate("Repobench signing key", "repobench@ringmaster.invalid", time.Now()); err != nil {
		return nil, err
	}
	if b.s3, err = s3server.Start(ctx, s3server.Config{Dir: filepath.Join(work, "s3"), AccessKey: benchAccess, SecretKey: benchSecret}); err != nil {
		return nil, err
	}
	logf("embedded S3 at %s (metadata: %s)", b.s3.Endpoint(), b.s3.Metadata())
	if !o.skipped("ftparchive") {
		b.gpg, b.gpgErr = newGPG(ctx)
	}
	return b, nil
}

func (b *bench) close() {
	if b.gpg != nil {
		b.gpg.close()
	}
	_ = b.s3.Close()
	if b.weed != nil {
		b.weed.Close()
	}
}

func (b *bench) note(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	for _, n := range b.notes {
		if n == s {
			return
		}
	}
	b.notes = append(b.notes, s)
}

func (b *bench) versions() string {
	return strings.Join([]string{
		"apt-ftparchive: " + toolVersion("apt-ftparchive", "--version"),
		"xz: " + toolVersion("xz", "--version"),
		"createrepo_c: " + toolVersion("createrepo_c", "--version"),
		"aptly: " + toolVersion("aptly", "version"),
		"reprepro: " + toolVersion("reprepro", "--version"),
	}, "; ")
}

func (b *bench) peerCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, b.o.peerTimeout)
}

// peerRow turns a peer's outcome into the table's peer columns.
func peerRow(r row, d time.Duration, err error) row {
	switch {
	case err == nil:
		r.peerT = d
	case errors.Is(err, errMissing):
		r.note = strings.TrimSpace(r.note + " peer missing: " + err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		r.note = strings.TrimSpace(r.note + " peer timed out")
	default:
		r.note = strings.TrimSpace(r.note + " peer failed: " + err.Error())
	}
	return r
}

func (b *bench) size(ctx context.Context, n int) ([]row, error) {
	var rows []row
	o := b.o
	dir := filepath.Join(b.work, fmt.Sprintf("n%d", n))
	prefix := fmt.Sprintf("rb%d-", n)
	logf("N=%d: generating %d .deb files (+%d for the add-one runs)", n, n, o.addRuns)
	t := time.Now()
	debs, err := genDebs(ctx, filepath.Join(dir, "apt", "pool"), prefix, 0, n)
	if err != nil {
		return rows, err
	}
	extra, err := genDebs(ctx, filepath.Join(dir, "extra"), prefix, n, n+o.addRuns)
	if err != nil {
		return rows, err
	}
	logf("N=%d: debs made in %v", n, time.Since(t).Round(time.Millisecond))

	// (a) APT index, in memory.
	if !o.skipped("apt") {
		pkgs, err := inspectDebs(ctx, debs, runtime.GOMAXPROCS(0))
		if err != nil {
			return rows, err
		}
		var all []time.Duration
		var med time.Duration
		var size int
		err = o.profile("apt-build", n, func() error {
			med, all, err = median(o.runs, func() (time.Duration, error) {
				return timed(func() error { size, err = aptBuild(pkgs, b.key); return err })
			})
			return err
		})
		if err != nil {
			return rows, err
		}
		logf("N=%d: apt.Build %v (runs %v, %.1f MB out)", n, med, all, float64(size)/1e6)
		target := ""
		if n == 20000 {
			target = "≤ 2 s"
		}
		rows = append(rows, row{work: "APT index from stored metadata: Packages+.gz+.xz, by-hash, signed (apt.Build)", n: n, ours: med, peer: "—", target: target})

		med, all, err = median(o.runs, func() (time.Duration, error) {
			return timed(func() error { return aptFromFiles(ctx, debs, b.key) })
		})
		if err != nil {
			return rows, err
		}
		logf("N=%d: read+Inspect+apt.Build %v (runs %v)", n, med, all)
		r := row{work: "APT index from .deb files: read+inspect, Packages+.gz+.xz, by-hash, signed", n: n, ours: med, peer: "apt-ftparchive+gzip+xz -6+by-hash+gpg"}
		ri := row{work: "  of which the Packages text only (peer: apt-ftparchive packages)", n: n, peer: "apt-ftparchive packages"}
		if !o.skipped("ftparchive") {
			var fr ftparchiveResult
			var ferr error
			if ferr = errors.Join(b.gpgErr, have("apt-ftparchive"), have("xz"), have("gzip")); ferr == nil {
				var runs []ftparchiveResult
				_, _, ferr = median(o.runs, func() (time.Duration, error) {
					pctx, cancel := b.peerCtx(ctx)
					defer cancel()
					x, err := ftparchive(pctx, filepath.Join(dir, "apt"), b.gpg)
					runs = append(runs, x)
					return x.total, err
				})
				if ferr == nil {
					fr = medianFtp(runs)
					logf("N=%d: apt-ftparchive pipeline %v (index %v, gzip‖xz %v of which xz %v, release+by-hash+sign %v)", n, fr.total, fr.index, fr.compress, fr.xz, fr.rest)
					r.note = fmt.Sprintf("peer: index %s, gzip‖xz %s (xz %s), Release+by-hash+gpg %s", sec(fr.index), sec(fr.compress), sec(fr.xz), sec(fr.rest))
				}
			}
			rows = append(rows, peerRow(r, fr.total, ferr), peerRow(ri, fr.index, ferr))
		} else {
			rows = append(rows, r)
		}
	}

	// (a) first publish and (c) add one, through the embedded S3.
	if !o.skipped("publish") {
		rs, err := b.publishRows(ctx, n, dir, debs, extra)
		rows = append(rows, rs...)
		if err != nil {
			return rows, err
		}
	}

	// (b) YUM.
	if !o.skipped("yum") {
		rpmDir := filepath.Join(o.cache, fmt.Sprintf("rpm-%d", n))
		logf("N=%d: generating %d .rpm files with nfpm (cached in %s)", n, n, rpmDir)
		t := time.Now()
		cached, err := genRPMs(ctx, rpmDir, prefix, n)
		if err != nil {
			return rows, err
		}
		logf("N=%d: rpms ready in %v (cached: %v)", n, time.Since(t).Round(time.Millisecond), cached)
		// createrepo_c writes repodata/ into the directory: work on a copy of links.
		repo := filepath.Join(dir, "yum")
		if err := linkTree(rpmDir, repo); err != nil {
			return rows, err
		}
		var pkgs []yum.Package
		var all []time.Duration
		var medFiles, medBuild time.Duration
		err = o.profile("yum", n, func() error {
			medFiles, all, err = median(o.runs, func() (time.Duration, error) {
				return timed(func() error { pkgs, err = yumFromFiles(ctx, repo, b.key); return err })
			})
			if err != nil {
				return err
			}
			logf("N=%d: read+Inspect+yum.Build %v (runs %v)", n, medFiles, all)
			medBuild, all, err = median(o.runs, func() (time.Duration, error) {
				return timed(func() error { _, err := yum.Build(pkgs, b.key, time.Now()); return err })
			})
			return err
		})
		if err != nil {
			return rows, err
		}
		logf("N=%d: yum.Build %v (runs %v)", n, medBuild, all)
		var cr time.Duration
		var cerr error
		if !o.skipped("createrepo") {
			if cerr = have("createrepo_c"); cerr == nil {
				cr, all, cerr = median(o.runs, func() (time.Duration, error) {
					pctx, cancel := b.peerCtx(ctx)
					defer cancel()
					return createrepo(pctx, repo)
				})
				logf("N=%d: createrepo_c --no-database %v (runs %v)", n, cr, all)
			}
		}
		target := ""
		if n == 20000 {
			target = "≤ createrepo_c"
		}
		rows = append(rows,
			peerRow(row{work: "YUM index from .rpm files: read+inspect, primary/filelists/other.xml.gz, signed repomd", n: n, ours: medFiles, peer: "createrepo_c --no-database", target: target}, cr, cerr),
			peerRow(row{work: "YUM index from stored metadata (yum.Build, what a publish runs)", n: n, ours: medBuild, peer: "createrepo_c --no-database"}, cr, cerr))
		b.note("createrepo_c reads the .rpm files (as our \"from .rpm files\" row does) and leaves repomd.xml unsigned; ours signs repomd.xml.asc and, in the first-publish row, signs every .rpm too (the peer signs nothing).")
		if !o.skipped("rpm-publish") {
			rs, err := b.rpmRows(ctx, n, dir, rpmDir)
			rows = append(rows, rs...)
			if err != nil {
				return rows, err
			}
		}
	}

	// Peers that keep state: aptly and reprepro, all N then one more (run times).
	if !o.skipped("aptly") {
		rows = append(rows, b.aptlyRows(ctx, n, dir, debs, extra)...)
	}
	if !o.skipped("reprepro") {
		rows = append(rows, b.repreproRows(ctx, n, dir, debs, extra)...)
	}
	if o.ring != "" && n == o.cliSize && !o.skipped("cli") {
		r, err := b.cliRow(ctx, n, dir, debs)
		if err != nil {
			return rows, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func medianFtp(runs []ftparchiveResult) ftparchiveResult {
	best := runs[0]
	ds := make([]time.Duration, len(runs))
	for i, r := range runs {
		ds[i] = r.total
	}
	m, _, _ := median(len(runs), func() (time.Duration, error) { d := ds[0]; ds = ds[1:]; return d, nil })
	for _, r := range runs {
		if r.total == m {
			best = r
		}
	}
	return best
}

// linkTree hard-links (or copies) every file of src into dst.
func linkTree(src, dst string) error {
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".rpm") {
			continue
		}
		s, d := filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())
		if err := os.Link(s, d); err != nil {
			data, rerr := os.ReadFile(s)
			if rerr != nil {
				return rerr
			}
			if err := os.WriteFile(d, data, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *bench) publishRows(ctx context.Context, n int, dir string, debs, extra []string) ([]row, error) {
	var rows []row
	o := b.o
	store, err := blob.Open(ctx, blob.Config{Endpoint: b.s3.Endpoint(), AccessKey: benchAccess, SecretKey: benchSecret, Bucket: fmt.Sprintf("repobench-%d", n)})
	if err != nil {
		return rows, err
	}
	// The floor: the same bytes PUT with as many requests in flight, no inspection, no index.
	logf("N=%d: bare parallel upload of the %d debs (%d in flight)", n, n, o.parallel)
	bare, err := timed(func() error { return bareUpload(ctx, store, debs, fmt.Sprintf("bare/%d/", n), o.parallel) })
	if err != nil {
		return rows, err
	}
	logf("N=%d: bare upload %v", n, bare)

	cs := &countingStore{Store: store}
	work := filepath.Join(dir, "publish-work")
	if err := os.MkdirAll(work, 0o700); err != nil {
		return rows, err
	}
	p := newPublisher(cs, b.key, work, o.parallel)
	if err := resetPeakRSS(); err != nil {
		logf("cannot reset the peak RSS: %v", err)
	}
	var up, pub time.Duration
	var c counts
	var refs publisher.Batch
	err = o.profile("upload", n, func() error {
		up, err = timed(func() error { refs, err = uploadAll(ctx, store, debs, o.parallel); return err })
		return err
	})
	if err != nil {
		return rows, fmt.Errorf("first publish: upload: %w", err)
	}
	upRSS := peakRSS()
	err = o.profile("publish", n, func() error {
		pub, c, err = publish(ctx, cs, p, "bench", refs)
		return err
	})
	if err != nil {
		return rows, fmt.Errorf("first publish: %w", err)
	}
	rss := peakRSS()
	total := up + pub
	logf("N=%d: first publish %v = upload %v + Publish %v (%.2f× the bare upload %v), peak RSS %d MiB (%d MiB by the upload's end): %s", n, total, up, pub, total.Seconds()/bare.Seconds(), bare, rss>>20, upRSS>>20, describe(c))
	b.firstPub[n] = total
	rows = append(rows,
		row{work: "Bare parallel upload of the same .deb bytes to the same S3 (floor)", n: n, ours: bare, peer: "—", note: fmt.Sprintf("%d PUTs in flight, from the files", o.parallel)},
		row{work: "First publish of N debs: read files, upload (straight to pool), Publish", n: n, ours: total, peer: "aptly, reprepro: below",
			target: "≤ 1.3× the bare upload; ≥ 1.5× peers",
			note: fmt.Sprintf("%.2f× the bare upload (%s); upload %s + Publish %s; peak RSS of the process (publisher + embedded S3 server + bench) %d MiB; Publish: %s",
				total.Seconds()/bare.Seconds(), sec(bare), sec(up), sec(pub), rss>>20, describe(c))},
	)

	// (c) add one, each a new package.
	var durs []time.Duration
	var last counts
	err = o.profile("add1", n, func() error {
		for i := range o.addRuns {
			r, err := uploadAll(ctx, store, extra[i:i+1], o.parallel)
			if err != nil {
				return err
			}
			d, c, err := publish(ctx, cs, p, "bench", r)
			if err != nil {
				return fmt.Errorf("add one: %w", err)
			}
			durs = append(durs, d)
			last = c
		}
		return nil
	})
	if err != nil {
		return rows, err
	}
	med := spread(durs)
	logf("N=%d: add one %s: %s", n, med, describe(last))
	b.addOne[n] = med.med
	mc, err := manifestCost(ctx, store, "bench")
	if err != nil {
		return rows, err
	}
	logf("N=%d: %s", n, mc)
	rows = append(rows, row{work: "Add 1 package at N: manifest load+save, index, sign, upload (Publish)", n: n, ours: med.med, peer: "aptly, reprepro: below",
		target: targetIf(n == 20000, "≤ 0.3 s"), note: med.String() + "; " + describe(last) + "; " + mc})
	if o.weed != "" {
		wr, err := b.weedRows(ctx, n, dir, debs, extra)
		if err != nil {
			return rows, fmt.Errorf("on SeaweedFS: %w", err)
		}
		rows = append(rows, wr...)
	}
	return rows, nil
}

// rpmRows: first publish of N unsigned .rpm (read, upload, Publish: sign,
// inspect, pool write, index) vs the peer's whole job, copying the files
// into a repository directory and running createrepo_c there.
func (b *bench) rpmRows(ctx context.Context, n int, dir, rpmDir string) ([]row, error) {
	o := b.o
	paths, err := filepath.Glob(filepath.Join(rpmDir, "*.rpm"))
	if err != nil {
		return nil, err
	}
	store, err := blob.Open(ctx, blob.Config{Endpoint: b.s3.Endpoint(), AccessKey: benchAccess, SecretKey: benchSecret, Bucket: fmt.Sprintf("repobench-rpm-%d", n)})
	if err != nil {
		return nil, err
	}
	work := filepath.Join(dir, "rpm-publish-work")
	if err := os.MkdirAll(work, 0o700); err != nil {
		return nil, err
	}
	cs := &countingStore{Store: store}
	p := newPublisher(cs, b.key, work, o.parallel)
	var up, pub time.Duration
	err = o.profile("rpm-publish", n, func() error {
		var refs publisher.Batch
		up, err = timed(func() error { refs, err = uploadAll(ctx, store, paths, o.parallel); return err })
		if err != nil {
			return err
		}
		cs.reset()
		pub, err = timed(func() error {
			_, err := p.Publish(ctx, &events.RepoPublishRequested{Channel: "rpmbench", Distros: []string{"rockylinux-9"}, Packages: refs.Refs, Inspected: refs.Inspected})
			return err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("rpm first publish: %w", err)
	}
	logf("N=%d: RPM first publish %v = upload %v + Publish %v: %s", n, up+pub, up, pub, describe(cs.snapshot()))
	r := row{work: "First publish of N unsigned .rpm: read, upload, Publish (sign each, pool, index)", n: n, ours: up + pub, peer: "cp + createrepo_c --no-database", target: "≥ 1.0×",
		note: fmt.Sprintf("upload %s + Publish %s; Publish: %s", sec(up), sec(pub), describe(cs.snapshot()))}
	if o.skipped("createrepo") {
		return []row{r}, nil
	}
	if err := have("createrepo_c"); err != nil {
		return []row{peerRow(r, 0, err)}, nil
	}
	repo := filepath.Join(dir, "yum-copy")
	_ = os.RemoveAll(repo)
	pctx, cancel := b.peerCtx(ctx)
	defer cancel()
	d, err := timed(func() error {
		if out, err := exec.CommandContext(pctx, "cp", "-r", rpmDir, repo).CombinedOutput(); err != nil {
			return fmt.Errorf("cp: %w: %s", err, out)
		}
		_, err := createrepo(pctx, repo)
		return err
	})
	logf("N=%d: cp + createrepo_c %v (%v)", n, d, err)
	return []row{peerRow(r, d, err)}, nil
}

// span is min, median and max of some runs.
type span struct{ min, med, max time.Duration }

func spread(ds []time.Duration) span {
	s := slices.Clone(ds)
	slices.Sort(s)
	return span{s[0], s[len(s)/2], s[len(s)-1]}
}

func (s span) String() string {
	return fmt.Sprintf("min %s, median %s, max %s", sec(s.min), sec(s.med), sec(s.max))
}

func targetIf(cond bool, t string) string {
	if cond {
		return t
	}
	return ""
}

func describe(c counts) string {
	return fmt.Sprintf("requests %d (GET %d, PUT %d, PUT-if-absent %d, HEAD %d, LIST pages %d; write requests %d) for %d objects written (%d already there); peak in flight %d, pool writes %d; pool window %s, index window %s",
		c.requests(), c.Gets, c.Puts, c.PutIfAbsent, c.Stats, c.Lists, c.writeRequests(), c.Written, c.Exists, c.Peak, c.PoolPeak, sec(c.PoolWindow), sec(c.IndexWindow))
}

func (b *bench) aptlyRows(ctx context.Context, n int, dir string, debs, extra []string) []row {
	all := row{work: "  first publish of N debs vs aptly repo add + publish repo", n: n, ours: b.firstPub[n], peer: "aptly (local fs, unsigned)"}
	one := row{work: "  add 1 at N vs aptly repo add + publish update", n: n, ours: b.addOne[n], peer: "aptly (local fs, unsigned)"}
	if err := have("aptly"); err != nil {
		return []row{peerRow(all, 0, err), peerRow(one, 0, err)}
	}
	pctx, cancel := b.peerCtx(ctx)
	defer cancel()
	a, err := newAptly(pctx, filepath.Join(dir, "aptly"))
	if err != nil {
		return []row{peerRow(all, 0, err), peerRow(one, 0, err)}
	}
	add, pub, err := a.addPublish(pctx, true, filepath.Join(dir, "apt", "pool"))
	logf("N=%d: aptly add %v + publish %v (%v)", n, add, pub, err)
	all.note = fmt.Sprintf("add %s + publish %s", sec(add), sec(pub))
	if err == nil {
		b.peerFirst["aptly"][n] = add + pub
	}
	rows := []row{peerRow(all, add+pub, err)}
	if err != nil {
		return append(rows, peerRow(one, 0, err))
	}
	var durs []time.Duration
	for i := range b.o.addRuns {
		ctx1, cancel1 := b.peerCtx(ctx)
		add, pub, err := a.addPublish(ctx1, false, extra[i])
		cancel1()
		if err != nil {
			return append(rows, peerRow(one, 0, err))
		}
		durs = append(durs, add+pub)
	}
	sp := spread(durs)
	logf("N=%d: aptly add 1 + publish update %s (runs %v)", n, sp, durs)
	one.note = sp.String()
	b.note("aptly: temporary rootDir, -skip-signing (no gpg), publishes to the local filesystem (not S3), writes Packages, .gz, .bz2 and Contents (no .xz, no by-hash).")
	return append(rows, peerRow(one, sp.med, nil))
}

func (b *bench) repreproRows(ctx context.Context, n int, dir string, debs, extra []string) []row {
	all := row{work: "  first publish of N debs vs reprepro includedeb", n: n, ours: b.firstPub[n], peer: "reprepro (local fs, unsigned)"}
	one := row{work: "  add 1 at N vs reprepro includedeb", n: n, ours: b.addOne[n], peer: "reprepro (local fs, unsigned)"}
	if err := have("reprepro"); err != nil {
		return []row{peerRow(all, 0, err), peerRow(one, 0, err)}
	}
	r, err := newReprepro(filepath.Join(dir, "reprepro"))
	if err != nil {
		return []row{peerRow(all, 0, err), peerRow(one, 0, err)}
	}
	pctx, cancel := b.peerCtx(ctx)
	defer cancel()
	d, err := timed(func() error { return r.includeAll(pctx, debs) })
	logf("N=%d: reprepro includedeb all %v (%v)", n, d, err)
	if err == nil {
		b.peerFirst["reprepro"][n] = d
	}
	rows := []row{peerRow(all, d, err)}
	if err != nil {
		return append(rows, peerRow(one, 0, err))
	}
	var durs []time.Duration
	for i := range b.o.addRuns {
		ctx1, cancel1 := b.peerCtx(ctx)
		d, err := timed(func() error { return r.include(ctx1, extra[i]) })
		cancel1()
		if err != nil {
			return append(rows, peerRow(one, 0, err))
		}
		durs = append(durs, d)
	}
	sp := spread(durs)
	logf("N=%d: reprepro includedeb 1 %s (runs %v)", n, sp, durs)
	one.note = sp.String()
	b.note("reprepro: conf/distributions without SignWith (unsigned), default DebIndices (Packages and .gz: no .xz, no by-hash), local filesystem; batches of 2,000 with --export=never then one export above 2,000 debs.")
	return append(rows, peerRow(one, sp.med, nil))
}
