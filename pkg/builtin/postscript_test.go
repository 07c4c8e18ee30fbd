package builtin

import (
	"encoding/binary"
	stdimage "image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// quarters is an EPS page of 200 x 100 points: red on the left half, blue
// on the right.
const quarters = "%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 200 100\n%%EndComments\n" +
	"1 0 0 setrgbcolor 0 0 100 100 rectfill 0 0 1 setrgbcolor 100 0 100 100 rectfill showpage\n"

// TestThumbnailOfPostScript runs the thumbnail action, as Handlers builds
// it, on EPS files (plain, DOS binary with a TIFF preview made by libvips,
// hostile), a PostScript document and a PDF-compatible Illustrator file.
func TestThumbnailOfPostScript(t *testing.T) {
	testutil.NeedTool(t, "gs")
	vips := testutil.NeedTool(t, "vips")
	dir := t.TempDir()
	handlers := testHandlers(t, worker.Options{TempDir: dir})

	src := t.TempDir()
	file := func(name string, data []byte) string {
		p := filepath.Join(src, name)
		require.NoError(t, os.WriteFile(p, data, 0o600))
		return p
	}
	eps := file("quarters.eps", []byte(quarters))
	// A green TIFF preview of 400 x 200 pixels, made by libvips.
	tif := filepath.Join(src, "preview.tif")
	b, err := exec.Command(vips, "black", tif+"[compression=none]", "400", "200", "--bands", "3").CombinedOutput()
	require.NoError(t, err, "%s", b)
	green := filepath.Join(src, "green.tif")
	b, err = exec.Command(vips, "linear", tif, green, "1 1 1", "0 200 0", "--uchar").CombinedOutput()
	require.NoError(t, err, "%s", b)
	tiffData, err := os.ReadFile(green)
	require.NoError(t, err)
	h := make([]byte, 30)
	copy(h, "\xC5\xD0\xD3\xC6")
	binary.LittleEndian.PutUint32(h[4:], 30)
	binary.LittleEndian.PutUint32(h[8:], uint32(len(quarters)))
	binary.LittleEndian.PutUint32(h[20:], uint32(30+len(quarters)))
	binary.LittleEndian.PutUint32(h[24:], uint32(len(tiffData)))
	dos := file("dos.eps", append(append(h, quarters...), tiffData...))
	doc := file("doc.ps", []byte("%!PS-Adobe-3.0\n%%Pages: 2\n%%DocumentMedia: Sq 100 100 0 () ()\n%%EndComments\n"+
		"%%Page: 1 1\n<< /PageSize [100 100] >> setpagedevice 0 setgray 0 0 100 100 rectfill showpage\n"+
		"%%Page: 2 2\n1 0 0 setrgbcolor 0 0 100 100 rectfill showpage\n%%EOF\n"))
	pdf, err := os.ReadFile(filepath.Join("..", "meta", "testdata", "pdf", "plain.pdf"))
	require.NoError(t, err)
	ai := file("art.ai", pdf)
	victim := file("victim.txt", []byte("keep"))
	deleter := file("deleter.eps", []byte(strings.Replace(quarters, "showpage", "("+victim+") deletefile showpage", 1)))

	var params map[string]any // deployment settings of the next activations
	run := func(source string, rendition map[string]any) (api.RenditionResult, string) {
		t.Helper()
		return runRendition(t, handlers[ThumbnailAction], source, rendition, params)
	}
	decode := func(path string) stdimage.Image { return decodeFile(t, path) }
	colour := func(img stdimage.Image, x, y int) [3]uint32 {
		r, g, b, _ := img.At(x, y).RGBA()
		return [3]uint32{r >> 8, g >> 8, b >> 8}
	}

	t.Run("eps drawn at the size asked", func(t *testing.T) {
		r, out := run(eps, map[string]any{"fmt": "png", "width": 320})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		img := decode(out)
		assert.Equal(t, stdimage.Pt(320, 160), img.Bounds().Size())
		assert.Equal(t, [3]uint32{255, 0, 0}, colour(img, 40, 80))
		assert.Equal(t, [3]uint32{0, 0, 255}, colour(img, 280, 80))
		assert.Equal(t, "ghostscript", r.Metadata[MetadataPostScriptSource])
	})
	t.Run("eps crop in page points", func(t *testing.T) {
		r, out := run(eps, map[string]any{"fmt": "png", "width": 300, "crop": map[string]int{"x": 100, "y": 0, "w": 100, "h": 100}})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		img := decode(out)
		assert.Equal(t, stdimage.Pt(300, 300), img.Bounds().Size())
		assert.Equal(t, [3]uint32{0, 0, 255}, colour(img, 5, 5), "only the blue half")
		assert.Equal(t, [3]uint32{0, 0, 255}, colour(img, 295, 295))
	})
	t.Run("eps convertToDpi keeps the physical size", func(t *testing.T) {
		// 200 x 100 points are 2.78 x 1.39 inches: 417 x 208 pixels at
		// 150 dpi.
		r, out := run(eps, map[string]any{"fmt": "png", "convertToDpi": map[string]float64{"xdpi": 150, "ydpi": 150}})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		img := decode(out)
		assert.Equal(t, stdimage.Pt(417, 208), img.Bounds().Size())
		assert.Equal(t, [3]uint32{0, 0, 255}, colour(img, 400, 100))
	})
	t.Run("dos eps preview large enough", func(t *testing.T) {
		r, out := run(dos, map[string]any{"fmt": "jpg", "width": 200})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		img := decode(out)
		assert.Equal(t, stdimage.Pt(200, 100), img.Bounds().Size())
		c := colour(img, 100, 50)
		assert.True(t, c[1] > 180 && c[0] < 30 && c[2] < 30, "the green preview: %v", c)
		assert.Equal(t, "tiff-preview", r.Metadata[MetadataPostScriptSource])
	})
	t.Run("dos eps preview too small", func(t *testing.T) {
		r, out := run(dos, map[string]any{"fmt": "png", "width": 800})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		img := decode(out)
		assert.Equal(t, stdimage.Pt(800, 400), img.Bounds().Size())
		assert.Equal(t, [3]uint32{255, 0, 0}, colour(img, 100, 200))
		assert.Equal(t, "ghostscript", r.Metadata[MetadataPostScriptSource])
	})
	t.Run("ps page 2", func(t *testing.T) {
		r, out := run(doc, map[string]any{"fmt": "png", "width": 64, "page": 2})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		img := decode(out)
		assert.Equal(t, stdimage.Pt(64, 64), img.Bounds().Size())
		assert.Equal(t, [3]uint32{255, 0, 0}, colour(img, 32, 32))
	})
	t.Run("ps page 3 of 2", func(t *testing.T) {
		r, _ := run(doc, map[string]any{"fmt": "png", "width": 64, "page": 3})
		assert.Equal(t, api.StatusFailed, r.Status)
		assert.Equal(t, api.ReasonGeneric, r.Reason, r.Message)
	})
	t.Run("deployment page limit", func(t *testing.T) {
		params = map[string]any{"imageMaxPages": 1}
		defer func() { params = nil }()
		r, _ := run(doc, map[string]any{"fmt": "png", "width": 64})
		assert.Equal(t, api.ReasonSourceTooLarge, r.Reason, r.Message)
		assert.Contains(t, r.Message, "2 pages")
	})
	t.Run("pdf-compatible illustrator", func(t *testing.T) {
		r, out := run(ai, map[string]any{"fmt": "png", "width": 100})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		assert.Equal(t, 100, decode(out).Bounds().Dx())
		assert.Equal(t, "ghostscript-pdf", r.Metadata[MetadataPostScriptSource])
	})
	t.Run("hostile eps", func(t *testing.T) {
		r, _ := run(deleter, map[string]any{"fmt": "png", "width": 64})
		assert.Equal(t, api.StatusFailed, r.Status)
		assert.Equal(t, api.ReasonSourceUnsupported, r.Reason, r.Message)
		got, err := os.ReadFile(victim)
		require.NoError(t, err)
		assert.Equal(t, "keep", string(got))
	})
	t.Run("video instructions refused", func(t *testing.T) {
		r, _ := run(eps, map[string]any{"fmt": "png", "time": 1})
		assert.Equal(t, api.StatusFailed, r.Status)
		assert.Equal(t, api.ReasonGeneric, r.Reason, r.Message)
	})
}
