// Package ocrsource prepares the pictures package ocr reads, from image
// and PDF sources, with the libvips image engine (package image): an image
// of any format the engine reads (JPEG, PNG, TIFF, WebP, HEIC, ...) at its
// own size, or a PDF page drawn at a given resolution, written as a PNG
// (zlib level 1; grey stays grey, colour is left to Tesseract, which
// reads the luma) that Tesseract reads by its path. It lives apart from
// package ocr, which is pure Go, so that only the actions that decode
// sources link libvips.
//
// The engine's checks run first, from the source's header, before
// anything is decoded: a source over the OCR pixel limit
// (ocr.Limits.MaxPixels, or the image engine's own MaxSourcePixels when
// smaller) is SourceTooLarge, a corrupt one SourceCorrupt, and so on (see
// package image). Transparency is flattened over white.
//
// Why a PNG file rather than pixels on Tesseract's standard input: the
// image engine writes a grey PNG of an A4 page at 300 dpi in about half
// the CPU time that decoding the page to Go pixels takes (Engine.Pixels
// goes through an uncompressed PNG in memory), and Leptonica reads it
// back in a few tens of milliseconds.
package ocrsource

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/internal/pdfguard"
	"github.com/assetcompute/assetcompute/pkg/ocr"
)

// DPI is the resolution PDF pages are drawn at for OCR: Tesseract reads
// body text best with capital letters 20 to 30 pixels high, which 10 to
// 12 pt type is at 300 dpi.
const DPI = 300

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

// Image writes page (1-based; 0 the first) of the image at path, at its
// own size, as a PNG in dir for OCR, and returns it.
func Image(ctx context.Context, e *image.Engine, l ocr.Limits, path string, page int, dir string) (ocr.Image, error) {
	return render(ctx, e, l, path, page, 0, 0, dir)
}

// Scaled is Image with the picture shrunk to fit in side x side pixels
// (never enlarged): text detection reads a smaller picture. The OCR pixel
// limit does not apply to the source, which is shrunk on load (the image
// engine's limits do).
func Scaled(ctx context.Context, e *image.Engine, l ocr.Limits, path string, page, side int, dir string) (ocr.Image, error) {
	return render(ctx, e, l, path, page, side, 0, dir)
}

// PDFPage draws page (1-based) of the PDF at path at dpi, as a PNG in
// dir, for OCR. The
// image engine's PDF checks apply (a page that decompresses to more than
// its limit, or draws an image over its full-decode limit, is
// SourceTooLarge), and a page that would be over the OCR pixel limit at
// that resolution is SourceTooLarge before it is drawn.
func PDFPage(ctx context.Context, e *image.Engine, l ocr.Limits, path string, page, dpi int, dir string) (ocr.Image, error) {
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
	return render(ctx, e, l, path, page, side, dpi, dir)
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

// render writes page of path as a PNG in dir, fitted in a side x side
// box (0: at its own size).
func render(ctx context.Context, e *image.Engine, l ocr.Limits, path string, page, side, dpi int, dir string) (ocr.Image, error) {
	// A picture shrunk into a box is small whatever the source: only the
	// image engine's own limits apply to the source then (a PDF page's
	// size at its resolution is checked by PDFPage).
	if side == 0 {
		var err error
		if e, err = engineFor(e, l); err != nil {
			return ocr.Image{}, err
		}
	}
	level := 1
	r := api.Rendition{Fmt: "png", CompressionLevel: &level}
	if page > 0 {
		r.Page = &page
	}
	if side > 0 {
		r.Width, r.Height = &side, &side
	}
	out, err := filepath.Abs(filepath.Join(dir, fmt.Sprintf("ocr-page-%d.png", max(page, 1))))
	if err != nil {
		return ocr.Image{}, api.Wrap(api.ReasonGeneric, err, "ocr: picture path")
	}
	res, err := e.Render(ctx, path, r, out, image.RenderOptions{})
	if err != nil {
		return ocr.Image{}, err
	}
	return ocr.Image{Path: out, Width: res.Width, Height: res.Height, DPI: dpi}, nil
}
