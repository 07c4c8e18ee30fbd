package owaction

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStartRetriesABusyExecutable: an executable still open for writing
// somewhere (here by the test; in a server, by a child forked while the
// file was being unpacked) cannot be run (ETXTBSY). The start is tried
// again once it is free, and other errors are not retried.
func TestStartRetriesABusyExecutable(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, ExecName)
	w, err := os.OpenFile(exe, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	require.NoError(t, err)
	_, err = w.WriteString("#!/bin/sh\necho '{\"ok\":true}' >&3\nwhile read line; do echo '{}' >&3; done\n")
	require.NoError(t, err)
	opts := ProcessOptions{}.withDefaults()

	attempts := 0
	p, err := startBusyRetry(t.Context(), exe, func() (*Process, error) {
		attempts++
		p, err := startOnce(exe, dir, nil, opts)
		if attempts == 1 {
			assert.ErrorIs(t, err, syscall.ETXTBSY, "a file open for writing cannot run")
			require.NoError(t, w.Close())
		}
		return p, err
	})
	require.NoError(t, err)
	go p.reap()
	defer p.Close()
	require.NoError(t, p.awaitAck(t.Context()))
	assert.Equal(t, 2, attempts)

	t.Run("other errors are not retried", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), ExecName)
		attempts := 0
		_, err := startBusyRetry(t.Context(), missing, func() (*Process, error) {
			attempts++
			return startOnce(missing, filepath.Dir(missing), nil, opts)
		})
		require.ErrorIs(t, err, os.ErrNotExist)
		assert.Equal(t, 1, attempts)
	})
	t.Run("still busy when the context ends", func(t *testing.T) {
		dir := t.TempDir()
		exe := filepath.Join(dir, ExecName)
		w, err := os.OpenFile(exe, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
		require.NoError(t, err)
		defer w.Close()
		ctx, cancel := context.WithCancel(t.Context())
		attempts := 0
		_, err = startBusyRetry(ctx, exe, func() (*Process, error) {
			attempts++
			cancel()
			return startOnce(exe, dir, nil, opts)
		})
		require.ErrorIs(t, err, syscall.ETXTBSY)
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, attempts)
	})
}
