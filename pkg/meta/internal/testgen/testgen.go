// Package testgen writes a varied set of sample files for the metadata
// engine's tests and for scripts/compare-exiftool.sh: small images made
// with Go's encoders and tagged by exiftool (EXIF, GPS in every
// hemisphere, IPTC in UTF-8 and Latin-1, XMP with non-ASCII text,
// conflicting values, Extended XMP, Windows tags), a PDF updated by
// exiftool, and office, EPUB, HTML, SVG and e-mail documents written
// directly; and (formats.go) camera raw files of internal/rawtest,
// PostScript, EPS, Illustrator, InDesign, JPEG 2000 and PDF files tagged by
// exiftool, Office, OpenDocument and IDML packages, the long-tail raster
// formats, and JPEGs with the blocks readers disagree on (UTF-16 XMP,
// several XMP packets, EXIF segments or IPTC blocks).
package testgen

import (
	"archive/zip"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/image/tiff"
)

// Case is one generated file and the exiftool arguments that tag it.
type Case struct {
	Name string
	Base string   // "jpeg", "png", "tiff", "gif", "psd", "pdf", or a corpus file path
	Args []string // exiftool tag assignments
}

const longText = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. "

// Cases lists the exiftool-tagged files.
func Cases(corpus string) []Case {
	cs := []Case{
		{"full.jpg", "jpeg", []string{
			"-IFD0:Make=Canon", "-IFD0:Model=Canon EOS 5D Mark IV", "-ExifIFD:LensModel=EF24-70mm f/2.8L II USM",
			"-ExifIFD:DateTimeOriginal=2021:06:15 10:20:30", "-ExifIFD:OffsetTimeOriginal=+02:00",
			"-ExifIFD:SubSecTimeOriginal=25", "-IFD0:ModifyDate=2021:06:16 08:00:00",
			"-GPSLatitude=48.858370", "-GPSLatitudeRef=N", "-GPSLongitude=2.294481", "-GPSLongitudeRef=E",
			"-GPSAltitude=35.5", "-GPSAltitudeRef#=0", "-IFD0:Orientation#=6", "-ExposureTime=1/250",
			"-FNumber=2.8", "-ISO=400", "-FocalLength=50", "-IFD0:Artist=Jörg Müller",
			"-IFD0:Copyright=© 2021 Jörg Müller", "-XMP-dc:Title=Tour Eiffel à Paris",
			"-XMP-dc:Description=Ünïcödé déscription — 日本語のテキスト", "-XMP-dc:Subject=Paris",
			"-XMP-dc:Subject=Eiffel", "-XMP-dc:Subject=Été", "-XMP-photoshop:City=Paris",
			"-XMP-photoshop:Country=France", "-XMP-xmp:Rating=4", "-XMP-dc:Creator=Jörg Müller",
			"-XMP-dc:Rights=© 2021 Jörg Müller"}},
		{"south-west.jpg", "jpeg", []string{
			"-IFD0:Make=NIKON CORPORATION", "-IFD0:Model=NIKON D850", "-GPSLatitude=33.868800", "-GPSLatitudeRef=S",
			"-GPSLongitude=70.669300", "-GPSLongitudeRef=W", "-GPSAltitude=10.25", "-GPSAltitudeRef#=1",
			"-ExifIFD:DateTimeOriginal=2019:12:31 23:59:59", "-ExposureTime=1/8000", "-FNumber=16",
			"-ISO=64", "-FocalLength=14", "-IFD0:Orientation#=3"}},
		{"iptc-utf8.jpg", "jpeg", []string{
			"-IPTC:CodedCharacterSet=UTF8", "-IPTC:ObjectName=Ελληνικά και русский", "-IPTC:By-line=Zoë Ångström",
			"-IPTC:Keywords=naïve", "-IPTC:Keywords=café", "-IPTC:Keywords=日本", "-IPTC:City=Zürich",
			"-IPTC:Country-PrimaryLocationName=Schweiz", "-IPTC:CopyrightNotice=© Zoë",
			"-IPTC:Caption-Abstract=Ein Bild über Zürich", "-IPTC:DateCreated=2020:02:29",
			"-IPTC:TimeCreated=12:34:56+01:00"}},
		{"iptc-latin1.jpg", "jpeg", []string{"-charset", "iptc=Latin",
			"-IPTC:ObjectName=Café crème", "-IPTC:By-line=François", "-IPTC:Keywords=élève",
			"-IPTC:Keywords=Noël", "-IPTC:City=München", "-IPTC:Country-PrimaryLocationName=Österreich"}},
		{"conflict.jpg", "jpeg", []string{
			"-IFD0:ImageDescription=EXIF description", "-IPTC:Caption-Abstract=IPTC description",
			"-XMP-dc:Description=XMP description", "-IPTC:ObjectName=IPTC title", "-XMP-dc:Title=XMP title",
			"-IFD0:Artist=EXIF artist", "-IPTC:By-line=IPTC creator", "-IPTC:Keywords=iptc-only",
			"-IPTC:City=IPTC city", "-XMP-photoshop:City=XMP city"}},
		{"windows-tags.jpg", "jpeg", []string{
			"-XPTitle=Titre Windows", "-XPAuthor=Ana; Bo", "-XPKeywords=one;two;three", "-IFD0:Rating=3",
			"-IFD0:Make=Apple", "-IFD0:Model=iPhone 12", "-ExifIFD:LensModel=iPhone 12 back camera 4.2mm f/1.6"}},
		{"extended-xmp.jpg", "jpeg", []string{
			"-XMP-dc:Title=Extended", "-XMP-dc:Description=" + strings.Repeat(longText, 1400), "-XMP-xmp:Rating=5"}},
		{"tagged.png", "png", []string{
			"-XMP-dc:Title=PNG título", "-XMP-dc:Creator=Łukasz", "-XMP-dc:Subject=png", "-XMP-dc:Subject=ß",
			"-EXIF:Make=Google", "-EXIF:Model=Pixel 7", "-EXIF:DateTimeOriginal=2023:03:04 05:06:07",
			"-EXIF:GPSLatitude=-22.9519", "-EXIF:GPSLatitudeRef=S", "-EXIF:GPSLongitude=-43.2105", "-EXIF:GPSLongitudeRef=W",
			"-PNG:Author=PNG author"}},
		{"tagged.tif", "tiff", []string{
			"-IFD0:Make=FUJIFILM", "-IFD0:Model=X-T4", "-IFD0:Artist=Ørjan", "-XMP-dc:Subject=tiff",
			"-XMP-dc:Subject=Ørsted", "-IPTC:CodedCharacterSet=UTF8", "-IPTC:City=Tromsø", "-ExifIFD:FNumber=4",
			"-ExifIFD:ExposureTime=1/60", "-ExifIFD:ISO=800", "-ExifIFD:FocalLength=23",
			"-ExifIFD:DateTimeOriginal=2022:01:02 03:04:05", "-XMP-xmp:Rating=2"}},
		{"tagged.gif", "gif", []string{"-XMP-dc:Title=GIF with XMP", "-XMP-dc:Creator=Ann", "-XMP-xmp:Rating=1"}},
		{"tagged.psd", "psd", []string{
			"-IPTC:ObjectName=PSD title", "-IPTC:Keywords=psd", "-XMP-dc:Creator=PSD creator",
			"-XMP-photoshop:Country=Italia"}},
		{"tagged.pdf", "pdf", []string{
			"-PDF:Title=Rapport annuel été", "-PDF:Author=Zoë Ångström", "-PDF:Subject=Un résumé",
			"-PDF:Keywords=finance, 2024"}},
	}
	if corpus != "" {
		cs = append(cs,
			Case{"tagged.webp", filepath.Join(corpus, "animated-loop-3.webp"), []string{
				"-XMP-dc:Title=WebP title", "-XMP-dc:Creator=Wéb", "-EXIF:Make=Sony", "-EXIF:Model=ILCE-7M3"}},
			Case{"tagged.avif", filepath.Join(corpus, "pitm.avif"), []string{
				"-XMP-dc:Title=AVIF title", "-XMP-dc:Subject=avif", "-XMP-xmp:Rating=3"}},
		)
	}
	return cs
}

