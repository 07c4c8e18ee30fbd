package meta

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const jxlDir = "testdata/jxl"

func readJXLSample(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(jxlDir, name))
	require.NoError(t, err)
	return data
}

// TestJXLSamples reads JPEG XL files written by libvips, libjxl and
// exiftool, in both forms. The expected size, orientation, bit depth,
// channels and loop count are what libjxl's decoder reports for each file
// (testdata/jxl/README.md); the Exif and XMP values are those the files
// were written with.
func TestJXLSamples(t *testing.T) {
	for _, tc := range []struct {
		file string
		want map[string]any
		warn string // a warning that must be given
	}{
		{"vips-copy.jxl", map[string]any{"tiff:ImageWidth": 64.0, "tiff:ImageLength": 48.0, "tiff:Orientation": 1.0,
			"tiff:BitsPerSample": []any{8.0}, "acs:Channels": 1.0, "acs:ColorSpace": "Gray", "acs:HasAlpha": false}, ""},
		{"vips-lossless.jxl", map[string]any{"tiff:ImageWidth": 64.0, "tiff:ImageLength": 48.0, "acs:Channels": 1.0}, ""},
		{"vips-alpha.jxl", map[string]any{"tiff:ImageWidth": 256.0, "tiff:ImageLength": 192.0,
			"tiff:BitsPerSample": []any{8.0, 8.0, 8.0, 8.0}, "acs:Channels": 4.0, "acs:ColorSpace": "RGB", "acs:HasAlpha": true}, ""},
		{"vips-grey16-alpha.jxl", map[string]any{"tiff:ImageWidth": 109.0, "tiff:ImageLength": 96.0,
			"tiff:BitsPerSample": []any{16.0, 16.0}, "acs:Channels": 2.0, "acs:ColorSpace": "Gray", "acs:HasAlpha": true}, ""},
		{"libjxl-orientation6.jxl", map[string]any{"tiff:ImageWidth": 40.0, "tiff:ImageLength": 24.0, "tiff:Orientation": 6.0,
			"acs:Channels": 3.0}, ""},
		{"libjxl-animated.jxl", map[string]any{"tiff:ImageWidth": 16.0, "tiff:ImageLength": 16.0, "acs:LoopCount": 3.0,
			"acs:Channels": 4.0, "acs:HasAlpha": true}, ""},
		{"libjxl-1000x3.jxl", map[string]any{"tiff:ImageWidth": 1000.0, "tiff:ImageLength": 3.0}, ""},
		{"libjxl-9000x1-orientation5.jxl", map[string]any{"tiff:ImageWidth": 9000.0, "tiff:ImageLength": 1.0, "tiff:Orientation": 5.0}, ""},
		{"libjxl-32x18.jxl", map[string]any{"tiff:ImageWidth": 32.0, "tiff:ImageLength": 18.0}, ""},
		{"libjxl-2x300000.jxl", map[string]any{"tiff:ImageWidth": 2.0, "tiff:ImageLength": 300000.0}, ""},
		// The container forms. The codestream's orientation is the one
		// decoders apply: an Exif Orientation that differs is not used.
		{"exiftool-container.jxl", map[string]any{"tiff:ImageWidth": 64.0, "tiff:ImageLength": 48.0, "tiff:Orientation": 1.0,
			"dc:creator": []any{"Ann Example"}, "dc:title": "Hello JXL", "tiff:XResolution": 72.0}, ""},
		{"libjxl-jxlp-exif-xml.jxl", map[string]any{"tiff:ImageWidth": 300.0, "tiff:ImageLength": 200.0, "tiff:Orientation": 8.0,
			"tiff:Make": "JXLTest", "dc:title": "Written by libjxl", "acs:Channels": 3.0}, ""},
		{"libjxl-brob-exif.jxl", map[string]any{"tiff:ImageWidth": 33.0, "tiff:ImageLength": 7.0, "dc:title": "Written by libjxl",
			"tiff:BitsPerSample": []any{16.0, 16.0}, "acs:HasAlpha": true}, `Brotli-compressed "Exif" box not read`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			md, err := extractFile(t, filepath.Join(jxlDir, tc.file))
			require.NoError(t, err)
			m := md.Map()
			assert.Equal(t, "image/jxl", m["dc:format"])
			for k, v := range tc.want {
				assert.Equal(t, v, m[k], k)
			}
			if tc.warn != "" {
				assert.Contains(t, strings.Join(md.Warnings, "\n"), tc.warn)
			} else {
				assert.Empty(t, md.Warnings)
			}
			checkOutput(t, md)
			x, err := md.XMP()
			require.NoError(t, err)
			assert.Contains(t, string(x), "<tiff:ImageWidth>"+formatNumber(tc.want["tiff:ImageWidth"].(float64))+"</tiff:ImageWidth>")
			assert.Contains(t, string(x), "<dc:format>image/jxl</dc:format>")
		})
	}
	// The brob box is only named: the Exif inside it is not read.
	md, err := extractFile(t, filepath.Join(jxlDir, "libjxl-brob-exif.jxl"))
	require.NoError(t, err)
	assert.Nil(t, get(md, "tiff:Make"))
}

