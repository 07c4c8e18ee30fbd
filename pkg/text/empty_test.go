package text

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// onePagePDF writes a valid one-page PDF whose page draws content (a
// content stream) with the given resources.
func onePagePDF(content, resources string) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Count 1 /Kids [3 0 R] >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources " + resources + " >>")
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// A document that can be read but has no text gives an empty text, not an
// error; a zero-byte source is corrupt whatever its name says.
func TestDocumentsWithoutText(t *testing.T) {
	cases := []struct {
		name   string
		data   []byte
		format string
		pages  int
	}{
		{"drawing.pdf", onePagePDF("0 0 1 rg 10 10 100 100 re f", "<< >>"), "pdf", 1},
		{"scan.pdf", onePagePDF("q 200 0 0 200 0 0 cm BI /W 2 /H 2 /CS /G /BPC 8 ID \x10\x80\xf0\x40 EI Q", "<< >>"), "pdf", 1},
		{"blank-pages.pdf", manyPagesPDF(3, ""), "pdf", 3},
		{"spaces.txt", []byte(" \r\n\t \n"), "text", 0},
		{"picture.rtf", []byte(`{\rtf1\ansi{\fonttbl{\f0 Arial;}}{\pict\pngblip\picw10\pich10 89504e470d0a1a0a}}`), "rtf", 0},
		{"empty.docx", zipOf(t, map[string]string{"_rels/.rels": docxRels, "word/document.xml": docxBody()}), "docx", 0},
		{"empty.html", []byte("<html><head><style>p{}</style><script>x()</script></head><body> </body></html>"), "html", 0},
		{"empty.xml", []byte(`<?xml version="1.0"?><root><a/><b x="attribute values are not text"/></root>`), "xml", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, res, err := extractBytes(t, c.name, c.data, Options{})
			require.NoError(t, err)
			require.Equal(t, "", out)
			require.Equal(t, 0, res.Chars)
			require.Equal(t, c.format, res.Format)
			require.Equal(t, c.pages, res.Pages)
			require.False(t, res.Truncated)
		})
	}
}

func TestZeroByteSource(t *testing.T) {
	for _, name := range []string{"a.txt", "a.pdf", "a.docx", "a.rtf", "a.svg", "a.vcf", "a.ics", "a.eml", "a.html", "noext", ""} {
		t.Run(name, func(t *testing.T) {
			fileName := name
			if fileName == "" {
				fileName = "source"
			}
			_, _, err := extractBytes(t, fileName, nil, Options{})
			requireReason(t, err, api.ReasonSourceCorrupt)
			require.Contains(t, api.MessageOf(err), "empty (0 bytes)")
		})
	}
}

// A damaged source gives the text read before the damage, marked as
// truncated; when there is none, it is corrupt rather than empty.
func TestDamagedSources(t *testing.T) {
	t.Run("text before the damage", func(t *testing.T) {
		out, res, err := extractBytes(t, "cut.xml", []byte(`<?xml version="1.0"?><r><p>kept</p><!-- never closed <p>lost</p></r>`), Options{})
		require.NoError(t, err)
		require.Equal(t, "kept\n", out)
		require.True(t, res.Truncated)
		require.Contains(t, res.Warnings[0], "malformed")
	})
	t.Run("no text before the damage", func(t *testing.T) {
		_, _, err := extractBytes(t, "cut.xml", []byte(`<?xml version="1.0"?><r><a x="1"/><p`), Options{})
		requireReason(t, err, api.ReasonSourceCorrupt)
		require.Contains(t, api.MessageOf(err), "malformed")
	})
}
