package format_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/assetcompute/assetcompute/pkg/format"
)

// zipWith returns a zip archive whose entries are files, in order; the
// first one is stored, as ODF and EPUB require of their mimetype entry.
func zipWith(t *testing.T, files ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for i, f := range files {
		method := zip.Deflate
		if i == 0 {
			method = zip.Store
		}
		fw, err := w.CreateHeader(&zip.FileHeader{Name: f[0], Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bmp returns the start of a BMP file whose DIB header is dib bytes long.
func bmp(dib uint32) string {
	h := make([]byte, 54)
	copy(h, "BM")
	binary.LittleEndian.PutUint32(h[14:], dib)
	return string(h)
}

func TestSniff(t *testing.T) {
	pdfAt := func(off int) string { return strings.Repeat("x", off) + "%PDF-1.7\n" }
	odt := zipWith(t, [2]string{"mimetype", "application/vnd.oasis.opendocument.text"}, [2]string{"content.xml", "<office/>"})
	ott := zipWith(t, [2]string{"mimetype", "application/vnd.oasis.opendocument.text-template"}, [2]string{"content.xml", "<office/>"})
	epub := zipWith(t, [2]string{"mimetype", "application/epub+zip"}, [2]string{"META-INF/container.xml", "<container/>"})
	docx := zipWith(t, [2]string{"[Content_Types].xml", "<Types/>"}, [2]string{"word/document.xml", "<w:document/>"})
	plainZip := zipWith(t, [2]string{"a.txt", "hello"})

	tests := []struct {
		name, head, file, want string
	}{
		// Images.
		{"JPEG", "\xff\xd8\xff\xe0\x00\x10JFIF", "", "jpeg"},
		{"PNG", "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", "", "png"},
		{"GIF87a", "GIF87a\x01\x00", "", "gif"},
		{"GIF89a", "GIF89a\x01\x00", "", "gif"},
		{"WebP", "RIFF\x24\x00\x00\x00WEBPVP8 ", "", "webp"},
		{"TIFF little-endian", "II*\x00\x08\x00\x00\x00", "", "tiff"},
		{"TIFF big-endian", "MM\x00*\x00\x00\x00\x08", "", "tiff"},
		{"BigTIFF", "II+\x00\x08\x00\x00\x00", "", "tiff"},
		{"HEIC", "\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "", "heic"},
		{"HEIF by compatible brand only", "\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1miaf", "", "heif"},
		{"HEIC over a mif1 major brand", "\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", "", "heic"},
		{"AVIF", "\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "", "avif"},
		{"AVIF by compatible brand", "\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf", "", "avif"},
		{"JPEG 2000 box", "\x00\x00\x00\x0cjP  \r\n\x87\n\x00\x00", "", "jp2"},
		{"JPEG 2000 codestream", "\xff\x4f\xff\x51\x00\x2f", "", "j2c"},
		{"JPEG XL codestream", "\xff\x0a\xfa\x7f", "", "jxl"},
		{"JPEG XL container", "\x00\x00\x00\x0cJXL \r\n\x87\n", "", "jxl"},
		{"PSD", "8BPS\x00\x01", "", "psd"},
		{"BMP", bmp(40), "", "bmp"},
		{"BMP core header", bmp(12), "", "bmp"},
		{"BM and a DIB size no BMP has", bmp(1000), "a.bin", ""},
		{"BM text is text", "BM, or a note about it that goes on past the header", "", "text"},
		{"SVG", `<svg xmlns="http://www.w3.org/2000/svg"/>`, "", "svg"},
		{"SVG after a prolog, comment and doctype", "\xef\xbb\xbf\n<?xml version=\"1.0\"?>\n<!-- drawn -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x\">\n<svg>", "", "svg"},
		{"SVG after an internal subset with > and ]", "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n<!ENTITY st0 'a > b ]'>\n<!-- ]> -->\n]>\n<svg xmlns=\"&ns;\">", "", "svg"},
		{"SVG with a namespace prefix", `<svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>`, "", "svg"},
		{"XML named .svg", `<?xml version="1.0"?><drawing/>`, "a.svg", "svg"},
		{"svgfoo is not svg", `<svgfoo/>`, "", "text"},
		{"XML with an svg inside", `<?xml version="1.0"?><doc><svg/></doc>`, "", "xml"},

		// Camera raw.
		{"NEF is TIFF named .nef", "II*\x00\x08\x00\x00\x00", "DSC_0001.NEF", "nef"},
		{"DNG", "II*\x00\x08\x00\x00\x00", "x.dng", "dng"},
		{"CR2 by its marker", "II*\x00\x10\x00\x00\x00CR\x02\x00", "", "cr2"},
		{"ORF", "IIRO\x08\x00\x00\x00", "", "orf"},
		{"RW2", "IIU\x00\x18\x00\x00\x00", "", "rw2"},
		{"RAF", "FUJIFILMCCD-RAW 0201FF383501", "", "raf"},
		{"CR3", "\x00\x00\x00\x18ftypcrx \x00\x00\x00\x01crx isom", "", "cr3"},
		{"CRW", "II\x1a\x00\x00\x00HEAPCCDR", "", "crw"},
		{"MRW", "\x00MRM\x00\x00\x00\x10", "", "mrw"},
		{"X3F", "FOVb\x00\x00\x02\x00", "", "x3f"},
		{"RWL is RW2 named .rwl", "IIU\x00\x18\x00\x00\x00", "L1000.RWL", "rwl"},
		{"SRW", "II*\x00\x08\x00\x00\x00", "a.srw", "srw"},
		{"IIQ", "II*\x00\x08\x00\x00\x00", "a.IIQ", "iiq"},
		{"3FR", "II*\x00\x08\x00\x00\x00", "a.3fr", "3fr"},
		{"ERF", "II*\x00\x08\x00\x00\x00", "a.erf", "erf"},
		{"KDC", "II*\x00\x08\x00\x00\x00", "a.kdc", "kdc"},
		{"DCR", "II*\x00\x08\x00\x00\x00", "a.dcr", "dcr"},
		{"MEF", "MM\x00*\x00\x00\x00\x08", "a.mef", "mef"},
		{"MOS", "MM\x00*\x00\x00\x00\x08", "a.mos", "mos"},
		{"SRF", "MM\x00*\x00\x00\x00\x08", "a.srf", "srf"},
		{"TIFF named .crw is TIFF", "II*\x00\x08\x00\x00\x00", "a.crw", "tiff"},
		{"TIFF named .jpg is TIFF", "II*\x00\x08\x00\x00\x00", "a.jpg", "tiff"},

		// Documents.
		{"PDF", pdfAt(0), "", "pdf"},
		{"PDF after junk", pdfAt(600), "", "pdf"},
		{"PDF header at the window's end", pdfAt(format.PDFWindow - len("%PDF-")), "", "pdf"},
		{"PDF header past the window", pdfAt(format.PDFWindow), "", "text"},
		{"ODT by its mimetype entry", string(odt), "", "odt"},
		{"ODT template by its mimetype entry", string(ott), "", "odt"},
		{"ODT by its mimetype entry, whatever the name", string(odt), "a.docx", "odt"},
		{"EPUB by its mimetype entry", string(epub), "", "epub"},
		{"DOCX by extension", string(plainZip), "report.docx", "docx"},
		{"DOCX by its parts", string(docx), "", "docx"},
		{"zip", string(plainZip), "a.zip", "zip"},
		{"empty zip", "PK\x05\x06" + strings.Repeat("\x00", 18), "", "zip"},
		{"OLE2", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "a.doc", "doc"},
		{"OLE2 named .xls", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "b.XLS", "xls"},
		{"OLE2 named .docx (an encrypted package)", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "c.docx", "ole"},
		{"iWork zip", "PK\x03\x04\x14\x00\x00\x00", "talk.key", "keynote"},
		{"RTF", `{\rtf1\ansi hello}`, "", "rtf"},
		{"RTF with binary data", "{\\rtf1{\\bin4 \x00\x01\x02\x03}}", "", "rtf"},

		// Text.
		{"HTML", "<!DOCTYPE html><html><body>hi</body></html>", "", "html"},
		{"HTML by its body", "  <body>hi</body>", "", "html"},
		{"XHTML", `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"></html>`, "", "html"},
		{"HTML by extension", "hello", "a.htm", "html"},
		{"e-mail", "From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nbody", "", "eml"},
		{"e-mail by extension", "hello", "a.eml", "eml"},
		{"MHTML that is a message", "From: a@example.com\nSubject: page\nMIME-Version: 1.0\n\n", "a.mht", "eml"},
		{"MHTML that is not a message", "<html></html>", "a.mhtml", "html"},
		{"key-value lines are not an e-mail", "X-Foo: 1\nX-Bar: 2\n\n", "", "text"},
		{"vCard", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\n", "", "vcard"},
		{"iCalendar", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "", "icalendar"},
		{"XML", `<?xml version="1.0"?><feed/>`, "", "xml"},
		{"XML by extension", "<feed/>", "a.rss", "xml"},
		{"CSV", "a,b\n1,2\n", "t.csv", "csv"},
		{"Markdown", "# Title\n", "README.md", "markdown"},
		{"JSON", `{"a": 1}`, "a.json", "json"},
		{"plain text", "hello world", "", "text"},
		{"SubRip", "1\r\n00:00:01,000 --> 00:00:02,500\r\nHello\r\n", "", "srt"},
		{"SubRip by extension", "Hello", "a.SRT", "srt"},
		{"a number then text is not SubRip", "1\nfirst point --> second\n", "", "text"},
		{"WebVTT", "\xef\xbb\xbfWEBVTT - captions\n\n00:01.000 --> 00:02.000\nHi\n", "", "webvtt"},
		{"WEBVTTX is not WebVTT", "WEBVTTX\n", "", "text"},
		{"WebVTT by extension", "00:01.000 --> 00:02.000\nHi\n", "a.vtt", "webvtt"},
		{"UTF-16 WebVTT", "\xff\xfeW\x00E\x00B\x00V\x00T\x00T\x00\n\x00", "", "webvtt"},
		{"ASS", "[Script Info]\r\nScriptType: v4.00+\r\n", "", "ass"},
		{"SSA by extension", "Dialogue: Marked=0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Hi", "a.ssa", "ass"},
		{"UTF-16 HTML", "\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00", "", "html"},
		{"UTF-16 without a BOM", "h\x00e\x00l\x00l\x00o\x00 \x00w\x00o\x00r\x00l\x00d\x00\n\x00", "", "text"},

		// Other binary types.
		{"MP4", "\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "", "mp4"},
		{"QuickTime", "\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", "", "mov"},
		{"3GP", "\x00\x00\x00\x14ftyp3gp5\x00\x00\x00\x003gp5", "", "isobmff"},
		{"WAVE", "RIFF\x24\x00\x00\x00WAVEfmt ", "", "wav"},
		{"AIFF", "FORM\x00\x00\x00\x24AIFFCOMM", "", "aiff"},
		{"AIFC", "FORM\x00\x00\x00\x24AIFCFVER", "", "aiff"},
		{"AVI", "RIFF\x24\x00\x00\x00AVI LIST", "", "avi"},
		{"other RIFF", "RIFF\x24\x00\x00\x00ACONanih", "", "riff"},
		{"Matroska", "\x1a\x45\xdf\xa3\x01\x00", "", "matroska"},
		{"MP3", "ID3\x04\x00\x00", "", "mp3"},
		{"gzip", "\x1f\x8b\x08\x00", "", "gzip"},
		{"ELF", "\x7fELF\x02\x01\x01", "", "elf"},
		{"binary data", "\x00\x01\x02\x03\x04\x05\x06\x07", "", ""},
		{"empty", "", "a.jpg", ""},

		// Cut inside the magic bytes.
		{"SOI only, named .jpg", "\xff\xd8", "photo.jpg", "jpeg"},
		{"a lone 0xFF named .jpeg", "\xff", "photo.jpeg", "jpeg"},
		{"SOI only without a name is two bytes of text", "\xff\xd8", "", "text"},
		{"SOI only named .txt is text", "\xff\xd8", "a.txt", "text"},
		{"PNG cut in its signature", "\x89PN", "cut.png", "png"},
		{"PDF cut in its header", "%PD", "cut.pdf", "pdf"},
		{"JPEG XL container cut", "\x00\x00\x00\x0cJX", "a.jxl", "jxl"},
		{"JPEG XL codestream cut", "\xff", "a.jxl", "jxl"},
		{"DOCX cut", "PK\x03", "a.docx", "docx"},
		{"NEF cut", "II", "a.nef", "nef"},
		{"HEIC cut", "\x00\x00\x00\x18ft", "a.heic", "heic"},
		{"WebP cut", "RIFF\x24\x00\x00\x00WE", "a.webp", "webp"},
		{"PNG named .png that is text", "hello", "a.png", "text"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := format.Sniff([]byte(tc.head), tc.file)
			if got.Name != tc.want {
				t.Errorf("Sniff(%q, %q) = %s, want %q", tc.head[:min(len(tc.head), 24)], tc.file, got, tc.want)
			}
		})
	}
}

func TestTruncated(t *testing.T) {
	tests := []struct {
		head, name string
		want       bool
	}{
		{"\xff\xd8", "photo.jpg", true},
		{"\xff\xd8\xff", "photo.jpg", false}, // the whole signature: a JPEG, cut or not
		{"\xff\xd8", "", false},
		{"\x89PN", "cut.png", true},
		{"", "empty.png", false},
		{"hello", "a.png", false},
	}
	for _, tc := range tests {
		if got := format.Truncated([]byte(tc.head), tc.name); got != tc.want {
			t.Errorf("Truncated(%q, %q) = %v, want %v", tc.head, tc.name, got, tc.want)
		}
	}
}

func TestRegistry(t *testing.T) {
	all := format.All()
	if len(all) < 40 {
		t.Fatalf("All() has %d formats", len(all))
	}
	for _, f := range all {
		if f.Name == "" || f.Title == "" || f.MIME == "" || f.Family == "" {
			t.Errorf("incomplete entry %+v", f)
		}
		if g, ok := format.ByName(f.Name); !ok || g.MIME != f.MIME {
			t.Errorf("ByName(%q) = %+v, %v", f.Name, g, ok)
		}
		for _, e := range f.Extensions {
			if e != strings.ToLower(e) || !strings.HasPrefix(e, ".") {
				t.Errorf("%s: extension %q is not lower case with a dot", f.Name, e)
			}
			if g, _ := format.ByExtension(strings.ToUpper(e)); g.Name != f.Name {
				t.Errorf("ByExtension(%q) = %s, want %s", strings.ToUpper(e), g, f.Name)
			}
		}
		if f.Engines.Has(format.ImageWrite) && !f.Engines.Has(format.ImageRead) {
			t.Errorf("%s: the image engine writes it but cannot read it", f.Name)
		}
	}
	all[0].Name = "changed"
	if format.All()[0].Name == "changed" {
		t.Error("All returns the registry itself, not a copy")
	}
	if f, ok := format.ByMIME("Image/JPEG; q=1"); !ok || f.Name != "jpeg" {
		t.Errorf("ByMIME = %s, %v", f, ok)
	}
	if f, ok := format.ByFileName(`C:\photos\IMG.JPG`); !ok || f.Name != "jpeg" {
		t.Errorf("ByFileName with backslashes = %s, %v", f, ok)
	}
	if f, ok := format.ByFileName("https://example.com/a/report.pdf?X-Amz-Signature=1.2"); !ok || f.Name != "pdf" {
		t.Errorf("ByFileName of a URL = %s, %v", f, ok)
	}
	if _, ok := format.ByName("nope"); ok {
		t.Error("ByName of an unknown name succeeded")
	}
	if s := format.Unknown.String(); s != "unknown" {
		t.Errorf("Unknown.String() = %q", s)
	}
	if s := format.MustName("pdf").Engines.String(); s != "image-read,meta-read,text-read" {
		t.Errorf("pdf engines = %q", s)
	}
	if s := format.MustName("zip").Engines.String(); s != "none" {
		t.Errorf("zip engines = %q", s)
	}
}

// TestScanXMLProlog checks the offsets and subsets the image engine's SVG
// checks rely on.
func TestScanXMLProlog(t *testing.T) {
	doc := "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [<!ENTITY a \"]>\">]>\n<svg/>"
	p := format.ScanXMLProlog([]byte(doc))
	if p.Short || p.Root != "svg" || doc[p.Offset:] != "<svg/>" || string(p.Subset) != `<!ENTITY a "]>">` {
		t.Errorf("ScanXMLProlog = %+v", p)
	}
	for _, short := range []string{"<?xml version=\"1.0\"?>", "<!DOCTYPE svg [<!ENTITY a \"b\">", "<!-- no end", "<svg"} {
		if p := format.ScanXMLProlog([]byte(short)); !p.Short {
			t.Errorf("ScanXMLProlog(%q) = %+v, want Short", short, p)
		}
	}
	if p := format.ScanXMLProlog([]byte("hello <svg>")); p.Short || p.Root != "" {
		t.Errorf("ScanXMLProlog of text = %+v", p)
	}
}
