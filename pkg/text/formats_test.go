package text

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The sample documents are produced by LibreOffice from testdata/src by
// testdata/gen.sh; each format must yield the same text, in reading order.
func TestFormats(t *testing.T) {
	body := []string{
		"Quarterly tide report",
		"The first paragraph mentions the lighthouse",
		"and continues after the note.",
		"Second paragraph with a comment",
		"Harbour\tHigh water\tLow water\n",
		"Northport\t06:12\t12:30\n",
		"Ligature office affluent, quotes “curly” and café naïve Größe.",
		"Last paragraph of the body.",
	}
	notes := []string{"Footnote about granite foundations.", "Endnote listing the archive.", "Comment asking for sources."}
	cases := []struct {
		file, format string
		inOrder      []string
		contains     []string
		absent       []string
		pages        int
	}{
		{file: "sample.docx", format: "docx",
			inOrder:  append(append([]string{"Header harbour almanac\n"}, body...), "Footnote about granite foundations.\nEndnote listing the archive.\nComment asking for sources.\nFooter page notice\n"),
			contains: []string{"Before the box.\nText box about seabirds.\n"},
			absent:   []string{"Reviewer", "\t\t"}},
		{file: "sample.odt", format: "odt",
			inOrder:  append(append([]string{"Header harbour almanac\n"}, body...), "Footer page notice\n"),
			contains: append(notes, "Text box about seabirds.\n"),
			absent:   []string{"Reviewer", "2024-01-02"}},
		{file: "sample.rtf", format: "rtf", inOrder: body, contains: append(notes, "Header harbour almanac", "Footer page notice", "Text box about seabirds."),
			absent: []string{"Reviewer", "Times New Roman", "Normal"}},
		{file: "sample.epub", format: "epub", inOrder: body, contains: []string{"Text box about seabirds.", "Footnote about granite foundations."}},
		{file: "sample.pdf", format: "pdf", pages: 2,
			inOrder: []string{"Header harbour almanac", "Quarterly tide report", "The first paragraph mentions the lighthouse", "Last paragraph of the", "Footnote about granite foundations.", "\f", "Endnote listing the archive."},
			// "office" and "affluent" are typeset with ligature glyphs.
			contains: []string{"Ligature office affluent", "Text box about seabirds."}},
		{file: "sample.xlsx", format: "xlsx", pages: 2,
			inOrder: []string{"Harbours\n", "Name\tTonnage\tShare\tOpened\n", "Northport\t1,234,567.89\t12.5%\t2024-03-01\n", "Südhafen\t42\t\t1234609.89", "\fNotes\n", "Second sheet text\t1"}},
		{file: "sample.ods", format: "ods", pages: 2,
			inOrder: []string{"Harbours\n", "Name\tTonnage\tShare\tOpened\n", "Northport\t1,234,567.89\t12.5%\t2024-03-01\n", "Südhafen\t42\t\t1234609.891", "\fNotes\n", "Second sheet text\t1"}},
		{file: "sample.pptx", format: "pptx", pages: 2,
			inOrder: []string{"First slide title\n", "Bullet about anchors\n", "Bullet about ropes\n", "Speaker notes for the first slide.\n", "\fSecond slide title\n", "Closing remarks on navigation.\n", "Notes of slide two.\n"}},
		{file: "sample.odp", format: "odp", pages: 2,
			inOrder: []string{"First slide title\n", "Bullet about anchors\n", "Bullet about ropes\n", "Speaker notes for the first slide.\n", "\fSecond slide title\n", "Closing remarks on navigation.\n", "Notes of slide two.\n"}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			out, res, err := extractFile(t, testdata(c.file), Options{})
			require.NoError(t, err)
			require.Equal(t, c.format, res.Format)
			require.Equal(t, c.pages, res.Pages)
			require.False(t, res.Truncated)
			requireInOrder(t, out, c.inOrder...)
			for _, s := range c.contains {
				require.Contains(t, out, s)
			}
			for _, s := range c.absent {
				require.NotContains(t, out, s)
			}
			if c.format != "pdf" {
				require.Equal(t, 1, strings.Count(out, "Footnote about granite")+strings.Count(out, "First slide title")+strings.Count(out, "Harbours\n"), "nothing is written twice")
			}
		})
	}
}

// Every script of the multilingual set comes out of each format exactly as
// written, right-to-left scripts in reading order.
func TestMultilingual(t *testing.T) {
	langs := []string{"en", "de", "el", "ru", "zh", "ja", "ar", "he"}
	for _, file := range []string{"multilingual.docx", "multilingual.odt", "multilingual.pdf"} {
		t.Run(file, func(t *testing.T) {
			out, _, err := extractFile(t, testdata(file), Options{})
			require.NoError(t, err)
			for _, l := range langs {
				src, err := os.ReadFile(testdata("multilingual/" + l + ".txt"))
				require.NoError(t, err)
				want := string(src)
				if strings.HasSuffix(file, ".pdf") {
					want, _, _ = strings.Cut(want, "\n") // the PDF has the titles only
				}
				for _, para := range strings.Split(strings.TrimSpace(want), "\n") {
					if para = strings.TrimSpace(para); para != "" {
						require.Contains(t, out, para, "%s paragraph", l)
					}
				}
			}
		})
	}
}

