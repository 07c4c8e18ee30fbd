package postscript

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// DOSHeader is the 30-byte header of a DOS EPS binary file (magic
// C5D0D3C6): where the PostScript section and the optional WMF and TIFF
// previews lie, as offsets and lengths from the start of the file. Parse
// checks that every section lies inside the file.
type DOSHeader struct {
	PSOffset, PSLength     int64
	WMFOffset, WMFLength   int64
	TIFFOffset, TIFFLength int64
}

// BoundingBox is a box in PostScript points (1/72 inch): lower left and
// upper right corners.
type BoundingBox struct {
	LLX, LLY, URX, URY float64
}

// Width is the box's width in points.
func (b BoundingBox) Width() float64 { return b.URX - b.LLX }

// Height is the box's height in points.
func (b BoundingBox) Height() float64 { return b.URY - b.LLY }

func (b BoundingBox) valid() bool {
	return b.Width() > 0 && b.Height() > 0 && b.Width() < maxPoints && b.Height() < maxPoints
}

// maxPoints bounds a side of a bounding box (the largest PDF page is
// 14,400 in. = 1,036,800 pt in user units; PostScript has no such limit,
// but a box larger than this is nonsense).
const maxPoints = 1 << 20

// EPSIPreview is the device-independent preview of an EPSI file: a
// bitmap written as hexadecimal comment lines between %%BeginPreview and
// %%EndPreview.
type EPSIPreview struct {
	// Width, Height and Depth (bits per sample: 1, 2, 4 or 8) are those
	// the %%BeginPreview comment declares.
	Width, Height, Depth int
	// Offset is where the hexadecimal lines start, from the start of the
	// file.
	Offset int64
}

// Document is what Parse reads of a PostScript file: its kind, the DOS
// EPS header, the document structuring comments (DSC) of its header and
// trailer, and its previews.
type Document struct {
	// PDF is true for a PDF-compatible Illustrator file: a PDF, which the
	// PDF path renders; nothing else of Document is set.
	PDF bool
	// EPS is true when the header says EPSF (an encapsulated, one-page
	// picture, or a DOS EPS binary file).
	EPS bool
	// Illustrator is true when the comments say Adobe Illustrator made
	// the file.
	Illustrator bool
	// Version is the header's PostScript version: "3.0" of
	// "%!PS-Adobe-3.0"; "" for a bare "%!".
	Version string
	// DOS is the binary header of a DOS EPS file, or nil.
	DOS *DOSHeader
	// BoundingBox is %%HiResBoundingBox, or %%BoundingBox, or nil when
	// neither is given (or valid). ExactBoundingBox is %%BoundingBox
	// alone, the box Ghostscript's -dEPSCrop crops to.
	BoundingBox, ExactBoundingBox *BoundingBox
	// Media is the size of the first %%DocumentMedia, or nil.
	Media *BoundingBox
	// Pages is %%Pages, or 0 when it is not given.
	Pages int
	// Title, Creator, CreationDate and For are the DSC comments of those
	// names, as written (parentheses of a PostScript string removed).
	Title, Creator, CreationDate, For string
	// Preview is the EPSI preview, or nil.
	Preview *EPSIPreview

	hires *BoundingBox // %%HiResBoundingBox
}

// HasTIFFPreview reports whether the DOS EPS header points to a TIFF
// preview.
func (d *Document) HasTIFFPreview() bool { return d.DOS != nil && d.DOS.TIFFLength > 0 }

// HasWMFPreview reports whether the DOS EPS header points to a WMF
// preview (which the service cannot draw: Ghostscript renders instead).
func (d *Document) HasWMFPreview() bool { return d.DOS != nil && d.DOS.WMFLength > 0 }

// Encapsulated reports whether the file is one picture drawn inside its
// bounding box: an EPS file, or a legacy Illustrator file (PostScript
// with a bounding box, written like EPS).
func (d *Document) Encapsulated() bool {
	return d.EPS || d.Illustrator && d.BoundingBox != nil && d.Pages <= 1
}

// Page returns the size of the page in points Ghostscript draws: the
// bounding box of an encapsulated file (-dEPSCrop), the document's media,
// or its bounding box's upper right corner, or US Letter.
func (d *Document) Page() BoundingBox {
	switch {
	case d.Encapsulated() && d.ExactBoundingBox != nil:
		return *d.ExactBoundingBox
	case d.Encapsulated() && d.BoundingBox != nil:
		return *d.BoundingBox
	case d.Media != nil:
		return *d.Media
	case d.BoundingBox != nil && d.BoundingBox.URX > 0 && d.BoundingBox.URY > 0:
		return BoundingBox{0, 0, d.BoundingBox.URX, d.BoundingBox.URY}
	}
	return BoundingBox{0, 0, 612, 792}
}

