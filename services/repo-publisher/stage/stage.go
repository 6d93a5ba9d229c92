// Package stage writes repository files to the blob store in reader-safe
// order: every file of a stage (pool → by-hash → indexes → Release →
// InRelease/repomd.xml) is written before any file of the next, uploads run
// in parallel within a stage, and a file whose content is already live is
// not written again — one request per changed object, none for the rest.
package stage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"

	"ringmaster.dev/kit/blob"
	"ringmaster.dev/repo-publisher/par"
	"ringmaster.dev/repo-publisher/repofile"
)

// Blobs is the part of the blob store a writer needs.
type Blobs interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, opts blob.PutOptions) (blob.Info, error)
	PutIfAbsent(ctx context.Context, key string, r io.Reader, size int64, opts blob.PutOptions) (blob.Info, error)
}

// Result says what a write did: the sha256 of every file now live, by key,
// and how many objects were written.
type Result struct {
	Live    map[string]string
	Written int
}

// Write puts files under prefix. live maps keys to the sha256 of what is
// already there (from the channel's manifest); unchanged files are skipped.
// Pool and by-hash files are content-addressed and written only if absent.
func Write(ctx context.Context, store Blobs, prefix string, files []repofile.File, live map[string]string, parallel int) (Result, error) {
	res := Result{Live: map[string]string{}}
	byStage := map[repofile.Stage][]repofile.File{}
	for _, f := range files {
		byStage[f.Stage] = append(byStage[f.Stage], f)
	}
	stages := make([]repofile.Stage, 0, len(byStage))
	for s := range byStage {
		stages = append(stages, s)
	}
	sort.Slice(stages, func(i, j int) bool { return stages[i] < stages[j] })
	var mu sync.Mutex
	for _, s := range stages {
		var todo []repofile.File
		for _, f := range byStage[s] {
			key := prefix + f.Path
			sum := f.SHA256
			if sum == "" {
				sum = hash(f.Data)
			}
			res.Live[key] = sum
			if live[key] != sum {
				todo = append(todo, f)
			}
		}
		err := par.ForEach(ctx, todo, parallel, func(ctx context.Context, f repofile.File) error {
			key := prefix + f.Path
			opts := blob.PutOptions{ContentType: f.ContentType, SHA256: res.Live[key]}
			var err error
			if s == repofile.Pool || s == repofile.ByHash {
				_, err = store.PutIfAbsent(ctx, key, bytes.NewReader(f.Data), int64(len(f.Data)), opts)
				if errors.Is(err, blob.ErrExists) {
					err = nil
				}
			} else {
				_, err = store.Put(ctx, key, bytes.NewReader(f.Data), int64(len(f.Data)), opts)
			}
			if err != nil {
				return fmt.Errorf("write %s (%s stage): %w", key, s, err)
			}
			mu.Lock()
			res.Written++
			mu.Unlock()
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

func hash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
