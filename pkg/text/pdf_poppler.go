//go:build cgo

package text

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/text/internal/poppler"
)

// pdfDoc is an open PDF document, read through poppler's text output device
// (internal/poppler, the engine and settings of pdftotext).
type pdfDoc struct{ d *poppler.Doc }

// openPDF opens the PDF at path. An encrypted document is SourceUnsupported,
// one poppler cannot parse SourceCorrupt.
func openPDF(path string) (*pdfDoc, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, api.Errorf(api.ReasonGeneric, "pdf: %w", err)
	}
	d, err := poppler.Open(abs)
	switch {
	case errors.Is(err, poppler.ErrEncrypted):
		return nil, encrypted("pdf")
	case errors.Is(err, poppler.ErrOpenFile):
		return nil, api.Errorf(api.ReasonGeneric, "pdf: cannot open source: %w", err)
	case err != nil:
		return nil, corrupt("pdf", err)
	}
	return &pdfDoc{d: d}, nil
}

func (p *pdfDoc) pages() int { return p.d.Pages() }
func (p *pdfDoc) abort()     { p.d.Abort() }
func (p *pdfDoc) close()     { p.d.Close() }

// pageText returns the text of page i (0-based). A page that decompresses
// to more than poppler.MaxPageBytes, a decompression bomb, is
// SourceTooLarge, as it is for an image rendition of that page.
func (p *pdfDoc) pageText(i int) (string, error) {
	t, err := p.d.PageText(i)
	if errors.Is(err, poppler.ErrPageTooLarge) {
		return "", api.Wrap(api.ReasonSourceTooLarge, err, fmt.Sprintf(
			"pdf source page %d decompresses to more than the limit of %d bytes; its text is not read", i+1, poppler.MaxPageBytes))
	}
	return t, err
}