// TestJXLAgainstExiftool compares the size, Exif and XMP values with what
// exiftool reads from the same files.
func TestJXLAgainstExiftool(t *testing.T) {
	needExiftool(t)
	files, err := filepath.Glob(filepath.Join(jxlDir, "*.jxl"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var ex []map[string]any
	require.NoError(t, json.Unmarshal(exiftoolJSON(t, files...), &ex))
	require.Len(t, ex, len(files))
	compared := 0
	for _, e := range ex {
		file := e["SourceFile"].(string)
		md, err := extractFile(t, file)
		require.NoError(t, err, file)
		m := md.Map()
		assert.Equal(t, e["File:MIMEType"], m["dc:format"], file)
		for exKey, ours := range map[string]string{
			"File:ImageWidth": "tiff:ImageWidth", "File:ImageHeight": "tiff:ImageLength",
			"IFD0:Make": "tiff:Make", "IFD0:XResolution": "tiff:XResolution", "XMP-dc:Title": "dc:title",
		} {
			if v, ok := e[exKey]; ok {
				assert.Equal(t, v, m[ours], "%s: %s", file, exKey)
				compared++
			}
		}
		if v, ok := e["IFD0:Artist"]; ok {
			assert.Equal(t, []any{v}, m["dc:creator"], file)
			compared++
		}
	}
	t.Logf("%d values compared over %d files", compared, len(files))
	assert.GreaterOrEqual(t, compared, 2*len(files)-4, "exiftool read the size of most samples")
}

// jxlBitWriter writes the fields of a codestream, least significant bit
// of each byte first.
type jxlBitWriter struct {
	b []byte
	n uint
}

func (w *jxlBitWriter) bits(v uint64, n uint) *jxlBitWriter {
	for i := uint(0); i < n; i++ {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		w.b[len(w.b)-1] |= byte(v>>i&1) << (w.n % 8)
		w.n++
	}
	return w
}

func (w *jxlBitWriter) bytes() []byte { return append([]byte{0xFF, 0x0A}, w.b...) }

// jxlCodestreamOf is a codestream whose SizeHeader is written by size and
// whose ImageMetadata is all default (8-bit RGB, orientation 1).
func jxlCodestreamOf(size func(w *jxlBitWriter)) []byte {
	w := &jxlBitWriter{}
	size(w)
	w.bits(1, 1) // ImageMetadata all_default
	return w.bytes()
}

// TestJXLSizeHeader: every form of the SizeHeader: the small form
// (multiples of 8), each of the four U32 distributions of the height and
// the width, and each aspect ratio.
func TestJXLSizeHeader(t *testing.T) {
	// The U32 distributions of a dimension: 1 + 9, 13, 18 or 30 bits.
	u32 := func(w *jxlBitWriter, v uint64) {
		for sel, n := range []uint{9, 13, 18, 30} {
			if v-1 < 1<<n {
				w.bits(uint64(sel), 2).bits(v-1, n)
				return
			}
		}
		panic("too large")
	}
	type dims struct{ w, h float64 }
	cases := map[string]struct {
		size func(w *jxlBitWriter)
		want dims
	}{
		"small":              {func(w *jxlBitWriter) { w.bits(1, 1).bits(5, 5).bits(0, 3).bits(31, 5) }, dims{256, 48}},
		"small with a ratio": {func(w *jxlBitWriter) { w.bits(1, 1).bits(0, 5).bits(7, 3) }, dims{16, 8}},
	}
	for _, v := range []uint64{1, 512, 513, 8192, 8193, 262144, 262145, 1 << 30} {
		cases["height and width of "+formatNumber(float64(v))] = struct {
			size func(w *jxlBitWriter)
			want dims
		}{func(w *jxlBitWriter) { w.bits(0, 1); u32(w, v); w.bits(0, 3); u32(w, 1<<30+1-v) }, dims{float64(1<<30 + 1 - v), float64(v)}}
	}
	// Ratios 1-7 of a height of 90: 1, 12/10, 4/3, 3/2, 16/9, 5/4, 2 (rounded down).
	for ratio, width := range []float64{90, 108, 120, 135, 160, 112, 180} {
		cases["ratio "+formatNumber(float64(ratio+1))] = struct {
			size func(w *jxlBitWriter)
			want dims
		}{func(w *jxlBitWriter) { w.bits(0, 1); u32(w, 90); w.bits(uint64(ratio+1), 3) }, dims{width, 90}}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			md, err := extractBytes(t, jxlCodestreamOf(tc.size), "x.jxl")
			require.NoError(t, err)
			assert.Equal(t, tc.want.w, get(md, "tiff:ImageWidth"))
			assert.Equal(t, tc.want.h, get(md, "tiff:ImageLength"))
			assert.Equal(t, 1.0, get(md, "tiff:Orientation"))
			assert.Equal(t, []any{8.0, 8.0, 8.0}, get(md, "tiff:BitsPerSample"))
			assert.Empty(t, md.Warnings)
		})
	}
}

