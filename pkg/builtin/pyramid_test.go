package builtin

import (
	"context"
	"encoding/json"
	stdimage "image"
	"image/color"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// TestThumbnailSeveralSizesOneEventEach: a request for several sizes of
// one photo (made from one decode, see image.Pyramid), one of which
// cannot be made, a smart crop and an analysis gets one result per
// rendition, in order: the failure is that rendition's alone.
func TestThumbnailSeveralSizesOneEventEach(t *testing.T) {
	dir := t.TempDir()
	handlers := testHandlers(t, worker.Options{TempDir: dir, Parallelism: 2})

	img := stdimage.NewNRGBA(stdimage.Rect(0, 0, 1600, 1200))
	for y := 0; y < 1200; y++ {
		for x := 0; x < 1600; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x / 7), uint8(y / 5), uint8((x * y) >> 9), 255})
		}
	}
	src := writeImage(t, t.TempDir(), "photo.jpg", img, 90)
	out := t.TempDir()
	type want struct {
		name   string
		w, h   int
		reason api.Reason
	}
	rends := []map[string]any{
		{"name": "a.jpg", "fmt": "jpg", "width": 1024, "height": 1024, "quality": 80},
		{"name": "b.png", "fmt": "png", "width": 640, "height": 640},
		{"name": "c.jpg", "fmt": "jpg", "width": 319, "height": 319, "jpegSize": 100},
		{"name": "d.webp", "fmt": "webp", "width": 48, "height": 48},
		{"name": "e.jpg", "fmt": "jpg", "width": 200, "height": 200, "crop": "smart"},
		{"name": "f.json", "fmt": "analysis"},
	}
	wants := []want{
		{"a.jpg", 1024, 768, ""}, {"b.png", 640, 480, ""}, {"c.jpg", 0, 0, api.ReasonRenditionTooLarge},
		{"d.webp", 48, 36, ""}, {"e.jpg", 200, 200, ""}, {"f.json", 0, 0, ""},
	}
	var list []any
	for _, r := range rends {
		r["target"] = filepath.Join(out, r["name"].(string))
		list = append(list, r)
	}
	raw, err := json.Marshal(map[string]any{"requestId": "r", "source": src, "renditions": list})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := handlers[ThumbnailAction](ctx, raw)
	require.NoError(t, err)
	results := res.(*api.WorkerResult).Renditions
	require.Len(t, results, len(wants))
	for i, w := range wants {
		r := results[i]
		assert.Equal(t, w.name, r.Name)
		target := filepath.Join(out, w.name)
		if w.reason != "" {
			assert.Equal(t, api.StatusFailed, r.Status, w.name)
			assert.Equal(t, w.reason, r.Reason, "%s: %s", w.name, r.Message)
			assert.NoFileExists(t, target)
			continue
		}
		require.Equal(t, api.StatusCreated, r.Status, "%s: %s", w.name, r.Message)
		assert.FileExists(t, target)
		if w.w > 0 {
			assert.EqualValues(t, w.w, r.Metadata[api.MetadataWidth], w.name)
			assert.EqualValues(t, w.h, r.Metadata[api.MetadataHeight], w.name)
		}
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "no activation directory left")
}
