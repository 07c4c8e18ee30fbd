package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/process"
)

func TestProcessRunsCustomWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the script worker action: skipped in -short mode")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src.txt")
	require.NoError(t, os.WriteFile(src, []byte("hello\n"), 0o644))
	req := filepath.Join(dir, "req.json")
	require.NoError(t, os.WriteFile(req, []byte(fmt.Sprintf(`{"source": %q, "renditions": [
		{"name": "sum.txt", "worker": "checksum", "algorithm": "md5", "target": %q},
		{"name": "other.txt", "worker": "other", "target": %q}]}`,
		src, filepath.Join(dir, "out", "sum.txt"), filepath.Join(dir, "out", "other.txt"))), 0o644))

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"process", "-f", req,
		"-worker", "checksum=" + filepath.Join("..", "..", "actions", "script-worker"), "-param", "unused=1"}, nil, &stdout, &stderr)
	assert.Equal(t, exitFailed, code, "one rendition is not allow-listed; stderr: %s", stderr.String())
	var res process.Result
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res), stdout.String())
	require.Len(t, res.Events, 2)
	assert.Equal(t, "rendition_created", string(res.Events[0].Type), res.Events[0].ErrorMessage)
	assert.Equal(t, "md5", res.Events[0].Metadata["checksum:algorithm"])
	out, err := os.ReadFile(filepath.Join(dir, "out", "sum.txt"))
	require.NoError(t, err)
	assert.Equal(t, "b1946ac92492d2347c6235b4d2611184\n", string(out))
	assert.Equal(t, "RenditionFormatUnsupported", string(res.Events[1].ErrorReason))
}

func TestProcessWorkerFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no NAME=PATH", []string{"-worker", "justaname"}},
		{"missing executable", []string{"-worker", "x=/nonexistent/exec"}},
		{"bad -param", []string{"-worker", "x=.", "-param", "novalue"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"process", "-f", "-"}, tc.args...)
			assert.Equal(t, exitInvalid, run(context.Background(), args, bytes.NewReader([]byte(`{}`)), &stdout, &stderr))
		})
	}
}
