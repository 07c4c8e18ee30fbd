package format

import (
	"bytes"
	"encoding/binary"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// LooksLikeText reports whether head is text in some encoding: a byte
// order mark (UTF-8, UTF-16, UTF-32), UTF-16 without one (NUL bytes on one
// side of the code units only, decoding to few control characters), or no
// NUL bytes and fewer than one control character in twenty bytes. An empty
// head is text.
func LooksLikeText(head []byte) bool {
	if len(head) == 0 {
		return true
	}
	if _, ok := bomLen(head); ok {
		return true
	}
	if _, ok := UTF16Guess(head); ok {
		return true
	}
	controls := 0
	for _, b := range head {
		switch {
		case b == 0:
			return false
		case b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' && b != 0x1b:
			controls++
		}
	}
	return controls*20 < len(head)
}

// bomLen returns the length of the byte order mark head starts with.
func bomLen(head []byte) (int, bool) {
	switch {
	case bytes.HasPrefix(head, []byte{0xef, 0xbb, 0xbf}):
		return 3, true
	case bytes.HasPrefix(head, []byte{0xff, 0xfe, 0, 0}), bytes.HasPrefix(head, []byte{0, 0, 0xfe, 0xff}):
		return 4, true
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return 2, true
	}
	return 0, false
}

// UTF16Guess recognises UTF-16 without a byte order mark: zero bytes (the
// high bytes of ASCII spaces, digits and line breaks) at odd offsets only
// is little-endian, at even offsets only big-endian, provided the text
// decodes to few control characters. It returns the byte order and true,
// or false for anything else, or for fewer than 16 bytes.
func UTF16Guess(b []byte) (binary.ByteOrder, bool) {
	if len(b) < 16 {
		return nil, false
	}
	var even, odd int
	n := len(b) &^ 1
	for i := 0; i < n; i += 2 {
		if b[i] == 0 {
			even++
		}
		if b[i+1] == 0 {
			odd++
		}
	}
	pairs := n / 2
	var order binary.ByteOrder
	switch {
	case odd >= 2 && odd*200 >= pairs && even*3 < odd:
		order = binary.LittleEndian
	case even >= 2 && even*200 >= pairs && odd*3 < even:
		order = binary.BigEndian
	default:
		return nil, false
	}
	bad, total := 0, 0
	for _, r := range decodeUTF16(b[:n], order) {
		total++
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f') || r == utf8.RuneError {
			bad++
		}
	}
	if bad*100 > total {
		return nil, false
	}
	return order, true
}

func decodeUTF16(b []byte, order binary.ByteOrder) []rune {
	units := make([]uint16, len(b)/2)
	for i := range units {
		units[i] = order.Uint16(b[2*i:])
	}
	return utf16.Decode(units)
}

// textProbe returns head as UTF-8 for the text heuristics: without a
// UTF-8 byte order mark, and decoded when it is UTF-16 (with or without a
// byte order mark). Other encodings are probed as they are: the
// heuristics look at ASCII only.
func textProbe(head []byte) []byte {
	var order binary.ByteOrder
	body := head
	switch {
	case bytes.HasPrefix(head, []byte{0xef, 0xbb, 0xbf}):
		return head[3:]
	case bytes.HasPrefix(head, []byte{0xff, 0xfe, 0, 0}), bytes.HasPrefix(head, []byte{0, 0, 0xfe, 0xff}):
		return head[4:]
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}):
		order, body = binary.LittleEndian, head[2:]
	case bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		order, body = binary.BigEndian, head[2:]
	default:
		o, ok := UTF16Guess(head)
		if !ok {
			return head
		}
		order = o
	}
	return []byte(string(decodeUTF16(body[:len(body)&^1], order)))
}

// The extensions that name a text format SniffText cannot tell by content.
var (
	htmlExts = map[string]bool{".html": true, ".htm": true, ".xhtml": true, ".xht": true}
	mhtExts  = map[string]bool{".mht": true, ".mhtml": true}
	xmlExts  = map[string]bool{".xml": true, ".svg": true, ".xsd": true, ".xsl": true, ".rss": true, ".atom": true, ".opf": true}
)

