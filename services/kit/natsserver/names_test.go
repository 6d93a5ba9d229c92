package natsserver_test

import (
	"slices"
	"testing"

	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/dockerhost"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/kit/lease"
	"ringmaster.dev/kit/natsserver"
	"ringmaster.dev/kit/runs"
	"ringmaster.dev/kit/tokens"
)

// The permissions name buckets and streams by their literal names (their
// packages test against this one): they are the owners' names, and every
// catalog stream may be created by a service.
func TestBucketNames(t *testing.T) {
	all := map[string]bool{}
	for _, bs := range natsserver.Buckets {
		for _, b := range bs {
			all[b] = true
		}
	}
	for _, b := range []string{lease.Bucket, runs.Bucket, tokens.Bucket, gitstack.Bucket, gitstack.RequestBucket, dockerhost.Bucket} {
		if !all[b] {
			t.Errorf("bucket %s is no service's in natsserver.Buckets", b)
		}
	}
	p := natsserver.Permissions("tester")
	for _, want := range []string{"$KV." + bus.DoneBucket + ".tester.>", "$KV." + bus.ServiceBucket + ".tester.>"} {
		if !slices.Contains(p.Publish.Allow, want) {
			t.Errorf("tester may not publish %s", want)
		}
	}
	for _, s := range bus.StreamConfigs() {
		if !slices.Contains(p.Publish.Allow, "$JS.API.STREAM.CREATE."+s.Name) {
			t.Errorf("a service may not create the missing stream %s", s.Name)
		}
	}
}
