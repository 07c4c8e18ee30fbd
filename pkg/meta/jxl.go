package meta

import (
	"bytes"
	"encoding/binary"
)

// JPEG XL (ISO/IEC 18181) comes in two forms: a bare codestream, which
// starts with FF 0A, and a container of ISOBMFF-style boxes, which starts
// with a 12-byte signature box followed by an ftyp box of brand "jxl ".
// The container holds the codestream whole (jxlc) or in parts (jxlp), and
// the metadata in Exif, "xml " (XMP) and jumb (JUMBF) boxes, any of which
// may be Brotli-compressed in a brob box.
const (
	jxlCodestreamSig = "\xFF\x0A"
	jxlContainerSig  = "\x00\x00\x00\x0CJXL \r\n\x87\n"
)

// jxlHeaderBytes bounds the codestream bytes read for its headers: the
// SizeHeader and ImageMetadata of a real file take a few dozen bytes; only
// extra channels with long names take more.
const jxlHeaderBytes = 8 << 10

// readJXL reads a JPEG XL file: the image size, orientation, bit depth,
// colour space, alpha and loop count from the codestream headers (the
// SizeHeader and ImageMetadata at its start), and in the container form
// the Exif and "xml " (XMP) boxes. Only the box headers, the metadata boxes
// and the first bytes of the codestream are read; pixels never are.
// Brotli-compressed boxes (brob) are not read: a warning names them.
func readJXL(x *extraction) error {
	if bytes.HasPrefix(x.head, []byte(jxlCodestreamSig)) {
		h := x.head
		if int64(len(h)) < x.s.size && !jxlHeadersIn(h) {
			var err error
			if h, err = x.s.readUpTo(0, jxlHeaderBytes); err != nil {
				return err
			}
		}
		return x.jxlCodestream(h, int64(len(h)) < x.s.size)
	}
	return x.jxlContainer()
}

// jxlContainer walks the boxes of the container form.
func (x *extraction) jxlContainer() error {
	s, b := x.s, x.b
	var cs []byte  // the start of the codestream, from jxlc or jxlp boxes
	more := false  // the codestream goes on past cs
	found := false // a codestream box was seen
	pos := int64(len(jxlContainerSig))
	for n := 0; pos+8 <= s.size; n++ {
		if n >= maxTopBoxes {
			b.warn("JPEG XL: more than %d boxes; stopped", maxTopBoxes)
			break
		}
		typ, size, hdr, err := s.boxHeader(pos)
		if err != nil {
			return err
		}
		if n == 0 {
			if typ != "ftyp" || size < hdr+4 {
				return corruptf("the signature box is not followed by an ftyp box")
			}
			brand, err := s.readAt(pos+hdr, 4)
			if err != nil {
				return err
			}
			if string(brand) != "jxl " {
				return corruptf("ftyp brand %q is not \"jxl \"", brand)
			}
		}
		if size < hdr {
			return corruptf("box %q at offset %d has a bad size", typ, pos)
		}
		body := pos + hdr
		length := size - hdr
		truncated := pos+size > s.size
		if truncated {
			length = s.size - body
		}
		switch typ {
		case "jxlc", "jxlp":
			found = true
			skip := int64(0)
			if typ == "jxlp" {
				skip = 4 // the part's index
			}
			if length <= skip {
				break
			}
			if want := int64(jxlHeaderBytes - len(cs)); want > 0 {
				d, err := s.readAt(body+skip, min(length-skip, want))
				if err != nil {
					return err
				}
				cs = append(cs, d...)
				more = more || length-skip > want
			} else {
				more = true
			}
		case "Exif", "xml ":
			if truncated {
				break
			}
			limit := b.opts.MaxSegmentBytes
			if typ == "xml " {
				limit = b.opts.MaxXMPBytes
			}
			if length > limit {
				b.warn("JPEG XL: %q box of %d bytes is over the limit of %d; skipped", typ, length, limit)
				break
			}
			d, err := s.readAt(body, length)
			if err != nil {
				return err
			}
			if typ == "xml " {
				parseXMP(b, d, prioXMP, "JPEG XL XMP")
				break
			}
			// A 4-byte offset to the TIFF header, then the TIFF structure.
			if len(d) < 4 || uint64(binary.BigEndian.Uint32(d))+4 > uint64(len(d)) {
				b.warn("JPEG XL: bad Exif box header")
				break
			}
			x.exifBlock(d[4+binary.BigEndian.Uint32(d):], "JPEG XL EXIF")
		case "brob":
			inner := "?"
			if length >= 4 {
				d, err := s.readAt(body, 4)
				if err != nil {
					return err
				}
				inner = string(d)
			}
			b.warn("JPEG XL: Brotli-compressed %q box not read", inner)
		}
		if truncated {
			b.warn("JPEG XL: box %q is truncated", typ)
			break
		}
		pos += size
	}
	if !found {
		return corruptf("no codestream box")
	}
	return x.jxlCodestream(cs, more)
}

