package text

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

func TestEncryptedSources(t *testing.T) {
	for _, file := range []string{"encrypted.pdf", "encrypted.odt"} {
		t.Run(file, func(t *testing.T) {
			_, _, err := extractFile(t, testdata(file), Options{})
			requireReason(t, err, api.ReasonSourceUnsupported)
			require.Contains(t, api.MessageOf(err), "encrypted")
		})
	}
	t.Run("encrypted.docx", func(t *testing.T) {
		// A password-protected OOXML file is an OLE2 compound file with
		// EncryptionInfo and EncryptedPackage streams instead of a zip.
		_, _, err := extractBytes(t, "report.docx", oleFile("EncryptionInfo", "EncryptedPackage"), Options{})
		requireReason(t, err, api.ReasonSourceUnsupported)
		require.Contains(t, api.MessageOf(err), "encrypted")
	})
	t.Run("legacy .doc", func(t *testing.T) {
		_, _, err := extractBytes(t, "old.doc", oleFile("WordDocument", "1Table"), Options{})
		requireReason(t, err, api.ReasonSourceFormatUnsupported)
	})
}

// oleFile builds the start of an OLE2 compound file whose directory names
// the given streams (all that detection looks at).
func oleFile(streams ...string) []byte {
	b := make([]byte, 512, 2048)
	copy(b, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
	for _, name := range streams {
		entry := make([]byte, 128)
		copy(entry, utf16le(name))
		entry[64] = byte(2*len(name) + 2)
		entry[66] = 2 // stream
		b = append(b, entry...)
	}
	return b
}

func TestCorruptSources(t *testing.T) {
	pdf, err := os.ReadFile(testdata("sample.pdf"))
	require.NoError(t, err)
	docx, err := os.ReadFile(testdata("sample.docx"))
	require.NoError(t, err)
	cases := []struct {
		name string
		data []byte
	}{
		{"truncated.pdf", pdf[:len(pdf)/3]},
		{"header-only.pdf", []byte("%PDF-1.7\n%garbage\n")},
		{"truncated.docx", docx[:len(docx)/2]},
		{"garbage.docx", []byte("\x00\x01\x02 not a zip \xff\xfe")},
		{"garbage.pdf", []byte("\x00\x01\x02\x03\x04\x05")},
		{"bad-xml.docx", zipOf(t, map[string]string{"word/document.xml": "<w:document><w:body><w:p>unclosed"})},
		{"no-container.epub", zipOf(t, map[string]string{"mimetype": "application/epub+zip"})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := extractBytes(t, c.name, c.data, Options{})
			requireReason(t, err, api.ReasonSourceCorrupt)
		})
	}
}

func TestUnsupportedSources(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		msg  string
	}{
		{"photo.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "PNG image"},
		{"photo.jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF"), "JPEG image"},
		{"blob.bin", bytes.Repeat([]byte{0, 1, 2, 3, 250}, 100), "binary data"},
		{"archive.zip", zipOf(t, map[string]string{"a.txt": "hello"}), "zip archive"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := extractBytes(t, c.name, c.data, Options{})
			requireReason(t, err, api.ReasonSourceFormatUnsupported)
			require.Contains(t, api.MessageOf(err), c.msg)
		})
	}
}

// zipOf builds a zip with the given parts, deflated.
func zipOf(t testing.TB, parts map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range parts {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = io.WriteString(w, data)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

const docxRels = `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`

func docxBody(paras ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	for _, p := range paras {
		b.WriteString(`<w:p><w:r><w:t>` + p + `</w:t></w:r></w:p>`)
	}
	b.WriteString(`</w:body></w:document>`)
	return b.String()
}

func TestZipBombs(t *testing.T) {
	t.Run("compression ratio checked from the header", func(t *testing.T) {
		big := docxBody(strings.Repeat("a", 20<<20))
		data := zipOf(t, map[string]string{"_rels/.rels": docxRels, "word/document.xml": big})
		require.Less(t, len(data), 100<<10)
		start := time.Now()
		_, _, err := extractBytes(t, "bomb.docx", data, Options{})
		requireReason(t, err, api.ReasonSourceTooLarge)
		require.Contains(t, api.MessageOf(err), "zip bomb")
		require.Less(t, time.Since(start), 2*time.Second, "refused before expanding")
	})
	t.Run("total expanded size checked from the header", func(t *testing.T) {
		data := zipOf(t, map[string]string{"_rels/.rels": docxRels, "word/document.xml": docxBody(strings.Repeat("x", 4096))})
		_, _, err := extractBytes(t, "big.docx", data, Options{MaxExpandedBytes: 2048})
		requireReason(t, err, api.ReasonSourceTooLarge)
	})
	t.Run("sizes that lie in the header are caught while reading", func(t *testing.T) {
		data := lyingZip(t, "word/document.xml", docxBody(strings.Repeat("lie ", 100_000)), 300)
		_, _, err := extractBytes(t, "liar.docx", data, Options{})
		require.Error(t, err)
		require.Contains(t, []api.Reason{api.ReasonSourceCorrupt, api.ReasonSourceTooLarge}, api.ReasonOf(err))
	})
	t.Run("nested archives are refused", func(t *testing.T) {
		inner := zipOf(t, map[string]string{"word/document.xml": docxBody("inner")})
		data := zipOf(t, map[string]string{"_rels/.rels": docxRels, "word/document.xml": string(inner)})
		_, _, err := extractBytes(t, "nested.docx", data, Options{})
		requireReason(t, err, api.ReasonSourceUnsupported)
		require.Contains(t, api.MessageOf(err), "nested archive")
	})
}

// lyingZip builds a zip whose one part declares a much smaller expanded size
// than it has.
func lyingZip(t *testing.T, name, data string, declared uint64) []byte {
	var comp bytes.Buffer
	// Compress with a throwaway writer, then copy the raw deflate stream.
	var tmp bytes.Buffer
	zw := zip.NewWriter(&tmp)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	require.NoError(t, err)
	_, err = io.WriteString(w, data)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	zr, err := zip.NewReader(bytes.NewReader(tmp.Bytes()), int64(tmp.Len()))
	require.NoError(t, err)
	raw, err := zr.File[0].OpenRaw()
	require.NoError(t, err)
	_, err = io.Copy(&comp, raw)
	require.NoError(t, err)

	var out bytes.Buffer
	zw = zip.NewWriter(&out)
	rw, err := zw.CreateRaw(&zip.FileHeader{Name: "_rels/.rels", Method: zip.Store,
		CompressedSize64: uint64(len(docxRels)), UncompressedSize64: uint64(len(docxRels)), CRC32: crc32.ChecksumIEEE([]byte(docxRels))})
	require.NoError(t, err)
	_, err = io.WriteString(rw, docxRels)
	require.NoError(t, err)
	rw, err = zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate,
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared, CRC32: zr.File[0].CRC32})
	require.NoError(t, err)
	_, err = rw.Write(comp.Bytes())
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return out.Bytes()
}

