package metablock

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// XML namespaces of RDF and of the xml: attributes.
const (
	NSRDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	NSXML = "http://www.w3.org/XML/1998/namespace"
)

// XMPKind says what an XMPProperty holds.
type XMPKind int

// The kinds of XMPProperty.
const (
	// XMPSimple is a simple value (Text, with Lang when it has one).
	XMPSimple XMPKind = iota
	// XMPAlt is a language alternative (Items with their Lang).
	XMPAlt
	// XMPSeq is an ordered array (Items).
	XMPSeq
	// XMPBag is an unordered array (Items).
	XMPBag
)

// XMPItem is one item of an array or alternative.
type XMPItem struct {
	Lang string // xml:lang, "" when absent
	Text string // trimmed
}

// XMPProperty is one value found in an XMP packet: a top-level property,
// or a field of a first-level structure.
type XMPProperty struct {
	// Key is the property's key, as XMPReader.Key named it.
	Key string
	// Field is the key of a structure field ("rdf:value" for the value of
	// a qualified property), "" for the property itself.
	Field string
	// Kind says whether Text or Items hold the value.
	Kind XMPKind
	// Text is a simple value, trimmed; Lang its xml:lang.
	Text, Lang string
	// Items are the items of an array or alternative, in document order.
	Items []XMPItem
	// Dropped counts the items left out past XMPReader.MaxItems.
	Dropped int
}

// ErrNoRDF reports an XMP packet with no rdf:RDF element.
var ErrNoRDF = errors.New("no rdf:RDF element in XMP packet")

// ErrXMPDepth reports elements nested past XMPReader.MaxDepth.
var ErrXMPDepth = errors.New("elements nested too deeply")

// XMPReader reads the properties of RDF/XML: simple properties, language
// alternatives, Seq and Bag arrays of simple values, and the simple fields
// of first-level structures; deeper structures (xmpMM:History, regions)
// are skipped. It hands each value to Property as it completes, so that
// the values read before damage are kept.
type XMPReader struct {
	// Key names a property, field or attribute; "" skips it. It may ask
	// Prefix for the prefix the document declared for a namespace.
	Key func(n xml.Name) string
	// Property receives each value read.
	Property func(XMPProperty)
	// MaxDepth bounds the nesting of property elements.
	MaxDepth int
	// MaxItems bounds the items of one array or alternative.
	MaxItems int
	// MaxValueBytes bounds the text gathered for one value; text past it
	// is not gathered.
	MaxValueBytes int
	// Lenient reads packets with the common XML mistakes (unknown
	// entities, unquoted attributes) as encoding/xml's non-strict mode
	// does.
	Lenient bool

	d      *xml.Decoder
	depth  int
	prefix map[string]string // namespace URI -> prefix declared in the document
}

// Prefix returns the prefix the document declared for the namespace uri,
// "" when none.
func (r *XMPReader) Prefix(uri string) string { return r.prefix[uri] }

// XMPPacket finds the XML of an XMP packet (or of any XML holding an
// rdf:RDF element): it skips a BOM and the padding or junk before the
// first x:xmpmeta (or, when there is none, the first rdf:RDF), and turns invalid UTF-8 into U+FFFD,
// reporting repaired. It returns ErrNoRDF when there is no RDF at all.
func XMPPacket(data []byte) (packet []byte, repaired bool, err error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(data) {
		data = bytes.ToValidUTF8(data, []byte("\uFFFD"))
		repaired = true
	}
	start := bytes.Index(data, []byte("<x:xmpmeta"))
	if start < 0 {
		start = bytes.Index(data, []byte("<rdf:RDF"))
	}
	if start < 0 {
		if !bytes.Contains(data, []byte("RDF")) {
			return nil, repaired, ErrNoRDF
		}
		start = 0
	}
	return data[start:], repaired, nil
}

