package metrics

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEveryMetricIsDocumented finds every metric the repository's Go code
// makes (Counter, Gauge, Histogram and the Streams descriptors) and checks
// that docs/metrics.md lists it, and that the alert rules use only metrics
// that exist.
func TestEveryMetricIsDocumented(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	made := regexp.MustCompile(`(?:\.(?:Counter|Gauge|Histogram)|\bdesc|\bcounter)\(\s*"([a-z0-9_]+)"`)
	names := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range made.FindAllStringSubmatch(string(b), -1) {
			names[Namespace+"_"+m[1]] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 30 {
		t.Fatalf("found only %d metrics in the code: %v", len(names), names)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	for name, path := range names {
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("docs/metrics.md does not list %s (made in %s)", name, path)
		}
	}
	for _, f := range []string{filepath.Join("docs", "metrics.md"), filepath.Join("infra", "prometheus", "alerts.yaml")} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, used := range regexp.MustCompile(`ringmaster_[a-z0-9_]+`).FindAllString(string(b), -1) {
			if _, ok := names[used]; !ok {
				t.Errorf("%s names %s, which no code makes", f, used)
			}
		}
	}
}