// SniffText tells the text formats apart in probe, the start of a source
// already known to be text, decoded to UTF-8 (or in an ASCII-compatible
// encoding): by content where it is clear (RTF, vCard, iCalendar, SVG by
// its root element, HTML, an e-mail's header block, XML, a WebVTT header,
// an ASS/SSA script's [Script Info] section, a SubRip file's first cue
// number and timing line) and by the
// extension of name otherwise. It returns the "text" format when nothing
// else fits.
func SniffText(probe []byte, name string) Format {
	ext := Ext(name)
	trimmed := bytes.TrimLeft(probe, " \t\r\n\xef\xbb\xbf")
	if bytes.HasPrefix(trimmed, []byte(`{\rtf`)) {
		return MustName("rtf")
	}
	lower := bytes.ToLower(trimmed)
	isHTML := bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.HasPrefix(lower, []byte("<html")) ||
		bytes.HasPrefix(lower, []byte("<head")) || bytes.HasPrefix(lower, []byte("<body"))
	isXML := bytes.HasPrefix(lower, []byte("<?xml"))
	if isXML && (bytes.Contains(lower, []byte("<html")) || bytes.Contains(lower, []byte("<!doctype html"))) {
		isHTML = true
	}
	isSVG := IsSVGRoot(ScanXMLProlog(trimmed).Root) ||
		(ext == ".svg" && !isHTML && (len(lower) == 0 || lower[0] == '<'))
	mail := LooksLikeMail(probe)
	var name2 string
	switch {
	case bytes.HasPrefix(trimmed, []byte("WEBVTT")) && (len(trimmed) == 6 || strings.ContainsRune(" \t\r\n", rune(trimmed[6]))):
		name2 = "webvtt"
	case bytes.HasPrefix(lower, []byte("[script info]")):
		name2 = "ass"
	case looksLikeSRT(trimmed), ext == ".srt":
		name2 = "srt"
	case ext == ".vtt":
		name2 = "webvtt"
	case ext == ".ass", ext == ".ssa":
		name2 = "ass"
	case bytes.HasPrefix(lower, []byte("begin:vcard")):
		name2 = "vcard"
	case bytes.HasPrefix(lower, []byte("begin:vcalendar")):
		name2 = "icalendar"
	case isSVG:
		name2 = "svg"
	case isHTML, htmlExts[ext], mhtExts[ext] && !mail:
		name2 = "html"
	case ext == ".eml", mhtExts[ext], mail:
		name2 = "eml"
	case isXML, xmlExts[ext]:
		name2 = "xml"
	default:
		if f, ok := ByExtension(ext); ok && f.Family == FamilyText && !f.Binary {
			switch f.Name {
			case "csv", "markdown", "json":
				return f
			}
		}
		name2 = "text"
	}
	return MustName(name2)
}

// looksLikeSRT reports whether probe starts like a SubRip file: a cue
// number on its own line, then a timing line "00:00:01,000 --> ...".
func looksLikeSRT(probe []byte) bool {
	first, rest, ok := bytes.Cut(probe, []byte("\n"))
	first = bytes.TrimSpace(first)
	if !ok || len(first) == 0 || len(first) > 9 {
		return false
	}
	for _, c := range first {
		if c < '0' || c > '9' {
			return false
		}
	}
	timing, _, _ := bytes.Cut(rest, []byte("\n"))
	arrow := bytes.Index(timing, []byte("-->"))
	return arrow >= 8 && bytes.Count(timing[:arrow], []byte(":")) >= 2
}

// mailHeaders are header fields whose presence at the top of a text marks
// it as an e-mail message; the first mailCoreHeaders of them belong to
// messages only.
var mailHeaders = []string{
	"from:", "to:", "subject:", "date:", "received:", "return-path:", "message-id:",
	"mime-version:", "delivered-to:", "content-type:", "reply-to:", "cc:", "x-",
}

const mailCoreHeaders = 9

// LooksLikeMail reports whether head starts with a block of RFC 5322
// header fields, at least two of them well-known ones and one of them a
// field only messages have (From, To, Subject, Date, Received...): "X-"
// fields and "Key: value" lines alone, as in a vCard or an HTTP dump, are
// not enough.
func LooksLikeMail(head []byte) bool {
	known, core := 0, 0
	enough := func() bool { return known >= 2 && core >= 1 }
	lines := bytes.Split(head, []byte("\n"))
	for i, line := range lines {
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			return enough() && i > 0
		}
		if line[0] == ' ' || line[0] == '\t' {
			if i == 0 {
				return false
			}
			continue // folded continuation
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || bytes.ContainsAny(line[:colon], " \t") {
			return enough() && i == len(lines)-1 // a line cut by the sample's end
		}
		field := strings.ToLower(string(line[:colon+1]))
		for j, h := range mailHeaders {
			if strings.HasPrefix(field, h) {
				known++
				if j < mailCoreHeaders {
					core++
				}
				break
			}
		}
	}
	return enough()
}
