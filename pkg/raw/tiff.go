package raw

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Bounds of the TIFF walk: a hostile file cannot make it read more than
// maxIFDs directories of at most maxEntries entries each, nor follow a
// loop (each directory is read once), nor nest deeper than maxDepth.
const (
	maxIFDs    = 64
	maxEntries = 1000
	maxDepth   = 4
	maxValues  = 64 // values read from one entry (SubIFDs, strips)
)

// TIFF tags the walk reads.
const (
	tagJpgFromRawRW2   = 0x002E
	tagNewSubfileType  = 0x00FE
	tagImageWidth      = 0x0100
	tagImageLength     = 0x0101
	tagBitsPerSample   = 0x0102
	tagCompression     = 0x0103
	tagPhotometric     = 0x0106
	tagMake            = 0x010F
	tagModel           = 0x0110
	tagStripOffsets    = 0x0111
	tagOrientation     = 0x0112
	tagSamplesPerPixel = 0x0115
	tagStripByteCounts = 0x0117
	tagSubIFDs         = 0x014A
	tagJPEGOffset      = 0x0201
	tagJPEGLength      = 0x0202
	tagExifIFD         = 0x8769
	tagMakerNote       = 0x927C
	tagPixelXDimension = 0xA002
	tagPixelYDimension = 0xA003
	tagDefaultCropOrig = 0xC61F
	tagDefaultCropSize = 0xC620
	tagDNGVersion      = 0xC612
)

// errOutside is a structure that lies beyond the end of the file: the
// file was cut short.
var errOutside = errors.New("beyond the end of the file")

// entry is one directory entry.
type entry struct {
	tag, typ uint16
	count    uint32
	inline   [4]byte
	far      bool  // the value is not inline but at valOff
	valOff   int64 // absolute offset of the value when far
}

// size of one value of type typ, 0 for an unknown type.
func typeSize(typ uint16) int64 {
	switch typ {
	case 1, 2, 6, 7:
		return 1
	case 3, 8:
		return 2
	case 4, 9, 11, 13:
		return 4
	case 5, 10, 12:
		return 8
	}
	return 0
}

// ifd is one directory: its entries by tag (the first of a repeated
// tag).
type ifd struct {
	offset  int64
	entries map[uint16]entry
}

// tiffReader reads the directories of a TIFF structure at base in r.
type tiffReader struct {
	r       io.ReaderAt
	size    int64 // of r
	base    int64 // where the TIFF header is; offsets are relative to it
	bo      binary.ByteOrder
	first   int64 // offset (relative) of IFD0
	visited map[int64]bool
	ifds    int
}

