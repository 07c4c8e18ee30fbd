package testgen

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unicode/utf16"

	"github.com/assetcompute/assetcompute/internal/officetest"
	"github.com/assetcompute/assetcompute/internal/rawtest"
	"github.com/assetcompute/assetcompute/pkg/internal/indd/inddtest"
)

// Tags written by exiftool into the camera raw samples.
var cameraTags = []string{
	"-ExifIFD:DateTimeOriginal=2022:07:08 09:10:11", "-ExifIFD:ExposureTime=1/125", "-ExifIFD:FNumber=5.6",
	"-ExifIFD:FocalLength=35", "-GPSLatitude=51.5007", "-GPSLatitudeRef=N", "-GPSLongitude=0.1246",
	"-GPSLongitudeRef=W", "-XMP-dc:Title=Raw título", "-XMP-dc:Creator=Ines Ørsted", "-XMP-dc:Subject=raw",
}

// formatCases are the samples of the camera raw, PostScript, InDesign,
// JPEG 2000 and PDF formats and of the JPEG trouble cases (UTF-16 XMP,
// several XMP packets): a generated base file (Case.Base names an entry
// of formatBases) tagged by exiftool where it can write the format.
func formatCases() []Case {
	with := func(extra ...string) []string { return append(append([]string(nil), cameraTags...), extra...) }
	return []Case{
		{"raw.dng", "dng", with("-IFD0:Make=Adobe", "-IFD0:UniqueCameraModel=Test DNG", "-IFD0:Model=DNG Camera", "-ExifIFD:ISO=320")},
		{"raw.nef", "nef", with("-IFD0:Make=NIKON CORPORATION", "-IFD0:Model=NIKON Z 6", "-ExifIFD:ISO=640")},
		{"raw.cr2", "cr2", with("-IFD0:Make=Canon", "-IFD0:Model=Canon EOS R5", "-ExifIFD:ISO=100")},
		{"raw.arw", "arw", with("-IFD0:Make=SONY", "-IFD0:Model=ILCE-7RM4", "-ExifIFD:ISO=250")},
		{"raw.orf", "orf", with("-ExifIFD:ISO=200")},
		{"raw.rw2", "rw2", nil},
		{"borders.rw2", "rw2-borders", with()},
		{"raw.raf", "raf", []string{"-XMP-dc:Title=Fuji", "-XMP-dc:Creator=Kenji"}},
		{"raw.cr3", "cr3", []string{"-XMP-dc:Title=CR3 título", "-XMP-dc:Creator=Canon User", "-ExifIFD:FNumber=4", "-ExifIFD:ExposureTime=1/30"}},
		{"raw.mrw", "mrw", []string{"-XMP-dc:Title=MRW title", "-ExifIFD:ISO=100", "-ExifIFD:DateTimeOriginal=2004:05:06 07:08:09"}},
		{"drawing.eps", "eps", []string{"-XMP-dc:Creator=Eve Ps", "-XMP-dc:Subject=eps", "-XMP-dc:Subject=vector"}},
		{"dos.eps", "doseps", []string{"-XMP-dc:Creator=Dos Author", "-XMP-dc:Rights=© Dos", "-XMP-dc:Description=DOS EPS with XMP"}},
		{"document.ps", "ps", []string{"-XMP-dc:Subject=ps", "-XMP-photoshop:City=Köln"}},
		{"legacy.ai", "ai", []string{"-XMP-dc:Title=Legacy XMP title", "-XMP-xmp:Rating=4"}},
		{"compatible.ai", "pdf", []string{"-PDF:Title=Illustrator art", "-PDF:Author=Ana Artista", "-XMP-dc:Subject=ai"}},
		{"xmp-exif.pdf", "pdf", []string{"-PDF:Title=PDF Info title", "-XMP-dc:Title=PDF XMP title",
			"-XMP-dc:Creator=XMP author", "-XMP-tiff:Make=Nikon", "-XMP-tiff:Model=D750",
			"-XMP-exif:DateTimeOriginal=2018:04:05 06:07:08", "-XMP-exif:GPSLatitude=10.5", "-XMP-exif:GPSLongitude=-20.25",
			"-XMP-photoshop:City=Lisboa"}},
		{"layout.indd", "indd", nil},
		{"picture.jp2", "jp2", []string{"-XMP-dc:Creator=Jean Deux", "-XMP-dc:Creator=Marie", "-XMP-dc:Title=JPEG 2000",
			"-XMP-dc:Rights=© Jean"}},
		{"utf16-xmp.jpg", "jpeg-utf16", nil},
		{"two-xmp.jpg", "jpeg-two-xmp", nil},
		{"two-exif-iptc.jpg", "jpeg-two-exif-iptc", nil},
		{"xmp-shapes.jpg", "jpeg-xmp-shapes", nil},
		{"xmp-attributes.jpg", "jpeg-xmp-attributes", nil},
		{"extended-conflict.jpg", "jpeg", []string{
			"-XMP-dc:Title=Main title", "-XMP-dc:Description=" + strings.Repeat("Extended text. ", 5000),
			"-IPTC:ObjectName=IPTC title", "-IPTC:Caption-Abstract=IPTC caption", "-IFD0:ImageDescription=EXIF caption",
			"-IPTC:Keywords=iptc", "-XMP-dc:Subject=xmp", "-IFD0:Artist=EXIF artist", "-XMP-dc:Creator=XMP creator",
			"-IFD0:Make=Leica", "-XMP-tiff:Make=Leica Camera AG", "-ExifIFD:DateTimeOriginal=2020:01:01 00:00:00",
			"-XMP-exif:DateTimeOriginal=2020:01:02 00:00:00"}},
	}
}

