package meta

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/internal/metablock"
)

// xmpParser turns what metablock.XMPReader reads into builder properties:
// it names the properties with the builder's prefixes and gives the values
// their types.
type xmpParser struct {
	b    *builder
	r    *metablock.XMPReader
	prio int
	what string
}

func newXMPParser(b *builder, prio int, what string) *xmpParser {
	p := &xmpParser{b: b, prio: prio, what: what}
	p.r = &metablock.XMPReader{
		Key:           p.key,
		Property:      p.property,
		MaxDepth:      b.opts.MaxXMLDepth,
		MaxItems:      b.opts.MaxListItems,
		MaxValueBytes: b.opts.MaxValueBytes,
	}
	return p
}

// parseXMP reads an XMP packet (or any XML holding an rdf:RDF element) into
// b at precedence prio. Damage stops the parse with a warning; properties
// read before it are kept.
func parseXMP(b *builder, data []byte, prio int, what string) {
	defer func() {
		if r := recover(); r != nil {
			b.warn("%s: XMP parser failed: %v", what, r)
		}
	}()
	data, _ = xmpToUTF8(data)
	packet, repaired, err := metablock.XMPPacket(data)
	if repaired {
		b.warn("%s: XMP packet is not valid UTF-8", what)
	}
	if err != nil {
		b.warn("%s: %v", what, err)
		return
	}
	if err := newXMPParser(b, prio, what).r.Read(packet); err != nil {
		b.warn("%s: malformed XMP: %v", what, err)
	}
}

// rdfFrom reads the content of an rdf:RDF element whose start tag d just
// returned (used by the SVG reader, which walks the document itself).
func rdfFrom(b *builder, d *xml.Decoder, prio int, what string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("XMP parser failed: %v", r)
		}
	}()
	return newXMPParser(b, prio, what).r.ReadRDF(d)
}

// key returns the property key of an element or attribute name, or ""
// when its namespace cannot be given a prefix.
func (p *xmpParser) key(n xml.Name) string {
	if n.Space == "" || n.Local == "" {
		return ""
	}
	if pre, ok := prefixByURI[n.Space]; ok {
		return pre + ":" + n.Local
	}
	pre := p.r.Prefix(n.Space)
	if pre == "" || !validNCName(pre) {
		return ""
	}
	if u, ok := uriByPrefix[pre]; ok && u != n.Space {
		pre += "_"
	}
	if u, ok := p.b.extraNS[pre]; ok && u != n.Space {
		return ""
	}
	if _, ok := p.b.extraNS[pre]; !ok {
		if len(p.b.extraNS) >= 100 {
			return ""
		}
		p.b.extraNS[pre] = n.Space
	}
	return pre + ":" + n.Local
}

func validNCName(s string) bool {
	for i, r := range s {
		if r == ':' || r == ' ' || r == '<' || r == '>' || r == '&' || r == '"' || r == '\'' || r == '/' || r == '=' {
			return false
		}
		if i == 0 && (r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return s != "" && len(s) < 64
}

func (p *xmpParser) set(key string, v Value) { p.b.set(key, v, p.prio) }

// typed converts the text of key (or of one of its items) to its type.
func (p *xmpParser) typed(key, s string) Value {
	s = strings.TrimSpace(s)
	switch propTypes[key] {
	case tInt, tReal, tRational:
		if v, ok := parseNumber(s); ok {
			return v
		}
	case tGPS:
		if v, ok := parseGPSCoord(s, strings.Contains(key, "Longitude")); ok {
			return v
		}
	case tDate:
		if iso, ok := xmpDate(s); ok {
			return Date(iso)
		}
	case tBool:
		switch strings.ToLower(s) {
		case "true":
			return Bool(true)
		case "false":
			return Bool(false)
		}
	default:
		return Text(s)
	}
	if s != "" {
		p.b.warn("%s: %s: %.40q is not of the expected type", p.what, key, s)
	}
	return Text(s)
}

// property sets one value the reader found.
func (p *xmpParser) property(x metablock.XMPProperty) {
	if x.Field != "" {
		if x.Field == "rdf:value" {
			p.set(x.Key, p.typed(x.Key, x.Text))
			return
		}
		fk := x.Key + "/" + x.Field
		p.set(fk, p.typed(fk, x.Text))
		return
	}
	key := x.Key
	switch x.Kind {
	case metablock.XMPSimple:
		if x.Lang != "" && x.Lang != "x-default" && propTypes[key] == tText {
			p.set(key, Value{Kind: KindLangAlt, Alt: []LangText{{x.Lang, x.Text}}})
		} else {
			p.set(key, p.typed(key, x.Text))
		}
		return
	case metablock.XMPAlt:
		v := Value{Kind: KindLangAlt}
		for _, it := range x.Items {
			lang := it.Lang
			if lang == "" {
				lang = "x-default"
			}
			v.Alt = append(v.Alt, LangText{lang, it.Text})
		}
		p.dropped(key, x.Dropped)
		if propTypes[key] != tText && len(v.Alt) > 0 {
			// An Alt where a simple value belongs is not kept; its
			// default is still type-checked, for the warning.
			p.typed(key, v.Default())
			return
		}
		if len(v.Alt) > 0 {
			p.set(key, v)
		}
	default:
		v := Value{Kind: KindSeq}
		if x.Kind == metablock.XMPBag {
			v.Kind = KindBag
		}
		for _, it := range x.Items {
			v.Items = append(v.Items, p.typed(key, it.Text))
		}
		p.dropped(key, x.Dropped)
		if len(v.Items) > 0 {
			p.set(key, v)
		}
	}
}

// dropped warns of the items of key past MaxListItems.
func (p *xmpParser) dropped(key string, n int) {
	if n > 0 {
		p.b.warn("%s: %s: more than %d items: the rest were dropped", p.what, key, p.b.opts.MaxListItems)
	}
}
