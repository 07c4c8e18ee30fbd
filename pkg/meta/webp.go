package meta

import (
	"encoding/binary"
	"strings"
)

// maxRIFFChunks bounds the chunks of a WebP file walked (an animation
// has one per frame).
const maxRIFFChunks = 100000

// readWebP walks the RIFF chunks: VP8X (canvas size and flags), VP8 and
// VP8L (the size of a simple file: a lossy or lossless bitstream without a
// VP8X chunk, as cwebp and ImageMagick write by default), ANIM and ANMF
// (loop count and frames), ICCP, EXIF and XMP. Of a VP8 or VP8L chunk only
// the bitstream header (10 or 5 bytes) is read.
func readWebP(x *extraction) error {
	s, b := x.s, x.b
	end := int64(binary.LittleEndian.Uint32(x.head[4:])) + 8
	if end > s.size {
		b.warn("WebP: the file is truncated")
		end = s.size
	}
	frames := 0
	sized := false
	for pos, chunks := int64(12), 0; pos+8 <= end; chunks++ {
		if chunks >= maxRIFFChunks {
			b.warn("WebP: more than %d chunks; stopped", maxRIFFChunks)
			break
		}
		h, err := s.readAt(pos, 8)
		if err != nil {
			return err
		}
		fourcc := string(h[:4])
		n := int64(binary.LittleEndian.Uint32(h[4:]))
		start := pos + 8
		truncated := start+n > end
		if truncated {
			// The header of an image bitstream may still be whole.
			if !sized && (fourcc == "VP8 " || fourcc == "VP8L") {
				if d, err := s.readAt(start, min(end-start, 10)); err == nil {
					sized = x.webpBitstream(fourcc, d)
				}
			}
			if !sized {
				return corruptf("chunk %q is truncated", fourcc)
			}
			b.warn("WebP: chunk %q is truncated", fourcc)
			break
		}
		read := func(limit int64) []byte {
			if n > limit {
				b.warn("WebP: %s chunk of %d bytes is over the limit of %d; skipped", fourcc, n, limit)
				return nil
			}
			d, err := s.readAt(start, n)
			if err != nil {
				return nil
			}
			return d
		}
		switch fourcc {
		case "VP8X":
			if d := read(64); len(d) >= 10 {
				w := int64(d[4]) | int64(d[5])<<8 | int64(d[6])<<16
				hgt := int64(d[7]) | int64(d[8])<<8 | int64(d[9])<<16
				x.webpSize(w+1, hgt+1, d[0]&0x10 != 0)
				sized = true
			}
		case "VP8 ", "VP8L":
			if sized {
				break // the VP8X canvas, or an earlier bitstream, gave the size
			}
			d, err := s.readAt(start, min(n, 10))
			if err != nil {
				return err
			}
			if sized = x.webpBitstream(fourcc, d); !sized {
				return corruptf("bad %s bitstream header", strings.TrimSpace(fourcc))
			}
		case "ANIM":
			if d := read(64); len(d) >= 6 {
				b.set("acs:LoopCount", Number(float64(binary.LittleEndian.Uint16(d[4:]))), prioFile)
			}
		case "ANMF":
			frames++
		case "ICCP":
			if d := read(b.opts.MaxSegmentBytes); d != nil {
				parseICC(b, d, "WebP ICC profile")
			}
		case "EXIF":
			if d := read(b.opts.MaxSegmentBytes); d != nil {
				x.exifBlock(d, "WebP EXIF")
			}
		case "XMP ":
			if d := read(b.opts.MaxXMPBytes); d != nil {
				parseXMP(b, d, prioXMP, "WebP XMP")
			}
		}
		pos = start + n + n&1
	}
	if !sized {
		return corruptf("no VP8X, VP8 or VP8L chunk")
	}
	if frames == 0 {
		frames = 1
	}
	b.set("acs:FrameCount", Number(float64(frames)), prioFile)
	return nil
}

// webpBitstream reads the size from the first bytes of a VP8 (lossy) or
// VP8L (lossless) bitstream; it reports false for a header it cannot read.
//
// A VP8 key frame starts with a 3-byte frame tag (bit 0 clear), the start
// code 9D 01 2A, and the width and height in 14 bits each (the top 2 bits
// are a scale). A VP8L bitstream starts with the signature 0x2F and 32 bits
// holding width-1 and height-1 in 14 bits each, the alpha hint, and a
// 3-bit version that must be 0.
func (x *extraction) webpBitstream(fourcc string, d []byte) bool {
	switch fourcc {
	case "VP8 ":
		if len(d) < 10 || d[0]&1 != 0 || d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a {
			return false
		}
		w := int64(binary.LittleEndian.Uint16(d[6:]) & 0x3fff)
		h := int64(binary.LittleEndian.Uint16(d[8:]) & 0x3fff)
		if w == 0 || h == 0 {
			return false
		}
		x.webpSize(w, h, false)
		return true
	case "VP8L":
		if len(d) < 5 || d[0] != 0x2f {
			return false
		}
		v := binary.LittleEndian.Uint32(d[1:])
		if v>>29 != 0 {
			return false
		}
		x.webpSize(int64(v&0x3fff)+1, int64(v>>14&0x3fff)+1, v>>28&1 != 0)
		return true
	}
	return false
}

func (x *extraction) webpSize(w, h int64, alpha bool) {
	b := x.b
	b.set("tiff:ImageWidth", Number(float64(w)), prioFile)
	b.set("tiff:ImageLength", Number(float64(h)), prioFile)
	b.set("acs:ColorSpace", Text("RGB"), prioFile-2)
	ch := 3.0
	if alpha {
		ch = 4
	}
	b.set("acs:Channels", Number(ch), prioFile)
	b.set("acs:HasAlpha", Bool(alpha), prioFile)
}
