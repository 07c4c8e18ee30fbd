// Package rawtest writes camera raw files for tests and benchmarks: a DNG
// with real uncompressed CFA data (16-bit samples, an RGGB pattern, a
// colour matrix) that LibRaw develops, TIFF-structured raw files laid out
// like a NEF or an ARW with a JPEG preview, a Fujifilm RAF header with its
// JPEG, and a Canon CR3-like ISO base media file with THMB and PRVW boxes.
//
// Every picture shows the same scene, Quadrants: red top left, green top
// right, blue bottom left, white bottom right, as the camera saw it (before
// the file's orientation is applied).
package rawtest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"sort"
)

// Quadrant colours of the scene, in linear sRGB from 0 to 1.
var (
	Red   = [3]float64{0.9, 0.05, 0.05}
	Green = [3]float64{0.05, 0.9, 0.05}
	Blue  = [3]float64{0.05, 0.05, 0.9}
	White = [3]float64{0.9, 0.9, 0.9}
)

// Quadrants returns the scene's linear colour at (x, y) of a w x h picture.
func Quadrants(x, y, w, h int) [3]float64 {
	top, left := y < h/2, x < w/2
	switch {
	case top && left:
		return Red
	case top:
		return Green
	case left:
		return Blue
	}
	return White
}

// JPEG returns a baseline JPEG of the scene at w x h, quality 90.
func JPEG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := Quadrants(x, y, w, h)
			img.Set(x, y, color.RGBA{gamma(c[0]), gamma(c[1]), gamma(c[2]), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// gamma encodes a linear value in sRGB, 8 bits.
func gamma(v float64) uint8 {
	// A plain 1/2.2 curve is near enough for a test picture.
	return uint8(min(255, 255*pow(v, 1/2.2)+0.5))
}

func pow(v, e float64) float64 {
	if v <= 0 {
		return 0
	}
	return math.Pow(v, e)
}

// TIFF types.
const (
	Byte      = 1
	ASCII     = 2
	Short     = 3
	Long      = 4
	Rational  = 5
	Undefined = 7
	SRational = 10
)

// Entry is one TIFF directory entry. Value holds the encoded values
// (little-endian); Blob, when set, is data written elsewhere in the file
// whose offset becomes the entry's one LONG value; Sub, when set, are
// directories written elsewhere whose offsets become its LONG values.
type Entry struct {
	Tag   uint16
	Type  uint16
	Count uint32
	Value []byte
	Blob  []byte
	Sub   []*IFD
}

// IFD is a TIFF image file directory and the directory after it.
type IFD struct {
	Entries []Entry
	Next    *IFD
}

// Shorts is an entry of SHORT values.
func Shorts(tag uint16, v ...uint16) Entry {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], x)
	}
	return Entry{Tag: tag, Type: Short, Count: uint32(len(v)), Value: b}
}

// Longs is an entry of LONG values.
func Longs(tag uint16, v ...uint32) Entry {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], x)
	}
	return Entry{Tag: tag, Type: Long, Count: uint32(len(v)), Value: b}
}

// Bytes is an entry of BYTE values.
func Bytes(tag uint16, v ...byte) Entry {
	return Entry{Tag: tag, Type: Byte, Count: uint32(len(v)), Value: append([]byte(nil), v...)}
}

// String is an ASCII entry.
func String(tag uint16, s string) Entry {
	return Entry{Tag: tag, Type: ASCII, Count: uint32(len(s) + 1), Value: append([]byte(s), 0)}
}

// SRationals is an entry of signed rationals v[i]/den.
func SRationals(tag uint16, den int32, v ...int32) Entry {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[8*i:], uint32(x))
		binary.LittleEndian.PutUint32(b[8*i+4:], uint32(den))
	}
	return Entry{Tag: tag, Type: SRational, Count: uint32(len(v)), Value: b}
}

// Rationals is an entry of unsigned rationals v[i]/den.
func Rationals(tag uint16, den uint32, v ...uint32) Entry {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[8*i:], x)
		binary.LittleEndian.PutUint32(b[8*i+4:], den)
	}
	return Entry{Tag: tag, Type: Rational, Count: uint32(len(v)), Value: b}
}

// BlobAt is an entry whose LONG value is the offset of data.
func BlobAt(tag uint16, data []byte) Entry { return Entry{Tag: tag, Type: Long, Count: 1, Blob: data} }

// SubIFDs is an entry whose LONG values are the offsets of dirs.
func SubIFDs(tag uint16, dirs ...*IFD) Entry {
	return Entry{Tag: tag, Type: Long, Count: uint32(len(dirs)), Sub: dirs}
}

// TIFF writes a little-endian TIFF file whose first directory is ifd0,
// with magic as the header's 16-bit magic number (42 for TIFF; 0x4F52
// for an ORF, 0x55 for an RW2).
func TIFF(ifd0 *IFD, magic uint16) []byte { return TIFFAfter(ifd0, magic, nil) }

// TIFFAfter is TIFF with extra bytes between the 8-byte header and IFD0,
// as a CR2 keeps its own header there.
func TIFFAfter(ifd0 *IFD, magic uint16, extra []byte) []byte {
	w := &tiffWriter{buf: append([]byte{'I', 'I', 0, 0, 0, 0, 0, 0}, extra...)}
	binary.LittleEndian.PutUint16(w.buf[2:], magic)
	off := w.place(ifd0) // may move w.buf: index it after
	binary.LittleEndian.PutUint32(w.buf[4:], off)
	return w.buf
}

type tiffWriter struct{ buf []byte }

func (w *tiffWriter) align() {
	if len(w.buf)%2 == 1 {
		w.buf = append(w.buf, 0)
	}
}

func (w *tiffWriter) appendData(b []byte) uint32 {
	w.align()
	off := uint32(len(w.buf))
	w.buf = append(w.buf, b...)
	return off
}

// place writes d (and, after it, what it points to) and returns its
// offset.
func (w *tiffWriter) place(d *IFD) uint32 {
	entries := append([]Entry(nil), d.Entries...)
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Tag < entries[j].Tag })
	w.align()
	pos := len(w.buf)
	w.buf = append(w.buf, make([]byte, 2+12*len(entries)+4)...)
	binary.LittleEndian.PutUint16(w.buf[pos:], uint16(len(entries)))
	for i, e := range entries {
		val := e.Value
		switch {
		case e.Sub != nil:
			val = make([]byte, 4*len(e.Sub))
			for k, s := range e.Sub {
				binary.LittleEndian.PutUint32(val[4*k:], w.place(s))
			}
		case e.Blob != nil:
			val = binary.LittleEndian.AppendUint32(nil, w.appendData(e.Blob))
		}
		at := pos + 2 + 12*i
		binary.LittleEndian.PutUint16(w.buf[at:], e.Tag)
		binary.LittleEndian.PutUint16(w.buf[at+2:], e.Type)
		binary.LittleEndian.PutUint32(w.buf[at+4:], e.Count)
		if len(val) <= 4 {
			copy(w.buf[at+8:at+12], val)
		} else {
			off := w.appendData(val) // may move w.buf: index it after
			binary.LittleEndian.PutUint32(w.buf[at+8:], off)
		}
	}
	if d.Next != nil {
		next := w.place(d.Next) // may move w.buf: index it after
		binary.LittleEndian.PutUint32(w.buf[pos+2+12*len(entries):], next)
	}
	return uint32(pos)
}
