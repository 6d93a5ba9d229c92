//go:build integration

package blob

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func readAll(t *testing.T, s *Store, key string) ([]byte, Info) {
	t.Helper()
	rc, info, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b, info
}

func TestPutGetStatListDelete(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		s := e.open(t, "crud")
		ctx := t.Context()
		body := []byte("hello ringmaster")

		info, err := s.Put(ctx, "docs/a.txt", bytes.NewReader(body), int64(len(body)), PutOptions{ContentType: "text/plain", SHA256: sum(body)})
		if err != nil {
			t.Fatal(err)
		}
		if info.Size != int64(len(body)) || info.ETag == "" {
			t.Errorf("Put info = %+v", info)
		}
		for _, k := range []string{"docs/b.txt", "docs/sub/c.txt", "other/d.txt"} {
			if _, err := s.Put(ctx, k, strings.NewReader(k), -1, PutOptions{}); err != nil {
				t.Fatal(err)
			}
		}

		got, ginfo := readAll(t, s, "docs/a.txt")
		if !bytes.Equal(got, body) {
			t.Errorf("Get = %q", got)
		}
		st, err := s.Stat(ctx, "docs/a.txt")
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range []Info{ginfo, st} {
			if i.Key != "docs/a.txt" || i.Size != int64(len(body)) || i.ContentType != "text/plain" || i.SHA256 != sum(body) || i.ETag != info.ETag || i.LastModified.IsZero() {
				t.Errorf("info = %+v", i)
			}
		}

		var keys []string
		for i, err := range s.List(ctx, "docs/") {
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, i.Key)
		}
		if want := []string{"docs/a.txt", "docs/b.txt", "docs/sub/c.txt"}; !slices.Equal(keys, want) {
			t.Errorf("List(docs/) = %v, want %v", keys, want)
		}
		n := 0
		for range s.List(ctx, "") {
			n++
			break // early break must not hang or leak
		}
		if n != 1 {
			t.Errorf("early break saw %d", n)
		}

		if err := s.Delete(ctx, "docs/a.txt"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stat(ctx, "docs/a.txt"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Stat after Delete: %v, want ErrNotFound", err)
		}
		if _, _, err := s.Get(ctx, "docs/a.txt"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get after Delete: %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, "docs/never"); err != nil {
			t.Errorf("Delete missing: %v", err)
		}
		if _, err := s.Put(ctx, "../x", strings.NewReader("x"), 1, PutOptions{}); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Put ../x: %v", err)
		}
		for _, err := range s.List(ctx, "/abs") {
			if !errors.Is(err, ErrInvalidKey) {
				t.Errorf("List /abs: %v", err)
			}
		}
	})
}

func TestPutIfAbsent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		s := e.open(t, "cond")
		ctx := t.Context()
		if _, err := s.PutIfAbsent(ctx, "once", strings.NewReader("first"), 5, PutOptions{}); err != nil {
			t.Fatal(err)
		}
		_, err := s.PutIfAbsent(ctx, "once", strings.NewReader("second"), 6, PutOptions{})
		if !errors.Is(err, ErrExists) {
			t.Fatalf("second PutIfAbsent: %v, want ErrExists", err)
		}
		if b, _ := readAll(t, s, "once"); string(b) != "first" {
			t.Errorf("content = %q", b)
		}
		if !s.condOK {
			t.Errorf("server reported as not supporting conditional put")
		}

		for round := range 5 {
			key := fmt.Sprintf("race/%d", round)
			var wins, exists atomic.Int32
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range 8 {
				wg.Go(func() {
					<-start
					body := fmt.Sprintf("writer-%d", i)
					_, err := s.PutIfAbsent(ctx, key, strings.NewReader(body), int64(len(body)), PutOptions{})
					switch {
					case err == nil:
						wins.Add(1)
					case errors.Is(err, ErrExists):
						exists.Add(1)
					default:
						t.Errorf("writer %d: %v", i, err)
					}
				})
			}
			close(start)
			wg.Wait()
			if wins.Load() != 1 || exists.Load() != 7 {
				t.Errorf("round %d: %d winners, %d ErrExists; want 1 and 7", round, wins.Load(), exists.Load())
			}
		}
	})
}

