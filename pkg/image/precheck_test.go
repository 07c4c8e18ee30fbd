package image

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	goimage "image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// jpegFrame returns a JPEG holding only a frame header with the given
// start-of-frame marker and sample precision: enough for any decoder to
// tell its process.
func jpegFrame(marker byte, precision int) []byte {
	sof := []byte{0xff, marker, 0, 11, byte(precision), 0, 48, 0, 64, 1, 1, 0x11, 0}
	out := append([]byte{0xff, 0xd8}, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0)
	out = append(out, sof...)
	return append(out, 0xff, 0xd9)
}

// pngWith returns a PNG of img with extra chunks inserted right after its
// IHDR.
func pngWith(t testing.TB, img goimage.Image, chunks ...[]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	data := b.Bytes()
	end := 8 + 12 + 13
	out := append([]byte{}, data[:end]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, data[end:]...)
}

// pngHeaderOnly returns a PNG whose IHDR declares w x h with the given bit
// depth, colour type and interlace method, and a short IDAT.
func pngHeaderOnly(w, h uint32, depth, colour, interlace byte) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9], ihdr[12] = depth, colour, interlace
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write(make([]byte, 4096))
	_ = zw.Close()
	out := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	out = append(out, pngChunk("IDAT", z.Bytes())...)
	return append(out, pngChunk("IEND", nil)...)
}

// zeroPNG returns a whole w x h 1-bit grey PNG of zeros: every row is
// there, compressed about a thousandfold.
func zeroPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8] = 1
	var z bytes.Buffer
	zw, err := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	require.NoError(t, err)
	row := make([]byte, 1+(w+7)/8)
	for y := 0; y < h; y++ {
		_, err := zw.Write(row)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	out := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	out = append(out, pngChunk("IDAT", z.Bytes())...)
	return append(out, pngChunk("IEND", nil)...)
}

// zlibOf returns a zlib stream of data followed by n zero bytes.
func zlibOf(t testing.TB, data []byte, n int) []byte {
	t.Helper()
	var z bytes.Buffer
	zw, err := zlib.NewWriterLevel(&z, zlib.BestCompression)
	require.NoError(t, err)
	_, err = zw.Write(data)
	require.NoError(t, err)
	zeros := make([]byte, 1<<20)
	for ; n > 0; n -= len(zeros) {
		_, err := zw.Write(zeros[:min(n, len(zeros))])
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return z.Bytes()
}

// Sources checked from their own bytes before libvips reads them: the
// size a PNG declares, the process and precision of a JPEG, and the
// sources decoded whole, bounded by MaxFullDecodePixels.
func TestSourcesCheckedBeforeLibvips(t *testing.T) {
	e := testEngine(t)
	tiny, err := New(Options{Limits: Limits{MaxFullDecodePixels: 40 * 40}})
	require.NoError(t, err)
	small := noise(64, 48)

	// A progressive JPEG and a GIF of 64x48 for the engine whose
	// full-decode limit is 40x40.
	_, progressive := render(t, e, pngFile(t, small), api.Rendition{Fmt: "jpg", Interlace: true})
	var gifData bytes.Buffer
	require.NoError(t, gif.Encode(&gifData, small, nil))
	var baseline bytes.Buffer
	require.NoError(t, jpeg.Encode(&baseline, small, nil))
	var interlaced bytes.Buffer
	require.NoError(t, png.Encode(&interlaced, small))
	// Adam7 cannot be asked of image/png: declare it in the header, as
	// the engine reads it, with the pixels of the plain encoding (which
	// then fail to decode if ever read).
	interlacedPNG := interlaced.Bytes()
	interlacedPNG[8+8+12] = 1
	binary.BigEndian.PutUint32(interlacedPNG[8+8+13:], crc32.ChecksumIEEE(interlacedPNG[12:8+8+13]))

	tests := []struct {
		name   string
		engine *Engine
		data   []byte
		want   api.Reason
		msg    string
	}{
		{"lossless JPEG", e, jpegFrame(0xc3, 8), api.ReasonSourceFormatUnsupported, "lossless JPEG is not supported"},
		{"lossless JPEG, arithmetic-coded", e, jpegFrame(0xcb, 12), api.ReasonSourceFormatUnsupported, "lossless JPEG is not supported"},
		{"hierarchical JPEG", e, jpegFrame(0xc5, 8), api.ReasonSourceFormatUnsupported, "hierarchical JPEG is not supported"},
		{"12-bit JPEG", e, jpegFrame(0xc1, 12), api.ReasonSourceFormatUnsupported, "12-bit JPEG"},
		{"PNG 2^31-1 pixels wide", e, pngHeaderOnly(1<<31-1, 1, 8, 2, 0), api.ReasonSourceTooLarge, "2147483647x1"},
		{"PNG 2^31-1 pixels tall", e, pngHeaderOnly(1, 1<<31-1, 8, 2, 0), api.ReasonSourceTooLarge, "1x2147483647"},
		{"PNG wider than PNG allows", e, pngHeaderOnly(1<<31, 1, 8, 2, 0), api.ReasonSourceCorrupt, "declares 2147483648x1 pixels"},
		{"PNG 0 pixels wide", e, pngHeaderOnly(0, 10, 8, 2, 0), api.ReasonSourceCorrupt, "declares 0x10 pixels"},
		{"PNG 20 million pixels wide, 1 tall", e, pngHeaderOnly(20_000_000, 1, 8, 2, 0), api.ReasonSourceTooLarge, "10000000 pixels a side"},
		{"PNG of 50000x50000 zeros", e, zeroPNG(t, 50000, 50000), api.ReasonSourceTooLarge, "50000x50000 (2500.0 MP)"},
		{"interlaced PNG over the full-decode limit", tiny, interlacedPNG, api.ReasonSourceTooLarge, "for interlaced PNG files, which are decoded whole"},
		{"progressive JPEG over the full-decode limit", tiny, readFile(t, progressive), api.ReasonSourceTooLarge, "for progressive JPEG files"},
		{"GIF over the full-decode limit", tiny, gifData.Bytes(), api.ReasonSourceTooLarge, "for GIF files"},
		{"baseline JPEG is not bounded by the full-decode limit", tiny, baseline.Bytes(), "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, _, err := renderErr(t, tc.engine, writeTemp(t, "src", tc.data), api.Rendition{Width: intp(32)})
			if tc.want == "" {
				require.NoError(t, err)
				assert.Equal(t, 32, res.Width)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tc.want, api.ReasonOf(err), "error: %v", err)
			assert.Contains(t, api.MessageOf(err), tc.msg)
		})
	}
}

