package text

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"golang.org/x/text/encoding"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// newXMLDecoder returns a strict streaming decoder that reads documents in
// any encoding they declare. encoding/xml never expands entities declared in
// a DTD and never fetches external ones, so entity-expansion attacks
// ("billion laughs") find nothing to expand: an undeclared entity is a
// syntax error, a DTD is an inert directive.
func newXMLDecoder(r io.Reader) *xml.Decoder {
	d := xml.NewDecoder(r)
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		cs, ok := lookupCharset(label)
		if !ok {
			return nil, fmt.Errorf("unknown XML encoding %q", label)
		}
		if cs.enc == nil {
			return in, nil
		}
		return cs.enc.NewDecoder().Reader(in), nil
	}
	return d
}

// partDecoder reads an XML part of a zip-based document: strictly, with
// namespaces, in any encoding it declares, each token capped at
// Options.MaxTokenBytes and the nesting of elements at Options.MaxXMLDepth
// (encoding/xml keeps a stack of the open elements), both failing with
// ReasonSourceTooLarge. Other errors are SourceCorrupt, naming the part.
type partDecoder struct {
	d            *xml.Decoder
	lim          *tokenLimiter
	format, part string
	depth, max   int
}

func newPartDecoder(z *safeZip, part string, r io.Reader) *partDecoder {
	lim := &tokenLimiter{r: r, max: int64(z.opts.MaxTokenBytes)}
	return &partDecoder{d: newXMLDecoder(lim), lim: lim, format: z.format, part: part, max: z.opts.MaxXMLDepth}
}

// next returns the next token, io.EOF at the end of the part, or an error
// with an api reason.
func (p *partDecoder) next() (xml.Token, error) {
	p.lim.mark()
	tok, err := p.d.Token()
	if err != nil || p.lim.hit {
		// A token is also cut short without an error: the decoder returns
		// the part of a text run it read before the reader failed.
		if p.lim.hit || errors.Is(err, errTokenTooLarge) {
			return nil, api.Errorf(api.ReasonSourceTooLarge,
				"%s part %s has a markup token (a text run, tag, comment or CDATA section) longer than %d bytes (MaxTokenBytes)",
				p.format, p.part, p.lim.max)
		}
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, xmlErr(p.format, p.part, err)
	}
	switch tok.(type) {
	case xml.StartElement:
		if p.depth++; p.depth > p.max {
			return nil, api.Errorf(api.ReasonSourceTooLarge,
				"%s part %s nests elements deeper than %d levels (MaxXMLDepth)", p.format, p.part, p.max)
		}
	case xml.EndElement:
		p.depth--
	}
	return tok, nil
}

// errTokenTooLarge is returned by a tokenLimiter once the token being read
// is longer than MaxTokenBytes.
var errTokenTooLarge = errors.New("markup token too large")

// tokenSlack is what a decoder may read ahead of the token it returns
// (its buffer, a charset decoder's buffer), allowed on top of the cap.
const tokenSlack = 64 << 10

// tokenLimiter caps the bytes an XML decoder reads for one token, so that a
// text run, tag, comment or CDATA section of gigabytes fails early instead
// of being buffered whole: the decoder gets errTokenTooLarge from Read once
// more than max bytes (plus tokenSlack) were read since the last mark.
type tokenLimiter struct {
	r    io.Reader
	max  int64
	n    int64 // bytes read
	base int64 // n at the last mark
	hit  bool
}

func (l *tokenLimiter) Read(p []byte) (int, error) {
	if l.n-l.base > l.max+tokenSlack {
		l.hit = true
		return 0, errTokenTooLarge
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}

// mark is called before each token is read.
func (l *tokenLimiter) mark() { l.base = l.n }

// markupDecoder reads a standalone XML file (generic XML, SVG) leniently:
// not strict, HTML entities known, entities declared in a DTD never
// expanded, raw tokens only (no element stack and no namespace
// resolution, so deep nesting costs no memory), and each token capped at
// Options.MaxTokenBytes. The input is already UTF-8.
type markupDecoder struct {
	s     *sink
	d     *xml.Decoder
	lim   *tokenLimiter
	depth int // elements open, counted only
}

func newMarkupDecoder(s *sink, r io.Reader) *markupDecoder {
	lim := &tokenLimiter{r: r, max: int64(s.opts.MaxTokenBytes)}
	d := xml.NewDecoder(lim)
	d.Strict = false
	d.Entity = xml.HTMLEntity
	// The stream is already UTF-8, whatever the declaration says.
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	return &markupDecoder{s: s, d: d, lim: lim}
}

// next returns the next token, or errTokenTooLarge for a token longer
// than MaxTokenBytes (which markupErr turns into a truncation). A document
// that ends while elements are still open ends with a syntax error, as for
// a strict decoder. The context is checked through the sink, so that a
// document of markup without text also stops at the deadline.
func (m *markupDecoder) next() (xml.Token, error) {
	if err := m.s.check(); err != nil {
		return nil, err
	}
	m.lim.mark()
	tok, err := m.d.RawToken()
	switch {
	case err == io.EOF && m.depth > 0:
		line, _ := m.d.InputPos()
		return nil, &xml.SyntaxError{Msg: fmt.Sprintf("unexpected EOF with %d elements open", m.depth), Line: line}
	case m.lim.hit || errors.Is(err, errTokenTooLarge):
		// Also without an error: the decoder returns the part of a text
		// run it read before the reader failed.
		return nil, errTokenTooLarge
	}
	switch tok.(type) {
	case xml.StartElement:
		m.depth++
	case xml.EndElement:
		m.depth = max(m.depth-1, 0)
	}
	return tok, err
}

// markupErr turns an error of a markupDecoder into the outcome for the
// sink: a syntax error damages the source from there on and a token over
// MaxTokenBytes truncates it (the text before either is kept); anything
// else is returned.
func markupErr(s *sink, what string, err error) error {
	if errors.Is(err, errTokenTooLarge) {
		s.truncate(fmt.Sprintf("%s has a token (a text run, tag, comment or CDATA section) longer than %d bytes (MaxTokenBytes); the text after it is left out", what, s.opts.MaxTokenBytes))
		return nil
	}
	if isAPIError(err) || errors.Is(err, errTruncated) {
		return err
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		s.damaged(fmt.Sprintf("%s is malformed at line %d (%s); the text after it is left out", what, se.Line, se.Msg))
		return nil
	}
	return err
}

// decoderFor is the encoding helper shared by formats that transcode
// streams.
func decoderFor(cs charset) *encoding.Decoder {
	if cs.enc == nil {
		return nil
	}
	return cs.enc.NewDecoder()
}

// attr returns the value of the attribute with the given local name.
func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// attrNS returns the value of the attribute with the given local name whose
// namespace URI ends with space (namespace URIs differ between the
// transitional and strict flavours of OOXML).
func attrNS(se xml.StartElement, spaceSuffix, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local && len(a.Name.Space) >= len(spaceSuffix) && a.Name.Space[len(a.Name.Space)-len(spaceSuffix):] == spaceSuffix {
			return a.Value
		}
	}
	return ""
}

// xmlErr turns a decoding error into a SourceCorrupt error naming the part,
// unless it already has an api reason (limits, truncation, deadline).
func xmlErr(format, part string, err error) error {
	if isAPIError(err) || errors.Is(err, errTruncated) {
		return err
	}
	return corrupt(format, fmt.Errorf("part %s: %w", part, err))
}
