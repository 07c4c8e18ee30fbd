package meta

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func isoBox(typ string, parts ...[]byte) []byte {
	var body []byte
	for _, p := range parts {
		body = append(body, p...)
	}
	return append(append(binary.BigEndian.AppendUint32(nil, uint32(8+len(body))), typ...), body...)
}

func fullBox(typ string, version byte, parts ...[]byte) []byte {
	return isoBox(typ, append([][]byte{{version, 0, 0, 0}}, parts...)...)
}

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// heifWithItems is a HEIF file whose primary item 1 is 640x480 and whose
// items 2 and 3 are XMP (mime application/rdf+xml) stored in the idat
// box at the given extents (offset, length; construction method 1).
func heifWithItems(idat []byte, extents [2][2]uint64) []byte {
	infe := func(id uint16, typ string, extra string) []byte {
		return fullBox("infe", 2, be16(id), be16(0), []byte(typ), []byte("\x00"+extra))
	}
	iloc := [][]byte{{0x88, 0x00}, be16(2)} // offsets and lengths of 8 bytes; two items
	for i, e := range extents {
		iloc = append(iloc, be16(uint16(2+i)), be16(1), be16(0), be16(1), be64(e[0]), be64(e[1]))
	}
	meta := fullBox("meta", 0,
		fullBox("hdlr", 0, be32(0), []byte("pict"), make([]byte, 12), []byte{0}),
		fullBox("pitm", 0, be16(1)),
		fullBox("iinf", 0, be16(3), infe(1, "hvc1", ""), infe(2, "mime", "application/rdf+xml\x00"), infe(3, "mime", "application/rdf+xml\x00")),
		fullBox("iloc", 1, iloc...),
		isoBox("idat", idat),
		isoBox("iprp",
			isoBox("ipco", fullBox("ispe", 0, be32(640), be32(480))),
			fullBox("ipma", 0, be32(1), be16(1), []byte{1, 0x81})))
	return append(isoBox("ftyp", []byte("heic"), be32(0), []byte("mif1heic")), meta...)
}

// TestHEIFExtentsDoNotOverflow: item extents are 64-bit; an offset plus a
// length that overflows is refused as out of range, and the other items
// are still read, instead of a slice panic that lost the item loop.
func TestHEIFExtentsDoNotOverflow(t *testing.T) {
	xmp := fmt.Sprintf(testXMP, "From idat")
	idat := append([]byte("-"), xmp...)
	for name, bad := range map[string][2]uint64{
		"offset near 2^64":              {^uint64(0) - 4, 8},
		"offset plus length wraps to 0": {1, ^uint64(0)},
		"length past the idat box":      {2, uint64(len(idat))},
	} {
		t.Run(name, func(t *testing.T) {
			data := heifWithItems(idat, [2][2]uint64{bad, {1, uint64(len(xmp))}})
			md, err := extractBytes(t, data, "x.heic")
			require.NoError(t, err)
			assert.Equal(t, 640.0, get(md, "tiff:ImageWidth"))
			assert.Equal(t, "From idat", get(md, "dc:title"))
			w := strings.Join(md.Warnings, "\n")
			assert.NotContains(t, w, "reader failed")
			assert.Contains(t, w, "HEIF mime item")
		})
	}
}
