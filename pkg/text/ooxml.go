package text

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// extractOOXML writes the text of an Office Open XML package whose main part
// is main: a DOCX, XLSX or PPTX.
func extractOOXML(s *sink, z *safeZip, main string) error {
	switch z.format {
	case "docx":
		return extractDOCX(s, z, main)
	case "xlsx":
		return extractXLSX(s, z, main)
	case "pptx":
		return extractPPTX(s, z, main)
	}
	return fmt.Errorf("unknown OOXML format %q", z.format)
}

// walkXML streams the part's tokens, calling fn for each, under the limits
// of a partDecoder. The zip reader checks the context as the part is
// expanded.
func walkXML(s *sink, z *safeZip, part string, fn func(tok xml.Token) error) error {
	rc, err := z.open(part)
	if err != nil {
		return err
	}
	defer rc.Close()
	d := newPartDecoder(z, part, rc)
	for {
		tok, err := d.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(tok); err != nil {
			return err
		}
	}
}

// relsOfType returns the targets of part's relationships whose type ends
// with /kind, in relationship order and without duplicates.
func relsOfType(rels []rel, kind string) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range rels {
		if strings.HasSuffix(r.Type, "/"+kind) && !seen[r.Target] {
			seen[r.Target] = true
			out = append(out, r.Target)
		}
	}
	return out
}

// optionalRels reads a relationships part that may be missing.
func optionalRels(z *safeZip, part string) ([]rel, error) {
	rels, err := readRels(z, relsPath(part), part)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return rels, err
}

// ---- DOCX ----

// docxSkip lists WordprocessingML elements whose content is not document
// text: properties, deleted and moved-away text, field instructions, and the
// fallback copies of alternate content (which repeat the chosen copy).
var docxSkip = map[string]bool{
	"pPr": true, "rPr": true, "sectPr": true, "tblPr": true, "tblGrid": true, "trPr": true, "tcPr": true,
	"delText": true, "delInstrText": true, "instrText": true, "moveFrom": true, "del": true,
	"Fallback": true, "fldData": true, "docPr": true, "style": true, "rPrChange": true, "pPrChange": true,
}

// extractDOCX writes headers, the body, footnotes, endnotes, comments and
// footers, in that order.
func extractDOCX(s *sink, z *safeZip, main string) error {
	rels, err := optionalRels(z, main)
	if err != nil {
		return err
	}
	parts := relsOfType(rels, "header")
	parts = append(parts, main)
	for _, kind := range []string{"footnotes", "endnotes", "comments"} {
		parts = append(parts, relsOfType(rels, kind)...)
	}
	parts = append(parts, relsOfType(rels, "footer")...)
	for _, part := range parts {
		if err := ctxErr(s.ctx); err != nil {
			return err
		}
		if err := docxPart(s, z, part); err != nil {
			if errors.Is(err, os.ErrNotExist) && part != main {
				s.warn(fmt.Sprintf("docx part %s is missing", part))
				continue
			}
			return err
		}
		s.Break()
	}
	return nil
}

// docxPart writes one WordprocessingML part: paragraphs one per line, table
// cells separated by tabs and rows one per line, text boxes where they are
// anchored.
func docxPart(s *sink, z *safeZip, part string) error {
	skip := 0   // depth inside skipped elements
	inText := 0 // depth inside w:t
	cells := 0  // depth inside table cells
	return walkXML(s, z, part, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 || docxSkip[t.Name.Local] {
				skip++
				return nil
			}
			switch t.Name.Local {
			case "t":
				inText++
			case "tab", "ptab":
				if cells > 0 {
					s.Tab()
				} else {
					s.InlineTab()
				}
			case "txbxContent":
				s.Break()
			case "br", "cr":
				s.Newline()
			case "noBreakHyphen":
				return s.Text("-")
			case "sym":
				if r, err := strconv.ParseUint(attr(t, "char"), 16, 32); err == nil && !(r >= 0xf000 && r <= 0xf0ff) {
					return s.Text(string(rune(r)))
				}
			case "tc":
				cells++
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				return nil
			}
			switch t.Name.Local {
			case "t":
				inText--
			case "p":
				if cells > 0 {
					s.Space()
				} else {
					s.Break()
				}
			case "tc":
				cells--
				s.Tab()
			case "tr", "txbxContent":
				s.Break()
			}
		case xml.CharData:
			if skip == 0 && inText > 0 {
				return s.Text(string(t))
			}
		}
		return nil
	})
}

