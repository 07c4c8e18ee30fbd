package worker

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

func TestKeepStoresACopyBesideTheTarget(t *testing.T) {
	srv := newPutServer(t)
	w, _ := newTestWorker(t, writePNG(t, 12, 8), nil)
	keepDir := t.TempDir()
	req := &api.WorkerRequest{
		RequestID: "r",
		Source:    api.Source{URL: srv.URL + "/src.jpg"},
		Renditions: []api.Rendition{
			rendition("stored.png", "png", srv.URL+"/out/stored.png"),
			{Name: "embedded.png", Fmt: "png", EmbedBinaryLimit: int64p(30000)},
			{Name: "kept-only.png", Fmt: "png"},
			rendition("plain.png", "png", srv.URL+"/out/plain.png"),
		},
		Keep: []api.Target{
			{URL: filepath.Join(keepDir, "0.png")},
			{URL: filepath.Join(keepDir, "1.png")},
			{URL: filepath.Join(keepDir, "2.png")},
			{},
		},
	}
	// Keep survives the wire form (the intermediate without a target is
	// sent with its keep target as target by the orchestrator; here it
	// goes straight to Process).
	params, err := json.Marshal(req)
	require.NoError(t, err)
	var back struct {
		Keep []api.Target `json:"keep"`
	}
	require.NoError(t, json.Unmarshal(params, &back))
	assert.Equal(t, req.Keep, back.Keep)
	res := w.Process(context.Background(), req)
	require.Len(t, res.Renditions, 4)
	for _, r := range res.Renditions {
		require.Equal(t, api.StatusCreated, r.Status, "%s: %s", r.Name, r.Message)
	}
	want := pngBytes(t, 12, 8)
	assert.Equal(t, want, srv.body("/out/stored.png"))
	assert.NotEmpty(t, res.Renditions[1].Data, "an embedded rendition is still embedded")
	for i := range 3 {
		got, err := os.ReadFile(filepath.Join(keepDir, []string{"0.png", "1.png", "2.png"}[i]))
		require.NoError(t, err, i)
		assert.Equal(t, want, got, i)
	}
	assert.Equal(t, want, srv.body("/out/plain.png"))
	entries, _ := os.ReadDir(keepDir)
	assert.Len(t, entries, 3, "no copy of a rendition without a keep target")
}

func TestKeepFailureFailsTheRenditionBeforeItsUpload(t *testing.T) {
	srv := newPutServer(t)
	w, _ := newTestWorker(t, writePNG(t, 12, 8), nil)
	notADir := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(notADir, []byte("x"), 0o600))
	res := w.Process(context.Background(), &api.WorkerRequest{
		Source:     api.Source{URL: srv.URL + "/src.jpg"},
		Renditions: []api.Rendition{rendition("a.png", "png", srv.URL+"/out/a.png")},
		Keep:       []api.Target{{URL: filepath.Join(notADir, "sub", "a.png")}},
	})
	require.Len(t, res.Renditions, 1)
	r := res.Renditions[0]
	assert.Equal(t, api.StatusFailed, r.Status)
	assert.Contains(t, r.Message, `cannot keep rendition "a.png" for the renditions made from it`)
	assert.Nil(t, srv.body("/out/a.png"), "not uploaded when its copy could not be kept")
}

func TestRenditionKeptReportsTheKeepTarget(t *testing.T) {
	var mu sync.Mutex
	kept := map[string]bool{}
	write := writePNG(t, 4, 4)
	w, _ := newTestWorker(t, func(ctx context.Context, src *Source, r *Rendition) error {
		mu.Lock()
		kept[r.Name] = r.Kept()
		mu.Unlock()
		return write(ctx, src, r)
	}, nil)
	dir := t.TempDir()
	srcPath := filepath.Join(dir, "src.png")
	require.NoError(t, os.WriteFile(srcPath, pngBytes(t, 4, 4), 0o600))
	res := w.Process(context.Background(), &api.WorkerRequest{
		RequestID: "r",
		Source:    api.Source{URL: srcPath},
		Renditions: []api.Rendition{
			rendition("kept.png", "png", filepath.Join(dir, "kept.png")),
			rendition("plain.png", "png", filepath.Join(dir, "plain.png")),
		},
		Keep: []api.Target{{URL: filepath.Join(dir, "keep", "kept.png")}, {}},
	})
	for _, r := range res.Renditions {
		require.Equal(t, api.StatusCreated, r.Status, "%s: %s", r.Name, r.Message)
	}
	assert.Equal(t, map[string]bool{"kept.png": true, "plain.png": false}, kept)
}
