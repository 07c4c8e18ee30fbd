package meta

import (
	"encoding/binary"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// Canon CRW (CIFF) and Sigma X3F raw files.
//
// A CRW file is a CIFF heap: a header ("II", its length, "HEAPCCDR"), then
// the root heap, whose last 4 bytes point to its directory of 10-byte
// entries (tag, size, offset); a tag of type 0x28 or 0x30 is a heap of its
// own. Read: the make and model (0x080a), the date taken (0x180e, Unix
// seconds of the camera's clock), the image size (0x1810 ImageInfo, else
// 0x1031 SensorInfo), up to ciffMaxDepth levels of heaps and ciffMaxEntries
// entries in all.
//
// An X3F file starts with "FOVb" and the image size (at 28, at 40 from
// version 4 on); its last 4 bytes
// point to a section directory ("SECd") whose PROP section holds UTF-16
// name/value pairs (CAMMANUF, CAMMODEL, TIME in Unix seconds of the
// camera's clock).

const (
	ciffMaxDepth   = 6
	ciffMaxEntries = 4096
	ciffMaxDir     = 1 << 16 // bytes of one directory
	x3fMaxSections = 256
	x3fMaxProp     = 1 << 20 // bytes of a PROP section
)

// readCRW reads a Canon CRW file.
func readCRW(x *extraction) error {
	h, err := x.s.readAt(0, 14)
	if err != nil {
		return err
	}
	if string(h[:2]) != "II" || string(h[6:14]) != "HEAPCCDR" {
		return corruptf("no CIFF header")
	}
	hlen := int64(binary.LittleEndian.Uint32(h[2:]))
	if hlen < 14 || hlen >= x.s.size {
		return corruptf("CIFF header length %d", hlen)
	}
	c := &ciff{x: x}
	if err := c.heap(hlen, x.s.size-hlen, 0); err != nil {
		if len(x.b.props) == 0 {
			return err
		}
		x.b.warn("%s", x.describe(err))
	}
	b := x.b
	if c.width > 0 && c.height > 0 {
		b.set("tiff:ImageWidth", Number(float64(c.width)), prioFile)
		b.set("tiff:ImageLength", Number(float64(c.height)), prioFile)
	}
	if len(b.props) == 0 {
		return corruptf("no CIFF records")
	}
	return nil
}

type ciff struct {
	x             *extraction
	entries       int
	width, height uint32
	sensorW       uint32
	sensorH       uint32
}

// heap reads the directory of the heap at off of the given length.
func (c *ciff) heap(off, length int64, depth int) error {
	if depth > ciffMaxDepth || length < 6 {
		return nil
	}
	le := binary.LittleEndian
	t, err := c.x.s.readAt(off+length-4, 4)
	if err != nil {
		return err
	}
	dirOff := int64(le.Uint32(t))
	if dirOff > length-6 {
		return corruptf("CIFF directory at %d outside its heap of %d bytes", dirOff, length)
	}
	cnt, err := c.x.s.readAt(off+dirOff, 2)
	if err != nil {
		return err
	}
	n := int64(le.Uint16(cnt))
	if 2+10*n > min(length-dirOff, ciffMaxDir) {
		return corruptf("CIFF directory of %d entries does not fit its heap", n)
	}
	dir, err := c.x.s.readAt(off+dirOff+2, 10*n)
	if err != nil {
		return err
	}
	b := c.x.b
	for i := int64(0); i < n; i++ {
		if c.entries++; c.entries > ciffMaxEntries {
			b.warn("more than %d CIFF records; the rest is not read", ciffMaxEntries)
			return nil
		}
		e := dir[10*i : 10*i+10]
		tag := le.Uint16(e)
		size, voff := int64(le.Uint32(e[2:])), int64(le.Uint32(e[6:]))
		var val []byte
		if tag&0xC000 == 0x4000 {
			val = e[2:10] // the value is in the entry
		} else if tag&0xC000 != 0 {
			continue
		} else if voff > length || size > length-voff {
			b.warn("CIFF record %#04x points outside its heap", tag&0x3FFF)
			continue
		}
		kind := (tag >> 8) & 0x38
		if val == nil && (kind == 0x28 || kind == 0x30) {
			if err := c.heap(off+voff, size, depth+1); err != nil {
				b.warn("CIFF heap %#04x: %s", tag&0x3FFF, c.x.describe(err))
			}
			continue
		}
		switch tag & 0x3FFF {
		case 0x080a, 0x180e, 0x1810, 0x1031:
		default:
			continue
		}
		if val == nil {
			if val, err = c.x.s.readAt(off+voff, min(size, 256)); err != nil {
				b.warn("CIFF record %#04x: %s", tag&0x3FFF, c.x.describe(err))
				continue
			}
		}
		c.record(tag&0x3FFF, val)
	}
	return nil
}

func (c *ciff) record(id uint16, v []byte) {
	le := binary.LittleEndian
	b := c.x.b
	switch id {
	case 0x080a: // make NUL model NUL
		parts := strings.SplitN(string(v), "\x00", 3)
		b.set("tiff:Make", Text(strings.TrimSpace(parts[0])), prioEXIF)
		if len(parts) > 1 {
			b.set("tiff:Model", Text(strings.TrimSpace(parts[1])), prioEXIF)
		}
	case 0x180e: // Unix seconds, time zone, flags
		if len(v) >= 4 {
			if iso, ok := unixLocal(int64(le.Uint32(v))); ok {
				b.set("exif:DateTimeOriginal", Date(iso), prioEXIF)
				b.set("xmp:CreateDate", Date(iso), prioEXIF)
			}
		}
	case 0x1810: // ImageInfo: width, height, ...
		if len(v) >= 8 {
			c.width, c.height = le.Uint32(v), le.Uint32(v[4:])
		}
	case 0x1031: // SensorInfo: uint16 [_, width, height, ...]
		if len(v) >= 6 && c.width == 0 {
			c.sensorW, c.sensorH = uint32(le.Uint16(v[2:])), uint32(le.Uint16(v[4:]))
			c.width, c.height = c.sensorW, c.sensorH
		}
	}
	if id == 0x1810 && c.width == 0 && c.sensorW > 0 {
		c.width, c.height = c.sensorW, c.sensorH
	}
}

// unixLocal writes Unix seconds of a camera clock (local time, zone
// unknown) as an ISO date without a zone; 0 and implausible values are
// not dates.
func unixLocal(sec int64) (string, bool) {
	if sec <= 0 {
		return "", false
	}
	t := time.Unix(sec, 0).UTC()
	if t.Year() < 1980 || t.Year() > 2200 {
		return "", false
	}
	return t.Format("2006-01-02T15:04:05"), true
}

// readX3F reads a Sigma X3F file.
func readX3F(x *extraction) error {
	le := binary.LittleEndian
	h, err := x.s.readAt(0, 40)
	if err != nil {
		return err
	}
	if string(h[:4]) != "FOVb" {
		return corruptf("no FOVb header")
	}
	b := x.b
	size := h[28:36]
	if le.Uint32(h[4:])>>16 >= 4 { // version 4 on: the size follows at 40
		if size, err = x.s.readAt(40, 8); err != nil {
			return err
		}
	}
	if w, ht := le.Uint32(size), le.Uint32(size[4:]); w > 0 && ht > 0 && w < 1<<16 && ht < 1<<16 {
		b.set("tiff:ImageWidth", Number(float64(w)), prioFile)
		b.set("tiff:ImageLength", Number(float64(ht)), prioFile)
	}
	if err := x3fProps(x); err != nil {
		if len(b.props) == 0 {
			return err
		}
		b.warn("%s", x.describe(err))
	}
	if len(b.props) == 0 {
		return corruptf("no image size and no properties")
	}
	return nil
}

// x3fProps reads the PROP sections the directory lists.
func x3fProps(x *extraction) error {
	le := binary.LittleEndian
	t, err := x.s.readAt(x.s.size-4, 4)
	if err != nil {
		return err
	}
	dirOff := int64(le.Uint32(t))
	d, err := x.s.readAt(dirOff, 12)
	if err != nil {
		return err
	}
	if string(d[:4]) != "SECd" {
		return corruptf("no X3F section directory at %d", dirOff)
	}
	n := int64(le.Uint32(d[8:]))
	if n > x3fMaxSections {
		return corruptf("X3F directory of %d sections", n)
	}
	ents, err := x.s.readAt(dirOff+12, 12*n)
	if err != nil {
		return err
	}
	for i := int64(0); i < n; i++ {
		e := ents[12*i:]
		if string(e[8:12]) != "PROP" {
			continue
		}
		off, length := int64(le.Uint32(e)), int64(le.Uint32(e[4:]))
		if length < 24 || length > x3fMaxProp {
			x.b.warn("X3F PROP section of %d bytes is not read", length)
			continue
		}
		sec, err := x.s.readAt(off, length)
		if err != nil {
			x.b.warn("X3F PROP section: %s", x.describe(err))
			continue
		}
		x3fPropSection(x.b, sec)
	}
	return nil
}

func x3fPropSection(b *builder, sec []byte) {
	le := binary.LittleEndian
	if string(sec[:4]) != "SECp" || le.Uint32(sec[12:]) != 0 { // UTF-16 only
		b.warn("X3F PROP section is not UTF-16 name/value pairs")
		return
	}
	n := int64(le.Uint32(sec[8:]))
	if 24+8*n > int64(len(sec)) {
		b.warn("X3F PROP section of %d entries is cut short", n)
		n = (int64(len(sec)) - 24) / 8
	}
	chars := sec[24+8*n:]
	str := func(at int64) (string, bool) {
		if at < 0 || 2*at >= int64(len(chars)) {
			return "", false
		}
		var u []uint16
		for i := 2 * at; i+1 < int64(len(chars)); i += 2 {
			c := le.Uint16(chars[i:])
			if c == 0 {
				break
			}
			u = append(u, c)
		}
		return string(utf16.Decode(u)), true
	}
	for i := int64(0); i < n; i++ {
		name, ok1 := str(int64(le.Uint32(sec[24+8*i:])))
		val, ok2 := str(int64(le.Uint32(sec[28+8*i:])))
		if !ok1 || !ok2 {
			b.warn("X3F property %d points outside its section", i)
			continue
		}
		val = strings.TrimSpace(val)
		switch name {
		case "CAMMANUF":
			b.set("tiff:Make", Text(val), prioEXIF)
		case "CAMMODEL":
			b.set("tiff:Model", Text(val), prioEXIF)
		case "TIME":
			if sec, err := strconv.ParseInt(val, 10, 64); err == nil {
				if iso, ok := unixLocal(sec); ok {
					b.set("exif:DateTimeOriginal", Date(iso), prioEXIF)
					b.set("xmp:CreateDate", Date(iso), prioEXIF)
				}
			}
		}
	}
}