// formatDocuments are the samples no tool here writes tags into: their
// metadata is part of the generated file.
func formatDocuments() map[string][]byte {
	core := func(title, creator string) officetest.Part {
		return officetest.Part{Name: "docProps/core.xml", Data: []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>` + title + `</dc:title><dc:creator>` + creator + `</dc:creator><cp:keywords>alpha, beta</cp:keywords><dc:description>About ` + title + `</dc:description>
<dcterms:modified xsi:type="dcterms:W3CDTF">2024-03-04T05:06:07Z</dcterms:modified></cp:coreProperties>`)}
	}
	ooxml := func(mainPart, mainXML, title, creator, app string) []byte {
		return officetest.Zip(
			officetest.Part{Name: "[Content_Types].xml", Data: []byte(`<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)},
			officetest.Part{Name: "_rels/.rels", Data: []byte(`<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="` + mainPart + `"/></Relationships>`)},
			officetest.Part{Name: mainPart, Data: []byte(mainXML)},
			core(title, creator),
			officetest.Part{Name: "docProps/app.xml", Data: []byte(`<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">` + app + `</Properties>`)},
		)
	}
	odf := func(mime, title string, pages int) []byte {
		return officetest.Zip(
			officetest.Part{Name: "mimetype", Data: []byte(mime), Store: true},
			officetest.Part{Name: "meta.xml", Data: []byte(`<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta>
<dc:title>` + title + `</dc:title><meta:keyword>odf</meta:keyword><meta:initial-creator>Olga Öd</meta:initial-creator><dc:date>2023-01-02T03:04:05</dc:date>
<meta:document-statistic meta:page-count="` + fmt.Sprint(pages) + `"/></office:meta></office:document-meta>`)},
		)
	}
	idml := officetest.Zip(
		officetest.Part{Name: "mimetype", Data: []byte("application/vnd.adobe.indesign-idml-package"), Store: true},
		officetest.Part{Name: "META-INF/metadata.xml", Data: []byte(inddtest.Packet("IDML título", "Grace Hopper", nil))},
		officetest.Part{Name: "designmap.xml", Data: []byte(`<?xml version="1.0"?><Document/>`)},
	)
	return map[string][]byte{
		"letter.docx": ooxml("word/document.xml", `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>`,
			"Lettre à Zoë", "Zoë Writer", "<Pages>2</Pages>"),
		"numbers.xlsx": ooxml("xl/workbook.xml", `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>`,
			"Budget 2025", "Carl Calc", "<Application>Microsoft Excel</Application>"),
		"slides.pptx": ooxml("ppt/presentation.xml", `<?xml version="1.0"?><p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>`,
			"Keynote €", "Pia Present", "<Slides>5</Slides>"),
		"sheet.ods":     odf("application/vnd.oasis.opendocument.spreadsheet", "Tabelle", 1),
		"deck.odp":      odf("application/vnd.oasis.opendocument.presentation", "Präsentation", 3),
		"story.idml":    idml,
		"tail.tga":      tga(33, 21),
		"tail.ppm":      []byte("P6\n# generated\n33 21\n255\n" + strings.Repeat("\x80", 33*21*3)),
		"tail.pgm":      []byte("P5\n33 21\n255\n" + strings.Repeat("\x80", 33*21)),
		"tail.sgi":      sgi(33, 21),
		"tail.pcx":      pcx(33, 21),
		"tail.hdr":      []byte("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 21 +X 33\n" + strings.Repeat("\x80\x80\x80\x80", 33*21)),
		"tail.exr":      exr(33, 21),
		"flate-xmp.pdf": pdfFlateXMP(),
	}
}

