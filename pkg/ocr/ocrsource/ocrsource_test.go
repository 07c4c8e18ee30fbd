package ocrsource

import (
	"context"
	goimage "image"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/ocrtest"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/ocr"
)

func TestGrayFlattensOverWhite(t *testing.T) {
	px := goimage.NewNRGBA(goimage.Rect(0, 0, 3, 1))
	copy(px.Pix, []byte{0, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255})
	g := Gray(px)
	assert.Equal(t, []byte{0, 255, 76}, g.Pix, "black, transparent (white), red (luma 76)")
	assert.Equal(t, 3, g.Width)
}

// A PDF page is drawn at the resolution asked; a page that would be over
// the pixel limit at that resolution is refused before it is drawn.
func TestPDFPage(t *testing.T) {
	e, err := image.New(image.Options{})
	require.NoError(t, err)
	page := &ocrtest.Gray{Pix: make([]byte, 850*1100), Width: 850, Height: 1100}
	for i := range page.Pix {
		page.Pix[i] = byte(i)
	}
	path := filepath.Join(t.TempDir(), "scan.pdf")
	require.NoError(t, os.WriteFile(path, ocrtest.ScannedPDF([]*ocrtest.Gray{page, page}, 100), 0o600))
	n, err := PDFPages(path)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	img, err := PDFPage(context.Background(), e, ocr.Limits{}, path, 2, 300, t.TempDir())
	require.NoError(t, err)
	assert.InDelta(t, 2550, img.Width, 1, "8.5 in at 300 dpi")
	assert.InDelta(t, 3300, img.Height, 1, "11 in at 300 dpi")
	assert.Equal(t, 300, img.DPI)
	_, err = PDFPage(context.Background(), e, ocr.Limits{MaxPixels: 8_000_000}, path, 1, 300, t.TempDir())
	assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err))
	assert.Contains(t, err.Error(), "over the OCR limit of 8 MP")
	_, err = PDFPage(context.Background(), e, ocr.Limits{}, path, 3, 300, t.TempDir())
	assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err), "a page the document lacks")
	assert.Contains(t, err.Error(), "the PDF has no page 3 (it has 2)")
	_, err = PDFPages(filepath.Join(t.TempDir(), "missing.pdf"))
	assert.Error(t, err)
}
