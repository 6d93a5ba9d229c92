package policies

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// dataPath is the real compatibility facts, from this module's directory.
var dataPath = filepath.Join("..", filepath.FromSlash(DefaultDataPath))

func newChecker(tb testing.TB) *Checker {
	tb.Helper()
	data, err := LoadData(dataPath)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := New(context.Background(), data)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func demo() Input {
	return Input{
		Stack:      "fixture",
		Components: map[string]string{"zookeeper": "3.8.0", "redis": "7.0.15"},
		Distro:     "debian-12",
		Roles:      map[string]int{"zookeeper": 3, "redis": 1},
		Nodes:      3,
		Kerberos:   true,
		MemoryMB:   1024,
	}
}

func TestCheck(t *testing.T) {
	c := newChecker(t)
	tests := []struct {
		name   string
		change func(*Input)
		rules  []string // empty: allowed
		want   string   // a fragment of the first message
	}{
		{"allowed demo cluster", func(*Input) {}, nil, ""},
		{"even ensemble", func(in *Input) { in.Roles["zookeeper"] = 2; in.Nodes = 2 },
			[]string{"zk-odd-ensemble"}, "ZooKeeper needs an odd ensemble of at least 3 nodes; 2 were requested"},
		{"unknown version", func(in *Input) { in.Components["zookeeper"] = "3.10.1" },
			[]string{"version-range"}, "zookeeper 3.10.1 is newer than the newest supported version 3.9.99"},
		{"unparseable version", func(in *Input) { in.Components["redis"] = "latest" },
			[]string{"version-invalid"}, `redis version "latest"`},
		{"unknown component", func(in *Input) { in.Components["hbase"] = "2.5.0" },
			[]string{"version-unknown-component"}, "hbase is not a known component"},
		{"too much memory", func(in *Input) { in.MemoryMB = 16384 },
			[]string{"memory-total"}, "3 nodes × 16384 MB = 49152 MB is more than the machine's 24576 MB"},
		{"more memory than the measured machine", func(in *Input) { in.MachineMB = 2000 },
			[]string{"memory-total"}, "3 nodes × 1024 MB = 3072 MB is more than the machine's 2000 MB"},
		{"a bigger measured machine", func(in *Input) { in.MemoryMB = 16384; in.MachineMB = 65536 }, nil, ""},
		{"running clusters hold too much", func(in *Input) { in.MachineMB = 8192; in.CommittedMB = 6000 },
			[]string{"memory-available"}, "3072 MB is more than the 2192 MB left of the machine's 8192 MB: running clusters hold 6000 MB"},
		{"running clusters leave enough", func(in *Input) { in.MachineMB = 8192; in.CommittedMB = 5120 }, nil, ""},
		{"too little memory per node", func(in *Input) { in.MemoryMB = 200 },
			[]string{"memory-per-node"}, "zookeeper needs at least 256 MB per node; 200 MB were requested"},
		{"wrong distro", func(in *Input) { in.Distro = "debian-10" },
			[]string{"distro", "distro"}, "is not available on debian-10; it is packaged for debian-12, debian-11"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := demo()
			tt.change(&in)
			d, err := c.Check(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range d.Deny {
				got = append(got, r.Rule)
				if r.Message == "" {
					t.Errorf("rule %s has no message", r.Rule)
				}
			}
			if !reflect.DeepEqual(got, tt.rules) {
				t.Fatalf("rules = %v, want %v (%+v)", got, tt.rules, d.Deny)
			}
			if d.Allow != (len(tt.rules) == 0) {
				t.Fatalf("allow = %v with deny %v", d.Allow, d.Deny)
			}
			if tt.want != "" && !strings.Contains(d.Deny[0].Message, tt.want) {
				t.Fatalf("message %q does not contain %q", d.Deny[0].Message, tt.want)
			}
		})
	}
}

func TestExamples(t *testing.T) {
	c := newChecker(t)
	for file, allow := range map[string]bool{"zk3.json": true, "zk2.json": false} {
		in, err := LoadInput(filepath.Join("..", "infra", "compat", "examples", file))
		if err != nil {
			t.Fatal(err)
		}
		d, err := c.Check(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allow != allow {
			t.Errorf("%s: allow = %v, want %v (%v)", file, d.Allow, allow, d.Deny)
		}
	}
}

func TestParseInputYAML(t *testing.T) {
	in, err := ParseInput([]byte("stack: fixture\ncomponents:\n  zookeeper: \"3.8.0\"\ndistro: debian-12\nroles: {zookeeper: 3}\nnodes: 3\nkerberos: true\nmemory_mb_per_node: 512\n"))
	if err != nil {
		t.Fatal(err)
	}
	if in.Components["zookeeper"] != "3.8.0" || in.Roles["zookeeper"] != 3 || !in.Kerberos || in.MemoryMB != 512 {
		t.Fatalf("parsed %+v", in)
	}
	if in, err := ParseInput([]byte("components: {zookeeper: 3.10, redis: 7.0.15}\n")); err != nil || in.Components["zookeeper"] != "3.10" || in.Components["redis"] != "7.0.15" {
		t.Errorf("unquoted versions: %v, %v; want 3.10 as written", in.Components, err)
	}
}

// TestParseInputErrors: a bad spec is refused naming the line and column,
// the field and the problem.
func TestParseInputErrors(t *testing.T) {
	for _, tc := range []struct{ name, spec, want string }{
		{"unknown field", "{\"stack\": \"demo\",\n \"nodez\": 3}", `line 2:2: unknown field "nodez"`},
		{"wrong type", "stack: demo\nnodes: three\n", "line 2:8: cannot unmarshal string into Go struct field Input.Nodes of type int"},
		{"a version that is a list", "components:\n  zookeeper: [3, 8]\n", "line 2:14:"},
		{"broken syntax", "{\"stack\": \"demo\",\n\"components\": {\"zookeeper\": \"3.8.0\"\n", "line 2:15:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseInput([]byte(tc.spec))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestBadData(t *testing.T) {
	for _, data := range []string{`{}`, `{"version": 2}`, `not json`, `{"version": 1, "versions": []}`} {
		if _, err := New(context.Background(), []byte(data)); err == nil {
			t.Errorf("New accepted %s", data)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	c := newChecker(b)
	ctx := context.Background()
	in := demo()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d, err := c.Check(ctx, in)
		if err != nil || !d.Allow {
			b.Fatal(err, d)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

// BenchmarkCheckParallel is BenchmarkCheck from GOMAXPROCS goroutines.
func BenchmarkCheckParallel(b *testing.B) {
	c := newChecker(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		in := demo()
		for pb.Next() {
			d, err := c.Check(ctx, in)
			if err != nil || !d.Allow {
				b.Fatal(err, d)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

// BenchmarkCheckLatency times single decisions over the 602 clusters of
// inputs (6 allowed, the others denied for one reason or more: the slower
// path) and reports percentiles of their latency; -benchtime 20000x makes it
// 20,000 decisions.
func BenchmarkCheckLatency(b *testing.B) {
	c := newChecker(b)
	ctx := context.Background()
	ins := inputs(600)
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := c.Check(ctx, ins[i%len(ins)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportLatency(b, lat)
}

// reportLatency reports the percentiles of one decision's latency and the
// decisions per second.
func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	at := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Nanoseconds()) / 1e3 }
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
	b.ReportMetric(at(1), "max-µs")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

// BenchmarkCachedCheck is the same mix through a Cache big enough for all
// of it: after the first round every decision is remembered. Not the
// Checker's figure, which is BenchmarkCheck's.
func BenchmarkCachedCheck(b *testing.B) {
	k := NewCache(newChecker(b), 1024)
	ctx := context.Background()
	ins := inputs(600)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := k.Check(ctx, ins[i%len(ins)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}