// ---- PPTX ----

// extractPPTX writes the slides in presentation order, each followed by its
// speaker notes, slides separated by form feeds.
func extractPPTX(s *sink, z *safeZip, main string) error {
	rels, err := optionalRels(z, main)
	if err != nil {
		return err
	}
	byID := map[string]string{}
	for _, r := range rels {
		byID[r.ID] = r.Target
	}
	// Only the slides that will be read are kept; the others are counted.
	var slides []string
	total := 0
	err = walkXML(s, z, main, func(tok xml.Token) error {
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "sldId" {
			if target, ok := byID[attrNS(se, "/relationships", "id")]; ok {
				if total++; len(slides) < s.opts.MaxPages {
					slides = append(slides, target)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, slide := range slides {
		if err := ctxErr(s.ctx); err != nil {
			return err
		}
		if i > 0 {
			s.PageBreak()
		}
		s.pages++
		if err := drawingMLPart(s, z, slide, false); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				s.warn(fmt.Sprintf("pptx slide %s is missing", slide))
				continue
			}
			return err
		}
		srels, err := optionalRels(z, slide)
		if err != nil {
			return err
		}
		for _, notes := range relsOfType(srels, "notesSlide") {
			s.Break()
			if err := drawingMLPart(s, z, notes, true); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	if total > len(slides) {
		s.truncate(fmt.Sprintf("only the first %d of %d slides were read (MaxPages)", len(slides), total))
	}
	return nil
}

// drawingMLPart writes the text of a slide or notes part: paragraphs one per
// line, table cells separated by tabs. For notes, the placeholders that
// repeat the slide (its image, number, header, footer and date) are left
// out.
func drawingMLPart(s *sink, z *safeZip, part string, notes bool) error {
	skip, inText, cells := 0, 0, 0
	readShape := true
	return walkXML(s, z, part, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 || t.Name.Local == "Fallback" {
				skip++
				return nil
			}
			switch t.Name.Local {
			case "sp":
				readShape = true
			case "ph":
				if notes {
					switch attr(t, "type") {
					case "sldImg", "sldNum", "hdr", "ftr", "dt":
						readShape = false
					}
				}
			case "t":
				inText++
			case "br":
				if readShape {
					s.Newline()
				}
			case "tc":
				cells++
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				return nil
			}
			switch t.Name.Local {
			case "t":
				inText--
			case "p":
				if readShape {
					if cells > 0 {
						s.Space()
					} else {
						s.Break()
					}
				}
			case "tc":
				cells--
				s.Tab()
			case "tr":
				s.Break()
			}
		case xml.CharData:
			if skip == 0 && inText > 0 && readShape {
				return s.Text(string(t))
			}
		}
		return nil
	})
}

// ---- XLSX ----

// xlsxStyles is what number formatting needs from styles.xml.
type xlsxStyles struct {
	formats map[int]string // custom numFmtId -> format code
	xfs     []int          // cellXfs index -> numFmtId
}

// extractXLSX writes each worksheet: its name on the first line, then one
// line per row with the cells' displayed values separated by tabs; sheets
// separated by form feeds.
func extractXLSX(s *sink, z *safeZip, main string) error {
	rels, err := optionalRels(z, main)
	if err != nil {
		return err
	}
	byID := map[string]string{}
	for _, r := range rels {
		byID[r.ID] = r.Target
	}
	// Only the sheets that will be read are kept; the others are counted.
	type sheet struct{ name, part string }
	var sheets []sheet
	total := 0
	date1904 := false
	err = walkXML(s, z, main, func(tok xml.Token) error {
		se, ok := tok.(xml.StartElement)
		if !ok {
			return nil
		}
		switch se.Name.Local {
		case "sheet":
			if target, ok := byID[attrNS(se, "/relationships", "id")]; ok {
				if total++; len(sheets) < s.opts.MaxPages {
					sheets = append(sheets, sheet{attr(se, "name"), target})
				}
			}
		case "workbookPr":
			date1904 = attr(se, "date1904") == "1" || attr(se, "date1904") == "true"
		}
		return nil
	})
	if err != nil {
		return err
	}
	var shared []string
	for _, part := range relsOfType(rels, "sharedStrings") {
		if shared, err = xlsxSharedStrings(s, z, part); err != nil {
			return err
		}
	}
	styles := xlsxStyles{formats: map[int]string{}}
	for _, part := range relsOfType(rels, "styles") {
		if err := xlsxReadStyles(s, z, part, &styles); err != nil {
			s.warn("xlsx styles could not be read; numbers are written unformatted")
		}
	}
	for i, sh := range sheets {
		if err := ctxErr(s.ctx); err != nil {
			return err
		}
		if i > 0 {
			s.PageBreak()
		}
		s.pages++
		if err := s.Text(sh.name); err != nil {
			return err
		}
		s.Break()
		if err := xlsxSheet(s, z, sh.part, shared, &styles, date1904); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				s.warn(fmt.Sprintf("xlsx sheet %q is missing", sh.name))
				continue
			}
			return err
		}
	}
	if total > len(sheets) {
		s.truncate(fmt.Sprintf("only the first %d of %d sheets were read (MaxPages)", len(sheets), total))
	}
	return nil
}

// xlsxSharedStrings reads the shared string table. It keeps at most a
// budget of bytes (8 per MaxChars character, at least 16 MiB), each string
// counting its length plus the size of its header; strings past it are
// left out (cells that use them read as empty), with a warning.
func xlsxSharedStrings(s *sink, z *safeZip, part string) ([]string, error) {
	budget := max(16<<20, 8*s.opts.MaxChars)
	var out []string
	var cur strings.Builder
	inSI, inT, skip := false, 0, 0
	err := walkXML(s, z, part, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case skip > 0 || t.Name.Local == "rPh" || t.Name.Local == "phoneticPr":
				skip++ // phonetic guides repeat the text in kana
			case t.Name.Local == "si":
				inSI = true
				cur.Reset()
			case t.Name.Local == "t":
				inT++
			}
		case xml.EndElement:
			switch {
			case skip > 0:
				skip--
			case t.Name.Local == "si":
				inSI = false
				str := cur.String()
				if cost := len(str) + xlsxStringCost; cost > budget {
					if budget >= 0 {
						s.truncate("xlsx shared strings exceed the memory budget; later strings are left out")
						budget = -1
					}
					return nil
				}
				budget -= len(str) + xlsxStringCost
				out = append(out, str)
			case t.Name.Local == "t":
				inT--
			}
		case xml.CharData:
			if inSI && inT > 0 && skip == 0 {
				cur.Write(t)
			}
		}
		return nil
	})
	return out, err
}

