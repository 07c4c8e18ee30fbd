package text

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// errStop ends a walk early without error (a page cap was reached).
var errStop = errors.New("text: stop")

// odfSkip lists OpenDocument elements whose content is not document text:
// tracked (deleted) changes, footnote numbers, declarations, forms, styles,
// scripts, and the author and date of comments.
var odfSkip = map[string]bool{
	"tracked-changes": true, "note-citation": true, "sequence-decls": true, "variable-decls": true,
	"user-field-decls": true, "forms": true, "automatic-styles": true, "font-face-decls": true,
	"scripts": true, "event-listeners": true, "page-thumbnail": true, "table-columns": true,
	"table-column": true, "named-expressions": true, "database-ranges": true, "settings": true,
}

// odfSkipNS lists elements skipped by namespace: comment authors and dates
// (dc:creator, dc:date, meta:date-string) and image titles and descriptions
// (svg:title, svg:desc).
func odfSkipNS(n xml.Name) bool {
	switch {
	case strings.HasSuffix(n.Space, "purl.org/dc/elements/1.1/"):
		return n.Local == "creator" || n.Local == "date"
	case strings.HasSuffix(n.Space, ":meta:1.0"):
		return n.Local == "date-string"
	case strings.HasSuffix(n.Space, ":svg-compatible:1.0"):
		return n.Local == "title" || n.Local == "desc"
	}
	return false
}

// extractODF writes the text of an OpenDocument text, spreadsheet or
// presentation. For text documents, page headers come first and footers
// last; spreadsheets write each table's name before its rows and separate
// tables with form feeds; presentations separate slides with form feeds and
// include speaker notes.
func extractODF(s *sink, z *safeZip) error {
	if err := odfCheckEncrypted(s, z); err != nil {
		return err
	}
	if z.format == "odt" && z.has("styles.xml") {
		if err := odfPart(s, z, "styles.xml", "header"); err != nil {
			return err
		}
		s.Break()
	}
	if err := odfPart(s, z, "content.xml", ""); err != nil {
		return err
	}
	if z.format == "odt" && z.has("styles.xml") {
		s.Break()
		if err := odfPart(s, z, "styles.xml", "footer"); err != nil {
			return err
		}
	}
	return nil
}

// odfCheckEncrypted reports a password-protected document: its manifest
// lists encryption data for content.xml.
func odfCheckEncrypted(s *sink, z *safeZip) error {
	if !z.has("META-INF/manifest.xml") {
		return nil
	}
	isContent, enc := false, false
	err := walkXML(s, z, "META-INF/manifest.xml", func(tok xml.Token) error {
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "file-entry":
				isContent = attr(se, "full-path") == "content.xml"
			case "encryption-data":
				if isContent {
					enc = true
				}
			}
		}
		return nil
	})
	if enc {
		return encrypted(z.format)
	}
	return err
}

// odfPart writes one OpenDocument XML part. With region "header" or
// "footer", only the master pages' headers or footers of styles.xml are
// written. Footnotes, endnotes and comments are held back and written after
// the part's text.
func odfPart(s *sink, z *safeZip, part, region string) error {
	skip := 0
	inPara := 0
	cells := 0
	inRegion := 0
	masters := 0
	noteDepth := 0
	nt := s.newNotes()
	out := func() *sink {
		if noteDepth > 0 {
			return nt.sink
		}
		return s
	}
	err := walkXML(s, z, part, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 || odfSkip[t.Name.Local] || odfSkipNS(t.Name) {
				skip++
				return nil
			}
			local := t.Name.Local
			if region != "" {
				if local == "master-styles" {
					masters++
				}
				if masters > 0 && strings.HasPrefix(local, region) {
					inRegion++
				}
				if inRegion == 0 {
					return nil
				}
			}
			switch local {
			case "note-body", "annotation":
				noteDepth++
				out().Break()
			case "p", "h":
				inPara++
			case "s":
				if inPara > 0 {
					n, err := strconv.Atoi(attr(t, "c"))
					if err != nil || n < 1 {
						n = 1
					}
					return out().Text(strings.Repeat(" ", min(n, 64)))
				}
			case "tab":
				if inPara > 0 {
					out().InlineTab()
				}
			case "line-break":
				out().Newline()
			case "text-box":
				out().Break()
			case "table-cell", "covered-table-cell":
				cells++
			case "table":
				if z.format == "ods" && region == "" {
					return odfNewPage(s, "sheets", attr(t, "name"))
				}
			case "page":
				if z.format == "odp" && region == "" {
					return odfNewPage(s, "slides", "")
				}
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				return nil
			}
			local := t.Name.Local
			if region != "" {
				if inRegion == 0 {
					if local == "master-styles" {
						masters--
					}
					return nil
				}
				if strings.HasPrefix(local, region) {
					inRegion--
				}
			}
			switch local {
			case "p", "h":
				inPara--
				if cells > 0 {
					out().Space()
				} else {
					out().Break()
				}
			case "note-body", "annotation":
				out().Break()
				noteDepth--
			case "table-cell", "covered-table-cell":
				cells--
				out().Tab()
			case "table-row", "notes", "text-box":
				out().Break()
			}
		case xml.CharData:
			if skip == 0 && inPara > 0 && (region == "" || inRegion > 0) {
				return writeSpaced(out(), string(t))
			}
		}
		return nil
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	if err != nil {
		return err
	}
	return nt.flushTo(s)
}

// odfNewPage starts a sheet or slide, or stops the walk at the page cap.
func odfNewPage(s *sink, what, name string) error {
	if err := ctxErr(s.ctx); err != nil {
		return err
	}
	if s.pages >= s.opts.MaxPages {
		s.truncate(fmt.Sprintf("only the first %d %s were read (MaxPages)", s.opts.MaxPages, what))
		return errStop
	}
	if s.pages > 0 {
		s.PageBreak()
	}
	s.pages++
	if name != "" {
		if err := s.Text(name); err != nil {
			return err
		}
		s.Break()
	}
	return nil
}

// writeSpaced writes text in which every run of whitespace counts as one
// space (the OpenDocument and HTML rule).
func writeSpaced(s *sink, str string) error {
	for len(str) > 0 {
		i := strings.IndexAny(str, " \t\r\n\f")
		if i < 0 {
			return s.Text(str)
		}
		if i > 0 {
			if err := s.Text(str[:i]); err != nil {
				return err
			}
		}
		s.Space()
		j := i
		for j < len(str) && strings.IndexByte(" \t\r\n\f", str[j]) >= 0 {
			j++
		}
		str = str[j:]
	}
	return nil
}
