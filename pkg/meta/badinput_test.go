package meta

import (
	"bytes"
	"context"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBadInput feeds damaged structures to the readers: each must return
// (what can be read, plus warnings) or a reasoned error, quickly, without
// a panic and without reading or allocating in proportion to claimed sizes.
func TestBadInput(t *testing.T) {
	le := binary.LittleEndian
	make1 := testEntry{0x010F, tASCII, 4, []byte("Cam\x00")}
	cyclic := func() []byte {
		// IFD0 at 8 whose Exif pointer and next-IFD offset both point back
		// to IFD0.
		return append([]byte("II*\x00\x08\x00\x00\x00"), buildIFD(le, 8, []testEntry{make1, {0x8769, tLONG, 1, le32(8)}}, 8)...)
	}
	outOfRange := buildTIFF(le, []testEntry{make1, {0x8769, tLONG, 1, le32(0x7FFFFFF0)}, {0x8825, tLONG, 1, le32(3)}, {0x010E, tASCII, 0xFFFFFF, le32(0x10)}})
	absurd := append([]byte("II*\x00\x08\x00\x00\x00"), 0xFF, 0xFF)
	absurd = append(absurd, bytes.Repeat([]byte{1}, 64)...)
	badUTF8 := buildTIFF(le, []testEntry{{0x010F, tASCII, 8, []byte("Ca\xffm\xc3(\x00\x00")}})
	deepXMP := []byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>` +
		strings.Repeat("<rdf:Description><dc:x>", 1000) + strings.Repeat("</dc:x></rdf:Description>", 1000) + `</dc:title></rdf:Description></rdf:RDF></x:xmpmeta>`)
	laughs := []byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>` +
		`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="2"><dc:title><rdf:Alt><rdf:li xml:lang="x-default">&c;</rdf:li></rdf:Alt></dc:title></rdf:Description></rdf:RDF></x:xmpmeta>`)
	malformed := []byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="3"><xmp:Label>unclosed`)
	xmpSeg := func(p []byte) []byte { return segment(0xE1, append([]byte(xmpSig), p...)) }
	exifSeg := func(p []byte) []byte { return segment(0xE1, append([]byte("Exif\x00\x00"), p...)) }
	iptcBad := segment(0xED, append([]byte(psSig+"8BIM\x04\x04\x00\x00\x7F\xFF\xFF\xF0"), "\x1c\x02\x05\x80\x04\xff\xff\xff\xff"...))

	for _, tc := range []struct {
		name string
		data []byte
		want map[string]any // properties that must still be read
		warn string         // a substring of some warning
	}{
		{"cyclic IFDs", jpegWith(exifSeg(cyclic())), map[string]any{"tiff:Make": "Cam"}, "cycle"},
		{"out-of-range offsets and counts", jpegWith(exifSeg(outOfRange)), map[string]any{"tiff:Make": "Cam"}, "outside"},
		{"absurd entry count", jpegWith(exifSeg(absurd)), map[string]any{"tiff:ImageWidth": 20.0}, "entries"},
		{"invalid UTF-8 in EXIF", jpegWith(exifSeg(badUTF8)), map[string]any{"tiff:Make": "CaÿmÃ("}, ""},
		{"XMP nested deeply", jpegWith(xmpSeg(deepXMP)), map[string]any{"tiff:ImageWidth": 20.0, "dc:title": nil}, ""},
		{"XMP billion laughs", jpegWith(xmpSeg(laughs)), map[string]any{"xmp:Rating": 2.0, "dc:title": nil}, "malformed XMP"},
		{"malformed XMP keeps what came before", jpegWith(xmpSeg(malformed)), map[string]any{"xmp:Rating": 3.0}, "malformed XMP"},
		{"invalid UTF-8 in XMP", jpegWith(xmpSeg([]byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Label="a` + "\xff" + `b"/></rdf:RDF></x:xmpmeta>`))), map[string]any{"xmp:Label": "a\uFFFDb"}, "UTF-8"},
		{"IPTC with bad lengths", jpegWith(iptcBad), map[string]any{"tiff:ImageWidth": 20.0}, "truncated"},
		{"truncated segment", jpegWith(exifSeg(cyclic()))[:40], nil, "truncated"},
		{"extended XMP without its main packet", jpegWith(segment(0xE1, append([]byte(extXMPSig+strings.Repeat("A", 32)+"\x00\x00\x00\x10\x00\x00\x00\x00"), "<x:xmpmeta/>"...))), map[string]any{"tiff:ImageWidth": 20.0}, "Extended XMP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			md, err := extractBytes(t, tc.data, "bad.jpg")
			assert.Less(t, time.Since(start), 2*time.Second)
			if tc.want == nil && err != nil {
				return // a reasoned error is fine when nothing was readable
			}
			require.NoError(t, err)
			m := md.Map()
			for k, v := range tc.want {
				assert.Equal(t, v, m[k], k)
			}
			if tc.warn != "" {
				assert.Contains(t, strings.Join(md.Warnings, "\n"), tc.warn)
			}
			checkOutput(t, md)
		})
	}
}

// TestHugeComment: a PNG with a 100 MB text chunk (virtual) is skipped
// with a warning after reading its 8-byte header only.
func TestHugeComment(t *testing.T) {
	head := []byte("\x89PNG\r\n\x1a\n")
	head = append(head, chunk("IHDR", []byte{0, 0, 0, 9, 0, 0, 0, 9, 8, 6, 0, 0, 0})...)
	h := binary.BigEndian.AppendUint32(nil, 100<<20)
	head = append(head, append(h, "tEXt"...)...)
	tail := append(make([]byte, 4), chunk("IEND", nil)...)
	f := &virtualFile{prefix: head, suffix: tail, size: int64(len(head)) + 100<<20 + int64(len(tail))}
	c := &countingReaderAt{r: f}
	md, err := Extract(context.Background(), c, f.size, "x.png", Options{})
	require.NoError(t, err)
	assert.Equal(t, 9.0, get(md, "tiff:ImageWidth"))
	assert.Contains(t, strings.Join(md.Warnings, "\n"), "over the limit")
	assert.Less(t, c.bytes.Load(), int64(8<<10))
}

// TestTruncations cuts real files at many points: never a panic, always
// either metadata or a reasoned error.
func TestTruncations(t *testing.T) {
	needCorpus(t)
	for _, name := range []string{"Channel_digital_image_CMYK_color.jpg", "tifftag-photoshop.tiff", "with-alpha.png", "animated-loop-3.webp", "pitm.avif", "rotating-squares.gif"} {
		data := readCorpus(t, name)
		for cut := 1; cut < len(data) && cut < 64<<10; cut = cut*3/2 + 1 {
			md, err := extractBytes(t, data[:cut], name)
			if err == nil {
				checkOutput(t, md)
			}
		}
	}
}

// TestZipBomb: an office document whose core.xml inflates past the limit.
func TestZipBomb(t *testing.T) {
	big := "<cp:coreProperties xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>" + strings.Repeat("A", 8<<20) + "</dc:title></cp:coreProperties>"
	data := zipEntries(t, [][2]string{{"[Content_Types].xml", "<Types/>"}, {"docProps/core.xml", big}, {"word/document.xml", "<w/>"}})
	require.Less(t, len(data), 100<<10)
	md, err := Extract(context.Background(), bytes.NewReader(data), int64(len(data)), "bomb.docx", Options{MaxSegmentBytes: 1 << 20})
	require.NoError(t, err)
	assert.Nil(t, get(md, "dc:title"))
	assert.Contains(t, strings.Join(md.Warnings, "\n"), "over the limit")
}
