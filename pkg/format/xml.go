package format

import (
	"bytes"
	"strings"
)

// Prolog is what ScanXMLProlog finds at the start of an XML document.
type Prolog struct {
	// Short is true when the data ends before the root element (or inside
	// the prolog): more of the document is needed to tell.
	Short bool
	// Root is the name of the root element, as written ("svg",
	// "svg:svg", "html"), or "" when the data is not XML or is Short.
	Root string
	// Offset is the offset of the root element's '<' in the data.
	Offset int
	// Subset is the internal subset of the document type declaration,
	// between its brackets, or nil.
	Subset []byte
}

// ScanXMLProlog reads the prolog of an XML document that starts with
// head: an optional UTF-8 byte order mark, white space, the XML
// declaration, comments, processing instructions and a document type
// declaration (with an internal subset whose quoted literals, comments and
// processing instructions may hold '>' and ']'), up to the root element.
// Data that does not start with '<' after white space is not XML: Root is
// "" and Short false.
func ScanXMLProlog(head []byte) Prolog {
	s := bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	p := len(head) - len(s)
	var subset []byte
	for {
		for p < len(head) && isXMLSpace(head[p]) {
			p++
		}
		rest := head[p:]
		switch {
		case len(rest) > 0 && rest[0] != '<':
			return Prolog{}
		case len(rest) < 5:
			return Prolog{Short: true}
		case bytes.HasPrefix(rest, []byte("<?")):
			n := bytes.Index(rest, []byte("?>"))
			if n < 0 {
				return Prolog{Short: true}
			}
			p += n + 2
		case bytes.HasPrefix(rest, []byte("<!--")):
			n := bytes.Index(rest[4:], []byte("-->"))
			if n < 0 {
				return Prolog{Short: true}
			}
			p += 4 + n + 3
		case len(rest) >= 9 && strings.EqualFold(string(rest[:9]), "<!DOCTYPE"):
			end, sub, ok := scanDoctype(rest)
			if !ok {
				return Prolog{Short: true}
			}
			subset = sub
			p += end
		default:
			n := 1
			for n < len(rest) && !isXMLSpace(rest[n]) && rest[n] != '>' && rest[n] != '/' {
				n++
			}
			if n == len(rest) {
				return Prolog{Short: true}
			}
			return Prolog{Root: string(rest[1:n]), Offset: p, Subset: subset}
		}
	}
}

// IsSVGRoot reports whether root, an element name from ScanXMLProlog, is
// the root of an SVG document: "svg", or "svg" with a namespace prefix
// written as svg:svg.
func IsSVGRoot(root string) bool {
	return root == "svg" || strings.HasPrefix(root, "svg:")
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// scanDoctype reads a document type declaration at the start of s and
// returns its length and its internal subset; ok is false when s ends
// first.
func scanDoctype(s []byte) (end int, subset []byte, ok bool) {
	p := len("<!DOCTYPE")
	for p < len(s) {
		switch c := s[p]; c {
		case '"', '\'':
			n := bytes.IndexByte(s[p+1:], c)
			if n < 0 {
				return 0, nil, false
			}
			p += n + 2
		case '[':
			start := p + 1
			n, ok := scanSubset(s[start:])
			if !ok {
				return 0, nil, false
			}
			subset = s[start : start+n]
			p = start + n + 1
		case '>':
			return p + 1, subset, true
		default:
			p++
		}
	}
	return 0, nil, false
}

// scanSubset returns the length of an internal subset: the offset of the
// ']' that closes it.
func scanSubset(s []byte) (int, bool) {
	for p := 0; p < len(s); {
		switch {
		case s[p] == ']':
			return p, true
		case s[p] == '"' || s[p] == '\'':
			n := bytes.IndexByte(s[p+1:], s[p])
			if n < 0 {
				return 0, false
			}
			p += n + 2
		case bytes.HasPrefix(s[p:], []byte("<!--")):
			n := bytes.Index(s[p+4:], []byte("-->"))
			if n < 0 {
				return 0, false
			}
			p += 4 + n + 3
		case bytes.HasPrefix(s[p:], []byte("<?")):
			n := bytes.Index(s[p+2:], []byte("?>"))
			if n < 0 {
				return 0, false
			}
			p += 2 + n + 2
		default:
			p++
		}
	}
	return 0, false
}
