package text

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// part is one entry of a generated zip: its name and a function writing
// its content, so that large parts are streamed into the compressor.
type part struct {
	name  string
	write func(w io.Writer) error
}

func textPart(name, data string) part {
	return part{name, func(w io.Writer) error { _, err := io.WriteString(w, data); return err }}
}

// repeatPart writes head, body n times, then tail.
func repeatPart(name, head, body string, n int, tail string) part {
	return part{name, func(w io.Writer) error {
		chunk := strings.Repeat(body, max(1, 64<<10/max(1, len(body))))
		per := len(chunk) / len(body)
		if _, err := io.WriteString(w, head); err != nil {
			return err
		}
		for left := n; left > 0; left -= per {
			c := chunk
			if left < per {
				c = chunk[:left*len(body)]
			}
			if _, err := io.WriteString(w, c); err != nil {
				return err
			}
		}
		_, err := io.WriteString(w, tail)
		return err
	}}
}

// zipParts builds a zip of the parts, deflated, in order.
func zipParts(t testing.TB, parts ...part) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p.name)
		require.NoError(t, err)
		require.NoError(t, p.write(w))
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

const (
	wNS       = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`
	relsOpen  = `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`
	relsClose = `</Relationships>`
	relType   = `http://schemas.openxmlformats.org/officeDocument/2006/relationships/`
)

// docxWithHeaders builds a DOCX whose body says "body" and which has n
// header parts, each written by header.
func docxWithHeaders(t testing.TB, n int, header func(i int) part) []byte {
	rels := relsOpen
	parts := []part{textPart("_rels/.rels", docxRels), textPart("word/document.xml", docxBody("body"))}
	for i := 0; i < n; i++ {
		rels += fmt.Sprintf(`<Relationship Id="h%d" Type="%sheader" Target="header%d.xml"/>`, i, relType, i)
		parts = append(parts, header(i))
	}
	parts = append(parts, textPart("word/_rels/document.xml.rels", rels+relsClose))
	return zipParts(t, parts...)
}

// randomText returns n bytes of letters that do not compress much.
func randomText(n int) string {
	rng := rand.New(rand.NewSource(1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + rng.Intn(26))
	}
	return string(b)
}

// lyingEntryCount rewrites the end records of a zip so that they declare n
// entries: a ZIP64 end record and locator are inserted, as for an archive
// too large for the 16-bit count.
func lyingEntryCount(t *testing.T, data []byte, n uint64) []byte {
	i := bytes.LastIndex(data, []byte("PK\x05\x06"))
	require.GreaterOrEqual(t, i, 0)
	eocd := append([]byte(nil), data[i:]...)
	out := append([]byte(nil), data[:i]...)
	rec := make([]byte, 56)
	copy(rec, "PK\x06\x06")
	binary.LittleEndian.PutUint64(rec[4:], 44)
	binary.LittleEndian.PutUint64(rec[24:], n)
	binary.LittleEndian.PutUint64(rec[32:], n)
	binary.LittleEndian.PutUint64(rec[40:], uint64(binary.LittleEndian.Uint32(eocd[12:])))
	binary.LittleEndian.PutUint64(rec[48:], uint64(binary.LittleEndian.Uint32(eocd[16:])))
	recAt := len(out)
	out = append(out, rec...)
	loc := make([]byte, 20)
	copy(loc, "PK\x06\x07")
	binary.LittleEndian.PutUint64(loc[8:], uint64(recAt))
	binary.LittleEndian.PutUint32(loc[16:], 1)
	out = append(out, loc...)
	binary.LittleEndian.PutUint16(eocd[8:], 0xffff)
	binary.LittleEndian.PutUint16(eocd[10:], 0xffff)
	return append(out, eocd...)
}