func formatBase(kind string) ([]byte, bool) {
	switch kind {
	case "dng":
		return rawtest.DNG{Width: 64, Height: 48, PreviewWidth: 32, PreviewHeight: 24}.Bytes(), true
	case "nef":
		return rawtest.TIFFRaw{Width: 64, Height: 48, PreviewWidth: 32, PreviewHeight: 24}.NEF(), true
	case "cr2":
		return rawtest.TIFFRaw{Width: 64, Height: 48, PreviewWidth: 32, PreviewHeight: 24}.CR2(), true
	case "arw":
		return rawtest.TIFFRaw{Width: 64, Height: 48, PreviewWidth: 32, PreviewHeight: 24}.ARW(), true
	case "orf":
		return rawtest.TIFF(&rawtest.IFD{Entries: []rawtest.Entry{
			rawtest.Longs(0x0100, 64), rawtest.Longs(0x0101, 48),
			rawtest.String(0x010F, "OLYMPUS IMAGING CORP."), rawtest.String(0x0110, "E-M1"),
			rawtest.Shorts(0x0112, 1), rawtest.String(0x0132, "2021:02:03 04:05:06"),
		}}, 0x4F52), true
	case "rw2":
		// The ISO is in IFD0 (tag 0x17, the Panasonic raw ISO), where
		// exiftool reports it, as PanasonicRaw:ISO.
		return rawtest.TIFF(&rawtest.IFD{Entries: []rawtest.Entry{
			rawtest.Shorts(0x0002, 64), rawtest.Shorts(0x0003, 48), rawtest.Shorts(0x0017, 1600),
			rawtest.String(0x010F, "Panasonic"), rawtest.String(0x0110, "DC-GH5"), rawtest.Shorts(0x0112, 1),
			rawtest.BlobAt(0x002E, rawtest.ExifJPEG(32, 24, 1)),
		}}, 0x55), true
	case "rw2-borders":
		return rawtest.TIFF(&rawtest.IFD{Entries: []rawtest.Entry{
			rawtest.Shorts(0x0002, 80), rawtest.Shorts(0x0003, 60), rawtest.Shorts(0x0004, 2), rawtest.Shorts(0x0005, 4),
			rawtest.Shorts(0x0006, 58), rawtest.Shorts(0x0007, 76), rawtest.Shorts(0x0017, 3200),
			rawtest.String(0x010F, "Panasonic"), rawtest.String(0x0110, "DC-S5"), rawtest.Shorts(0x0112, 8),
		}}, 0x55), true
	case "raf":
		return rawtest.RAF(64, 48, 32, 24, 6), true
	case "cr3":
		return rawtest.CR3{Width: 64, Height: 48, PreviewWidth: 32, PreviewHeight: 24,
			DateTimeOriginal: "2024:05:06 07:08:09", ISO: 800}.Bytes(), true
	case "mrw":
		ttw := rawtest.TIFF(&rawtest.IFD{Entries: []rawtest.Entry{
			rawtest.String(0x010F, "Minolta Co., Ltd."), rawtest.String(0x0110, "DiMAGE A2"), rawtest.Shorts(0x0112, 8)}}, 42)
		b := []byte("\x00MRM")
		b = binary.BigEndian.AppendUint32(b, uint32(8+len(ttw)))
		b = append(b, "\x00TTW"...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(ttw)))
		return append(b, ttw...), true
	case "eps":
		return []byte(eps("EPSF-3.0", "Logo (final)", "Adobe Illustrator(R) 24.0")), true
	case "doseps":
		ps := []byte(eps("EPSF-3.0", "Binary header", "Eve"))
		tif := rawtest.TIFF(&rawtest.IFD{Entries: []rawtest.Entry{rawtest.Longs(0x0100, 8), rawtest.Longs(0x0101, 8)}}, 42)
		h := make([]byte, 30)
		copy(h, "\xC5\xD0\xD3\xC6")
		binary.LittleEndian.PutUint32(h[4:], 30)
		binary.LittleEndian.PutUint32(h[8:], uint32(len(ps)))
		binary.LittleEndian.PutUint32(h[20:], uint32(30+len(ps)))
		binary.LittleEndian.PutUint32(h[24:], uint32(len(tif)))
		h[28], h[29] = 0xFF, 0xFF
		return append(append(h, ps...), tif...), true
	case "ps":
		return []byte("%!PS-Adobe-3.0\n%%Title: Quarterly report\n%%For: Paul Script\n%%Creator: Writer\n%%Pages: (atend)\n" +
			"%%CreationDate: D:20200102030405Z\n%%EndComments\n%%Page: 1 1\nshowpage\n%%Page: 2 2\nshowpage\n%%Trailer\n%%Pages: 2\n%%EOF\n"), true
	case "ai":
		return []byte(eps("", "Legacy art", "Adobe Illustrator(R) 8.0")), true
	case "indd":
		return inddtest.Document(inddtest.Packet("Brochure été", "Ada Lovelace", nil), 8), true
	case "jp2":
		return jp2(32, 24), true
	case "jpeg-utf16":
		return jpegWithXMP(utf16XMP("UTF-16 title", "Ünï Cödé")), true
	case "jpeg-two-exif-iptc":
		return jpegWithSegments(
			exifSegment("First make", "2001:01:01 01:01:01"), exifSegment("Second make", ""),
			iptcSegment("First IPTC title", "first"), iptcSegment("Second IPTC title", "second")), true
	case "jpeg-xmp-shapes":
		// Simple values where arrays belong, a parseType="Resource"
		// title, GPS as XMP strings, a partial date.
		return jpegWithXMP(xmpDescription(``, `<dc:creator>Plain Name</dc:creator><dc:subject>single</dc:subject>`+
			`<dc:title rdf:parseType="Resource"><rdf:value>Resource title</rdf:value></dc:title>`+
			`<exif:GPSLatitude>48,51.5N</exif:GPSLatitude><exif:GPSLongitude>2,17.6W</exif:GPSLongitude>`+
			`<exif:GPSAltitude>100/3</exif:GPSAltitude><exif:GPSAltitudeRef>1</exif:GPSAltitudeRef>`+
			`<exif:FNumber>28/10</exif:FNumber><exif:ExposureTime>1/200</exif:ExposureTime><xmp:ModifyDate>2021-05</xmp:ModifyDate>`)), true
	case "jpeg-xmp-attributes":
		return jpegWithXMP(xmpDescription(`photoshop:City="Attr City" xmp:Rating="2" tiff:Make="AttrMake" exif:DateTimeOriginal="2020-01-02T03:04:05"`,
			`<dc:title><rdf:Alt><rdf:li xml:lang="de">Deutsch</rdf:li><rdf:li xml:lang="x-default">Default</rdf:li></rdf:Alt></dc:title>`+
				`<dc:creator><rdf:Bag><rdf:li>B1</rdf:li><rdf:li>B2</rdf:li></rdf:Bag></dc:creator>`)), true
	case "jpeg-two-xmp":
		return jpegWithXMP(xmpPacket("First packet", "First creator"), xmpPacket("Second packet", "Second creator")), true
	}
	return nil, false
}

