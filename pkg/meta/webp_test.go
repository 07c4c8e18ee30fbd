package meta

import (
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Simple WebP files as libwebp writes them (made with ImageMagick's
// convert, which writes a bare VP8 or VP8L chunk without VP8X by default).
var (
	// convert -size 64x48 xc:red plain.webp
	webpLossy = mustHex("5249464654000000574542505650382048000000b003009d012a400030003e9148a04c25a4232222a800b012096700d3528000151fbd09b4c50000feeea63fff80dd7c5b4cbfff7381ff7381ff7381fc6d4107ef61dae198f46c0000")
	// convert -size 64x48 xc:blue -define webp:lossless=true lossless.webp
	webpLossless = mustHex("5249464622000000574542505650384c150000002f3fc00b000710d1fffe078084f07fbd18d1ffd40f00")
	// convert -size 30x20 xc:"rgba(0,255,0,0.5)" -define webp:lossless=true alpha.webp
	webpLosslessAlpha = mustHex("524946461c000000574542505650384c0f0000002f1dc0041007d0ff88fe0522a2ff0100")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// TestSimpleWebP: a WebP without a VP8X chunk (lossy VP8 or lossless
// VP8L, the default output of cwebp and ImageMagick) gives its size from
// the bitstream header, in both renditions.
func TestSimpleWebP(t *testing.T) {
	for _, tc := range []struct {
		name          string
		data          []byte
		width, height float64
		alpha         bool
	}{
		{"lossy VP8", webpLossy, 64, 48, false},
		{"lossless VP8L", webpLossless, 64, 48, false},
		{"lossless VP8L with alpha", webpLosslessAlpha, 30, 20, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md, err := extractBytes(t, tc.data, "image.webp")
			require.NoError(t, err)
			m := md.Map()
			assert.Equal(t, "image/webp", m["dc:format"])
			assert.Equal(t, tc.width, m["tiff:ImageWidth"])
			assert.Equal(t, tc.height, m["tiff:ImageLength"])
			assert.Equal(t, tc.alpha, m["acs:HasAlpha"])
			assert.Equal(t, 1.0, m["acs:FrameCount"])
			assert.Empty(t, md.Warnings)
			checkOutput(t, md)
			x, err := md.XMP()
			require.NoError(t, err)
			assert.Contains(t, string(x), "<tiff:ImageWidth>"+formatNumber(tc.width)+"</tiff:ImageWidth>")
		})
	}
}

// TestDamagedSimpleWebP: a bitstream chunk cut after its header still
// gives the size (with a warning); a header that is cut or wrong is
// SourceCorrupt.
func TestDamagedSimpleWebP(t *testing.T) {
	cut := webpLossy[:40] // RIFF header, chunk header, 20 bytes of the 72-byte bitstream
	md, err := extractBytes(t, cut, "cut.webp")
	require.NoError(t, err)
	assert.Equal(t, 64.0, get(md, "tiff:ImageWidth"))
	assert.Contains(t, strings.Join(md.Warnings, "\n"), "truncated")

	interFrame := append([]byte{}, webpLossy...)
	interFrame[20] |= 1 // frame tag: not a key frame
	badSig := append([]byte{}, webpLossless...)
	badSig[20] = 0x2e
	badVersion := append([]byte{}, webpLossless...)
	binary.LittleEndian.PutUint32(badVersion[21:], binary.LittleEndian.Uint32(badVersion[21:])|1<<29)
	for name, data := range map[string][]byte{
		"cut inside the VP8 header":         webpLossy[:25],
		"VP8 frame that is not a key frame": interFrame,
		"VP8L without its signature":        badSig,
		"VP8L of an unknown version":        badVersion,
		"no image chunk":                    append([]byte("RIFF\x0c\x00\x00\x00WEBPEXIF\x00\x00\x00\x00"), 0, 0, 0, 0)[:20],
	} {
		t.Run(name, func(t *testing.T) {
			_, err := extractBytes(t, data, "bad.webp")
			require.Error(t, err)
			assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), err.Error())
		})
	}
}
