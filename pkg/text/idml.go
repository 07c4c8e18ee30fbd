package text

import (
	"encoding/xml"
	"path"
	"strings"
)

// idmlMIME is the mimetype entry of an InDesign markup package.
const idmlMIME = "application/vnd.adobe.indesign-idml-package"

// maxIDMLStories bounds the stories read from one package.
const maxIDMLStories = 10000

// extractIDML writes the text of an InDesign markup (IDML) package: the
// Content elements of its stories (Stories/*.xml), in the order the
// document map (designmap.xml) lists them, a line per paragraph (Br) and
// a blank line between stories. Stories the map does not list come after,
// in the package's order. Character and paragraph properties, and the
// processing instructions InDesign writes for special characters (page
// numbers, indent-to-here marks), are not text.
func extractIDML(s *sink, z *safeZip) error {
	var order []string
	seen := map[string]bool{}
	add := func(p string) {
		p = path.Clean(strings.TrimPrefix(p, "/"))
		if !seen[p] && z.has(p) && len(order) < maxIDMLStories {
			seen[p] = true
			order = append(order, p)
		}
	}
	if z.has("designmap.xml") {
		err := walkXML(s, z, "designmap.xml", func(tok xml.Token) error {
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Story" {
				if src := attr(se, "src"); src != "" {
					add(src)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, f := range z.zr.File {
		if strings.HasPrefix(f.Name, "Stories/") && strings.HasSuffix(f.Name, ".xml") {
			add(f.Name)
		}
	}
	for _, p := range order {
		if err := idmlStory(s, z, p); err != nil {
			return err
		}
		s.Break()
		s.Newline()
	}
	return nil
}

// idmlStory writes the text of one story part.
func idmlStory(s *sink, z *safeZip, part string) error {
	inContent, skip := 0, 0
	return walkXML(s, z, part, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case skip > 0 || t.Name.Local == "Properties":
				skip++
			case t.Name.Local == "Content":
				inContent++
			case t.Name.Local == "Br":
				s.Newline()
			}
		case xml.EndElement:
			switch {
			case skip > 0:
				skip--
			case t.Name.Local == "Content" && inContent > 0:
				inContent--
			case t.Name.Local == "ParagraphStyleRange", t.Name.Local == "Cell":
				s.Break()
			}
		case xml.CharData:
			if inContent > 0 && skip == 0 {
				return s.Text(string(t))
			}
		}
		return nil
	})
}
