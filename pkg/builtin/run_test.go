package builtin

import (
	"bytes"
	"context"
	"encoding/json"
	stdimage "image"
	"image/jpeg"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// runRendition makes one rendition of source with handler (an action's
// handler, such as Handlers(...)[ThumbnailAction]), the deployment
// settings params added to the activation's parameters, and returns its
// result and the local file it was written to (a target of the test's
// own). The rendition map is not changed.
func runRendition(t *testing.T, handler invoke.Handler, source string, rendition, params map[string]any) (api.RenditionResult, string) {
	t.Helper()
	r := map[string]any{}
	for k, v := range rendition {
		r[k] = v
	}
	out := filepath.Join(t.TempDir(), "out."+r["fmt"].(string))
	r["name"], r["target"] = filepath.Base(out), out
	p := map[string]any{"requestId": "r", "source": source, "renditions": []any{r}}
	for k, v := range params {
		p[k] = v
	}
	raw, err := json.Marshal(p)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := handler(ctx, raw)
	require.NoError(t, err)
	rr := res.(*api.WorkerResult).Renditions
	require.Len(t, rr, 1)
	return rr[0], out
}

// testHandlers returns the built-in actions' handlers as Handlers builds
// them, with a transfer client allowing local files and logs discarded;
// o's other fields (TempDir, Parallelism, limits) are kept.
func testHandlers(t testing.TB, o worker.Options) map[string]invoke.Handler {
	t.Helper()
	return testHandlersWith(t, o, image.Options{})
}

// testHandlersWith is testHandlers with the image engine's options.
func testHandlersWith(t testing.TB, o worker.Options, imageOpts image.Options) map[string]invoke.Handler {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	tc, err := transfer.New(transfer.Options{AllowLocal: true, Logger: logger})
	require.NoError(t, err)
	o.Transfer, o.Logger = tc, logger
	handlers, err := Handlers(o, imageOpts)
	require.NoError(t, err)
	return handlers
}

// TestStepTimingsOfTheBuiltInWorkers checks the steps each built-in worker
// reports for its renditions' events: the image path splits encoding
// from the rest, the metadata path reports its extraction as render, a
// corrupt source has no encode step, and the parts never add up to more
// than the total.
func TestStepTimingsOfTheBuiltInWorkers(t *testing.T) {
	handlers := testHandlers(t, worker.Options{})
	dir := t.TempDir()
	src := filepath.Join(dir, "photo.jpg")
	img := stdimage.NewRGBA(stdimage.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, nil))
	require.NoError(t, os.WriteFile(src, buf.Bytes(), 0o644))
	corrupt := filepath.Join(dir, "corrupt.jpg")
	require.NoError(t, os.WriteFile(corrupt, buf.Bytes()[:buf.Len()/3], 0o644))

	tests := []struct {
		name, action, source string
		rendition            map[string]any
		want, absent         []string
	}{
		{"image", ThumbnailAction, src, map[string]any{"fmt": "png", "width": 32},
			[]string{"fetch", "render", "encode", "upload", "total"}, []string{"decode"}},
		{"metadata", MetadataAction, src, map[string]any{"fmt": "xmp"},
			[]string{"fetch", "render", "upload", "total"}, []string{"encode", "decode"}},
		{"corrupt image", ThumbnailAction, corrupt, map[string]any{"fmt": "png", "width": 32},
			[]string{"fetch", "render", "total"}, []string{"encode", "upload"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, _ := runRendition(t, handlers[tc.action], tc.source, tc.rendition, nil)
			for _, k := range tc.want {
				assert.Contains(t, res.Timings, k)
			}
			for _, k := range tc.absent {
				assert.NotContains(t, res.Timings, k)
			}
			sum := 0.0
			for k, v := range res.Timings {
				assert.GreaterOrEqual(t, v, 0.0, k)
				if k != "total" {
					sum += v
				}
			}
			assert.GreaterOrEqual(t, res.Timings["total"]+1e-9, sum, "%v", res.Timings)
		})
	}
}
