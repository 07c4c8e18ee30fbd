package text

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"os"
	"strings"
)

// emlMaxAlternative caps the bytes buffered to choose among the parts of a
// multipart/alternative.
const emlMaxAlternative = 32 << 20

// emlHeaders are the header fields written, in order, with their labels.
var emlHeaders = []string{"Subject", "From", "To", "Cc", "Date"}

// extractEML writes an e-mail message: Subject, From, To, Cc and Date, a
// blank line, then the body: text/plain preferred among alternatives, else
// HTML converted to text; attached messages in turn with their own headers;
// the names of attachments listed. A message whose header cannot be parsed
// is written as plain text.
func extractEML(s *sink, f *os.File, size int64) error {
	msg, err := mail.ReadMessage(bufio.NewReaderSize(&ctxReader{s: s, r: f}, 64<<10))
	if err != nil {
		s.warn("e-mail header could not be parsed; written as plain text: " + err.Error())
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		return extractPlain(s, f, size)
	}
	return emlMessage(s, textproto.MIMEHeader(msg.Header), msg.Body, 0)
}

// wordDecoder decodes RFC 2047 encoded words in any charset this package
// knows.
var wordDecoder = &mime.WordDecoder{CharsetReader: func(label string, r io.Reader) (io.Reader, error) {
	cs, ok := lookupCharset(label)
	if !ok {
		return nil, fmt.Errorf("unknown charset %q", label)
	}
	if dec := decoderFor(cs); dec != nil {
		return dec.Reader(r), nil
	}
	return r, nil
}}

// emlMessage writes a message's headers and then its body.
func emlMessage(s *sink, h textproto.MIMEHeader, body io.Reader, depth int) error {
	for _, field := range emlHeaders {
		v := strings.TrimSpace(h.Get(field))
		if v == "" {
			continue
		}
		if dec, err := wordDecoder.DecodeHeader(v); err == nil {
			v = dec
		}
		if err := writeSpaced(s, field+": "+v); err != nil {
			return err
		}
		s.Break()
	}
	s.Newline()
	return emlPart(s, h, body, depth)
}

// emlPart writes one MIME entity.
func emlPart(s *sink, h textproto.MIMEHeader, body io.Reader, depth int) error {
	if err := ctxErr(s.ctx); err != nil {
		return err
	}
	if depth > s.opts.MaxDepth {
		s.truncate(fmt.Sprintf("MIME parts nested deeper than %d levels are left out (MaxDepth)", s.opts.MaxDepth))
		return nil
	}
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mediaType, params = "text/plain", map[string]string{}
	}
	name := attachmentName(h, params)
	disposition, _, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	if disposition == "attachment" && mediaType != "message/rfc822" {
		return listAttachment(s, name)
	}
	body = transferDecoded(h, body)
	switch {
	case strings.HasPrefix(mediaType, "multipart/"):
		boundary := params["boundary"]
		if boundary == "" {
			return corrupt("eml", fmt.Errorf("%s part has no boundary", mediaType))
		}
		mr := multipart.NewReader(body, boundary)
		if mediaType == "multipart/alternative" {
			return emlAlternative(s, mr, depth)
		}
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return corrupt("eml", err)
			}
			if err := emlPart(s, p.Header, p, depth+1); err != nil {
				return err
			}
			s.Break()
		}
	case mediaType == "message/rfc822" || mediaType == "message/global":
		msg, err := mail.ReadMessage(bufio.NewReader(body))
		if err != nil {
			s.warn("an attached message could not be parsed: " + err.Error())
			return nil
		}
		s.Break()
		s.Newline()
		return emlMessage(s, textproto.MIMEHeader(msg.Header), msg.Body, depth+1)
	case mediaType == "text/plain" || mediaType == "text/html" || (mediaType == "" && name == ""):
		if name != "" && disposition != "inline" && disposition != "" {
			return listAttachment(s, name)
		}
		cs, ok := lookupCharset(params["charset"])
		if !ok {
			cs = mustCharset("us-ascii")
		}
		if s.encoding == "" || s.encoding == "us-ascii" {
			s.encoding = cs.name
		}
		r := body
		if dec := decoderFor(cs); dec != nil {
			r = dec.Reader(body)
		}
		if mediaType == "text/html" {
			return htmlText(s, r, true)
		}
		return copyText(s, r)
	}
	if name != "" {
		return listAttachment(s, name)
	}
	return nil
}

// emlAlternative writes the best of a multipart/alternative's parts:
// text/plain, else text/html, else the first nested multipart.
func emlAlternative(s *sink, mr *multipart.Reader, depth int) error {
	type alt struct {
		h    textproto.MIMEHeader
		body []byte
		mt   string
	}
	var alts []alt
	budget := int64(emlMaxAlternative)
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return corrupt("eml", err)
		}
		b, err := io.ReadAll(io.LimitReader(p, budget))
		if err != nil {
			return corrupt("eml", err)
		}
		budget -= int64(len(b))
		mt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if mt == "" {
			mt = "text/plain"
		}
		alts = append(alts, alt{p.Header, b, mt})
		if budget <= 0 {
			s.truncate("a multipart/alternative part is too large; the rest is left out")
			break
		}
	}
	for _, want := range []string{"text/plain", "text/html", "multipart/"} {
		for _, a := range alts {
			if a.mt == want || (want == "multipart/" && strings.HasPrefix(a.mt, want)) {
				return emlPart(s, a.h, bytes.NewReader(a.body), depth+1)
			}
		}
	}
	return nil
}

// transferDecoded undoes a part's Content-Transfer-Encoding.
func transferDecoded(h textproto.MIMEHeader, body io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		return quotedprintable.NewReader(body)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &base64Filter{r: body})
	}
	return body
}

// base64Filter drops the bytes a base64 body may carry besides its
// alphabet (spaces, line breaks), which the decoder would refuse.
type base64Filter struct{ r io.Reader }

func (b *base64Filter) Read(p []byte) (int, error) {
	for {
		n, err := b.r.Read(p)
		j := 0
		for _, c := range p[:n] {
			if (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// attachmentName returns a part's file name, from Content-Disposition or
// the Content-Type name parameter, encoded words decoded.
func attachmentName(h textproto.MIMEHeader, ctParams map[string]string) string {
	name := ""
	if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
		name = dp["filename"]
	}
	if name == "" {
		name = ctParams["name"]
	}
	if dec, err := wordDecoder.DecodeHeader(name); err == nil {
		name = dec
	}
	return strings.TrimSpace(name)
}

func listAttachment(s *sink, name string) error {
	if name == "" {
		return nil
	}
	s.Break()
	if err := writeSpaced(s, "Attachment: "+name); err != nil {
		return err
	}
	s.Break()
	return nil
}

// ctxReader checks the context at every read (of up to the reader's buffer
// size), for parts that are read through without writing text: the body
// of an attachment skipped by the multipart reader.
type ctxReader struct {
	s *sink
	r io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := ctxErr(c.s.ctx); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
