//go:build integration

package main_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/builder/packaging"
	"ringmaster.dev/kit/blob"
	publisher "ringmaster.dev/repo-publisher"
)

// TestRepoPublishClaimCheck: `ring repo publish` of enough .debs writes one
// claim check (their index metadata, publisher.UploadBatch) and names it in
// the request; the repo-publisher service, over the bus, takes it — the
// claim is verified against the S3 server or the publish fails — and every
// package is listed.
func TestRepoPublishClaimCheck(t *testing.T) {
	home := t.TempDir()
	up(t, home)
	dir := t.TempDir()
	n := publisher.InspectedMin + 8
	args := []string{"repo", "publish", "--channel", "claim", "--distro", "debian-12"}
	for i := range n {
		args = append(args, buildPkg(t, dir, fmt.Sprintf("1.0.%d", i), packaging.Deb, ""))
	}
	out := mustRing(t, home, 3*time.Minute, args...)
	if !strings.Contains(out, fmt.Sprintf("published %d package(s) to claim", n)) {
		t.Fatalf("publish:\n%s", out)
	}
	t.Logf("ring repo publish of %d .debs:\n%s", n, out)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	store, err := blob.Open(ctx, blobConfig(t, home))
	if err != nil {
		t.Fatal(err)
	}
	var claims []string
	for info, err := range store.List(ctx, publisher.InspectedRoot) {
		if err != nil {
			t.Fatal(err)
		}
		claims = append(claims, info.Key)
	}
	if len(claims) != 1 {
		t.Fatalf("claim checks %v, want one", claims)
	}
	listed := regexp.MustCompile(`(?m)^claim\s+debian-12\s+ringtest\s`).FindAllString(mustRing(t, home, time.Minute, "repo", "list"), -1)
	if len(listed) != n {
		t.Fatalf("ring repo list shows %d ringtest versions in claim, want %d", len(listed), n)
	}
}