// Read reads the properties of the first rdf:RDF element of packet (see
// XMPPacket), refusing any encoding but UTF-8. An error ends the reading;
// the values read before it were handed to Property.
func (r *XMPReader) Read(packet []byte) error {
	d := xml.NewDecoder(bytes.NewReader(packet))
	d.Strict = !r.Lenient
	d.CharsetReader = func(charset string, input io.Reader) (io.Reader, error) {
		return nil, fmt.Errorf("unsupported XML encoding %q", charset)
	}
	r.d, r.prefix = d, map[string]string{}
	return r.run()
}

// ReadRDF reads the content of an rdf:RDF element whose start tag d just
// returned (for a reader that walks the enclosing document itself).
func (r *XMPReader) ReadRDF(d *xml.Decoder) error {
	r.d, r.prefix = d, map[string]string{}
	return r.rdf()
}

func (r *XMPReader) run() error {
	for {
		tok, err := r.d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok {
			r.learn(se)
			if isRDF(se.Name, "RDF") {
				return r.rdf()
			}
		}
	}
}

// learn records the prefixes a start element declares.
func (r *XMPReader) learn(se xml.StartElement) {
	for _, a := range se.Attr {
		if a.Name.Space == "xmlns" && a.Value != "" {
			if _, ok := r.prefix[a.Value]; !ok {
				r.prefix[a.Value] = a.Name.Local
			}
		}
	}
}

func (r *XMPReader) next() (xml.Token, error) {
	tok, err := r.d.Token()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if se, ok := tok.(xml.StartElement); ok {
		r.learn(se)
	}
	return tok, err
}

// rdf reads the node elements of rdf:RDF up to its end tag.
func (r *XMPReader) rdf() error { return r.children(r.description) }

