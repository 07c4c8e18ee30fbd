package main

// The hostile corpus: files that lie about their type, declare sizes they do
// not have, expand without bound, loop, nest deeply or stop half way, for
// every family of source the service reads. Each entry says which outcome
// the contract requires where one is fixed (a zero-byte file is SourceCorrupt
// for every rendition); entries without expectations only must not crash,
// hang, lose an event or leave a partial file.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"strings"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/assetcompute/assetcompute/internal/pdftest"
)

// sample is one file of the corpus.
type sample struct {
	name string // file name; its extension is what a client would send
	what string // what is hostile about it
	data func() []byte
	// want maps a family (image, metadata, text) to the reason its
	// renditions must fail with, or "created".
	want map[string]string
}

// everywhere expects the same outcome from every family.
func everywhere(reason string) map[string]string {
	return map[string]string{"image": reason, "metadata": reason, "text": reason}
}

const (
	gib = int64(1) << 30
	mib = int64(1) << 20
)

// gradient is a small colourful picture to encode in every format.
func gradient(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	return m
}

func encodeJPEG() []byte {
	var b bytes.Buffer
	jpeg.Encode(&b, gradient(320, 240), &jpeg.Options{Quality: 85})
	return b.Bytes()
}

func encodePNG() []byte {
	var b bytes.Buffer
	png.Encode(&b, gradient(320, 240))
	return b.Bytes()
}

func encodeGIF(frames int) []byte {
	g := &gif.GIF{}
	pal := color.Palette{color.Black, color.White, color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}}
	for i := 0; i < frames; i++ {
		m := image.NewPaletted(image.Rect(0, 0, 64, 64), pal)
		for p := range m.Pix {
			m.Pix[p] = uint8((p/64 + i) % 4)
		}
		g.Image = append(g.Image, m)
		g.Delay = append(g.Delay, 5)
	}
	var b bytes.Buffer
	gif.EncodeAll(&b, g)
	return b.Bytes()
}

func encodeTIFF() []byte {
	var b bytes.Buffer
	tiff.Encode(&b, gradient(320, 240), nil)
	return b.Bytes()
}

func encodeBMP() []byte {
	var b bytes.Buffer
	bmp.Encode(&b, gradient(320, 240))
	return b.Bytes()
}

// truncate keeps the first frac of b.
func truncate(b []byte, frac float64) []byte { return b[:int(float64(len(b))*frac)] }

