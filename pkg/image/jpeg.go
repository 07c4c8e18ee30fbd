package image

import (
	"bufio"
	"encoding/binary"
	"io"
	"os"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// JPEG sources: the frame header, read before libvips.
//
// libjpeg-turbo decodes the sequential and progressive processes, with
// Huffman or arithmetic coding, at 8 bits per sample. The lossless (SOF3,
// SOF11) and hierarchical (SOF5-7, SOF13-15) processes and 12-bit samples
// it cannot read; the engine says so rather than call such a file
// corrupt. A progressive JPEG keeps the coefficients of the whole image
// in memory until its last scan, so it is bounded like the formats
// decoded whole (Limits.MaxFullDecodePixels).

// maxJPEGSegments is how many marker segments the engine reads looking for
// the frame header before leaving the file to libvips.
const maxJPEGSegments = 1024

// jpegProcesses names the start-of-frame markers.
var jpegProcesses = map[byte]string{
	0xc0: "baseline", 0xc1: "extended sequential", 0xc2: "progressive", 0xc3: "lossless",
	0xc5: "differential sequential (hierarchical)", 0xc6: "differential progressive (hierarchical)",
	0xc7: "differential lossless (hierarchical)",
	0xc9: "extended sequential, arithmetic-coded", 0xca: "progressive, arithmetic-coded",
	0xcb: "lossless, arithmetic-coded", 0xcd: "differential sequential, arithmetic-coded (hierarchical)",
	0xce: "differential progressive, arithmetic-coded (hierarchical)",
	0xcf: "differential lossless, arithmetic-coded (hierarchical)",
}

// checkJPEG reads the markers of a JPEG up to its frame header.
func checkJPEG(path string, c *sourceCheck) error {
	f, err := os.Open(path)
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "source file cannot be opened")
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 16<<10)
	var b [8]byte
	if _, err := io.ReadFull(r, b[:2]); err != nil || b[0] != 0xff || b[1] != 0xd8 {
		return nil // Sniff saw FF D8 FF; leave the rest to libvips
	}
	for i := 0; i < maxJPEGSegments; i++ {
		// A marker: FF, any fill FFs, then its code.
		m, err := r.ReadByte()
		if err != nil || m != 0xff {
			return nil
		}
		for m == 0xff {
			if m, err = r.ReadByte(); err != nil {
				return nil
			}
		}
		switch {
		case m == 0x01 || m >= 0xd0 && m <= 0xd8: // no length
			continue
		case m == 0xd9 || m == 0xda: // end of image or start of scan before any frame
			return nil
		}
		if _, err := io.ReadFull(r, b[:2]); err != nil {
			return nil
		}
		length := int(binary.BigEndian.Uint16(b[:2])) - 2
		if length < 0 {
			return nil
		}
		process, sof := jpegProcesses[m]
		if !sof {
			if _, err := r.Discard(length); err != nil {
				return nil
			}
			continue
		}
		if length < 6 {
			return nil
		}
		if _, err := io.ReadFull(r, b[:5]); err != nil {
			return nil
		}
		precision := int(b[0])
		c.height, c.width = int(binary.BigEndian.Uint16(b[1:])), int(binary.BigEndian.Uint16(b[3:]))
		switch m {
		case 0xc3, 0xcb:
			return api.Errorf(api.ReasonSourceFormatUnsupported,
				"source is a lossless JPEG (SOF%d, %s); lossless JPEG is not supported, only baseline and progressive JPEG", m-0xc0, process)
		case 0xc5, 0xc6, 0xc7, 0xcd, 0xce, 0xcf:
			return api.Errorf(api.ReasonSourceFormatUnsupported,
				"source is a hierarchical JPEG (SOF%d, %s); hierarchical JPEG is not supported, only baseline and progressive JPEG", m-0xc0, process)
		}
		if precision != 8 {
			return api.Errorf(api.ReasonSourceFormatUnsupported,
				"source is a %d-bit JPEG; only JPEG with 8 bits per sample is supported", precision)
		}
		if m == 0xc2 || m == 0xca {
			c.wholeDecode = "progressive JPEG"
		}
		return nil
	}
	return nil
}