func TestXMLEntityExpansion(t *testing.T) {
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">` +
		`<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">` +
		`<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>`
	t.Run("docx", func(t *testing.T) {
		doc := laughs + `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>`
		data := zipOf(t, map[string]string{"_rels/.rels": docxRels, "word/document.xml": doc})
		out, _, err := extractBytes(t, "lol.docx", data, Options{})
		requireReason(t, err, api.ReasonSourceCorrupt) // undeclared entity: never expanded
		require.NotContains(t, out, "lollol")
	})
	t.Run("xml", func(t *testing.T) {
		out, _, err := extractBytes(t, "lol.xml", []byte(laughs+`<r>&lol9; and &amp;</r>`), Options{})
		require.NoError(t, err)
		require.NotContains(t, out, "lollol")
		require.Less(t, len(out), 100)
	})
}

// manyPagesPDF writes a valid PDF of n pages, each showing text in
// Helvetica, or empty when text is "".
func manyPagesPDF(n int, text string) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	var kids strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&kids, "%d 0 R ", i+3)
	}
	page := "<< /Type /Page /Parent 2 0 R >>"
	if text != "" {
		page = fmt.Sprintf("<< /Type /Page /Parent 2 0 R /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>", n+3, n+4)
	}
	obj(fmt.Sprintf("<< /Type /Pages /Count %d /Kids [%s] /MediaBox [0 0 200 200] >>", n, kids.String()))
	for i := 0; i < n; i++ {
		obj(page)
	}
	if text != "" {
		content := "BT /F1 12 Tf 20 100 Td (" + text + ") Tj ET"
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
		obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

func TestPDFPageCap(t *testing.T) {
	out, res, err := extractBytes(t, "huge.pdf", manyPagesPDF(50_000, "page"), Options{})
	require.NoError(t, err)
	require.True(t, res.Truncated)
	require.Equal(t, DefaultMaxPages, res.Pages)
	require.Equal(t, DefaultMaxPages-1, strings.Count(out, "\f"), "one form feed between two pages")
	require.Contains(t, strings.Join(res.Warnings, "\n"), "of 50000 pages")

	_, res, err = extractBytes(t, "three.pdf", manyPagesPDF(3, ""), Options{MaxPages: 5})
	require.NoError(t, err)
	require.False(t, res.Truncated)
	require.Equal(t, 3, res.Pages)
}

func TestDeadline(t *testing.T) {
	t.Run("expired before start", func(t *testing.T) {
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel()
		path := filepath.Join(t.TempDir(), "a.txt")
		require.NoError(t, os.WriteFile(path, []byte("x"), 0o600))
		_, err := Extract(ctx, path, "a.txt", io.Discard, Options{})
		requireReason(t, err, api.ReasonTimeout)
	})
	big := strings.Repeat("<p>"+strings.Repeat("word ", 50)+"</p>\n", 100_000) // 26 MB
	path := filepath.Join(t.TempDir(), "big.html")
	require.NoError(t, os.WriteFile(path, []byte(big), 0o600))
	pdfPath := filepath.Join(t.TempDir(), "many.pdf")
	require.NoError(t, os.WriteFile(pdfPath, manyPagesPDF(20_000, ""), 0o600))
	for _, p := range []string{path, pdfPath} {
		t.Run(filepath.Base(p), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
			defer cancel()
			start := time.Now()
			// The first text written waits for the deadline, so the
			// extraction is still under way when it passes however fast
			// the machine is.
			out := deadlineWriter{ctx}
			_, err := Extract(ctx, p, filepath.Base(p), out, Options{MaxChars: 1 << 30, MaxPages: 1 << 20})
			requireReason(t, err, api.ReasonTimeout)
			require.Less(t, time.Since(start), time.Second, "stops soon after the deadline")
		})
	}
}

// deadlineWriter is an io.Writer whose writes return once its context is
// done.
type deadlineWriter struct{ ctx context.Context }

func (w deadlineWriter) Write(p []byte) (int, error) {
	<-w.ctx.Done()
	return len(p), nil
}