// Every expansion is capped before it happens or while it happens: a bomb
// fails with SourceTooLarge (zip-based documents) or is cut with a
// truncation warning (standalone markup files), never with everything
// expanded.
func TestDecompressionLimits(t *testing.T) {
	manyParts := func(n int) []part {
		parts := []part{textPart("_rels/.rels", docxRels), textPart("word/document.xml", docxBody("body"))}
		for i := 0; i < n; i++ {
			parts = append(parts, textPart(fmt.Sprintf("word/media/%d.txt", i), "x"))
		}
		return parts
	}
	deep := func(depth int) part {
		return repeatPart("word/document.xml", `<w:document `+wNS+`><w:body>`, "<w:p>", depth, "")
	}
	cases := []struct {
		name string
		data []byte
		opts Options
		msg  string
	}{
		{"entries over the cap", zipParts(t, manyParts(20)...), Options{MaxZipEntries: 10}, "22 zip entries"},
		{"entry count declared in the end record", lyingEntryCount(t, zipParts(t, manyParts(1)...), 1<<40), Options{}, "declares 1099511627776 zip entries"},
		{"small parts that expand too much together", docxWithHeaders(t, 8, func(i int) part {
			// 900 KB each: under the per-part check, hundreds of times smaller compressed.
			return repeatPart(fmt.Sprintf("word/header%d.xml", i), `<w:hdr `+wNS+`>`, "<w:p/>", 150_000, `</w:hdr>`)
		}), Options{}, "zip bomb"},
		{"elements nested past MaxXMLDepth", zipParts(t, textPart("_rels/.rels", docxRels), deep(200)), Options{MaxXMLDepth: 100}, "deeper than 100 levels"},
		{"elements nested a million deep", zipParts(t, textPart("_rels/.rels", docxRels), deep(1_000_000)), Options{MaxCompressionRatio: 1e6}, "deeper than 10000 levels"},
		{"a text run over MaxTokenBytes", zipParts(t, textPart("_rels/.rels", docxRels), textPart("word/document.xml", docxBody(randomText(1<<20)))),
			Options{MaxTokenBytes: 256 << 10}, "longer than 262144 bytes"},
		{"a text run over MaxTokenBytes, cut before MaxChars is reached", zipParts(t, textPart("_rels/.rels", docxRels), textPart("word/document.xml", docxBody(randomText(1<<20)))),
			Options{MaxTokenBytes: 256 << 10, MaxChars: 1000}, "longer than 262144 bytes"},
		{"a comment over MaxTokenBytes", zipParts(t, textPart("_rels/.rels", docxRels), textPart("word/document.xml", `<!--`+randomText(1<<20)+`-->`+docxBody("x"))),
			Options{MaxTokenBytes: 256 << 10}, "MaxTokenBytes"},
		{"relationships over the cap", zipParts(t, textPart("_rels/.rels", docxRels), textPart("word/document.xml", docxBody("x")),
			repeatPart("word/_rels/document.xml.rels", relsOpen, `<Relationship Id="c" Type="`+relType+`comments" Target="c.xml"/>`, 50, relsClose)),
			Options{MaxZipEntries: 20}, "more than 20 relationships"},
		{"epub spine over the cap", zipParts(t, textPart("mimetype", "application/epub+zip"),
			textPart("META-INF/container.xml", `<container><rootfiles><rootfile full-path="book.opf"/></rootfiles></container>`),
			repeatPart("book.opf", `<package><manifest><item id="c" href="c.xhtml" media-type="application/xhtml+xml"/></manifest><spine>`, `<itemref idref="c"/>`, 50, `</spine></package>`),
			textPart("c.xhtml", "<html><body><p>chapter</p></body></html>")),
			Options{MaxZipEntries: 20}, "more than 20 spine items"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := extractBytes(t, "bomb.docx", c.data, c.opts)
			requireReason(t, err, api.ReasonSourceTooLarge)
			require.Contains(t, api.MessageOf(err), c.msg)
			require.Less(t, len(out), 1<<20, "refused before the text was written")
		})
	}
}

