package publisher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/repo-publisher/apt"
)

// readsStore is a memStore that records the keys it was asked to GET.
type readsStore struct {
	*memStore
	mu    sync.Mutex
	reads []string
}

func (s *readsStore) Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error) {
	s.mu.Lock()
	s.reads = append(s.reads, key)
	s.mu.Unlock()
	return s.memStore.Get(ctx, key)
}

func (s *readsStore) poolReads() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, k := range s.reads {
		if isPoolKey(k) {
			out = append(out, k)
		}
	}
	return out
}

func goodClaim(t *testing.T) apt.Package {
	t.Helper()
	p, err := apt.Inspect(makePkg(t, "deb", "ringhello", "1:1.0.0-1", "amd64"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckClaim(t *testing.T) {
	good := goodClaim(t)
	with := func(f func(p *apt.Package)) apt.Package {
		p := good
		p.Fields = append([]apt.Field(nil), good.Fields...)
		f(&p)
		return p
	}
	setField := func(name, value string) func(p *apt.Package) {
		return func(p *apt.Package) {
			for i := range p.Fields {
				if p.Fields[i].Name == name {
					p.Fields[i].Value = value
					return
				}
			}
			p.Fields = append(p.Fields, apt.Field{Name: name, Value: value})
		}
	}
	for _, tc := range []struct {
		name string
		p    apt.Package
		want string // "" = accepted
	}{
		{"as Inspect made it", good, ""},
		{"multi-line description", with(setField("Description", "short\n long\n .\n more")), ""},
		{"size 0", with(func(p *apt.Package) { p.Size = 0 }), "size 0"},
		{"short md5", with(func(p *apt.Package) { p.MD5 = p.MD5[:31] }), "MD5"},
		{"upper-case sha256", with(func(p *apt.Package) { p.SHA256 = strings.ToUpper(p.SHA256) }), "SHA256"},
		{"no sha1", with(func(p *apt.Package) { p.SHA1 = "" }), "SHA1"},
		{"no fields", with(func(p *apt.Package) { p.Fields = nil }), "no control fields"},
		// The index writer indents continuation lines: these stay inside Description.
		{"value with an empty line", with(setField("Description", "x\n\nPackage: evil")), ""},
		{"value with a field-like line", with(setField("Description", "x\nFilename: pool/evil.deb")), ""},
		{"carriage return", with(setField("Description", "x\r")), "control character"},
		{"field name with colon", with(setField("Bad:Name", "x")), "control field name"},
		{"field name with space", with(setField("Bad Name", "x")), "control field name"},
		{"field twice", with(func(p *apt.Package) { p.Fields = append(p.Fields, apt.Field{Name: "package", Value: p.Name}) }), "twice"},
		{"name disagrees with control", with(func(p *apt.Package) { p.Name = "other" }), "Package is"},
		{"version disagrees with control", with(setField("Version", "2.0-1")), "Version is"},
		{"bad name", with(func(p *apt.Package) { p.Name = "Evil/.."; setField("Package", "Evil/..")(p) }), "package name"},
		{"filename elsewhere", with(func(p *apt.Package) { p.Filename = "pool/main/r/ringhello/other.deb" }), "filename"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkClaim(tc.p)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestDecodeInspected(t *testing.T) {
	good := goodClaim(t)
	data, key, err := encodeInspected([]apt.Package{good})
	if err != nil {
		t.Fatal(err)
	}
	if !inspectedKeyRE.MatchString(key) {
		t.Fatalf("key %s", key)
	}
	got, err := decodeInspected(key, data)
	if err != nil || len(got) != 1 || got[0].SHA256 != good.SHA256 || len(got[0].Fields) != len(good.Fields) {
		t.Fatalf("decoded %+v, %v", got, err)
	}
	bad := good
	bad.Filename = "pool/main/x/x.deb"
	badData, badKey, _ := encodeInspected([]apt.Package{bad})
	tampered := append(bytes.Clone(data[:len(data)-1]), data[len(data)-1]^1)
	for _, tc := range []struct {
		name, key string
		data      []byte
		want      string
	}{
		{"content not the key's", key, tampered, "its content has sha256"},
		{"other object's key", badKey, data, "its content has sha256"},
		{"not gzip", InspectedRoot + sum([]byte("{\"debs\": []}")) + ".json.gz", []byte("{\"debs\": []}"), "gzip: invalid header"},
		{"bad package", badKey, badData, "filename"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeInspected(tc.key, tc.data)
			if !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrBadRequest with %q", err, tc.want)
			}
		})
	}
}

func TestVerifyStored(t *testing.T) {
	c := goodClaim(t)
	key := AptRoot + c.Filename
	ok := blob.Info{Key: key, Size: c.Size, ETag: c.MD5}
	for _, tc := range []struct {
		name     string
		info     blob.Info
		found    bool
		wantRead bool
		wantErr  error
		want     string
	}{
		{"size and md5 agree", ok, true, false, nil, ""},
		{"upper-case etag", blob.Info{Size: c.Size, ETag: strings.ToUpper(c.MD5)}, true, false, nil, ""},
		{"sha256 metadata agrees", blob.Info{Size: c.Size, ETag: c.MD5, SHA256: c.SHA256}, true, false, nil, ""},
		{"multipart etag: read it", blob.Info{Size: c.Size, ETag: c.MD5 + "-2"}, true, true, nil, ""},
		{"no etag: read it", blob.Info{Size: c.Size}, true, true, nil, ""},
		{"missing", blob.Info{}, false, false, ErrBadRequest, "not in the blob store"},
		{"other size", blob.Info{Size: c.Size + 1, ETag: c.MD5}, true, false, ErrBadPackage, "bytes"},
		{"other md5", blob.Info{Size: c.Size, ETag: strings.Repeat("0", 32)}, true, false, ErrBadPackage, "MD5"},
		{"other sha256 metadata", blob.Info{Size: c.Size, ETag: c.MD5, SHA256: strings.Repeat("1", 64)}, true, false, ErrBadPackage, "sha256"},
		{"other size, multipart", blob.Info{Size: 1, ETag: "abc-3"}, true, false, ErrBadPackage, "bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			read, err := verifyStored(key, c, tc.info, tc.found)
			if tc.wantErr == nil {
				if err != nil || read != tc.wantRead {
					t.Fatalf("read %v, %v; want read %v", read, err, tc.wantRead)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %v with %q", err, tc.wantErr, tc.want)
			}
		})
	}
}

func TestPoolDir(t *testing.T) {
	for key, want := range map[string]string{
		AptRoot + "pool/main/r/ringhello/ringhello_1_amd64.deb": AptRoot + "pool/main/r/",
		AptRoot + "pool/main/libc/libc6/libc6_1_amd64.deb":      AptRoot + "pool/main/libc/",
	} {
		if got := poolDir(key); got != want {
			t.Errorf("poolDir(%s) = %s, want %s", key, got, want)
		}
	}
}

// claimFiles makes n .debs named prefix0000…
func claimFiles(t *testing.T, prefix string, n int) []UploadFile {
	t.Helper()
	var files []UploadFile
	for i := range n {
		name := fmt.Sprintf("%s%04d", prefix, i)
		files = append(files, UploadFile{name + ".deb", makePkg(t, "deb", name, "1.0-1", "amd64")})
	}
	return files
}

// TestClaimCheckPublish: a publish of an UploadBatch reads no package back
// (one directory listed, the other's packages stat'ed) and makes the same
// indexes as a publish that reads every package.
func TestClaimCheckPublish(t *testing.T) {
	ctx := context.Background()
	files := append(claimFiles(t, "ring", listMin), claimFiles(t, "zed", 5)...) // r/: listed, z/: stat'ed
	run := func(claim bool) (*readsStore, string) {
		c := &clock{now: testStart}
		store := &readsStore{memStore: newMemStore(c)}
		p := newTestPublisher(t, store, c, testKey(t))
		b, err := UploadBatch(ctx, store, files, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if b.Inspected == "" || !store.has(b.Inspected) {
			t.Fatalf("no claim check written: %+v", b.Inspected)
		}
		if !claim {
			b.Inspected = ""
		}
		if _, err := p.Publish(ctx, &events.RepoPublishRequested{Channel: "nightly", Distros: []string{"debian-12"}, Packages: b.Refs, Inspected: b.Inspected}); err != nil {
			t.Fatal(err)
		}
		rc, _, err := store.memStore.Get(ctx, AptRoot+"dists/"+Suite("debian-12", "nightly")+"/main/binary-amd64/Packages")
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		idx, _ := io.ReadAll(rc)
		return store, string(idx)
	}
	withClaim, idx := run(true)
	if r := withClaim.poolReads(); len(r) != 0 {
		t.Errorf("publish with a claim check read %d packages, e.g. %s", len(r), r[0])
	}
	withoutClaim, want := run(false)
	if r := withoutClaim.poolReads(); len(r) != len(files) {
		t.Errorf("publish without a claim check read %d packages, want %d", len(r), len(files))
	}
	if idx != want || strings.Count(idx, "\nPackage: ")+1 != len(files) {
		t.Errorf("Packages differ with a claim check (%d bytes vs %d)", len(idx), len(want))
	}
}

// TestClaimCheckSmallBatch: below InspectedMin no claim check is written and
// the publish reads the packages as before.
func TestClaimCheckSmallBatch(t *testing.T) {
	c := &clock{now: testStart}
	store := newMemStore(c)
	b, err := UploadBatch(context.Background(), store, claimFiles(t, "ring", 2), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Inspected != "" || store.count(InspectedRoot) != 0 || len(b.Refs) != 2 {
		t.Fatalf("batch %+v, %d claim checks", b, store.count(InspectedRoot))
	}
}

// TestClaimCheckRefused: a claim check that disagrees with the request or
// with the stored objects is refused and nothing is written; one that is
// gone means reading every package.
func TestClaimCheckRefused(t *testing.T) {
	ctx := context.Background()
	files := claimFiles(t, "ring", InspectedMin)
	c := &clock{now: testStart}
	base := newMemStore(c)
	b, err := UploadBatch(ctx, base, files, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	debs := make([]apt.Package, len(files))
	for i, f := range files {
		if debs[i], err = apt.Inspect(f.Data); err != nil {
			t.Fatal(err)
		}
	}
	claim := func(store *memStore, f func(debs []apt.Package, refs []events.PackageRef)) *events.RepoPublishRequested {
		return claimRequest(t, ctx, store, debs, b.Refs, f)
	}
	other := makePkgWith(t, "deb", "ring0003", "1.0-1", "amd64", "other bytes\n")
	for _, tc := range []struct {
		name    string
		change  func(store *memStore, debs []apt.Package, refs []events.PackageRef)
		wantErr error
		want    string
	}{
		{"wrong md5", func(_ *memStore, d []apt.Package, _ []events.PackageRef) { d[3].MD5 = strings.Repeat("0", 32) }, ErrBadPackage, "MD5"},
		{"wrong size", func(_ *memStore, d []apt.Package, r []events.PackageRef) { d[3].Size++; r[3].Size++ }, ErrBadPackage, "bytes"},
		{"size disagrees with the request", func(_ *memStore, d []apt.Package, _ []events.PackageRef) { d[3].Size++ }, ErrBadRequest, "the request says"},
		{"sha256 disagrees with the request", func(_ *memStore, d []apt.Package, _ []events.PackageRef) { d[3].SHA256 = strings.Repeat("a", 64) }, ErrBadRequest, "the request says"},
		{"missing object", func(s *memStore, _ []apt.Package, r []events.PackageRef) { _ = s.Delete(ctx, r[5].Key) }, ErrBadRequest, "not in the blob store"},
		{"other bytes at the pool key", func(s *memStore, _ []apt.Package, r []events.PackageRef) {
			s.objs[r[3].Key] = memObj{data: other, mod: testStart}
		}, ErrBadPackage, "nothing was published"},
		{"control fields that are not the package's identity", func(_ *memStore, d []apt.Package, _ []events.PackageRef) {
			d[3].Version = "9.9-9"
		}, ErrBadRequest, "Version is"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := newMemStore(c)
			for k, o := range base.objs {
				store.objs[k] = o
			}
			req := claim(store, func(d []apt.Package, r []events.PackageRef) { tc.change(store, d, r) })
			before := len(store.objs)
			puts := store.puts
			p := newTestPublisher(t, store, c, testKey(t))
			_, err := p.Publish(ctx, req)
			if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %v with %q", err, tc.wantErr, tc.want)
			}
			if store.puts != puts || len(store.objs) != before || store.has(ManifestKey("nightly")) {
				t.Fatalf("a refused publish wrote %d objects", store.puts-puts)
			}
		})
	}

	t.Run("claim check gone: every package is read", func(t *testing.T) {
		store := &readsStore{memStore: newMemStore(c)}
		for k, o := range base.objs {
			store.objs[k] = o
		}
		_ = store.Delete(ctx, b.Inspected)
		p := newTestPublisher(t, store, c, testKey(t))
		if _, err := p.Publish(ctx, &events.RepoPublishRequested{Channel: "nightly", Distros: []string{"debian-12"}, Packages: b.Refs, Inspected: b.Inspected}); err != nil {
			t.Fatal(err)
		}
		if n := len(store.poolReads()); n != len(files) {
			t.Fatalf("%d packages read, want %d", n, len(files))
		}
	})
	t.Run("not a claim check key", func(t *testing.T) {
		p := newTestPublisher(t, base, c, testKey(t))
		_, err := p.Publish(ctx, &events.RepoPublishRequested{Channel: "nightly", Distros: []string{"debian-12"}, Packages: b.Refs, Inspected: "repos/apt/dists/x"})
		if !errors.Is(err, ErrBadRequest) {
			t.Fatalf("got %v, want ErrBadRequest", err)
		}
	})
}

// putter is the blob store's Put (memStore and blob.Store).
type putter interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, opts blob.PutOptions) (blob.Info, error)
}

// claimRequest stores a claim check of copies of debs and refs changed by
// f (to make them lie) and returns the publish request naming it.
func claimRequest(t *testing.T, ctx context.Context, store putter, debs []apt.Package, refs []events.PackageRef, f func([]apt.Package, []events.PackageRef)) *events.RepoPublishRequested {
	t.Helper()
	ds := append([]apt.Package(nil), debs...)
	rs := append([]events.PackageRef(nil), refs...)
	f(ds, rs)
	data, key, err := encodeInspected(ds)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Put(ctx, key, bytes.NewReader(data), int64(len(data)), blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	return &events.RepoPublishRequested{Channel: "nightly", Distros: []string{"debian-12"}, Packages: rs, Inspected: key}
}

func TestListRanges(t *testing.T) {
	key := func(i int) string { return fmt.Sprintf("d/k%05d", i) }
	keys := func(n int) []string {
		var out []string
		for i := n - 1; i >= 0; i-- { // unsorted on purpose
			out = append(out, key(i))
		}
		return out
	}
	for _, tc := range []struct {
		n    int
		want []listTask
	}{
		{1, []listTask{{dir: "d/", after: "", last: key(0)}}},
		{listPage, []listTask{{dir: "d/", after: "", last: key(listPage - 1)}}},
		{listPage + 1, []listTask{{dir: "d/", after: "", last: key(listPage - 1)}, {dir: "d/", after: key(listPage - 1), last: key(listPage)}}},
		{2500, []listTask{
			{dir: "d/", after: "", last: key(999)},
			{dir: "d/", after: key(999), last: key(1999)},
			{dir: "d/", after: key(1999), last: key(2499)},
		}},
	} {
		got := listRanges("d/", keys(tc.n))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%d keys: ranges %+v, want %+v", tc.n, got, tc.want)
		}
	}
}

// TestStoredInfoInRanges: a directory with more claimed keys than a page,
// among objects nobody asked about, is listed in ranges side by side; every
// stored key asked about is found once with its size, a missing one is not,
// whatever page size the server returns; small directories are stat'ed.
func TestStoredInfoInRanges(t *testing.T) {
	ctx := context.Background()
	for _, pageMax := range []int{0, 7} {
		c := &clock{now: testStart}
		store := newMemStore(c)
		store.pageMax = pageMax
		var want []string
		put := func(key string, n int) {
			if _, err := store.Put(ctx, key, strings.NewReader(strings.Repeat("x", n)), int64(n), blob.PutOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 2600 {
			key := fmt.Sprintf("%spool/main/r/ring%04d/ring%04d_1_amd64.deb", AptRoot, i, i)
			put(key, i%50+1)
			if i%2 == 0 { // every other object is not asked about
				want = append(want, key)
			}
		}
		small := AptRoot + "pool/main/z/zed/zed_1_amd64.deb"
		put(small, 3)
		missing := AptRoot + "pool/main/r/ring9999/ring9999_1_amd64.deb"
		p := newTestPublisher(t, store, c, testKey(t))
		got, err := p.storedInfo(ctx, append(slices.Clone(want), small, missing, want[0]))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want)+1 {
			t.Errorf("page max %d: %d objects found, want %d", pageMax, len(got), len(want)+1)
		}
		for i, k := range want {
			if info, ok := got[k]; !ok || info.Size != int64((2*i)%50+1) {
				t.Fatalf("page max %d: %s: %+v, %v", pageMax, k, info, ok)
			}
		}
		if _, ok := got[missing]; ok {
			t.Errorf("page max %d: a missing key was found", pageMax)
		}
		if got[small].Size != 3 {
			t.Errorf("page max %d: the small directory's key: %+v", pageMax, got[small])
		}
		t.Logf("page max %d: %d listing requests", pageMax, store.lists)
		if pageMax == 0 && store.lists > 2600/listPage+2 {
			t.Errorf("%d listing requests for 2,600 keys in 2 ranges, want at most %d", store.lists, 2600/listPage+2)
		}
	}
}
