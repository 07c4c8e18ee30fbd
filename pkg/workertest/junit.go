package workertest

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"
)

// junitSuites is the root of a JUnit XML report.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the suites as a JUnit XML report, one testsuite per
// action and one testcase per case, the form CI servers read.
func WriteJUnit(w io.Writer, suites []*Suite) error {
	root := junitSuites{}
	var total time.Duration
	for _, s := range suites {
		js := junitSuite{Name: s.Action, Tests: len(s.Results), Failures: s.Failed(), Time: seconds(s.Duration)}
		for _, r := range s.Results {
			jc := junitCase{Name: r.Case, Classname: "test-worker." + s.Action, Time: seconds(r.Duration)}
			if !r.Passed {
				first := r.Message
				if i := indexNewline(first); i >= 0 {
					first = first[:i]
				}
				jc.Failure = &junitFailure{Message: first, Text: r.Message}
			}
			js.Cases = append(js.Cases, jc)
		}
		root.Tests += js.Tests
		root.Failures += js.Failures
		total += s.Duration
		root.Suites = append(root.Suites, js)
	}
	root.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("workertest: writing the JUnit report: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return fmt.Errorf("workertest: writing the JUnit report: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

func indexNewline(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return i
		}
	}
	return -1
}
