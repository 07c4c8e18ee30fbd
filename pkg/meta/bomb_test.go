package meta

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/zlib"
	"context"
	"fmt"
	"hash/crc32"
	"runtime"
	"strings"
	"testing"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// zlibOf returns data zlib-compressed.
func zlibOf(t testing.TB, data []byte) []byte {
	t.Helper()
	var z bytes.Buffer
	w, err := zlib.NewWriterLevel(&z, zlib.BestCompression)
	require.NoError(t, err)
	w.Write(data)
	require.NoError(t, w.Close())
	return z.Bytes()
}

// bombSize is what the bomb inflates to, after its XMP packet: far more
// than the MaxExpandBytes of a whole source.
const bombSize = 1 << 30

// bomb is an XMP packet followed by 1 GiB of zeros, zlib-compressed (1 MB).
func bomb() []byte { return testutil.ZlibBomb(fmt.Appendf(nil, testXMP, "Bomb"), bombSize) }

const testXMP = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="3"><dc:title><rdf:Alt><rdf:li xml:lang="x-default">%s</rdf:li></rdf:Alt></dc:title></rdf:Description></rdf:RDF></x:xmpmeta>`

// testPDF writes a PDF of the given objects (numbered from 1) with a
// classic cross-reference table; trailer holds the trailer entries.
func testPDF(trailer string, objects ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	var offs []int
	for i, o := range objects {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, trailer, x)
	return b.Bytes()
}

// pdfStreamObj is the text of a stream object holding data.
func pdfStreamObj(dict string, data []byte) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestPDFMetadataBomb: a 1 MB PDF whose metadata stream inflates to 1 GiB
// keeps its other metadata; the stream is skipped as soon as it passes
// MaxXMPBytes, so its cost is bounded by that limit, not by the bomb.
func TestPDFMetadataBomb(t *testing.T) {
	data := testPDF("/Root 1 0 R /Info 4 0 R",
		"<< /Type /Catalog /Pages 2 0 R /Metadata 3 0 R >>",
		"<< /Type /Pages /Kids [] /Count 7 >>",
		pdfStreamObj("/Type /Metadata /Subtype /XML /Filter /FlateDecode", bomb()),
		"<< /Title (Info title) /Author (Ann) >>")
	require.Less(t, len(data), 1100<<10)
	var md *Metadata
	var err error
	alloc := allocated(func() { md, err = extractBytes(t, data, "bomb.pdf") })
	require.NoError(t, err)
	m := md.Map()
	assert.Equal(t, "Info title", m["dc:title"])
	assert.Equal(t, []any{"Ann"}, m["dc:creator"])
	assert.Equal(t, 7.0, m["xmpTPg:NPages"])
	assert.Contains(t, strings.Join(md.Warnings, "\n"),
		fmt.Sprintf("PDF metadata stream: skipped: it decompresses to more than the limit of %d bytes (MaxXMPBytes)", DefaultMaxXMPBytes))
	t.Logf("a metadata stream inflating to %d MiB: %d MiB allocated", bombSize>>20, alloc>>20)
	assert.Less(t, alloc, uint64(4*DefaultMaxXMPBytes), "decompression stops at the limit")
	checkOutput(t, md)
}

// TestPNGTextBombKeepsTheXMP: a zTXt chunk inflating to 1 GiB is skipped
// at MaxSegmentBytes, and the compressed XMP after it is still read: one
// bomb does not spend the whole MaxExpandBytes of the source.
func TestPNGTextBombKeepsTheXMP(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n")
	png = append(png, chunk("IHDR", []byte{0, 0, 0, 9, 0, 0, 0, 7, 8, 2, 0, 0, 0})...)
	png = append(png, chunk("zTXt", append([]byte("Comment\x00\x00"), bomb()...))...)
	itxt := append([]byte("XML:com.adobe.xmp\x00\x01\x00\x00\x00"), zlibOf(t, fmt.Appendf(nil, testXMP, "After the bomb"))...)
	png = append(png, chunk("iTXt", itxt)...)
	png = append(png, chunk("IEND", nil)...)
	md, err := extractBytes(t, png, "bomb.png")
	require.NoError(t, err)
	assert.Equal(t, "After the bomb", get(md, "dc:title"))
	assert.Equal(t, 3.0, get(md, "xmp:Rating"))
	assert.Equal(t, 9.0, get(md, "tiff:ImageWidth"))
	assert.Nil(t, get(md, "acs:Comment"))
	assert.Contains(t, strings.Join(md.Warnings, "\n"),
		fmt.Sprintf("PNG zTXt Comment: skipped: it decompresses to more than the limit of %d bytes (MaxSegmentBytes)", DefaultMaxSegmentBytes))
	checkOutput(t, md)
}

// TestExpandBudgetOfTheSource: once the decompressed bytes of a source
// reach MaxExpandBytes, further compressed items are skipped, saying so.
func TestExpandBudgetOfTheSource(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n")
	png = append(png, chunk("IHDR", []byte{0, 0, 0, 9, 0, 0, 0, 7, 8, 2, 0, 0, 0})...)
	for i := 0; i < 3; i++ { // 3 x 40 KiB of text, each under MaxSegmentBytes
		png = append(png, chunk("zTXt", append(fmt.Appendf(nil, "Note%d\x00\x00", i), zlibOf(t, bytes.Repeat([]byte("a"), 40<<10))...))...)
	}
	png = append(png, chunk("IEND", nil)...)
	md, err := Extract(context.Background(), bytes.NewReader(png), int64(len(png)), "x.png", Options{MaxExpandBytes: 100 << 10})
	require.NoError(t, err)
	assert.Contains(t, strings.Join(md.Warnings, "\n"), "PNG zTXt Note2: skipped: the source decompresses to more than the limit of 102400 bytes (MaxExpandBytes)")
}

// TestZipEntryLyingAboutItsSize: an entry whose header claims a small
// size but inflates to 8 MiB stops at the size it claims (archive/zip
// checks it), and the entries after it are still read.
func TestZipEntryLyingAboutItsSize(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name, content string) {
		w, err := zw.Create(name)
		require.NoError(t, err)
		w.Write([]byte(content))
	}
	add("[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)
	add("word/document.xml", "<w/>")
	var raw bytes.Buffer
	fw, err := flate.NewWriter(&raw, flate.BestCompression)
	require.NoError(t, err)
	big := `<cp:coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>` + strings.Repeat("A", 8<<20) + `</dc:title></cp:coreProperties>`
	fw.Write([]byte(big))
	require.NoError(t, fw.Close())
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "docProps/core.xml", Method: zip.Deflate,
		CRC32: crc32.ChecksumIEEE([]byte(big)), CompressedSize64: uint64(raw.Len()), UncompressedSize64: 100})
	require.NoError(t, err)
	w.Write(raw.Bytes())
	add("docProps/app.xml", `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Writer</Application><Pages>4</Pages></Properties>`)
	require.NoError(t, zw.Close())

	var md *Metadata
	alloc := allocated(func() { md, err = extractBytes(t, buf.Bytes(), "lying.docx") })
	require.NoError(t, err)
	assert.Nil(t, get(md, "dc:title"))
	assert.Equal(t, "Writer", get(md, "xmp:CreatorTool"))
	assert.Equal(t, 4.0, get(md, "xmpTPg:NPages"))
	assert.Contains(t, strings.Join(md.Warnings, "\n"), "docProps/core.xml: bad compressed data")
	assert.Less(t, alloc, uint64(2<<20))
}
