package workertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCrashLogReport(t *testing.T) {
	var c crashLog
	_, _ = c.Write([]byte("starting\nsome log line\n"))
	assert.Empty(t, c.report(), "no crash in the output")

	_, _ = c.Write([]byte("panic: runtime error: index out of range\n\ngoroutine 7 [running]:\nmain.f()\n"))
	assert.True(t, strings.HasPrefix(c.report(), "panic: runtime error: index out of range"), c.report())
	assert.Contains(t, c.report(), "goroutine 7 [running]")

	_, _ = c.Write([]byte(strings.Repeat("x", 2*crashTailBytes)))
	assert.Empty(t, c.report(), "only the latest output is kept")

	_, _ = c.Write([]byte("\nfatal error: concurrent map writes\n" + strings.Repeat("trace\n", 1000)))
	r := c.report()
	assert.True(t, strings.HasPrefix(r, "fatal error: concurrent map writes"), r)
	assert.LessOrEqual(t, len(r), crashReportBytes)
}

// TestCrashedActionNamesTheCrash: an action process that dies in the
// middle of an activation is reported with the runtime's crash report,
// not only its exit status.
func TestCrashedActionNamesTheCrash(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "crash.sh")
	script := "#!/bin/sh\necho '{\"ok\":true}' >&3\nread line\necho 'an ordinary log line' >&2\necho 'panic: boom' >&2\necho 'goroutine 1 [running]:' >&2\nexit 2\n"
	require.NoError(t, os.WriteFile(exe, []byte(script), 0o755))
	a, err := NewAction("crash", exe, ActionOptions{Env: map[string]string{"PATH": os.Getenv("PATH")}})
	require.NoError(t, err)
	defer a.Close()
	_, err = a.Invoke(context.Background(), []byte(`{}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "action crash crashed")
	assert.Contains(t, err.Error(), "panic: boom")
	assert.NotContains(t, err.Error(), "an ordinary log line")
}