// children hands each child element of the current element to fn, which
// reads it to its end tag, up to the current element's end tag.
func (r *XMPReader) children(fn func(xml.StartElement) error) error {
	for {
		tok, err := r.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

func isRDF(n xml.Name, local string) bool { return n.Space == NSRDF && n.Local == local }

func isLang(a xml.Attr) bool { return a.Name.Space == NSXML && a.Name.Local == "lang" }

// skipAttr reports the attributes that are not properties or fields.
func skipAttr(a xml.Attr) bool {
	return a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" ||
		a.Name.Space == NSRDF || a.Name.Space == NSXML || a.Name.Space == "xml"
}

// description reads a node element (rdf:Description or a typed node) at the
// top level: its attributes and child elements are properties.
func (r *XMPReader) description(se xml.StartElement) error {
	for _, a := range se.Attr {
		if skipAttr(a) {
			continue
		}
		if k := r.Key(a.Name); k != "" {
			r.Property(XMPProperty{Key: k, Text: strings.TrimSpace(a.Value)})
		}
	}
	return r.children(r.property)
}

// text gathers character data up to MaxValueBytes.
func (r *XMPReader) text(sb *strings.Builder, c xml.CharData) {
	if sb.Len() < r.MaxValueBytes+1 {
		sb.Write(c)
	}
}

// property reads one property element of a top-level node.
func (r *XMPReader) property(se xml.StartElement) error {
	key := r.Key(se.Name)
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > r.MaxDepth {
		return ErrXMPDepth
	}
	if key == "" {
		return r.d.Skip()
	}
	lang := ""
	var fields []xml.Attr
	for _, a := range se.Attr {
		switch {
		case isRDF(a.Name, "resource"):
			r.Property(XMPProperty{Key: key, Text: strings.TrimSpace(a.Value)})
			return r.d.Skip()
		case isRDF(a.Name, "parseType"):
			if a.Value == "Resource" {
				return r.structure(key, nil)
			}
			return r.d.Skip() // Literal XML is not kept.
		case isLang(a):
			lang = a.Value
		case !skipAttr(a):
			fields = append(fields, a)
		}
	}
	if len(fields) > 0 {
		// <exif:Flash exif:Fired="True" .../>: a structure in attributes.
		return r.structure(key, fields)
	}
	var text strings.Builder
	for {
		tok, err := r.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.CharData:
			r.text(&text, t)
		case xml.StartElement:
			switch {
			case isRDF(t.Name, "Alt"), isRDF(t.Name, "Seq"), isRDF(t.Name, "Bag"):
				if err := r.container(key, t.Name.Local); err != nil {
					return err
				}
			case isRDF(t.Name, "Description"):
				if err := r.structFields(key, t); err != nil {
					return err
				}
			default:
				if err := r.d.Skip(); err != nil {
					return err
				}
			}
		case xml.EndElement:
			if s := strings.TrimSpace(text.String()); s != "" {
				r.Property(XMPProperty{Key: key, Text: s, Lang: lang})
			}
			return nil
		}
	}
}

// container reads the rdf:li items of an rdf:Alt, rdf:Seq or rdf:Bag up to
// the container's end tag, and hands them to Property.
func (r *XMPReader) container(key, kind string) error {
	p := XMPProperty{Key: key, Kind: XMPSeq}
	switch kind {
	case "Alt":
		p.Kind = XMPAlt
	case "Bag":
		p.Kind = XMPBag
	}
	n := 0
	err := r.children(func(t xml.StartElement) error {
		n++
		lang, simple := "", true
		for _, a := range t.Attr {
			if isLang(a) {
				lang = a.Value
			}
			if isRDF(a.Name, "parseType") || (!skipAttr(a) && a.Name.Space != "") {
				simple = false
			}
		}
		if !isRDF(t.Name, "li") || !simple || n > r.MaxItems {
			if n > r.MaxItems {
				p.Dropped++
			}
			return r.d.Skip()
		}
		s, ok, err := r.simpleText()
		if ok {
			p.Items = append(p.Items, XMPItem{lang, s})
		}
		return err
	})
	if err != nil {
		return err
	}
	r.Property(p)
	return nil
}

// simpleText reads the text content of an element up to its end tag. It
// reports false when the element holds elements (a structure).
func (r *XMPReader) simpleText() (string, bool, error) {
	var text strings.Builder
	simple := true
	for {
		tok, err := r.next()
		if err != nil {
			return "", false, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			r.text(&text, t)
		case xml.StartElement:
			simple = false
			if err := r.d.Skip(); err != nil {
				return "", false, err
			}
		case xml.EndElement:
			return strings.TrimSpace(text.String()), simple, nil
		}
	}
}

// structure reads a structure given with rdf:parseType="Resource" (fields
// as child elements) or in attributes (fields given).
func (r *XMPReader) structure(key string, fields []xml.Attr) error {
	for _, a := range fields {
		if fk := r.Key(a.Name); fk != "" {
			r.Property(XMPProperty{Key: key, Field: fk, Text: strings.TrimSpace(a.Value)})
		}
	}
	if fields != nil {
		return r.d.Skip()
	}
	return r.fieldElements(key)
}

// structFields reads a nested rdf:Description holding fields, then the
// property's end tag.
func (r *XMPReader) structFields(key string, se xml.StartElement) error {
	for _, a := range se.Attr {
		if !skipAttr(a) {
			if fk := r.Key(a.Name); fk != "" {
				r.Property(XMPProperty{Key: key, Field: fk, Text: strings.TrimSpace(a.Value)})
			}
		}
	}
	return r.fieldElements(key)
}

// fieldElements reads simple field elements up to the enclosing end tag.
func (r *XMPReader) fieldElements(key string) error {
	return r.children(func(t xml.StartElement) error {
		fk := r.Key(t.Name)
		if isRDF(t.Name, "value") {
			fk = "rdf:value"
		}
		if fk == "" {
			return r.d.Skip()
		}
		s, ok, err := r.simpleText()
		if ok && s != "" {
			r.Property(XMPProperty{Key: key, Field: fk, Text: s})
		}
		return err
	})
}
