package bench

import (
	"fmt"
	"slices"
	"time"
)

// Percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of sorted
// samples; 0 for none.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// Summary is p50, p99 and max of samples (which it sorts), e.g.
// "1.20 / 3.40 / 5.00 ms".
func Summary(samples []time.Duration) string {
	if len(samples) == 0 {
		return "–"
	}
	slices.Sort(samples)
	return fmt.Sprintf("%s / %s / %s", Millis(Percentile(samples, 50)), Millis(Percentile(samples, 99)), Millis(samples[len(samples)-1])+" ms")
}

// Millis is d in milliseconds, as Num writes it.
func Millis(d time.Duration) string { return Num(float64(d) / float64(time.Millisecond)) }

// Rate is n per second over d, as Num writes it.
func Rate(n int, d time.Duration) string {
	if d <= 0 {
		return "–"
	}
	return Num(float64(n) / d.Seconds())
}

// MiB is bytes in MiB.
func MiB(bytes int64) string { return Num(float64(bytes) / (1 << 20)) }

// KiB is bytes in KiB.
func KiB(bytes float64) string { return Num(bytes / 1024) }
