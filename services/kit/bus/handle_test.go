package bus

import (
	"testing"
	"time"
)

func TestMayBeDuplicate(t *testing.T) {
	for _, tc := range []struct {
		attempt int
		age     time.Duration
		zero    bool
		want    bool
	}{
		{1, time.Second, false, false},
		{2, time.Second, false, true},
		{1, DedupeWindow, false, true},
		{1, 0, true, true},
	} {
		pub := time.Now().Add(-tc.age)
		if tc.zero {
			pub = time.Time{}
		}
		if got := mayBeDuplicate(tc.attempt, pub); got != tc.want {
			t.Errorf("attempt %d age %s: got %v", tc.attempt, tc.age, got)
		}
	}
}
