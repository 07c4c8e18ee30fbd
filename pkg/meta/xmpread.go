package meta

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// xmpParser reads RDF/XML into builder properties. It keeps simple
// properties, language alternatives, Seq and Bag lists of simple values,
// and the simple fields of first-level structures; deeper structures
// (xmpMM:History, regions) are skipped.
type xmpParser struct {
	b       *builder
	d       *xml.Decoder
	prio    int
	what    string
	depth   int
	props   int
	prefix  map[string]string // namespace URI -> prefix declared in the document
	skipped int
}

var errXMPDepth = errors.New("elements nested too deeply")

// parseXMP reads an XMP packet (or any XML holding an rdf:RDF element) into
// b at precedence prio. Damage stops the parse with a warning; properties
// read before it are kept.
func parseXMP(b *builder, data []byte, prio int, what string) {
	defer func() {
		if r := recover(); r != nil {
			b.warn("%s: XMP parser failed: %v", what, r)
		}
	}()
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(data) {
		data = bytes.ToValidUTF8(data, []byte("\uFFFD"))
		b.warn("%s: XMP packet is not valid UTF-8", what)
	}
	// Start at the first element of interest; packets are often embedded
	// with padding or junk around them.
	start := bytes.Index(data, []byte("<x:xmpmeta"))
	if i := bytes.Index(data, []byte("<rdf:RDF")); start < 0 || i >= 0 && i < start {
		if start < 0 {
			start = i
		}
	}
	if start < 0 {
		if bytes.Contains(data, []byte("RDF")) {
			start = 0
		} else {
			b.warn("%s: no rdf:RDF element in XMP packet", what)
			return
		}
	}
	d := xml.NewDecoder(bytes.NewReader(data[start:]))
	d.Strict = true
	d.CharsetReader = func(charset string, input io.Reader) (io.Reader, error) {
		return nil, fmt.Errorf("unsupported XML encoding %q", charset)
	}
	p := &xmpParser{b: b, d: d, prio: prio, what: what, prefix: map[string]string{}}
	if err := p.run(); err != nil {
		b.warn("%s: malformed XMP: %v", what, err)
	}
}

