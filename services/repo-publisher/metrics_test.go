package publisher

import (
	"errors"
	"testing"
	"time"

	"ringmaster.dev/kit/metrics"
	"ringmaster.dev/kit/metrics/metricstest"
	"ringmaster.dev/repo-publisher/apt"
	"ringmaster.dev/repo-publisher/yum"
)

func TestRepoMetrics(t *testing.T) {
	reg := metrics.New()
	m := newRepoMetrics(reg)
	man := newManifest("nightly")
	man.Debs["debian-12"] = []apt.Package{{Size: 1000}, {Size: 234}}
	man.RPMs["rockylinux-9"] = []yum.Package{{PackageSize: 5000}}
	m.sized(man)
	m.timed("publish", "nightly", time.Now().Add(-2*time.Second), nil)
	m.timed("promote", "stable", time.Now(), errors.New("no"))
	f := metricstest.Gather(t, reg)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"ringmaster_repo_size_bytes", map[string]string{"channel": "nightly", "distro": "debian-12"}, 1234},
		{"ringmaster_repo_size_bytes", map[string]string{"channel": "nightly", "distro": "rockylinux-9"}, 5000},
		{"ringmaster_repo_packages", map[string]string{"channel": "nightly", "distro": "debian-12"}, 2},
		{"ringmaster_repo_publish_duration_seconds", map[string]string{"operation": "publish", "channel": "nightly", "result": "ok"}, 1},
		{"ringmaster_repo_publish_duration_seconds", map[string]string{"operation": "promote", "channel": "stable", "result": "error"}, 1},
	} {
		if got, ok := f.Value(c.name, c.labels); got != c.want || !ok {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	var none *repoMetrics // a Publisher made without metrics
	none.sized(man)
	none.timed("publish", "nightly", time.Now(), nil)
}
