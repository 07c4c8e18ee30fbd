package metablock

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// TIFF field types.
const (
	TypeByte      = 1
	TypeASCII     = 2
	TypeShort     = 3
	TypeLong      = 4
	TypeRational  = 5
	TypeSByte     = 6
	TypeUndefined = 7
	TypeSShort    = 8
	TypeSLong     = 9
	TypeSRational = 10
	TypeFloat     = 11
	TypeDouble    = 12
	TypeIFD       = 13
	TypeLong8     = 16
	TypeSLong8    = 17
	TypeIFD8      = 18
)

// typeSize is the size of one value of each field type; 0 marks an
// unknown type.
var typeSize = [...]int64{0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4, 0, 0, 8, 8, 8}

// DefaultValueLimit bounds the values Ints reads.
const DefaultValueLimit = 64 << 10

// Source gives a TIFF structure its bytes.
type Source interface {
	// ReadRange returns exactly n bytes at off, or an error.
	ReadRange(off, n int64) ([]byte, error)
	// Size is the number of bytes of the source.
	Size() int64
}

// Bytes is a Source over bytes in memory.
type Bytes []byte

// ErrOutside reports a read outside a Bytes source.
var ErrOutside = errors.New("outside the block")

// ReadRange returns b[off:off+n].
func (b Bytes) ReadRange(off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || off > int64(len(b)) || n > int64(len(b))-off {
		return nil, fmt.Errorf("%d bytes at offset %d: %w", n, off, ErrOutside)
	}
	return b[off : off+n : off+n], nil
}

// Size returns len(b).
func (b Bytes) Size() int64 { return int64(len(b)) }

// ErrNotTIFF reports a header with neither byte-order mark and TIFF magic.
var ErrNotTIFF = errors.New("not a TIFF structure")

// Limits bound the work spent on one TIFF structure.
type Limits struct {
	// MaxIFDs bounds the IFDs read.
	MaxIFDs int
	// MaxIFDEntries bounds the entries of one IFD; a larger IFD is
	// refused.
	MaxIFDEntries int
}

// TIFF reads one TIFF structure (a TIFF file, or the TIFF block of an EXIF
// segment) through a Source. Offsets inside the structure are relative to
// its base, the offset of its byte-order mark.
type TIFF struct {
	// Order is the structure's byte order.
	Order binary.ByteOrder
	// Big reports a BigTIFF.
	Big bool
	// First is the offset of IFD0, relative to the base.
	First int64

	s       Source
	base    int64
	lim     Limits
	visited map[int64]bool
	ifds    int
	warn    func(format string, args ...any)
}

// Entry is one entry of an IFD; its value is read on demand.
type Entry struct {
	// Tag is the entry's tag, Type its field type (one of the Type
	// constants) and Count the number of values.
	Tag, Type uint16
	Count     uint64
	inline    []byte // the value, when it fits in the entry
	off       int64  // relative offset of the value, when it does not
}

// IFD is one image file directory.
type IFD struct {
	// Off is the IFD's offset, relative to the base.
	Off int64
	// Entries are the entries of known field types, in file order.
	Entries []Entry
	// Next is the offset of the next IFD, 0 for none.
	Next int64
}

// Find returns the first entry of tag.
func (d *IFD) Find(tag uint16) (Entry, bool) {
	for _, e := range d.Entries {
		if e.Tag == tag {
			return e, true
		}
	}
	return Entry{}, false
}

// NewTIFF reads the TIFF header at base: a byte-order mark, then the magic
// of a TIFF (42), a BigTIFF (43) or a TIFF-based raw (Olympus "RO" and
// "RS", Panasonic 0x55). warn, which may be nil, hears of damage that
// does not stop the reading.
func NewTIFF(s Source, base int64, lim Limits, warn func(format string, args ...any)) (*TIFF, error) {
	h, err := s.ReadRange(base, 8)
	if err != nil {
		return nil, err
	}
	if warn == nil {
		warn = func(string, ...any) {}
	}
	t := &TIFF{s: s, base: base, lim: lim, visited: map[int64]bool{}, warn: warn}
	switch string(h[:2]) {
	case "II":
		t.Order = binary.LittleEndian
	case "MM":
		t.Order = binary.BigEndian
	default:
		return nil, ErrNotTIFF
	}
	switch magic := t.Order.Uint16(h[2:]); magic {
	case 42, 0x4F52, 0x5352, 0x55:
		t.First = int64(t.Order.Uint32(h[4:]))
	case 43:
		t.Big = true
		h, err = s.ReadRange(base, 16)
		if err != nil {
			return nil, err
		}
		if t.Order.Uint16(h[4:]) != 8 {
			return nil, ErrNotTIFF
		}
		t.First = int64(t.Order.Uint64(h[8:]) & math.MaxInt64)
	default:
		return nil, ErrNotTIFF
	}
	return t, nil
}

