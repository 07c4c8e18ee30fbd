package owaction_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/owaction"
)

// startTestAction starts the test action as a Process in a fresh directory.
func startTestAction(t *testing.T, opts owaction.ProcessOptions) *owaction.Process {
	t.Helper()
	dir := t.TempDir()
	exe, err := os.ReadFile(testActionExec(t))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "exec"), exe, 0o755))
	p, err := owaction.StartProcess(context.Background(), dir, map[string]string{"FOO": "bar"}, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func TestProcessRun(t *testing.T) {
	t.Parallel()
	p := startTestAction(t, owaction.ProcessOptions{})
	res, err := p.Run(context.Background(), []byte("{\n \"value\": {\"mode\": \"scalar\"}\n}"))
	require.NoError(t, err)
	assert.JSONEq(t, `{"result":42}`, string(res))

	_, err = p.Run(context.Background(), []byte(`{"value":`))
	require.ErrorIs(t, err, owaction.ErrInvalidActivation, "invalid JSON is refused before it reaches the action")
	assert.False(t, p.Exited())
}

func TestProcessRunKillsOnContextDeadline(t *testing.T) {
	t.Parallel()
	p := startTestAction(t, owaction.ProcessOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := p.Run(ctx, []byte(`{"value":{"mode":"sleep"}}`))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, p.Exited(), "the process was killed and reaped")

	_, err = p.Run(context.Background(), []byte(`{"value":{}}`))
	assert.ErrorIs(t, err, owaction.ErrExited)
}

func TestProcessRunReportsTheExitStatus(t *testing.T) {
	t.Parallel()
	p := startTestAction(t, owaction.ProcessOptions{})
	_, err := p.Run(context.Background(), []byte(`{"value":{"mode":"exit","code":5}}`))
	require.ErrorIs(t, err, owaction.ErrExited)
	assert.Contains(t, err.Error(), "exit status 5")
}

func TestProcessResultLimit(t *testing.T) {
	t.Parallel()
	p := startTestAction(t, owaction.ProcessOptions{MaxResultBytes: 100})
	_, err := p.Run(context.Background(), []byte(`{"value":{"mode":"huge","size":101}}`))
	require.True(t, errors.Is(err, owaction.ErrResultTooLarge), "got %v", err)
	res, err := p.Run(context.Background(), []byte(`{"value":{"mode":"huge","size":3}}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"data":"xxx"}`, string(res))
}

func TestStartProcessHonoursContext(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "exec"), []byte("#!/bin/sh\nsleep 30\n"), 0o755))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := owaction.StartProcess(ctx, dir, nil, owaction.ProcessOptions{})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestStartProcessWithoutExec(t *testing.T) {
	t.Parallel()
	_, err := owaction.StartProcess(context.Background(), t.TempDir(), nil, owaction.ProcessOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exec")
}

func TestZipAction(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	exe := filepath.Join(dir, "prog")
	require.NoError(t, os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o700))
	z, err := owaction.ZipAction(exe, "openwhisk/action-golang-v1.24")
	require.NoError(t, err)

	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	require.NoError(t, err)
	got := map[string]string{}
	modes := map[string]os.FileMode{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		rc.Close()
		got[f.Name] = string(b)
		modes[f.Name] = f.Mode()
	}
	assert.Equal(t, map[string]string{"exec": "#!/bin/sh\n", "exec.env": "openwhisk/action-golang-v1.24"}, got)
	assert.Equal(t, os.FileMode(0o755), modes["exec"])

	_, err = owaction.ZipAction(filepath.Join(dir, "missing"), "x")
	assert.Error(t, err)
}