// jxlHeadersIn reports whether the codestream headers that are read are
// whole in h, the start of a codestream.
func jxlHeadersIn(h []byte) bool {
	r := &jxlBits{b: h[len(jxlCodestreamSig):]}
	r.sizeHeader()
	return r.imageMetadata().parsed == jxlHasColour
}

// jxlCodestream reads the headers at the start of a codestream, h; more
// tells whether the codestream goes on past h. A SizeHeader that cannot be
// read makes the file corrupt; an ImageMetadata bundle that cannot be read
// only loses the fields past the damage.
func (x *extraction) jxlCodestream(h []byte, more bool) error {
	b := x.b
	if !bytes.HasPrefix(h, []byte(jxlCodestreamSig)) {
		return corruptf("the codestream does not start with FF 0A")
	}
	r := &jxlBits{b: h[len(jxlCodestreamSig):]}
	w, ht := r.sizeHeader()
	if r.bad {
		return corruptf("the codestream header is truncated")
	}
	b.set("tiff:ImageWidth", Number(float64(w)), prioFile)
	b.set("tiff:ImageLength", Number(float64(ht)), prioFile)
	m := r.imageMetadata()
	if m.parsed < jxlHasColour {
		if more {
			b.warn("JPEG XL: image metadata longer than %d bytes; partly read", jxlHeaderBytes)
		} else {
			b.warn("JPEG XL: image metadata is truncated")
		}
	}
	if m.parsed >= jxlHasOrientation {
		b.set("tiff:Orientation", Number(float64(m.orientation)), prioFile)
	}
	if m.parsed >= jxlHasAnimation && m.animated {
		b.set("acs:LoopCount", Number(float64(m.loops)), prioFile)
	}
	if m.parsed < jxlHasColour {
		return nil
	}
	colours := 3
	switch m.colourSpace {
	case 0, 2: // RGB, XYB
		b.set("acs:ColorSpace", Text("RGB"), prioFile-2)
	case 1:
		colours = 1
		b.set("acs:ColorSpace", Text("Gray"), prioFile-2)
	}
	bps := make([]Value, colours, colours+1)
	for i := range bps {
		bps[i] = Number(float64(m.bits))
	}
	if m.alpha {
		bps = append(bps, Number(float64(m.alphaBits)))
	}
	n := len(bps)
	b.set("tiff:BitsPerSample", Seq(bps...), prioFile)
	b.set("acs:Channels", Number(float64(n)), prioFile)
	b.set("acs:HasAlpha", Bool(m.alpha), prioFile)
	return nil
}

// How far the ImageMetadata bundle was read.
const (
	jxlHasNothing = iota
	jxlHasOrientation
	jxlHasAnimation
	jxlHasColour // bit depth, extra channels and colour space
)

// jxlImageMetadata is what is kept of the ImageMetadata bundle.
type jxlImageMetadata struct {
	parsed      int
	orientation uint64 // 1-8, as EXIF
	animated    bool
	loops       uint64 // 0: forever
	bits        uint64 // bits per sample of the colour channels
	alpha       bool
	alphaBits   uint64 // bits per sample of the (first) alpha channel
	colourSpace uint64 // 0 RGB, 1 grey, 2 XYB, 3 unknown
}

// jxlBits reads the fields of a JPEG XL codestream: bits are taken from
// the least significant end of each byte. Reading past the end sets bad
// and yields zeros.
type jxlBits struct {
	b   []byte
	pos uint64 // in bits
	bad bool
}

func (r *jxlBits) u(n uint) uint64 {
	if r.bad || r.pos+uint64(n) > uint64(len(r.b))*8 {
		r.bad = true
		return 0
	}
	var v uint64
	for i := uint(0); i < n; i++ {
		v |= uint64(r.b[r.pos>>3]>>(r.pos&7)&1) << i
		r.pos++
	}
	return v
}

func (r *jxlBits) bool() bool { return r.u(1) == 1 }

// jxlDist is one distribution of a U32 field: bits bits plus off (bits 0:
// the constant off).
type jxlDist struct {
	bits uint
	off  uint64
}

// u32 reads a U32 field: a 2-bit selector, then the chosen distribution.
func (r *jxlBits) u32(d [4]jxlDist) uint64 {
	s := d[r.u(2)]
	return r.u(s.bits) + s.off
}

// enum reads an Enum field (a U32 of fixed distributions).
func (r *jxlBits) enum() uint64 {
	return r.u32([4]jxlDist{{0, 0}, {0, 1}, {4, 2}, {6, 18}})
}

