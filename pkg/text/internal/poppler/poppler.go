// Package poppler reads the text of PDF pages through poppler's text output
// device, the engine of pdftotext, with pdftotext's default settings
// (reading order). It is the only C++ in the module; its API has Go types
// only.
package poppler

/*
#cgo pkg-config: poppler
#cgo CXXFLAGS: -std=c++17 -O2
#include <stdlib.h>
#include "poppler.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"unsafe"

	// Importing pdfguard also pins poppler's global parameters, shared
	// with libvips' PDF loader.
	"github.com/assetcompute/assetcompute/pkg/internal/pdfguard"
)

// MaxPageBytes is the most one page may decompress to before its text is
// read: its content streams, fonts and forms together (images are not
// decoded for text); it also bounds the content parsed to read the page,
// in which a form counts each time it is invoked (see pdfguard). A page
// above it, a decompression bomb, is not read and PageText returns
// ErrPageTooLarge; finding it costs reading MaxPageBytes. Poppler parses
// 128 MiB of content in about a second.
const MaxPageBytes = 128 << 20

// Errors of Open.
var (
	// ErrEncrypted means the document needs a password.
	ErrEncrypted = errors.New("pdf is encrypted")
	// ErrOpenFile means the file could not be opened.
	ErrOpenFile = errors.New("pdf file cannot be opened")
	// ErrDamaged means poppler could not parse the document.
	ErrDamaged = errors.New("pdf is damaged")
	// ErrAborted means Abort stopped a page.
	ErrAborted = errors.New("pdf text extraction aborted")
	// ErrPageTooLarge means a page decompresses to more than
	// MaxPageBytes; the error also says which page.
	ErrPageTooLarge = errors.New("pdf page is too large")
)

// Doc is an open document. PageText must not be called concurrently; Abort
// may be called from any goroutine until Close.
type Doc struct {
	mu sync.Mutex // guards p against Close during Abort
	p  *C.ac_pdf
	n  int
	// guard checks each page before poppler draws it.
	guard *pdfguard.Doc
}

// Open opens the PDF file at path.
func Open(path string) (*Doc, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var code C.int
	p := C.ac_pdf_open(cpath, &code)
	if p == nil {
		switch code {
		case 4:
			return nil, ErrEncrypted
		case 1:
			return nil, ErrOpenFile
		}
		return nil, fmt.Errorf("%w (poppler error %d)", ErrDamaged, int(code))
	}
	guard, err := pdfguard.Open(path)
	if err != nil {
		C.ac_pdf_close(p)
		return nil, fmt.Errorf("%w (%v)", ErrDamaged, err)
	}
	return &Doc{p: p, n: int(C.ac_pdf_pages(p)), guard: guard}, nil
}

// Pages returns the number of pages.
func (d *Doc) Pages() int { return d.n }

// PageText returns the text of page i (0-based) in reading order, lines
// ended by newlines. A page that decompresses to more than MaxPageBytes is
// not read (ErrPageTooLarge).
func (d *Doc) PageText(i int) (string, error) {
	if i < 0 || i >= d.n {
		return "", fmt.Errorf("pdf page %d out of range 1..%d", i+1, d.n)
	}
	err := d.guard.CheckPage(i, pdfguard.PageLimits{StreamBytes: MaxPageBytes, ImagePixels: math.MaxInt64})
	var le *pdfguard.LimitError
	if errors.As(err, &le) {
		return "", fmt.Errorf("%w: %w", ErrPageTooLarge, err)
	}
	var n C.size_t
	t := C.ac_pdf_page_text(d.p, C.int(i+1), &n)
	if t == nil {
		return "", ErrAborted
	}
	defer C.free(unsafe.Pointer(t))
	return C.GoStringN(t, C.int(n)), nil
}

// Abort makes a running or later PageText stop as soon as poppler checks.
func (d *Doc) Abort() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.p != nil {
		C.ac_pdf_abort(d.p)
	}
}

// Close releases the document.
func (d *Doc) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.p != nil {
		C.ac_pdf_close(d.p)
		d.p = nil
		d.guard.Close()
	}
}
