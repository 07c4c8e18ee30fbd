package image

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Writing the metadata a rendition keeps.
//
// libvips 8.14 can only keep all of an image's metadata or none of it, and
// its JPEG and WebP savers add an EXIF block of their own whenever any is
// kept (its WebP saver even ignores strip). So JPEG, PNG and WebP
// renditions are encoded bare and the engine inserts exactly what the
// rendition keeps: the ICC profile, the XMP packet and the resolution.
// TIFF and HEIF renditions get the same fields through libvips (see
// write in engine.go).

// embedding is the metadata written into a rendition.
type embedding struct {
	// ICC is the colour profile, or nil for none.
	ICC []byte
	// XMP is the XMP packet, or nil for none.
	XMP []byte
	// DPI is the resolution to record, or nil. PNG and TIFF record it
	// through libvips (pHYs, resolution tags).
	DPI *api.DPI
}

func (m embedding) empty() bool { return m.ICC == nil && m.XMP == nil && m.DPI == nil }

// maxJPEGXMP is the largest XMP packet one JPEG APP1 segment holds.
const maxJPEGXMP = 65535 - 2 - len(jpegXMPHeader)

const (
	jpegXMPHeader = "http://ns.adobe.com/xap/1.0/\x00"
	jpegICCHeader = "ICC_PROFILE\x00"
	// jpegICCChunk is the most profile data one APP2 segment holds.
	jpegICCChunk = 65535 - 2 - len(jpegICCHeader) - 2
)

var errBadEncoding = errors.New("encoded image has an unexpected structure")

// jpegSegments returns the APP segments that carry m, in the order
// readers expect them: JFIF (resolution), XMP, ICC.
func jpegSegments(m embedding) []byte {
	var b bytes.Buffer
	seg := func(marker byte, parts ...[]byte) {
		n := 2
		for _, p := range parts {
			n += len(p)
		}
		b.Write([]byte{0xff, marker, byte(n >> 8), byte(n)})
		for _, p := range parts {
			b.Write(p)
		}
	}
	if d := m.DPI; d != nil {
		jfif := []byte{'J', 'F', 'I', 'F', 0, 1, 2, 1, 0, 0, 0, 0, 0, 0}
		binary.BigEndian.PutUint16(jfif[8:], clampUint16(d.X))
		binary.BigEndian.PutUint16(jfif[10:], clampUint16(d.Y))
		seg(0xe0, jfif)
	}
	if m.XMP != nil {
		seg(0xe1, []byte(jpegXMPHeader), m.XMP)
	}
	if p := m.ICC; p != nil {
		count := (len(p) + jpegICCChunk - 1) / jpegICCChunk
		for i := 0; i < count; i++ {
			chunk := p[i*jpegICCChunk : min(len(p), (i+1)*jpegICCChunk)]
			seg(0xe2, []byte(jpegICCHeader), []byte{byte(i + 1), byte(count)}, chunk)
		}
	}
	return b.Bytes()
}

func clampUint16(v float64) uint16 { return uint16(max(1, min(65535, math.Round(v)))) }

// writeJPEG writes a bare JPEG with m's segments right after its SOI.
func writeJPEG(w io.Writer, data []byte, m embedding) error {
	if len(data) < 4 || data[0] != 0xff || data[1] != 0xd8 {
		return errBadEncoding
	}
	return writeAll(w, data[:2], jpegSegments(m), data[2:])
}

