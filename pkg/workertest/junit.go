package workertest

import (
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// junitSuites is the root of a JUnit XML report.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	XMLName        xml.Name    `xml:"testsuite"`
	Name           string      `xml:"name,attr"`
	Tests          int         `xml:"tests,attr"`
	Failures       int         `xml:"failures,attr"`
	Errors         int         `xml:"errors,attr"`
	Skipped        int         `xml:"skipped,attr"`
	ExpectedErrors int         `xml:"expectedErrors,attr"`
	Time           string      `xml:"time,attr"`
	Cases          []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
	Skipped   *struct{}     `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the suites as a JUnit XML report, one testsuite per
// action and one testcase per case, the form CI servers read. A case that
// did not match its expectations is a failure; one that could not run
// (an invalid case) an error.
func WriteJUnit(w io.Writer, suites []*Suite) error {
	root := junitSuites{}
	var total time.Duration
	for _, s := range suites {
		js := junitFromSuite(s, s.Action)
		root.Tests += js.Tests
		root.Failures += js.Failures
		root.Errors += js.Errors
		root.Skipped += js.Skipped
		total += s.Duration
		root.Suites = append(root.Suites, js)
	}
	root.Time = seconds(total)
	return writeXML(w, root)
}

// WriteJUnitSuite writes one action's suite as a JUnit XML report whose
// root is its testsuite, named "Worker unit tests for <action>", as
// `aio asset-compute test-worker` writes test-results.xml.
func WriteJUnitSuite(w io.Writer, s *Suite) error {
	return writeXML(w, junitFromSuite(s, "Worker unit tests for "+s.Action))
}

func junitFromSuite(s *Suite, name string) junitSuite {
	js := junitSuite{Name: name, Tests: len(s.Results), Errors: s.Errors(), Skipped: s.Skipped(), Time: seconds(s.Duration)}
	js.Failures = s.Failed() - js.Errors
	for _, r := range s.Results {
		jc := junitCase{Name: r.Case, Classname: "test-worker." + s.Action, Time: seconds(r.Duration)}
		first := r.Message
		if i := indexNewline(first); i >= 0 {
			first = first[:i]
		}
		switch {
		case r.Skipped:
			jc.Skipped = &struct{}{}
		case r.Error:
			jc.Error = &junitFailure{Message: first, Text: r.Message}
		case !r.Passed:
			jc.Failure = &junitFailure{Message: first, Text: r.Message}
		case r.ExpectedError:
			js.ExpectedErrors++
		}
		js.Cases = append(js.Cases, jc)
	}
	return js
}

func writeXML(w io.Writer, v any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("workertest: writing the JUnit report: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("workertest: writing the JUnit report: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteTimingCSV writes the timing report of `aio asset-compute
// test-worker` (test-timing-results.csv): a header line "name,processing
// time,test time", one line per case with the activation's and the
// case's seconds (empty for a case that did not run), and a "total" line.
func WriteTimingCSV(w io.Writer, s *Suite) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"name", "processing time", "test time"})
	var proc time.Duration
	for _, r := range s.Results {
		row := []string{r.Case, "", ""}
		if r.Duration > 0 {
			row[2] = fmt.Sprintf("%.3f", r.Duration.Seconds())
		}
		if r.ProcTime > 0 {
			row[1] = fmt.Sprintf("%.3f", r.ProcTime.Seconds())
			proc += r.ProcTime
		}
		_ = cw.Write(row)
	}
	_ = cw.Write([]string{"total", fmt.Sprintf("%.3f", proc.Seconds()), fmt.Sprintf("%.3f", s.Duration.Seconds())})
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("workertest: writing the timing report: %w", err)
	}
	return nil
}

// WriteResults writes an action's reports where `aio asset-compute
// test-worker` does, in dir (build/test-results/test-<action>/ by
// convention; see ResultsDir): test-results.xml (JUnit) and
// test-timing-results.csv.
func WriteResults(dir string, s *Suite) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("workertest: %w", err)
	}
	for name, write := range map[string]func(io.Writer, *Suite) error{
		TestResultsFile: WriteJUnitSuite,
		TimingFile:      WriteTimingCSV,
	} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("workertest: %w", err)
		}
		if err := write(f, s); err != nil {
			_ = f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("workertest: %w", err)
		}
	}
	return nil
}

// Report file and folder names, as aio writes them.
const (
	// TestResultsFile is the JUnit report of one action.
	TestResultsFile = "test-results.xml"
	// TimingFile is the timing report of one action.
	TimingFile = "test-timing-results.csv"
	// FailedDir holds the renditions of failed cases, <case>/<file>.
	FailedDir = "failed"
)

// ResultsDir is the reports folder of action under the build folder:
// <build>/test-results/test-<action>.
func ResultsDir(build, action string) string {
	return filepath.Join(build, "test-results", "test-"+action)
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
