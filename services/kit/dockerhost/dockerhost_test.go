package dockerhost

import (
	"reflect"
	"testing"
	"time"
)

func TestCommitted(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	a := Record{Name: "a", MemoryMB: 4000, Clusters: map[string]Held{"zk": {MB: 1536}, "old": {}}}
	for name, tc := range map[string]struct {
		claims []Claim
		except string
		want   int
	}{
		"what its clusters hold":                  {want: 1536},
		"the cluster admitted is left out":        {except: "zk", want: 0},
		"a claim of a cluster not made yet":       {claims: []Claim{{Cluster: "r1", Host: "a", MB: 768, At: now}}, want: 2304},
		"a claim of a cluster made: counted once": {claims: []Claim{{Cluster: "zk", Host: "a", MB: 1536, At: now}}, want: 1536},
		"another host's claim":                    {claims: []Claim{{Cluster: "r1", Host: "b", MB: 768, At: now}}, want: 1536},
		"an expired claim":                        {claims: []Claim{{Cluster: "r1", Host: "a", MB: 768, At: now.Add(-ClaimTTL)}}, want: 1536},
		"the admitted cluster's own claim":        {claims: []Claim{{Cluster: "r1", Host: "a", MB: 768, At: now}}, except: "r1", want: 1536},
	} {
		if got := Committed(a, tc.claims, tc.except, now); got != tc.want {
			t.Errorf("%s: Committed = %d, want %d", name, got, tc.want)
		}
	}
}

func TestLocate(t *testing.T) {
	now := time.Now()
	hosts := []Record{{Name: "a", Clusters: map[string]Held{"zk": {MB: 768, Run: "run-0"}}}, {Name: "b", Clusters: map[string]Held{"r": {}}}}
	claims := []Claim{{Cluster: "new", Host: "b", Run: "run-1", At: now}, {Cluster: "zk", Host: "a", Run: "run-0", At: now},
		{Cluster: "gone", Host: "a", At: now.Add(-2 * ClaimTTL)}}
	for name, want := range map[string][]Where{
		"zk":      {{Host: "a", Run: "run-0"}},
		"r":       {{Host: "b"}},
		"new":     {{Host: "b", Run: "run-1", Claimed: true}},
		"gone":    nil,
		"unknown": nil,
	} {
		if got := Locate(hosts, claims, name, now); !reflect.DeepEqual(got, want) {
			t.Errorf("Locate(%s) = %+v, want %+v", name, got, want)
		}
	}
}

func TestAlive(t *testing.T) {
	now := time.Now()
	if !(Record{Seen: now.Add(-Refresh)}).Alive(now) {
		t.Error("a record rewritten one refresh ago is not alive")
	}
	if (Record{Seen: now.Add(-Stale)}).Alive(now) {
		t.Error("a stale record is alive")
	}
}

func TestValidateName(t *testing.T) {
	for name, ok := range map[string]bool{"local": true, "rack2": true, "a": true, "gpu-box-1": true,
		"": false, "Rack": false, "2rack": false, "a.b": false, "a_b": false, "a-": false, "abcdefghijklmnopqrstuvwxyz0123456": false} {
		if err := ValidateName(name); (err == nil) != ok {
			t.Errorf("ValidateName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}