// A PNG's compressed metadata inflating to a gigabyte neither slows down
// nor enlarges its rendition: the chunks over the budget are left out,
// after inflating a bounded amount of them, and the rendition is the one
// the same pixels make without them.
func TestPNGMetadataBombs(t *testing.T) {
	e := testEngine(t)
	img := noise(64, 48)
	bomb := zlibOf(t, nil, 16<<20) // 16 MiB of zeros in 16 KB
	profile := make([]byte, 128)   // an ICC header declaring 64 MiB
	binary.BigEndian.PutUint32(profile, 64<<20)
	copy(profile[36:], "acsp")
	chunks := [][]byte{
		pngChunk("iCCP", append([]byte("bomb\x00\x00"), zlibOf(t, profile, 64<<20)...)),
		pngChunk("iTXt", append([]byte("XML:com.adobe.xmp\x00\x01\x00\x00\x00"), zlibOf(t, []byte("<x:xmpmeta xmlns:x='adobe:ns:meta/'>"), 64<<20)...)),
	}
	for i := 0; i < 64; i++ { // 1 GiB of comments
		chunks = append(chunks, pngChunk("zTXt", append([]byte(fmt.Sprintf("Comment%d\x00\x00", i)), bomb...)))
	}
	bombed := writeTemp(t, "bombed.png", pngWith(t, img, chunks...))
	clean := writeTemp(t, "clean.png", pngWith(t, img))

	t.Run("the walk inflates a bounded amount and drops every bomb", func(t *testing.T) {
		f, err := os.Open(bombed)
		require.NoError(t, err)
		defer f.Close()
		fi, err := f.Stat()
		require.NoError(t, err)
		info, err := readPNGInfo(f, fi.Size())
		require.NoError(t, err)
		assert.LessOrEqual(t, info.inflated, int64(maxPNGInflate+maxPNGMetaChunk+1))
		assert.Equal(t, map[string]int{"iCCP": 1, "iTXt": 1, "zTXt": 64}, info.dropped)
	})

	for _, f := range []string{"png", "jpg", "webp"} {
		t.Run("rendered to "+f+" as without the bombs", func(t *testing.T) {
			r := api.Rendition{Fmt: f, Width: intp(48)}
			want, wantOut, err := renderErr(t, e, clean, r)
			require.NoError(t, err)
			got, gotOut, err := renderErr(t, e, bombed, r)
			require.NoError(t, err)
			assert.Equal(t, want.Bytes, got.Bytes, "the rendition is not enlarged")
			assert.Equal(t, readFile(t, wantOut), readFile(t, gotOut), "the rendition is the same")
		})
	}

	t.Run("metadata within the budget is read in place", func(t *testing.T) {
		xmp := []byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="` + nsRDF + `"><rdf:Description xmlns:dc="` + nsDC + `">` +
			`<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">© Ann Example</rdf:li></rdf:Alt></dc:rights></rdf:Description></rdf:RDF></x:xmpmeta>`)
		src := writeTemp(t, "ok.png", pngWith(t, img,
			pngChunk("iTXt", append([]byte("XML:com.adobe.xmp\x00\x01\x00\x00\x00"), zlibOf(t, xmp, 0)...)),
			pngChunk("zTXt", append([]byte("Comment\x00\x00"), zlibOf(t, nil, 1<<20)...))))
		c, err := checkSource(src, TypePNG, e.Limits(), t.TempDir())
		require.NoError(t, err)
		assert.Empty(t, c.path, "no copy")
		_, out, err := renderErr(t, e, src, api.Rendition{Fmt: "png"})
		require.NoError(t, err)
		assert.Contains(t, string(readBack(t, out).XMP), "© Ann Example", "the rights are kept")
	})
}
