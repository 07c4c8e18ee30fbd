package meta

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
)

// readSVG reads the root element's size (width and height in user units
// or pixels, else the viewBox), the document's title and desc, and any XMP
// (rdf:RDF) inside its metadata element. At most MaxTextBytes are read.
func readSVG(x *extraction) error {
	b := x.b
	data, err := x.s.readUpTo(0, b.opts.MaxTextBytes)
	if err != nil {
		return err
	}
	if int64(len(data)) < x.s.size {
		b.warn("SVG: only the first %d bytes were read", len(data))
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false // SVG in the wild has HTML entities; none are expanded
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) { return r, nil }
	depth := 0
	root := true
	inMeta := false
	var textOf string // "title" or "desc" of the root
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if root {
				return corruptf("not an SVG document: %v", err)
			}
			b.warn("SVG: malformed XML: %v", err)
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > b.opts.MaxXMLDepth {
				b.warn("SVG: elements nested too deeply; stopped")
				return nil
			}
			if root {
				root = false
				if t.Name.Local != "svg" {
					return corruptf("the root element is %q, not svg", t.Name.Local)
				}
				svgSize(b, t)
				continue
			}
			switch {
			case t.Name.Space == nsRDF && t.Name.Local == "RDF":
				if err := rdfFrom(b, d, prioXMP, "SVG XMP"); err != nil {
					b.warn("SVG XMP: %v", err)
				}
				depth--
			case inMeta:
			case depth == 2 && t.Name.Local == "metadata":
				inMeta = true
			case depth == 2 && (t.Name.Local == "title" || t.Name.Local == "desc"):
				textOf = t.Name.Local
				text.Reset()
			}
		case xml.CharData:
			if textOf != "" && text.Len() < b.opts.MaxValueBytes {
				text.Write(t)
			}
		case xml.EndElement:
			if depth == 2 {
				switch {
				case textOf == "title":
					b.set("dc:title", LangAlt(text.String()), prioIPTC)
				case textOf == "desc":
					b.set("dc:description", LangAlt(text.String()), prioIPTC)
				}
				textOf = ""
				inMeta = false
			}
			depth--
		}
	}
	if root {
		return corruptf("no svg element")
	}
	return nil
}

func svgSize(b *builder, t xml.StartElement) {
	w, wok := svgLength(attr(t.Attr, "width"))
	h, hok := svgLength(attr(t.Attr, "height"))
	if vb := strings.Fields(strings.ReplaceAll(attr(t.Attr, "viewBox"), ",", " ")); len(vb) == 4 {
		vw, err1 := strconv.ParseFloat(vb[2], 64)
		vh, err2 := strconv.ParseFloat(vb[3], 64)
		if err1 == nil && err2 == nil && vw > 0 && vh > 0 {
			if !wok && !hok {
				w, h, wok, hok = vw, vh, true, true
			} else if wok && !hok {
				h, hok = w*vh/vw, true
			} else if hok && !wok {
				w, wok = h*vw/vh, true
			}
		}
	}
	if wok && hok {
		b.set("tiff:ImageWidth", Number(w), prioFile)
		b.set("tiff:ImageLength", Number(h), prioFile)
	}
	b.set("acs:ColorSpace", Text("RGB"), prioFile-2)
}

// svgLength reads an absolute SVG length as CSS pixels; percentages and
// font-relative units are not absolute.
func svgLength(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	unit := 1.0
	for _, u := range []struct {
		suffix string
		px     float64
	}{{"px", 1}, {"pt", 96.0 / 72}, {"pc", 16}, {"mm", 96 / 25.4}, {"cm", 96 / 2.54}, {"in", 96}} {
		if strings.HasSuffix(s, u.suffix) {
			s, unit = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.px
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f > 1e7 {
		return 0, false
	}
	return f * unit, true
}