// jpegSOF3 is a lossless (process 3) JPEG header: SOI, a SOF3 frame header
// for 64x64 8-bit grey, a Huffman table, a scan header and some entropy
// bytes. libjpeg refuses the process; it is not corrupt.
func jpegSOF3() []byte {
	b := []byte{0xff, 0xd8}
	b = append(b, 0xff, 0xc3, 0, 11, 8, 0, 64, 0, 64, 1, 1, 0x11, 0)
	// DHT: class 0 id 0, one code of length 1 for symbol 0.
	dht := []byte{0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	b = append(b, 0xff, 0xc4, 0, byte(2+len(dht)))
	b = append(b, dht...)
	b = append(b, 0xff, 0xda, 0, 8, 1, 1, 0x00, 1, 0, 0)
	b = append(b, bytes.Repeat([]byte{0x00}, 600)...)
	return append(b, 0xff, 0xd9)
}

// jpegHugeSOF is a baseline JPEG whose frame header declares 65500x65500
// pixels, followed by a few bytes of scan data.
func jpegHugeSOF() []byte {
	src := encodeJPEG()
	i := bytes.Index(src, []byte{0xff, 0xc0})
	out := bytes.Clone(src)
	binary.BigEndian.PutUint16(out[i+5:], 65500)
	binary.BigEndian.PutUint16(out[i+7:], 65500)
	return out
}

// tiffIFDLoop is a little-endian TIFF whose first IFD points at itself as
// the next one: a reader that follows the chain never ends.
func tiffIFDLoop() []byte {
	var b bytes.Buffer
	b.WriteString("II*\x00")
	binary.Write(&b, binary.LittleEndian, uint32(8))
	type entry struct {
		tag, typ uint16
		count    uint32
		value    uint32
	}
	entries := []entry{
		{256, 3, 1, 16}, {257, 3, 1, 16}, {258, 3, 1, 8}, {259, 3, 1, 1},
		{262, 3, 1, 1}, {273, 4, 1, 0}, {277, 3, 1, 1}, {278, 3, 1, 16}, {279, 4, 1, 256},
	}
	dataOff := uint32(8 + 2 + len(entries)*12 + 4)
	entries[5].value = dataOff
	binary.Write(&b, binary.LittleEndian, uint16(len(entries)))
	for _, e := range entries {
		binary.Write(&b, binary.LittleEndian, e)
	}
	binary.Write(&b, binary.LittleEndian, uint32(8)) // next IFD: this one
	b.Write(bytes.Repeat([]byte{0x80}, 256))
	return b.Bytes()
}

// tiffHuge is a TIFF declaring 1000000x1000000 pixels in one strip of 256
// bytes.
func tiffHuge() []byte {
	b := tiffIFDLoop()
	// width and height entries are the first two; their values at 8+2+8.
	binary.LittleEndian.PutUint16(b[8+2+8:], 0)
	binary.LittleEndian.PutUint16(b[8+2+2:], 4) // type LONG
	binary.LittleEndian.PutUint32(b[8+2+8:], 1000000)
	binary.LittleEndian.PutUint16(b[8+2+12+2:], 4)
	binary.LittleEndian.PutUint32(b[8+2+12+8:], 1000000)
	// next IFD: none
	binary.LittleEndian.PutUint32(b[8+2+9*12:], 0)
	return b
}

// bmpHuge is a BMP header declaring 100000x100000 pixels at 24 bits and a
// few bytes of data.
func bmpHuge() []byte {
	b := encodeBMP()[:54+64]
	binary.LittleEndian.PutUint32(b[18:], 100000)
	binary.LittleEndian.PutUint32(b[22:], 100000)
	return b
}

// psdHuge is a PSD header declaring 300000x300000 (beyond the format's
// limit) RGB pixels.
func psdHuge() []byte {
	var b bytes.Buffer
	b.WriteString("8BPS")
	binary.Write(&b, binary.BigEndian, uint16(1))
	b.Write(make([]byte, 6))
	binary.Write(&b, binary.BigEndian, uint16(3))
	binary.Write(&b, binary.BigEndian, uint32(300000))
	binary.Write(&b, binary.BigEndian, uint32(300000))
	binary.Write(&b, binary.BigEndian, uint16(8))
	binary.Write(&b, binary.BigEndian, uint16(3))
	b.Write(make([]byte, 12)) // empty colour mode, resources, layers
	binary.Write(&b, binary.BigEndian, uint16(0))
	b.Write(make([]byte, 100))
	return b.Bytes()
}

// gifHugeScreen is a GIF whose logical screen and single frame declare
// 65535x65535 pixels, with an LZW stream that ends at once.
func gifHugeScreen() []byte {
	var b bytes.Buffer
	b.WriteString("GIF89a")
	binary.Write(&b, binary.LittleEndian, uint16(65535))
	binary.Write(&b, binary.LittleEndian, uint16(65535))
	b.Write([]byte{0x80, 0, 0}) // global table of 2 colours
	b.Write([]byte{0, 0, 0, 255, 255, 255})
	b.WriteByte(0x2c)
	binary.Write(&b, binary.LittleEndian, [4]uint16{0, 0, 65535, 65535})
	b.WriteByte(0)
	b.WriteByte(2)                       // LZW minimum code size
	b.Write([]byte{3, 0x84, 0x8f, 0x02}) // a short code stream
	b.WriteByte(0)
	b.WriteByte(0x3b)
	return b.Bytes()
}

// svgs are SVG sources, from honest to hostile.
var svgs = map[string]string{
	"svg-illustrator-dtd.svg": `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [
	<!ENTITY ns_extend "http://ns.adobe.com/Extensibility/1.0/">
	<!ENTITY ns_svg "http://www.w3.org/2000/svg">
	<!ENTITY ns_xlink "http://www.w3.org/1999/xlink">
]>
<svg version="1.1" xmlns="&ns_svg;" xmlns:xlink="&ns_xlink;" width="200" height="100" viewBox="0 0 200 100">
<rect x="10" y="10" width="180" height="80" fill="#3366cc"/><text x="20" y="60">Illustrator</text>
</svg>`,
	"svg-billion-laughs.svg": `<?xml version="1.0"?>
<!DOCTYPE svg [
<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
<!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
<!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><text x="0" y="50">&i;</text></svg>`,
	"svg-xxe-file.svg": `<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><text x="0" y="50">&secret;</text></svg>`,
	"svg-external-image.svg": `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100">
<image href="http://169.254.169.254/latest/meta-data/" width="100" height="100"/>
<image xlink:href="file:///etc/passwd" width="100" height="100"/></svg>`,
	"svg-huge-canvas.svg": `<svg xmlns="http://www.w3.org/2000/svg" width="10000000" height="10000000"><rect width="100%" height="100%" fill="red"/></svg>`,
	"svg-deep-groups.svg": `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">` +
		strings.Repeat("<g>", 100000) + `<rect width="10" height="10"/>` + strings.Repeat("</g>", 100000) + `</svg>`,
	"svg-filter-storm.svg": `<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="4000"><defs><filter id="f">` +
		strings.Repeat(`<feGaussianBlur stdDeviation="200"/>`, 200) + `</filter></defs><rect width="4000" height="4000" filter="url(#f)"/></svg>`,
	"svg-no-text.svg": `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="30" fill="green"/></svg>`,
}

// minimalDOCX is a valid Word document without docProps.
func minimalDOCX(body string) []zipEntry {
	return []zipEntry{
		{name: "[Content_Types].xml", data: []byte(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`)},
		{name: "_rels/.rels", data: []byte(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`)},
		{name: "word/document.xml", data: []byte(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body + `</w:body></w:document>`)},
	}
}

const docxPrefix = `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`
const docxSuffix = `</w:body></w:document>`

// docxWith replaces the document part of a minimal docx.
func docxWith(doc zipEntry) []byte {
	e := minimalDOCX("")
	e[2] = doc
	return zipFile(e...)
}

// odtWith is an OpenDocument text whose content.xml is content.
func odtWith(content zipEntry) []byte {
	return zipFile(
		zipEntry{name: "mimetype", data: []byte("application/vnd.oasis.opendocument.text")},
		zipEntry{name: "META-INF/manifest.xml", data: []byte(`<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`)},
		content,
	)
}

// epubWith is an EPUB with one chapter.
func epubWith(chapter zipEntry) []byte {
	return zipFile(
		zipEntry{name: "mimetype", data: []byte("application/epub+zip")},
		zipEntry{name: "META-INF/container.xml", data: []byte(`<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>`)},
		zipEntry{name: "OEBPS/content.opf", data: []byte(`<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Bomb</dc:title><dc:identifier id="id">x</dc:identifier></metadata><manifest><item id="c1" href="ch1.xhtml" media-type="application/xhtml+xml"/></manifest><spine><itemref idref="c1"/></spine></package>`)},
		chapter,
	)
}

// manyEntriesZip is a docx with n extra empty members.
func manyEntriesZip(n int) []byte {
	e := minimalDOCX("<w:p><w:r><w:t>many members</w:t></w:r></w:p>")
	for i := 0; i < n; i++ {
		e = append(e, zipEntry{name: fmt.Sprintf("junk/%06d.xml", i), data: nil})
	}
	return zipFile(e...)
}

// encryptedPDF is a PDF with a standard security handler whose user
// password is not empty: its strings and streams cannot be read without it.
func encryptedPDF() []byte {
	p := &pdf{}
	p.add("<< /Type /Catalog /Pages 2 0 R >>")
	p.add("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	p.add("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>")
	p.addStream("", []byte("\x93\x11\x8a\x07 encrypted bytes \xfe\x01"))
	o := strings.Repeat("\x5a", 32)
	u := strings.Repeat("\xa5", 32)
	enc := p.add(fmt.Sprintf("<< /Filter /Standard /V 1 /R 2 /O <%x> /U <%x> /P -44 >>", o, u))
	p.trailer = fmt.Sprintf("/Root 1 0 R /Encrypt %d 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]", enc)
	return p.bytes()
}

// pdfPrevLoop is a PDF whose trailer's /Prev points at its own xref.
func pdfPrevLoop() []byte {
	b := textPDF(1, nil)
	i := bytes.LastIndex(b, []byte("startxref\n"))
	var off int
	fmt.Sscanf(string(b[i+len("startxref\n"):]), "%d", &off)
	return bytes.Replace(b, []byte("/Root 1 0 R"), fmt.Appendf(nil, "/Root 1 0 R /Prev %d", off), 1)
}

// pdfDeepArray is a PDF whose page dictionary holds arrays nested 200000
// deep.
func pdfDeepArray() []byte {
	return textPDF(1, func(p *pdf, catalog string) string {
		deep := p.add(strings.Repeat("[", 200000) + strings.Repeat("]", 200000))
		return catalog + fmt.Sprintf(" /Deep %d 0 R", deep)
	})
}

// pdfPageCountLie declares a billion pages and has one.
func pdfPageCountLie() []byte {
	b := textPDF(1, nil)
	return bytes.Replace(b, []byte("/Count 1 "), []byte("/Count 1000000000 "), 1)
}

// pdfSelfKids is a page tree whose Pages node lists itself as a kid.
func pdfSelfKids() []byte {
	b := textPDF(1, nil)
	return bytes.Replace(b, []byte("/Kids ["), []byte("/Kids [2 0 R "), 1)
}

// pdfNoText has one page with a filled rectangle and no text.
func pdfNoText() []byte {
	p := &pdf{}
	p.add("<< /Type /Catalog /Pages 2 0 R >>")
	p.add("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	p.add("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>")
	p.addStream("", []byte("0.2 0.4 0.8 rg 72 72 468 648 re f"))
	p.trailer = "/Root 1 0 R"
	return p.bytes()
}

// mutations derives damaged copies of a seed: truncations and flipped
// bytes at positions drawn from a fixed seed, so every run sees the same
// files.
func mutations(name string, seed []byte, n int) []sample {
	r := rand.New(rand.NewPCG(uint64(len(seed)), 42))
	var out []sample
	ext := name[strings.LastIndex(name, "."):]
	base := strings.TrimSuffix(name, ext)
	for i := 0; i < n; i++ {
		b := bytes.Clone(seed)
		var what string
		switch i % 3 {
		case 0:
			cut := 8 + r.IntN(max(1, len(b)-8))
			b = b[:cut]
			what = fmt.Sprintf("truncated at %d of %d bytes", cut, len(seed))
		case 1:
			k := 1 + r.IntN(16)
			for j := 0; j < k; j++ {
				b[r.IntN(len(b))] ^= byte(1 + r.IntN(255))
			}
			what = fmt.Sprintf("%d bytes flipped", k)
		case 2:
			// A header-sized window overwritten with 0xff.
			at := r.IntN(min(len(b), 512))
			for j := at; j < min(len(b), at+32); j++ {
				b[j] = 0xff
			}
			what = fmt.Sprintf("32 bytes at %d set to 0xff", at)
		}
		out = append(out, sample{name: fmt.Sprintf("mut-%s-%02d%s", base, i, ext), what: what, data: func() []byte { return b }})
	}
	return out
}

// bombPDF is a one-page PDF whose stream b inflates to n bytes
// (internal/pdftest).
func bombPDF(b pdftest.Bomb, n int64) func() []byte {
	return func() []byte {
		var out bytes.Buffer
		if err := pdftest.Write(&out, pdftest.Spec{Pages: 1, Bomb: b, BombBytes: n}); err != nil {
			panic(err)
		}
		return out.Bytes()
	}
}
