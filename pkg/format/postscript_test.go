package format_test

import (
	"testing"

	"github.com/assetcompute/assetcompute/pkg/format"
)

// TestSniffPostScript tells the PostScript family by its header and, for
// a PDF-compatible Illustrator file, by its name.
func TestSniffPostScript(t *testing.T) {
	const bbox = "%%BoundingBox: 0 0 10 10\n"
	dos := "\xC5\xD0\xD3\xC6\x1e\x00\x00\x00" + string(make([]byte, 22)) + "%!PS-Adobe-3.0 EPSF-3.0\n"
	for _, c := range []struct {
		name, head, want string
		mime             string
	}{
		{"a.eps", "%!PS-Adobe-3.0 EPSF-3.0\n" + bbox, "eps", "application/postscript"},
		{"", "%!PS-Adobe-3.0 EPSF-3.0\n" + bbox, "eps", "application/postscript"},
		{"a.bin", "%!PS-Adobe-2.0 EPSF-1.2\n" + bbox + "%%BeginPreview: 1 1 1 1\n%00\n%%EndPreview\n", "epsi", "application/postscript"},
		{"", dos, "eps", "application/postscript"},
		{"x.ai", dos, "ai", "application/illustrator"},
		{"a.ps", "%!PS-Adobe-3.0\n%%Pages: 2\n", "ps", "application/postscript"},
		{"", "\x04%!PS\nshowpage\n", "ps", "application/postscript"},
		{"a.txt", "%!\nshowpage\n", "ps", "application/postscript"},
		{"", "%!PS-Adobe-3.0\n%%Creator: Adobe Illustrator(R) 8.0\n%AI5_FileFormat 4.0\n", "ai", "application/illustrator"},
		{"art.ai", "%!PS-Adobe-3.0 EPSF-3.0\n%%Creator: Adobe Illustrator(R) 8.0\n" + bbox, "ai", "application/illustrator"},
		// Illustrator's EPS is EPS.
		{"art.eps", "%!PS-Adobe-3.0 EPSF-3.0\n%%Creator: Adobe Illustrator(R) 8.0\n" + bbox, "eps", "application/postscript"},
		{"art.ai", "%PDF-1.5\n%\xe2\xe3\xcf\xd3\n", "ai", "application/illustrator"},
		{"art.pdf", "%PDF-1.5\n%\xe2\xe3\xcf\xd3\n", "pdf", "application/pdf"},
	} {
		f := format.Sniff([]byte(c.head), c.name)
		if f.Name != c.want || f.MIME != c.mime || !f.Reads(format.PostScriptRead) && c.want != "pdf" {
			t.Errorf("%q named %q: %s (%s, %v), want %s (%s)", c.head[:min(len(c.head), 16)], c.name, f, f.MIME, f.Engines, c.want, c.mime)
		}
	}
	if !format.Truncated([]byte("%"), "cut.eps") {
		t.Error("a one-byte .eps is not reported as truncated")
	}
}
