package meta

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// maxTopBoxes bounds the top-level boxes of a HEIF or JPEG 2000 file
// walked: a real file has a handful.
const maxTopBoxes = 10000

// box is one ISOBMFF box inside a byte slice.
type box struct {
	typ  string
	body []byte
}

// boxes splits data into boxes; it stops at the first malformed header.
func boxes(data []byte) ([]box, error) {
	var out []box
	for len(data) >= 8 {
		size := uint64(binary.BigEndian.Uint32(data))
		typ := string(data[4:8])
		hdr := uint64(8)
		switch size {
		case 0:
			size = uint64(len(data))
		case 1:
			if len(data) < 16 {
				return out, fmt.Errorf("truncated box %q", typ)
			}
			size, hdr = binary.BigEndian.Uint64(data[8:]), 16
		}
		if size < hdr || size > uint64(len(data)) {
			return out, fmt.Errorf("box %q is truncated", typ)
		}
		out = append(out, box{typ, data[hdr:size]})
		data = data[size:]
		if len(out) > 10000 {
			return out, fmt.Errorf("too many boxes")
		}
	}
	return out, nil
}

type heifExtent struct{ off, len uint64 }

type heifItem struct {
	typ, mime string
	method    int
	base      uint64
	extents   []heifExtent
	props     []int // 1-based indexes into ipco
}

// readHEIF reads the meta box of a HEIF/AVIF file: the primary item's
// size (ispe), bit depth (pixi) and ICC profile (colr), the Exif item and
// the XMP item (mime application/rdf+xml). Media data is never read except
// for the metadata items.
func readHEIF(x *extraction) error {
	s, b := x.s, x.b
	var meta []byte
	for pos, n := int64(0), 0; pos+8 <= s.size; n++ {
		if n >= maxTopBoxes {
			return corruptf("no meta box in the first %d boxes", maxTopBoxes)
		}
		typ, size, hdr, err := s.boxHeader(pos)
		if err != nil {
			return err
		}
		if size < hdr || pos+size > s.size {
			return corruptf("box %q at offset %d is truncated", typ, pos)
		}
		if typ == "meta" {
			if size-hdr > b.opts.MaxSegmentBytes {
				return corruptf("meta box of %d bytes is over the limit", size)
			}
			if meta, err = s.readAt(pos+hdr, size-hdr); err != nil {
				return err
			}
			break
		}
		pos += size
	}
	if len(meta) < 4 {
		return corruptf("no meta box")
	}
	children, err := boxes(meta[4:])
	if err != nil {
		b.warn("HEIF: %v", err)
	}
	items := map[uint32]*heifItem{}
	item := func(id uint32) *heifItem {
		if items[id] == nil {
			if len(items) > 100000 {
				return &heifItem{}
			}
			items[id] = &heifItem{}
		}
		return items[id]
	}
	var primary uint32
	var ipco []box
	var idat []byte
	for _, c := range children {
		switch c.typ {
		case "pitm":
			if len(c.body) >= 6 && c.body[0] == 0 {
				primary = uint32(binary.BigEndian.Uint16(c.body[4:]))
			} else if len(c.body) >= 8 {
				primary = binary.BigEndian.Uint32(c.body[4:])
			}
		case "iinf":
			heifIinf(b, c.body, item)
		case "iloc":
			heifIloc(b, c.body, item)
		case "idat":
			idat = c.body
		case "iprp":
			pc, _ := boxes(c.body)
			for _, p := range pc {
				switch p.typ {
				case "ipco":
					ipco, _ = boxes(p.body)
				case "ipma":
					heifIpma(p.body, item)
				}
			}
		}
	}
	if it := items[primary]; it != nil {
		for _, idx := range it.props {
			if idx < 1 || idx > len(ipco) {
				continue
			}
			p := ipco[idx-1]
			switch p.typ {
			case "ispe":
				if len(p.body) >= 12 {
					b.set("tiff:ImageWidth", Number(float64(binary.BigEndian.Uint32(p.body[4:]))), prioFile)
					b.set("tiff:ImageLength", Number(float64(binary.BigEndian.Uint32(p.body[8:]))), prioFile)
				}
			case "pixi":
				if len(p.body) >= 5 {
					n := int(p.body[4])
					if len(p.body) >= 5+n && n > 0 {
						bps := make([]Value, n)
						for i := range bps {
							bps[i] = Number(float64(p.body[5+i]))
						}
						b.set("tiff:BitsPerSample", Seq(bps...), prioFile)
						b.set("acs:Channels", Number(float64(n)), prioFile)
					}
				}
			case "colr":
				if len(p.body) >= 4 && (string(p.body[:4]) == "prof" || string(p.body[:4]) == "rICC") {
					parseICC(b, p.body[4:], "HEIF ICC profile")
				}
			}
		}
		b.set("acs:ColorSpace", Text("RGB"), prioFile-2)
	} else {
		b.warn("HEIF: no primary item")
	}
	for _, it := range items {
		if it.typ != "Exif" && !(it.typ == "mime" && it.mime == "application/rdf+xml") {
			continue
		}
		data, err := x.heifItemData(it, idat)
		if err != nil {
			b.warn("HEIF %s item: %s", it.typ, x.describe(err))
			continue
		}
		if it.typ == "Exif" {
			if len(data) < 4 {
				continue
			}
			off := binary.BigEndian.Uint32(data)
			if uint64(off)+4 > uint64(len(data)) {
				b.warn("HEIF: bad Exif item header")
				continue
			}
			x.exifBlock(data[4+off:], "HEIF EXIF")
		} else {
			parseXMP(b, data, prioXMP, "HEIF XMP")
		}
	}
	return nil
}

