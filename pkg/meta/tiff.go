package meta

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// TIFF field types.
const (
	tBYTE      = 1
	tASCII     = 2
	tSHORT     = 3
	tLONG      = 4
	tRATIONAL  = 5
	tSBYTE     = 6
	tUNDEFINED = 7
	tSSHORT    = 8
	tSLONG     = 9
	tSRATIONAL = 10
	tFLOAT     = 11
	tDOUBLE    = 12
	tIFD       = 13
	tLONG8     = 16
	tSLONG8    = 17
	tIFD8      = 18
)

var typeSize = [...]int64{0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4, 0, 0, 8, 8, 8}

// tiffStruct reads one TIFF structure (a TIFF file, or the TIFF block of an
// EXIF segment) through a src. Offsets inside the structure are relative to
// base, the offset of its byte-order mark.
type tiffStruct struct {
	s       *src
	base    int64
	bo      binary.ByteOrder
	big     bool // BigTIFF
	opts    Options
	visited map[int64]bool
	ifds    int
	first   int64 // offset of IFD0, relative to base
	warn    func(format string, args ...any)
}

// ifdEntry is one entry of an IFD; the value is read on demand.
type ifdEntry struct {
	tag    uint16
	typ    uint16
	count  uint64
	inline []byte // the value, when it fits in the entry
	off    int64  // relative offset of the value, when it does not
}

type ifd struct {
	off     int64
	entries []ifdEntry
	next    int64
}

func (d *ifd) find(tag uint16) (ifdEntry, bool) {
	for _, e := range d.entries {
		if e.tag == tag {
			return e, true
		}
	}
	return ifdEntry{}, false
}

var errNotTIFF = errors.New("not a TIFF structure")

// newTIFF reads the TIFF header at base.
func newTIFF(s *src, base int64, opts Options, warn func(string, ...any)) (*tiffStruct, error) {
	h, err := s.readAt(base, 8)
	if err != nil {
		return nil, err
	}
	t := &tiffStruct{s: s, base: base, opts: opts, visited: map[int64]bool{}, warn: warn}
	switch string(h[:2]) {
	case "II":
		t.bo = binary.LittleEndian
	case "MM":
		t.bo = binary.BigEndian
	default:
		return nil, errNotTIFF
	}
	switch magic := t.bo.Uint16(h[2:]); magic {
	case 42, 0x4F52, 0x5352, 0x55: // TIFF, Olympus ORF ("RO", "RS"), Panasonic RW2
		t.first = int64(t.bo.Uint32(h[4:]))
	case 43:
		t.big = true
		h, err = s.readAt(base, 16)
		if err != nil {
			return nil, err
		}
		if t.bo.Uint16(h[4:]) != 8 {
			return nil, errNotTIFF
		}
		t.first = int64(t.bo.Uint64(h[8:]) & math.MaxInt64)
	default:
		return nil, errNotTIFF
	}
	return t, nil
}

