package text

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf16"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// rtfCodePages maps Windows code page numbers (\ansicpg, \cpg) to encodings.
var rtfCodePages = map[int]encoding.Encoding{
	437: charmap.CodePage437, 850: charmap.CodePage850, 852: charmap.CodePage852, 866: charmap.CodePage866,
	874: charmap.Windows874, 932: japanese.ShiftJIS, 936: simplifiedchinese.GBK, 949: korean.EUCKR,
	950: traditionalchinese.Big5, 1250: charmap.Windows1250, 1251: charmap.Windows1251,
	1252: charmap.Windows1252, 1253: charmap.Windows1253, 1254: charmap.Windows1254,
	1255: charmap.Windows1255, 1256: charmap.Windows1256, 1257: charmap.Windows1257,
	1258: charmap.Windows1258, 10000: charmap.Macintosh, 20866: charmap.KOI8R, 28591: charmap.ISO8859_1,
	28592: charmap.ISO8859_2, 28595: charmap.ISO8859_5, 28597: charmap.ISO8859_7, 54936: simplifiedchinese.GB18030,
}

// rtfCharsetCodePage maps font charsets (\fcharset) to code pages; 0 means
// the document's code page.
var rtfCharsetCodePage = map[int]int{
	0: 0, 1: 0, 2: 1252, 77: 10000, 128: 932, 129: 949, 134: 936, 136: 950, 161: 1253, 162: 1254,
	163: 1258, 177: 1255, 178: 1256, 186: 1257, 204: 1251, 222: 874, 238: 1250, 254: 437, 255: 850,
}

// rtfCodePageNames are the names reported in Result.Encoding.
func rtfCodePageName(cp int) string {
	switch cp {
	case 932:
		return "shift_jis"
	case 936:
		return "gbk"
	case 949:
		return "euc-kr"
	case 950:
		return "big5"
	case 10000:
		return "macintosh"
	case 20866:
		return "koi8-r"
	case 54936:
		return "gb18030"
	case 437, 850, 852, 866:
		return fmt.Sprintf("ibm%d", cp)
	}
	if cp >= 28591 && cp <= 28599 {
		return fmt.Sprintf("iso-8859-%d", cp-28590)
	}
	return fmt.Sprintf("windows-%d", cp)
}

// rtfSkip lists destinations whose content is not document text.
var rtfSkip = map[string]bool{
	"fonttbl": true, "colortbl": true, "stylesheet": true, "info": true, "pict": true,
	"listtable": true, "listoverridetable": true, "revtbl": true, "rsidtbl": true, "generator": true,
	"filetbl": true, "themedata": true, "colorschememapping": true, "datastore": true,
	"latentstyles": true, "pgdsctbl": true, "xmlnstbl": true, "fldinst": true, "nonshppict": true,
	"shppict": true, "sp": true, "sn": true, "sv": true, "bkmkstart": true, "bkmkend": true,
	"objdata": true, "objclass": true, "xe": true, "tc": true, "atnid": true, "atnauthor": true,
	"atntime": true, "atndate": true, "fontemb": true, "fontfile": true, "falt": true, "panose": true,
	"template": true, "pntxta": true, "pntxtb": true, "userprops": true, "docvar": true,
	"background": true, "mmathPr": true, "wgrffmtfilter": true, "passwordhash": true, "defchp": true,
	"defpap": true, "private": true, "blipuid": true, "shprslt": true,
}

// rtfStarKept are ignorable destinations (\*\name) that hold document text:
// the instructions and text of a shape, and the text box of an old-style
// drawing object (\do ... \dptxbx ... \dptxbxtext). The result of a shape
// for readers without shapes (\shprslt) repeats that text and is skipped.
var rtfStarKept = map[string]bool{"shpinst": true, "shptxt": true, "do": true, "dptxbx": true}

// rtfBlocks are destinations written on lines of their own: page headers
// and footers, which sit inline at the start of a section.
var rtfBlocks = map[string]bool{
	"header": true, "headerl": true, "headerr": true, "headerf": true,
	"footer": true, "footerl": true, "footerr": true, "footerf": true,
}

