package meta

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
)

// XMP returns the metadata as a complete XMP packet: RDF/XML in an
// x:xmpmeta element between xpacket processing instructions, one
// rdf:Description per namespace, language alternatives as rdf:Alt with
// xml:lang, ordered lists as rdf:Seq, unordered lists as rdf:Bag and
// structure fields inside rdf:parseType="Resource" elements.
func (m *Metadata) XMP() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	buf.WriteString("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"assetcompute\">\n")
	buf.WriteString(" <rdf:RDF xmlns:rdf=\"" + nsRDF + "\">\n")

	// Group the properties by the prefix of their top-level name; struct
	// fields follow their parent key in Properties' order.
	type group struct {
		prefix string
		props  []Property
	}
	var groups []*group
	byPrefix := map[string]*group{}
	for _, p := range m.Properties {
		prefix, _ := splitKey(p.Key)
		if m.NamespaceURI(prefix) == "" {
			continue
		}
		g := byPrefix[prefix]
		if g == nil {
			g = &group{prefix: prefix}
			byPrefix[prefix] = g
			groups = append(groups, g)
		}
		g.props = append(g.props, p)
	}
	for _, g := range groups {
		// Namespaces used by this group: its own and its struct fields'.
		used := map[string]bool{g.prefix: true}
		for _, p := range g.props {
			if i := strings.IndexByte(p.Key, '/'); i > 0 {
				fp, _ := splitKey(p.Key[i+1:])
				if m.NamespaceURI(fp) != "" {
					used[fp] = true
				}
			}
		}
		prefixes := make([]string, 0, len(used))
		for p := range used {
			prefixes = append(prefixes, p)
		}
		sort.Strings(prefixes)
		buf.WriteString("  <rdf:Description rdf:about=\"\"")
		for _, p := range prefixes {
			buf.WriteString("\n    xmlns:" + p + "=\"")
			xmlEscape(&buf, m.NamespaceURI(p))
			buf.WriteString("\"")
		}
		buf.WriteString(">\n")
		openStruct := ""
		for _, p := range g.props {
			parent, field, isField := strings.Cut(p.Key, "/")
			if isField {
				fp, _ := splitKey(field)
				if !used[fp] || strings.Contains(field, "/") {
					continue
				}
				if openStruct != parent {
					if openStruct != "" {
						buf.WriteString("   </" + openStruct + ">\n")
					}
					buf.WriteString("   <" + parent + " rdf:parseType=\"Resource\">\n")
					openStruct = parent
				}
				writeProp(&buf, "    ", field, p.Value)
				continue
			}
			if openStruct != "" {
				buf.WriteString("   </" + openStruct + ">\n")
				openStruct = ""
			}
			writeProp(&buf, "   ", p.Key, p.Value)
		}
		if openStruct != "" {
			buf.WriteString("   </" + openStruct + ">\n")
		}
		buf.WriteString("  </rdf:Description>\n")
	}
	buf.WriteString(" </rdf:RDF>\n</x:xmpmeta>\n")
	// Padding lets an editor grow the packet in place, as XMP recommends.
	pad := strings.Repeat(" ", 99) + "\n"
	for i := 0; i < 20; i++ {
		buf.WriteString(pad)
	}
	buf.WriteString("<?xpacket end=\"w\"?>")
	return buf.Bytes(), nil
}

func writeProp(buf *bytes.Buffer, indent, name string, v Value) {
	switch v.Kind {
	case KindLangAlt:
		buf.WriteString(indent + "<" + name + ">\n" + indent + " <rdf:Alt>\n")
		for _, a := range v.Alt {
			buf.WriteString(indent + "  <rdf:li xml:lang=\"")
			xmlEscape(buf, a.Lang)
			buf.WriteString("\">")
			xmlEscape(buf, a.Text)
			buf.WriteString("</rdf:li>\n")
		}
		buf.WriteString(indent + " </rdf:Alt>\n" + indent + "</" + name + ">\n")
	case KindSeq, KindBag:
		c := "rdf:Seq"
		if v.Kind == KindBag {
			c = "rdf:Bag"
		}
		buf.WriteString(indent + "<" + name + ">\n" + indent + " <" + c + ">\n")
		for _, it := range v.Items {
			buf.WriteString(indent + "  <rdf:li>")
			xmlEscape(buf, it.String())
			buf.WriteString("</rdf:li>\n")
		}
		buf.WriteString(indent + " </" + c + ">\n" + indent + "</" + name + ">\n")
	default:
		buf.WriteString(indent + "<" + name + ">")
		xmlEscape(buf, v.String())
		buf.WriteString("</" + name + ">\n")
	}
}

func xmlEscape(buf *bytes.Buffer, s string) {
	for _, r := range s {
		switch r {
		case '&':
			buf.WriteString("&amp;")
		case '<':
			buf.WriteString("&lt;")
		case '>':
			buf.WriteString("&gt;")
		case '"':
			buf.WriteString("&quot;")
		case '\r':
			buf.WriteString("&#xD;")
		default:
			if r < 0x20 && r != '\t' && r != '\n' || r == 0xFFFE || r == 0xFFFF {
				continue
			}
			buf.WriteRune(r)
		}
	}
}

// JSON returns the metadata as one flat JSON object. Keys are
// "prefix:Name" (struct fields "prefix:Struct/prefix:Field"), in the order
// of Properties. Numbers are JSON numbers (rationals as their decimal value,
// GPS coordinates as signed decimal degrees, GPS altitude signed), booleans
// are JSON booleans, dates are ISO 8601 strings, lists are arrays, and a
// language alternative is its x-default text under the key itself plus one
// "key@lang" entry per other language.
func (m *Metadata) JSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	first := true
	put := func(key string, raw []byte) {
		if !first {
			buf.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(key)
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(raw)
	}
	for _, p := range m.Properties {
		if p.Value.Kind == KindLangAlt {
			raw, err := json.Marshal(p.Value.Default())
			if err != nil {
				return nil, err
			}
			put(p.Key, raw)
			for _, a := range p.Value.Alt {
				if a.Lang == "x-default" {
					continue
				}
				raw, err := json.Marshal(a.Text)
				if err != nil {
					return nil, err
				}
				put(p.Key+"@"+a.Lang, raw)
			}
			continue
		}
		raw, err := json.Marshal(jsonValue(p.Value))
		if err != nil {
			return nil, err
		}
		put(p.Key, raw)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// Map returns the JSON form of the metadata as a Go map (the same keys and
// values JSON writes).
func (m *Metadata) Map() map[string]any {
	out := make(map[string]any, len(m.Properties))
	for _, p := range m.Properties {
		if p.Value.Kind == KindLangAlt {
			out[p.Key] = p.Value.Default()
			for _, a := range p.Value.Alt {
				if a.Lang != "x-default" {
					out[p.Key+"@"+a.Lang] = a.Text
				}
			}
			continue
		}
		out[p.Key] = jsonValue(p.Value)
	}
	return out
}

func jsonValue(v Value) any {
	switch v.Kind {
	case KindNumber:
		return v.Num
	case KindBool:
		return v.Bool
	case KindSeq, KindBag:
		out := make([]any, len(v.Items))
		for i, it := range v.Items {
			out[i] = jsonValue(it)
		}
		return out
	case KindLangAlt:
		return v.Default()
	}
	return v.Text
}