// ReadIFD reads the IFD at the relative offset off; what names it in
// errors and warnings. It refuses an offset already visited (a cycle),
// outside the source, or past the IFD limit. A truncated IFD yields the
// entries there are.
func (t *TIFF) ReadIFD(off int64, what string) (*IFD, error) {
	if off <= 0 || off >= t.s.Size()-t.base {
		return nil, fmt.Errorf("%s: offset %d is outside the file", what, off)
	}
	if t.visited[off] {
		return nil, fmt.Errorf("%s: IFD at offset %d was already read (a cycle)", what, off)
	}
	if t.ifds >= t.lim.MaxIFDs {
		return nil, fmt.Errorf("%s: more than %d IFDs", what, t.lim.MaxIFDs)
	}
	t.visited[off] = true
	t.ifds++
	cntSize, entSize, inl := int64(2), int64(12), int64(4)
	if t.Big {
		cntSize, entSize, inl = 8, 20, 8
	}
	cb, err := t.s.ReadRange(t.base+off, cntSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var n uint64
	if t.Big {
		n = t.Order.Uint64(cb)
	} else {
		n = uint64(t.Order.Uint16(cb))
	}
	truncated := false
	if n > uint64(t.lim.MaxIFDEntries) {
		t.warn("%s: %d entries is more than the limit of %d; IFD ignored", what, n, t.lim.MaxIFDEntries)
		return nil, fmt.Errorf("%s: absurd entry count %d", what, n)
	}
	avail := (t.s.Size() - t.base - off - cntSize) / entSize
	if int64(n) > avail {
		n = uint64(max(avail, 0))
		truncated = true
	}
	body, err := t.s.ReadRange(t.base+off+cntSize, int64(n)*entSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	d := &IFD{Off: off}
	for i := uint64(0); i < n; i++ {
		b := body[int64(i)*entSize:]
		e := Entry{Tag: t.Order.Uint16(b), Type: t.Order.Uint16(b[2:])}
		var vb []byte
		if t.Big {
			e.Count = t.Order.Uint64(b[4:])
			vb = b[12:20]
		} else {
			e.Count = uint64(t.Order.Uint32(b[4:]))
			vb = b[8:12]
		}
		if int(e.Type) >= len(typeSize) || typeSize[e.Type] == 0 {
			continue // unknown type: skip the entry, as TIFF readers must
		}
		size := typeSize[e.Type] * int64(min(e.Count, 1<<40))
		if size <= inl {
			e.inline = vb[:size]
		} else if t.Big {
			e.off = int64(t.Order.Uint64(vb) & math.MaxInt64)
		} else {
			e.off = int64(t.Order.Uint32(vb))
		}
		d.Entries = append(d.Entries, e)
	}
	if truncated {
		t.warn("%s: IFD is truncated", what)
		return d, nil
	}
	nb, err := t.s.ReadRange(t.base+off+cntSize+int64(n)*entSize, inl)
	if err != nil {
		t.warn("%s: IFD has no next-IFD offset", what)
		return d, nil
	}
	if t.Big {
		d.Next = int64(t.Order.Uint64(nb) & math.MaxInt64)
	} else {
		d.Next = int64(t.Order.Uint32(nb))
	}
	return d, nil
}

// Raw returns the bytes of an entry's value, refusing one of more than
// limit bytes.
func (t *TIFF) Raw(e Entry, limit int64) ([]byte, error) {
	if e.inline != nil {
		return e.inline, nil
	}
	if e.Count > 1<<40 {
		return nil, fmt.Errorf("tag 0x%04x: absurd count %d", e.Tag, e.Count)
	}
	size := typeSize[e.Type] * int64(e.Count)
	if size > limit {
		return nil, fmt.Errorf("tag 0x%04x: value of %d bytes is over the limit of %d", e.Tag, size, limit)
	}
	return t.s.ReadRange(t.base+e.off, size)
}

// Ints returns an entry's value as integers (any integer type), reading at
// most DefaultValueLimit bytes.
func (t *TIFF) Ints(e Entry) ([]int64, bool) {
	b, err := t.Raw(e, DefaultValueLimit)
	if err != nil {
		return nil, false
	}
	n := int(e.Count)
	out := make([]int64, 0, n)
	for i := 0; i < n; i++ {
		switch e.Type {
		case TypeByte, TypeUndefined:
			out = append(out, int64(b[i]))
		case TypeSByte:
			out = append(out, int64(int8(b[i])))
		case TypeShort:
			out = append(out, int64(t.Order.Uint16(b[2*i:])))
		case TypeSShort:
			out = append(out, int64(int16(t.Order.Uint16(b[2*i:]))))
		case TypeLong, TypeIFD:
			out = append(out, int64(t.Order.Uint32(b[4*i:])))
		case TypeSLong:
			out = append(out, int64(int32(t.Order.Uint32(b[4*i:]))))
		case TypeLong8, TypeIFD8, TypeSLong8:
			out = append(out, int64(t.Order.Uint64(b[8*i:])&math.MaxInt64))
		default:
			return nil, false
		}
	}
	return out, true
}

// CString returns the bytes of a value up to its first NUL.
func CString(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}
