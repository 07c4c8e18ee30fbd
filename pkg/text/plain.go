package text

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"
)

// sourceCharset decides the encoding of a text source from its first
// sniffLen bytes, and returns a reader of its text as UTF-8 (byte order mark
// skipped).
func sourceCharset(f *os.File, size int64, declared func(sample []byte) string) (charset, io.Reader, error) {
	sample := make([]byte, min(size, sniffLen))
	if _, err := f.ReadAt(sample, 0); err != nil && err != io.EOF {
		return charset{}, nil, err
	}
	cs, ok := bomCharset(sample)
	if !ok && declared != nil {
		if label := declared(sample); label != "" {
			if dcs, found := lookupCharset(label); found {
				cs, ok = dcs, true
				if cs.enc == nil && !validUTF8Prefix(sample, size <= sniffLen) {
					ok = false // declared UTF-8 but is not: detect instead
				}
			}
		}
	}
	if !ok {
		cs = detectCharset(sample, size <= sniffLen)
	}
	if _, err := f.Seek(int64(cs.bom), io.SeekStart); err != nil {
		return charset{}, nil, err
	}
	var r io.Reader = f
	if dec := decoderFor(cs); dec != nil {
		r = dec.Reader(f)
	}
	return cs, r, nil
}

// extractPlain writes a text file (plain text, CSV, Markdown, JSON) as it is,
// decoded to UTF-8.
func extractPlain(s *sink, f *os.File, size int64) error {
	cs, r, err := sourceCharset(f, size, nil)
	if err != nil {
		return err
	}
	s.encoding = cs.name
	return copyText(s, r)
}

// copyText streams UTF-8 text from r to s in chunks cut on character
// boundaries.
func copyText(s *sink, r io.Reader) error {
	buf := make([]byte, 32<<10)
	carry := 0
	for {
		n, err := r.Read(buf[carry:])
		n += carry
		cut := n
		if err == nil {
			// Keep an incomplete trailing character for the next round.
			for back := 1; back <= 3 && back <= n; back++ {
				if utf8.RuneStart(buf[n-back]) {
					if !utf8.FullRune(buf[n-back : n]) {
						cut = n - back
					}
					break
				}
			}
		}
		if cut > 0 {
			if werr := s.Text(string(buf[:cut])); werr != nil {
				return werr
			}
		}
		carry = copy(buf, buf[cut:n])
		if err == io.EOF {
			if carry > 0 {
				return s.Text(string(buf[:carry]))
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}

var xmlDeclEncoding = regexp.MustCompile(`^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)

// xmlDeclared returns the encoding named in an XML declaration.
func xmlDeclared(sample []byte) string {
	if m := xmlDeclEncoding.FindSubmatch(bytes.TrimLeft(sample, " \t\r\n")); m != nil {
		return string(m[1])
	}
	return ""
}

// extractXML writes the character data of a generic XML document: markup,
// comments and processing instructions dropped, one line per element on its
// own line in the source. Malformed XML is read up to the error, which is
// reported as truncation.
func extractXML(s *sink, f *os.File, size int64) error {
	cs, r, err := sourceCharset(f, size, xmlDeclared)
	if err != nil {
		return err
	}
	s.encoding = cs.name
	return xmlText(s, r)
}

// xmlText writes the character data of the XML document read as UTF-8
// from r.
func xmlText(s *sink, r io.Reader) error {
	d := newMarkupDecoder(s, r)
	for {
		tok, err := d.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return markupErr(s, "XML", err)
		}
		switch t := tok.(type) {
		case xml.StartElement, xml.EndElement:
			s.Space()
		case xml.CharData:
			if err := writeCollapsed(s, string(t)); err != nil {
				return err
			}
		}
	}
}

// writeCollapsed writes text whose whitespace is layout, not content: a run
// of whitespace with a line break in it ends the line, any other run becomes
// one space.
func writeCollapsed(s *sink, str string) error {
	for len(str) > 0 {
		i := strings.IndexAny(str, " \t\r\n\f\v")
		if i < 0 {
			return s.Text(str)
		}
		if i > 0 {
			if err := s.Text(str[:i]); err != nil {
				return err
			}
		}
		j := i
		nl := false
		for j < len(str) && strings.IndexByte(" \t\r\n\f\v", str[j]) >= 0 {
			if str[j] == '\n' || str[j] == '\r' {
				nl = true
			}
			j++
		}
		if nl {
			s.Break()
		} else {
			s.Space()
		}
		str = str[j:]
	}
	return nil
}
