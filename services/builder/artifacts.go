package builder

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"ringmaster.dev/builder/packaging"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
)

// Store is the part of the blob store the builder needs.
type Store interface {
	Stat(ctx context.Context, key string) (blob.Info, error)
	Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error)
	Put(ctx context.Context, key string, r io.Reader, size int64, opts blob.PutOptions) (blob.Info, error)
	PutIfAbsent(ctx context.Context, key string, r io.Reader, size int64, opts blob.PutOptions) (blob.Info, error)
}

// Build outputs live under builds/<build key>/: the packages and the log, each under its own sha256 so two
// racing builds of one key never mix their bytes, and result.json — written
// last and only if absent: the first finished build is the result, and a
// result that exists means everything it names does too.
func buildPrefix(key string) string { return "builds/" + key + "/" }

type result struct {
	Component string              `json:"component"`
	Distro    string              `json:"distro"`
	Key       string              `json:"key"`
	Packages  []events.PackageRef `json:"packages"`
	LogKey    string              `json:"log_key"`
}

func loadResult(ctx context.Context, store Store, key string) (*result, error) {
	rc, _, err := store.Get(ctx, buildPrefix(key)+"result.json")
	if errors.Is(err, blob.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var r result
	if err := json.NewDecoder(rc).Decode(&r); err != nil {
		return nil, fmt.Errorf("build result %s: %w", key, err)
	}
	return &r, nil
}

// saveOutputs stores a successful cell's packages, output tree and log, then
// its result. Every object is content-keyed, so a rerun writes nothing new.
func saveOutputs(ctx context.Context, store Store, r result, arts []packaging.Artifact, logPath string) (result, error) {
	prefix := buildPrefix(r.Key)
	put := func(name string, data []byte, ctype string) (string, error) {
		key := prefix + sha256hex(data)[:16] + "/" + name
		_, err := store.PutIfAbsent(ctx, key, bytes.NewReader(data), int64(len(data)), blob.PutOptions{ContentType: ctype, SHA256: sha256hex(data)})
		if err != nil && !errors.Is(err, blob.ErrExists) {
			return "", fmt.Errorf("store %s: %w", key, err)
		}
		return key, nil
	}
	for _, a := range arts {
		data := a.Bytes
		if data == nil {
			var err error
			if data, err = os.ReadFile(a.Path); err != nil {
				return r, err
			}
		}
		key, err := put(a.Filename, data, "application/octet-stream")
		if err != nil {
			return r, err
		}
		r.Packages = append(r.Packages, events.PackageRef{Key: key, SHA256: sha256hex(data), Size: int64(len(data))})
	}
	if logData, err := os.ReadFile(logPath); err == nil {
		if r.LogKey, err = put("build.log", logData, "text/plain; charset=utf-8"); err != nil {
			return r, err
		}
	}
	b, _ := json.Marshal(r)
	_, err := store.PutIfAbsent(ctx, prefix+"result.json", bytes.NewReader(b), int64(len(b)), blob.PutOptions{ContentType: "application/json"})
	if errors.Is(err, blob.ErrExists) {
		// Another build of the same key finished first: its result stands.
		won, lerr := loadResult(ctx, store, r.Key)
		if lerr != nil || won == nil {
			return r, fmt.Errorf("build result %s: %w", r.Key, lerr)
		}
		return *won, nil
	}
	return r, err
}

func sha256hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
