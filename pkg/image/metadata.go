package image

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/metablock"
)

// The metadata policy of renditions.
//
// A rendition keeps none of its source's metadata except its rights: who
// holds the copyright and on what terms. They are read from the source's
// XMP (dc:rights, dc:creator, xmpRights:Marked, xmpRights:WebStatement,
// xmpRights:UsageTerms), EXIF (Copyright, Artist) and IPTC (Copyright
// Notice, By-line), XMP winning where several say the same thing, and
// written as one XMP packet in the formats that hold XMP. Everything else
// (camera, GPS position, dates, thumbnails, EXIF orientation, editing
// history) is dropped. A rendition that sets xmp gets that packet instead.
//
// The blocks are read with the parsers pkg/meta reads them with
// (pkg/internal/metablock): its EXIF directory walker, Photoshop image
// resource walker, IPTC dataset walker and RDF/XML reader of XMP, the last
// in its lenient mode (an unknown entity such as &copy; is kept as text).
// What is kept, and which block wins, is decided here.

// rights is a source's copyright information.
type rights struct {
	Copyright    string
	Creators     []string
	Marked       string
	WebStatement string
	UsageTerms   string
}

func (r rights) empty() bool {
	return r.Copyright == "" && len(r.Creators) == 0 && r.Marked == "" && r.WebStatement == "" && r.UsageTerms == ""
}

// Bounds on the rights a rendition carries, so that a source with huge
// metadata cannot make a large rendition: the metadata blocks are read up
// to maxHeaderMetadata bytes, a value longer than maxRightsValue bytes is
// left out and at most maxCreators creators are kept.
const (
	maxRightsValue = 4096
	maxCreators    = 64
)

// rightsOf gathers the rights recorded in a source's metadata blocks.
func rightsOf(h header) rights {
	cut := func(b []byte) []byte { return b[:min(len(b), maxHeaderMetadata)] }
	var r rights
	if h.XMP != nil {
		r = xmpRights(cut(h.XMP))
	}
	if h.EXIF != nil {
		copyright, artist := exifRights(cut(h.EXIF))
		if r.Copyright == "" {
			r.Copyright = copyright
		}
		if len(r.Creators) == 0 && artist != "" {
			r.Creators = []string{artist}
		}
	}
	if h.IPTC != nil && (r.Copyright == "" || len(r.Creators) == 0) {
		copyright, bylines := iptcRights(cut(h.IPTC))
		if r.Copyright == "" {
			r.Copyright = copyright
		}
		if len(r.Creators) == 0 {
			r.Creators = bylines
		}
	}
	return r.bounded()
}

// bounded returns r without the values longer than maxRightsValue bytes
// and with at most maxCreators creators.
func (r rights) bounded() rights {
	keep := func(s string) string {
		if len(s) > maxRightsValue {
			return ""
		}
		return s
	}
	r.Copyright, r.Marked, r.WebStatement, r.UsageTerms = keep(r.Copyright), keep(r.Marked), keep(r.WebStatement), keep(r.UsageTerms)
	var creators []string
	for _, c := range r.Creators {
		if c = keep(c); c != "" && len(creators) < maxCreators {
			creators = append(creators, c)
		}
	}
	r.Creators = creators
	return r
}

// XML namespaces of the properties kept.
const (
	nsRDF       = metablock.NSRDF
	nsDC        = "http://purl.org/dc/elements/1.1/"
	nsXMPRights = "http://ns.adobe.com/xap/1.0/rights/"
)

// xmpRights reads the rights properties of an XMP packet with the module's
// XMP reader (metablock.XMPReader), in its lenient mode. Simple values may
// be attributes of rdf:Description or elements; dc:rights and
// xmpRights:UsageTerms are language alternatives (x-default preferred) and
// dc:creator an array. A packet that is not well-formed yields what was
// read before the error.
func xmpRights(packet []byte) rights {
	var r rights
	reader := &metablock.XMPReader{
		Key: func(n xml.Name) string {
			switch {
			case n.Space == nsDC && (n.Local == "rights" || n.Local == "creator"):
				return "dc:" + n.Local
			case n.Space == nsXMPRights && (n.Local == "Marked" || n.Local == "WebStatement" || n.Local == "UsageTerms"):
				return "xmpRights:" + n.Local
			}
			return ""
		},
		Property: func(p metablock.XMPProperty) {
			if p.Field == "" {
				r.set(p)
			}
		},
		// The packet is already bounded (maxHeaderMetadata) and so are the
		// values kept (bounded): no other limit applies.
		MaxDepth:      math.MaxInt,
		MaxItems:      math.MaxInt,
		MaxValueBytes: math.MaxInt - 1,
		Lenient:       true,
	}
	if packet, _, err := metablock.XMPPacket(packet); err == nil {
		_ = reader.Read(packet)
	}
	return r
}