// xlsxStringCost is what a shared string costs in memory besides its
// bytes: its string header in the table.
const xlsxStringCost = 16

// xlsxMaxStyles caps the custom number formats and the cell formats read
// from styles.xml; Excel allows about 250 of the first and 64000 of the
// second.
const xlsxMaxStyles = 1 << 16

// xlsxReadStyles reads custom number formats and the cell formats' number
// format ids, at most xlsxMaxStyles of each.
func xlsxReadStyles(s *sink, z *safeZip, part string, st *xlsxStyles) error {
	inXfs := false
	return walkXML(s, z, part, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmt":
				if id, err := strconv.Atoi(attr(t, "numFmtId")); err == nil && len(st.formats) < xlsxMaxStyles {
					st.formats[id] = attr(t, "formatCode")
				}
			case "cellXfs":
				inXfs = true
			case "xf":
				if inXfs && len(st.xfs) < xlsxMaxStyles {
					id, _ := strconv.Atoi(attr(t, "numFmtId"))
					st.xfs = append(st.xfs, id)
				}
			}
		case xml.EndElement:
			if t.Name.Local == "cellXfs" {
				inXfs = false
			}
		}
		return nil
	})
}

// xlsxSheet writes the rows of one worksheet in row order, the non-empty
// cells of a row separated by tabs.
func xlsxSheet(s *sink, z *safeZip, part string, shared []string, st *xlsxStyles, date1904 bool) error {
	var (
		inCell, inV, inIS, inT bool
		cellType, cellStyle    string
		val                    strings.Builder
		col, lastCol           int
	)
	return walkXML(s, z, part, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				lastCol = 0
			case "c":
				inCell = true
				cellType, cellStyle = attr(t, "t"), attr(t, "s")
				val.Reset()
				col = columnOf(attr(t, "r"), lastCol+1)
			case "v":
				inV = inCell
			case "is":
				inIS = inCell
			case "t":
				inT = inIS
			case "rPh":
				inIS = false // phonetic runs repeat the text
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				inV = false
			case "t":
				inT = false
			case "is":
				inIS = false
			case "c":
				inCell = false
				text := xlsxCellText(cellType, cellStyle, val.String(), shared, st, date1904)
				if text == "" {
					return nil
				}
				// Keep columns aligned across rows: one tab per column
				// boundary, at most maxColumnGap for a run of empty cells.
				for i := 0; i < min(col-lastCol, maxColumnGap); i++ {
					if lastCol > 0 || i > 0 {
						s.Tab()
					}
				}
				lastCol = col
				return s.Text(text)
			case "row":
				s.Break()
			}
		case xml.CharData:
			if (inV || inT) && val.Len() < 1<<20 {
				val.Write(t)
			}
		}
		return nil
	})
}