// Generate writes every case into dir and returns the paths written. It
// needs exiftool at the given path.
func Generate(dir, exiftool, corpus string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var out []string
	for _, c := range Cases(corpus) {
		p := filepath.Join(dir, c.Name)
		base, err := baseFile(c.Base)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		if err := os.WriteFile(p, base, 0o644); err != nil {
			return nil, err
		}
		args := append([]string{"-q", "-overwrite_original", "-codedcharacterset=utf8"}, c.Args...)
		if c.Args[0] == "-charset" {
			args = append([]string{"-q", "-overwrite_original"}, c.Args...)
		}
		cmd := exec.Command(exiftool, append(args, p)...)
		if msg, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("exiftool on %s: %v: %s", c.Name, err, msg)
		}
		out = append(out, p)
	}
	more, err := writeFormatCases(dir, exiftool)
	if err != nil {
		return nil, err
	}
	out = append(out, more...)
	for name, data := range Documents() {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func testImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 8), uint8(y * 8), 128, 255})
		}
	}
	return img
}

func baseFile(kind string) ([]byte, error) {
	var buf bytes.Buffer
	img := testImage(32, 24)
	var err error
	switch kind {
	case "jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80})
	case "png":
		err = png.Encode(&buf, img)
	case "tiff":
		err = tiff.Encode(&buf, img, nil)
	case "gif":
		err = gif.Encode(&buf, img, nil)
	case "psd":
		return PSD(32, 24), nil
	case "pdf":
		return PDF(3), nil
	default:
		return os.ReadFile(kind)
	}
	return buf.Bytes(), err
}

