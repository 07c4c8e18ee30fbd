package text

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// errTruncated is returned by the sink once MaxChars characters have been
// written. Extractors pass it up unchanged; Extract turns it into
// Result.Truncated.
var errTruncated = errors.New("text: character limit reached")

// ctxCheckEvery is how many sink calls pass between two context checks.
const ctxCheckEvery = 64

// sink is the state of one extraction: the output stream with its layout,
// filtering, normalization and character cap, and the facts gathered for the
// Result. Every extractor writes through a sink, never to the io.Writer.
//
// Layout is lazy: Break, Space, Tab and PageBreak only record what separator
// is due, and it is written when the next text arrives, so separators never
// pile up at line ends, at the start or at the end of the output.
type sink struct {
	ctx  context.Context
	opts Options

	out  *bufio.Writer
	nfc  io.WriteCloser
	cnt  *capWriter
	last byte // last byte handed to the normalizer; 0 before any
	err  error

	atLineStart bool
	pendingWS   []byte // spaces and tabs not yet written
	pendingNL   int    // newlines not yet written (at most 2)
	pendingFF   int    // form feeds not yet written
	calls       int

	// Facts for the Result.
	format    string
	encoding  string
	language  string
	wantLang  string // the language of the text track to read, if any
	pages     int
	truncated bool
	warnings  []string
	damage    string // why the text after some point was left out, if the source is damaged
}

func newSink(ctx context.Context, w io.Writer, opts Options) *sink {
	s := &sink{ctx: ctx, opts: opts, atLineStart: true}
	s.out = bufio.NewWriterSize(w, 64<<10)
	s.cnt = &capWriter{w: s.out, max: opts.MaxChars}
	s.nfc = norm.NFC.Writer(s.cnt)
	return s
}

// warn records a warning for the Result, once per distinct message.
func (s *sink) warn(msg string) {
	for _, w := range s.warnings {
		if w == msg {
			return
		}
	}
	if len(s.warnings) < 20 {
		s.warnings = append(s.warnings, msg)
	}
}

// truncate records that the output is incomplete for a reason other than
// the character cap (a page cap, a nesting cap).
func (s *sink) truncate(msg string) {
	s.truncated = true
	s.warn(msg)
}

// damaged records that the source is damaged (malformed, cut short) from
// some point on and the text after it is left out: a truncation with a
// warning. When nothing at all was written before the damage, Extract fails
// with SourceCorrupt instead of returning an empty text.
func (s *sink) damaged(msg string) {
	s.truncate(msg)
	if s.damage == "" {
		s.damage = msg
	}
}

// check returns the sticky error, or the context's error every
// ctxCheckEvery calls.
func (s *sink) check() error {
	if s.err != nil {
		return s.err
	}
	s.calls++
	if s.calls%ctxCheckEvery == 0 {
		if err := ctxErr(s.ctx); err != nil {
			s.err = err
		}
	}
	return s.err
}

// Text writes a run of document text. Line breaks inside it (LF, CR, CRLF,
// NEL, U+2028, U+2029) become newlines, a form feed becomes a page break,
// spaces and tabs are kept except at line ends, other control characters are
// dropped.
func (s *sink) Text(str string) error {
	if err := s.check(); err != nil {
		return err
	}
	start := -1 // start of a run of plain characters in str
	for i := 0; i < len(str); {
		r, size := utf8.DecodeRuneInString(str[i:])
		plain := true
		switch {
		case r == ' ' || r == '\t':
			plain = false
		case r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029 || r == '\f':
			plain = false
		case r < 0x20 || (r >= 0x7f && r < 0xa0) || r == 0xfeff || isNonChar(r):
			plain = false
		case r == utf8.RuneError && size == 1:
			plain = false // invalid UTF-8: written as U+FFFD below
		}
		if plain {
			if start < 0 {
				start = i
			}
			i += size
			continue
		}
		if start >= 0 {
			if err := s.emit(str[start:i]); err != nil {
				return err
			}
			start = -1
		}
		switch r {
		case ' ', '\t':
			if len(s.pendingWS) < 256 {
				s.pendingWS = append(s.pendingWS, byte(r))
			}
		case '\r':
			if i+1 < len(str) && str[i+1] == '\n' {
				break // the LF that follows makes the newline
			}
			s.Newline()
		case '\n', 0x85, 0x2028, 0x2029:
			s.Newline()
		case '\f':
			s.PageBreak()
		case utf8.RuneError:
			if err := s.emit("\uFFFD"); err != nil {
				return err
			}
		}
		i += size
	}
	if start >= 0 {
		return s.emit(str[start:])
	}
	return nil
}

// isNonChar reports Unicode noncharacters, which have no place in text.
func isNonChar(r rune) bool {
	return (r >= 0xfdd0 && r <= 0xfdef) || r&0xfffe == 0xfffe
}

// emit writes characters that need no filtering, after the pending
// separators.
func (s *sink) emit(str string) error {
	if s.pendingFF > 0 {
		if s.last != 0 && s.last != '\n' && s.last != '\f' {
			if err := s.write("\n"); err != nil {
				return err
			}
		}
		if err := s.write(strings.Repeat("\f", s.pendingFF)); err != nil {
			return err
		}
		s.pendingFF, s.pendingNL = 0, 0
	}
	if s.pendingNL > 0 {
		if s.last != 0 && s.last != '\f' {
			if err := s.write("\n\n"[:s.pendingNL]); err != nil {
				return err
			}
		}
		s.pendingNL = 0
	}
	if len(s.pendingWS) > 0 {
		if err := s.write(string(s.pendingWS)); err != nil {
			return err
		}
		s.pendingWS = s.pendingWS[:0]
	}
	s.atLineStart = false
	return s.write(str)
}

