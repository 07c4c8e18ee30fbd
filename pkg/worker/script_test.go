package worker_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

func TestScriptOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		script  string
		timeout time.Duration
		status  api.Status
		reason  api.Reason
		message string
		data    string
	}{
		{name: "paths as arguments and variables agree",
			script: `[ "$1" = "$ACS_SOURCE" ] && [ "$2" = "$ACS_RENDITION" ] && [ "$3" = "$ACS_INSTRUCTIONS" ] && /bin/cat "$3" >"$2"`,
			status: api.StatusCreated, data: `{"embedBinaryLimit":1000,"name":"out.json","worker":"w"}`},
		{name: "PATH is not needed for builtins", script: `echo "$ACS_PARAM_NAME" >"$ACS_RENDITION"`,
			status: api.StatusCreated, data: "out.json\n"},
		{name: "non-zero exit without a reason file is GenericError", script: `exit 3`,
			status: api.StatusFailed, reason: api.ReasonGeneric, message: "exit status 3"},
		{name: "reason file wins even with exit 0", script: `echo hi >"$2"; printf 'SourceCorrupt\nbad header\n' >"$ACS_REASON_FILE"`,
			status: api.StatusFailed, reason: api.ReasonSourceCorrupt, message: "bad header"},
		{name: "unknown reason becomes GenericError with the text", script: `echo 'Nope' >"$ACS_REASON_FILE"; exit 1`,
			status: api.StatusFailed, reason: api.ReasonGeneric, message: "Nope"},
		{name: "no output is GenericError", script: `exit 0`,
			status: api.StatusFailed, reason: api.ReasonGeneric, message: "no output"},
		{name: "a script past the deadline is killed with its children", script: `/bin/sleep 30; echo late >"$2"`,
			timeout: 1500 * time.Millisecond, status: api.StatusFailed, reason: api.ReasonTimeout},
		{name: "invalid metadata file fails", script: `echo x >"$2"; echo '[1]' >"$ACS_METADATA_FILE"`,
			status: api.StatusFailed, reason: api.ReasonGeneric, message: "metadata file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Written before the subtests run in parallel: a script still
			// open for writing in a child another subtest forks meanwhile
			// cannot be run (ETXTBSY).
			dir := t.TempDir()
			src := filepath.Join(dir, "src.bin")
			require.NoError(t, os.WriteFile(src, []byte("source"), 0o644))
			script := filepath.Join(dir, "w.sh")
			require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\n"+tc.script+"\n"), 0o755))
			t.Parallel()
			opts := localOptions()
			opts.WatchdogMargin = 200 * time.Millisecond
			w, err := worker.New(worker.Script(script, worker.ScriptOptions{Log: io.Discard}), opts)
			require.NoError(t, err)
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			start := time.Now()
			res := w.Process(ctx, request(src, `{"name":"out.json","worker":"w","embedBinaryLimit":1000}`))
			r := res.Renditions[0]
			assert.Equal(t, tc.status, r.Status, r.Message)
			assert.Equal(t, tc.reason, r.Reason)
			assert.Contains(t, r.Message, tc.message)
			if tc.data != "" {
				assert.Contains(t, r.Data, ";base64,")
				assert.Equal(t, tc.data, decodeData(t, r.Data))
			}
			assert.Less(t, time.Since(start), 10*time.Second)
		})
	}
}
