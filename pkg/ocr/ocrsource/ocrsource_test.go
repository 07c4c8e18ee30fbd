package ocrsource

import (
	"context"
	"image/png"
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
	f, err := os.Open(img.Path)
	require.NoError(t, err)
	cfg, err := png.DecodeConfig(f)
	f.Close()
	require.NoError(t, err)
	assert.Equal(t, img.Width, cfg.Width, "the file is the size said")
	assert.Equal(t, img.Height, cfg.Height)
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

// An image is written at its own size; Scaled shrinks it; a source over
// the OCR pixel limit is refused from its header.
func TestImage(t *testing.T) {
	e, err := image.New(image.Options{})
	require.NoError(t, err)
	g := &ocrtest.Gray{Pix: make([]byte, 900*500), Width: 900, Height: 500}
	path := filepath.Join(t.TempDir(), "scan.pdf")
	require.NoError(t, os.WriteFile(path, ocrtest.ScannedPDF([]*ocrtest.Gray{g}, 72), 0o600))
	src := filepath.Join(t.TempDir(), "page.png")
	pic, err := PDFPage(context.Background(), e, ocr.Limits{}, path, 1, 72, t.TempDir())
	require.NoError(t, err)
	require.NoError(t, os.Rename(pic.Path, src))
	img, err := Image(context.Background(), e, ocr.Limits{}, src, 0, t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, [2]int{900, 500}, [2]int{img.Width, img.Height})
	assert.True(t, filepath.IsAbs(img.Path))
	img, err = Scaled(context.Background(), e, ocr.Limits{}, src, 0, 300, t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, [2]int{300, 167}, [2]int{img.Width, img.Height})
	_, err = Image(context.Background(), e, ocr.Limits{MaxPixels: 400_000}, src, 0, t.TempDir())
	assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err))
	// Shrunk into a box, a source over the OCR limit is read: the picture
	// Tesseract gets is small.
	img, err = Scaled(context.Background(), e, ocr.Limits{MaxPixels: 400_000}, src, 0, 300, t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, 300, img.Width)
}