func (x *extraction) heifItemData(it *heifItem, idat []byte) ([]byte, error) {
	var out []byte
	limit := uint64(x.b.opts.MaxSegmentBytes)
	for _, e := range it.extents {
		// Sizes and offsets are 64-bit fields: compare without overflow.
		if e.len > limit || uint64(len(out)) > limit-e.len {
			return nil, fmt.Errorf("item over the limit of %d bytes", x.b.opts.MaxSegmentBytes)
		}
		if it.base > 1<<62 || e.off > 1<<62 {
			return nil, errTruncated
		}
		off := it.base + e.off
		switch it.method {
		case 0:
			d, err := x.s.readAt(int64(off), int64(e.len))
			if err != nil {
				return nil, err
			}
			out = append(out, d...)
		case 1:
			if off > uint64(len(idat)) || e.len > uint64(len(idat))-off {
				return nil, errTruncated
			}
			out = append(out, idat[off:off+e.len]...)
		default:
			return nil, fmt.Errorf("unsupported construction method %d", it.method)
		}
	}
	return out, nil
}

func heifIinf(b *builder, body []byte, item func(uint32) *heifItem) {
	if len(body) < 6 {
		return
	}
	start := 6
	if body[0] != 0 {
		start = 8
	}
	if len(body) < start {
		return
	}
	entries, _ := boxes(body[start:])
	for _, e := range entries {
		if e.typ != "infe" || len(e.body) < 4 {
			continue
		}
		v := e.body[0]
		p := e.body[4:]
		var id uint32
		switch {
		case v == 2 && len(p) >= 8:
			id, p = uint32(binary.BigEndian.Uint16(p)), p[4:]
		case v == 3 && len(p) >= 10:
			id, p = binary.BigEndian.Uint32(p), p[6:]
		default:
			continue
		}
		it := item(id)
		it.typ = string(p[:4])
		p = p[4:]
		if i := bytes.IndexByte(p, 0); i >= 0 {
			p = p[i+1:]
			if it.typ == "mime" {
				if j := bytes.IndexByte(p, 0); j >= 0 {
					it.mime = string(p[:j])
				} else {
					it.mime = string(p)
				}
			}
		}
	}
}

func heifIloc(b *builder, body []byte, item func(uint32) *heifItem) {
	r := &bitCursor{b: body}
	v := r.n(1)
	r.n(3)
	sizes := r.n(1)
	offSize, lenSize := int(sizes>>4), int(sizes&15)
	sizes = r.n(1)
	baseSize, idxSize := int(sizes>>4), int(sizes&15)
	if v == 0 {
		idxSize = 0
	}
	var count uint64
	if v < 2 {
		count = r.n(2)
	} else {
		count = r.n(4)
	}
	for i := uint64(0); i < count && !r.bad; i++ {
		var id uint64
		if v < 2 {
			id = r.n(2)
		} else {
			id = r.n(4)
		}
		it := item(uint32(id))
		if v == 1 || v == 2 {
			it.method = int(r.n(2) & 15)
		}
		r.n(2) // data reference index
		it.base = r.n(baseSize)
		ext := r.n(2)
		for j := uint64(0); j < ext && !r.bad; j++ {
			r.n(idxSize)
			off := r.n(offSize)
			l := r.n(lenSize)
			if len(it.extents) < 64 {
				it.extents = append(it.extents, heifExtent{off, l})
			}
		}
	}
	if r.bad {
		b.warn("HEIF: item location box is truncated")
	}
}

