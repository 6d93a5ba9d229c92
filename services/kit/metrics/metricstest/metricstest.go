// Package metricstest scrapes a /metrics endpoint for tests and reads it
// with the Prometheus text-format parser (prometheus/common/expfmt), as
// Prometheus does.
package metricstest

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"ringmaster.dev/kit/metrics"
)

// Families are the metric families of one scrape, by name.
type Families map[string]*dto.MetricFamily

// Scrape GETs url in the Prometheus text format and parses it; any error
// fails the test.
func Scrape(t testing.TB, url string) Families {
	t.Helper()
	f, err := TryScrape(url)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TryScrape is Scrape returning its error.
func TryScrape(url string) (Families, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: not the Prometheus text format: %w", url, err)
	}
	return fams, nil
}

// Gather reads a registry's metrics directly, without HTTP.
func Gather(t testing.TB, r *metrics.Registry) Families {
	t.Helper()
	mfs, err := r.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	f := Families{}
	for _, mf := range mfs {
		f[mf.GetName()] = mf
	}
	return f
}

// Value is the value of the series of family name whose labels include
// labels (a counter's or gauge's value, a histogram's sample count), and
// whether there is one. Several matching series are added up.
func (f Families) Value(name string, labels map[string]string) (float64, bool) {
	fam, ok := f[name]
	if !ok {
		return 0, false
	}
	var sum float64
	found := false
	for _, m := range fam.GetMetric() {
		if !matches(m, labels) {
			continue
		}
		found = true
		switch {
		case m.GetCounter() != nil:
			sum += m.GetCounter().GetValue()
		case m.GetGauge() != nil:
			sum += m.GetGauge().GetValue()
		case m.GetHistogram() != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		case m.GetUntyped() != nil:
			sum += m.GetUntyped().GetValue()
		}
	}
	return sum, found
}

func matches(m *dto.Metric, labels map[string]string) bool {
	have := map[string]string{}
	for _, l := range m.GetLabel() {
		have[l.GetName()] = l.GetValue()
	}
	for k, v := range labels {
		if have[k] != v {
			return false
		}
	}
	return true
}

// Want is a series' expected value: family Name, Labels the series has
// (among others), Value.
type Want struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// Expect reports every wanted series that is missing or has another value.
func (f Families) Expect(t testing.TB, wants ...Want) {
	t.Helper()
	for _, w := range wants {
		if got, ok := f.Value(w.Name, w.Labels); !ok || got != w.Value {
			t.Errorf("%s%v = %v (present %v), want %v", w.Name, w.Labels, got, ok, w.Value)
		}
	}
}
