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
	"sync"
	"unsafe"

	// Pins poppler's global parameters, shared with libvips' PDF loader.
	_ "github.com/assetcompute/assetcompute/pkg/internal/pdfguard"
)

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
)

// Doc is an open document. PageText must not be called concurrently; Abort
// may be called from any goroutine until Close.
type Doc struct {
	mu sync.Mutex // guards p against Close during Abort
	p  *C.ac_pdf
	n  int
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
	return &Doc{p: p, n: int(C.ac_pdf_pages(p))}, nil
}

// Pages returns the number of pages.
func (d *Doc) Pages() int { return d.n }

// PageText returns the text of page i (0-based) in reading order, lines
// ended by newlines.
func (d *Doc) PageText(i int) (string, error) {
	if i < 0 || i >= d.n {
		return "", fmt.Errorf("pdf page %d out of range 1..%d", i+1, d.n)
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
	}
}
