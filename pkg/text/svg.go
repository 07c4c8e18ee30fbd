package text

import (
	"encoding/xml"
	"io"
	"os"
)

// svgTextElements are the SVG elements whose content is text: text and its
// flowed forms (textArea of SVG Tiny 1.2, flowRoot of Inkscape), and the
// titles and descriptions of the drawing and of its parts.
var svgTextElements = map[string]bool{"text": true, "textArea": true, "flowRoot": true, "title": true, "desc": true}

// svgSkip are SVG elements whose content is never text: style sheets,
// scripts, metadata (RDF), and the shapes a flowed text flows into.
var svgSkip = map[string]bool{"style": true, "script": true, "metadata": true, "flowRegion": true}

// extractSVG writes the text of an SVG drawing: the content of its text,
// textArea, flowRoot, title and desc elements, in document order, each on
// its own lines. Shapes, styles, scripts, metadata and attribute values are
// not text; an SVG without text elements has an empty text.
func extractSVG(s *sink, f *os.File, size int64) error {
	cs, r, err := sourceCharset(f, size, xmlDeclared)
	if err != nil {
		return err
	}
	s.encoding = cs.name
	return svgText(s, r)
}

// svgText writes the text of the SVG read as UTF-8 from r. Elements are
// matched by local name, unprefixed or with the prefix svg, so that a
// drawing whose namespace is given through a DTD entity (as Adobe
// Illustrator writes it) reads the same.
func svgText(s *sink, r io.Reader) error {
	d := newMarkupDecoder(s, r)
	inText, skip := 0, 0 // depths inside a text element and a skipped one
	for {
		tok, err := d.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return markupErr(s, "SVG", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			svg := t.Name.Space == "" || t.Name.Space == "svg"
			switch {
			case skip > 0:
				skip++
			case svg && svgSkip[t.Name.Local]:
				skip = 1
			case inText > 0:
				inText++
				svgLineStart(s, t)
			case svg && svgTextElements[t.Name.Local]:
				inText = 1
				s.Break()
			}
		case xml.EndElement:
			switch {
			case skip > 0:
				skip--
			case inText > 0:
				inText--
				if inText == 0 || t.Name.Local == "flowPara" {
					s.Break()
				}
			}
		case xml.CharData:
			if inText > 0 && skip == 0 {
				if err := writeSpaced(s, string(t)); err != nil {
					return err
				}
			}
		}
	}
}

// svgLineStart lays out an element inside a text element: a line of its own
// for a tspan placed at a new y (or at a new x and a dy, the usual way of
// writing a second line), a flowed paragraph or a line break; a word break
// for a tspan placed at a new x only.
func svgLineStart(s *sink, t xml.StartElement) {
	switch t.Name.Local {
	case "tspan":
		x, y, dy := attr(t, "x") != "", attr(t, "y") != "", attr(t, "dy") != ""
		switch {
		case y || (x && dy) || attr(t, "role") == "line":
			s.Break()
		case x:
			s.Space()
		}
	case "flowPara", "flowDiv":
		s.Break()
	case "tbreak":
		s.Newline()
	}
}
