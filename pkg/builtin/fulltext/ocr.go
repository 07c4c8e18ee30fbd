package fulltext

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/ocr"
	"github.com/assetcompute/assetcompute/pkg/ocr/ocrsource"
	"github.com/assetcompute/assetcompute/pkg/settings"
	"github.com/assetcompute/assetcompute/pkg/text"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// Event metadata of a text rendition read by OCR.
const (
	// MetadataOCRLanguage is the Tesseract language the text was read in
	// ("eng", "deu+eng").
	MetadataOCRLanguage = "acs:ocrLanguage"
	// MetadataOCRWords is the number of words read.
	MetadataOCRWords = "acs:ocrWords"
	// MetadataOCRConfidence is the mean confidence of the words read,
	// 0-100 (Tesseract's), absent without words.
	MetadataOCRConfidence = "acs:ocrConfidence"
)

// OCR reads the text of images and of PDFs without a text layer for the
// fulltext action.
type OCR struct {
	// Engine runs Tesseract; nil when it is not installed.
	Engine *ocr.Engine
	// Images returns the image engine that decodes sources and draws PDF
	// pages; it is called on the first source that needs it, so that a
	// fulltext action that reads no picture does not start libvips.
	Images func() (*image.Engine, error)
}

// DefaultOCR returns the OCR of the installed Tesseract (Engine nil when
// it is missing) and an image engine with the default limits, made on
// first use.
func DefaultOCR() OCR {
	e, _ := ocr.New(ocr.Options{})
	return OCR{Engine: e, Images: sync.OnceValues(func() (*image.Engine, error) { return image.New(image.Options{}) })}
}

// engines returns the OCR and image engines with the settings of the
// activation's deployment applied.
func (o OCR) engines(s settings.Settings) (*ocr.Engine, *image.Engine, error) {
	img, err := o.Images()
	if err != nil {
		return nil, nil, api.Wrap(api.ReasonGeneric, err, "image engine")
	}
	base := settings.ImageLimits(img.Limits())
	l := base
	s.ApplyImage(&l)
	if l != base {
		if img, err = img.WithLimits(image.Limits(l)); err != nil {
			return nil, nil, api.Wrap(api.ReasonGeneric, err, "invalid deployment settings")
		}
	}
	e := o.Engine
	var set settings.OCRSettings
	s.ApplyOCR(&set)
	e = e.WithLanguage(set.Language)
	if set.MaxPages > 0 || set.MaxPixels > 0 || set.CPUSeconds > 0 {
		ol := e.Limits()
		if set.MaxPages > 0 {
			ol.MaxPages = set.MaxPages
		}
		if set.MaxPixels > 0 {
			ol.MaxPixels = set.MaxPixels
		}
		if set.CPUSeconds > 0 {
			ol.CPUSeconds = uint64(set.CPUSeconds)
		}
		e = e.WithLimits(ol)
	}
	return e, img, nil
}

// noTesseract is the failure of an image's text on a machine without
// Tesseract.
func noTesseract(f format.Format) error {
	return api.Errorf(api.ReasonSourceFormatUnsupported,
		"the text of this source (%s) is read by OCR with Tesseract, which is not installed here", f.Title)
}

// ocrWriter writes pages of text read by OCR, up to a character cap.
type ocrWriter struct {
	w        io.Writer
	max      int
	res      *text.Result
	words    int
	confSum  float64
	language string
}

// page writes the text of one page, after a form feed when it is not the
// first (as package text separates PDF pages).
func (o *ocrWriter) page(p *ocr.Page, first bool) error {
	o.language = p.Language
	o.words += len(p.Words)
	for _, w := range p.Words {
		o.confSum += w.Conf
	}
	s := p.Text()
	if s != "" {
		s += "\n"
	}
	if !first {
		s = "\f" + s
	}
	n := utf8.RuneCountInString(s)
	if o.max > 0 && o.res.Chars+n > o.max {
		keep := o.max - o.res.Chars
		i := 0
		for k := 0; k < keep; k++ {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
		}
		s, n = s[:i], keep
		o.res.Truncated = true
		o.res.Warnings = append(o.res.Warnings, fmt.Sprintf("the text read by OCR was cut at the limit of %d characters", o.max))
	}
	o.res.Chars += n
	if _, err := io.WriteString(o.w, s); err != nil {
		return api.Wrap(api.ReasonGeneric, err, "cannot write the rendition file")
	}
	return nil
}

