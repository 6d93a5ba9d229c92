package repository

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"ringmaster.dev/kit/blob"
)

// files is a blob store holding a few objects.
type files map[string]string

func (f files) Get(_ context.Context, key string) (io.ReadCloser, blob.Info, error) {
	s, ok := f[key]
	if !ok {
		return nil, blob.Info{}, blob.ErrNotFound
	}
	return io.NopCloser(strings.NewReader(s)), blob.Info{Key: key, Size: int64(len(s))}, nil
}

func TestPackages(t *testing.T) {
	dists := "repos/apt/dists/debian-12-nightly/"
	store := files{
		// As the publisher writes them (and apt-get reads them): a Release
		// naming architectures and components, one Packages per pair; an
		// "all" package is listed under every architecture.
		dists + "Release": "Origin: Ringmaster\nSuite: debian-12-nightly\nArchitectures: amd64 arm64\nComponents: main\nSHA256:\n 0123 10 main/binary-amd64/Packages\n",
		dists + "main/binary-amd64/Packages": "Package: zookeeper\nVersion: 3.8.4-1+deb12\nArchitecture: amd64\nFilename: pool/main/z/zookeeper/zookeeper_3.8.4-1+deb12_amd64.deb\nDescription: coordination\n multi-line description\n\n" +
			"Package: ringhello-doc\nVersion: 1:1.0.0-1\nArchitecture: all\nFilename: pool/main/r/ringhello-doc/ringhello-doc_1.0.0-1_all.deb\n",
		dists + "main/binary-arm64/Packages": "Package: ringhello-doc\nVersion: 1:1.0.0-1\nArchitecture: all\nFilename: pool/main/r/ringhello-doc/ringhello-doc_1.0.0-1_all.deb\n\n" +
			"Package: zookeeper\nVersion: 3.8.4-1+deb12\nArchitecture: arm64\nFilename: pool/main/z/zookeeper/zookeeper_3.8.4-1+deb12_arm64.deb\n",
		"repos/apt/dists/debian-12-broken/Release": "Architectures: amd64\nComponents: main\n",
	}
	got, err := Packages(context.Background(), store, "debian-12", "nightly")
	if err != nil {
		t.Fatal(err)
	}
	want := []Package{
		{"ringhello-doc", "1:1.0.0-1", "all", "pool/main/r/ringhello-doc/ringhello-doc_1.0.0-1_all.deb"},
		{"zookeeper", "3.8.4-1+deb12", "amd64", "pool/main/z/zookeeper/zookeeper_3.8.4-1+deb12_amd64.deb"},
		{"zookeeper", "3.8.4-1+deb12", "arm64", "pool/main/z/zookeeper/zookeeper_3.8.4-1+deb12_arm64.deb"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Packages =\n%+v\nwant\n%+v", got, want)
	}
	if _, err := Packages(context.Background(), store, "debian-11", "nightly"); !errors.Is(err, ErrNotPublished) || !strings.Contains(err.Error(), "no suite for debian-11") {
		t.Fatalf("unpublished suite: %v", err)
	}
	// A Release naming an index that is not there is an error, not an empty list.
	if _, err := Packages(context.Background(), store, "debian-12", "broken"); err == nil || errors.Is(err, ErrNotPublished) || !strings.Contains(err.Error(), "main/binary-amd64/Packages") {
		t.Fatalf("missing index: %v", err)
	}
}
