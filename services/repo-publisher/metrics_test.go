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
	repo := func(distro string) map[string]string {
		return map[string]string{"channel": "nightly", "distro": distro}
	}
	metricstest.Gather(t, reg).Expect(t,
		metricstest.Want{Name: "ringmaster_repo_size_bytes", Labels: repo("debian-12"), Value: 1234},
		metricstest.Want{Name: "ringmaster_repo_size_bytes", Labels: repo("rockylinux-9"), Value: 5000},
		metricstest.Want{Name: "ringmaster_repo_packages", Labels: repo("debian-12"), Value: 2},
		metricstest.Want{Name: "ringmaster_repo_publish_duration_seconds", Labels: map[string]string{"operation": "publish", "channel": "nightly", "result": "ok"}, Value: 1},
		metricstest.Want{Name: "ringmaster_repo_publish_duration_seconds", Labels: map[string]string{"operation": "promote", "channel": "stable", "result": "error"}, Value: 1},
	)
	var none *repoMetrics // a Publisher made without metrics
	none.sized(man)
	none.timed("publish", "nightly", time.Now(), nil)
}
