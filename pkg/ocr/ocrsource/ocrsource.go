// Package ocrsource prepares the pictures package ocr reads, from image
// and PDF sources, with the libvips image engine (package image): an image
// of any format the engine reads (JPEG, PNG, TIFF, WebP, HEIC, ...) at its
// own size, or a PDF page drawn at a given resolution, converted to 8-bit
// grey (transparency flattened over white). It lives apart from package
// ocr, which is pure Go, so that only the actions that decode sources link
// libvips.
//
// The engine's checks run first, from the source's header, before
// anything is decoded: a source over the OCR pixel limit
// (ocr.Limits.MaxPixels, or the image engine's own MaxSourcePixels when
// smaller) is SourceTooLarge, a corrupt one SourceCorrupt, and so on (see
// package image).
package ocrsource

import (
	"context"
	"errors"
	goimage "image"
	"math"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/internal/pdfguard"
	"github.com/assetcompute/assetcompute/pkg/ocr"
)

// DPI is the resolution PDF pages are drawn at for OCR: Tesseract reads
// body text best with capital letters 20 to 30 pixels high, which 10 to
// 12 pt type is at 300 dpi.
const DPI = 300

// maxSide is the box an image is decoded in: large enough never to shrink
// an image within the pixel limit, whose long side may be long.
const maxSide = 1 << 20

// engineFor returns e with the OCR pixel limit as its source limit (the
// smaller of the two) and an output limit that lets a picture of that
// size through.
func engineFor(e *image.Engine, l ocr.Limits) (*image.Engine, error) {
	il := e.Limits()
	if l.MaxPixels > 0 && l.MaxPixels < il.MaxSourcePixels {
		il.MaxSourcePixels = l.MaxPixels
	}
	if il.MaxOutputPixels < il.MaxSourcePixels {
		il.MaxOutputPixels = il.MaxSourcePixels
	}
	ne, err := e.WithLimits(il)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "ocr: image limits")
	}
	return ne, nil
}

// Image decodes page (1-based; 0 the first) of the image at path, at its
// own size, for OCR. tmpDir is where the image engine may write a copy of
// the source (the rendition's directory).
func Image(ctx context.Context, e *image.Engine, l ocr.Limits, path string, page int, tmpDir string) (ocr.Image, error) {
	return decode(ctx, e, l, path, page, maxSide, 0, tmpDir)
}

// Scaled is Image with the picture shrunk to fit in side x side pixels
// (never enlarged): text detection reads a smaller picture.
func Scaled(ctx context.Context, e *image.Engine, l ocr.Limits, path string, page, side int, tmpDir string) (ocr.Image, error) {
	return decode(ctx, e, l, path, page, side, 0, tmpDir)
}

// PDFPage draws page (1-based) of the PDF at path at dpi for OCR. The
// image engine's PDF checks apply (a page that decompresses to more than
// its limit, or draws an image over its full-decode limit, is
// SourceTooLarge), and a page that would be over the OCR pixel limit at
// that resolution is SourceTooLarge before it is drawn.
func PDFPage(ctx context.Context, e *image.Engine, l ocr.Limits, path string, page, dpi int, tmpDir string) (ocr.Image, error) {
	d, err := pdfguard.Open(path)
	if err != nil {
		return ocr.Image{}, pdfError(err)
	}
	if page < 1 || page > d.Pages() {
		d.Close()
		return ocr.Image{}, api.Errorf(api.ReasonGeneric, "page: the PDF has no page %d (it has %d)", page, d.Pages())
	}
	w, h, err := d.PageSize(page - 1)
	d.Close()
	if err != nil {
		return ocr.Image{}, api.Wrap(api.ReasonSourceCorrupt, err, "pdf source")
	}
	pw, ph := w*float64(dpi)/72, h*float64(dpi)/72
	l = l.WithDefaults()
	if pw*ph > float64(l.MaxPixels) {
		return ocr.Image{}, api.Errorf(api.ReasonSourceTooLarge,
			"pdf source page %d is %.0fx%.0f pt, %.0fx%.0f pixels at %d dpi, over the OCR limit of %d MP",
			page, w, h, pw, ph, dpi, l.MaxPixels/1e6)
	}
	side := int(math.Ceil(math.Max(pw, ph)))
	return decode(ctx, e, l, path, page, side, dpi, tmpDir)
}

// PDFPages returns the number of pages of the PDF at path.
func PDFPages(path string) (int, error) {
	d, err := pdfguard.Open(path)
	if err != nil {
		return 0, pdfError(err)
	}
	defer d.Close()
	return d.Pages(), nil
}

func pdfError(err error) error {
	switch {
	case errors.Is(err, pdfguard.ErrEncrypted):
		return api.Wrap(api.ReasonSourceUnsupported, err, "pdf source is encrypted")
	case errors.Is(err, pdfguard.ErrOpenFile):
		return api.Wrap(api.ReasonGeneric, err, "pdf source cannot be opened")
	}
	return api.Wrap(api.ReasonSourceCorrupt, err, "pdf source is damaged")
}

// decode decodes page of path in a side x side box, as grey.
func decode(ctx context.Context, e *image.Engine, l ocr.Limits, path string, page, side, dpi int, tmpDir string) (ocr.Image, error) {
	e, err := engineFor(e, l)
	if err != nil {
		return ocr.Image{}, err
	}
	var r api.Rendition
	if page > 0 {
		r.Page = &page
	}
	px, err := e.Pixels(ctx, path, r, side, tmpDir)
	if err != nil {
		return ocr.Image{}, err
	}
	g := Gray(px)
	g.DPI = dpi
	return g, nil
}

// Gray converts a picture to 8-bit grey (Rec. 601 luma), flattened over
// white.
func Gray(px *goimage.NRGBA) ocr.Image {
	b := px.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]byte, w*h)
	for y := 0; y < h; y++ {
		row := px.Pix[px.PixOffset(b.Min.X, b.Min.Y+y):]
		for x := 0; x < w; x++ {
			p := row[4*x : 4*x+4]
			v := (299*uint32(p[0]) + 587*uint32(p[1]) + 114*uint32(p[2]) + 500) / 1000
			a := uint32(p[3])
			out[y*w+x] = byte((v*a + 255*(255-a) + 127) / 255)
		}
	}
	return ocr.Image{Pix: out, Width: w, Height: h}
}
