package publisher

import (
	"context"
	"errors"
	"strings"
	"testing"

	"ringmaster.dev/events"
)

// TestUploadStraightToPool: a .deb lands at its pool key and the publish
// that follows writes no pool object; the same bytes again reuse it; other
// bytes for the same version go to uploads/ and are refused as immutable;
// an .rpm goes to uploads/ (the publisher signs it).
func TestUploadStraightToPool(t *testing.T) {
	ctx := context.Background()
	c := &clock{now: testStart}
	store := newMemStore(c)
	p := newTestPublisher(t, store, c, testKey(t))
	deb := makePkg(t, "deb", "ringhello", "1.0.0-1", "amd64")
	other := makePkg(t, "deb", "ringhello", "1.0.0-1", "arm64") // another file, another pool key
	rpm := makePkg(t, "rpm", "ringhello", "1.0.0-1", "x86_64")
	pool := AptRoot + "pool/main/r/ringhello/ringhello_1.0.0-1_amd64.deb"

	for _, tc := range []struct {
		name    string
		file    UploadFile
		wantKey string
	}{
		{"deb to its pool key", UploadFile{"a.deb", deb}, pool},
		{"same deb again: same pool key", UploadFile{"b.deb", deb}, pool},
		{"another deb", UploadFile{"c.deb", other}, AptRoot + "pool/main/r/ringhello/ringhello_1.0.0-1_arm64.deb"},
		{"rpm to uploads/", UploadFile{"d.rpm", rpm}, "uploads/sha256/" + sum(rpm) + "/d.rpm"},
		{"not a package: uploads/", UploadFile{"e.deb", []byte("!<arch>\nnonsense")}, "uploads/sha256/" + sum([]byte("!<arch>\nnonsense")) + "/e.deb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref, err := Upload(ctx, store, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if ref.Key != tc.wantKey || ref.SHA256 != sum(tc.file.Data) || ref.Size != int64(len(tc.file.Data)) {
				t.Fatalf("ref %+v, want key %s", ref, tc.wantKey)
			}
		})
	}

	refs, err := UploadAll(ctx, store, []UploadFile{{"a.deb", deb}, {"c.deb", other}}, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	puts := store.puts
	if _, err := p.Publish(ctx, &events.RepoPublishRequested{Channel: "nightly", Distros: []string{"debian-12"}, Packages: refs}); err != nil {
		t.Fatal(err)
	}
	if n := store.count(AptRoot + "pool/"); n != 2 {
		t.Errorf("%d pool objects, want 2", n)
	}
	for k := range store.objs {
		if strings.Contains(k, "/pool/") && store.objs[k].mod != testStart {
			t.Errorf("publish rewrote %s", k)
		}
	}
	if store.puts-puts == 0 {
		t.Error("publish wrote nothing")
	}

	// Other bytes under a published name+version+arch: refused as before.
	c.Add(2e9)
	changed := makePkg(t, "deb", "ringhello", "1.0.0-1", "amd64")
	changed = append(changed[:len(changed):len(changed)], 0) // trailing byte: ar ignores it, the sha256 differs
	ref, err := Upload(ctx, store, UploadFile{"x.deb", changed})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ref.Key, "uploads/") {
		t.Fatalf("changed bytes went to %s, want uploads/", ref.Key)
	}
	_, err = p.Publish(ctx, &events.RepoPublishRequested{Channel: "nightly", Distros: []string{"debian-12"}, Packages: []events.PackageRef{ref}})
	if !errors.Is(err, ErrImmutable) {
		t.Fatalf("publish of changed bytes: %v, want ErrImmutable", err)
	}
	// A ref naming the pool key with other bytes than it holds: immutable too.
	bad := events.PackageRef{Key: pool, SHA256: sum(changed), Size: int64(len(changed))}
	_, err = p.Publish(ctx, &events.RepoPublishRequested{Channel: "nightly", Distros: []string{"debian-12"}, Packages: []events.PackageRef{bad}})
	if !errors.Is(err, ErrImmutable) {
		t.Fatalf("pool ref with other sha256: %v, want ErrImmutable", err)
	}
}