// rtfSymbols maps control words that stand for one character.
var rtfSymbols = map[string]string{
	"emdash": "—", "endash": "–", "bullet": "•", "lquote": "‘", "rquote": "’", "ldblquote": "“",
	"rdblquote": "”", "emspace": " ", "enspace": " ", "qmspace": " ",
}

// rtfCheckBytes is how many bytes pass between two context checks.
const rtfCheckBytes = 64 << 10

// rtfGroup is the state a group inherits and restores.
type rtfGroup struct {
	skip    bool
	note    bool // footnote or comment: held back and written at the end
	fonttbl bool
	block   bool // the group's text ends its line (headers, footers)
	upr     bool // inside \upr, whose ANSI text is skipped for its \ud
	uc      int
	font    int
}

// rtfParser turns an RTF byte stream into sink calls.
type rtfParser struct {
	s        *sink
	notes    *notes
	r        *bufio.Reader
	st       rtfGroup
	stack    []rtfGroup
	overflow int // groups opened past the depth cap

	docCP   int
	fontCP  map[int]int // font number -> code page
	defFont int
	fontDef int // font being defined in the font table

	pending  []byte // text bytes in the current code page
	ucSkip   int    // fallback characters still to skip after \uN
	high     rune   // pending high surrogate from \uN
	star     bool   // the next control word is an ignorable destination
	sawWords int
}

// extractRTF writes the text of an RTF document: \uN Unicode escapes (with
// their \ucN fallbacks skipped), \'hh bytes decoded in the code page of
// their font or of the document (\ansicpg), the Unicode copy of \upr text
// rather than its ANSI one, fields as their results, headers and footers on
// lines of their own where they appear, footnotes and comments after the
// body, the text of shapes and of old drawing objects' text boxes; font
// tables, style sheets, pictures, objects' data, field instructions and
// other non-text destinations skipped. A document holding none of that
// text has an empty text; one that ends inside open groups is truncated.
func extractRTF(s *sink, f *os.File, _ int64) error {
	return rtfText(s, f)
}

// rtfText writes the text of the RTF document read from r.
func rtfText(s *sink, r io.Reader) error {
	p := &rtfParser{s: s, r: bufio.NewReaderSize(r, 64<<10), docCP: 1252, fontCP: map[int]int{}, st: rtfGroup{uc: 1}}
	head, _ := p.r.Peek(5)
	if string(head) != `{\rtf` {
		// Leading whitespace or a BOM before the header.
		for {
			c, err := p.r.ReadByte()
			if err != nil {
				return corrupt("rtf", errors.New("no {\\rtf header"))
			}
			if c == '{' {
				_ = p.r.UnreadByte()
				break
			}
		}
	}
	p.notes = s.newNotes()
	err := p.run()
	s.encoding = rtfCodePageName(p.docCP)
	if err != nil {
		return err
	}
	if open := len(p.stack) + p.overflow; open > 0 {
		s.damaged(fmt.Sprintf("RTF ends inside %d open groups; it is truncated", open))
	}
	return p.notes.flushTo(s)
}

// out is the sink for text in the current group: the notes for footnotes
// and comments, the main output otherwise.
func (p *rtfParser) out() *sink {
	if p.st.note {
		return p.notes.sink
	}
	return p.s
}

func (p *rtfParser) run() error {
	for n := 1; ; n++ {
		if n%rtfCheckBytes == 0 {
			// Skipped destinations (a picture's hex) write nothing that
			// would check the context.
			if err := ctxErr(p.s.ctx); err != nil {
				return err
			}
		}
		c, err := p.r.ReadByte()
		if err == io.EOF {
			return p.flush()
		}
		if err != nil {
			return err
		}
		switch c {
		case '{':
			if err := p.flush(); err != nil {
				return err
			}
			p.ucSkip = 0
			if len(p.stack) >= max(p.s.opts.MaxDepth, 16) {
				if p.overflow == 0 {
					p.s.truncate(fmt.Sprintf("RTF groups nested deeper than %d levels are left out (MaxDepth)", max(p.s.opts.MaxDepth, 16)))
				}
				p.overflow++
				continue
			}
			p.stack = append(p.stack, p.st)
			p.star = false
		case '}':
			if err := p.flush(); err != nil {
				return err
			}
			p.ucSkip = 0
			if p.overflow > 0 {
				p.overflow--
				continue
			}
			if len(p.stack) == 0 {
				return p.flush() // a brace past the end of the document
			}
			if p.st.block && p.stack[len(p.stack)-1].block != p.st.block {
				p.out().Break()
			}
			p.st = p.stack[len(p.stack)-1]
			p.stack = p.stack[:len(p.stack)-1]
		case '\\':
			if err := p.control(); err != nil {
				return err
			}
		case '\r', '\n':
		case '\t':
			if err := p.flush(); err != nil {
				return err
			}
			if p.visible() {
				p.out().InlineTab()
			}
		default:
			if p.ucSkip > 0 {
				p.ucSkip--
				continue
			}
			if p.visible() {
				p.pending = append(p.pending, c)
				if len(p.pending) >= 4096 {
					if err := p.flush(); err != nil {
						return err
					}
				}
			}
		}
	}
}

