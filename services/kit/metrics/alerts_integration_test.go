//go:build integration

package metrics_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrometheusFiles checks infra/prometheus with Prometheus' own promtool
// (Debian's prometheus package; make deps installs it): the alert rules
// load, their unit tests (alerts_test.yaml: each alert fires on the series
// it is about and not on others) pass, and the sample configuration is valid.
func TestPrometheusFiles(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed, so infra/prometheus is not checked: apt-get install --no-install-recommends prometheus (make deps does)")
	}
	dir := filepath.Join("..", "..", "..", "infra", "prometheus")
	for _, args := range [][]string{
		{"check", "rules", "alerts.yaml"},
		{"test", "rules", "alerts_test.yaml"},
		{"check", "config", "prometheus.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "SUCCESS") {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