// Parse limits: the header and the trailer read for comments, and the
// longest comment line.
const (
	headerBytes  = 64 << 10
	trailerBytes = 16 << 10
	dosHeaderLen = 30
)

// Parse reads the header of the PostScript file r of the given size: a
// DOS EPS binary header (its sections checked to lie inside the file),
// the %!PS-Adobe line, the DSC comments of the first 64 KiB (%%BoundingBox,
// %%HiResBoundingBox, %%DocumentMedia, %%Pages, %%Title, %%Creator,
// %%CreationDate, %%For) and, for values deferred with "(atend)", those
// of the last 16 KiB; and an EPSI preview's declaration. It reads at most
// 80 KiB and 30 bytes. A file that is not PostScript, or whose DOS header
// points outside the file, is an *api.Error with reason SourceCorrupt; a
// PDF is a Document with PDF set.
func Parse(r io.ReaderAt, size int64) (*Document, error) {
	if size <= 0 {
		return nil, api.Errorf(api.ReasonSourceCorrupt, "the PostScript file is empty")
	}
	start, end := int64(0), size
	d := &Document{}
	head := make([]byte, min(size, dosHeaderLen))
	if _, err := r.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, api.Wrap(api.ReasonGeneric, err, "the PostScript file cannot be read")
	}
	if bytes.HasPrefix(head, []byte(dosMagic)) {
		if len(head) < dosHeaderLen {
			return nil, api.Errorf(api.ReasonSourceCorrupt, "the DOS EPS header is cut short (%d of 30 bytes)", len(head))
		}
		h, err := parseDOSHeader(head, size)
		if err != nil {
			return nil, err
		}
		d.DOS = h
		d.EPS = true
		start, end = h.PSOffset, h.PSOffset+h.PSLength
	}
	n := min(end-start, headerBytes)
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
		return nil, api.Wrap(api.ReasonGeneric, err, "the PostScript file cannot be read")
	}
	if d.DOS == nil && bytes.Contains(buf[:min(len(buf), 1024)], []byte("%PDF-")) {
		d.PDF = true
		return d, nil
	}
	body := bytes.TrimPrefix(buf, []byte{0x04})
	if !bytes.HasPrefix(body, []byte("%!")) {
		return nil, api.Errorf(api.ReasonSourceCorrupt, "the file does not start like PostScript (%%!): its first bytes are % x", buf[:min(len(buf), 8)])
	}
	first, _, _ := bytes.Cut(body, []byte("\n"))
	first = bytes.TrimRight(first, "\r")
	if v, ok := bytes.CutPrefix(first, []byte("%!PS-Adobe-")); ok {
		d.Version, _, _ = strings.Cut(string(v), " ")
	}
	d.EPS = d.EPS || bytes.Contains(first, []byte("EPSF"))
	atend := d.comments(body, start+int64(len(buf)-len(body)), true)
	if atend {
		// Deferred values are in the trailer; the last ones win.
		m := min(end-start, trailerBytes)
		tail := buf[int64(len(buf))-min(m, int64(len(buf))):]
		if end-start > n {
			tail = make([]byte, m)
			if _, err := r.ReadAt(tail, end-m); err != nil && !errors.Is(err, io.EOF) {
				return nil, api.Wrap(api.ReasonGeneric, err, "the PostScript file cannot be read")
			}
		}
		if i := bytes.LastIndex(tail, []byte("%%Trailer")); i >= 0 {
			tail = tail[i:]
		}
		d.comments(tail, end-int64(len(tail)), false)
	}
	d.Illustrator = d.Illustrator || strings.Contains(d.Creator, "Illustrator")
	return d, nil
}

// dosMagic starts a DOS EPS binary file.
const dosMagic = "\xC5\xD0\xD3\xC6"

// parseDOSHeader reads the offsets and lengths of a DOS EPS header and
// checks them against the file's size.
func parseDOSHeader(h []byte, size int64) (*DOSHeader, error) {
	u := func(off int) int64 { return int64(binary.LittleEndian.Uint32(h[off:])) }
	d := &DOSHeader{u(4), u(8), u(12), u(16), u(20), u(24)}
	for _, s := range []struct {
		name     string
		off, len int64
	}{{"PostScript", d.PSOffset, d.PSLength}, {"WMF preview", d.WMFOffset, d.WMFLength}, {"TIFF preview", d.TIFFOffset, d.TIFFLength}} {
		if s.len == 0 {
			continue
		}
		if s.off < dosHeaderLen || s.off+s.len > size {
			return nil, api.Errorf(api.ReasonSourceCorrupt,
				"the DOS EPS header puts its %s at bytes %d to %d, outside the %d-byte file", s.name, s.off, s.off+s.len, size)
		}
	}
	if d.PSLength == 0 {
		return nil, api.Errorf(api.ReasonSourceCorrupt, "the DOS EPS header has no PostScript section")
	}
	return d, nil
}