func (s *sink) write(str string) error {
	if s.err != nil {
		return s.err
	}
	if str == "" {
		return nil
	}
	if _, err := io.WriteString(s.nfc, str); err != nil {
		s.fail(err)
		return s.err
	}
	if s.cnt.full {
		s.fail(errTruncated)
		return s.err
	}
	s.last = str[len(str)-1]
	return nil
}

func (s *sink) fail(err error) {
	if errors.Is(err, errTruncated) {
		s.truncated = true
		err = errTruncated
	}
	if s.err == nil {
		s.err = err
	}
}

// Newline ends the current line; two in a row make a blank line, more are
// not written.
func (s *sink) Newline() {
	s.pendingWS = s.pendingWS[:0]
	s.atLineStart = true
	if s.pendingNL < 2 {
		s.pendingNL++
	}
}

// Break ends the current line unless it is empty: the end of a paragraph,
// heading, list item or table row.
func (s *sink) Break() {
	if !s.atLineStart {
		s.Newline()
	} else {
		s.pendingWS = s.pendingWS[:0]
	}
}

// Space separates two words unless a separator is already due.
func (s *sink) Space() {
	if !s.atLineStart && len(s.pendingWS) == 0 && s.last != ' ' && s.last != '\t' {
		s.pendingWS = append(s.pendingWS, ' ')
	}
}

// Tab separates two table cells.
func (s *sink) Tab() {
	for len(s.pendingWS) > 0 && s.pendingWS[len(s.pendingWS)-1] == ' ' {
		s.pendingWS = s.pendingWS[:len(s.pendingWS)-1]
	}
	if len(s.pendingWS) < 256 {
		s.pendingWS = append(s.pendingWS, '\t')
	}
}

// PageBreak ends a page, slide or sheet.
func (s *sink) PageBreak() {
	s.pendingWS = s.pendingWS[:0]
	s.pendingNL = 0
	s.atLineStart = true
	s.pendingFF++
}

// close writes what is still due (the form feeds of trailing empty pages and
// a final newline) and flushes the output. A document without any text
// gets no form feeds either: its text is empty. It returns the number of
// characters written.
func (s *sink) close() (int, error) {
	if s.err == nil {
		if s.pendingFF > 0 && s.last != 0 {
			s.pendingWS = s.pendingWS[:0]
			_ = s.emit("")
		}
		if s.err == nil && s.last != 0 && s.last != '\n' && s.last != '\f' {
			_ = s.write("\n")
		}
		if s.err == nil {
			if err := s.nfc.Close(); err != nil {
				s.fail(err)
			}
		}
	}
	ferr := s.out.Flush()
	if s.err != nil && !errors.Is(s.err, errTruncated) {
		return s.cnt.chars, s.err
	}
	return s.cnt.chars, ferr
}

// capWriter passes at most max characters to w, cutting on a character
// boundary, and then reports full.
type capWriter struct {
	w     io.Writer
	max   int
	chars int
	full  bool
}

func (c *capWriter) Write(p []byte) (int, error) {
	if c.full {
		return 0, errTruncated
	}
	n := utf8.RuneCount(p)
	if c.chars+n <= c.max {
		c.chars += n
		return c.w.Write(p)
	}
	// Cut at the character that would go past the cap.
	keep := c.max - c.chars
	cut := 0
	for i := 0; i < keep; i++ {
		_, size := utf8.DecodeRune(p[cut:])
		cut += size
	}
	c.chars += keep
	c.full = true
	if _, err := c.w.Write(p[:cut]); err != nil {
		return 0, err
	}
	return len(p), errTruncated
}

// InlineTab writes a tab that is part of the text (not a cell separator):
// dropped at the start of a line, where it is only indentation.
func (s *sink) InlineTab() {
	if !s.atLineStart {
		s.Tab()
	}
}

// maxNotesChars caps the text held back by a notes sink.
const maxNotesChars = 1 << 20

// notes is a sink whose text is held in memory to be written after the main
// text, for formats that put footnotes and comments inline in the source
// (ODF, RTF) while the output puts them after the body, as for DOCX.
type notes struct {
	*sink
	buf *bytes.Buffer
}

// newNotes returns a notes sink sharing s's context and limits.
func (s *sink) newNotes() *notes {
	buf := &bytes.Buffer{}
	opts := s.opts
	opts.MaxChars = min(opts.MaxChars, maxNotesChars)
	return &notes{sink: newSink(s.ctx, buf, opts), buf: buf}
}

// flushTo writes the notes held back to s, each on its own lines after the
// text written so far.
func (n *notes) flushTo(s *sink) error {
	if _, err := n.close(); err != nil {
		return err
	}
	if n.truncated {
		s.truncate(fmt.Sprintf("footnotes and comments beyond %d characters are left out", n.opts.MaxChars))
	}
	if n.buf.Len() == 0 {
		return nil
	}
	s.Break()
	return s.Text(n.buf.String())
}
