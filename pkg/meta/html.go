package meta

import (
	"bytes"
	"io"
	"mime"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// readHTML reads the title, the html element's lang and the meta elements
// of the document head (author, description, keywords, generator, Dublin
// Core names), within MaxTextBytes. The encoding is sniffed as browsers do.
func readHTML(x *extraction) error {
	b := x.b
	data, err := x.s.readUpTo(0, b.opts.MaxTextBytes)
	if err != nil {
		return err
	}
	r, err := charset.NewReader(bytes.NewReader(data), "text/html")
	if err != nil {
		r = bytes.NewReader(data)
	}
	z := html.NewTokenizer(r)
	z.SetMaxBuf(int(b.opts.MaxTextBytes) * 4)
	inTitle := false
	var title strings.Builder
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				b.warn("HTML: %v", z.Err())
			}
			return nil
		case html.TextToken:
			if inTitle && title.Len() < b.opts.MaxValueBytes {
				title.Write(z.Text())
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "title":
				inTitle = false
				b.set("dc:title", LangAlt(strings.Join(strings.Fields(title.String()), " ")), prioIPTC-1)
			case "head":
				return nil
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				attrs[strings.ToLower(string(k))] = string(v)
			}
			switch string(name) {
			case "html":
				if l := strings.TrimSpace(attrs["lang"]); l != "" {
					b.set("dc:language", TextBag(l), prioIPTC)
				}
			case "title":
				inTitle = true
				title.Reset()
			case "meta":
				htmlMeta(b, attrs)
			case "body":
				return nil
			}
		}
	}
}

func htmlMeta(b *builder, a map[string]string) {
	content := strings.TrimSpace(a["content"])
	if content == "" {
		return
	}
	name := strings.ToLower(a["name"])
	if name == "" {
		name = strings.ToLower(a["property"])
	}
	prio := prioIPTC
	if strings.HasPrefix(name, "og:") || strings.HasPrefix(name, "twitter:") {
		prio = prioLow
		name = name[strings.IndexByte(name, ':')+1:]
	}
	name = strings.TrimPrefix(strings.TrimPrefix(name, "dc."), "dcterms.")
	switch name {
	case "author", "creator":
		b.set("dc:creator", TextSeq(content), prio)
	case "description", "abstract":
		b.set("dc:description", LangAlt(content), prio)
	case "keywords", "subject":
		b.set("dc:subject", TextBag(splitList(strings.ReplaceAll(content, ";", ","), ",")...), prio)
	case "generator":
		b.set("xmp:CreatorTool", Text(content), prio)
	case "title":
		b.set("dc:title", LangAlt(content), prio)
	case "copyright", "rights":
		b.set("dc:rights", LangAlt(content), prio)
	case "publisher":
		b.set("dc:publisher", TextBag(content), prio)
	case "language":
		b.set("dc:language", TextBag(content), prio)
	case "date", "created", "article:published_time":
		if iso, ok := looseDate(content); ok {
			b.set("xmp:CreateDate", Date(iso), prio)
		}
	case "modified", "article:modified_time":
		if iso, ok := looseDate(content); ok {
			b.set("xmp:ModifyDate", Date(iso), prio)
		}
	}
}

// readEML reads the header of an e-mail message (RFC 5322): Subject, From,
// Date, Message-ID, the mailer, and the recipients. The body is not read.
func readEML(x *extraction) error {
	b := x.b
	data, err := x.s.readUpTo(0, b.opts.MaxTextBytes)
	if err != nil {
		return err
	}
	hdr, err := readMailHeader(data)
	if err != nil {
		return corruptf("unreadable message header: %v", err)
	}
	dec := &mime.WordDecoder{CharsetReader: func(label string, r io.Reader) (io.Reader, error) {
		return charset.NewReaderLabel(label, r)
	}}
	h := func(k string) string {
		v := hdr.get(k)
		if d, err := dec.DecodeHeader(v); err == nil {
			v = d
		}
		return strings.TrimSpace(v)
	}
	b.set("dc:title", LangAlt(h("Subject")), prioIPTC)
	if from := h("From"); from != "" {
		b.set("dc:creator", TextSeq(from), prioIPTC)
	}
	if t, ok := parseMailDate(hdr.get("Date")); ok {
		b.set("xmp:CreateDate", Date(t.Format("2006-01-02T15:04:05-07:00")), prioIPTC)
	}
	if id := h("Message-ID"); id != "" {
		b.set("dc:identifier", Text(id), prioIPTC)
	}
	if m := h("X-Mailer"); m != "" {
		b.set("xmp:CreatorTool", Text(m), prioIPTC)
	} else if m := h("User-Agent"); m != "" {
		b.set("xmp:CreatorTool", Text(m), prioIPTC)
	}
	for _, k := range []string{"To", "Cc"} {
		if v := h(k); v != "" {
			b.set("acs:"+k, TextBag(splitList(v, ",")...), prioIPTC)
		}
	}
	return nil
}
