package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scriptCases writes a cases folder for the script-worker action with one
// passing case, one whose expected output is wrong, and one expected
// failure.
func scriptCases(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(root, "script-worker", rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	write("good/file.txt", "hello\n")
	write("good/params.json", `{"worker":"script-worker","name":"sum.txt","algorithm":"md5"}`)
	write("good/rendition.txt", "  b1946ac92492d2347c6235b4d2611184 \n")
	write("stale/file.txt", "hello again\n")
	write("stale/params.json", `{"worker":"script-worker","name":"sum.txt","algorithm":"md5"}`)
	write("stale/rendition.txt", "0000\n")
	write("refused/file.txt", "x")
	write("refused/params.json", `{"worker":"script-worker","name":"sum.txt","algorithm":"crc","errorReason":"RenditionFormatUnsupported"}`)
	return root
}

func TestTestWorkerCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the script worker action: skipped in -short mode")
	}
	cases := scriptCases(t)
	dir := filepath.Join("..", "..", "actions", "script-worker")
	junit := filepath.Join(t.TempDir(), "report.xml")
	args := []string{"test-worker", "-cases", cases, "-dir", dir, "-junit", junit, "script-worker"}

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, nil, &stdout, &stderr)
	assert.Equal(t, exitFailed, code, "stderr: %s", stderr.String())
	assert.Contains(t, stdout.String(), "FAIL    script-worker/stale")
	assert.Contains(t, stdout.String(), "script-worker: 3 cases, 2 passed, 1 failed")
	report, err := os.ReadFile(junit)
	require.NoError(t, err)
	assert.Contains(t, string(report), `<testsuite name="script-worker" tests="3" failures="1"`)
	assert.Contains(t, string(report), `<testcase name="stale" classname="test-worker.script-worker"`)

	stdout.Reset()
	code = run(context.Background(), []string{"test-worker", "-cases", cases, "-dir", dir, "-u", "script-worker", "st*"}, nil, &stdout, &stderr)
	assert.Equal(t, exitOK, code, "stderr: %s", stderr.String())
	assert.Contains(t, stdout.String(), "UPDATED script-worker/stale")

	stdout.Reset()
	code = run(context.Background(), []string{"test-worker", "-cases", cases, "-dir", dir, "script-worker"}, nil, &stdout, &stderr)
	assert.Equal(t, exitOK, code, "after -u every case passes: %s", stdout.String())
}

func TestTestWorkerCommandLineErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"too many arguments", []string{"test-worker", "a", "b", "c"}},
		{"-dir without an action", []string{"test-worker", "-dir", "."}},
		{"bad -env", []string{"test-worker", "-env", "NOEQUALS", "x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			assert.Equal(t, exitInvalid, run(context.Background(), tc.args, nil, &stdout, &stderr))
		})
	}
}

func TestTestWorkerSetupErrorsExit3(t *testing.T) {
	broken := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(broken, "main.go"), []byte("package main\n\nfunc main() { undefined() }\n"), 0o644))
	cases := filepath.Join(t.TempDir(), "asset-compute")
	require.NoError(t, os.MkdirAll(filepath.Join(cases, "worker", "one"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(cases, "worker", "one", "file.txt"), []byte("x"), 0o644))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no cases folder", []string{"test-worker", "-cases", "/nonexistent"}, "/nonexistent"},
		{"no folder for the action", []string{"test-worker", "-cases", cases, "-a", "other"}, "no tests found for action other"},
		{"the worker does not build", []string{"test-worker", "-cases", cases, "-build", t.TempDir(), "-dir", broken, "worker"}, "go build"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			assert.Equal(t, exitSetup, run(context.Background(), tc.args, nil, &stdout, &stderr))
			assert.Contains(t, stderr.String(), tc.want)
		})
	}
}

// templateCases is the generator's template project: its aio worker
// cases (test/asset-compute/worker/) and a Go worker equivalent to its
// template worker (worker/).
var templateCases = filepath.Join("..", "..", "test", "aio-template")

