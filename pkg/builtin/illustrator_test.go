package builtin

import (
	"bytes"
	"fmt"
	stdimage "image"
	_ "image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/pdftest"
	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// illustratorPDF returns a PDF-compatible Illustrator file as Illustrator
// writes one: a page whose crop box (300 x 200 points) lies inside a
// larger media box, a transparency group, Illustrator's private data in
// the page's /PieceInfo, and art in RGB and CMYK with a half-transparent
// shape over two others, a stroke and a line of text. In the crop box:
// red on the left half, blue on the right, a green square at half opacity
// over the middle (x 100..200, y 50..150), a CMYK yellow bar along the
// bottom (y 0..30), a black line along the top, and a placed picture of
// fine detail (a checkerboard of single pixels, 150 x 150) drawn smaller
// than its size (60 x 60 points at x 210..270, y 100..160).
func illustratorPDF() []byte {
	var checker bytes.Buffer
	for y := 0; y < 150; y++ {
		for x := 0; x < 150; x++ {
			v := byte(255 * ((x + y) % 2))
			checker.Write([]byte{v, v, v})
		}
	}
	content := "q 1 0 0 rg 20 20 150 200 re f 0 0 1 rg 170 20 150 200 re f " +
		"0 0 1 0 k 20 20 300 30 re f " +
		"/GS1 gs 0 1 0 rg 120 70 100 100 re f Q " +
		"q 0 G 4 w 20 210 m 320 210 l S Q " +
		"BT /F1 12 Tf 0 g 30 180 Td (Illustrator) Tj ET " +
		"q 60 0 0 60 230 120 cm /Im1 Do Q\n"
	private := "%!PS-Adobe-3.0 \n%%Creator: Adobe Illustrator(R) 24.0\n%%AI8_CreatorVersion: 24.0.1\n" +
		"%AI9_PrivateDataBegin\n%AI5_BeginLayer\n1 1 1 1 0 0 1 0 79 128 255 0 50 Lb\n(Layer 1) Ln\n%AI5_EndLayer--\n"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 340 240] /CropBox [20 20 320 220] /TrimBox [20 20 320 220] " +
			"/Group << /S /Transparency /CS /DeviceRGB /I false /K false >> " +
			"/Resources << /ExtGState << /GS1 << /Type /ExtGState /ca 0.5 /CA 0.5 /BM /Normal >> >> " +
			"/Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> /XObject << /Im1 7 0 R >> >> " +
			"/Contents 4 0 R /PieceInfo << /Illustrator << /LastModified (D:20240101120000Z) " +
			"/Private << /AIMetaData 5 0 R /AIPrivateData1 6 0 R /ContainerVersion 12 /CreatorVersion 24 /NumBlock 1 /RoundtripVersion 24 >> >> >> " +
			"/LastModified (D:20240101120000Z) >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(private), private),
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(private), private),
		fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width 150 /Height 150 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream",
			checker.Len(), checker.String()),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.6\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// TestThumbnailOfIllustratorPDF checks that a PDF-compatible Illustrator