func heifIpma(body []byte, item func(uint32) *heifItem) {
	r := &bitCursor{b: body}
	v := r.n(1)
	flags := r.n(3)
	count := r.n(4)
	for i := uint64(0); i < count && !r.bad; i++ {
		var id uint64
		if v < 1 {
			id = r.n(2)
		} else {
			id = r.n(4)
		}
		it := item(uint32(id))
		n := r.n(1)
		for j := uint64(0); j < n && !r.bad; j++ {
			var idx uint64
			if flags&1 != 0 {
				idx = r.n(2) & 0x7FFF
			} else {
				idx = r.n(1) & 0x7F
			}
			if len(it.props) < 64 {
				it.props = append(it.props, int(idx))
			}
		}
	}
}

// bitCursor reads big-endian integers of 0-8 bytes, noting overruns.
type bitCursor struct {
	b   []byte
	bad bool
}

func (c *bitCursor) n(size int) uint64 {
	if size == 0 {
		return 0
	}
	if size > 8 || size > len(c.b) {
		c.bad = true
		c.b = nil
		return 0
	}
	var v uint64
	for _, x := range c.b[:size] {
		v = v<<8 | uint64(x)
	}
	c.b = c.b[size:]
	return v
}

// readJP2 reads a JPEG 2000 file's image header box (size, components,
// depth), colour specification (ICC) and XMP (uuid box) or XML box.
func readJP2(x *extraction) error {
	s, b := x.s, x.b
	sized := false
	for pos, n := int64(0), 0; pos+8 <= s.size; n++ {
		if n >= maxTopBoxes {
			b.warn("JPEG 2000: more than %d boxes; stopped", maxTopBoxes)
			break
		}
		typ, size, hdr, err := s.boxHeader(pos)
		if err != nil {
			return err
		}
		if size < hdr || pos+size > s.size {
			b.warn("JPEG 2000: box %q is truncated", typ)
			break
		}
		n := size - hdr
		switch typ {
		case "jp2h", "uuid", "xml ":
			if n > b.opts.MaxXMPBytes {
				b.warn("JPEG 2000: %q box over the limit; skipped", typ)
				break
			}
			data, err := s.readAt(pos+hdr, n)
			if err != nil {
				return err
			}
			switch typ {
			case "jp2h":
				sub, _ := boxes(data)
				for _, c := range sub {
					switch {
					case c.typ == "ihdr" && len(c.body) >= 11:
						b.set("tiff:ImageLength", Number(float64(binary.BigEndian.Uint32(c.body))), prioFile)
						b.set("tiff:ImageWidth", Number(float64(binary.BigEndian.Uint32(c.body[4:]))), prioFile)
						nc := int(binary.BigEndian.Uint16(c.body[8:]))
						b.set("acs:Channels", Number(float64(nc)), prioFile)
						if c.body[10] != 0xFF && nc > 0 && nc <= 16 {
							bps := make([]Value, nc)
							for i := range bps {
								bps[i] = Number(float64(c.body[10]&0x7F + 1))
							}
							b.set("tiff:BitsPerSample", Seq(bps...), prioFile)
						}
						sized = true
					case c.typ == "colr" && len(c.body) >= 3 && c.body[0] == 2:
						parseICC(b, c.body[3:], "JPEG 2000 ICC profile")
					}
				}
			case "uuid":
				if len(data) > 16 && bytes.Equal(data[:16], []byte("\xBE\x7A\xCF\xCB\x97\xA9\x42\xE8\x9C\x71\x99\x94\x91\xE3\xAF\xAC")) {
					parseXMP(b, data[16:], prioXMP, "JPEG 2000 XMP")
				}
			case "xml ":
				if bytes.Contains(data, []byte("rdf:RDF")) {
					parseXMP(b, data, prioXMP, "JPEG 2000 XML")
				}
			}
		case "jp2c":
			if !sized {
				x.j2cHeader(pos + hdr)
				sized = true
			}
		}
		pos += size
	}
	if !sized {
		return corruptf("no image header")
	}
	return nil
}

// readJ2C reads a raw JPEG 2000 codestream's SIZ marker and comments.
func readJ2C(x *extraction) error {
	if !x.j2cHeader(0) {
		return corruptf("no SIZ marker")
	}
	return nil
}

