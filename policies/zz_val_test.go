package policies

import "testing"

func BenchmarkZZValue(b *testing.B) {
	in := demo()
	b.ReportAllocs()
	for b.Loop() {
		_ = in.value()
	}
}