// file is drawn by Ghostscript, like the rest of the PostScript family,
// and that its picture agrees with the PDF path's (poppler, which draws
// the same file named .pdf): the crop box, the colours, the transparency.
func TestThumbnailOfIllustratorPDF(t *testing.T) {
	testutil.NeedTool(t, "gs")
	dir := t.TempDir()
	handlers := testHandlers(t, worker.Options{TempDir: dir})

	src := t.TempDir()
	ai := filepath.Join(src, "art.ai")
	require.NoError(t, os.WriteFile(ai, illustratorPDF(), 0o600))
	asPDF := filepath.Join(src, "art.pdf")
	require.NoError(t, os.WriteFile(asPDF, illustratorPDF(), 0o600))

	var params map[string]any
	run := func(source string, rendition map[string]any) (api.RenditionResult, string) {
		t.Helper()
		return runRendition(t, handlers[ThumbnailAction], source, rendition, params)
	}
	decode := func(path string) stdimage.Image { return decodeFile(t, path) }
	colour := func(img stdimage.Image, x, y int) [3]int {
		r, g, b, _ := img.At(x, y).RGBA()
		return [3]int{int(r >> 8), int(g >> 8), int(b >> 8)}
	}
	near := func(want, got [3]int, tol int) bool {
		for i := range want {
			if d := want[i] - got[i]; d > tol || d < -tol {
				return false
			}
		}
		return true
	}

	r, out := run(ai, map[string]any{"fmt": "png", "width": 600})
	require.Equal(t, api.StatusCreated, r.Status, r.Message)
	assert.Equal(t, "ghostscript-pdf", r.Metadata[MetadataPostScriptSource], "drawn by Ghostscript")
	gs := decode(out)
	ref, refOut := run(asPDF, map[string]any{"fmt": "png", "width": 600})
	require.Equal(t, api.StatusCreated, ref.Status, ref.Message)
	_, isPS := ref.Metadata[MetadataPostScriptSource]
	require.False(t, isPS, "a PDF goes through the PDF path")
	poppler := decode(refOut)

	// The crop box (300 x 200 points), not the media box (340 x 240).
	require.Equal(t, stdimage.Pt(600, 400), gs.Bounds().Size())
	require.Equal(t, poppler.Bounds().Size(), gs.Bounds().Size())

	// The colours, in pixels of the image (y down): the red and blue
	// halves, green at half opacity over each, the CMYK yellow bar.
	for _, c := range []struct {
		what string
		x, y int
		want [3]int
		tol  int
	}{
		{"red", 60, 200, [3]int{255, 0, 0}, 2},
		{"blue", 540, 200, [3]int{0, 0, 255}, 2},
		{"green half over red", 250, 150, [3]int{128, 128, 0}, 6},
		{"green half over blue", 350, 150, [3]int{0, 128, 128}, 6},
		{"yellow bar", 300, 380, [3]int{255, 242, 0}, 40},
	} {
		assert.True(t, near(c.want, colour(gs, c.x, c.y), c.tol), "%s: Ghostscript %v, want %v", c.what, colour(gs, c.x, c.y), c.want)
		assert.True(t, near(colour(poppler, c.x, c.y), colour(gs, c.x, c.y), c.tol), "%s: Ghostscript %v, poppler %v", c.what, colour(gs, c.x, c.y), colour(poppler, c.x, c.y))
	}
	// The whole picture: the mean absolute difference per channel to
	// poppler's (which anti-aliases the edges and the text).
	var sum, n float64
	for y := 0; y < 400; y++ {
		for x := 0; x < 600; x++ {
			a, b := colour(gs, x, y), colour(poppler, x, y)
			for i := range a {
				d := float64(a[i] - b[i])
				if d < 0 {
					d = -d
				}
				sum += d
				n++
			}
		}
	}
	mad := sum / n
	t.Logf("mean absolute difference to poppler: %.2f", mad)
	assert.Less(t, mad, 3.0, "Ghostscript's picture differs from poppler's")
	// The picture drawn smaller is smoothed, as poppler smooths it, not
	// sampled (which leaves single black and white pixels).
	var lo, hi int
	for y := 110; y < 130; y++ {
		for x := 440; x < 520; x++ {
			switch c := colour(gs, x, y); {
			case c[0] < 40:
				lo++
			case c[0] > 215:
				hi++
			}
		}
	}
	assert.Less(t, lo+hi, 160, "the checkerboard drawn at 120 x 120 pixels: %d black and %d white pixels of 1600", lo, hi)

	t.Run("background colour through the PDF path", func(t *testing.T) {
		r, out := run(ai, map[string]any{"fmt": "png", "width": 300, "background": "#00ff00"})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		assert.Equal(t, "pdf", r.Metadata[MetadataPostScriptSource])
		assert.Equal(t, stdimage.Pt(300, 200), decode(out).Bounds().Size())
	})
	t.Run("page 2 of 1", func(t *testing.T) {
		r, _ := run(ai, map[string]any{"fmt": "png", "width": 100, "page": 2})
		assert.Equal(t, api.StatusFailed, r.Status)
		assert.Equal(t, api.ReasonGeneric, r.Reason, r.Message)
	})
	t.Run("decompression bomb refused before Ghostscript", func(t *testing.T) {
		var b bytes.Buffer
		require.NoError(t, pdftest.Write(&b, pdftest.Spec{Pages: 1, Bomb: pdftest.ContentBomb, BombBytes: 8 << 20}))
		bomb := filepath.Join(t.TempDir(), "bomb.ai")
		require.NoError(t, os.WriteFile(bomb, b.Bytes(), 0o600))
		params = map[string]any{"imageMaxPdfPageBytes": 1 << 20}
		defer func() { params = nil }()
		r, _ := run(bomb, map[string]any{"fmt": "png", "width": 100})
		assert.Equal(t, api.StatusFailed, r.Status)
		assert.Equal(t, api.ReasonSourceTooLarge, r.Reason, r.Message)
		assert.Contains(t, r.Message, "decompress to more than")
	})
	t.Run("damaged pdf through the PDF path", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.ai")
		require.NoError(t, os.WriteFile(bad, []byte("%PDF-1.6\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"), 0o600))
		r, _ := run(bad, map[string]any{"fmt": "png", "width": 100})
		assert.Equal(t, api.StatusFailed, r.Status)
		assert.Equal(t, api.ReasonSourceCorrupt, r.Reason, r.Message)
	})
}