// pngChunk encodes one PNG chunk.
func pngChunk(typ string, data []byte) []byte {
	b := make([]byte, 8, 12+len(data))
	binary.BigEndian.PutUint32(b, uint32(len(data)))
	copy(b[4:], typ)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// pngChunks returns the chunks that carry m's profile and packet (the
// resolution is libvips' pHYs).
func pngChunks(m embedding) ([]byte, error) {
	var b bytes.Buffer
	if m.ICC != nil {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		if _, err := zw.Write(m.ICC); err != nil {
			return nil, err
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
		b.Write(pngChunk("iCCP", append([]byte("sRGB\x00\x00"), z.Bytes()...)))
	}
	if m.XMP != nil {
		// keyword, no compression, no language, no translated keyword.
		b.Write(pngChunk("iTXt", append([]byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"), m.XMP...)))
	}
	return b.Bytes(), nil
}

// writePNG writes a bare PNG with m's chunks right after IHDR, where iCCP
// must be (before PLTE and IDAT).
func writePNG(w io.Writer, data []byte, m embedding) error {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(data) < 33 || string(data[:8]) != sig || string(data[12:16]) != "IHDR" {
		return errBadEncoding
	}
	end := 8 + 12 + int(binary.BigEndian.Uint32(data[8:12]))
	if end > len(data) {
		return errBadEncoding
	}
	chunks, err := pngChunks(m)
	if err != nil {
		return err
	}
	return writeAll(w, data[:end], chunks, data[end:])
}

// riffChunk is one chunk of a WebP file.
type riffChunk struct {
	fourCC string
	data   []byte
}

func (c riffChunk) encode() []byte {
	b := make([]byte, 8, 8+len(c.data)+1)
	copy(b, c.fourCC)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(c.data)))
	b = append(b, c.data...)
	if len(c.data)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// parseRIFF splits a WebP file into its chunks.
func parseRIFF(data []byte) ([]riffChunk, error) {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil, errBadEncoding
	}
	var out []riffChunk
	for p := 12; p < len(data); {
		if p+8 > len(data) {
			return nil, errBadEncoding
		}
		n := int(binary.LittleEndian.Uint32(data[p+4:]))
		if n < 0 || p+8+n > len(data) {
			return nil, errBadEncoding
		}
		out = append(out, riffChunk{string(data[p : p+4]), data[p+8 : p+8+n]})
		p += 8 + n + n%2
	}
	return out, nil
}

// VP8X flags.
const (
	vp8xICC       = 0x20
	vp8xAlpha     = 0x10
	vp8xEXIF      = 0x08
	vp8xXMP       = 0x04
	vp8xAnimation = 0x02
)

// writeWebP rewrites a WebP file with exactly m's metadata: the chunks the
// encoder added (libvips 8.14 adds EXIF whatever it is told) are dropped,
// the image chunks kept. canvas is the size of one frame.
func writeWebP(w io.Writer, data []byte, m embedding, canvas size) error {
	chunks, err := parseRIFF(data)
	if err != nil {
		return err
	}
	var flags byte
	var image []riffChunk
	for _, c := range chunks {
		switch c.fourCC {
		case "VP8X":
			if len(c.data) >= 1 {
				flags |= c.data[0] & vp8xAlpha
			}
		case "ANIM", "ANMF":
			flags |= vp8xAnimation
			image = append(image, c)
		case "ALPH":
			flags |= vp8xAlpha
			image = append(image, c)
		case "VP8L":
			if len(c.data) >= 5 && c.data[4]&0x10 != 0 { // alpha_is_used
				flags |= vp8xAlpha
			}
			image = append(image, c)
		case "VP8 ":
			image = append(image, c)
		}
	}
	if len(image) == 0 {
		return errBadEncoding
	}
	var exif []byte
	if m.DPI != nil {
		exif = exifResolution(*m.DPI)
	}
	var out []riffChunk
	extended := flags != 0 || !m.empty()
	if extended {
		if m.ICC != nil {
			flags |= vp8xICC
		}
		if exif != nil {
			flags |= vp8xEXIF
		}
		if m.XMP != nil {
			flags |= vp8xXMP
		}
		x := make([]byte, 10)
		x[0] = flags
		put24 := func(b []byte, v int) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
		put24(x[4:], canvas.W-1)
		put24(x[7:], canvas.H-1)
		out = append(out, riffChunk{"VP8X", x})
		if m.ICC != nil {
			out = append(out, riffChunk{"ICCP", m.ICC})
		}
	}
	out = append(out, image...)
	if exif != nil {
		out = append(out, riffChunk{"EXIF", exif})
	}
	if m.XMP != nil {
		out = append(out, riffChunk{"XMP ", m.XMP})
	}
	var body bytes.Buffer
	body.WriteString("WEBP")
	for _, c := range out {
		body.Write(c.encode())
	}
	head := make([]byte, 8)
	copy(head, "RIFF")
	binary.LittleEndian.PutUint32(head[4:], uint32(body.Len()))
	return writeAll(w, head, body.Bytes())
}

// exifResolution returns a TIFF-structured EXIF block with only the
// resolution: XResolution, YResolution and ResolutionUnit (inches).
func exifResolution(d api.DPI) []byte {
	le := binary.LittleEndian
	const entries = 3
	ifd := 8
	values := ifd + 2 + 12*entries + 4
	b := make([]byte, values+16)
	copy(b, "II*\x00")
	le.PutUint32(b[4:], uint32(ifd))
	le.PutUint16(b[ifd:], entries)
	entry := func(i int, tag, typ uint16, count, value uint32) {
		e := b[ifd+2+12*i:]
		le.PutUint16(e, tag)
		le.PutUint16(e[2:], typ)
		le.PutUint32(e[4:], count)
		le.PutUint32(e[8:], value)
	}
	const rational, short = 5, 3
	entry(0, 0x011a, rational, 1, uint32(values))
	entry(1, 0x011b, rational, 1, uint32(values+8))
	entry(2, 0x0128, short, 1, 2) // inches
	for i, v := range []float64{d.X, d.Y} {
		le.PutUint32(b[values+8*i:], uint32(math.Round(v*100)))
		le.PutUint32(b[values+8*i+4:], 100)
	}
	return b
}

func writeAll(w io.Writer, parts ...[]byte) error {
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}
