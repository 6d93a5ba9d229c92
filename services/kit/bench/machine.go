package bench

import (
	"os"
	"runtime"
	"strings"
)

// Load is the machine's load averages over 1, 5 and 15 minutes as
// /proc/loadavg has them ("?" where there is none).
func Load() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return loadFrom(string(b))
}

func loadFrom(s string) string {
	f := strings.Fields(s)
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// LoadNote notes under t the load average before it was measured (as
// Load returned it then) and now.
func LoadNote(t *Table, before string) {
	t.Note("Load average (1, 5, 15 min) before: %s; after: %s.", before, Load())
}

// HeapInUse is the process's heap and stacks in use after a collection.
func HeapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse + m.StackInuse)
}