// jxlFullMetadata is a codestream whose ImageMetadata uses the fields that
// come before the colour space: orientation 6, an intrinsic size, a
// preview, an animation looping 1000 times, 32-bit float samples, and
// three extra channels (a spot colour, a colour filter array, and a 16-bit
// alpha channel with a name), then a grey colour space. The fields after
// it (tone mapping, extensions, transform data) are written too, so that
// libjxl's decoder reads the same header.
func jxlFullMetadata(colourSpace uint64) []byte {
	w := &jxlBitWriter{}
	w.bits(1, 1).bits(3, 5).bits(1, 3)                       // small: height 32, ratio 1: width 32
	w.bits(0, 1)                                             // not all_default
	w.bits(1, 1)                                             // extra_fields
	w.bits(5, 3)                                             // orientation 6
	w.bits(1, 1).bits(1, 1).bits(0, 5).bits(0, 3).bits(0, 5) // intrinsic size 8x8 (small)
	w.bits(1, 1).bits(1, 1).bits(0, 2).bits(1, 3)            // preview: div8, 16*8 high, ratio 1
	w.bits(1, 1)                                             // animation
	w.bits(0, 2).bits(0, 2)                                  // 100 ticks per 1 second
	w.bits(2, 2).bits(1000, 16)                              // loops: 16 bits
	w.bits(0, 1)                                             // no timecodes
	w.bits(1, 1).bits(0, 2).bits(7, 4)                       // float samples of 32 bits, 8 exponent bits
	w.bits(1, 1)                                             // modular_16_bit_buffer_sufficient
	w.bits(2, 2).bits(1, 4)                                  // 3 extra channels
	// A spot colour: type 2 (enum: 4 bits + 2), 8 bits, no shift, a name of 5 bytes, 4 float16.
	w.bits(0, 1).bits(2, 2).bits(0, 4).bits(0, 1).bits(0, 2).bits(0, 2).bits(1, 2).bits(5, 4)
	for _, c := range []byte("spot!") {
		w.bits(uint64(c), 8)
	}
	w.bits(0x3C00, 16).bits(0, 16).bits(0, 16).bits(0x3C00, 16)
	// A colour filter array: type 5 (enum: 4 bits + 2), no name, cfa channel in 2 bits.
	w.bits(0, 1).bits(2, 2).bits(3, 4).bits(0, 1).bits(0, 2).bits(0, 2).bits(0, 2).bits(1, 2).bits(2, 2)
	// Alpha: type 0, 16 bits (6 bits + 1), dim shift 3 bits + 1, a name of 20 bytes (5 bits + 16), associated.
	w.bits(0, 1).bits(0, 2).bits(0, 1).bits(3, 2).bits(15, 6).bits(3, 2).bits(0, 3).bits(2, 2).bits(4, 5)
	for _, c := range []byte("abcdefghijklmnopqrst") {
		w.bits(uint64(c), 8)
	}
	w.bits(1, 1)
	w.bits(0, 1)            // xyb_encoded: no
	w.bits(0, 1).bits(0, 1) // colour encoding: not all_default, no ICC
	w.bits(colourSpace, 2)  // colour space (enum: 0 RGB, 1 grey)
	w.bits(1, 2)            // white point D65 (enum: 1)
	if colourSpace == 0 {
		w.bits(1, 2) // primaries sRGB (enum: 1)
	}
	w.bits(0, 1).bits(2, 2).bits(11, 4) // no gamma: transfer function sRGB (13: 4 bits + 2)
	w.bits(0, 2)                        // rendering intent perceptual
	w.bits(1, 1)                        // tone mapping all default
	w.bits(0, 2)                        // no extensions
	w.bits(1, 1)                        // transform data all default
	return w.bytes()
}

