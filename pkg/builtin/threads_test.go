package builtin

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// A rendition that others wait on, alone in its activation, gets more
// libvips threads; in a batch, or when nothing waits on it, the engine's.
func TestAwaitedThreads(t *testing.T) {
	client, err := transfer.New(transfer.Options{AllowLocal: true})
	require.NoError(t, err)
	var mu sync.Mutex
	got := map[string]int{}
	w, err := worker.New(func(ctx context.Context, src *worker.Source, r *worker.Rendition) error {
		mu.Lock()
		got[r.Name] = awaitedThreads(src, r)
		mu.Unlock()
		return os.WriteFile(r.Path, []byte("x"), 0o600)
	}, worker.Options{Transfer: client, TempDir: t.TempDir()})
	require.NoError(t, err)
	dir := t.TempDir()
	src := filepath.Join(dir, "src.bin")
	require.NoError(t, os.WriteFile(src, []byte("source"), 0o600))
	run := func(keep []api.Target, names ...string) {
		req := &api.WorkerRequest{RequestID: "r", Source: api.Source{URL: src}, Keep: keep}
		for _, n := range names {
			req.Renditions = append(req.Renditions, api.Rendition{Name: n, Fmt: "png", Target: api.Target{URL: filepath.Join(dir, n)}})
		}
		for _, r := range w.Process(context.Background(), req).Renditions {
			require.Equal(t, api.StatusCreated, r.Status, "%s: %s", r.Name, r.Message)
		}
	}
	run([]api.Target{{URL: filepath.Join(dir, "keep", "alone.png")}}, "alone.png")
	run(nil, "unkept.png")
	run([]api.Target{{URL: filepath.Join(dir, "keep", "batched.png")}, {}}, "batched.png", "other.png")

	want := min(runtime.GOMAXPROCS(0), maxAwaitedThreads)
	if want < 2 {
		want = 0
	}
	assert.Equal(t, map[string]int{"alone.png": want, "unkept.png": 0, "batched.png": 0, "other.png": 0}, got)
}