func TestSharedStringsMemoryBudget(t *testing.T) {
	workbook := `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" r:id="s1"/></sheets></workbook>`
	wbRels := relsOpen + `<Relationship Id="s1" Type="` + relType + `worksheet" Target="sheet1.xml"/>` +
		`<Relationship Id="ss" Type="` + relType + `sharedStrings" Target="sharedStrings.xml"/>` + relsClose
	data := zipParts(t,
		textPart("_rels/.rels", relsOpen+`<Relationship Id="r" Type="`+relType+`officeDocument" Target="xl/workbook.xml"/>`+relsClose),
		textPart("xl/workbook.xml", workbook), textPart("xl/_rels/workbook.xml.rels", wbRels),
		// Two million empty strings: nothing to read, but a table entry each.
		repeatPart("xl/sharedStrings.xml", `<sst>`, `<si/>`, 2_000_000, `<si><t>last</t></si></sst>`),
		textPart("xl/sheet1.xml", `<worksheet><sheetData><row><c t="s"><v>0</v></c><c t="s"><v>2000000</v></c></row></sheetData></worksheet>`))
	out, res, err := extractBytes(t, "strings.xlsx", data, Options{MaxCompressionRatio: 1e6})
	require.NoError(t, err)
	require.True(t, res.Truncated)
	require.Contains(t, strings.Join(res.Warnings, "\n"), "memory budget")
	require.NotContains(t, out, "last", "strings past the budget are left out")
}

// Standalone markup files are read without an element stack, and a token
// over MaxTokenBytes ends the text with a warning.
func TestMarkupFileLimits(t *testing.T) {
	t.Run("deep nesting", func(t *testing.T) {
		doc := `<?xml version="1.0"?>` + strings.Repeat("<a>", 200_000) + "deep text" + strings.Repeat("</a>", 200_000)
		out, res, err := extractBytes(t, "deep.xml", []byte(doc), Options{})
		require.NoError(t, err)
		require.Equal(t, "deep text\n", out)
		require.False(t, res.Truncated)
	})
	for _, name := range []string{"big.xml", "big.svg", "big.html"} {
		t.Run(name, func(t *testing.T) {
			doc := `<svg xmlns="http://www.w3.org/2000/svg"><text>before</text><!-- ` + randomText(300<<10) + ` --><text>after</text></svg>`
			if name == "big.html" {
				doc = `<html><body><p>before</p><p title="` + randomText(300<<10) + `">after</p></body></html>`
			}
			out, res, err := extractBytes(t, name, []byte(doc), Options{MaxTokenBytes: 64 << 10})
			require.NoError(t, err)
			require.Equal(t, "before\n", out)
			require.True(t, res.Truncated)
			require.Contains(t, strings.Join(res.Warnings, "\n"), "MaxTokenBytes")
		})
	}
}

// A zip-based document whose parts hold no text is still read under the
// deadline: the zip reader checks the context as it expands.
func TestDeadlineWhileExpanding(t *testing.T) {
	data := zipParts(t, textPart("_rels/.rels", docxRels),
		repeatPart("word/document.xml", `<w:document `+wNS+`><w:body>`, "<w:p/>", 1_000_000, `</w:body></w:document>`))
	path := filepath.Join(t.TempDir(), "empty-paragraphs.docx")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	// Extract and the DOCX reader check once each before the part is read;
	// the deadline passes at the next check.
	_, err := Extract(newCountdownContext(3), path, "empty-paragraphs.docx", io.Discard, Options{MaxCompressionRatio: 1e6})
	requireReason(t, err, api.ReasonTimeout)
}

func TestZipDeclaredEntries(t *testing.T) {
	data := zipParts(t, textPart("a", "1"), textPart("b", "2"), textPart("c", "3"))
	n, ok := zipDeclaredEntries(bytes.NewReader(data), int64(len(data)))
	require.True(t, ok)
	require.EqualValues(t, 3, n)
	withComment := append(data[:len(data)-2:len(data)-2], 5, 0, 'h', 'e', 'l', 'l', 'o')
	n, ok = zipDeclaredEntries(bytes.NewReader(withComment), int64(len(withComment)))
	require.True(t, ok)
	require.EqualValues(t, 3, n)
	big := lyingEntryCount(t, data, 1<<33)
	n, ok = zipDeclaredEntries(bytes.NewReader(big), int64(len(big)))
	require.True(t, ok)
	require.EqualValues(t, uint64(1)<<33, n)
	_, ok = zipDeclaredEntries(bytes.NewReader([]byte("PK\x03\x04 no end record")), 21)
	require.False(t, ok)
}
