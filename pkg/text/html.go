package text

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

var htmlMetaCharset = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)`)

// htmlDeclared returns the encoding an HTML document declares in a meta
// element or an XML declaration near its start.
func htmlDeclared(sample []byte) string {
	head := sample[:min(len(sample), 4096)]
	if m := htmlMetaCharset.FindSubmatch(head); m != nil {
		return string(m[1])
	}
	return xmlDeclared(head)
}

// extractHTML writes the text of an HTML or XHTML file, decoded from the
// encoding its byte order mark or meta element declares, or else detected.
func extractHTML(s *sink, f *os.File, size int64) error {
	cs, r, err := sourceCharset(f, size, htmlDeclared)
	if err != nil {
		return err
	}
	s.encoding = cs.name
	return htmlText(s, r, false)
}

// htmlSkip lists elements whose content is not text for a reader: scripts,
// styles, templates, fallbacks for disabled scripts, embedded SVG and
// embedded objects.
var htmlSkip = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Template: true, atom.Noscript: true,
	atom.Svg: true, atom.Iframe: true, atom.Object: true, atom.Canvas: true, atom.Noembed: true,
	atom.Noframes: true,
}

// htmlBlock lists elements that start and end a line.
var htmlBlock = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Li: true, atom.Ul: true, atom.Ol: true, atom.Dl: true,
	atom.Dt: true, atom.Dd: true, atom.Table: true, atom.Tr: true, atom.Blockquote: true,
	atom.Pre: true, atom.Hr: true, atom.Section: true, atom.Article: true, atom.Header: true,
	atom.Footer: true, atom.Nav: true, atom.Aside: true, atom.Main: true, atom.Figure: true,
	atom.Figcaption: true, atom.Address: true, atom.Form: true, atom.Fieldset: true,
	atom.Legend: true, atom.Details: true, atom.Summary: true, atom.Caption: true,
	atom.Option: true, atom.Textarea: true, atom.Body: true, atom.Html: true, atom.Title: true,
	atom.Center: true, atom.Menu: true, atom.Tbody: true, atom.Thead: true, atom.Tfoot: true,
}

// htmlText writes the text of an HTML document read as UTF-8 from r: the
// title first (unless skipTitle), scripts and styles dropped, block elements
// on their own lines, table cells separated by tabs, whitespace collapsed
// except in pre elements, entities decoded. It keeps no element stack, so
// deep nesting costs nothing.
func htmlText(s *sink, r io.Reader, skipTitle bool) error {
	z := html.NewTokenizer(r)
	z.SetMaxBuf(s.opts.MaxTokenBytes)
	skip, pre, cells, inTitle := 0, 0, 0, false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			err := z.Err()
			if err == io.EOF {
				return nil
			}
			if errors.Is(err, html.ErrBufferExceeded) {
				s.truncate(fmt.Sprintf("an HTML token is longer than %d bytes (MaxTokenBytes); the text after it is left out", s.opts.MaxTokenBytes))
				return nil
			}
			return err
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			start := tt != html.EndTagToken
			if htmlSkip[a] {
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch {
			case a == atom.Title:
				inTitle = tt == html.StartTagToken
				if !inTitle {
					s.Break()
				}
			case a == atom.Br:
				if cells > 0 {
					s.Space()
				} else {
					s.Newline()
				}
			case a == atom.Td || a == atom.Th:
				if tt == html.StartTagToken {
					cells++
				} else if !start && cells > 0 {
					cells--
					s.Tab()
				}
			case a == atom.Tr || a == atom.Table:
				s.Break()
			case a == atom.Pre:
				if tt == html.StartTagToken {
					pre++
				} else if tt == html.EndTagToken && pre > 0 {
					pre--
				}
				s.Break()
			case htmlBlock[a]:
				if cells > 0 {
					s.Space() // paragraphs inside a table cell stay in its row
				} else {
					s.Break()
				}
			}
		case html.TextToken:
			if skip > 0 || (inTitle && skipTitle) {
				continue
			}
			text := z.Text()
			if pre > 0 {
				if err := s.Text(string(text)); err != nil {
					return err
				}
				continue
			}
			if err := writeSpaced(s, string(text)); err != nil {
				return err
			}
		}
		if err := s.check(); err != nil {
			return err
		}
	}
}

// utf8Reader returns r decoded to UTF-8 from the encoding declared near its
// start (XML declaration or meta element), for HTML inside other formats.
func utf8Reader(r io.Reader) (io.Reader, string) {
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(4096)
	if cs, ok := bomCharset(head); ok {
		_, _ = br.Discard(cs.bom)
		if dec := decoderFor(cs); dec != nil {
			return dec.Reader(br), cs.name
		}
		return br, cs.name
	}
	if label := htmlDeclared(head); label != "" {
		if cs, ok := lookupCharset(label); ok {
			if dec := decoderFor(cs); dec != nil {
				return dec.Reader(br), cs.name
			}
			return br, cs.name
		}
	}
	return br, "utf-8"
}
