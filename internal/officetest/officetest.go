// Package officetest writes Office, OpenDocument and iWork packages for
// tests: OpenDocument text and presentations built with Go's zip writer
// (which LibreOffice opens, and converts to DOCX, PPTX, DOC, ...), OOXML
// and iWork packages carrying embedded thumbnails, and the encrypted and
// hostile variants the engines must refuse.
package officetest

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Part is one entry of a package.
type Part struct {
	Name string
	Data []byte
	// Store writes the part uncompressed (the ODF "mimetype" entry).
	Store bool
}

// Zip returns a zip archive of the parts, in order.
func Zip(parts ...Part) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		h := &zip.FileHeader{Name: p.Name, Method: zip.Deflate}
		if p.Store {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			panic(err)
		}
		if _, err := w.Write(p.Data); err != nil {
			panic(err)
		}
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// Namespaces of OpenDocument XML.
const odfNS = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" ` +
	`xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" ` +
	`xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" ` +
	`xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" ` +
	`xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" ` +
	`xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" ` +
	`xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" ` +
	`xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" ` +
	`xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" ` +
	`xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" office:version="1.2"`

// ODF returns an OpenDocument package of media type mime with content.xml
// and, when not empty, meta.xml, and the extra parts (a thumbnail, say).
// encrypted marks content.xml as encrypted in the manifest, as a
// password-protected document's is.
func ODF(mime, content, meta string, encrypted bool, extra ...Part) []byte {
	entries := `<manifest:file-entry manifest:full-path="/" manifest:media-type="` + mime + `"/>`
	entry := `<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"`
	if encrypted {
		entry += `><manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="AAAA"/></manifest:encryption-data></manifest:file-entry>`
	} else {
		entry += `/>`
	}
	entries += entry
	parts := []Part{{Name: "mimetype", Data: []byte(mime), Store: true}, {Name: "content.xml", Data: []byte(content)}}
	if meta != "" {
		parts = append(parts, Part{Name: "meta.xml", Data: []byte(meta)})
		entries += `<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>`
	}
	for _, p := range extra {
		parts = append(parts, p)
		entries += `<manifest:file-entry manifest:full-path="` + p.Name + `" manifest:media-type=""/>`
	}
	manifest := `<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">` + entries + `</manifest:manifest>`
	parts = append(parts, Part{Name: "META-INF/manifest.xml", Data: []byte(manifest)})
	return Zip(parts...)
}

// MimeODT and the others are the OpenDocument media types.
const (
	MimeODT = "application/vnd.oasis.opendocument.text"
	MimeODP = "application/vnd.oasis.opendocument.presentation"
	MimeODS = "application/vnd.oasis.opendocument.spreadsheet"
)

// TextPages returns the content.xml of a text document with one page per
// element of pages (page breaks between them), each holding its text. A
// page whose text starts with "#RRGGBB " also holds a rectangle of that
// colour, 12 cm wide and 8 cm high, under its text.
func TextPages(pages ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><office:document-content ` + odfNS + `>`)
	b.WriteString(`<office:automatic-styles><style:style style:name="PB" style:family="paragraph"><style:paragraph-properties fo:break-before="page"/></style:style>`)
	for i, p := range pages {
		if c, ok := colourOf(p); ok {
			fmt.Fprintf(&b, `<style:style style:name="fill%d" style:family="graphic"><style:graphic-properties draw:fill="solid" draw:fill-color="%s" draw:stroke="none" style:wrap="none"/></style:style>`, i, c)
		}
	}
	b.WriteString(`</office:automatic-styles><office:body><office:text>`)
	for i, p := range pages {
		style := ""
		if i > 0 {
			style = ` text:style-name="PB"`
		}
		c, ok := colourOf(p)
		if ok {
			p = p[8:]
		}
		fmt.Fprintf(&b, `<text:p%s>%s`, style, escape(p))
		if ok {
			fmt.Fprintf(&b, `<draw:rect draw:style-name="fill%d" text:anchor-type="paragraph" svg:x="0cm" svg:y="1cm" svg:width="12cm" svg:height="8cm" draw:z-index="0"/>`, i)
		}
		_ = c
		b.WriteString(`</text:p>`)
	}
	b.WriteString(`</office:text></office:body></office:document-content>`)
	return b.String()
}

func colourOf(s string) (string, bool) {
	if len(s) >= 8 && s[0] == '#' && s[7] == ' ' {
		return s[:7], true
	}
	return "", false
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Slides returns the content.xml of a presentation with one slide per
// colour: the slide's left half is filled with it (the right half is
// left white).
func Slides(colours ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><office:document-content ` + odfNS + `><office:automatic-styles>`)
	for i, c := range colours {
		fmt.Fprintf(&b, `<style:style style:name="fill%d" style:family="graphic"><style:graphic-properties draw:fill="solid" draw:fill-color="%s" draw:stroke="none"/></style:style>`, i, c)
	}
	b.WriteString(`</office:automatic-styles><office:body><office:presentation>`)
	for i := range colours {
		fmt.Fprintf(&b, `<draw:page draw:name="s%d"><draw:rect draw:style-name="fill%d" svg:x="0cm" svg:y="0cm" svg:width="14cm" svg:height="15.75cm"/></draw:page>`, i+1, i)
	}
	b.WriteString(`</office:presentation></office:body></office:document-content>`)
	return b.String()
}

