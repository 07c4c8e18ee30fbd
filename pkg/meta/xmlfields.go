package meta

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
)

// xmlElem is one element of a small XML document read by xmlElems: its
// name, attributes and direct text.
type xmlElem struct {
	Space, Local string
	Attr         []xml.Attr
	Text         string
	Depth        int
}

// xmlElems reads every element of a small XML document (office document
// properties, an EPUB package), bounded in depth and count. Entities are
// never expanded beyond XML's predefined ones.
func xmlElems(b *builder, data []byte, what string) []xmlElem {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "us-ascii") {
			return r, nil
		}
		return nil, io.ErrUnexpectedEOF
	}
	var out []xmlElem
	var texts [][]byte // the text of out[i], appended to without copying it again at each piece
	var stack []int
	done := func() []xmlElem {
		for i := range out {
			out[i].Text = string(texts[i])
		}
		return out
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return done()
		}
		if err != nil {
			b.warn("%s: malformed XML: %v", what, err)
			return done()
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= b.opts.MaxXMLDepth || len(out) >= 10000 {
				b.warn("%s: XML too deep or too large; stopped", what)
				return done()
			}
			out = append(out, xmlElem{Space: t.Name.Space, Local: t.Name.Local, Attr: t.Attr, Depth: len(stack)})
			texts = append(texts, nil)
			stack = append(stack, len(out)-1)
		case xml.CharData:
			if len(stack) > 0 {
				i := stack[len(stack)-1]
				if room := b.opts.MaxValueBytes - len(texts[i]); room > 0 {
					texts[i] = append(texts[i], t[:min(len(t), room)]...)
				}
			}
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
}

func attr(as []xml.Attr, local string) string {
	for _, a := range as {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}