func TestMultipart50MB(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		s := e.open(t, "big")
		data := make([]byte, 50<<20)
		rand.Read(data)
		want := sum(data)
		t0 := time.Now()
		// size unknown to exercise the streaming multipart path; known size below
		if _, err := s.Put(t.Context(), "big/unknown", io.MultiReader(bytes.NewReader(data)), -1, PutOptions{SHA256: want}); err != nil {
			t.Fatal(err)
		}
		info, err := s.PutIfAbsent(t.Context(), "big/known", bytes.NewReader(data), int64(len(data)), PutOptions{SHA256: want})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("two 50 MB uploads in %v (etag %s)", time.Since(t0), info.ETag)
		if !strings.Contains(info.ETag, "-") {
			t.Errorf("ETag %q does not look multipart", info.ETag)
		}
		for _, k := range []string{"big/unknown", "big/known"} {
			got, ginfo := readAll(t, s, k)
			if sum(got) != want || ginfo.SHA256 != want || ginfo.Size != int64(len(data)) {
				t.Errorf("%s: sha256 %s size %d meta %s, want %s", k, sum(got), ginfo.Size, ginfo.SHA256, want)
			}
		}
		if _, err := s.PutIfAbsent(t.Context(), "big/known", bytes.NewReader(data), int64(len(data)), PutOptions{}); !errors.Is(err, ErrExists) {
			t.Errorf("multipart PutIfAbsent over existing: %v, want ErrExists", err)
		}
	})
}

func TestPutIfAbsentMultipartRace(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		s := e.open(t, "big")
		data := make([]byte, conditionalPartSize+1<<20) // two parts
		rand.Read(data)
		var wins, exists atomic.Int32
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				var r io.Reader = bytes.NewReader(data)
				size := int64(len(data))
				if i%2 == 1 {
					r, size = io.MultiReader(r), -1 // unknown size
				}
				_, err := s.PutIfAbsent(t.Context(), "big/race", r, size, PutOptions{})
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, ErrExists):
					exists.Add(1)
				default:
					t.Errorf("writer %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 || exists.Load() != 3 {
			t.Errorf("%d winners, %d ErrExists; want 1 and 3", wins.Load(), exists.Load())
		}
		if got, _ := readAll(t, s, "big/race"); sum(got) != sum(data) {
			t.Error("content differs")
		}
		n := 0
		for _, err := range s.List(t.Context(), "big/race") {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 1 {
			t.Errorf("listed %d objects under big/race", n)
		}
	})
}

func TestPutMany(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		s := e.open(t, "many")
		ups := make([]Upload, 200)
		for i := range ups {
			body := fmt.Sprintf("object %d", i)
			ups[i] = Upload{Key: fmt.Sprintf("m/%03d", i), Body: strings.NewReader(body), Size: int64(len(body))}
		}
		t0 := time.Now()
		if err := s.PutMany(t.Context(), ups, 16); err != nil {
			t.Fatal(err)
		}
		t.Logf("PutMany 200 objects in %v", time.Since(t0))
		n := 0
		for _, err := range s.List(t.Context(), "m/") {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 200 {
			t.Errorf("listed %d, want 200", n)
		}
		if b, _ := readAll(t, s, "m/137"); string(b) != "object 137" {
			t.Errorf("m/137 = %q", b)
		}
	})
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

func TestPutManyErrors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		s := e.open(t, "many")
		boom := errors.New("boom")
		ups := []Upload{{Key: "bad/1", Body: failingReader{boom}, Size: 10}}
		for i := range 50 {
			ups = append(ups, Upload{Key: fmt.Sprintf("bad/ok%d", i), Body: strings.NewReader("x"), Size: 1})
		}
		err := s.PutMany(t.Context(), ups, 1)
		if !errors.Is(err, boom) {
			t.Fatalf("PutMany err = %v, want boom", err)
		}
		if !strings.Contains(err.Error(), "never started") {
			t.Errorf("err %q does not report skipped uploads", err)
		}
		err = s.PutMany(t.Context(), []Upload{{Key: "ok", Body: strings.NewReader("")}, {Key: "/bad"}, {Key: "a/../b"}}, 4)
		if !errors.Is(err, ErrInvalidKey) || !strings.Contains(err.Error(), "a/../b") {
			t.Errorf("PutMany invalid keys: %v", err)
		}
		if _, err := s.Stat(t.Context(), "ok"); !errors.Is(err, ErrNotFound) {
			t.Errorf("upload happened despite invalid keys: %v", err)
		}
	})
}