// newTIFF reads the header at base: byte order, a magic number (42, or
// the raw variants ORF 0x4F52/0x5352 and RW2 0x55), the offset of IFD0.
func newTIFF(r io.ReaderAt, size, base int64) (*tiffReader, uint16, error) {
	var h [8]byte
	if _, err := r.ReadAt(h[:], base); err != nil {
		return nil, 0, corrupt("the TIFF header cannot be read: %v", err)
	}
	var bo binary.ByteOrder
	switch string(h[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return nil, 0, corrupt("no TIFF byte order mark")
	}
	magic := bo.Uint16(h[2:])
	switch magic {
	case 42, 0x4F52, 0x5352, 0x55:
	default:
		return nil, 0, corrupt("TIFF magic number %#x", magic)
	}
	return &tiffReader{r: r, size: size, base: base, bo: bo, first: int64(bo.Uint32(h[4:])), visited: map[int64]bool{}}, magic, nil
}

// readIFD reads the directory at off (relative to base) and returns it
// with the offset of the next one (0 for none). A directory read before,
// one beyond the bounds, or one past the end of the file is an error.
func (t *tiffReader) readIFD(off int64) (*ifd, int64, error) {
	if off <= 0 || t.base+off+2 > t.size {
		return nil, 0, fmt.Errorf("directory offset %d: %w", off, errOutside)
	}
	if t.visited[off] {
		return nil, 0, fmt.Errorf("directory at %d is referenced twice (a loop)", off)
	}
	if t.ifds >= maxIFDs {
		return nil, 0, fmt.Errorf("more than %d directories", maxIFDs)
	}
	t.visited[off] = true
	t.ifds++
	var nb [2]byte
	if _, err := t.r.ReadAt(nb[:], t.base+off); err != nil {
		return nil, 0, fmt.Errorf("directory at %d: %w", off, err)
	}
	n := int64(t.bo.Uint16(nb[:]))
	if n == 0 || n > maxEntries {
		return nil, 0, fmt.Errorf("directory at %d declares %d entries", off, n)
	}
	buf := make([]byte, 12*n+4)
	got, err := t.r.ReadAt(buf, t.base+off+2)
	if int64(got) < 12*n {
		return nil, 0, fmt.Errorf("directory at %d is cut short: %v", off, err)
	}
	d := &ifd{offset: off, entries: make(map[uint16]entry, n)}
	for i := int64(0); i < n; i++ {
		b := buf[12*i:]
		e := entry{tag: t.bo.Uint16(b), typ: t.bo.Uint16(b[2:]), count: t.bo.Uint32(b[4:])}
		copy(e.inline[:], b[8:12])
		if typeSize(e.typ)*int64(e.count) > 4 {
			e.far, e.valOff = true, t.base+int64(t.bo.Uint32(b[8:]))
		}
		if _, dup := d.entries[e.tag]; !dup {
			d.entries[e.tag] = e
		}
	}
	var next int64
	if int64(got) >= 12*n+4 {
		next = int64(t.bo.Uint32(buf[12*n:]))
	}
	return d, next, nil
}

// uints returns up to max unsigned integer values of the entry (BYTE,
// SHORT, LONG; UNDEFINED as bytes).
func (t *tiffReader) uints(e entry, max int) ([]uint64, error) {
	sz := typeSize(e.typ)
	switch e.typ {
	case 1, 3, 4, 5, 7, 13:
	default:
		return nil, fmt.Errorf("tag %#x has type %d, not an integer", e.tag, e.typ)
	}
	n := int(min(int64(e.count), int64(max)))
	raw := e.inline[:]
	if e.far {
		if e.valOff < 0 || e.valOff+sz*int64(n) > t.size {
			return nil, fmt.Errorf("tag %#x: %w", e.tag, errOutside)
		}
		raw = make([]byte, sz*int64(n))
		if _, err := t.r.ReadAt(raw, e.valOff); err != nil {
			return nil, fmt.Errorf("tag %#x: %w", e.tag, err)
		}
	}
	out := make([]uint64, 0, n)
	for i := 0; i < n; i++ {
		switch sz {
		case 1:
			out = append(out, uint64(raw[i]))
		case 2:
			out = append(out, uint64(t.bo.Uint16(raw[2*i:])))
		case 4:
			out = append(out, uint64(t.bo.Uint32(raw[4*i:])))
		case 8: // RATIONAL, rounded
			num, den := uint64(t.bo.Uint32(raw[8*i:])), uint64(t.bo.Uint32(raw[8*i+4:]))
			if den == 0 {
				return nil, fmt.Errorf("tag %#x: a rational of denominator 0", e.tag)
			}
			out = append(out, (num+den/2)/den)
		}
	}
	return out, nil
}

// uint returns the first integer value of tag in d.
func (t *tiffReader) uint(d *ifd, tag uint16) (uint64, bool) {
	e, ok := d.entries[tag]
	if !ok {
		return 0, false
	}
	v, err := t.uints(e, 1)
	if err != nil || len(v) == 0 {
		return 0, false
	}
	return v[0], true
}

// str returns an ASCII value of at most 64 bytes.
func (t *tiffReader) str(d *ifd, tag uint16) string {
	e, ok := d.entries[tag]
	if !ok || e.typ != 2 {
		return ""
	}
	n := min(int64(e.count), 64)
	b := e.inline[:min(n, 4)]
	if e.far {
		b = make([]byte, n)
		if _, err := t.r.ReadAt(b, e.valOff); err != nil {
			return ""
		}
	}
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	return string(b)
}
