package meta

import (
	"bytes"
	"encoding/binary"
	"errors"
	"sort"
)

// maxJPEGSegments bounds the marker segments (and runs of fill bytes)
// walked before the image data: a real file has tens.
const maxJPEGSegments = 100000

const (
	xmpSig    = "http://ns.adobe.com/xap/1.0/\x00"
	extXMPSig = "http://ns.adobe.com/xmp/extension/\x00"
	iccSig    = "ICC_PROFILE\x00"
	psSig     = "Photoshop 3.0\x00"
)

// readJPEG walks the JPEG markers up to the first scan, reading only the
// segments that hold metadata: APP0 (JFIF), APP1 (EXIF, XMP, Extended
// XMP), APP2 (ICC profile), APP13 (Photoshop IRB with IPTC), APP14
// (Adobe), COM and the frame header.
func readJPEG(x *extraction) error {
	s, b := x.s, x.b
	type extChunk struct {
		off  uint32
		data []byte
	}
	ext := map[string][]extChunk{}
	extLen := map[string]uint32{}
	var extTotal int64
	extOver := false
	iccChunks := map[int][]byte{}
	iccCount, iccTotal := 0, int64(0)
	var xmpPackets [][]byte
	var exifSeg []byte
	var irbData []byte
	sawSOF := false
	var budget error // the read limit stopped the walk
	pos := int64(2)
	for segments := 0; ; segments++ {
		if segments >= maxJPEGSegments {
			b.warn("JPEG: more than %d segments before the image data; stopped", maxJPEGSegments)
			break
		}
		hdr, err := s.readAt(pos, 4)
		if errors.Is(err, errBudget) {
			budget = err
			break
		}
		if err != nil {
			if !sawSOF && len(b.props) == 0 {
				return corruptf("the file ends before the image frame header")
			}
			b.warn("JPEG: the file ends before the image data")
			break
		}
		if hdr[0] != 0xFF {
			b.warn("JPEG: bad marker at offset %d", pos)
			break
		}
		marker := hdr[1]
		if marker == 0xFF { // fill bytes: skip the whole run at once
			run, err := s.readUpTo(pos+1, 4096)
			if err != nil {
				budget = err
				break
			}
			n := 0
			for n < len(run)-1 && run[n+1] == 0xFF {
				n++
			}
			pos += int64(n) + 1
			continue
		}
		if marker == 0xD8 || marker == 0x01 || marker >= 0xD0 && marker <= 0xD7 {
			pos += 2
			continue
		}
		if marker == 0xD9 || marker == 0xDA {
			break
		}
		length := int64(binary.BigEndian.Uint16(hdr[2:]))
		if length < 2 {
			b.warn("JPEG: bad segment length at offset %d", pos)
			break
		}
		start, n := pos+4, length-2
		truncated := start+n > s.size
		if truncated {
			n = s.size - start
		}
		isSOF := marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
		want := isSOF || marker == 0xE0 || marker == 0xE1 || marker == 0xE2 || marker == 0xED || marker == 0xEE || marker == 0xFE
		if want && n > 0 {
			seg, err := s.readAt(start, n)
			if err != nil {
				return err
			}
			switch {
			case isSOF:
				if len(seg) >= 6 {
					sawSOF = true
					x.jpegFrame(seg, marker)
				}
			case marker == 0xE0:
				jfif(b, seg)
			case marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00")):
				if exifSeg == nil {
					exifSeg = seg[6:]
				}
			case marker == 0xE1 && bytes.HasPrefix(seg, []byte(xmpSig)):
				xmpPackets = append(xmpPackets, seg[len(xmpSig):])
			case marker == 0xE1 && bytes.HasPrefix(seg, []byte(extXMPSig)):
				c := seg[len(extXMPSig):]
				if len(c) < 40 {
					b.warn("JPEG: truncated Extended XMP chunk")
					break
				}
				if extOver {
					break
				}
				guid := string(c[:32])
				full, off := binary.BigEndian.Uint32(c[32:]), binary.BigEndian.Uint32(c[36:])
				extTotal += int64(len(c) - 40)
				if extTotal > b.opts.MaxXMPBytes || int64(full) > b.opts.MaxXMPBytes {
					b.warn("JPEG: Extended XMP is larger than the limit of %d bytes; ignored", b.opts.MaxXMPBytes)
					ext, extOver = map[string][]extChunk{}, true
					break
				}
				ext[guid] = append(ext[guid], extChunk{off, c[40:]})
				extLen[guid] = full
			case marker == 0xE2 && bytes.HasPrefix(seg, []byte(iccSig)):
				c := seg[len(iccSig):]
				if len(c) < 2 {
					break
				}
				iccTotal += int64(len(c) - 2)
				if iccTotal > b.opts.MaxSegmentBytes {
					if iccTotal-int64(len(c)-2) <= b.opts.MaxSegmentBytes {
						b.warn("JPEG: ICC profile is larger than the limit of %d bytes", b.opts.MaxSegmentBytes)
					}
					break
				}
				iccChunks[int(c[0])] = c[2:]
				iccCount = int(c[1])
			case marker == 0xED && bytes.HasPrefix(seg, []byte(psSig)):
				// The IRB may span several APP13 segments.
				if int64(len(irbData)+len(seg)) <= b.opts.MaxSegmentBytes {
					irbData = append(irbData, seg[len(psSig):]...)
				}
			case marker == 0xEE && bytes.HasPrefix(seg, []byte("Adobe")) && len(seg) >= 12:
				if seg[11] == 2 {
					b.set("acs:ColorSpace", Text("YCCK"), prioFile-1)
				}
			case marker == 0xFE:
				b.set("acs:Comment", Text(decodeLegacy(seg)), prioLow)
			}
		}
		if truncated {
			b.warn("JPEG: segment 0x%02X at offset %d is truncated", marker, pos)
			break
		}
		pos = start + length - 2
	}
	if exifSeg != nil {
		x.exifBlock(exifSeg, "JPEG EXIF")
	}
	for i, p := range xmpPackets {
		what := "JPEG XMP"
		if i > 0 {
			what = "JPEG XMP (second packet)"
		}
		parseXMP(b, p, prioXMP, what)
	}
	if len(ext) > 0 {
		guid := ""
		if v, ok := b.get("xmpNote:HasExtendedXMP"); ok {
			guid = v.String()
		}
		if _, ok := ext[guid]; !ok {
			if len(ext) == 1 {
				for g := range ext {
					guid = g
				}
				b.warn("JPEG: Extended XMP without a matching xmpNote:HasExtendedXMP")
			} else {
				guid = ""
			}
		}
		if chunks := ext[guid]; chunks != nil {
			full := make([]byte, extLen[guid])
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
			parseXMP(b, full, prioXMP, "JPEG Extended XMP")
		}
	}
	if len(irbData) > 0 {
		x.applyIRB(parseIRB(b, irbData, "JPEG Photoshop IRB"), "JPEG")
	}
	if len(iccChunks) > 0 {
		seqs := make([]int, 0, len(iccChunks))
		for k := range iccChunks {
			seqs = append(seqs, k)
		}
		sort.Ints(seqs)
		var icc []byte
		for i, k := range seqs {
			if k != i+1 {
				b.warn("JPEG: ICC profile chunk %d is missing", i+1)
				break
			}
			icc = append(icc, iccChunks[k]...)
		}
		if len(seqs) != iccCount {
			b.warn("JPEG: ICC profile has %d of %d chunks", len(seqs), iccCount)
		}
		if len(icc) > 0 {
			parseICC(b, icc, "JPEG ICC profile")
		}
	}
	if !sawSOF {
		if len(b.props) == 0 {
			if budget != nil {
				return budget
			}
			return corruptf("no image frame header")
		}
		b.warn("JPEG: no image frame header")
	}
	return nil
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
