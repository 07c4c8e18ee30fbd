// Package inddtest builds InDesign-like documents for tests: the two
// master pages of an INDD file, database pages, and a contiguous object
// holding an XMP packet with page thumbnails, laid out as InDesign lays
// them out.
package inddtest

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/internal/indd"
)

// Object GUIDs of InDesign's contiguous objects.
const (
	objectHeader  = "\xDE\x39\x39\x79\x51\x88\x4B\x6C\x8E\x63\xEE\xF8\xAE\xE0\xDD\x38"
	objectTrailer = "\xFD\xCE\xDB\x70\xF7\x86\x4B\x4F\xA4\xD3\xC7\x28\xB3\x41\x71\x06"
)

// Thumb is a thumbnail to put in the packet.
type Thumb struct {
	Width, Height int
	JPEG          []byte
}

// Packet returns an XMP packet with dc:title title, dc:creator creator
// and the thumbnails: the first in xmp:Thumbnails, the rest as
// xmp:PageInfo entries, their base64 broken into lines as InDesign writes
// it (with &#xA; line breaks).
func Packet(title, creator string, thumbs []Thumb) string {
	var b strings.Builder
	b.WriteString(`<?xpacket begin="` + "\ufeff" + `" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 5.6-c148">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpGImg="http://ns.adobe.com/xap/1.0/g/img/"
    xmlns:xmpTPg="http://ns.adobe.com/xap/1.0/t/pg/">
   <dc:format>application/x-indesign</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">` + title + `</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>` + creator + `</rdf:li></rdf:Seq></dc:creator>
   <xmp:CreatorTool>Adobe InDesign 18.0 (Macintosh)</xmp:CreatorTool>
   <xmp:CreateDate>2024-05-06T07:08:09+02:00</xmp:CreateDate>
   <xmpTPg:NPages>` + fmt.Sprint(max(1, len(thumbs)-1)) + `</xmpTPg:NPages>
`)
	entry := func(t Thumb, page int) string {
		enc := base64.StdEncoding.EncodeToString(t.JPEG)
		var lines []string
		for len(enc) > 76 {
			lines = append(lines, enc[:76])
			enc = enc[76:]
		}
		lines = append(lines, enc)
		pageField := ""
		if page > 0 {
			pageField = fmt.Sprintf("<xmpGImg:PageNumber>%d</xmpGImg:PageNumber>", page)
		}
		return fmt.Sprintf(`<rdf:li rdf:parseType="Resource">%s<xmpGImg:format>JPEG</xmpGImg:format><xmpGImg:width>%d</xmpGImg:width><xmpGImg:height>%d</xmpGImg:height><xmpGImg:image>%s</xmpGImg:image></rdf:li>`,
			pageField, t.Width, t.Height, strings.Join(lines, "&#xA;"))
	}
	if len(thumbs) > 0 {
		b.WriteString("   <xmp:Thumbnails><rdf:Alt>" + entry(thumbs[0], 0) + "</rdf:Alt></xmp:Thumbnails>\n")
	}
	if len(thumbs) > 1 {
		b.WriteString("   <xmp:PageInfo><rdf:Seq>")
		for i, t := range thumbs[1:] {
			b.WriteString(entry(t, i+1))
		}
		b.WriteString("</rdf:Seq></xmp:PageInfo>\n")
	}
	b.WriteString("  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n" + strings.Repeat(" ", 200) + "\n<?xpacket end=\"w\"?>")
	return b.String()
}

// Document returns an INDD file: two master pages (the second the newer,
// as InDesign alternates them), dbPages database pages in all, then the
// packet in a contiguous object, then junk objects after it.
func Document(packet string, dbPages int) []byte {
	le := binary.LittleEndian
	var b bytes.Buffer
	for i := 0; i < 2; i++ {
		m := make([]byte, 4096)
		copy(m, indd.GUID)
		copy(m[16:], "DOCUMENT")
		m[24] = 1 // little-endian objects
		le.PutUint64(m[264:], uint64(10+i))
		le.PutUint32(m[280:], uint32(dbPages))
		b.Write(m)
	}
	for b.Len() < dbPages*4096 {
		b.Write(make([]byte, 4096))
	}
	data := make([]byte, 4, 4+len(packet))
	le.PutUint32(data, uint32(len(packet)))
	data = append(data, packet...)
	hdr := make([]byte, 32)
	copy(hdr, objectHeader)
	le.PutUint32(hdr[24:], uint32(len(data)))
	b.Write(hdr)
	b.Write(data)
	tr := make([]byte, 32)
	copy(tr, objectTrailer)
	b.Write(tr)
	b.Write(bytes.Repeat([]byte{0xA5}, 3000))
	return b.Bytes()
}