// maxColumnGap caps the tabs written for a run of empty cells.
const maxColumnGap = 64

// columnOf returns the 1-based column of a cell reference ("C7" -> 3), or
// def when the reference is missing or malformed.
func columnOf(ref string, def int) int {
	col := 0
	for i := 0; i < len(ref) && i < 4; i++ {
		c := ref[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
	}
	if col == 0 {
		return def
	}
	return col
}

// xlsxCellText returns a cell's value as text: strings as they are, booleans
// as TRUE/FALSE, numbers through their number format.
func xlsxCellText(typ, style, v string, shared []string, st *xlsxStyles, date1904 bool) string {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(shared) {
			return ""
		}
		return shared[i]
	case "inlineStr", "str", "e", "d":
		return v
	case "b":
		if strings.TrimSpace(v) == "1" {
			return "TRUE"
		}
		return "FALSE"
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	id := 0
	if xf, err := strconv.Atoi(style); err == nil && xf >= 0 && xf < len(st.xfs) {
		id = st.xfs[xf]
	}
	code, ok := st.formats[id]
	if !ok {
		code = builtinNumFmt[id]
	}
	return formatNumber(f, code, date1904)
}

// builtinNumFmt are the number formats every spreadsheet knows by id.
var builtinNumFmt = map[int]string{
	0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%",
	11: "0.00E+00", 12: "# ?/?", 13: "# ??/??", 14: "yyyy-mm-dd", 15: "d-mmm-yy", 16: "d-mmm",
	17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss",
	22: "yyyy-mm-dd h:mm", 37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)",
	40: "#,##0.00;[Red](#,##0.00)", 45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
}