// set keeps one rights property read from XMP. A simple dc:rights does not
// replace one already read; a language alternative does.
func (r *rights) set(p metablock.XMPProperty) {
	if p.Kind == metablock.XMPSimple {
		switch p.Key {
		case "dc:rights":
			if r.Copyright == "" {
				r.Copyright = p.Text
			}
		case "xmpRights:Marked":
			r.Marked = p.Text
		case "xmpRights:WebStatement":
			r.WebStatement = p.Text
		case "xmpRights:UsageTerms":
			r.UsageTerms = p.Text
		}
		return
	}
	var items []metablock.XMPItem
	for _, it := range p.Items {
		if it.Text != "" {
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return
	}
	switch p.Key {
	case "dc:creator":
		for _, it := range items {
			r.Creators = append(r.Creators, it.Text)
		}
	case "dc:rights", "xmpRights:UsageTerms":
		best := items[0].Text
		for _, it := range items {
			if it.Lang == "x-default" {
				best = it.Text
				break
			}
		}
		if p.Key == "dc:rights" {
			r.Copyright = best
		} else {
			r.UsageTerms = best
		}
	}
}

// exifRights reads Copyright and Artist from IFD0 of an EXIF block (with
// or without its "Exif\0\0" prefix).
func exifRights(b []byte) (copyright, artist string) {
	b = bytes.TrimPrefix(b, []byte("Exif\x00\x00"))
	t, err := metablock.NewTIFF(metablock.Bytes(b), 0, metablock.Limits{MaxIFDs: 1, MaxIFDEntries: math.MaxUint16}, nil)
	if err != nil {
		return "", ""
	}
	ifd0, err := t.ReadIFD(t.First, "IFD0")
	if err != nil {
		return "", ""
	}
	for _, e := range ifd0.Entries {
		if e.Type != metablock.TypeASCII || (e.Tag != 0x8298 && e.Tag != 0x013b) || e.Count == 0 {
			continue
		}
		v, err := t.Raw(e, int64(len(b)))
		if err != nil {
			v = nil
		}
		if e.Tag == 0x8298 {
			// "photographer\0editor": keep the photographer's notice.
			copyright = text8(metablock.CString(v))
		} else {
			artist = text8(bytes.TrimRight(v, "\x00"))
		}
	}
	return strings.TrimSpace(copyright), strings.TrimSpace(artist)
}

// iptcRights reads Copyright Notice (2:116) and By-line (2:80) from IPTC
// IIM data, bare or inside a Photoshop image resource block (8BIM 0x0404).
// A truncated dataset ends the reading.
func iptcRights(b []byte) (copyright string, bylines []string) {
	if iim := metablock.FindResource(b, metablock.ResourceIPTC); iim != nil {
		b = iim
	}
	_ = metablock.WalkIIM(b, func(d metablock.Dataset) bool {
		if d.Truncated() {
			return false
		}
		v := strings.TrimSpace(text8(d.Data))
		if d.Record != 2 || v == "" {
			return true
		}
		switch d.Number {
		case 116:
			copyright = v
		case 80:
			bylines = append(bylines, v)
		}
		return true
	})
	return copyright, bylines
}

// text8 decodes 8-bit text as the metadata engine does: UTF-8 when valid,
// Windows-1252 otherwise.
func text8(b []byte) string { return metablock.Legacy(b) }

// xmp returns an XMP packet holding the rights, or nil when there are
// none.
func (r rights) xmp() []byte {
	if r.empty() {
		return nil
	}
	var b strings.Builder
	esc := func(s string) string {
		var e strings.Builder
		_ = xml.EscapeText(&e, []byte(s))
		return e.String()
	}
	b.WriteString("<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="` + nsRDF + `">`)
	b.WriteString(`<rdf:Description rdf:about="" xmlns:dc="` + nsDC + `" xmlns:xmpRights="` + nsXMPRights + `"`)
	if r.Marked != "" {
		b.WriteString(` xmpRights:Marked="` + esc(r.Marked) + `"`)
	}
	if r.WebStatement != "" {
		b.WriteString(` xmpRights:WebStatement="` + esc(r.WebStatement) + `"`)
	}
	b.WriteString(">")
	if r.Copyright != "" {
		b.WriteString(`<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">` + esc(r.Copyright) + `</rdf:li></rdf:Alt></dc:rights>`)
	}
	if len(r.Creators) > 0 {
		b.WriteString("<dc:creator><rdf:Seq>")
		for _, c := range r.Creators {
			b.WriteString("<rdf:li>" + esc(c) + "</rdf:li>")
		}
		b.WriteString("</rdf:Seq></dc:creator>")
	}
	if r.UsageTerms != "" {
		b.WriteString(`<xmpRights:UsageTerms><rdf:Alt><rdf:li xml:lang="x-default">` + esc(r.UsageTerms) + `</rdf:li></rdf:Alt></xmpRights:UsageTerms>`)
	}
	b.WriteString("</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end=\"r\"?>")
	return []byte(b.String())
}

// checkXMPPacket refuses an xmp instruction that is not well-formed XML.
func checkXMPPacket(packet []byte) error {
	d := xml.NewDecoder(bytes.NewReader(packet))
	elements := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return api.Errorf(api.ReasonGeneric, "xmp: the packet is not well-formed XML: %v", err)
		}
		if _, ok := tok.(xml.StartElement); ok {
			elements++
		}
	}
	if elements == 0 {
		return api.Errorf(api.ReasonGeneric, "xmp: the packet holds no XML element")
	}
	return nil
}