// visible reports whether text in the current group is document text.
func (p *rtfParser) visible() bool { return !p.st.skip && p.overflow == 0 && !p.st.fonttbl }

// codePage returns the code page of text in the current font.
func (p *rtfParser) codePage() int {
	if cp, ok := p.fontCP[p.st.font]; ok && cp != 0 {
		return cp
	}
	return p.docCP
}

// flush decodes and writes pending text bytes.
func (p *rtfParser) flush() error {
	if len(p.pending) == 0 {
		return nil
	}
	b := p.pending
	p.pending = p.pending[:0]
	enc, ok := rtfCodePages[p.codePage()]
	if !ok {
		enc = charmap.Windows1252
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		out = b
	}
	return p.out().Text(string(out))
}

// control reads and applies a control word or symbol after its backslash.
func (p *rtfParser) control() error {
	c, err := p.r.ReadByte()
	if err != nil {
		return nil // a lone backslash at the end
	}
	if !isASCIILetter(c) {
		return p.symbol(c)
	}
	word := []byte{c}
	for len(word) < 32 {
		c, err = p.r.ReadByte()
		if err != nil || !isASCIILetter(c) {
			break
		}
		word = append(word, c)
	}
	param, hasParam := 0, false
	if err == nil && (c == '-' || (c >= '0' && c <= '9')) {
		neg := c == '-'
		if neg {
			c, err = p.r.ReadByte()
		}
		digits := 0
		for err == nil && c >= '0' && c <= '9' && digits < 10 {
			param = param*10 + int(c-'0')
			digits++
			hasParam = true
			c, err = p.r.ReadByte()
		}
		if neg {
			param = -param
		}
	}
	if err == nil && c != ' ' {
		_ = p.r.UnreadByte()
	}
	return p.word(string(word), param, hasParam)
}

func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// symbol applies a control symbol: \'hh, \\, \{, \}, \~, \-, \_ and others.
func (p *rtfParser) symbol(c byte) error {
	switch c {
	case '\'':
		hex := make([]byte, 2)
		if _, err := io.ReadFull(p.r, hex); err != nil {
			return nil
		}
		v, ok := hexByte(hex)
		if !ok {
			return nil
		}
		if p.ucSkip > 0 {
			p.ucSkip--
			return nil
		}
		if p.visible() {
			p.pending = append(p.pending, v)
		}
		return nil
	case '*':
		p.star = true
		return nil
	}
	if p.ucSkip > 0 {
		p.ucSkip--
		return nil
	}
	if !p.visible() {
		return nil
	}
	switch c {
	case '\\', '{', '}':
		p.pending = append(p.pending, c)
	case '~':
		if err := p.flush(); err != nil {
			return err
		}
		return p.out().Text("\u00a0")
	case '_':
		p.pending = append(p.pending, '-')
	case '\n', '\r':
		if err := p.flush(); err != nil {
			return err
		}
		p.out().Newline()
	}
	return nil
}

func hexByte(h []byte) (byte, bool) {
	var v byte
	for _, c := range h {
		v <<= 4
		switch {
		case c >= '0' && c <= '9':
			v |= c - '0'
		case c >= 'a' && c <= 'f':
			v |= c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v |= c - 'A' + 10
		default:
			return 0, false
		}
	}
	return v, true
}