// TestJXLImageMetadata reads the ImageMetadata fields before the colour
// space, through every optional part: orientation, intrinsic size,
// preview, animation, float samples, extra channels of every kind that has
// fields of its own.
func TestJXLImageMetadata(t *testing.T) {
	for cs, want := range map[uint64][]any{0: {"RGB", 4.0}, 1: {"Gray", 2.0}} {
		md, err := extractBytes(t, jxlFullMetadata(cs), "full.jxl")
		require.NoError(t, err)
		m := md.Map()
		assert.Equal(t, 32.0, m["tiff:ImageWidth"])
		assert.Equal(t, 32.0, m["tiff:ImageLength"])
		assert.Equal(t, 6.0, m["tiff:Orientation"])
		assert.Equal(t, 1000.0, m["acs:LoopCount"])
		assert.Equal(t, want[0], m["acs:ColorSpace"])
		assert.Equal(t, want[1], m["acs:Channels"])
		assert.Equal(t, true, m["acs:HasAlpha"])
		bps := m["tiff:BitsPerSample"].([]any)
		assert.Len(t, bps, int(want[1].(float64)))
		assert.Equal(t, 32.0, bps[0])
		assert.Equal(t, 16.0, bps[len(bps)-1], "the alpha channel's own depth")
		assert.Empty(t, md.Warnings)
	}
}

// jxlContainerOf is a container of the given boxes after the signature
// and ftyp boxes.
func jxlContainerOf(boxes ...[]byte) []byte {
	out := append(isoBox("JXL ", []byte("\r\n\x87\n")), isoBox("ftyp", []byte("jxl "), be32(0), []byte("jxl "))...)
	for _, b := range boxes {
		out = append(out, b...)
	}
	return out
}

