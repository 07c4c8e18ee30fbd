// Package pdfguard makes poppler safe to share within one process, and
// PDFs safe to hand to it.
//
// Importing the package pins poppler's process-wide parameters before
// main runs (see pdfguard.cpp for why: libvips' PDF loader, through
// poppler-glib, otherwise deletes them while the text engine uses them).
// Every package of this module that calls poppler imports it.
//
// Its checks read what drawing a page would decompress, with caps, so that
// a decompression bomb is found by reading at most the cap: the size of
// the page's streams (content, forms, fonts, patterns, annotation
// appearances), the declared size of its images (inline images in its
// content streams included), and the size of the document's XMP metadata
// stream.
package pdfguard

/*
#cgo pkg-config: poppler
#cgo CXXFLAGS: -std=c++17 -O2
#include <stdlib.h>
#include "pdfguard.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

func init() { C.acg_init() }

// Errors of Open.
var (
	// ErrEncrypted means the document needs a password.
	ErrEncrypted = errors.New("pdf is encrypted")
	// ErrOpenFile means the file could not be opened.
	ErrOpenFile = errors.New("pdf file cannot be opened")
	// ErrDamaged means poppler could not parse the document.
	ErrDamaged = errors.New("pdf is damaged")
)

// Doc is an open document. It must not be used by several goroutines at
// once.
type Doc struct {
	p *C.acg_pdf
	n int
}

// Open opens the PDF file at path. It parses the cross-reference table
// only: no stream is decompressed.
func Open(path string) (*Doc, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var code C.int
	p := C.acg_open(cpath, &code)
	if p == nil {
		switch code {
		case 4:
			return nil, ErrEncrypted
		case 1:
			return nil, ErrOpenFile
		}
		return nil, fmt.Errorf("%w (poppler error %d)", ErrDamaged, int(code))
	}
	return &Doc{p: p, n: int(C.acg_pages(p))}, nil
}

// Pages returns the number of pages.
func (d *Doc) Pages() int { return d.n }

// PageSize returns the size in points of page i (0-based) as it is
// shown: its crop box, turned by its /Rotate (what poppler draws).
func (d *Doc) PageSize(i int) (width, height float64, err error) {
	if i < 0 || i >= d.n {
		return 0, 0, fmt.Errorf("pdf page %d out of range 1..%d", i+1, d.n)
	}
	var w, h C.double
	if C.acg_page_size(d.p, C.int(i+1), &w, &h) == 0 {
		return 0, 0, fmt.Errorf("%w: page %d cannot be read", ErrDamaged, i+1)
	}
	return float64(w), float64(h), nil
}

// Close releases the document. It is safe to call twice.
func (d *Doc) Close() {
	if d.p != nil {
		C.acg_close(d.p)
		d.p = nil
	}
}

// MetadataBytes returns the decompressed size of the document's XMP
// metadata stream (the catalog's /Metadata), 0 when there is none. It
// decompresses at most max+1 bytes: a result above max means "more than
// max".
func (d *Doc) MetadataBytes(max int64) int64 {
	return int64(C.acg_metadata_bytes(d.p, C.longlong(max)))
}

// WithoutMetadata writes to path a copy of the document without its XMP
// metadata stream: the original file followed by an incremental update
// whose catalog has no /Metadata entry. The copy draws the same pages.
func (d *Doc) WithoutMetadata(path string) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	if code := C.acg_save_without_metadata(d.p, cpath); code != 0 {
		return fmt.Errorf("pdf: writing a copy without metadata: poppler error %d", int(code))
	}
	// Check the copy: a damaged cross-reference table could make a reader
	// find the old catalog.
	c, err := Open(path)
	if err != nil {
		return fmt.Errorf("pdf: the copy without metadata cannot be read: %w", err)
	}
	defer c.Close()
	if c.MetadataBytes(0) != 0 || c.Pages() != d.Pages() {
		return errors.New("pdf: the copy without metadata still has it")
	}
	return nil
}

// PageLimits bound what drawing one page may read.
type PageLimits struct {
	// StreamBytes is the most the page's streams other than images may
	// decompress to, together: its content, forms, fonts, patterns,
	// shadings and annotation appearances, each counted once. It also
	// bounds the content poppler parses to draw the page, in which a form
	// counts each time it is invoked, plus 2 kB per invocation of any
	// XObject (what fetching and setting it up costs): 1000 invocations of
	// a form that invokes another 1000 times take poppler 26 s.
	StreamBytes int64
	// ImagePixels is the largest image (width x height) the page may
	// draw, as an XObject or inline; poppler decodes an image whole, at
	// its own size, to draw it.
	ImagePixels int64
}

// LimitError is a page that breaks a limit.
type LimitError struct {
	// Page is the page, 1-based.
	Page int
	// Kind says what is over the limit.
	Kind LimitKind
	// Value is the amount found (for StreamBytes, what was read when the
	// walk stopped, just over the limit), Limit the limit.
	Value, Limit int64
	// Width and Height are the image's size, for ImagePixels.
	Width, Height int64
}

// LimitKind says which limit a page breaks.
type LimitKind int

// The limits.
const (
	// StreamBytes is PageLimits.StreamBytes.
	StreamBytes LimitKind = iota + 1
	// ImagePixels is PageLimits.ImagePixels.
	ImagePixels
	// Objects is the walk's own bound on the objects a page refers to.
	Objects
	// Depth is the walk's own bound on nesting.
	Depth
	// DrawnBytes is PageLimits.StreamBytes applied to the content parsed
	// to draw the page, forms counted each time they are invoked.
	DrawnBytes
)

func (e *LimitError) Error() string {
	switch e.Kind {
	case StreamBytes:
		return fmt.Sprintf("page %d: its content, fonts and forms decompress to more than %d bytes", e.Page, e.Limit)
	case ImagePixels:
		return fmt.Sprintf("page %d: it draws an image of %dx%d pixels, more than %d", e.Page, e.Width, e.Height, e.Limit)
	case Objects:
		return fmt.Sprintf("page %d: it refers to more than %d objects", e.Page, e.Limit)
	case DrawnBytes:
		return fmt.Sprintf("page %d: drawing it invokes its forms so often that it parses more than %d bytes", e.Page, e.Limit)
	}
	return fmt.Sprintf("page %d: its resources are nested more than %d levels deep", e.Page, e.Limit)
}

// CheckPage reads what drawing page i (0-based) reads, decompressing at
// most l.StreamBytes+1 bytes, and returns a *LimitError for the first
// limit it breaks. Streams shared between pages are decompressed once per
// document.
func (d *Doc) CheckPage(i int, l PageLimits) error {
	if i < 0 || i >= d.n {
		return fmt.Errorf("pdf page %d out of range 1..%d", i+1, d.n)
	}
	var out C.acg_limit
	C.acg_check_page(d.p, C.int(i+1), C.longlong(l.StreamBytes), C.longlong(l.ImagePixels), &out)
	switch out.kind {
	case C.ACG_OK:
		return nil
	case C.ACG_NO_PAGE:
		return fmt.Errorf("%w: page %d cannot be read", ErrDamaged, i+1)
	}
	kind := map[C.int]LimitKind{C.ACG_STREAM_BYTES: StreamBytes, C.ACG_IMAGE_PIXELS: ImagePixels,
		C.ACG_OBJECTS: Objects, C.ACG_DEPTH: Depth, C.ACG_DRAWN_BYTES: DrawnBytes}[out.kind]
	return &LimitError{Page: i + 1, Kind: kind, Value: int64(out.value), Limit: int64(out.limit),
		Width: int64(out.width), Height: int64(out.height)}
}