// The Arabic lam-alef ligature is one glyph for two letters (its ToUnicode
// entry is U+0644 U+0627). In right-to-left text its letters come out in
// logical order, "لا" and not "ال" as pdftotext gives, while words that do
// begin with alef-lam ("السلام") stay as written. lamalef.pdf was made by
// LibreOffice from testdata/src/lamalef.txt; its last line is written with
// the presentation forms U+FEFB and U+FEFC (lam-alef isolated and final),
// which LibreOffice draws with the same ligature glyphs, mapped to U+0644
// U+0627 as well. A PDF whose ToUnicode gives the single presentation form
// code point is TestCleanPDFTextArabicForms' case.
func TestPDFArabicLamAlef(t *testing.T) {
	out, _, err := extractFile(t, testdata("lamalef.pdf"), Options{})
	require.NoError(t, err)
	requireClean(t, out, true)
	require.Equal(t, "لا سلام عليكم\nالسلام ثلاثة الآلية الأطفال\nلا لا\n", out)
	for _, w := range []string{"ال", "سالم", "ثالثة", "\ufefb", "\ufefc"} {
		require.NotContains(t, strings.Fields(out), w)
	}
}

func TestCleanPDFTextArabicForms(t *testing.T) {
	// Lam-alef presentation forms (isolated, final, with madda and hamza)
	// become lam then alef; shaped letters their base letters.
	require.Equal(t, "لا لا لآ لأ سلام", cleanPDFText("\ufefb \ufefc \ufef5 \ufef7 \ufeb3\ufefc\ufee1"))
}

func TestPlainText(t *testing.T) {
	cases := []struct {
		name, data, format, want string
	}{
		{"notes.txt", "line one\r\nline two\n", "text", "line one\nline two\n"},
		{"data.csv", "a,b,c\n1,2,3\n", "csv", "a,b,c\n1,2,3\n"},
		{"README.md", "# Title\n\nText *here*.\n", "markdown", "# Title\n\nText *here*.\n"},
		{"x.json", `{"k": "välue"}`, "json", "{\"k\": \"välue\"}\n"},
		{"noext", "just words", "text", "just words\n"},
		{"blank.txt", " \n\n", "text", ""}, // a zero-byte source is TestZeroByteSource's case
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, res, err := extractBytes(t, c.name, []byte(c.data), Options{})
			require.NoError(t, err)
			require.Equal(t, c.want, out)
			require.Equal(t, c.format, res.Format)
		})
	}
}

func TestXML(t *testing.T) {
	doc := `<?xml version="1.0" encoding="ISO-8859-1"?>
<!-- a comment -->
<catalog>
  <book id="1"><title>Caf` + "\xe9" + ` &amp; Co</title><price>12</price></book>
  <book id="2"><title>Second</title><![CDATA[raw <text>]]></book>
</catalog>`
	out, res, err := extractBytes(t, "catalog.xml", []byte(doc), Options{})
	require.NoError(t, err)
	require.Equal(t, "xml", res.Format)
	require.Equal(t, "windows-1252", res.Encoding)
	require.Equal(t, "Café & Co 12\nSecond raw <text>\n", out)

	_, res, err = extractBytes(t, "broken.xml", []byte("<a>text</a><!-- unterminated"), Options{})
	require.NoError(t, err, "malformed XML is read up to the error")
	require.True(t, res.Truncated)
}

func TestMaxChars(t *testing.T) {
	out, res, err := extractBytes(t, "long.txt", []byte(strings.Repeat("abcdefghij", 1000)), Options{MaxChars: 25})
	require.NoError(t, err)
	require.Equal(t, "abcdefghijabcdefghijabcde", out)
	require.True(t, res.Truncated)
	require.Equal(t, 25, res.Chars)
	require.Contains(t, strings.Join(res.Warnings, "\n"), "MaxChars")

	out, res, err = extractFile(t, testdata("sample.docx"), Options{MaxChars: 30})
	require.NoError(t, err)
	require.Equal(t, 30, len([]rune(out)))
	require.True(t, res.Truncated)
}

func TestOptionsValidate(t *testing.T) {
	require.NoError(t, Options{}.Validate())
	require.NoError(t, DefaultOptions().Validate())
	require.Equal(t, DefaultMaxChars, DefaultOptions().MaxChars)
	require.Equal(t, DefaultMaxZipEntries, DefaultOptions().MaxZipEntries)
	require.Equal(t, DefaultMaxXMLDepth, DefaultOptions().MaxXMLDepth)
	require.Equal(t, DefaultMaxTokenBytes, DefaultOptions().MaxTokenBytes)
	for _, o := range []Options{{MaxChars: -1}, {MaxPages: -1}, {MaxExpandedBytes: -1}, {MaxCompressionRatio: 0.5}, {MaxDepth: -2},
		{MaxZipEntries: -1}, {MaxXMLDepth: -1}, {MaxTokenBytes: -1}} {
		require.Error(t, o.Validate(), "%+v", o)
		_, _, err := extractBytes(t, "x.txt", []byte("x"), o)
		require.Error(t, err)
	}
}
