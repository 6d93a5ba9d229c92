package suite

import (
	"context"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/kit/cluster"
)

func testCluster(roles ...string) cluster.Cluster {
	return cluster.Cluster{Spec: cluster.Spec{Name: "c"}, Nodes: []cluster.Node{{Name: "node1", Roles: roles}}}
}

func TestSelect(t *testing.T) {
	names := func(ss []Suite) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Name)
		}
		return strings.Join(out, ",")
	}
	for name, tc := range map[string]struct {
		c       cluster.Cluster
		want    []string
		got     string
		wantErr string
	}{
		"all that apply":     {c: testCluster("zookeeper", "redis"), got: "packages,zookeeper,redis"},
		"only zookeeper":     {c: testCluster("zookeeper"), got: "packages,zookeeper"},
		"named":              {c: testCluster("zookeeper", "redis"), want: []string{"redis"}, got: "redis"},
		"named, not running": {c: testCluster("zookeeper"), want: []string{"redis"}, wantErr: "does not run"},
		"unknown":            {c: testCluster("zookeeper"), want: []string{"kafka"}, wantErr: `no suite "kafka"`},
	} {
		t.Run(name, func(t *testing.T) {
			ss, err := Select(tc.c, tc.want)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || names(ss) != tc.got {
				t.Fatalf("Select = %s, %v; want %s", names(ss), err, tc.got)
			}
		})
	}
}

func TestRunnerRetriesOnlyInfrastructureFaults(t *testing.T) {
	calls := map[string]int{}
	mk := func(name string, err func(n int) error) Case {
		return Case{Name: name, Timeout: time.Second, Run: func(context.Context, *Env) error {
			calls[name]++
			return err(calls[name])
		}}
	}
	s := Suite{Name: "s", Cases: []Case{
		mk("pass", func(int) error { return nil }),
		mk("assertion", func(int) error { return Failf("want 1, got 2") }),
		mk("flaky-infra", func(n int) error {
			if n == 1 {
				return Infra(errors.New("docker hiccup"))
			}
			return nil
		}),
		mk("broken-infra", func(int) error { return Infra(errors.New("docker down")) }),
		mk("skip", func(int) error { return Skip("not here") }),
		{Name: "deadline", Timeout: 20 * time.Millisecond, Run: func(ctx context.Context, _ *Env) error {
			return eventually(ctx, "never", func(context.Context) error { return errors.New("no") })
		}},
	}}
	res := Run(context.Background(), &Env{Log: zerolog.Nop()}, []Suite{s}, nil)
	want := map[string]string{"pass": Passed, "assertion": Failed, "flaky-infra": Passed, "broken-infra": Error, "skip": Skipped, "deadline": Failed}
	for _, r := range res {
		if r.Outcome != want[r.Case] {
			t.Errorf("%s: %s (%s), want %s", r.Case, r.Outcome, r.Message, want[r.Case])
		}
	}
	if calls["assertion"] != 1 || calls["flaky-infra"] != 2 || calls["broken-infra"] != 2 {
		t.Errorf("calls = %v: assertions run once, infrastructure faults twice", calls)
	}
	b, err := JUnit("c", time.Now(), res)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 6 || doc.Failures != 2 || doc.Errors != 1 || doc.Skipped != 1 || len(doc.Suites) != 1 || doc.Suites[0].Cases[1].Failure == nil {
		t.Fatalf("JUnit: %+v\n%s", doc, b)
	}
}