func (p *xmpParser) run() error {
	for {
		tok, err := p.d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok {
			p.learn(se)
			if se.Name.Space == nsRDF && se.Name.Local == "RDF" {
				return p.rdf()
			}
		}
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
	p := &xmpParser{b: b, d: d, prio: prio, what: what, prefix: map[string]string{}}
	return p.rdf()
}

// learn records the prefixes a start element declares.
func (p *xmpParser) learn(se xml.StartElement) {
	for _, a := range se.Attr {
		if a.Name.Space == "xmlns" && a.Value != "" {
			if _, ok := p.prefix[a.Value]; !ok {
				p.prefix[a.Value] = a.Name.Local
			}
		}
	}
}

func (p *xmpParser) next() (xml.Token, error) {
	tok, err := p.d.Token()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if se, ok := tok.(xml.StartElement); ok {
		p.learn(se)
	}
	return tok, err
}

// rdf reads the node elements of rdf:RDF up to its end tag.
func (p *xmpParser) rdf() error {
	for {
		tok, err := p.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := p.description(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
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
	pre := p.prefix[n.Space]
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

func isRDF(n xml.Name, local string) bool { return n.Space == nsRDF && n.Local == local }

func skipAttr(a xml.Attr) bool {
	return a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" ||
		a.Name.Space == nsRDF || a.Name.Space == nsXML || a.Name.Space == "xml"
}

// description reads a node element (rdf:Description or a typed node) at the
// top level: its attributes and child elements are properties.
func (p *xmpParser) description(se xml.StartElement) error {
	for _, a := range se.Attr {
		if skipAttr(a) {
			continue
		}
		if k := p.key(a.Name); k != "" {
			p.setText(k, a.Value)
		}
	}
	for {
		tok, err := p.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := p.property(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

func (p *xmpParser) set(key string, v Value) {
	p.props++
	p.b.set(key, v, p.prio)
}

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

func (p *xmpParser) setText(key, s string) { p.set(key, p.typed(key, s)) }

// property reads one property element of a top-level node.
func (p *xmpParser) property(se xml.StartElement) error {
	key := p.key(se.Name)
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > p.b.opts.MaxXMLDepth {
		return errXMPDepth
	}
	if key == "" {
		return p.d.Skip()
	}
	lang := ""
	var fields []xml.Attr
	for _, a := range se.Attr {
		switch {
		case isRDF(a.Name, "resource"):
			p.setText(key, a.Value)
			return p.d.Skip()
		case isRDF(a.Name, "parseType"):
			if a.Value == "Resource" {
				return p.structure(key, nil)
			}
			return p.d.Skip() // Literal XML is not kept.
		case a.Name.Space == nsXML && a.Name.Local == "lang":
			lang = a.Value
		case !skipAttr(a):
			fields = append(fields, a)
		}
	}
	if len(fields) > 0 {
		// <exif:Flash exif:Fired="True" .../>: a structure in attributes.
		return p.structure(key, fields)
	}
	var text strings.Builder
	for {
		tok, err := p.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if text.Len() < p.b.opts.MaxValueBytes+1 {
				text.Write(t)
			}
		case xml.StartElement:
			switch {
			case isRDF(t.Name, "Alt"), isRDF(t.Name, "Seq"), isRDF(t.Name, "Bag"):
				v, err := p.container(key, t.Name.Local)
				if err != nil {
					return err
				}
				if len(v.Items) > 0 || len(v.Alt) > 0 {
					p.set(key, v)
				}
			case isRDF(t.Name, "Description"):
				if err := p.structFields(key, t); err != nil {
					return err
				}
			default:
				p.skipped++
				if err := p.d.Skip(); err != nil {
					return err
				}
			}
		case xml.EndElement:
			if s := strings.TrimSpace(text.String()); s != "" {
				if lang != "" && lang != "x-default" && propTypes[key] == tText {
					p.set(key, Value{Kind: KindLangAlt, Alt: []LangText{{lang, s}}})
				} else {
					p.setText(key, s)
				}
			}
			return nil
		}
	}
}

// container reads the rdf:li items of an rdf:Alt, rdf:Seq or rdf:Bag up to
// the container's end tag and the property's end tag.
func (p *xmpParser) container(key, kind string) (Value, error) {
	v := Value{Kind: KindSeq}
	switch kind {
	case "Alt":
		v.Kind = KindLangAlt
	case "Bag":
		v.Kind = KindBag
	}
	n := 0
	for {
		tok, err := p.next()
		if err != nil {
			return v, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n++
			lang, simple := "", true
			for _, a := range t.Attr {
				if a.Name.Space == nsXML && a.Name.Local == "lang" {
					lang = a.Value
				}
				if isRDF(a.Name, "parseType") || (!skipAttr(a) && a.Name.Space != "") {
					simple = false
				}
			}
			if !isRDF(t.Name, "li") || !simple || n > p.b.opts.MaxListItems {
				if err := p.d.Skip(); err != nil {
					return v, err
				}
				continue
			}
			s, ok, err := p.simpleText()
			if err != nil {
				return v, err
			}
			if !ok {
				continue
			}
			if v.Kind == KindLangAlt {
				if lang == "" {
					lang = "x-default"
				}
				v.Alt = append(v.Alt, LangText{lang, s})
			} else {
				v.Items = append(v.Items, p.typed(key, s))
			}
		case xml.EndElement:
			if n > p.b.opts.MaxListItems {
				p.b.warn("%s: %s: more than %d items: the rest were dropped", p.what, key, p.b.opts.MaxListItems)
			}
			if v.Kind == KindLangAlt && propTypes[key] != tText {
				// An Alt where a simple value belongs: keep the default.
				if len(v.Alt) > 0 {
					return p.typed(key, v.Default()), nil
				}
			}
			return v, nil
		}
	}
}

// simpleText reads the text content of an element up to its end tag. It
// reports false when the element holds elements (a structure).
func (p *xmpParser) simpleText() (string, bool, error) {
	var text strings.Builder
	simple := true
	for {
		tok, err := p.next()
		if err != nil {
			return "", false, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if text.Len() < p.b.opts.MaxValueBytes+1 {
				text.Write(t)
			}
		case xml.StartElement:
			simple = false
			if err := p.d.Skip(); err != nil {
				return "", false, err
			}
		case xml.EndElement:
			return strings.TrimSpace(text.String()), simple, nil
		}
	}
}

// structure reads a structure given with rdf:parseType="Resource" (fields
// as child elements) or in attributes (fields given).
func (p *xmpParser) structure(key string, fields []xml.Attr) error {
	for _, a := range fields {
		if fk := p.key(a.Name); fk != "" {
			p.setField(key, fk, a.Value)
		}
	}
	if fields != nil {
		return p.d.Skip()
	}
	return p.fieldElements(key)
}

func (p *xmpParser) setField(key, field, s string) {
	if field == "rdf:value" {
		p.setText(key, s)
		return
	}
	fk := key + "/" + field
	p.set(fk, p.typed(fk, s))
}

// structFields reads a nested rdf:Description holding fields, then the
// property's end tag.
func (p *xmpParser) structFields(key string, se xml.StartElement) error {
	for _, a := range se.Attr {
		if !skipAttr(a) {
			if fk := p.key(a.Name); fk != "" {
				p.setField(key, fk, a.Value)
			}
		}
	}
	return p.fieldElements(key)
}

// fieldElements reads simple field elements up to the enclosing end tag.
func (p *xmpParser) fieldElements(key string) error {
	for {
		tok, err := p.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			fk := p.key(t.Name)
			if isRDF(t.Name, "value") {
				fk = "rdf:value"
			}
			if fk == "" {
				if err := p.d.Skip(); err != nil {
					return err
				}
				continue
			}
			s, ok, err := p.simpleText()
			if err != nil {
				return err
			}
			if ok && s != "" {
				p.setField(key, fk, s)
			}
		case xml.EndElement:
			return nil
		}
	}
}
