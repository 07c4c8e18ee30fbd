package process_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/process"
	"github.com/assetcompute/assetcompute/pkg/workertest"
)

// customWorkerExe is the test custom worker (testdata/customworker), built
// once by TestMain; not in -short mode, where its tests are skipped.
var customWorkerExe string

func TestMain(m *testing.M) {
	flag.Parse()
	code := func() int {
		if testing.Short() {
			return m.Run()
		}
		dir, err := os.MkdirTemp("", "customworker-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if customWorkerExe, err = workertest.Build(ctx, filepath.Join("testdata", "customworker"), filepath.Join(dir, "exec")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// customProcessor returns an orchestrator that runs the test custom worker
// binary, under the action name acme/custom, through the action loop.
func customProcessor(t *testing.T, allowed ...string) *process.Processor {
	t.Helper()
	if customWorkerExe == "" {
		t.Skip("builds the test custom worker: skipped in -short mode")
	}
	action, err := workertest.NewAction("acme/custom", customWorkerExe, workertest.ActionOptions{Env: workertest.LocalEnv})
	require.NoError(t, err)
	t.Cleanup(func() { _ = action.Close() })
	p, err := process.New(process.Options{
		Invoker:        invoke.NewInProcess(map[string]invoke.Handler{"acme/custom": action.Handle}),
		AllowedWorkers: allowed,
		BatchSize:      3,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	return p
}

// customRequest builds a request for a local source with one rendition
// per mode, each routed to worker.
func customRequest(t *testing.T, worker string, modes ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "source.bin")
	require.NoError(t, os.WriteFile(src, []byte("source"), 0o644))
	var rs []string
	for i, m := range modes {
		rs = append(rs, fmt.Sprintf(`{"name":"r%d-%s.txt","worker":%q,"mode":%q,"target":%q}`, i, m, worker, m, filepath.Join(dir, fmt.Sprintf("out%d.txt", i))))
	}
	return []byte(fmt.Sprintf(`{"requestId":"req-1","source":%q,"renditions":[%s]}`, src, strings.Join(rs, ",")))
}

func TestCustomWorkerOutcomesBecomeEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		worker  string
		modes   []string
		timeout time.Duration
		reasons []api.Reason // "" for created
		message string
	}{
		{name: "an allow-listed worker's renditions are created", worker: "acme/custom",
			modes: []string{"ok"}, reasons: []api.Reason{""}},
		{name: "a worker that is not on the allow-list is never invoked", worker: "acme/other",
			modes: []string{"ok"}, reasons: []api.Reason{api.ReasonRenditionFormatUnsupported}, message: "allow-list"},
		{name: "a panic in the function fails its rendition only", worker: "acme/custom",
			modes: []string{"panic", "ok"}, reasons: []api.Reason{api.ReasonGeneric, ""}, message: "panic"},
		{name: "a crashed process fails its whole batch", worker: "acme/custom",
			modes: []string{"crash", "ok"}, reasons: []api.Reason{api.ReasonGeneric, api.ReasonGeneric}, message: "crashed"},
		{name: "no rendition written", worker: "acme/custom",
			modes: []string{"none"}, reasons: []api.Reason{api.ReasonGeneric}, message: "no output"},
		{name: "a rendition larger than the limit", worker: "acme/custom",
			modes: []string{"large"}, reasons: []api.Reason{api.ReasonRenditionTooLarge}, message: "more than the limit"},
		{name: "dc:format set to a number fails its rendition only", worker: "acme/custom",
			modes: []string{"badformat", "ok"}, reasons: []api.Reason{api.ReasonGeneric, ""}, message: `dc:format must be a media type string such as "image/png", got 42 (int)`},
		{name: "repo:size set to a string fails its rendition only", worker: "acme/custom",
			modes: []string{"badsize", "ok"}, reasons: []api.Reason{api.ReasonGeneric, ""}, message: `repo:size must be an integer of at least 0, got "twelve" (string)`},
		{name: "metadata JSON cannot hold fails its rendition only", worker: "acme/custom",
			modes: []string{"unencodable", "ok"}, reasons: []api.Reason{api.ReasonGeneric, ""}, message: "acme:callback cannot be written as JSON"},
		{name: "the worker's own reason is kept", worker: "acme/custom",
			modes: []string{"corrupt"}, reasons: []api.Reason{api.ReasonSourceCorrupt}},
		// The worker's watchdog fires a tenth of the time left before the
		// orchestrator's own deadline and its result is due half of that
		// later: 10 s leaves it 0.45 s to reach the orchestrator, which a
		// busy machine still allows (4 s left it 0.18 s).
		{name: "a worker past its deadline times out, its batch-mates do not", worker: "acme/custom", timeout: 10 * time.Second,
			modes: []string{"slow", "ok"}, reasons: []api.Reason{api.ReasonTimeout, ""}, message: "deadline"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := customProcessor(t, "acme/custom")
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			res := p.Process(ctx, customRequest(t, tc.worker, tc.modes...))
			require.Nil(t, res.Error)
			require.Len(t, res.Events, len(tc.modes), "exactly one event per rendition")
			for i, ev := range res.Events {
				if tc.reasons[i] == "" {
					assert.Equal(t, api.EventRenditionCreated, ev.Type, "rendition %d: %s", i, ev.ErrorMessage)
					continue
				}
				assert.Equal(t, api.EventRenditionFailed, ev.Type, "rendition %d", i)
				assert.Equal(t, tc.reasons[i], ev.ErrorReason, "rendition %d: %s", i, ev.ErrorMessage)
				if i == 0 {
					assert.Contains(t, ev.ErrorMessage, tc.message)
				}
			}
		})
	}
}

func TestCustomWorkerRenditionsAreBatched(t *testing.T) {
	t.Parallel()
	p := customProcessor(t, "acme/custom")
	modes := []string{"ok", "ok", "ok", "ok", "ok", "ok", "ok"}
	res := p.Process(context.Background(), customRequest(t, "acme/custom", modes...))
	require.True(t, res.AllCreated(), "%+v", res.Renditions)
	for i, ev := range res.Events {
		assert.Equal(t, fmt.Sprintf("r%d-ok.txt", i), ev.Rendition.Name)
		assert.EqualValues(t, len("made by ok"), ev.Metadata["repo:size"])
		var extra string
		require.NoError(t, json.Unmarshal(ev.Rendition.Extra["mode"], &extra), "unknown keys reach the worker and the event")
		assert.Equal(t, "ok", extra)
	}
}