// PSD returns a minimal RGB Photoshop file with raw image data.
func PSD(w, h int) []byte {
	var b bytes.Buffer
	b.WriteString("8BPS")
	b.Write([]byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 3})
	b.Write(be32(uint32(h)))
	b.Write(be32(uint32(w)))
	b.Write([]byte{0, 8, 0, 3})
	b.Write(be32(0)) // colour mode data
	b.Write(be32(0)) // image resources
	b.Write(be32(0)) // layers and masks
	b.Write([]byte{0, 0})
	b.Write(make([]byte, w*h*3))
	return b.Bytes()
}

func be32(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }

// PDF returns a minimal PDF with the given number of empty pages and a
// classic cross-reference table.
func PDF(pages int) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	b.WriteString("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	kids := ""
	for i := 0; i < pages; i++ {
		kids += fmt.Sprintf("%d 0 R ", 3+i)
	}
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids, pages))
	for i := 0; i < pages; i++ {
		obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}

func zipFile(entries [][2]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		method := zip.Deflate
		if e[0] == "mimetype" {
			method = zip.Store
		}
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: e[0], Method: method})
		w.Write([]byte(e[1]))
	}
	zw.Close()
	return buf.Bytes()
}

// Documents returns generated non-image documents by file name.
func Documents() map[string][]byte {
	return map[string][]byte{
		"report.docx": zipFile([][2]string{
			{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
			{"word/document.xml", `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>`},
			{"docProps/core.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>Quarterly Report – Q3</dc:title><dc:subject>Finance</dc:subject><dc:creator>Renée Dupont</dc:creator>
<cp:keywords>finance; quarterly; résumé</cp:keywords><dc:description>Numbers for Q3</dc:description>
<cp:lastModifiedBy>Bob</cp:lastModifiedBy><cp:revision>7</cp:revision>
<dcterms:created xsi:type="dcterms:W3CDTF">2024-01-02T03:04:05Z</dcterms:created>
<dcterms:modified xsi:type="dcterms:W3CDTF">2024-02-03T04:05:06Z</dcterms:modified></cp:coreProperties>`},
			{"docProps/app.xml", `<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Office Word</Application><Pages>12</Pages><Words>3456</Words><Characters>20000</Characters><Company>ACME</Company></Properties>`},
		}),
		"notes.odt": zipFile([][2]string{
			{"mimetype", "application/vnd.oasis.opendocument.text"},
			{"meta.xml", `<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta>
<meta:generator>LibreOffice/7.4</meta:generator><dc:title>Notizen für Jürgen</dc:title><dc:description>Beschreibung</dc:description>
<meta:keyword>eins</meta:keyword><meta:keyword>zwei</meta:keyword><meta:initial-creator>Jürgen</meta:initial-creator>
<meta:creation-date>2023-05-06T07:08:09</meta:creation-date><dc:date>2023-06-07T08:09:10</dc:date>
<meta:document-statistic meta:page-count="4" meta:word-count="321"/></office:meta></office:document-meta>`},
		}),
		"book.epub": zipFile([][2]string{
			{"mimetype", "application/epub+zip"},
			{"META-INF/container.xml", `<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>`},
			{"OEBPS/content.opf", `<?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>Les Misérables</dc:title><dc:creator>Victor Hugo</dc:creator><dc:language>fr</dc:language><dc:subject>roman</dc:subject>
<dc:identifier>urn:isbn:9780000000000</dc:identifier><dc:date>1862</dc:date><meta property="dcterms:modified">2020-01-01T00:00:00Z</meta></metadata></package>`},
		}),
		"page.html": []byte(`<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Grüße aus Köln</title>
<meta name="author" content="Jürgen Bär"><meta name="description" content="Eine Seite"><meta name="keywords" content="köln, dom, rhein">
<meta name="generator" content="Hugo 0.110"></head><body><p>Hallo</p></body></html>`),
		"mail.eml": []byte("From: =?UTF-8?Q?Zo=C3=AB_=C3=85ngstr=C3=B6m?= <zoe@example.com>\r\nTo: a@example.com, b@example.com\r\n" +
			"Subject: =?UTF-8?B?UmVuZGV6LXZvdXMgw6AgUGFyaXM=?=\r\nDate: Tue, 5 Mar 2024 10:11:12 +0100\r\n" +
			"Message-ID: <1234@example.com>\r\nX-Mailer: Mailer 1.0\r\n\r\nBody text.\r\n"),
		"drawing.svg": []byte(`<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 400 200"><title>Dessin élégant</title><desc>A drawing</desc>
<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/">
<rdf:Description rdf:about=""><dc:creator><rdf:Seq><rdf:li>Inkscape User</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></metadata>
<rect width="10" height="10"/></svg>`),
	}
}
