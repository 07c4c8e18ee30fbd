package meta

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// maxJPEGSegments bounds the marker segments (and runs of fill bytes)
// walked before the image data: a real file has tens.
const maxJPEGSegments = 100000

// maxJPEGEXIF bounds the EXIF segments read from one JPEG: a real file
// has one.
const maxJPEGEXIF = 8

const (
	xmpSig    = "http://ns.adobe.com/xap/1.0/\x00"
	extXMPSig = "http://ns.adobe.com/xmp/extension/\x00"
	iccSig    = "ICC_PROFILE\x00"
	psSig     = "Photoshop 3.0\x00"
)

// readJPEG walks the JPEG markers up to the first scan, reading only the
// segments that hold metadata: APP0 (JFIF), APP1 (EXIF, XMP, Extended
// XMP), APP2 (ICC profile), APP13 (Photoshop IRB with IPTC), APP14
// (Adobe), COM and the frame header. The metadata blocks are collected
// during the walk and read once it ends: EXIF, XMP, Extended XMP, the
// Photoshop IRB (IPTC), the ICC profile.
func readJPEG(x *extraction) error {
	j := &jpegBlocks{x: x, ext: extendedXMP{parts: map[string][]extPart{}, size: map[string]uint32{}}, icc: iccChunks{chunks: map[int][]byte{}}}
	budget, err := j.walk()
	if err != nil {
		return err
	}
	j.read()
	return j.check(budget)
}

// jpegBlocks collects the metadata segments of a JPEG.
type jpegBlocks struct {
	x     *extraction
	exif  [][]byte // the EXIF segments (at most maxJPEGEXIF), without their header
	xmp   [][]byte // the standard XMP packets, in file order
	ext   extendedXMP
	icc   iccChunks
	irb   []byte // the Photoshop IRB, joined across APP13 segments
	frame bool   // a frame header was read
}

// walk reads the marker segments up to the first scan. It returns the
// read-limit error that stopped it, if any, and an error only when the
// file is not a JPEG at all or a read fails.
func (j *jpegBlocks) walk() (budget error, err error) {
	s, b := j.x.s, j.x.b
	pos := int64(2)
	for segments := 0; ; segments++ {
		if segments >= maxJPEGSegments {
			b.warn("JPEG: more than %d segments before the image data; stopped", maxJPEGSegments)
			return nil, nil
		}
		hdr, err := s.readAt(pos, 4)
		if errors.Is(err, errBudget) {
			return err, nil
		}
		if err != nil {
			if !j.frame && len(b.props) == 0 {
				return nil, corruptf("the file ends before the image frame header")
			}
			b.warn("JPEG: the file ends before the image data")
			return nil, nil
		}
		if hdr[0] != 0xFF {
			b.warn("JPEG: bad marker at offset %d", pos)
			return nil, nil
		}
		marker := hdr[1]
		switch {
		case marker == 0xFF: // fill bytes: skip the whole run at once
			run, err := s.readUpTo(pos+1, 4096)
			if err != nil {
				return err, nil
			}
			n := 0
			for n < len(run)-1 && run[n+1] == 0xFF {
				n++
			}
			pos += int64(n) + 1
			continue
		case marker == 0xD8 || marker == 0x01 || marker >= 0xD0 && marker <= 0xD7: // no length
			pos += 2
			continue
		case marker == 0xD9 || marker == 0xDA: // end of image, start of scan
			return nil, nil
		}
		length := int64(binary.BigEndian.Uint16(hdr[2:]))
		if length < 2 {
			b.warn("JPEG: bad segment length at offset %d", pos)
			return nil, nil
		}
		start, n := pos+4, length-2
		truncated := start+n > s.size
		if truncated {
			n = s.size - start
		}
		if wantSegment(marker) && n > 0 {
			seg, err := s.readAt(start, n)
			if err != nil {
				return nil, err
			}
			j.segment(marker, seg)
		}
		if truncated {
			b.warn("JPEG: segment 0x%02X at offset %d is truncated", marker, pos)
			return nil, nil
		}
		pos = start + length - 2
	}
}

// isSOF reports a start-of-frame marker (not DHT, JPG or DAC).
func isSOF(marker byte) bool {
	return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
}

// wantSegment reports the markers whose segments are read.
func wantSegment(marker byte) bool {
	switch marker {
	case 0xE0, 0xE1, 0xE2, 0xED, 0xEE, 0xFE:
		return true
	}
	return isSOF(marker)
}