// readIFD reads the IFD at the relative offset off. It refuses an offset
// already visited (a cycle), outside the source, or past the IFD limit.
func (t *tiffStruct) readIFD(off int64, what string) (*ifd, error) {
	if off <= 0 || off >= t.s.size-t.base {
		return nil, fmt.Errorf("%s: offset %d is outside the file", what, off)
	}
	if t.visited[off] {
		return nil, fmt.Errorf("%s: IFD at offset %d was already read (a cycle)", what, off)
	}
	if t.ifds >= t.opts.MaxIFDs {
		return nil, fmt.Errorf("%s: more than %d IFDs", what, t.opts.MaxIFDs)
	}
	t.visited[off] = true
	t.ifds++
	cntSize, entSize, inl := int64(2), int64(12), int64(4)
	if t.big {
		cntSize, entSize, inl = 8, 20, 8
	}
	cb, err := t.s.readAt(t.base+off, cntSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var n uint64
	if t.big {
		n = t.bo.Uint64(cb)
	} else {
		n = uint64(t.bo.Uint16(cb))
	}
	truncated := false
	if n > uint64(t.opts.MaxIFDEntries) {
		t.warn("%s: %d entries is more than the limit of %d; IFD ignored", what, n, t.opts.MaxIFDEntries)
		return nil, fmt.Errorf("%s: absurd entry count %d", what, n)
	}
	avail := (t.s.size - t.base - off - cntSize) / entSize
	if int64(n) > avail {
		n = uint64(max(avail, 0))
		truncated = true
	}
	body, err := t.s.readAt(t.base+off+cntSize, int64(n)*entSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	d := &ifd{off: off}
	for i := uint64(0); i < n; i++ {
		b := body[int64(i)*entSize:]
		e := ifdEntry{tag: t.bo.Uint16(b), typ: t.bo.Uint16(b[2:])}
		var vb []byte
		if t.big {
			e.count = t.bo.Uint64(b[4:])
			vb = b[12:20]
		} else {
			e.count = uint64(t.bo.Uint32(b[4:]))
			vb = b[8:12]
		}
		if int(e.typ) >= len(typeSize) || typeSize[e.typ] == 0 {
			continue // unknown type: skip the entry, as TIFF readers must
		}
		size := typeSize[e.typ] * int64(min(e.count, 1<<40))
		if size <= inl {
			e.inline = vb[:size]
		} else if t.big {
			e.off = int64(t.bo.Uint64(vb) & math.MaxInt64)
		} else {
			e.off = int64(t.bo.Uint32(vb))
		}
		d.entries = append(d.entries, e)
	}
	if truncated {
		t.warn("%s: IFD is truncated", what)
		return d, nil
	}
	nb, err := t.s.readAt(t.base+off+cntSize+int64(n)*entSize, inl)
	if err != nil {
		t.warn("%s: IFD has no next-IFD offset", what)
		return d, nil
	}
	if t.big {
		d.next = int64(t.bo.Uint64(nb) & math.MaxInt64)
	} else {
		d.next = int64(t.bo.Uint32(nb))
	}
	return d, nil
}

// raw returns the bytes of an entry's value, at most limit bytes.
func (t *tiffStruct) raw(e ifdEntry, limit int64) ([]byte, error) {
	if e.inline != nil {
		return e.inline, nil
	}
	if e.count > 1<<40 {
		return nil, fmt.Errorf("tag 0x%04x: absurd count %d", e.tag, e.count)
	}
	size := typeSize[e.typ] * int64(e.count)
	if size > limit {
		return nil, fmt.Errorf("tag 0x%04x: value of %d bytes is over the limit of %d", e.tag, size, limit)
	}
	return t.s.readAt(t.base+e.off, size)
}

// defaultValueLimit bounds the values read for ordinary tags.
const defaultValueLimit = 64 << 10

// ints returns an entry's value as integers (any integer type).
func (t *tiffStruct) ints(e ifdEntry) ([]int64, bool) {
	b, err := t.raw(e, defaultValueLimit)
	if err != nil {
		return nil, false
	}
	n := int(e.count)
	out := make([]int64, 0, n)
	for i := 0; i < n; i++ {
		switch e.typ {
		case tBYTE, tUNDEFINED:
			out = append(out, int64(b[i]))
		case tSBYTE:
			out = append(out, int64(int8(b[i])))
		case tSHORT:
			out = append(out, int64(t.bo.Uint16(b[2*i:])))
		case tSSHORT:
			out = append(out, int64(int16(t.bo.Uint16(b[2*i:]))))
		case tLONG, tIFD:
			out = append(out, int64(t.bo.Uint32(b[4*i:])))
		case tSLONG:
			out = append(out, int64(int32(t.bo.Uint32(b[4*i:]))))
		case tLONG8, tIFD8, tSLONG8:
			out = append(out, int64(t.bo.Uint64(b[8*i:])&math.MaxInt64))
		default:
			return nil, false
		}
	}
	return out, true
}

// nums returns an entry's value as numbers: rationals keep their "n/d"
// form, integers and floats are plain.
func (t *tiffStruct) nums(e ifdEntry) ([]Value, bool) {
	switch e.typ {
	case tRATIONAL, tSRATIONAL:
		b, err := t.raw(e, defaultValueLimit)
		if err != nil {
			return nil, false
		}
		out := make([]Value, 0, e.count)
		for i := 0; i < int(e.count); i++ {
			var n, d int64
			if e.typ == tRATIONAL {
				n, d = int64(t.bo.Uint32(b[8*i:])), int64(t.bo.Uint32(b[8*i+4:]))
			} else {
				n, d = int64(int32(t.bo.Uint32(b[8*i:]))), int64(int32(t.bo.Uint32(b[8*i+4:])))
			}
			v, ok := Rational(n, d)
			if !ok {
				if n == 0 {
					// 0/0 means "unknown" in EXIF.
					continue
				}
				return nil, false
			}
			out = append(out, v)
		}
		return out, len(out) > 0
	case tFLOAT, tDOUBLE:
		b, err := t.raw(e, defaultValueLimit)
		if err != nil {
			return nil, false
		}
		out := make([]Value, 0, e.count)
		for i := 0; i < int(e.count); i++ {
			var f float64
			if e.typ == tFLOAT {
				f = float64(math.Float32frombits(t.bo.Uint32(b[4*i:])))
			} else {
				f = math.Float64frombits(t.bo.Uint64(b[8*i:]))
			}
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, false
			}
			out = append(out, Number(f))
		}
		return out, true
	}
	is, ok := t.ints(e)
	if !ok {
		return nil, false
	}
	out := make([]Value, len(is))
	for i, n := range is {
		out[i] = Number(float64(n))
	}
	return out, true
}

// str returns an ASCII (or UNDEFINED/BYTE) value as text, up to the first
// NUL, decoded as UTF-8 when valid and Latin-1 otherwise.
func (t *tiffStruct) str(e ifdEntry) (string, bool) {
	if e.typ != tASCII && e.typ != tUNDEFINED && e.typ != tBYTE {
		if v, ok := t.nums(e); ok && len(v) == 1 {
			return v[0].String(), true
		}
		return "", false
	}
	b, err := t.raw(e, defaultValueLimit)
	if err != nil {
		return "", false
	}
	if i := indexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return decodeLegacy(b), true
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// decodeLegacy decodes text of unknown encoding: UTF-8 when valid,
// otherwise Windows-1252.
func decodeLegacy(b []byte) string {
	s := string(b)
	if isUTF8(s) {
		return s
	}
	return decodeCP1252(b)
}

func isUTF8(s string) bool {
	return strings.ToValidUTF8(s, "\uFFFD") == s && !strings.Contains(s, "\uFFFD")
}

// cp1252 maps the bytes 0x80-0x9F of Windows-1252; 0 marks an unassigned byte.
var cp1252 = [32]rune{
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
}

func decodeCP1252(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for _, c := range b {
		switch {
		case c < 0x80:
			sb.WriteByte(c)
		case c < 0xA0:
			if r := cp1252[c-0x80]; r != 0 {
				sb.WriteRune(r)
			} else {
				sb.WriteRune(rune(c))
			}
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}

// decodeLatin1 decodes ISO 8859-1.
func decodeLatin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}
