package builtin

import (
	"bytes"
	"encoding/json"
	"fmt"
	stdimage "image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xdraw "golang.org/x/image/draw"

	"github.com/assetcompute/assetcompute/pkg/analysis"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// writeImage encodes img as PNG (or JPEG of quality q > 0) into dir.
func writeImage(t *testing.T, dir, name string, img stdimage.Image, q int) string {
	t.Helper()
	var buf bytes.Buffer
	if q > 0 {
		require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}))
	} else {
		require.NoError(t, png.Encode(&buf, img))
	}
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	return path
}

// onePagePDF writes a PDF of one 200x100 pt page filled with rgb (0-1).
func onePagePDF(t *testing.T, dir string, r, g, b float64) string {
	t.Helper()
	content := fmt.Sprintf("%.2f %.2f %.2f rg 0 0 200 100 re f", r, g, b)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R /Resources << >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	}
	var buf bytes.Buffer
	buf.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = buf.Len()
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	path := filepath.Join(dir, "page.pdf")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	return path
}

// waves draws a smooth picture with detail: the same for the same k.
func waves(w, h int, k float64) *stdimage.NRGBA {
	img := stdimage.NewNRGBA(stdimage.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			u, v := float64(x)/float64(w), float64(y)/float64(h)
			img.SetNRGBA(x, y, color.NRGBA{
				uint8(127 + 120*math.Sin(k*3*u*math.Pi+v)),
				uint8(127 + 120*math.Cos(k*5*v*math.Pi)),
				uint8(127 + 120*math.Sin(k*(u*u+v)*4*math.Pi)), 255})
		}
	}
	return img
}

