package image

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// exifBlock builds a little-endian EXIF block with IFD0 ASCII entries.
func exifBlock(entries map[uint16]string) []byte {
	le := binary.LittleEndian
	n := len(entries)
	b := make([]byte, 8+2+12*n+4)
	copy(b, "II*\x00")
	le.PutUint32(b[4:], 8)
	le.PutUint16(b[8:], uint16(n))
	i := 0
	for _, tag := range []uint16{0x013b, 0x8298} {
		v, ok := entries[tag]
		if !ok {
			continue
		}
		e := b[10+12*i:]
		le.PutUint16(e, tag)
		le.PutUint16(e[2:], 2)
		le.PutUint32(e[4:], uint32(len(v)+1))
		le.PutUint32(e[8:], uint32(len(b)))
		b = append(b, v...)
		b = append(b, 0)
		i++
	}
	return append([]byte("Exif\x00\x00"), b...)
}

// iimBlock builds IPTC IIM datasets of record 2 inside a Photoshop
// resource block, as JPEG APP13 holds them.
func iimBlock(sets map[byte]string) []byte {
	var iim bytes.Buffer
	for _, ds := range []byte{80, 116} {
		if v, ok := sets[ds]; ok {
			iim.Write([]byte{0x1c, 2, ds, byte(len(v) >> 8), byte(len(v))})
			iim.WriteString(v)
		}
	}
	var b bytes.Buffer
	b.WriteString("Photoshop 3.0\x008BIM\x04\x04\x00\x00")
	_ = binary.Write(&b, binary.BigEndian, uint32(iim.Len()))
	b.Write(iim.Bytes())
	return b.Bytes()
}

