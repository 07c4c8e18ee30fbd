package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/assetcompute/assetcompute/pkg/workertest"
)

// exitSetup is the exit status of acs test-worker when the cases could
// not be run at all (no cases folder, a build failure), as aio's.
const exitSetup = 3

// cmdTestWorker runs worker test cases: acs test-worker [ACTION] [CASE-GLOB].
func cmdTestWorker(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("acs test-worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cases := fs.String("cases", "", "folder holding <action>/<case>/ (default test/cases, or test/asset-compute when only it exists)")
	actionFlag := fs.String("a", "", "the worker to test, as aio's -a; then the only argument is CASE-GLOB")
	build := fs.String("build", "", "write test-results/test-ACTION/{test-results.xml,test-timing-results.csv,failed/} under this folder (default build for an aio layout)")
	dir := fs.String("dir", "", "Go main package of the action (default actions/ACTION); for a worker outside this repository")
	exe := fs.String("exec", "", "a built action executable to test instead of building one")
	update := fs.Bool("u", false, "rewrite the expected outputs from what the action produces")
	junit := fs.String("junit", "", "write a JUnit XML report to this file")
	minPSNR := fs.Float64("min-psnr", workertest.DefaultMinPSNR, "image similarity threshold in dB (higher is stricter)")
	ignore := fs.String("ignore-keys", strings.Join(workertest.DefaultIgnoreKeys, ","), "comma-separated JSON keys and XMP properties to ignore (path.Match patterns)")
	timeout := fs.Duration("timeout", workertest.DefaultActivationTimeout, "activation deadline of each case")
	parallel := fs.Int("j", 2, "cases run at once")
	verbose := fs.Bool("v", false, "show the action's logs and every case")
	var env multiFlag
	fs.Var(&env, "env", "KEY=VALUE added to the action's environment (repeatable)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: acs test-worker [flags] [ACTION] [CASE-GLOB]

Builds the worker action and runs its cases, test/cases/ACTION/CASE/, through
the OpenWhisk action loop. Without ACTION, runs every action under -cases.
A case folder holds file.* (the source), params.json (the instructions; an
errorReason key makes it an expected failure), rendition.* (the expected
output), and optionally metadata.json, mock-<host>.json, action-params.json,
case.json and validate. A suite laid out for aio asset-compute test-worker,
test/asset-compute/WORKER/CASE/, runs unchanged. See docs/custom-workers.md.
Exit status: 0 all cases passed, 1 some failed, 2 some cases are invalid (or
the command line is), 3 the cases could not be run at all.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitInvalid
	}
	posArgs := fs.Args()
	if *actionFlag != "" {
		posArgs = append([]string{*actionFlag}, posArgs...)
	}
	if len(posArgs) > 2 {
		fs.Usage()
		return exitInvalid
	}
	arg := func(i int) string {
		if i < len(posArgs) {
			return posArgs[i]
		}
		return ""
	}
	envMap := map[string]string{}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			fmt.Fprintf(stderr, "acs test-worker: -env %q: want KEY=VALUE\n", kv)
			return exitInvalid
		}
		envMap[k] = v
	}
	if *cases == "" {
		*cases = filepath.Join("test", "cases")
		if !isDir(*cases) && isDir(workertest.AIOCasesDir) {
			*cases = workertest.AIOCasesDir
		}
	}
	layout := workertest.LayoutACS
	if abs, err := filepath.Abs(*cases); err == nil && filepath.Base(abs) == "asset-compute" {
		layout = workertest.LayoutAIO
		if *build == "" {
			*build = "build"
		}
	}
	actions := []string{arg(0)}
	if arg(0) == "" {
		if *dir != "" || *exe != "" {
			fmt.Fprintln(stderr, "acs test-worker: -dir and -exec need an ACTION")
			return exitInvalid
		}
		var err error
		if actions, err = workertest.Actions(*cases); err != nil {
			fmt.Fprintln(stderr, "acs test-worker:", err)
			return exitSetup
		}
	} else if !isDir(filepath.Join(*cases, arg(0))) {
		fmt.Fprintf(stderr, "acs test-worker: no tests found for action %s, missing directory: %s\n", arg(0), filepath.Join(*cases, arg(0)))
		return exitSetup
	}
	var logw io.Writer
	if *verbose {
		logw = stderr
	}
	var suites []*workertest.Suite
	status := exitOK
	errors := false
	for _, action := range actions {
		opts := workertest.Options{
			CasesDir: *cases, Action: action, Glob: arg(1), Exec: *exe, BuildDir: *dir,
			Update: *update, MinPSNR: *minPSNR, IgnoreKeys: splitList(*ignore), Env: envMap,
			Timeout: *timeout, Parallel: *parallel, Log: logw, Layout: layout,
		}
		results := ""
		if *build != "" {
			results = workertest.ResultsDir(*build, action)
			opts.FailedDir = filepath.Join(results, workertest.FailedDir)
			if err := os.RemoveAll(opts.FailedDir); err != nil {
				fmt.Fprintln(stderr, "acs test-worker:", err)
				return exitSetup
			}
		}
		suite, err := workertest.Run(ctx, opts)
		if err != nil {
			fmt.Fprintf(stderr, "acs test-worker: %s: %v\n", action, err)
			return exitSetup
		}
		suites = append(suites, suite)
		printSuite(stdout, suite, *verbose, *update)
		if results != "" {
			if err := workertest.WriteResults(results, suite); err != nil {
				fmt.Fprintln(stderr, "acs test-worker:", err)
				return exitSetup
			}
			fmt.Fprintf(stdout, "%s: results in %s\n", action, results)
		}
		if suite.Errors() > 0 {
			errors = true
		} else if suite.Failed() > 0 {
			status = exitFailed
		}
	}
	if errors {
		status = exitInvalid
	}
	if *junit != "" {
		if err := writeJUnitFile(*junit, suites); err != nil {
			fmt.Fprintln(stderr, "acs test-worker:", err)
			return exitSetup
		}
	}
	return status
}

