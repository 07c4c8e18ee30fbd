package meta

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/rawtest"
)

func agreementPacket(title, creator string) string {
	return `<?xpacket begin="` + "\ufeff" + `" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
		`<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">` +
		`<dc:title><rdf:Alt><rdf:li xml:lang="x-default">` + title + `</rdf:li></rdf:Alt></dc:title>` +
		`<dc:creator><rdf:Seq><rdf:li>` + creator + `</rdf:li></rdf:Seq></dc:creator>` +
		`</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
}

// jpegXMP is a small JPEG with one APP1 XMP segment per packet.
func jpegXMP(t *testing.T, packets ...[]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 6)), nil))
	out := append([]byte(nil), b.Bytes()[:2]...)
	for _, p := range packets {
		seg := append([]byte("http://ns.adobe.com/xap/1.0/\x00"), p...)
		out = append(out, 0xFF, 0xE1, byte((len(seg)+2)>>8), byte(len(seg)+2))
		out = append(out, seg...)
	}
	return append(out, b.Bytes()[2:]...)
}

func encodeUTF16(s string, order binary.AppendByteOrder, bom bool) []byte {
	if !bom {
		s = strings.Replace(s, "\ufeff", "", 1)
	}
	var out []byte
	for _, u := range utf16.Encode([]rune(s)) {
		out = order.AppendUint16(out, u)
	}
	return out
}

// TestXMPInUTF16: XMP packets written in UTF-16 (either byte order, with
// and without a byte order mark) and UTF-32 are read as exiftool reads them.
func TestXMPInUTF16(t *testing.T) {
	p := agreementPacket("Tïtle ünïcode 日本", "Zoë")
	utf32 := []byte{}
	for _, r := range p {
		utf32 = binary.BigEndian.AppendUint32(utf32, uint32(r))
	}
	for name, packet := range map[string][]byte{
		"utf16be":       encodeUTF16(p, binary.BigEndian, true),
		"utf16le":       encodeUTF16(p, binary.LittleEndian, true),
		"utf16be-nobom": encodeUTF16(strings.TrimPrefix(p[strings.Index(p, "<x:"):], ""), binary.BigEndian, false),
		"utf32be":       utf32,
	} {
		md, err := extractBytes(t, jpegXMP(t, packet), "a.jpg")
		require.NoError(t, err, name)
		assert.Equal(t, "Tïtle ünïcode 日本", get(md, "dc:title"), name)
		assert.Equal(t, []any{"Zoë"}, get(md, "dc:creator"), name)
		assert.Empty(t, md.Warnings, name)
	}
	// A cut UTF-16 packet: what was read before the damage, a warning.
	cut := encodeUTF16(p, binary.BigEndian, true)
	md, err := extractBytes(t, jpegXMP(t, cut[:len(cut)/2+1]), "cut.jpg")
	require.NoError(t, err)
	assert.NotEmpty(t, md.Warnings)
}

// TestSeveralXMPPackets: with two standard XMP packets in one JPEG the
// last one's values win, as exiftool reports them; a property only the
// first has is kept.
func TestSeveralXMPPackets(t *testing.T) {
	first := strings.Replace(agreementPacket("First", "First creator"), "</rdf:Description>",
		`<xmp:Rating xmlns:xmp="http://ns.adobe.com/xap/1.0/">2</xmp:Rating></rdf:Description>`, 1)
	md, err := extractBytes(t, jpegXMP(t, []byte(first), []byte(agreementPacket("Second", "Second creator"))), "two.jpg")
	require.NoError(t, err)
	assert.Equal(t, "Second", get(md, "dc:title"))
	assert.Equal(t, []any{"Second creator"}, get(md, "dc:creator"))
	assert.Equal(t, 2.0, get(md, "xmp:Rating"))
}

// TestRawSizesAndPanasonicISO: the image size of a RAF (its raw image
// size, not the embedded JPEG's), of a CR2 (the Exif pixel dimensions, not
// IFD0's reduced JPEG) and of an RW2 (the sensor borders), and the ISO of
// an RW2's first IFD (tag 0x17), as exiftool reports them.
func TestRawSizesAndPanasonicISO(t *testing.T) {
	md, err := extractBytes(t, rawtest.RAF(600, 400, 32, 24, 1), "a.raf")
	require.NoError(t, err)
	assert.Equal(t, 600.0, get(md, "tiff:ImageWidth"))
	assert.Equal(t, 400.0, get(md, "tiff:ImageLength"))

	md, err = extractBytes(t, rawtest.TIFFRaw{Width: 640, Height: 480, PreviewWidth: 32, PreviewHeight: 24}.CR2(), "a.cr2")
	require.NoError(t, err)
	assert.Equal(t, 640.0, get(md, "tiff:ImageWidth"))
	assert.Equal(t, 480.0, get(md, "tiff:ImageLength"))

	rw2 := func(entries ...rawtest.Entry) *Metadata {
		base := []rawtest.Entry{rawtest.Shorts(0x0002, 5200), rawtest.Shorts(0x0003, 3900),
			rawtest.String(0x010F, "Panasonic"), rawtest.String(0x0110, "DC-GH5"), rawtest.Shorts(0x0112, 1)}
		md, err := extractBytes(t, rawtest.TIFF(&rawtest.IFD{Entries: append(base, entries...)}, 0x55), "a.rw2")
		require.NoError(t, err)
		return md
	}
	md = rw2(rawtest.Shorts(0x0017, 1600), rawtest.Shorts(0x0004, 4), rawtest.Shorts(0x0005, 8),
		rawtest.Shorts(0x0006, 3884), rawtest.Shorts(0x0007, 5192))
	assert.Equal(t, 1600.0, get(md, "exif:ISOSpeedRatings"))
	assert.Equal(t, 5184.0, get(md, "tiff:ImageWidth"))
	assert.Equal(t, 3880.0, get(md, "tiff:ImageLength"))
	// No borders: the sensor size; no ISO tag: no ISO.
	md = rw2()
	assert.Nil(t, get(md, "exif:ISOSpeedRatings"))
	assert.Equal(t, 5200.0, get(md, "tiff:ImageWidth"))
	// Borders upside down are ignored.
	md = rw2(rawtest.Shorts(0x0006, 2), rawtest.Shorts(0x0004, 10), rawtest.Shorts(0x0007, 5192))
	assert.Equal(t, 3900.0, get(md, "tiff:ImageLength"))
}

// TestCompareImageSize: the comparison takes exiftool's picture size from
// Composite:ImageSize (a raw file's IFD0 is often a thumbnail).
func TestCompareImageSize(t *testing.T) {
	rep := CompareCore([]ComparePair{{File: "a.dng",
		Ours:     map[string]any{"tiff:ImageWidth": 64.0, "tiff:ImageLength": 48.0},
		Exiftool: map[string]any{"IFD0:ImageWidth": 8.0, "IFD0:ImageHeight": 8.0, "Composite:ImageSize": "64 48"}}})
	for _, k := range rep.Keys {
		if k.Key == "width" || k.Key == "height" {
			assert.Equal(t, 1, k.Agree, k.Key)
			assert.Equal(t, 1, k.Total, k.Key)
		}
	}
}

// jpegSegments is a small JPEG with the given segments (marker, then
// payload without the length) after its SOI.
func jpegSegments(t *testing.T, segs ...[]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 6)), nil))
	out := append([]byte(nil), b.Bytes()[:2]...)
	for _, s := range segs {
		out = append(out, s[0], s[1], byte(len(s)>>8), byte(len(s)))
		out = append(out, s[2:]...)
	}
	return append(out, b.Bytes()[2:]...)
}

func exifAPP1(entries ...rawtest.Entry) []byte {
	return append([]byte{0xFF, 0xE1}, append([]byte("Exif\x00\x00"), rawtest.TIFF(&rawtest.IFD{Entries: entries}, 42)...)...)
}

func iptcResource(title, keyword string) []byte {
	ds := func(tag byte, v string) []byte { return append([]byte{0x1C, 2, tag, 0, byte(len(v))}, v...) }
	iptc := append(ds(5, title), ds(25, keyword)...)
	res := binary.BigEndian.AppendUint32([]byte("8BIM\x04\x04\x00\x00"), uint32(len(iptc)))
	res = append(res, iptc...)
	if len(iptc)%2 == 1 {
		res = append(res, 0)
	}
	return res
}

func app13(resources ...[]byte) []byte {
	return append([]byte{0xFF, 0xED}, append([]byte("Photoshop 3.0\x00"), bytes.Join(resources, nil)...)...)
}

// TestSeveralEXIFAndIPTCBlocks: with two EXIF segments the last one's
// values win (a property only the first has is kept); of two IPTC blocks,
// in two APP13 segments or in one, the first is read: as exiftool reports
// them (it names the second block IPTC2).
func TestSeveralEXIFAndIPTCBlocks(t *testing.T) {
	first := exifAPP1(rawtest.String(0x010F, "First"), rawtest.String(0x0132, "2001:01:01 01:01:01"))
	second := exifAPP1(rawtest.String(0x010F, "Second"))
	md, err := extractBytes(t, jpegSegments(t, first, second), "exif.jpg")
	require.NoError(t, err)
	assert.Equal(t, "Second", get(md, "tiff:Make"))
	assert.Equal(t, "2001-01-01T01:01:01", get(md, "xmp:ModifyDate"))

	for name, data := range map[string][]byte{
		"two segments": jpegSegments(t, app13(iptcResource("One", "k1")), app13(iptcResource("Two", "k2"))),
		"one segment":  jpegSegments(t, app13(iptcResource("One", "k1"), iptcResource("Two", "k2"))),
	} {
		md, err := extractBytes(t, data, "iptc.jpg")
		require.NoError(t, err, name)
		assert.Equal(t, "One", get(md, "dc:title"), name)
		assert.Equal(t, []any{"k1"}, get(md, "dc:subject"), name)
	}

	// Many EXIF segments: a bounded number is read, with a warning.
	var segs [][]byte
	for i := 0; i < 3*maxJPEGEXIF; i++ {
		segs = append(segs, exifAPP1(rawtest.String(0x010F, fmt.Sprint("Make ", i))))
	}
	md, err = extractBytes(t, jpegSegments(t, segs...), "many.jpg")
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprint("Make ", maxJPEGEXIF-1), get(md, "tiff:Make"))
	assert.Contains(t, strings.Join(md.Warnings, "\n"), "EXIF segments")
}

// TestRawXMP: the XMP of a CR3 (a top-level uuid box, or one in moov) and
// of an MRW (tag 700 of its TTW block's TIFF structure), as exiftool
// writes and reads them.
func TestRawXMP(t *testing.T) {
	packet := agreementPacket("Raw XMP title", "Raw author")
	uuidBox := binary.BigEndian.AppendUint32(nil, uint32(8+16+len(packet)))
	uuidBox = append(append(append(uuidBox, "uuid"...), xmpUUID...), packet...)
	cr3 := rawtest.CR3{Width: 64, Height: 48, PreviewWidth: 32, PreviewHeight: 24}.Bytes()
	md, err := extractBytes(t, append(append([]byte(nil), cr3...), uuidBox...), "a.cr3")
	require.NoError(t, err)
	assert.Equal(t, "Raw XMP title", get(md, "dc:title"))
	assert.Equal(t, []any{"Raw author"}, get(md, "dc:creator"))
	assert.Equal(t, "Canon", get(md, "tiff:Make"))
	// Cut inside the XMP box: the rest is still read.
	cut := append(append([]byte(nil), cr3...), uuidBox[:40]...)
	md, err = extractBytes(t, cut, "cut.cr3")
	require.NoError(t, err)
	assert.Nil(t, get(md, "dc:title"))
	assert.Equal(t, "Canon", get(md, "tiff:Make"))

	ttw := rawtest.TIFF(&rawtest.IFD{Entries: []rawtest.Entry{
		rawtest.String(0x010F, "Minolta Co., Ltd."), rawtest.Bytes(700, []byte(packet)...)}}, 42)
	mrw := binary.BigEndian.AppendUint32([]byte("\x00MRM"), uint32(8+len(ttw)))
	mrw = binary.BigEndian.AppendUint32(append(mrw, "\x00TTW"...), uint32(len(ttw)))
	md, err = extractBytes(t, append(mrw, ttw...), "a.mrw")
	require.NoError(t, err)
	assert.Equal(t, "Raw XMP title", get(md, "dc:title"))
	assert.Equal(t, "Minolta Co., Ltd.", get(md, "tiff:Make"))
}

// TestComparePartialDates: exiftool writes an XMP date of only a year and
// month as "2021:05"; the comparison takes it for "2021-05".
func TestComparePartialDates(t *testing.T) {
	rep := CompareCore([]ComparePair{{File: "a.jpg",
		Ours:     map[string]any{"xmp:ModifyDate": "2021-05", "exif:DateTimeOriginal": "2021-05-06"},
		Exiftool: map[string]any{"XMP-xmp:ModifyDate": "2021:05", "XMP-exif:DateTimeOriginal": "2021:05:07"}}})
	for _, k := range rep.Keys {
		switch k.Key {
		case "dateModified":
			assert.Equal(t, 1, k.Agree, k.Mismatch)
		case "dateTaken":
			assert.Equal(t, 0, k.Agree, "different days")
			assert.Equal(t, 1, k.Total)
		}
	}
}
