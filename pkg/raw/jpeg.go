package raw

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// maxJPEGSegments bounds the markers read before a JPEG's frame header.
const maxJPEGSegments = 64

// jpegInfo is what the header of an embedded JPEG says.
type jpegInfo struct {
	width, height int
	// orientation is the EXIF orientation of the JPEG's own APP1
	// segment, 0 when it has none.
	orientation int
}

// readJPEGInfo reads the markers of the JPEG stream of n bytes at off in
// r up to its frame header: its size, and its own EXIF orientation. A
// stream that is not a JPEG, or one libjpeg does not decode (lossless,
// arithmetic-coded, hierarchical, more than 8 bits: the raw data of a
// CR2 or a lossless DNG is such a stream), is an error.
func readJPEGInfo(r io.ReaderAt, off, n int64) (jpegInfo, error) {
	var info jpegInfo
	end := off + n
	var b [4]byte
	if n < 4 {
		return info, fmt.Errorf("%d bytes are too short for a JPEG", n)
	}
	if _, err := r.ReadAt(b[:2], off); err != nil || b[0] != 0xFF || b[1] != 0xD8 {
		return info, fmt.Errorf("no JPEG start-of-image marker at %d", off)
	}
	pos := off + 2
	for i := 0; i < maxJPEGSegments; i++ {
		if pos+4 > end {
			return info, fmt.Errorf("the JPEG at %d ends before its frame header", off)
		}
		if _, err := r.ReadAt(b[:], pos); err != nil {
			return info, fmt.Errorf("JPEG marker at %d: %w", pos, err)
		}
		if b[0] != 0xFF {
			return info, fmt.Errorf("no JPEG marker at %d", pos)
		}
		marker := b[1]
		if marker == 0xFF { // fill byte
			pos++
			continue
		}
		segLen := int64(binary.BigEndian.Uint16(b[2:]))
		if segLen < 2 || pos+2+segLen > end {
			return info, fmt.Errorf("JPEG segment %#x at %d overruns the stream", marker, pos)
		}
		switch {
		case marker == 0xE1 && segLen > 14 && info.orientation == 0:
			seg := make([]byte, segLen-2)
			if _, err := r.ReadAt(seg, pos+4); err == nil && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
				info.orientation = exifOrientation(seg[6:])
			}
		case marker == 0xC0 || marker == 0xC1 || marker == 0xC2:
			var f [6]byte
			if segLen < 8 {
				return info, fmt.Errorf("JPEG frame header at %d is too short", pos)
			}
			if _, err := r.ReadAt(f[:], pos+4); err != nil {
				return info, fmt.Errorf("JPEG frame header at %d: %w", pos, err)
			}
			if f[0] != 8 {
				return info, fmt.Errorf("JPEG of %d-bit samples", f[0])
			}
			info.height = int(binary.BigEndian.Uint16(f[1:]))
			info.width = int(binary.BigEndian.Uint16(f[3:]))
			if info.width == 0 || info.height == 0 {
				return info, fmt.Errorf("JPEG frame of %dx%d", info.width, info.height)
			}
			return info, nil
		case marker >= 0xC3 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
			return info, fmt.Errorf("a JPEG coding (SOF%d) that previews do not use", marker-0xC0)
		case marker == 0xD9 || marker == 0xDA:
			return info, fmt.Errorf("the JPEG at %d has no frame header", off)
		}
		pos += 2 + segLen
	}
	return info, fmt.Errorf("the JPEG at %d has more than %d segments before its frame header", off, maxJPEGSegments)
}

// exifOrientation reads the orientation (1 to 8) of IFD0 of the TIFF
// structure b (an EXIF block), or 0.
func exifOrientation(b []byte) int {
	t, _, err := newTIFF(bytes.NewReader(b), int64(len(b)), 0)
	if err != nil {
		return 0
	}
	d, _, err := t.readIFD(t.first)
	if err != nil {
		return 0
	}
	o, ok := t.uint(d, tagOrientation)
	if !ok || o < 1 || o > 8 {
		return 0
	}
	return int(o)
}

// withOrientation returns the JPEG stream j with its EXIF replaced by a
// minimal APP1 segment whose IFD0 holds orientation o (1 to 8), so that a
// reader that honours EXIF orientation (libvips) shows it upright. Other
// segments are kept as they are.
func withOrientation(j []byte, o int) []byte {
	if o < 1 || o > 8 {
		o = 1
	}
	// II, 42, IFD0 at 8: one entry (Orientation, SHORT, 1), no next.
	tiff := []byte{'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, byte(o), 0, 0, 0, 0, 0, 0, 0}
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := make([]byte, 0, len(j)+len(seg)+4)
	out = append(out, 0xFF, 0xD8, 0xFF, 0xE1, byte((len(seg)+2)>>8), byte(len(seg)+2))
	out = append(out, seg...)
	pos := 2
	// Copy the segments before the scan, leaving out EXIF ones.
	for pos+4 <= len(j) && j[pos] == 0xFF {
		marker := j[pos+1]
		if marker == 0xDA || marker == 0xD9 || marker == 0xFF {
			break
		}
		l := int(binary.BigEndian.Uint16(j[pos+2:]))
		if pos+2+l > len(j) {
			break
		}
		seg := j[pos : pos+2+l]
		if !(marker == 0xE1 && bytes.HasPrefix(seg[4:], []byte("Exif\x00\x00"))) {
			out = append(out, seg...)
		}
		pos += 2 + l
	}
	return append(out, j[pos:]...)
}
