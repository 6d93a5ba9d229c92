package suite

import (
	"encoding/xml"
	"fmt"
	"time"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Body    string `xml:",chardata"`
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// JUnit renders results as JUnit XML (one testsuite per suite, the cluster
// as the classname prefix), the format CI systems read.
func JUnit(clusterName string, started time.Time, results []Result) ([]byte, error) {
	top := junitSuites{Name: "ringmaster " + clusterName}
	index := map[string]int{}
	var total time.Duration
	for _, r := range results {
		i, ok := index[r.Suite]
		if !ok {
			i = len(top.Suites)
			index[r.Suite] = i
			top.Suites = append(top.Suites, junitSuite{Name: r.Suite, Timestamp: started.UTC().Format(time.RFC3339)})
		}
		s := &top.Suites[i]
		c := junitCase{Name: r.Case, Classname: clusterName + "." + r.Suite, Time: secs(r.Took)}
		msg := &junitMessage{Message: firstLine(r.Message), Body: r.Message}
		switch r.Outcome {
		case Failed:
			c.Failure, s.Failures, top.Failures = msg, s.Failures+1, top.Failures+1
		case Error:
			c.Error, s.Errors, top.Errors = msg, s.Errors+1, top.Errors+1
		case Skipped:
			c.Skipped, s.Skipped, top.Skipped = msg, s.Skipped+1, top.Skipped+1
		}
		s.Tests++
		top.Tests++
		d, _ := time.ParseDuration(c.Time + "s")
		s.Time = secs(parse(s.Time) + d)
		total += r.Took
		s.Cases = append(s.Cases, c)
	}
	top.Time = secs(total)
	b, err := xml.MarshalIndent(top, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

func parse(s string) time.Duration {
	d, _ := time.ParseDuration(s + "s")
	return d
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