// segment reads or collects one segment.
func (j *jpegBlocks) segment(marker byte, seg []byte) {
	b := j.x.b
	switch {
	case isSOF(marker):
		if len(seg) >= 6 {
			j.frame = true
			j.x.jpegFrame(seg, marker)
		}
	case marker == 0xE0:
		jfif(b, seg)
	case marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00")):
		if len(j.exif) < maxJPEGEXIF {
			j.exif = append(j.exif, seg[6:])
		} else if len(j.exif) == maxJPEGEXIF {
			j.exif = append(j.exif, nil)
			b.warn("JPEG: more than %d EXIF segments; the rest were ignored", maxJPEGEXIF)
		}
	case marker == 0xE1 && bytes.HasPrefix(seg, []byte(xmpSig)):
		j.xmp = append(j.xmp, seg[len(xmpSig):])
	case marker == 0xE1 && bytes.HasPrefix(seg, []byte(extXMPSig)):
		j.ext.add(b, seg[len(extXMPSig):])
	case marker == 0xE2 && bytes.HasPrefix(seg, []byte(iccSig)):
		j.icc.add(b, seg[len(iccSig):])
	case marker == 0xED && bytes.HasPrefix(seg, []byte(psSig)):
		// The IRB may span several APP13 segments.
		if int64(len(j.irb)+len(seg)) <= b.opts.MaxSegmentBytes {
			j.irb = append(j.irb, seg[len(psSig):]...)
		}
	case marker == 0xEE && bytes.HasPrefix(seg, []byte("Adobe")) && len(seg) >= 12:
		if seg[11] == 2 {
			b.set("acs:ColorSpace", Text("YCCK"), prioFile-1)
		}
	case marker == 0xFE:
		b.set("acs:Comment", Text(decodeLegacy(seg)), prioLow)
	}
}

// read reads the collected blocks: EXIF, the XMP packets, Extended XMP,
// the Photoshop IRB (IPTC), the ICC profile.
func (j *jpegBlocks) read() {
	x, b := j.x, j.x.b
	// Several EXIF segments: as with XMP, the last one's values win, as
	// with exiftool.
	for i := len(j.exif) - 1; i >= 0; i-- {
		if j.exif[i] == nil {
			continue
		}
		what := "JPEG EXIF"
		if i > 0 {
			what = fmt.Sprintf("JPEG EXIF (segment %d)", i+1)
		}
		x.exifBlock(j.exif[i], what)
	}
	// Several standard XMP packets (which the specification does not
	// allow): the last one's values win, as with exiftool, so the packets
	// are read from the last (the first value set is kept).
	for i := len(j.xmp) - 1; i >= 0; i-- {
		what := "JPEG XMP"
		if i > 0 {
			what = fmt.Sprintf("JPEG XMP (packet %d)", i+1)
		}
		parseXMP(b, j.xmp[i], prioXMP, what)
	}
	if full := j.ext.assemble(b); full != nil {
		parseXMP(b, full, prioXMP, "JPEG Extended XMP")
	}
	if len(j.irb) > 0 {
		x.applyIRB(parseIRB(b, j.irb, "JPEG Photoshop IRB"), "JPEG")
	}
	if icc := j.icc.assemble(b); len(icc) > 0 {
		parseICC(b, icc, "JPEG ICC profile")
	}
}

// check refuses a JPEG with no frame header and nothing else read.
func (j *jpegBlocks) check(budget error) error {
	b := j.x.b
	if j.frame {
		return nil
	}
	if len(b.props) == 0 {
		if budget != nil {
			return budget
		}
		return corruptf("no image frame header")
	}
	b.warn("JPEG: no image frame header")
	return nil
}

// extPart is one chunk of an Extended XMP packet.
type extPart struct {
	off  uint32
	data []byte
}

// extendedXMP gathers the chunks of Extended XMP packets by GUID.
type extendedXMP struct {
	parts map[string][]extPart
	size  map[string]uint32 // the full length each GUID's chunks declare
	total int64
	over  bool // the chunks went past Options.MaxXMPBytes: all dropped
}

// add takes one APP1 Extended XMP chunk (after its signature): a 32-byte
// GUID, the full length, the chunk's offset, the data.
func (e *extendedXMP) add(b *builder, c []byte) {
	if len(c) < 40 {
		b.warn("JPEG: truncated Extended XMP chunk")
		return
	}
	if e.over {
		return
	}
	guid := string(c[:32])
	full, off := binary.BigEndian.Uint32(c[32:]), binary.BigEndian.Uint32(c[36:])
	e.total += int64(len(c) - 40)
	if e.total > b.opts.MaxXMPBytes || int64(full) > b.opts.MaxXMPBytes {
		b.warn("JPEG: Extended XMP is larger than the limit of %d bytes; ignored", b.opts.MaxXMPBytes)
		e.parts, e.over = map[string][]extPart{}, true
		return
	}
	e.parts[guid] = append(e.parts[guid], extPart{off, c[40:]})
	e.size[guid] = full
}