// jxlRatios are the aspect ratios (width/height) of a SizeHeader's ratio
// field 1-7.
var jxlRatios = [8][2]uint64{{0, 0}, {1, 1}, {12, 10}, {4, 3}, {3, 2}, {16, 9}, {5, 4}, {2, 1}}

// sizeHeader reads a SizeHeader: the height (in multiples of 8 when
// small, else a U32), a ratio, and the width when the ratio is 0.
func (r *jxlBits) sizeHeader() (w, h uint64) {
	d := [4]jxlDist{{9, 1}, {13, 1}, {18, 1}, {30, 1}}
	small := r.bool()
	if small {
		h = (r.u(5) + 1) * 8
	} else {
		h = r.u32(d)
	}
	ratio := r.u(3)
	switch {
	case ratio != 0:
		w = h * jxlRatios[ratio][0] / jxlRatios[ratio][1]
	case small:
		w = (r.u(5) + 1) * 8
	default:
		w = r.u32(d)
	}
	return w, h
}

// previewHeader skips a PreviewHeader.
func (r *jxlBits) previewHeader() {
	d := [4]jxlDist{{6, 1}, {8, 65}, {10, 321}, {12, 1345}}
	if r.bool() { // div8
		d = [4]jxlDist{{0, 16}, {0, 32}, {5, 1}, {9, 33}}
	}
	r.u32(d)
	if r.u(3) == 0 {
		r.u32(d)
	}
}

// bitDepth reads a BitDepth bundle and returns the bits per sample.
func (r *jxlBits) bitDepth() uint64 {
	if r.bool() { // floating-point samples
		bits := r.u32([4]jxlDist{{0, 32}, {0, 16}, {0, 24}, {6, 1}})
		r.u(4) // exponent bits - 1
		return bits
	}
	return r.u32([4]jxlDist{{0, 8}, {0, 10}, {0, 12}, {6, 1}})
}

// imageMetadata reads the ImageMetadata bundle that follows the
// SizeHeader, as far as the colour space; it stops at the first field past
// the end of the buffer.
func (r *jxlBits) imageMetadata() (m jxlImageMetadata) {
	m.orientation, m.bits = 1, 8
	if r.bool() { // all_default
		if !r.bad {
			m.parsed = jxlHasColour
		}
		return m
	}
	extra := r.bool()
	if extra {
		m.orientation = 1 + r.u(3)
	}
	if r.bad {
		return m
	}
	m.parsed = jxlHasOrientation
	if extra {
		if r.bool() { // intrinsic size
			r.sizeHeader()
		}
		if r.bool() {
			r.previewHeader()
		}
		if m.animated = r.bool(); m.animated {
			r.u32([4]jxlDist{{0, 100}, {0, 1000}, {10, 1}, {30, 1}}) // ticks per second, numerator
			r.u32([4]jxlDist{{0, 1}, {0, 1001}, {8, 1}, {10, 1}})    // and denominator
			m.loops = r.u32([4]jxlDist{{0, 0}, {3, 0}, {16, 0}, {32, 0}})
			r.bool() // have_timecodes
		}
	}
	if r.bad {
		return m
	}
	m.parsed = jxlHasAnimation
	m.bits = r.bitDepth()
	r.bool() // modular_16_bit_buffer_sufficient
	extraChannels := r.u32([4]jxlDist{{0, 0}, {0, 1}, {4, 2}, {12, 1}})
	// Each channel takes at least one bit: the loop ends with the buffer.
	for i := uint64(0); i < extraChannels && !r.bad; i++ {
		if r.bool() { // all_default: an 8-bit alpha channel
			if !m.alpha {
				m.alpha, m.alphaBits = true, 8
			}
			continue
		}
		typ := r.enum()
		bits := r.bitDepth()
		r.u32([4]jxlDist{{0, 0}, {0, 3}, {0, 4}, {3, 1}}) // dim_shift
		name := r.u32([4]jxlDist{{0, 0}, {4, 0}, {5, 16}, {10, 48}})
		if r.pos+name*8 > uint64(len(r.b))*8 {
			r.bad = true
			break
		}
		r.pos += name * 8
		switch typ {
		case 0: // alpha
			if !m.alpha {
				m.alpha, m.alphaBits = true, bits
			}
			r.bool() // alpha_associated
		case 2: // spot colour: four 16-bit floats
			r.u(32)
			r.u(32)
		case 5: // colour filter array
			r.u32([4]jxlDist{{0, 1}, {2, 0}, {4, 3}, {8, 19}})
		}
	}
	r.bool()       // xyb_encoded
	if !r.bool() { // colour encoding not all_default
		r.bool() // want_icc
		m.colourSpace = r.enum()
	}
	if !r.bad {
		m.parsed = jxlHasColour
	}
	return m
}
