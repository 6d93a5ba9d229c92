package suite

import (
	"encoding/xml"
	"fmt"
	"time"
)

type junitSuites struct {
	XMLName xml.Name `xml:"testsuites"`
	Name    string   `xml:"name,attr"`
	junitCounts
	Suites []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name string `xml:"name,attr"`
	junitCounts
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

// junitCounts are what JUnit counts for a suite and for the whole run.
type junitCounts struct {
	Tests    int    `xml:"tests,attr"`
	Failures int    `xml:"failures,attr"`
	Errors   int    `xml:"errors,attr"`
	Skipped  int    `xml:"skipped,attr"`
	Time     string `xml:"time,attr"`
	took     time.Duration
}

// add counts one result.
func (c *junitCounts) add(r Result) {
	c.Tests++
	switch r.Outcome {
	case Failed:
		c.Failures++
	case Error:
		c.Errors++
	case Skipped:
		c.Skipped++
	}
	c.took += r.Took
	c.Time = secs(c.took)
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
			c.Failure = msg
		case Error:
			c.Error = msg
		case Skipped:
			c.Skipped = msg
		}
		s.add(r)
		top.add(r)
		s.Cases = append(s.Cases, c)
	}
	top.Time = secs(top.took) // also for no results at all
	b, err := xml.MarshalIndent(top, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
