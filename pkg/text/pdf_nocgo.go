//go:build !cgo

package text

import "github.com/assetcompute/assetcompute/pkg/api"

// pdfDoc stands in for the poppler document in builds without cgo.
type pdfDoc struct{}

// openPDF fails: PDF text needs poppler, linked through cgo.
func openPDF(string) (*pdfDoc, error) {
	return nil, api.Errorf(api.ReasonSourceFormatUnsupported, "pdf: this build has no PDF text engine (built without cgo)")
}

func (d *pdfDoc) pages() int                   { return 0 }
func (d *pdfDoc) pageText(int) (string, error) { return "", nil }
func (d *pdfDoc) abort()                       {}
func (d *pdfDoc) close()                       {}