// TestTestWorkerAIOSuite runs a suite laid out for aio asset-compute
// test-worker: the generator's cases plus a failing validate script and
// an invalid case, and checks the exit status and the files aio writes.
func TestTestWorkerAIOSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a worker action: skipped in -short mode")
	}
	project := t.TempDir()
	cases := filepath.Join(project, "test", "asset-compute")
	require.NoError(t, os.CopyFS(cases, os.DirFS(filepath.Join(templateCases, "test", "asset-compute"))))
	worker := filepath.Join(templateCases, "worker")
	build := filepath.Join(project, "build")
	args := []string{"test-worker", "-cases", cases, "-build", build, "-dir", worker, "-a", "worker"}

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, nil, &stdout, &stderr)
	require.Equal(t, exitOK, code, "stdout: %s\nstderr: %s", stdout.String(), stderr.String())
	results := filepath.Join(build, "test-results", "test-worker")
	report, err := os.ReadFile(filepath.Join(results, "test-results.xml"))
	require.NoError(t, err)
	assert.Contains(t, string(report), `<testsuite name="Worker unit tests for worker" tests="2" failures="0" errors="0" skipped="0" expectedErrors="1"`)
	timing, err := os.ReadFile(filepath.Join(results, "test-timing-results.csv"))
	require.NoError(t, err)
	assert.Regexp(t, `^name,processing time,test time\ncorrupt-input,[0-9.]+,[0-9.]+\nsimple-test,[0-9.]+,[0-9.]+\ntotal,`, string(timing))

	// A failing validate script fails its case: exit 1, and the rendition
	// is kept under failed/.
	bad := filepath.Join(cases, "worker", "validate-fails")
	require.NoError(t, os.CopyFS(bad, os.DirFS(filepath.Join(cases, "worker", "simple-test"))))
	require.NoError(t, os.WriteFile(filepath.Join(bad, "validate"), []byte("exit 1\n"), 0o644))
	stdout.Reset()
	code = run(context.Background(), args, nil, &stdout, &stderr)
	assert.Equal(t, exitFailed, code, "stdout: %s", stdout.String())
	assert.Contains(t, stdout.String(), "FAIL    worker/validate-fails")
	_, err = os.Stat(filepath.Join(results, "failed", "validate-fails", "rendition.jpg"))
	assert.NoError(t, err, "the failed rendition is kept")
	report, err = os.ReadFile(filepath.Join(results, "test-results.xml"))
	require.NoError(t, err)
	assert.Contains(t, string(report), `tests="3" failures="1" errors="0"`)

	// An invalid case is an error (exit 2), reported beside the others.
	invalid := filepath.Join(cases, "worker", "invalid")
	require.NoError(t, os.MkdirAll(invalid, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(invalid, "file.jpg"), []byte("x"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(invalid, "params.json"), []byte(`{"errorReason": "Nonsense"}`), 0o644))
	stdout.Reset()
	code = run(context.Background(), args, nil, &stdout, &stderr)
	assert.Equal(t, exitInvalid, code, "stdout: %s", stdout.String())
	assert.Contains(t, stdout.String(), "ERROR   worker/invalid")
	assert.Contains(t, stdout.String(), "worker: 4 cases, 2 passed, 2 failed")
	report, err = os.ReadFile(filepath.Join(results, "test-results.xml"))
	require.NoError(t, err)
	assert.Contains(t, string(report), `tests="4" failures="1" errors="1"`)
	assert.Contains(t, string(report), `<error message="workertest: case worker/invalid: errorReason`)
}

// TestTestWorkerAIOProjectDefaults runs acs test-worker from the root of
// an aio project, which has test/asset-compute and no test/cases: the
// cases are found there and the reports land in build/, as aio's do.
func TestTestWorkerAIOProjectDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a worker action: skipped in -short mode")
	}
	worker, err := filepath.Abs(filepath.Join(templateCases, "worker"))
	require.NoError(t, err)
	cases, err := filepath.Abs(filepath.Join(templateCases, "test", "asset-compute"))
	require.NoError(t, err)
	project := t.TempDir()
	require.NoError(t, os.CopyFS(filepath.Join(project, "test", "asset-compute"), os.DirFS(cases)))
	t.Chdir(project)

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"test-worker", "-dir", worker, "-a", "worker", "simple-*"}, nil, &stdout, &stderr)
	require.Equal(t, exitOK, code, "stdout: %s\nstderr: %s", stdout.String(), stderr.String())
	assert.Contains(t, stdout.String(), "worker: 1 cases, 1 passed, 0 failed")
	report, err := os.ReadFile(filepath.Join(project, "build", "test-results", "test-worker", "test-results.xml"))
	require.NoError(t, err)
	assert.Contains(t, string(report), `<testcase name="simple-test"`)
	assert.NotContains(t, string(report), "corrupt-input", "the case glob selects the cases")
}
