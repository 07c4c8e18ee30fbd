package transfer

import (
	"encoding/base64"
	"errors"
	"io"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// fetchData decodes a data: URI (RFC 2397) into s and returns its media
// type. The payload is base64 (standard or URL alphabet, padding optional,
// whitespace ignored) when the URI says ;base64, percent-encoded otherwise.
//
// The size limit is enforced on the encoded payload, before anything is
// decoded: one pass counts the bytes it decodes to, without copying it. The
// payload is then decoded as a stream into s, so a large data: URI costs
// no memory beyond the URI itself.
func fetchData(uri string, s *sink) (string, error) {
	meta, payload, ok := strings.Cut(strings.TrimSpace(uri)[len("data:"):], ",")
	if !ok {
		return "", api.Errorf(api.ReasonSourceUnsupported, "data: URI has no comma before its data")
	}
	isBase64 := false
	var params []string
	for i, p := range strings.Split(meta, ";") {
		if i > 0 && strings.EqualFold(strings.TrimSpace(p), "base64") {
			isBase64 = true
			continue
		}
		params = append(params, p)
	}
	mediaType := strings.Join(params, ";")
	if strings.TrimSpace(mediaType) == "" {
		mediaType = "text/plain;charset=US-ASCII"
	} else if strings.HasPrefix(mediaType, ";") {
		mediaType = "text/plain" + mediaType
	}

	var r io.Reader
	if isBase64 {
		// Percent-escapes are legal in any URI: they are undone on the
		// way, then whitespace is dropped, and so is the padding at the end.
		end := base64End(payload)
		chars, ok := countData(payload[:end], true)
		if !ok {
			return "", api.Errorf(api.ReasonSourceCorrupt, "data: URI is not valid base64")
		}
		if size := chars/4*3 + chars%4*3/4; size > s.limit {
			return "", sourceTooLarge(size, s.limit)
		}
		enc := base64.RawStdEncoding
		if strings.ContainsAny(payload, "-_") {
			enc = base64.RawURLEncoding
		}
		r = base64.NewDecoder(enc, &dataReader{s: payload[:end], skipSpace: true})
	} else {
		size, ok := countData(payload, false)
		if !ok {
			return "", api.Errorf(api.ReasonSourceCorrupt, "data: URI has an invalid percent-escape")
		}
		if size > s.limit {
			return "", sourceTooLarge(size, s.limit)
		}
		r = &dataReader{s: payload}
	}
	if _, err := io.Copy(s, r); err != nil {
		if s.werr != nil {
			return "", s.werr
		}
		if isBase64 {
			return "", api.Errorf(api.ReasonSourceCorrupt, "data: URI is not valid base64")
		}
		return "", api.Errorf(api.ReasonSourceCorrupt, "data: URI has an invalid percent-escape")
	}
	return mediaType, nil
}

// DataURISize returns the number of bytes the data: URI uri decodes to,
// counted from its payload without decoding or copying it, as Fetch counts
// it against Options.MaxSourceBytes. ok is false when uri is not a data:
// URI or its payload is malformed (Fetch then fails with SourceCorrupt or
// SourceUnsupported).
func DataURISize(uri string) (size int64, ok bool) {
	uri = strings.TrimSpace(uri)
	if !hasPrefixFold(uri, "data:") {
		return 0, false
	}
	meta, payload, found := strings.Cut(uri[len("data:"):], ",")
	if !found {
		return 0, false
	}
	for i, p := range strings.Split(meta, ";") {
		if i > 0 && strings.EqualFold(strings.TrimSpace(p), "base64") {
			chars, ok := countData(payload[:base64End(payload)], true)
			return chars/4*3 + chars%4*3/4, ok
		}
	}
	return countData(payload, false)
}

// dataSpace reports whether c is whitespace a base64 payload may contain.
func dataSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// base64End returns the length of a base64 payload without its trailing
// padding and whitespace, written plainly or percent-escaped.
func base64End(p string) int {
	end := len(p)
	for end > 0 {
		if c := p[end-1]; c == '=' || dataSpace(c) {
			end--
			continue
		}
		if end >= 3 && p[end-3] == '%' {
			if c, ok := unhex2(p[end-2], p[end-1]); ok && (c == '=' || dataSpace(c)) {
				end -= 3
				continue
			}
		}
		break
	}
	return end
}

// countData returns the number of bytes p holds once its percent-escapes
// are undone (and, with skipSpace, its whitespace dropped), and false when
// an escape is invalid. It copies nothing.
func countData(p string, skipSpace bool) (int64, bool) {
	var n int64
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '%' {
			if i+2 >= len(p) {
				return 0, false
			}
			d, ok := unhex2(p[i+1], p[i+2])
			if !ok {
				return 0, false
			}
			c = d
			i += 2
		}
		if skipSpace && dataSpace(c) {
			continue
		}
		n++
	}
	return n, true
}

// errEscape is the error of an invalid percent-escape.
var errEscape = errors.New("invalid percent-escape")

// dataReader reads a data: URI payload with its percent-escapes undone
// and, with skipSpace, its whitespace dropped.
type dataReader struct {
	s         string
	i         int
	skipSpace bool
}

func (d *dataReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && d.i < len(d.s) {
		c := d.s[d.i]
		if c == '%' {
			if d.i+2 >= len(d.s) {
				return n, errEscape
			}
			v, ok := unhex2(d.s[d.i+1], d.s[d.i+2])
			if !ok {
				return n, errEscape
			}
			c = v
			d.i += 2
		}
		d.i++
		if d.skipSpace && dataSpace(c) {
			continue
		}
		p[n] = c
		n++
	}
	if n == 0 && d.i >= len(d.s) {
		return 0, io.EOF
	}
	return n, nil
}

// unhex2 decodes two hex digits.
func unhex2(a, b byte) (byte, bool) {
	x, ok1 := unhex(a)
	y, ok2 := unhex(b)
	return x<<4 | y, ok1 && ok2
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