func TestRightsAreReadFromEveryBlock(t *testing.T) {
	xmp := `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/"
  xmpRights:Marked="True" xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,51.5N">
 <dc:rights><rdf:Alt><rdf:li xml:lang="fr-FR">© Marie</rdf:li><rdf:li xml:lang="x-default">© Mary</rdf:li></rdf:Alt></dc:rights>
 <dc:creator><rdf:Seq><rdf:li>Mary Major</rdf:li><rdf:li>John Doe</rdf:li></rdf:Seq></dc:creator>
 <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Not a right</rdf:li></rdf:Alt></dc:title>
 <xmpRights:WebStatement>https://example.com/licence</xmpRights:WebStatement>
 <xmpRights:UsageTerms><rdf:Alt><rdf:li xml:lang="x-default">Editorial use only</rdf:li></rdf:Alt></xmpRights:UsageTerms>
</rdf:Description></rdf:RDF></x:xmpmeta>`
	tests := []struct {
		name string
		h    header
		want rights
	}{
		{"XMP", header{XMP: []byte(xmp)}, rights{Copyright: "© Mary", Creators: []string{"Mary Major", "John Doe"}, Marked: "True",
			WebStatement: "https://example.com/licence", UsageTerms: "Editorial use only"}},
		{"EXIF", header{EXIF: exifBlock(map[uint16]string{0x8298: "(c) 2024 Jane\x00Editor", 0x013b: "Jane Roe"})},
			rights{Copyright: "(c) 2024 Jane", Creators: []string{"Jane Roe"}}},
		{"EXIF in Latin-1", header{EXIF: exifBlock(map[uint16]string{0x8298: "\xa9 Jos\xe9"})}, rights{Copyright: "© José"}},
		{"EXIF in Windows-1252", header{EXIF: exifBlock(map[uint16]string{0x8298: "\xa9 Jos\xe9 \x93Studio\x94\x99"})}, rights{Copyright: "© José \u201cStudio\u201d\u2122"}},
		{"IPTC", header{IPTC: iimBlock(map[byte]string{116: "© Agency", 80: "Photographer"})},
			rights{Copyright: "© Agency", Creators: []string{"Photographer"}}},
		{"XMP wins over EXIF and IPTC", header{XMP: []byte(xmp), EXIF: exifBlock(map[uint16]string{0x8298: "other"}), IPTC: iimBlock(map[byte]string{116: "other"})},
			rights{Copyright: "© Mary", Creators: []string{"Mary Major", "John Doe"}, Marked: "True",
				WebStatement: "https://example.com/licence", UsageTerms: "Editorial use only"}},
		{"EXIF fills what XMP lacks", header{XMP: []byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"/>`), EXIF: exifBlock(map[uint16]string{0x013b: "Jane"})},
			rights{Creators: []string{"Jane"}}},
		{"nothing", header{EXIF: exifBlock(nil)}, rights{}},
		{"garbage", header{EXIF: []byte("Exif\x00\x00MM\x00*\xff\xff\xff\xff"), XMP: []byte("<<<"), IPTC: []byte{0x1c, 2, 116, 0xff, 0xff}}, rights{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := rightsOf(tc.h)
			assert.Equal(t, tc.want, got)
			if tc.want.empty() {
				assert.Nil(t, got.xmp())
				return
			}
			// The packet written is well-formed and reads back the same.
			packet := got.xmp()
			require.NoError(t, checkXMPPacket(packet))
			assert.Equal(t, tc.want, xmpRights(packet))
		})
	}
}

// A photo carrying camera, GPS and rights metadata keeps only its rights,
// in every format that holds XMP.
func TestRenditionsKeepOnlyRights(t *testing.T) {
	if testing.Short() {
		t.Skip("runs exiftool: skipped in -short mode")
	}
	testutil.NeedTool(t, exiftoolPath)
	e := testEngine(t)
	src := filepath.Join(t.TempDir(), "photo.jpg")
	require.NoError(t, os.WriteFile(src, readFile(t, corpus(t, "Portrait_6.jpg")), 0o600))
	out, err := exec.Command(exiftoolPath, "-q", "-overwrite_original",
		"-EXIF:Copyright=(c) 2024 Jane Roe", "-EXIF:Artist=Jane Roe", "-EXIF:Make=Canon", "-EXIF:Model=EOS",
		"-GPSLatitude=48.85", "-GPSLatitudeRef=N", "-GPSLongitude=2.35", "-GPSLongitudeRef=E",
		"-XMP-dc:Description=private note", "-IPTC:Keywords=secret", src).CombinedOutput()
	require.NoError(t, err, "%s", out)

	for _, f := range []string{"jpg", "png", "webp", "tiff", "avif", "heic"} {
		t.Run(f, func(t *testing.T) {
			skipUnwritable(t, f)
			_, path := render(t, e, src, api.Rendition{Fmt: f, Width: intp(120)})
			listing := exiftool(t, path)
			assert.Equal(t, "(c) 2024 Jane Roe", exifTag(listing, "XMP-dc", "Rights"), listing)
			assert.Equal(t, "Jane Roe", exifTag(listing, "XMP-dc", "Creator"), listing)
			for _, gone := range []string{"GPS", "Canon", "EOS", "private note", "secret", "Rotate"} {
				assert.NotContains(t, listing, gone)
			}
		})
	}
	t.Run("an xmp instruction replaces them", func(t *testing.T) {
		packet := `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="image/jpeg"/></rdf:RDF></x:xmpmeta>`
		_, path := render(t, e, src, api.Rendition{Fmt: "jpg", Width: intp(120), XMP: base64.StdEncoding.EncodeToString([]byte(packet))})
		listing := exiftool(t, path)
		assert.Empty(t, exifTag(listing, "XMP-dc", "Rights"))
		assert.Equal(t, "image/jpeg", exifTag(listing, "XMP-dc", "Format"))
	})
}

// No EXIF block survives, in particular no Orientation tag, in any format:
// libvips 8.14's WebP saver keeps the source's EXIF even when told to
// strip, so the engine rewrites WebP files itself.
func TestNoEXIFSurvives(t *testing.T) {
	e := testEngine(t)
	src := corpus(t, "Portrait_3.jpg")
	for _, f := range []string{"jpg", "png", "webp", "tiff", "gif", "avif", "heic", "jxl"} {
		t.Run(f, func(t *testing.T) {
			skipUnwritable(t, f)
			_, out := render(t, e, src, api.Rendition{Fmt: f, Width: intp(60)})
			h := readBack(t, out)
			if f == "avif" || f == "heic" {
				// A HEIF rendition that keeps a profile or XMP goes through
				// libvips' metadata writer, which always adds its own
				// minimal EXIF: orientation 1, resolution, pixel size.
				assert.Less(t, len(h.EXIF), 300, "only libvips' minimal EXIF")
			} else {
				assert.Nil(t, h.EXIF, "no EXIF block")
			}
			assert.Equal(t, 1, h.Orientation)
			if f == "webp" {
				assert.NotContains(t, webpChunkTypes(t, readFile(t, out)), "EXIF")
			}
		})
	}
}

func TestEmbeddingWriters(t *testing.T) {
	m := embedding{ICC: srgbProfile(), XMP: []byte("<x:xmpmeta xmlns:x='adobe:ns:meta/'/>"), DPI: &api.DPI{X: 300, Y: 72}}
	t.Run("jpeg", func(t *testing.T) {
		var b bytes.Buffer
		require.NoError(t, writeJPEG(&b, []byte{0xff, 0xd8, 0xff, 0xd9}, m))
		assert.Equal(t, []byte{0xe0, 0xe1, 0xe2, 0xd9}, jpegMarkersLoose(b.Bytes()))
		assert.NotNil(t, jpegSegment(b.Bytes(), 0xe2, jpegICCHeader))
		jfif := jpegSegment(b.Bytes(), 0xe0, "JFIF\x00")
		require.NotNil(t, jfif)
		assert.Equal(t, []byte{1, 0x01, 0x2c, 0, 72}, jfif[7:12], "dots per inch, 300 x 72")
		assert.Error(t, writeJPEG(&b, []byte("not a jpeg"), m))
	})
	t.Run("large ICC profiles span APP2 segments", func(t *testing.T) {
		big := bytes.Repeat([]byte{7}, 150000)
		segs := jpegSegments(embedding{ICC: big})
		var got []byte
		count := 0
		for p := 0; p < len(segs); {
			n := int(binary.BigEndian.Uint16(segs[p+2:]))
			payload := segs[p+4 : p+2+n]
			count++
			assert.Equal(t, byte(count), payload[12], "sequence number")
			assert.Equal(t, byte(3), payload[13], "segment count")
			got = append(got, payload[14:]...)
			p += 2 + n
		}
		assert.Equal(t, 3, count)
		assert.Equal(t, big, got)
	})
	t.Run("webp keeps no chunk the encoder added", func(t *testing.T) {
		simple := riffChunk{"VP8L", []byte{0x2f, 0, 0, 0, 0x10}}
		exif := riffChunk{"EXIF", []byte("junk")}
		var in bytes.Buffer
		body := append([]byte("WEBP"), append(simple.encode(), exif.encode()...)...)
		in.WriteString("RIFF")
		_ = binary.Write(&in, binary.LittleEndian, uint32(len(body)))
		in.Write(body)

		var out bytes.Buffer
		require.NoError(t, writeWebP(&out, in.Bytes(), embedding{}, size{1, 1}))
		assert.Equal(t, []string{"VP8X", "VP8L"}, webpChunkTypes(t, out.Bytes()), "alpha needs VP8X")
		out.Reset()
		require.NoError(t, writeWebP(&out, in.Bytes(), m, size{10, 20}))
		assert.Equal(t, []string{"VP8X", "ICCP", "VP8L", "EXIF", "XMP "}, webpChunkTypes(t, out.Bytes()))
		chunks, _ := parseRIFF(out.Bytes())
		assert.Equal(t, byte(vp8xICC|vp8xAlpha|vp8xEXIF|vp8xXMP), chunks[0].data[0])
		assert.Equal(t, []byte{9, 0, 0, 19, 0, 0}, chunks[0].data[4:10], "canvas 10x20")
		assert.Equal(t, uint32(out.Len()-8), binary.LittleEndian.Uint32(out.Bytes()[4:]), "RIFF size")
	})
	t.Run("png", func(t *testing.T) {
		var b bytes.Buffer
		plain := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", make([]byte, 13))...)
		plain = append(plain, pngChunk("IDAT", nil)...)
		require.NoError(t, writePNG(&b, plain, m))
		assert.Equal(t, []string{"IHDR", "iCCP", "iTXt", "IDAT"}, pngChunkTypes(t, b.Bytes()))
	})
}

// jpegMarkersLoose lists the markers of a JPEG with no scan.
func jpegMarkersLoose(data []byte) []byte {
	var out []byte
	for p := 2; p+2 <= len(data) && data[p] == 0xff; {
		out = append(out, data[p+1])
		if data[p+1] == 0xd9 {
			break
		}
		p += 2 + int(binary.BigEndian.Uint16(data[p+2:]))
	}
	return out
}

func TestXMPPacketCheck(t *testing.T) {
	for _, bad := range []string{"", "plain text", "<a>", "<a></b>"} {
		assert.Error(t, checkXMPPacket([]byte(bad)), "%q", bad)
	}
	assert.NoError(t, checkXMPPacket([]byte(`<?xpacket begin=""?><x:xmpmeta xmlns:x="adobe:ns:meta/"/><?xpacket end="w"?>`)))
	assert.True(t, strings.HasPrefix(string(rights{Copyright: "c"}.xmp()), "<?xpacket"))
}

// A source whose metadata is huge does not make a huge rendition: a
// rights value too long to be a notice is left out, the others kept.
func TestRightsAreBounded(t *testing.T) {
	e := testEngine(t)
	xmp := `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="` + nsRDF + `"><rdf:Description xmlns:dc="` + nsDC + `">` +
		`<dc:creator><rdf:Seq><rdf:li>Ann Example</rdf:li></rdf:Seq></dc:creator>` +
		`<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">` + strings.Repeat("©", 3<<20) + `</rdf:li></rdf:Alt></dc:rights>` +
		`</rdf:Description></rdf:RDF></x:xmpmeta>`
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, gradient(64, 48)))
	data := b.Bytes()
	const afterIHDR = 8 + 12 + 13
	src := append(append(append([]byte{}, data[:afterIHDR]...),
		pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"+xmp))...), data[afterIHDR:]...)
	res, out := render(t, e, writeTemp(t, "rights.png", src), api.Rendition{Fmt: "png"})
	assert.Less(t, res.Bytes, int64(64<<10), "a 6 MiB notice does not make a 6 MiB rendition")
	kept := string(readBack(t, out).XMP)
	assert.Contains(t, kept, "Ann Example", "the creator is kept")
	assert.NotContains(t, kept, "©©©", "the oversized notice is not")

	creators := make([]string, 100)
	for i := range creators {
		creators[i] = fmt.Sprintf("creator %d", i)
	}
	r := rights{Copyright: strings.Repeat("x", maxRightsValue+1), UsageTerms: "ok", Creators: creators}.bounded()
	assert.Empty(t, r.Copyright)
	assert.Equal(t, "ok", r.UsageTerms)
	assert.Len(t, r.Creators, maxCreators)
}