// TestJXLContainer: a container built box by box: Exif whose TIFF header
// is after an offset, XMP, JUMBF, the codestream split over jxlp boxes
// (its header across two of them), a box with a 64-bit size, and a last
// box whose size is 0 (to the end of the file).
func TestJXLContainer(t *testing.T) {
	cs := readJXLSample(t, "vips-alpha.jxl")
	exif := buildTIFF(binary.BigEndian, []testEntry{{0x010F, tASCII, 6, []byte("Maker\x00")}, {0x0112, tSHORT, 1, be16(3)}})
	exifBox := isoBox("Exif", be32(6), []byte("Exif\x00\x00"), exif)
	xmp := []byte(strings.Replace(testXMP, "%s", "Boxed", 1))
	large := append(append(be32(1), "xml "...), be64(uint64(16+len(xmp)))...)
	large = append(large, xmp...)
	data := jxlContainerOf(
		isoBox("jxll", []byte{5}),
		exifBox,
		isoBox("jxlp", be32(0), cs[:3]),
		large,
		isoBox("jumb", isoBox("jumd", make([]byte, 20))),
		isoBox("jxlp", be32(1), cs[3:40]),
		append(append(be32(0), "jxlp"...), append(be32(0x80000002), cs[40:]...)...),
	)
	md, err := extractBytes(t, data, "boxes.jxl")
	require.NoError(t, err)
	m := md.Map()
	assert.Equal(t, "image/jxl", m["dc:format"])
	assert.Equal(t, 256.0, m["tiff:ImageWidth"])
	assert.Equal(t, 192.0, m["tiff:ImageLength"])
	assert.Equal(t, true, m["acs:HasAlpha"])
	assert.Equal(t, "Maker", m["tiff:Make"])
	assert.Equal(t, "Boxed", m["dc:title"])
	assert.Equal(t, 1.0, m["tiff:Orientation"], "the codestream's orientation, not Exif's")
	assert.Empty(t, md.Warnings)

	// jxlc, and a Brotli-compressed XMP box: named in a warning, not read.
	data = jxlContainerOf(isoBox("brob", []byte("xml "), []byte{0x1b, 0x2c}), isoBox("jxlc", cs))
	md, err = extractBytes(t, data, "brob.jxl")
	require.NoError(t, err)
	assert.Equal(t, 256.0, get(md, "tiff:ImageWidth"))
	assert.Nil(t, get(md, "dc:title"))
	assert.Equal(t, []string{`JPEG XL: Brotli-compressed "xml " box not read`}, md.Warnings)
}

// TestJXLLimits: an Exif or XMP box over its limit is skipped with a
// warning, without being read; the file's size is still read.
func TestJXLLimits(t *testing.T) {
	cs := readJXLSample(t, "vips-copy.jxl")
	big := make([]byte, 64<<10)
	data := jxlContainerOf(isoBox("Exif", be32(0), big), isoBox("xml ", big), isoBox("jxlc", cs))
	c := &countingReaderAt{r: bytes.NewReader(data)}
	opts := Options{MaxSegmentBytes: 16 << 10, MaxXMPBytes: 16 << 10}
	md, err := Extract(context.Background(), c, int64(len(data)), "limits.jxl", opts)
	require.NoError(t, err)
	assert.Equal(t, 64.0, get(md, "tiff:ImageWidth"))
	w := strings.Join(md.Warnings, "\n")
	assert.Contains(t, w, `"Exif" box of 65540 bytes is over the limit of 16384`)
	assert.Contains(t, w, `"xml " box of 65536 bytes is over the limit of 16384`)
	assert.Less(t, c.bytes.Load(), int64(4<<10), "the skipped boxes were not read")
}