// Sheet returns the content.xml of a spreadsheet of one table whose rows
// are the given cells.
func Sheet(rows ...[]string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><office:document-content ` + odfNS + `><office:body><office:spreadsheet><table:table table:name="Sheet1">`)
	for _, r := range rows {
		b.WriteString(`<table:table-row>`)
		for _, c := range r {
			fmt.Fprintf(&b, `<table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell>`, escape(c))
		}
		b.WriteString(`</table:table-row>`)
	}
	b.WriteString(`</table:table></office:spreadsheet></office:body></office:document-content>`)
	return b.String()
}

// MetaPages returns a meta.xml declaring pages pages.
func MetaPages(pages int) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><office:document-meta %s><office:meta><meta:document-statistic meta:page-count="%d"/></office:meta></office:document-meta>`, odfNS, pages)
}

// DOCX returns a minimal Word package with one paragraph of text; app.xml
// declares pages pages when pages > 0; extra parts (a thumbnail) are added
// and, when thumb names one of them, the package relationships point at
// it as the thumbnail.
func DOCX(text string, pages int, thumb string, extra ...Part) []byte {
	types := `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
		`<Default Extension="jpeg" ContentType="image/jpeg"/><Default Extension="png" ContentType="image/png"/><Default Extension="emf" ContentType="image/x-emf"/>` +
		`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`
	rels := `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>`
	if thumb != "" {
		rels += `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail" Target="` + thumb + `"/>`
	}
	rels += `</Relationships>`
	doc := `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>` + escape(text) + `</w:t></w:r></w:p></w:body></w:document>`
	parts := []Part{{Name: "[Content_Types].xml", Data: []byte(types)}, {Name: "_rels/.rels", Data: []byte(rels)}, {Name: "word/document.xml", Data: []byte(doc)}}
	if pages > 0 {
		app := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Pages>%d</Pages></Properties>`, pages)
		parts = append(parts, Part{Name: "docProps/app.xml", Data: []byte(app)})
	}
	return Zip(append(parts, extra...)...)
}

// Picture returns a w x h picture of colour c, encoded as "png" or "jpeg".
func Picture(kind string, w, h int, c color.RGBA) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	var err error
	if kind == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// EncryptedOOXML returns the start of an OLE2 compound file as Office
// writes a password-protected DOCX/XLSX/PPTX: the OLE2 header and a
// directory naming the EncryptionInfo and EncryptedPackage streams.
func EncryptedOOXML() []byte {
	b := make([]byte, 4096)
	copy(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
	copy(b[1024:], utf16("EncryptionInfo"))
	copy(b[1152:], utf16("EncryptedPackage"))
	return b
}

// LegacyGarbage returns an OLE2 header followed by noise: a legacy .doc,
// .xls or .ppt that no reader can load.
func LegacyGarbage() []byte {
	b := make([]byte, 8192)
	copy(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
	for i := 512; i < len(b); i++ {
		b[i] = byte(i * 7)
	}
	return b
}

func utf16(s string) []byte {
	out := make([]byte, 0, 2*len(s))
	for _, c := range []byte(s) {
		out = append(out, c, 0)
	}
	return out
}

// Convert converts the document src with LibreOffice (soffice, a path) to
// the format ext ("docx", "pptx", "doc", ...) and returns the new file's
// path, in dir; it fails the test when LibreOffice makes no file.
func Convert(t testing.TB, soffice, src, ext, dir string) string {
	t.Helper()
	dst, err := ConvertFile(soffice, src, ext, dir)
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// ConvertFile is Convert for programs. LibreOffice runs with a private
// profile under dir, in a process group killed when it returns, for at
// most three minutes.
func ConvertFile(soffice, src, ext, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	profile := "file://" + filepath.Join(dir, "convert-profile")
	defer os.RemoveAll(filepath.Join(dir, "convert-profile"))
	cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation="+profile, "--headless", "--norestore", "--nolockcheck",
		"--convert-to", ext, "--outdir", dir, src)
	cmd.Env = append(os.Environ(), "SAL_USE_VCLPLUGIN=svp")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.CombinedOutput()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	base := strings.TrimSuffix(filepath.Base(src), filepath.Ext(src))
	dst := filepath.Join(dir, base+"."+ext)
	if _, serr := os.Stat(dst); err != nil || serr != nil {
		return "", fmt.Errorf("soffice --convert-to %s %s: %v %v\n%s", ext, src, err, serr, out)
	}
	return dst, nil
}

// iWork '09 XML: the root element, namespace and version libetonyek (the
// importer of LibreOffice) recognises for each application.
const (
	iworkSF  = `xmlns:sf="http://developer.apple.com/namespaces/sf" xmlns:sfa="http://developer.apple.com/namespaces/sfa"`
	iworkVer = "92008102400"
)

// IWork09 returns an iWork '09 package (the XML format, before the 2013
// binary one) of kind "pages", "numbers" or "keynote" whose body holds
// text, with the extra parts: index.xml for Pages and Numbers,
// index.apxl for Keynote.
func IWork09(kind, text string, extra ...Part) []byte {
	var name, doc string
	switch kind {
	case "pages":
		name = "index.xml"
		doc = `<sl:document xmlns:sl="http://developer.apple.com/namespaces/sl" ` + iworkSF + ` sl:version="` + iworkVer + `">` +
			`<sf:text-storage sf:kind="body"><sf:text-body><sf:section><sf:layout><sf:p>` + escape(text) +
			`</sf:p></sf:layout></sf:section></sf:text-body></sf:text-storage></sl:document>`
	case "numbers":
		name = "index.xml"
		doc = `<ls:document xmlns:ls="http://developer.apple.com/namespaces/ls" ` + iworkSF + ` ls:version="` + iworkVer + `">` +
			`<ls:workspace-array><ls:workspace ls:workspace-name="` + escape(text) + `"><ls:page-info/></ls:workspace></ls:workspace-array></ls:document>`
	case "keynote":
		name = "index.apxl"
		doc = `<key:presentation xmlns:key="http://developer.apple.com/namespaces/keynote2" ` + iworkSF + ` key:version="` + iworkVer + `">` +
			`<key:size sfa:w="1024" sfa:h="768"/><key:slide-list><key:slide><key:page><sf:layers><sf:layer><sf:drawables>` +
			`<sf:shape><sf:text><sf:text-storage sf:kind="textbox"><sf:text-body><sf:p>` + escape(text) +
			`</sf:p></sf:text-body></sf:text-storage></sf:text></sf:shape>` +
			`</sf:drawables></sf:layer></sf:layers></key:page></key:slide></key:slide-list></key:presentation>`
	default:
		panic("officetest: no iWork kind " + kind)
	}
	parts := append([]Part{{Name: name, Data: []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + doc)}}, extra...)
	return Zip(parts...)
}

// IWorkArchive returns a package laid out like an iWork 2013 (or later)
// document, Index/Document.iwa and Index/Metadata.iwa, whose archives
// hold bytes no importer reads.
func IWorkArchive() []byte {
	junk := bytes.Repeat([]byte{0x00, 0x7f, 0x13, 0xa5}, 256)
	return Zip(Part{Name: "Index/Document.iwa", Data: junk}, Part{Name: "Index/Metadata.iwa", Data: junk})
}
