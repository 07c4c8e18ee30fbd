package builtin

import (
	"context"
	"encoding/json"
	"fmt"
	stdimage "image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/ocrtest"
	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// gray converts a drawn page to a Go picture.
func gray(g *ocrtest.Gray) *stdimage.Gray {
	return &stdimage.Gray{Pix: g.Pix, Stride: g.Width, Rect: stdimage.Rect(0, 0, g.Width, g.Height)}
}

// drawPS draws PostScript with Ghostscript at dpi.
func drawPS(t *testing.T, ps []byte, dpi int) *ocrtest.Gray {
	t.Helper()
	gs := testutil.NeedTool(t, "gs")
	g, err := ocrtest.Render(context.Background(), gs, ps, dpi)
	require.NoError(t, err)
	return g
}

// screenPS is a landscape "window" of text lines, 1280 x 800 at 72 dpi.
func screenPS() []byte {
	var b strings.Builder
	b.WriteString("%!PS\n<< /PageSize [1280 800] >> setpagedevice\n/Helvetica findfont 16 scalefont setfont\n")
	b.WriteString("0.9 setgray 0 760 1280 40 rectfill 0 setgray\n")
	words := strings.Fields(ocrtest.Sample[0].Text + " " + ocrtest.Sample[1].Text)
	y := 720
	for i := 0; i+10 <= len(words) && y > 40; i += 10 {
		fmt.Fprintf(&b, "40 %d moveto (%s) show\n", y, strings.Join(words[i:i+10], " "))
		y -= 28
	}
	b.WriteString("showpage\n")
	return []byte(b.String())
}

// TestTextDetection runs analyses with the text feature through the
// thumbnail action: a page of text is a document, a clean landscape
// window of text a screenshot, a photo without text mostly not text, with
// an empty result; the text feature is not computed unless asked for.
func TestTextDetection(t *testing.T) {
	testutil.NeedTool(t, "tesseract")
	dir := t.TempDir()
	handlers := testHandlers(t, worker.Options{TempDir: dir})
	src := t.TempDir()
	analyseFile := func(path string, rendition map[string]any) (api.RenditionResult, map[string]any) {
		t.Helper()
		rendition["fmt"] = "analysis"
		r, out := runRendition(t, handlers[ThumbnailAction], path, rendition, nil)
		var report map[string]any
		if b, err := os.ReadFile(out); err == nil {
			require.NoError(t, json.Unmarshal(b, &report))
		}
		return r, report
	}
	text := map[string]any{"features": []string{"text", "quality"}}

	page := writeImage(t, src, "page.png", gray(drawPS(t, ocrtest.PostScript(ocrtest.Sample, 0), 300)), 0)
	r, rep := analyseFile(page, text)
	require.Equal(t, api.StatusCreated, r.Status, r.Message)
	t.Logf("page: %v words, coverage %v", rep["acs-ai:textWords"], rep["acs-ai:textCoverage"])
	assert.Equal(t, true, rep["acs-ai:mostlyText"])
	assert.Equal(t, []any{"document"}, rep["acs-ai:textTags"])
	assert.Greater(t, rep["acs-ai:textWords"], 100.0)
	assert.Equal(t, []any{"quality", "text"}, rep["acs-ai:features"])

	shot := writeImage(t, src, "screen.png", gray(drawPS(t, screenPS(), 72)), 0)
	r, rep = analyseFile(shot, map[string]any{"features": []string{"text"}})
	require.Equal(t, api.StatusCreated, r.Status, r.Message)
	t.Logf("screenshot: %v words, coverage %v", rep["acs-ai:textWords"], rep["acs-ai:textCoverage"])
	assert.Equal(t, true, rep["acs-ai:mostlyText"])
	assert.Equal(t, []any{"screenshot"}, rep["acs-ai:textTags"])

	photo := writeImage(t, src, "photo.jpg", waves(1600, 1200, 1), 90)
	r, rep = analyseFile(photo, map[string]any{"features": []string{"text"}})
	require.Equal(t, api.StatusCreated, r.Status, r.Message)
	assert.Equal(t, false, rep["acs-ai:mostlyText"])
	assert.Equal(t, []any{}, rep["acs-ai:textTags"])

	// A PDF page of text (scanned), by its page instruction.
	scan := filepath.Join(src, "scan.pdf")
	g := drawPS(t, ocrtest.PostScript(ocrtest.Sample, 0), 150)
	require.NoError(t, os.WriteFile(scan, ocrtest.ScannedPDF([]*ocrtest.Gray{g, g}, 150), 0o600))
	r, rep = analyseFile(scan, map[string]any{"features": []string{"text"}, "page": 2})
	require.Equal(t, api.StatusCreated, r.Status, r.Message)
	assert.Equal(t, []any{"document"}, rep["acs-ai:textTags"])

	// Not asked for: not computed.
	r, rep = analyseFile(page, map[string]any{})
	require.Equal(t, api.StatusCreated, r.Status, r.Message)
	assert.NotContains(t, rep, "acs-ai:mostlyText")
	assert.Contains(t, rep, "acs-ai:noise")
}

// TestImageTextThroughHandlers: a text rendition of an image goes to the
// fulltext action, which reads it by OCR.
func TestImageTextThroughHandlers(t *testing.T) {
	testutil.NeedTool(t, "tesseract")
	handlers := testHandlers(t, worker.Options{TempDir: t.TempDir()})
	page := writeImage(t, t.TempDir(), "page.jpg", gray(drawPS(t, ocrtest.PostScript(ocrtest.Sample[:2], 0), 300)), 90)
	r, out := runRendition(t, handlers[FulltextAction], page, map[string]any{"fmt": "text"}, map[string]any{"ocrLanguage": "en"})
	require.Equal(t, api.StatusCreated, r.Status, r.Message)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, ocrtest.F1(ocrtest.Words(ocrtest.Sample[:2]), strings.Fields(string(b))), 0.95, string(b))
	assert.Equal(t, "eng", r.Metadata["acs:ocrLanguage"], "the deployment's default language")
}
