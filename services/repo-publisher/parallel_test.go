package publisher

import "testing"

func TestParallelFromEnv(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		err  bool
	}{
		{"", DefaultParallel, false},
		{" 32 ", 32, false},
		{"1", 1, false},
		{"0", 0, true},
		{"257", 0, true},
		{"many", 0, true},
	} {
		got, err := ParallelFromEnv(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParallelFromEnv(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}
