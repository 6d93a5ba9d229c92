package stage

import (
	"context"
	"io"
	"sync"
	"testing"

	"ringmaster.dev/kit/blob"
	"ringmaster.dev/repo-publisher/repofile"
)

// recorder is an in-memory stand-in for the blob store port that records
// the order of writes.
type recorder struct {
	mu    sync.Mutex
	order []string
	objs  map[string][]byte
}

func (r *recorder) put(key string, rd io.Reader, cond bool) (blob.Info, error) {
	b, _ := io.ReadAll(rd)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.objs[key]; ok && cond {
		return blob.Info{}, blob.ErrExists
	}
	r.objs[key] = b
	r.order = append(r.order, key)
	return blob.Info{Key: key}, nil
}

func (r *recorder) Put(_ context.Context, key string, rd io.Reader, _ int64, _ blob.PutOptions) (blob.Info, error) {
	return r.put(key, rd, false)
}

func (r *recorder) PutIfAbsent(_ context.Context, key string, rd io.Reader, _ int64, _ blob.PutOptions) (blob.Info, error) {
	return r.put(key, rd, true)
}

func TestWriteOrderAndSkips(t *testing.T) {
	files := []repofile.File{
		{Path: "dists/s/InRelease", Data: []byte("in"), Stage: repofile.Top},
		{Path: "dists/s/Release", Data: []byte("rel"), Stage: repofile.Release},
		{Path: "dists/s/main/binary-amd64/Packages", Data: []byte("pk"), Stage: repofile.Index},
		{Path: "dists/s/main/binary-amd64/by-hash/SHA256/aa", Data: []byte("pk"), Stage: repofile.ByHash},
		{Path: "pool/a.deb", Data: []byte("deb-a"), Stage: repofile.Pool},
		{Path: "pool/b.deb", Data: []byte("deb-b"), Stage: repofile.Pool},
	}
	stageOf := map[string]repofile.Stage{}
	for _, f := range files {
		stageOf["r/"+f.Path] = f.Stage
	}
	rec := &recorder{objs: map[string][]byte{}}
	res, err := Write(context.Background(), rec, "r/", files, nil, 4)
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != len(files) {
		t.Fatalf("written %d", res.Written)
	}
	for i := 1; i < len(rec.order); i++ {
		if stageOf[rec.order[i]] < stageOf[rec.order[i-1]] {
			t.Fatalf("%s written after %s", rec.order[i], rec.order[i-1])
		}
	}
	// Second publish: only the changed index and the signatures are written.
	files[0].Data, files[1].Data, files[2].Data = []byte("in2"), []byte("rel2"), []byte("pk2")
	rec.order = nil
	res2, err := Write(context.Background(), rec, "r/", files, res.Live, 4)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Written != 3 || len(rec.order) != 3 {
		t.Fatalf("second write wrote %d: %v", res2.Written, rec.order)
	}
}