// comments reads the DSC comments of b, which lies at offset base in the
// file. In the header (header true) the first value of each comment
// counts and reading stops at %%EndComments, except for the preview that
// follows it; in the trailer the last value counts. It reports whether a
// value was deferred with "(atend)".
func (d *Document) comments(b []byte, base int64, header bool) (atend bool) {
	var (
		hires, box *BoundingBox
		off        int64
	)
	set := func(dst *string, v string) {
		if !header || *dst == "" {
			*dst = v
		}
	}
	for len(b) > 0 {
		line, rest, found := bytes.Cut(b, []byte("\n"))
		off += int64(len(line))
		if found {
			off++
		}
		b = rest
		line = bytes.TrimRight(line, "\r")
		if !bytes.HasPrefix(line, []byte("%")) {
			if header && len(bytes.TrimSpace(line)) > 0 {
				break // the header's comments end here
			}
			continue
		}
		key, val, _ := strings.Cut(string(line), ":")
		val = strings.TrimSpace(val)
		if val == "(atend)" {
			atend = true
			continue
		}
		switch key {
		case "%%BoundingBox":
			if bb, ok := parseBox(val); ok && (box == nil || !header) {
				box = &bb
			}
		case "%%HiResBoundingBox":
			if bb, ok := parseBox(val); ok && (hires == nil || !header) {
				hires = &bb
			}
		case "%%DocumentMedia":
			// name width height weight colour type
			f := strings.Fields(val)
			if len(f) >= 3 && d.Media == nil {
				w, e1 := strconv.ParseFloat(f[1], 64)
				h, e2 := strconv.ParseFloat(f[2], 64)
				if bb := (BoundingBox{0, 0, w, h}); e1 == nil && e2 == nil && bb.valid() {
					d.Media = &bb
				}
			}
		case "%%Pages":
			f := strings.Fields(val)
			if len(f) > 0 {
				if n, err := strconv.Atoi(f[0]); err == nil && n >= 0 && (d.Pages == 0 || !header) {
					d.Pages = n
				}
			}
		case "%%Title":
			set(&d.Title, dscText(val))
		case "%%Creator":
			set(&d.Creator, dscText(val))
		case "%%CreationDate":
			set(&d.CreationDate, dscText(val))
		case "%%For":
			set(&d.For, dscText(val))
		case "%%BeginPreview":
			if header && d.Preview == nil {
				d.Preview = parsePreview(val, base+off)
			}
		}
		if strings.HasPrefix(key, "%AI") {
			d.Illustrator = true
		}
	}
	if box != nil {
		d.ExactBoundingBox = box
	}
	if hires != nil {
		d.hires = hires
	}
	d.BoundingBox = d.ExactBoundingBox
	if d.hires != nil {
		d.BoundingBox = d.hires
	}
	return atend
}

// parseBox reads "llx lly urx ury".
func parseBox(v string) (BoundingBox, bool) {
	f := strings.Fields(v)
	if len(f) != 4 {
		return BoundingBox{}, false
	}
	var n [4]float64
	for i, s := range f {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || x != x {
			return BoundingBox{}, false
		}
		n[i] = x
	}
	bb := BoundingBox{n[0], n[1], n[2], n[3]}
	return bb, bb.valid()
}

// dscText returns a DSC value without the parentheses of a PostScript
// string, its escapes of parentheses and backslashes undone.
func dscText(v string) string {
	if len(v) >= 2 && v[0] == '(' && v[len(v)-1] == ')' {
		v = v[1 : len(v)-1]
		v = strings.NewReplacer(`\(`, "(", `\)`, ")", `\\`, `\`).Replace(v)
	}
	if len(v) > 1024 {
		v = v[:1024]
	}
	return strings.TrimSpace(v)
}

// parsePreview reads "width height depth lines" of %%BeginPreview, whose
// hexadecimal lines start at offset off in the file.
func parsePreview(v string, off int64) *EPSIPreview {
	f := strings.Fields(v)
	if len(f) < 3 {
		return nil
	}
	var n [3]int
	for i := range n {
		x, err := strconv.Atoi(f[i])
		if err != nil || x <= 0 || x > 1<<16 {
			return nil
		}
		n[i] = x
	}
	switch n[2] {
	case 1, 2, 4, 8:
	default:
		return nil
	}
	return &EPSIPreview{Width: n[0], Height: n[1], Depth: n[2], Offset: off}
}

// String describes the document in a few words, for messages.
func (d *Document) String() string {
	switch {
	case d.PDF:
		return "PDF-compatible Illustrator file"
	case d.DOS != nil:
		return "DOS EPS binary file"
	case d.EPS:
		return "EPS file"
	}
	return fmt.Sprintf("PostScript document (%d pages)", d.Pages)
}