func (x *extraction) j2cHeader(off int64) bool {
	s, b := x.s, x.b
	h, err := s.readUpTo(off, 4096)
	if err != nil || len(h) < 4+38 || h[2] != 0xFF || h[3] != 0x51 {
		return false
	}
	siz := h[4:]
	l := int(binary.BigEndian.Uint16(siz))
	if l < 38 || l > len(siz) {
		return false
	}
	xs, ys := binary.BigEndian.Uint32(siz[4:]), binary.BigEndian.Uint32(siz[8:])
	xo, yo := binary.BigEndian.Uint32(siz[12:]), binary.BigEndian.Uint32(siz[16:])
	if xs < xo || ys < yo {
		return false
	}
	b.set("tiff:ImageWidth", Number(float64(xs-xo)), prioFile)
	b.set("tiff:ImageLength", Number(float64(ys-yo)), prioFile)
	nc := int(binary.BigEndian.Uint16(siz[36:]))
	if nc > 0 && nc <= 16 && 38+3*nc <= l {
		bps := make([]Value, nc)
		for i := range bps {
			bps[i] = Number(float64(siz[38+3*i]&0x7F + 1))
		}
		b.set("tiff:BitsPerSample", Seq(bps...), prioFile)
		b.set("acs:Channels", Number(float64(nc)), prioFile)
	}
	// COM markers in the main header.
	for p := 4 + l; p+4 <= len(h); {
		if h[p] != 0xFF {
			break
		}
		m := h[p+1]
		ml := int(binary.BigEndian.Uint16(h[p+2:]))
		if m == 0x90 || ml < 2 || p+2+ml > len(h) { // SOT: tile data starts
			break
		}
		if m == 0x64 && ml > 4 && binary.BigEndian.Uint16(h[p+4:]) == 1 {
			b.set("acs:Comment", Text(decodeLatin1(h[p+6:p+2+ml])), prioLow)
		}
		p += 2 + ml
	}
	return true
}

// readBMP reads a BMP header: size, bit depth, resolution.
func readBMP(x *extraction) error {
	b := x.b
	h := x.head
	if len(h) < 30 {
		return corruptf("truncated header")
	}
	hs := binary.LittleEndian.Uint32(h[14:])
	var w, ht int64
	var bpp uint16
	switch {
	case hs == 12:
		w, ht = int64(binary.LittleEndian.Uint16(h[18:])), int64(binary.LittleEndian.Uint16(h[20:]))
		bpp = binary.LittleEndian.Uint16(h[24:])
	case hs >= 40 && len(h) >= 54:
		w, ht = int64(int32(binary.LittleEndian.Uint32(h[18:]))), int64(int32(binary.LittleEndian.Uint32(h[22:])))
		bpp = binary.LittleEndian.Uint16(h[28:])
		xr, yr := binary.LittleEndian.Uint32(h[38:]), binary.LittleEndian.Uint32(h[42:])
		if xr > 0 && yr > 0 {
			b.set("tiff:XResolution", Number(float64(xr)*0.0254), prioLow)
			b.set("tiff:YResolution", Number(float64(yr)*0.0254), prioLow)
			b.set("tiff:ResolutionUnit", Number(2), prioLow)
		}
	default:
		return corruptf("unknown header size %d", hs)
	}
	if ht < 0 {
		ht = -ht
	}
	if w <= 0 || ht == 0 {
		return corruptf("bad dimensions")
	}
	b.set("tiff:ImageWidth", Number(float64(w)), prioFile)
	b.set("tiff:ImageLength", Number(float64(ht)), prioFile)
	b.set("acs:ColorSpace", Text("RGB"), prioFile-2)
	if bpp == 32 {
		b.set("acs:Channels", Number(4), prioFile-1)
	} else {
		b.set("acs:Channels", Number(3), prioFile-1)
	}
	return nil
}

// boxHeader reads the header of the ISOBMFF-style box at pos (ISO base
// media files, JPEG 2000 and JPEG XL containers): its type, its size
// (a 64-bit size when the 32-bit one is 1; to the end of the file when it
// is 0) and the header's own length. The caller checks the size against
// the header and the file.
func (s *src) boxHeader(pos int64) (typ string, size, hdr int64, err error) {
	h, err := s.readAt(pos, 8)
	if err != nil {
		return "", 0, 0, err
	}
	size, typ, hdr = int64(binary.BigEndian.Uint32(h)), string(h[4:8]), 8
	switch size {
	case 1:
		h2, err := s.readAt(pos+8, 8)
		if err != nil {
			return "", 0, 0, err
		}
		size, hdr = int64(binary.BigEndian.Uint64(h2)&(1<<62-1)), 16
	case 0:
		size = s.size - pos
	}
	return typ, size, hdr, nil
}