// printSuite prints one line per failed (or, verbose, every) case and a
// summary line.
func printSuite(w io.Writer, s *workertest.Suite, verbose, update bool) {
	for _, r := range s.Results {
		switch {
		case update && r.Updated:
			fmt.Fprintf(w, "UPDATED %s/%s\n", s.Action, r.Case)
		case r.Skipped:
			fmt.Fprintf(w, "SKIP    %s/%s: %s\n", s.Action, r.Case, r.Message)
		case r.Error:
			fmt.Fprintf(w, "ERROR   %s/%s\n        %s\n", s.Action, r.Case, strings.ReplaceAll(r.Message, "\n", "\n        "))
		case !r.Passed:
			fmt.Fprintf(w, "FAIL    %s/%s (%s)\n        %s\n", s.Action, r.Case, r.Duration.Round(time.Millisecond), strings.ReplaceAll(r.Message, "\n", "\n        "))
		case verbose:
			fmt.Fprintf(w, "ok      %s/%s (%s)\n", s.Action, r.Case, r.Duration.Round(time.Millisecond))
		}
	}
	fmt.Fprintf(w, "%s: %d cases, %d passed, %d failed (%s)\n", s.Action, len(s.Results), len(s.Results)-s.Failed()-s.Skipped(), s.Failed(), s.Duration.Round(time.Millisecond))
	if n, e := s.Skipped(), s.Errors(); n > 0 || e > 0 {
		fmt.Fprintf(w, "%s: of which %d errors (invalid cases); %d skipped\n", s.Action, e, n)
	}
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func writeJUnitFile(name string, suites []*workertest.Suite) error {
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	if err := workertest.WriteJUnit(f, suites); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// splitList splits a comma-separated list, dropping empty entries.
func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}
