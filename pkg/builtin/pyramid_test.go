package builtin

import (
	"context"
	"encoding/json"
	stdimage "image"
	"image/color"
	"maps"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/invoke"
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
	results := runThumbnail(t, handlers, src, out, rends)
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

// mixedRequest runs the thumbnail action, built with an engine counting
// its source loads, over renditions of src (each a map, its name a file
// name in out) in one activation, and returns the results and the
// number of times the source's pixels were loaded.
func mixedRequest(t *testing.T, src, out string, rends []map[string]any) ([]api.RenditionResult, int64) {
	t.Helper()
	var loads atomic.Int64
	handlers := testHandlersWith(t, worker.Options{TempDir: t.TempDir(), Parallelism: 2},
		image.Options{OnSourceLoad: func(string) { loads.Add(1) }})
	results := runThumbnail(t, handlers, src, out, rends)
	require.Len(t, results, len(rends), "one result per rendition")
	return results, loads.Load()
}

// runThumbnail runs the thumbnail action of handlers over renditions of
// src (each a map, its name a file name in out; rends is not changed) in
// one activation and returns the results.
func runThumbnail(t *testing.T, handlers map[string]invoke.Handler, src, out string, rends []map[string]any) []api.RenditionResult {
	t.Helper()
	var list []any
	for _, r := range rends {
		c := maps.Clone(r)
		c["target"] = filepath.Join(out, r["name"].(string))
		list = append(list, c)
	}
	raw, err := json.Marshal(map[string]any{"requestId": "r", "source": src, "renditions": list})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := handlers[ThumbnailAction](ctx, raw)
	require.NoError(t, err)
	return res.(*api.WorkerResult).Renditions
}

// TestThumbnailMixedRequestDecodesOnce: a request for whole pictures,
// crops, a smart crop, a watermark, an analysis and metadata with an
// analysis merged in decodes the source once, in the thumbnail action's
// one activation; the rendition that cannot be made fails alone; the
// crops report what they show; the analyses match those of a request
// for the analysis alone, which decodes the source itself.
func TestThumbnailMixedRequestDecodesOnce(t *testing.T) {
	dir := t.TempDir()
	src := writeImage(t, dir, "photo.jpg", waves(1600, 1200, 2), 90)
	logo := writeImage(t, dir, "logo.png", waves(120, 60, 5), 0)
	rends := []map[string]any{
		{"name": "a.jpg", "fmt": "jpg", "width": 1024, "height": 1024},
		{"name": "b.png", "fmt": "png", "width": 319, "height": 319},
		{"name": "c.jpg", "fmt": "jpg", "width": 300, "crop": map[string]any{"x": 60, "y": 40, "w": 600, "h": 450}},
		{"name": "d.png", "fmt": "png", "width": 200, "height": 200, "crop": "smart"},
		{"name": "e.jpg", "fmt": "jpg", "width": 640, "height": 640, "watermark": map[string]any{"image": logo, "scale": 0.3}},
		{"name": "f.json", "fmt": "analysis", "features": []string{"colours", "hashes", "quality"}},
		{"name": "g.json", "fmt": "machine-metadata-json", "analysis": []string{"colours", "hashes"}},
		{"name": "h.jpg", "fmt": "jpg", "width": 319, "height": 319, "jpegSize": 100},
	}
	out := t.TempDir()
	results, loads := mixedRequest(t, src, out, rends)
	assert.EqualValues(t, 1, loads, "the source is decoded once for the whole request")
	for i, r := range results {
		name := rends[i]["name"].(string)
		assert.Equal(t, name, r.Name)
		if name == "h.jpg" {
			assert.Equal(t, api.StatusFailed, r.Status)
			assert.Equal(t, api.ReasonRenditionTooLarge, r.Reason, r.Message)
			assert.NoFileExists(t, filepath.Join(out, name))
			continue
		}
		require.Equal(t, api.StatusCreated, r.Status, "%s: %s", name, r.Message)
		assert.FileExists(t, filepath.Join(out, name))
	}
	// What the crops show is reported as when they are made alone.
	assert.EqualValues(t, 60, results[2].Metadata[MetadataCropX])
	assert.EqualValues(t, 450, results[2].Metadata[MetadataCropH])
	assert.EqualValues(t, 1200, results[3].Metadata[MetadataCropH], "the smart crop's cut, in source pixels")
	assert.EqualValues(t, 640, results[4].Metadata[api.MetadataWidth])

	// The analyses alone, each from a decode of its own.
	alone := t.TempDir()
	aloneResults, aloneLoads := mixedRequest(t, src, alone, rends[5:6])
	require.Equal(t, api.StatusCreated, aloneResults[0].Status, aloneResults[0].Message)
	aloneMeta, _ := mixedRequest(t, src, alone, rends[6:7])
	require.Equal(t, api.StatusCreated, aloneMeta[0].Status, aloneMeta[0].Message)
	assert.EqualValues(t, 1, aloneLoads)
	shared, own := readJSON(t, filepath.Join(out, "f.json")), readJSON(t, filepath.Join(alone, "f.json"))
	compareAnalyses(t, own, shared)
	sharedMeta, ownMeta := readJSON(t, filepath.Join(out, "g.json")), readJSON(t, filepath.Join(alone, "g.json"))
	compareAnalyses(t, ownMeta, sharedMeta)
}

// Tolerances of an analysis read from the request's shared decode
// against the same analysis decoding the source itself. The analysis
// picture is then resized from a larger level of the pyramid instead of
// shrunk on load from the source (for a JPEG, by DCT scaling), which
// leaves it within 40 dB PSNR of the other but not identical: hashes
// may differ by a few bits of 64, colours by a small distance, and the
// scores that read fine detail (sharpness, noise) by a few hundredths.
// Measured on generated sources and the sample photos: hashes 0 to 2
// bits, colour distance (CIE76) 3.1, share 0.007, sharpness 0.034 (0.014 on a
// photo), noise 0.004; the other scores 0.0005.
const (
	tolHashBits   = 4
	tolColourDE   = 5.0
	tolColourRGB  = 10
	tolShare      = 0.015
	tolSharpness  = 0.05
	tolNoise      = 0.01
	tolOtherScore = 0.005
)

// compareAnalyses checks the acs-ai keys of got against want within the
// tolerances above, in the analysis rendition's form and in the
// flattened form merged into metadata.
func compareAnalyses(t *testing.T, want, got map[string]any) {
	t.Helper()
	n := 0
	for k, w := range want {
		if !strings.HasPrefix(k, "acs-ai:") {
			continue
		}
		n++
		g, ok := got[k]
		if !assert.True(t, ok, "%s is missing", k) {
			continue
		}
		switch {
		case strings.HasSuffix(k, "Hash"):
			a, errA := strconv.ParseUint(w.(string), 16, 64)
			b, errB := strconv.ParseUint(g.(string), 16, 64)
			require.NoError(t, errA)
			require.NoError(t, errB)
			assert.LessOrEqual(t, bits.OnesCount64(a^b), tolHashBits, "%s: %s against %s", k, g, w)
		case k == "acs-ai:colours":
			wc, gc := w.([]any), g.([]any)
			require.Len(t, gc, len(wc), k)
			for i := range wc {
				wl, gl := wc[i].(map[string]any)["lab"].([]any), gc[i].(map[string]any)["lab"].([]any)
				var d float64
				for c := range wl {
					d += math.Pow(wl[c].(float64)-gl[c].(float64), 2)
				}
				assert.LessOrEqual(t, math.Sqrt(d), tolColourDE, "%s %d: %v against %v", k, i, gc[i], wc[i])
				assert.InDelta(t, wc[i].(map[string]any)["share"], gc[i].(map[string]any)["share"], tolShare, "%s %d share", k, i)
			}
		case strings.HasSuffix(k, "/acs-ai:hex"):
			wc, gc := w.([]any), g.([]any)
			require.Len(t, gc, len(wc), k)
			for i := range wc {
				a, errA := strconv.ParseUint(strings.TrimPrefix(wc[i].(string), "#"), 16, 32)
				b, errB := strconv.ParseUint(strings.TrimPrefix(gc[i].(string), "#"), 16, 32)
				require.NoError(t, errA)
				require.NoError(t, errB)
				for sh := 0; sh <= 16; sh += 8 {
					assert.InDelta(t, float64(a>>sh&0xff), float64(b>>sh&0xff), tolColourRGB, "%s %d: %s against %s", k, i, gc[i], wc[i])
				}
			}
		case strings.HasSuffix(k, "/acs-ai:share"):
			wc, gc := w.([]any), g.([]any)
			require.Len(t, gc, len(wc), k)
			for i := range wc {
				assert.InDelta(t, wc[i], gc[i], tolShare, "%s %d", k, i)
			}
		default:
			if wf, ok := w.(float64); ok && k != "acs-ai:width" && k != "acs-ai:height" {
				tol := tolOtherScore
				switch k {
				case "acs-ai:sharpness":
					tol = tolSharpness
				case "acs-ai:noise":
					tol = tolNoise
				}
				assert.InDelta(t, wf, g, tol, k)
				continue
			}
			if strings.Contains(k, "/acs-ai:name") {
				continue // the nearest colour name of a colour within tolerance
			}
			assert.Equal(t, w, g, k)
		}
	}
	assert.NotZero(t, n, "the analysis has acs-ai keys")
}

// TestThumbnailWatermarkFetchedOnce: the renditions of an activation that
// draw the same watermark fetch it once; one whose watermark cannot be
// fetched fails alone, with its own event.
func TestThumbnailWatermarkFetchedOnce(t *testing.T) {
	dir := t.TempDir()
	src := writeImage(t, dir, "photo.jpg", waves(1600, 1200, 2), 90)
	writeImage(t, dir, "logo.png", waves(120, 60, 5), 0)
	srv := newRangeServer(t, dir)
	h := newRangedHarness(t)
	logo := srv.URL + "/logo.png"
	rends := []any{
		map[string]any{"name": "a.jpg", "fmt": "jpg", "width": 1024, "height": 1024, "watermark": map[string]any{"image": logo, "scale": 0.3}},
		map[string]any{"name": "b.png", "fmt": "png", "width": 319, "height": 319, "watermark": map[string]any{"image": logo, "scale": 0.3}},
		map[string]any{"name": "c.jpg", "fmt": "jpg", "width": 300, "crop": map[string]any{"x": 60, "y": 40, "w": 600, "h": 450},
			"watermark": map[string]any{"image": logo, "scale": 0.5}},
		map[string]any{"name": "d.jpg", "fmt": "jpg", "width": 640, "height": 640, "watermark": map[string]any{"image": srv.URL + "/missing.png"}},
	}
	out := t.TempDir()
	for _, r := range rends {
		m := r.(map[string]any)
		m["target"] = filepath.Join(out, m["name"].(string))
	}
	raw, err := json.Marshal(map[string]any{"requestId": "r", "source": src, "renditions": rends})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := h.handlers[ThumbnailAction](ctx, raw)
	require.NoError(t, err)
	results := res.(*api.WorkerResult).Renditions
	require.Len(t, results, len(rends))
	for i, r := range results[:3] {
		require.Equal(t, api.StatusCreated, r.Status, "rendition %d: %s", i, r.Message)
	}
	assert.Equal(t, api.StatusFailed, results[3].Status)
	assert.Equal(t, api.ReasonGeneric, results[3].Reason)
	assert.Contains(t, results[3].Message, "watermark")
	assert.NoFileExists(t, filepath.Join(out, "d.jpg"))
	assert.EqualValues(t, 2, srv.requests.Load(), "the logo fetched once, the missing image asked for once")
	assert.Empty(t, leftovers(t, h.tmp), "nothing left of the activation")
}