// word applies a control word.
func (p *rtfParser) word(w string, param int, hasParam bool) error {
	p.sawWords++
	if p.sawWords%1024 == 0 {
		if err := p.s.check(); err != nil {
			return err
		}
	}
	star := p.star
	p.star = false
	// Document and font table settings apply even in skipped groups.
	switch w {
	case "ansicpg":
		if _, ok := rtfCodePages[param]; ok {
			p.docCP = param
		}
		return nil
	case "mac":
		p.docCP = 10000
		return nil
	case "pc":
		p.docCP = 437
		return nil
	case "pca":
		p.docCP = 850
		return nil
	case "deff":
		p.defFont = param
		p.st.font = param
		return nil
	case "fonttbl":
		if err := p.flush(); err != nil {
			return err
		}
		p.st.fonttbl = true
		return nil
	case "f":
		if p.st.fonttbl {
			p.fontDef = param
		} else {
			if err := p.flush(); err != nil {
				return err
			}
			p.st.font = param
		}
		return nil
	case "fcharset":
		if p.st.fonttbl {
			if cp, ok := rtfCharsetCodePage[param]; ok {
				p.fontCP[p.fontDef] = cp
			}
		}
		return nil
	case "cpg":
		if p.st.fonttbl {
			if _, ok := rtfCodePages[param]; ok {
				p.fontCP[p.fontDef] = param
			}
		}
		return nil
	case "uc":
		if hasParam && param >= 0 && param < 16 {
			p.st.uc = param
		}
		return nil
	case "bin":
		// Binary data: skip it whatever the group.
		if param > 0 {
			if _, err := p.r.Discard(param); err != nil {
				return nil
			}
		}
		return nil
	case "u":
		if err := p.flush(); err != nil {
			return err
		}
		r := rune(param)
		if r < 0 {
			r += 65536
		}
		p.ucSkip = p.st.uc
		if !p.visible() {
			return nil
		}
		switch {
		case utf16.IsSurrogate(r) && r < 0xdc00:
			p.high = r
			return nil
		case utf16.IsSurrogate(r):
			if p.high != 0 {
				r = utf16.DecodeRune(p.high, r)
			}
			p.high = 0
		default:
			p.high = 0
		}
		return p.out().Text(string(r))
	}
	if p.ucSkip > 0 {
		p.ucSkip--
		return nil
	}
	if w == "footnote" || w == "annotation" {
		if err := p.flush(); err != nil {
			return err
		}
		p.st.note = true
		p.out().Break()
		return nil
	}
	switch {
	case w == "upr":
		// {\upr{ANSI text}{\*\ud{Unicode text}}}: the same text twice.
		p.st.upr, p.st.skip = true, true
		return nil
	case w == "ud" && star && p.st.upr:
		p.st.upr, p.st.skip = false, false
		return nil
	case rtfBlocks[w] && p.visible():
		if err := p.flush(); err != nil {
			return err
		}
		p.out().Break()
		p.st.block = true
		return nil
	}
	if star && !rtfStarKept[w] {
		if err := p.flush(); err != nil {
			return err
		}
		p.st.skip = true
		return nil
	}
	if rtfSkip[w] {
		if err := p.flush(); err != nil {
			return err
		}
		p.st.skip = true
		return nil
	}
	if !p.visible() {
		return nil
	}
	if sym, ok := rtfSymbols[w]; ok {
		if err := p.flush(); err != nil {
			return err
		}
		return p.out().Text(sym)
	}
	switch w {
	case "par", "line":
		if err := p.flush(); err != nil {
			return err
		}
		p.out().Newline()
	case "sect", "page", "row", "pagebb":
		if err := p.flush(); err != nil {
			return err
		}
		p.out().Break()
	case "tab":
		if err := p.flush(); err != nil {
			return err
		}
		p.out().InlineTab()
	case "cell", "nestcell":
		if err := p.flush(); err != nil {
			return err
		}
		p.out().Tab()
	case "plain", "pard":
		// Formatting resets; \plain also resets the font.
		if w == "plain" {
			if err := p.flush(); err != nil {
				return err
			}
			p.st.font = p.defFont
		}
	}
	return nil
}