// TestAnalysisRendition runs the thumbnail action, as Handlers builds it,
// on generated sources with fmt analysis: the report is decoded once at
// analysis.MaxSide, from photos, PDF pages and video frames; bad sources
// fail with their reason and leave nothing behind.
func TestAnalysisRendition(t *testing.T) {
	dir := t.TempDir()
	handlers := testHandlers(t, worker.Options{TempDir: dir})

	run := func(source string, rendition map[string]any) (api.RenditionResult, map[string]any, string) {
		t.Helper()
		rendition["fmt"] = "analysis"
		r, out := runRendition(t, handlers[ThumbnailAction], source, rendition, nil)
		var report map[string]any
		if b, err := os.ReadFile(out); err == nil {
			require.NoError(t, json.Unmarshal(b, &report))
		}
		return r, report, out
	}
	src := t.TempDir()

	t.Run("palette, shrunk on load", func(t *testing.T) {
		img := stdimage.NewNRGBA(stdimage.Rect(0, 0, 2000, 1000))
		for y := 0; y < 1000; y++ {
			for x := 0; x < 2000; x++ {
				c := color.NRGBA{255, 0, 0, 255}
				if x >= 1400 {
					c = color.NRGBA{0, 0, 255, 255}
				}
				img.SetNRGBA(x, y, c)
			}
		}
		r, rep, _ := run(writeImage(t, src, "palette.png", img, 0), map[string]any{})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		assert.Equal(t, "application/json", r.Metadata["dc:format"])
		assert.EqualValues(t, analysis.MaxSide, rep["acs-ai:width"])
		assert.EqualValues(t, analysis.MaxSide/2, rep["acs-ai:height"])
		colours := rep["acs-ai:colours"].([]any)
		require.Len(t, colours, 2)
		first, second := colours[0].(map[string]any), colours[1].(map[string]any)
		assert.Equal(t, "#ff0000", first["hex"])
		assert.Equal(t, "red", first["name"])
		assert.InDelta(t, 0.7, first["share"], 0.01)
		assert.Equal(t, "#0000ff", second["hex"])
		assert.InDelta(t, 0.3, second["share"], 0.01)
		assert.Equal(t, []any{"red", "blue"}, rep["acs-ai:colourTags"])
		assert.Contains(t, rep, "acs-ai:pHash")
		assert.Contains(t, rep, "acs-ai:sharpness")
	})

	t.Run("single colour", func(t *testing.T) {
		img := stdimage.NewNRGBA(stdimage.Rect(0, 0, 50, 40))
		xdraw.Draw(img, img.Bounds(), stdimage.NewUniform(color.NRGBA{255, 255, 255, 255}), stdimage.Point{}, xdraw.Src)
		r, rep, _ := run(writeImage(t, src, "white.png", img, 0), map[string]any{"features": []string{"colours", "quality"}})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		assert.Len(t, rep["acs-ai:colours"], 1)
		assert.Equal(t, []any{"white"}, rep["acs-ai:colourTags"])
		assert.EqualValues(t, 0, rep["acs-ai:sharpness"])
		assert.EqualValues(t, 0, rep["acs-ai:contrast"])
		assert.EqualValues(t, 1, rep["acs-ai:clippedHighlights"])
		assert.NotContains(t, rep, "acs-ai:pHash", "hashes not asked for")
	})

	t.Run("hashes of a resized, recompressed copy", func(t *testing.T) {
		orig := waves(1600, 1200, 1)
		small := stdimage.NewNRGBA(stdimage.Rect(0, 0, 640, 480))
		xdraw.CatmullRom.Scale(small, small.Bounds(), orig, orig.Bounds(), xdraw.Src, nil)
		_, a, _ := run(writeImage(t, src, "orig.png", orig, 0), map[string]any{"features": []string{"hashes"}})
		_, b, _ := run(writeImage(t, src, "copy.jpg", small, 55), map[string]any{"features": []string{"hashes"}})
		_, c, _ := run(writeImage(t, src, "other.jpg", waves(1600, 1200, 1.7), 90), map[string]any{"features": []string{"hashes"}})
		for _, k := range []string{"acs-ai:pHash", "acs-ai:dHash"} {
			near, err := analysis.Distance(a[k].(string), b[k].(string))
			require.NoError(t, err)
			far, err := analysis.Distance(a[k].(string), c[k].(string))
			require.NoError(t, err)
			t.Logf("%s: copy %d, other %d", k, near, far)
			assert.LessOrEqual(t, near, 6, k)
			assert.GreaterOrEqual(t, far, 16, k)
		}
	})

	t.Run("PDF page", func(t *testing.T) {
		r, rep, _ := run(onePagePDF(t, src, 0, 0.5, 0), map[string]any{"page": 1})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		assert.Equal(t, []any{"green"}, rep["acs-ai:colourTags"])
		assert.EqualValues(t, 2, rep["acs-ai:width"].(float64)/rep["acs-ai:height"].(float64))
		r, _, out := run(onePagePDF(t, src, 0, 0.5, 0), map[string]any{"page": 3})
		assert.Equal(t, api.StatusFailed, r.Status)
		assert.Equal(t, api.ReasonGeneric, r.Reason)
		assert.Contains(t, r.Message, "page")
		assert.NoFileExists(t, out)
	})

	t.Run("video frame", func(t *testing.T) {
		clip := ffmpegFile(t, src, "-f", "lavfi", "-i", "color=c=0x1E90FF:s=160x120:d=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "blue.mp4")
		r, rep, _ := run(clip, map[string]any{"features": []string{"colours"}})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		assert.Equal(t, []any{"blue"}, rep["acs-ai:colourTags"])
		assert.EqualValues(t, 160, rep["acs-ai:width"])
	})

	t.Run("corrupt source", func(t *testing.T) {
		path := filepath.Join(src, "broken.png")
		require.NoError(t, os.WriteFile(path, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR garbage"), 0o600))
		r, _, out := run(path, map[string]any{})
		assert.Equal(t, api.StatusFailed, r.Status)
		assert.Contains(t, []api.Reason{api.ReasonSourceCorrupt, api.ReasonSourceFormatUnsupported}, r.Reason)
		assert.NoFileExists(t, out)
	})
}
