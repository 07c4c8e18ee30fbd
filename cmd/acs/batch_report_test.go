package main

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/golden"
	"github.com/assetcompute/assetcompute/internal/testutil"
)

// hostileSource is a source file name that is HTML.
const hostileSource = `<script>alert(1)<!--.jpg`

// reportProfile has a thumbnail, a web size and a rendition made from the
// thumbnail.
const reportProfile = `[{"name": "thumb.jpg", "fmt": "jpg", "width": 160, "height": 160},
	{"name": "web.webp", "fmt": "webp", "width": 640, "quality": 70},
	{"name": "icon.png", "fmt": "png", "width": 32, "source": {"rendition": "thumb.jpg"}}]`

// writeGradientJPEG writes a w x h JPEG of a colour gradient and returns
// its bytes.
func writeGradientJPEG(t *testing.T, path string, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(255 * x / w), uint8(255 * y / h), uint8((x ^ y) & 0xff), 255})
		}
	}
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}))
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o600))
	return b.Bytes()
}

// reportBatch runs acs batch --report over a small batch: two photos (one
// with a hostile name), a PNG with transparency and a truncated JPEG. It
// returns the report's path, the sources' base names and the exit status
// and standard error.
func reportBatch(t *testing.T) (string, []string, int, string) {
	t.Helper()
	dir := t.TempDir()
	photo := filepath.Join(dir, "photo.jpg")
	data := writeGradientJPEG(t, photo, 1200, 800)
	hostile := filepath.Join(dir, hostileSource)
	writeGradientJPEG(t, hostile, 300, 500)
	logo := filepath.Join(dir, "logo.png")
	writeSolidPNG(t, logo, 200, 120, color.NRGBA{200, 30, 30, 128})
	truncated := filepath.Join(dir, "truncated.jpg")
	require.NoError(t, os.WriteFile(truncated, data[:len(data)/3], 0o600))
	report := filepath.Join(dir, "report.html")

	code, stderr := batch(t, "--profile", writeProfile(t, reportProfile), "--out", filepath.Join(dir, "out"), "--report", report,
		photo, hostile, logo, truncated)
	return report, []string{"photo.jpg", hostileSource, "logo.png", "truncated.jpg"}, code, stderr
}

func TestBatchReport(t *testing.T) {
	report, sources, code, stderr := reportBatch(t)
	assert.Equal(t, exitFailed, code, "the truncated source's renditions fail")
	assert.Contains(t, stderr, "truncated.jpg/thumb.jpg: SourceCorrupt")
	assert.Contains(t, stderr, "contact sheet written to "+report)
	data, err := os.ReadFile(report)
	require.NoError(t, err)
	page := string(data)

	for _, s := range sources {
		esc := strings.NewReplacer("<", "&lt;", ">", "&gt;", "!", "!").Replace(s)
		assert.Contains(t, page, `data-source="`+esc+`"`, "source %s is listed", s)
	}
	assert.NotContains(t, page, "<script", "the hostile name is escaped")
	assert.Equal(t, 4, strings.Count(page, `class="card src"`))
	assert.Equal(t, 9, strings.Count(page, `data-status="created"`))
	assert.Equal(t, 3, strings.Count(page, `data-status="failed"`))
	assert.Contains(t, page, `<p class="reason">SourceCorrupt</p>`)
	assert.Contains(t, page, "source rendition &#39;thumb.jpg&#39; failed")
	assert.Contains(t, page, "160 × 107", "the thumbnail's dimensions")
	assert.Contains(t, page, "640 × 427", "the web size's")
	assert.Equal(t, 11, strings.Count(page, `<span class="step">fetch `),
		"every rendition has its timings, but the one never made, since its source rendition failed")
	assert.Contains(t, page, "encode ", "image renditions split encoding out")
	assert.Contains(t, page, `href="out/photo.jpg/web.webp"`, "renditions are linked relative to the page")
	assert.NotContains(t, page, "http://")
	assert.NotContains(t, page, "https://")
	// The page holds downscaled previews, not the renditions themselves.
	assert.Less(t, len(page), 400<<10, "the page stays small")
}

func TestBatchReportIsRefusedWithNearDuplicates(t *testing.T) {
	f := filepath.Join(t.TempDir(), "a.png")
	writeSolidPNG(t, f, 8, 8, color.NRGBA{1, 2, 3, 255})
	code, _ := batch(t, "--near-duplicates", "--report", filepath.Join(t.TempDir(), "r.html"), f)
	assert.Equal(t, exitInvalid, code)
}

// TestBatchReportInChromium opens the contact sheet of a batch in
// Chromium: every source is listed, every image decodes, the style sheet
// applies (the policy allows it by hash) and nothing is fetched.
func TestBatchReportInChromium(t *testing.T) {
	ctx := testutil.Browser(t)
	report, sources, _, _ := reportBatch(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate((&url.URL{Scheme: "file", Path: report}).String())))

	listed, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("[data-source]"), e => e.dataset.source)`))
	require.NoError(t, err)
	assert.Equal(t, sources, listed)

	widths, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](
		`Promise.all(Array.from(document.images, i => i.decode().then(() => i.naturalWidth, () => 0)))`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	// Three sources that decode, and three renditions of each.
	assert.Len(t, widths, 3+9)
	for i, w := range widths {
		assert.Positive(t, w, "image %d decoded", i)
	}

	failed, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('[data-status="failed"] .reason'), e => e.textContent)`))
	require.NoError(t, err)
	assert.Equal(t, []string{"SourceCorrupt", "SourceCorrupt", "SourceCorrupt"}, failed)

	display, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("section.source")).display`))
	require.NoError(t, err)
	assert.Equal(t, "grid", display, "the inline style sheet applies")
	fetched, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`performance.getEntriesByType("resource").map(e => e.name)`))
	require.NoError(t, err)
	assert.Empty(t, fetched, "the page fetches nothing")
	scripts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.scripts.length`))
	require.NoError(t, err)
	assert.Zero(t, scripts)
}

// TestContactSheetScreenshot rewrites docs/images/contact-sheet.png, the
// contact sheet of a batch of the shared corpus's photos, with -update.
func TestContactSheetScreenshot(t *testing.T) {
	if !golden.Updating() {
		t.Skip("rewrites docs/images/contact-sheet.png with -update")
	}
	images := testutil.NeedCorpus(t, "images")
	ctx := testutil.Browser(t)
	dir := t.TempDir()
	var files []string
	for _, f := range []string{"Portrait_1.jpg", "corrupt-header.jpg", "with-alpha.png"} {
		files = append(files, filepath.Join(images, f))
	}
	report := filepath.Join(dir, "report.html")
	args := append([]string{"--profile", writeProfile(t, reportProfile), "--out", filepath.Join(dir, "out"), "--report", report}, files...)
	_, stderr := batch(t, args...)
	require.FileExists(t, report, stderr)
	// A viewport that holds the three rows.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1100, 1000),
		chromedp.Navigate((&url.URL{Scheme: "file", Path: report}).String())))
	_, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](
		`Promise.all(Array.from(document.images, i => i.decode().then(() => i.naturalWidth, () => 0)))`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	out := filepath.Join("..", "..", "docs", "images", "contact-sheet.png")
	require.NoError(t, os.MkdirAll(filepath.Dir(out), 0o755))
	require.NoError(t, os.WriteFile(out, png, 0o644))
	t.Logf("wrote %s (%d bytes)", out, len(png))
}