func eps(kind, title, creator string) string {
	if kind != "" {
		kind = " " + kind
	}
	return "%!PS-Adobe-3.0" + kind + "\n%%BoundingBox: 0 0 120 80\n%%Title: (" + strings.NewReplacer("(", `\(`, ")", `\)`).Replace(title) + ")\n" +
		"%%Creator: " + creator + "\n%%For: Eve Artist\n%%CreationDate: (3/4/22) (10:11)\n%%EndComments\n0 0 moveto showpage\n%%EOF\n"
}

func xmpPacket(title, creator string) string {
	return `<?xpacket begin="` + "\ufeff" + `" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
		`<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/">` +
		`<dc:title><rdf:Alt><rdf:li xml:lang="x-default">` + title + `</rdf:li></rdf:Alt></dc:title>` +
		`<dc:creator><rdf:Seq><rdf:li>` + creator + `</rdf:li></rdf:Seq></dc:creator><xmp:Rating>3</xmp:Rating>` +
		`</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
}

// xmpDescription is an XMP packet of one rdf:Description with the given
// attributes and content.
func xmpDescription(attrs, inner string) string {
	return `<?xpacket begin="` + "\ufeff" + `" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
		`<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" ` +
		`xmlns:tiff="http://ns.adobe.com/tiff/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/" ` + attrs + `>` + inner +
		`</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
}

// utf16XMP is an XMP packet encoded in UTF-16 (big-endian, with a BOM).
func utf16XMP(title, creator string) string {
	p := strings.Replace(xmpPacket(title, creator), "\ufeff", "\ufeff", 1)
	var b bytes.Buffer
	for _, u := range utf16.Encode([]rune(p)) {
		b.WriteByte(byte(u >> 8))
		b.WriteByte(byte(u))
	}
	return b.String()
}

// jpegWithXMP inserts one APP1 XMP segment per packet after the SOI of a
// generated JPEG.
func jpegWithXMP(packets ...string) []byte {
	var segs [][]byte
	for _, p := range packets {
		segs = append(segs, append([]byte{0xFF, 0xE1}, "http://ns.adobe.com/xap/1.0/\x00"+p...))
	}
	return jpegWithSegments(segs...)
}

// jpegWithSegments inserts segments (marker and payload, without the
// length) after the SOI of a generated JPEG.
func jpegWithSegments(segs ...[]byte) []byte {
	base, _ := baseFile("jpeg")
	out := append([]byte(nil), base[:2]...)
	for _, s := range segs {
		n := len(s) // the payload and the two length bytes
		out = append(out, s[0], s[1], byte(n>>8), byte(n))
		out = append(out, s[2:]...)
	}
	return append(out, base[2:]...)
}

// exifSegment is an APP1 EXIF segment with Make (and DateTime when set)
// in IFD0.
func exifSegment(make, date string) []byte {
	e := []rawtest.Entry{rawtest.String(0x010F, make)}
	if date != "" {
		e = append(e, rawtest.String(0x0132, date))
	}
	return append([]byte{0xFF, 0xE1}, append([]byte("Exif\x00\x00"), rawtest.TIFF(&rawtest.IFD{Entries: e}, 42)...)...)
}

// iptcSegment is an APP13 Photoshop segment with an IPTC block holding
// ObjectName and one keyword (UTF-8 declared).
func iptcSegment(title, keyword string) []byte {
	ds := func(rec, tag byte, v string) []byte {
		return append([]byte{0x1C, rec, tag, byte(len(v) >> 8), byte(len(v))}, v...)
	}
	iptc := append(ds(1, 90, "\x1b%G"), ds(2, 5, title)...)
	iptc = append(iptc, ds(2, 25, keyword)...)
	res := []byte("8BIM\x04\x04\x00\x00")
	res = binary.BigEndian.AppendUint32(res, uint32(len(iptc)))
	res = append(res, iptc...)
	if len(iptc)%2 == 1 {
		res = append(res, 0)
	}
	return append([]byte{0xFF, 0xED}, append([]byte("Photoshop 3.0\x00"), res...)...)
}

func box(typ string, payload []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(payload)))
	return append(append(b, typ...), payload...)
}

// jp2 returns a JP2 file: signature, ftyp, jp2h (ihdr, colr) and a
// codestream holding only its SIZ marker segment.
func jp2(w, h int) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(h))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(w))
	ihdr = append(ihdr, 0, 3, 7, 7, 0, 0)
	colr := []byte{1, 0, 0, 0, 0, 0, 16}
	siz := []byte{0xFF, 0x4F, 0xFF, 0x51, 0, 47, 0, 0}
	for _, v := range []int{w, h, 0, 0, w, h, 0, 0} {
		siz = binary.BigEndian.AppendUint32(siz, uint32(v))
	}
	siz = append(siz, 0, 3, 7, 1, 1, 7, 1, 1, 7, 1, 1, 0xFF, 0xD9)
	var b []byte
	b = append(b, box("jP  ", []byte{0x0D, 0x0A, 0x87, 0x0A})...)
	b = append(b, box("ftyp", []byte("jp2 \x00\x00\x00\x00jp2 "))...)
	b = append(b, box("jp2h", append(box("ihdr", ihdr), box("colr", colr)...))...)
	return append(b, box("jp2c", siz)...)
}

func tga(w, h int) []byte {
	b := make([]byte, 18+w*h*3)
	b[2], b[16] = 2, 24
	binary.LittleEndian.PutUint16(b[12:], uint16(w))
	binary.LittleEndian.PutUint16(b[14:], uint16(h))
	return b
}

func sgi(w, h int) []byte {
	b := make([]byte, 512+w*h*3)
	binary.BigEndian.PutUint16(b, 474)
	b[3] = 1
	binary.BigEndian.PutUint16(b[4:], 3)
	binary.BigEndian.PutUint16(b[6:], uint16(w))
	binary.BigEndian.PutUint16(b[8:], uint16(h))
	binary.BigEndian.PutUint16(b[10:], 3)
	binary.BigEndian.PutUint32(b[16:], 255)
	return b
}

func pcx(w, h int) []byte {
	b := make([]byte, 128)
	b[0], b[1], b[2], b[3] = 0x0A, 5, 1, 8
	binary.LittleEndian.PutUint16(b[8:], uint16(w-1))
	binary.LittleEndian.PutUint16(b[10:], uint16(h-1))
	binary.LittleEndian.PutUint16(b[12:], 72)
	binary.LittleEndian.PutUint16(b[14:], 72)
	b[65] = 3
	binary.LittleEndian.PutUint16(b[66:], uint16(w+w%2))
	binary.LittleEndian.PutUint16(b[68:], 1)
	for y := 0; y < h*3; y++ {
		for x := 0; x < w+w%2; x++ {
			b = append(b, 0x40)
		}
	}
	return b
}

// exr returns an OpenEXR header (scanline, uncompressed, one HALF
// channel) with its offset table; the pixels are zero.
func exr(w, h int) []byte {
	b := []byte{0x76, 0x2F, 0x31, 0x01, 2, 0, 0, 0}
	attr := func(name, typ string, v []byte) {
		b = append(b, name+"\x00"+typ+"\x00"...)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
		b = append(b, v...)
	}
	le := func(vs ...uint32) []byte {
		var o []byte
		for _, v := range vs {
			o = binary.LittleEndian.AppendUint32(o, v)
		}
		return o
	}
	attr("channels", "chlist", append(append([]byte("Y\x00"), le(1, 0, 1, 1)...), 0))
	attr("compression", "compression", []byte{0})
	attr("dataWindow", "box2i", le(0, 0, uint32(w-1), uint32(h-1)))
	attr("displayWindow", "box2i", le(0, 0, uint32(w-1), uint32(h-1)))
	attr("lineOrder", "lineOrder", []byte{0})
	attr("pixelAspectRatio", "float", le(0x3F800000))
	attr("screenWindowCenter", "v2f", le(0, 0))
	attr("screenWindowWidth", "float", le(0x3F800000))
	b = append(b, 0)
	start := len(b) + 8*h
	for y := 0; y < h; y++ {
		b = binary.LittleEndian.AppendUint64(b, uint64(start+y*(8+2*w)))
	}
	for y := 0; y < h; y++ {
		b = append(b, le(uint32(y), uint32(2*w))...)
		b = append(b, make([]byte, 2*w)...)
	}
	return b
}

// writeFormatCases writes the format cases into dir.
func writeFormatCases(dir, exiftool string) ([]string, error) {
	var out []string
	for _, c := range formatCases() {
		p := filepath.Join(dir, c.Name)
		base, ok := formatBase(c.Base)
		if !ok {
			var err error
			if base, err = baseFile(c.Base); err != nil {
				return nil, fmt.Errorf("%s: %w", c.Name, err)
			}
		}
		if err := os.WriteFile(p, base, 0o644); err != nil {
			return nil, err
		}
		if len(c.Args) > 0 {
			args := append([]string{"-q", "-overwrite_original", "-codedcharacterset=utf8"}, c.Args...)
			if msg, err := exec.Command(exiftool, append(args, p)...).CombinedOutput(); err != nil {
				return nil, fmt.Errorf("exiftool on %s: %v: %s", c.Name, err, msg)
			}
		}
		out = append(out, p)
	}
	for name, data := range formatDocuments() {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// pdfFlateXMP returns a PDF whose XMP metadata stream is Flate-compressed,
// with EXIF and TIFF properties and a creator list that differ from its
// Info dictionary.
func pdfFlateXMP() []byte {
	x := `<?xpacket begin="` + "\ufeff" + `" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
		`<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">` +
		`<dc:creator><rdf:Seq><rdf:li>Ann Xmp</rdf:li><rdf:li>Bob Xmp</rdf:li></rdf:Seq></dc:creator>` +
		`<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Compressed XMP</rdf:li></rdf:Alt></dc:title>` +
		`<dc:subject><rdf:Bag><rdf:li>flate</rdf:li><rdf:li>xmp</rdf:li></rdf:Bag></dc:subject>` +
		`<tiff:Make>Canon</tiff:Make><tiff:Model>EOS R</tiff:Model><exif:DateTimeOriginal>2019-09-10T11:12:13</exif:DateTimeOriginal>` +
		`<exif:ISOSpeedRatings><rdf:Seq><rdf:li>250</rdf:li></rdf:Seq></exif:ISOSpeedRatings>` +
		`</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="r"?>`
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte(x))
	zw.Close()
	var b bytes.Buffer
	var offs []int
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	b.WriteString("%PDF-1.6\n%\xE2\xE3\xCF\xD3\n")
	obj("<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>")
	obj(fmt.Sprintf("<< /Type /Metadata /Subtype /XML /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", z.Len(), z.Bytes()))
	obj("<< /Title (Info title) /Author (Info author) /Keywords (info) /ModDate (D:20190910111213+02'00') >>")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}
