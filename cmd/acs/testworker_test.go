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
		{"no cases folder", []string{"test-worker", "-cases", "/nonexistent"}},
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