// metadata sets the OCR keys of the rendition's event.
func (o *ocrWriter) metadata(r *worker.Rendition) {
	r.Metadata[MetadataOCRLanguage] = o.language
	r.Metadata[MetadataOCRWords] = o.words
	if o.words > 0 {
		r.Metadata[MetadataOCRConfidence] = float64(int(o.confSum/float64(o.words)*10+0.5)) / 10
	}
}

// renditionDir returns the directory of the rendition, where the
// pictures read by OCR are written, in a directory of their own.
func renditionDir(r *worker.Rendition) string { return filepath.Dir(r.Path) }

// readImage writes to w the text of the image source by OCR: written at
// its own size as a PNG by the image engine (whose checks refuse an
// oversized or corrupt source before anything is decoded), then read by
// Tesseract in the rendition's language. The page instruction picks the
// page or frame of a multi-page source.
func (o OCR) readImage(ctx context.Context, src *worker.Source, sf format.Format, r *worker.Rendition, w io.Writer, maxChars int) (*text.Result, error) {
	e, img, err := o.engines(src.Settings)
	if err != nil {
		return nil, err
	}
	// An unknown language fails before the source is decoded.
	lang, err := e.Language(ctx, r.Language)
	if err != nil {
		return nil, err
	}
	path, err := src.LocalPath(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(renditionDir(r), "ocr-")
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "rendition directory")
	}
	defer os.RemoveAll(dir)
	pic, err := ocrsource.Image(ctx, img, e.Limits(), path, api.IntOr(r.Page, 0), dir)
	if err != nil {
		return nil, err
	}
	page, err := e.Recognize(ctx, pic, ocr.Request{Language: lang})
	if err != nil {
		return nil, err
	}
	res := &text.Result{Format: sf.Name}
	ow := &ocrWriter{w: w, max: maxChars, res: res}
	if err := ow.page(page, true); err != nil {
		return nil, err
	}
	ow.metadata(r)
	return res, nil
}

// readPDF writes to w the text of the pages of the PDF at path, which has
// no text layer, read by OCR: each page drawn at ocrsource.DPI by the
// image engine's PDF path, then read by Tesseract. A document of more
// pages than the OCR page limit is SourceTooLarge before Tesseract runs.
func (o OCR) readPDF(ctx context.Context, src *worker.Source, path string, r *worker.Rendition, w io.Writer, maxChars int) (*text.Result, error) {
	e, img, err := o.engines(src.Settings)
	if err != nil {
		return nil, err
	}
	lang, err := e.Language(ctx, r.Language)
	if err != nil {
		return nil, err
	}
	n, err := ocrsource.PDFPages(path)
	if err != nil {
		return nil, err
	}
	if max := e.Limits().MaxPages; n > max {
		return nil, api.Errorf(api.ReasonSourceTooLarge,
			"the PDF has no text layer and %d pages; OCR reads at most %d pages (setting ocrMaxPages)", n, max)
	}
	dir, err := os.MkdirTemp(renditionDir(r), "ocr-")
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "rendition directory")
	}
	defer os.RemoveAll(dir)
	res := &text.Result{Format: "pdf", Pages: n}
	ow := &ocrWriter{w: w, max: maxChars, res: res, language: lang}
	for i := 1; i <= n && !res.Truncated; i++ {
		pic, err := ocrsource.PDFPage(ctx, img, e.Limits(), path, i, ocrsource.DPI, dir)
		if err != nil {
			return nil, err
		}
		page, err := e.Recognize(ctx, pic, ocr.Request{Language: lang})
		_ = os.Remove(pic.Path)
		if err != nil {
			return nil, err
		}
		if err := ow.page(page, i == 1); err != nil {
			return nil, err
		}
	}
	ow.metadata(r)
	return res, nil
}

// inkWriter passes writes on and records whether any was more than
// white space (ASCII spaces, newlines, form feeds).
type inkWriter struct {
	w   io.Writer
	ink bool
}

func (i *inkWriter) Write(p []byte) (int, error) {
	if !i.ink && len(strings.TrimLeft(string(p), " \t\r\n\f\v")) > 0 {
		i.ink = true
	}
	return i.w.Write(p)
}