func TestSetPublicRead(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		s := e.open(t, "public")
		ctx := t.Context()
		for _, k := range []string{"pub/file.txt", "private/file.txt"} {
			if _, err := s.Put(ctx, k, strings.NewReader(k), int64(len(k)), PutOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		get := func(key string) (int, string) {
			resp, err := http.Get(s.URL(key))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		if code, _ := get("pub/file.txt"); code != http.StatusForbidden {
			t.Errorf("before SetPublicRead: status %d, want 403", code)
		}
		if err := s.SetPublicRead(ctx, "pub/"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPublicRead(ctx, "pub/"); err != nil { // idempotent
			t.Fatal(err)
		}
		if err := s.SetPublicRead(ctx, "also/"); err != nil { // merged
			t.Fatal(err)
		}
		if code, body := get("pub/file.txt"); code != http.StatusOK || body != "pub/file.txt" {
			t.Errorf("anonymous GET pub/file.txt: %d %q", code, body)
		}
		if code, _ := get("private/file.txt"); code != http.StatusForbidden {
			t.Errorf("anonymous GET private/file.txt: status %d, want 403", code)
		}
		policy, err := s.client.GetBucketPolicy(ctx, s.bucket)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(policy, "RingPublicRead"); n != 2 {
			t.Errorf("policy has %d statements, want 2: %s", n, policy)
		}
	})
}

func TestOpenWrongEndpoint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	t0 := time.Now()
	_, err = Open(t.Context(), Config{Endpoint: "http://" + addr, AccessKey: "a", SecretKey: "b"})
	took := time.Since(t0)
	t.Logf("Open(nothing listening) failed after %v: %v", took, err)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "RING_S3_URL") || !strings.Contains(err.Error(), "running") {
		t.Errorf("err = %v", err)
	}
	if took >= 5*time.Second {
		t.Errorf("took %v", took)
	}
}

func TestOpenSilentEndpoint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close() // accepts connections (kernel backlog) but never answers
	t0 := time.Now()
	_, err = Open(t.Context(), Config{Endpoint: "http://" + ln.Addr().String(), AccessKey: "a", SecretKey: "b"})
	took := time.Since(t0)
	t.Logf("Open(silent server) failed after %v: %v", took, err)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "RING_S3_URL") {
		t.Errorf("err = %v", err)
	}
	if took >= 5*time.Second {
		t.Errorf("took %v, want < 5s", took)
	}
}

func TestOpenBadCredentials(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		for _, cfg := range []Config{
			{Endpoint: e.endpoint(), AccessKey: "nobody", SecretKey: testSecret},
			{Endpoint: e.endpoint(), AccessKey: testAccess, SecretKey: "wrong"},
		} {
			t0 := time.Now()
			_, err := Open(t.Context(), cfg)
			t.Logf("Open(%s/%s) failed after %v: %v", cfg.AccessKey, cfg.SecretKey, time.Since(t0), err)
			if !errors.Is(err, ErrCredentials) || !strings.Contains(err.Error(), "RING_S3_ACCESS_KEY") || !strings.Contains(err.Error(), "RING_S3_SECRET_KEY") {
				t.Errorf("err = %v", err)
			}
		}
	})
}

func TestRestart(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		s := e.open(t, "restart")
		body := []byte("survives restarts")
		if _, err := s.Put(t.Context(), "keep/me", bytes.NewReader(body), int64(len(body)), PutOptions{SHA256: sum(body), ContentType: "text/x-keep"}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPublicRead(t.Context(), "keep/"); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		if err := e.restart(t.Context()); err != nil {
			t.Fatal(err)
		}
		t.Logf("restarted in %v at %s", time.Since(t0), e.endpoint())

		s = e.open(t, "restart")
		got, info := readAll(t, s, "keep/me")
		if !bytes.Equal(got, body) || info.SHA256 != sum(body) || info.ContentType != "text/x-keep" {
			t.Errorf("after restart: %q %+v", got, info)
		}
		resp, err := http.Get(s.URL("keep/me"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("public policy lost on restart: status %d", resp.StatusCode)
		}
	})
}