// TestJXLBad: files that cannot be read as JPEG XL are SourceCorrupt,
// with a message that says why; damage past the headers is a warning.
func TestJXLBad(t *testing.T) {
	cs := readJXLSample(t, "vips-alpha.jxl")
	full := jxlFullMetadata(1)
	sig := isoBox("JXL ", []byte("\r\n\x87\n"))
	for name, tc := range map[string]struct {
		data []byte
		msg  string
	}{
		"only the signature":         {[]byte{0xFF, 0x0A}, "codestream header is truncated"},
		"a cut SizeHeader":           {[]byte{0xFF, 0x0A, 0x00}, "codestream header is truncated"},
		"container without ftyp":     {append(append([]byte{}, sig...), isoBox("jxlc", cs)...), "not followed by an ftyp box"},
		"container of brand jxl2":    {append(append([]byte{}, sig...), isoBox("ftyp", []byte("jxl2"), be32(0))...), `brand "jxl2"`},
		"no codestream box":          {jxlContainerOf(isoBox("xml ", []byte("<x/>"))), "no codestream box"},
		"codestream without FF 0A":   {jxlContainerOf(isoBox("jxlc", cs[2:])), "does not start with FF 0A"},
		"box size below its header":  {jxlContainerOf(append(be32(4), "jxlc"...)), "bad size"},
		"a .jxl that is not JPEG XL": {[]byte("not a JPEG XL file at all"), `does not start like a JPEG XL image file`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := extractBytes(t, tc.data, "bad.jxl")
			require.Error(t, err)
			assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), err.Error())
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
	// A codestream cut inside ImageMetadata keeps its size, with a warning.
	md, err := extractBytes(t, full[:12], "cut.jxl")
	require.NoError(t, err)
	assert.Equal(t, 32.0, get(md, "tiff:ImageWidth"))
	assert.Equal(t, 6.0, get(md, "tiff:Orientation"))
	assert.Nil(t, get(md, "acs:Channels"))
	assert.Equal(t, []string{"JPEG XL: image metadata is truncated"}, md.Warnings)
	// A container cut inside its codestream box, likewise.
	data := jxlContainerOf(isoBox("jxlc", cs))
	md, err = extractBytes(t, data[:len(data)-50], "cut.jxl")
	require.NoError(t, err)
	assert.Equal(t, 256.0, get(md, "tiff:ImageWidth"))
	assert.Equal(t, []string{`JPEG XL: box "jxlc" is truncated`}, md.Warnings)
}

// FuzzJXL feeds the codestream reader bytes after the FF 0A signature, as
// a bare codestream and split over two jxlp boxes of a container whose
// metadata boxes come between the parts.
func FuzzJXL(f *testing.F) {
	for _, name := range []string{"vips-alpha.jxl", "vips-grey16-alpha.jxl", "libjxl-animated.jxl", "libjxl-orientation6.jxl"} {
		f.Add(readJXLSample(f, name)[2:])
	}
	f.Add(jxlFullMetadata(0)[2:])
	exif := isoBox("Exif", be32(0), buildTIFF(binary.BigEndian, []testEntry{{0x0112, tSHORT, 1, be16(3)}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		cs := append([]byte{0xFF, 0x0A}, data...)
		half := len(cs) / 2
		for _, d := range [][]byte{cs, jxlContainerOf(isoBox("jxlp", be32(0), cs[:half]), exif, isoBox("jxlp", be32(0x80000001), cs[half:]))} {
			md, err := Extract(context.Background(), bytes.NewReader(d), int64(len(d)), "fuzz.jxl", fuzzOpts)
			if err != nil {
				if r := api.ReasonOf(err); r != api.ReasonSourceCorrupt {
					t.Fatalf("reason %s: %v", r, err)
				}
				continue
			}
			if get(md, "tiff:ImageWidth") == nil {
				t.Fatalf("metadata without a size: %v", md.Map())
			}
			checkOutput(t, md)
		}
	})
}