// assemble returns the Extended XMP packet that xmpNote:HasExtendedXMP
// names (or the only one there is), or nil.
func (e *extendedXMP) assemble(b *builder) []byte {
	if len(e.parts) == 0 {
		return nil
	}
	guid := ""
	if v, ok := b.get("xmpNote:HasExtendedXMP"); ok {
		guid = v.String()
	}
	if _, ok := e.parts[guid]; !ok {
		if len(e.parts) == 1 {
			for g := range e.parts {
				guid = g
			}
			b.warn("JPEG: Extended XMP without a matching xmpNote:HasExtendedXMP")
		} else {
			guid = ""
		}
	}
	chunks := e.parts[guid]
	if chunks == nil {
		return nil
	}
	full := make([]byte, e.size[guid])
	got := 0
	for _, c := range chunks {
		if int64(c.off)+int64(len(c.data)) > int64(len(full)) {
			b.warn("JPEG: Extended XMP chunk out of range")
			continue
		}
		got += copy(full[c.off:], c.data)
	}
	if got < len(full) {
		b.warn("JPEG: Extended XMP is incomplete")
	}
	return full
}

// iccChunks gathers the APP2 chunks of an ICC profile.
type iccChunks struct {
	chunks map[int][]byte // by sequence number, from 1
	count  int            // the number of chunks the last one declares
	total  int64
}

// add takes one APP2 ICC chunk (after its signature): sequence number,
// chunk count, data.
func (c *iccChunks) add(b *builder, chunk []byte) {
	if len(chunk) < 2 {
		return
	}
	c.total += int64(len(chunk) - 2)
	if c.total > b.opts.MaxSegmentBytes {
		if c.total-int64(len(chunk)-2) <= b.opts.MaxSegmentBytes {
			b.warn("JPEG: ICC profile is larger than the limit of %d bytes", b.opts.MaxSegmentBytes)
		}
		return
	}
	c.chunks[int(chunk[0])] = chunk[2:]
	c.count = int(chunk[1])
}

// assemble joins the chunks in sequence, up to the first missing one.
func (c *iccChunks) assemble(b *builder) []byte {
	if len(c.chunks) == 0 {
		return nil
	}
	seqs := make([]int, 0, len(c.chunks))
	for k := range c.chunks {
		seqs = append(seqs, k)
	}
	sort.Ints(seqs)
	var icc []byte
	for i, k := range seqs {
		if k != i+1 {
			b.warn("JPEG: ICC profile chunk %d is missing", i+1)
			break
		}
		icc = append(icc, c.chunks[k]...)
	}
	if len(seqs) != c.count {
		b.warn("JPEG: ICC profile has %d of %d chunks", len(seqs), c.count)
	}
	return icc
}

// jpegFrame reads a SOFn segment: size, precision and components.
func (x *extraction) jpegFrame(seg []byte, marker byte) {
	b := x.b
	if b.has("tiff:ImageWidth", prioFile) {
		return // a later frame (a thumbnail in a trailer, JPEG-LS) is not the image
	}
	prec := float64(seg[0])
	h, w := binary.BigEndian.Uint16(seg[1:]), binary.BigEndian.Uint16(seg[3:])
	nc := int(seg[5])
	if w == 0 {
		b.warn("JPEG: frame header gives zero width")
		return
	}
	b.set("tiff:ImageWidth", Number(float64(w)), prioFile)
	if h > 0 {
		b.set("tiff:ImageLength", Number(float64(h)), prioFile)
	}
	if nc > 0 && nc <= 4 {
		bps := make([]Value, nc)
		for i := range bps {
			bps[i] = Number(prec)
		}
		b.set("tiff:BitsPerSample", Seq(bps...), prioFile)
		b.set("acs:Channels", Number(float64(nc)), prioFile)
		b.set("acs:ColorSpace", Text([]string{"", "Gray", "", "RGB", "CMYK"}[nc]), prioFile-2)
	}
	switch marker {
	case 0xC2, 0xC6, 0xCA, 0xCE:
		b.set("acs:Interlaced", Bool(true), prioFile)
	}
}

// jfif reads the density of a JFIF APP0 segment.
func jfif(b *builder, seg []byte) {
	if !bytes.HasPrefix(seg, []byte("JFIF\x00")) || len(seg) < 12 {
		return
	}
	unit := seg[7]
	xd, yd := float64(binary.BigEndian.Uint16(seg[8:])), float64(binary.BigEndian.Uint16(seg[10:]))
	if (unit == 1 || unit == 2) && xd > 0 && yd > 0 {
		b.set("tiff:XResolution", Number(xd), prioLow)
		b.set("tiff:YResolution", Number(yd), prioLow)
		b.set("tiff:ResolutionUnit", Number(float64(unit+1)), prioLow)
	}
}
