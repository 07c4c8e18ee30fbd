package image

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
	"github.com/assetcompute/assetcompute/pkg/internal/pdfguard"
)

// PDF sources.
//
// libvips draws a PDF page with poppler (through poppler-glib), which
// decompresses whatever the page reads, whole, with no limit of its own;
// and every time libvips opens a PDF it reads the document's XMP metadata
// stream in full and copies it twice, into its pdf-metadata field, which
// the engine does not use.
// A 1 MB file whose metadata stream inflates to 1 GiB thus took 85 seconds
// and 3.2 GB to make a 200-pixel thumbnail. So before libvips sees a PDF,
// it is opened with poppler's own API (package pdfguard, which reads the
// cross-reference table only) and:
//
//   - the page to draw is walked: its content streams, fonts, forms,
//     patterns, shadings and annotation appearances may decompress to at
//     most Limits.MaxPDFPageBytes together, and so may the content parsed
//     to draw it, in which a form counts each time it is invoked (a 15 kB
//     file whose forms invoke each other a million times took 26 to 43 s
//     to draw); each image it draws
//     (inline images in its content included) may declare at most
//     Limits.MaxFullDecodePixels pixels, since poppler decodes an image
//     whole, at its own size, to draw it: 1 MB of Flate data can hold a
//     1 GiB image, which took 14 s and 1.4 GB to draw. The walk stops
//     one byte past the limit, so a bomb costs no more than the limit to
//     find, and the page is refused with SourceTooLarge;
//   - when the XMP metadata decompresses to more than maxPDFXMPBytes,
//     libvips is given a copy without it (the original bytes plus a small
//     incremental update that drops the catalog's /Metadata entry): the
//     page renders as it would have, and the bomb is never inflated;
//   - a document that needs a password is SourceUnsupported, as it is for
//     text and metadata renditions.
//
// A document poppler cannot open otherwise is left to libvips, which
// reports it as SourceCorrupt.

// maxPDFXMPBytes is the largest XMP metadata stream of a PDF that libvips
// is allowed to read; a larger one is left out of the copy libvips reads.
// Real packets are a few kB, up to a few hundred with embedded thumbnails.
const maxPDFXMPBytes = 4 << 20

// preparePDF checks the PDF at path before libvips opens it, for drawing
// page (0-based). It returns the path libvips should open: path itself, or
// a temporary copy without the metadata stream, which cleanup removes. The
// errors carry a reason and a message about what, "source" or "the
// image".
func preparePDF(path string, page int, limits Limits, what string) (string, func(), error) {
	nothing := func() {}
	d, err := pdfguard.Open(path)
	switch {
	case errors.Is(err, pdfguard.ErrEncrypted):
		return "", nothing, api.Wrap(api.ReasonSourceUnsupported, err,
			what+" PDF is encrypted (password protected); it cannot be drawn")
	case err != nil:
		return path, nothing, nil // libvips reads it, or reports it corrupt
	}
	defer d.Close()
	if page < d.Pages() {
		err := d.CheckPage(page, pdfguard.PageLimits{StreamBytes: limits.MaxPDFPageBytes, ImagePixels: limits.MaxFullDecodePixels})
		var le *pdfguard.LimitError
		if errors.As(err, &le) {
			return "", nothing, api.Wrap(api.ReasonSourceTooLarge, err, what+" PDF "+pdfLimitMessage(le))
		}
		// A page poppler cannot walk is left to libvips too.
	}
	if d.MetadataBytes(maxPDFXMPBytes) <= maxPDFXMPBytes {
		return path, nothing, nil
	}
	f, err := os.CreateTemp("", "acs-pdf-*.pdf")
	if err != nil {
		return "", nothing, api.Wrap(api.ReasonGeneric, err, "a temporary copy of the PDF cannot be made")
	}
	f.Close()
	cleanup := func() { _ = os.Remove(f.Name()) }
	if err := d.WithoutMetadata(f.Name()); err != nil {
		cleanup()
		return "", nothing, api.Wrap(api.ReasonSourceTooLarge, err, fmt.Sprintf(
			"%s PDF has an XMP metadata stream of more than %d bytes, which cannot be left out", what, maxPDFXMPBytes))
	}
	return f.Name(), cleanup, nil
}

// pdfLimitMessage says which limit a page breaks, for the public message.
func pdfLimitMessage(le *pdfguard.LimitError) string {
	switch le.Kind {
	case pdfguard.StreamBytes:
		return fmt.Sprintf("page %d: its content, fonts and forms decompress to more than the limit of %d bytes",
			le.Page, le.Limit)
	case pdfguard.ImagePixels:
		return fmt.Sprintf("page %d draws an image of %dx%d pixels (%s), more than the limit of %s",
			le.Page, le.Width, le.Height, megapixels(le.Value), megapixels(le.Limit))
	}
	return le.Error()
}

// checkPDF runs preparePDF on a PDF source; a copy without the metadata
// replaces the source for the rest of the job.
func checkPDF(_ context.Context, j *job) error {
	if j.srcType != TypePDF {
		return nil
	}
	path, cleanup, err := preparePDF(j.src, j.page, j.limits, "source")
	if err != nil {
		return err
	}
	j.src = path
	j.cleanup = append(j.cleanup, cleanup)
	return nil
}

// checkPDFHeader finds the "%PDF-" header, which may follow up to a KiB of
// junk (format.PDFWindow). libvips opens a PDF only at its header, and the
// offsets inside a PDF count from it: after junk, the engine reads a copy
// of the file from the header on, in dir.
func checkPDFHeader(path, dir string, c *sourceCheck) error {
	f, err := os.Open(path)
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "source file cannot be opened")
	}
	defer f.Close()
	head := make([]byte, format.PDFWindow)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
	}
	off := bytes.Index(head[:n], []byte("%PDF-"))
	if off <= 0 {
		return nil
	}
	st, err := f.Stat()
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
	}
	out, err := writeWithout(f, st.Size(), [][2]int64{{0, int64(off)}}, dir, "pdf-*.pdf")
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "a copy of the source cannot be written")
	}
	c.path = out
	return nil
}
