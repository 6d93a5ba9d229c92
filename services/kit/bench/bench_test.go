package bench

import (
	"strings"
	"testing"
	"time"
)

func TestNum(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {0.001234, "0.0012"}, {0.01234, "0.012"}, {0.5, "0.500"}, {1.234, "1.23"},
		{12.34, "12.3"}, {123.4, "123"}, {999.6, "1,000"}, {1234, "1,234"}, {12345, "12,345"},
		{1234567, "1,234,567"}, {-1234, "-1,234"},
	} {
		if got := Num(c.in); got != c.want {
			t.Errorf("Num(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, c := range []struct {
		name    string
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{"none", nil, 50, 0},
		{"one", ms(7), 99, 7 * time.Millisecond},
		{"median of odd", ms(1, 2, 3), 50, 2 * time.Millisecond},
		{"median of even takes the lower", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of 100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the max", ms(hundred...), 100, 100 * time.Millisecond},
		{"tiny p is the min", ms(hundred...), 0.1, time.Millisecond},
	} {
		if got := Percentile(c.samples, c.p); got != c.want {
			t.Errorf("%s: Percentile(p%v) = %v, want %v", c.name, c.p, got, c.want)
		}
	}
}

func TestSummarySorts(t *testing.T) {
	got := Summary([]time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond})
	if want := "2.00 / 3.00 / 3.00 ms"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	if got := Summary(nil); got != "–" {
		t.Errorf("Summary(nil) = %q, want –", got)
	}
}

func TestRate(t *testing.T) {
	if got := Rate(5000, 2*time.Second); got != "2,500" {
		t.Errorf("Rate = %q", got)
	}
	if got := Rate(5, 0); got != "–" {
		t.Errorf("Rate over 0 s = %q", got)
	}
}

func TestTableText(t *testing.T) {
	tab := Table{Title: "KV fan-out", Columns: []string{"bucket", "watchers", "puts/s"}}
	tab.Add("ring_services", 1, 12345.6)
	tab.Add("ring_runs", 500, 7.5)
	tab.Note("load %s", "1.00 2.00 3.00")
	var b strings.Builder
	if err := tab.Text(&b); err != nil {
		t.Fatal(err)
	}
	want := `KV fan-out
bucket         watchers  puts/s
ring_services         1  12,346
ring_runs           500    7.50
  load 1.00 2.00 3.00
`
	if b.String() != want {
		t.Errorf("Text:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestTableMarkdown(t *testing.T) {
	tab := Table{Title: "S3", Columns: []string{"engine", "in flight", "PUT/s"}}
	tab.Add("embedded | posix", 16, 812.0)
	tab.Add("short row")
	tab.Note("one")
	tab.Note("two")
	var b strings.Builder
	if err := tab.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	want := `**S3**

| engine | in flight | PUT/s |
|---|--:|--:|
| embedded \| posix | 16 | 812 |
| short row |  |  |

one two

`
	if b.String() != want {
		t.Errorf("Markdown:\n%q\nwant:\n%q", b.String(), want)
	}
}

func TestLoadFrom(t *testing.T) {
	if got := loadFrom("5.49 3.12 1.45 3/712 4242\n"); got != "5.49 3.12 1.45" {
		t.Errorf("loadFrom = %q", got)
	}
	if got := loadFrom(""); got != "?" {
		t.Errorf("loadFrom empty = %q", got)
	}
}
