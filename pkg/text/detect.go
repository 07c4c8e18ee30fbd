package text

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"os"
	"path"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// kind is a detected source type and the extractor that reads it.
type kind struct {
	format   string
	encoding string
	extract  extractor
}

// headLen is how much of the source detection reads.
const headLen = 8 << 10

// binarySignatures names common non-document types, so that the error for
// them says what the source is.
var binarySignatures = []struct {
	magic string
	name  string
}{
	{"\x89PNG\r\n\x1a\n", "PNG image"},
	{"\xff\xd8\xff", "JPEG image"},
	{"GIF87a", "GIF image"},
	{"GIF89a", "GIF image"},
	{"II*\x00", "TIFF image"},
	{"MM\x00*", "TIFF image"},
	{"BM", "BMP image"},
	{"8BPS", "Photoshop image"},
	{"\x00\x00\x00\x0cjP  ", "JPEG 2000 image"},
	{"\xff\x0a", "JPEG XL image"},
	{"\x00\x00\x00\x0cJXL ", "JPEG XL image"},
	{"\x1f\x8b", "gzip archive"},
	{"7z\xbc\xaf\x27\x1c", "7-Zip archive"},
	{"Rar!\x1a\x07", "RAR archive"},
	{"\x7fELF", "executable"},
	{"ID3", "MP3 audio"},
	{"OggS", "Ogg media"},
	{"fLaC", "FLAC audio"},
	{"\x1aE\xdf\xa3", "Matroska/WebM video"},
}

// detect decides what the source is: magic bytes first, the name's
// extension second.
func detect(ctx context.Context, f *os.File, size int64, name string, opts Options) (kind, error) {
	head := make([]byte, min(size, headLen))
	if _, err := f.ReadAt(head, 0); err != nil && err != io.EOF {
		return kind{}, api.Errorf(api.ReasonGeneric, "text: cannot read source: %w", err)
	}
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/")))

	switch {
	case bytes.Contains(head[:min(len(head), 1024)], []byte("%PDF-")):
		return kind{format: "pdf", extract: extractPDF}, nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return detectZip(ctx, f, size, ext, opts)
	case bytes.HasPrefix(head, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return kind{}, detectOLE(f, size, ext)
	case bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf"), []byte(`{\rtf`)):
		return kind{format: "rtf", extract: extractRTF}, nil
	}
	for _, sig := range binarySignatures {
		if bytes.HasPrefix(head, []byte(sig.magic)) {
			return kind{}, api.Errorf(api.ReasonSourceFormatUnsupported, "source is a %s, which has no text to extract", sig.name)
		}
	}
	if len(head) >= 12 && string(head[4:8]) == "ftyp" {
		return kind{}, api.Errorf(api.ReasonSourceFormatUnsupported, "source is an ISO media file (%q), which has no text to extract", head[8:12])
	}
	if len(head) >= 12 && string(head[:4]) == "RIFF" {
		return kind{}, api.Errorf(api.ReasonSourceFormatUnsupported, "source is a RIFF file (%q), which has no text to extract", head[8:12])
	}

	// A document type named by the extension must have had its magic bytes.
	switch ext {
	case ".pdf", ".docx", ".xlsx", ".pptx", ".docm", ".xlsm", ".pptm", ".odt", ".ods", ".odp", ".epub":
		if !looksLikeText(head) {
			return kind{}, api.Errorf(api.ReasonSourceCorrupt, "source named %s does not start like a %s file; it is corrupt or truncated", path.Base(name), strings.TrimPrefix(ext, "."))
		}
	}
	if !looksLikeText(head) {
		return kind{}, api.Errorf(api.ReasonSourceFormatUnsupported, "source is binary data of an unknown type, not a document this service reads")
	}
	return detectText(head, ext), nil
}

// looksLikeText reports whether head is text in some encoding: no NUL bytes
// unless UTF-16 or UTF-32, and few control characters.
func looksLikeText(head []byte) bool {
	if len(head) == 0 {
		return true
	}
	if _, ok := bomCharset(head); ok {
		return true
	}
	if _, ok := utf16Guess(head); ok {
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

// detectText tells the text formats apart, by content where it is clear
// (HTML, XML, e-mail) and by extension otherwise.
func detectText(head []byte, ext string) kind {
	probe := head
	if cs, ok := bomCharset(head); ok && cs.enc != nil {
		if dec, err := cs.enc.NewDecoder().Bytes(head[cs.bom:]); err == nil {
			probe = dec
		}
	} else if cs, ok := utf16Guess(head); ok {
		if dec, err := cs.enc.NewDecoder().Bytes(head); err == nil {
			probe = dec
		}
	}
	lower := bytes.ToLower(bytes.TrimLeft(probe, " \t\r\n\xef\xbb\xbf"))
	isHTML := bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.HasPrefix(lower, []byte("<html")) ||
		bytes.HasPrefix(lower, []byte("<head")) || bytes.HasPrefix(lower, []byte("<body"))
	isXML := bytes.HasPrefix(lower, []byte("<?xml"))
	if isXML && (bytes.Contains(lower, []byte("<html")) || bytes.Contains(lower, []byte("<!doctype html"))) {
		isHTML = true
	}
	isSVG := svgRoot(lower) || (ext == ".svg" && !isHTML && (len(lower) == 0 || lower[0] == '<'))
	switch {
	case bytes.HasPrefix(lower, []byte("begin:vcard")):
		return kind{format: "vcard", extract: extractVCard}
	case bytes.HasPrefix(lower, []byte("begin:vcalendar")):
		return kind{format: "icalendar", extract: extractVCard}
	case isSVG:
		return kind{format: "svg", extract: extractSVG}
	case isHTML, ext == ".html", ext == ".htm", ext == ".xhtml", ext == ".xht", ext == ".mht" && !looksLikeMail(probe):
		return kind{format: "html", extract: extractHTML}
	case ext == ".eml", looksLikeMail(probe):
		return kind{format: "eml", extract: extractEML}
	case isXML, ext == ".xml", ext == ".svg", ext == ".xsd", ext == ".xsl", ext == ".rss", ext == ".atom", ext == ".opf":
		return kind{format: "xml", extract: extractXML}
	case ext == ".csv", ext == ".tsv":
		return kind{format: "csv", extract: extractPlain}
	case ext == ".md", ext == ".markdown":
		return kind{format: "markdown", extract: extractPlain}
	case ext == ".json", ext == ".geojson", ext == ".jsonl", ext == ".ndjson":
		return kind{format: "json", extract: extractPlain}
	}
	return kind{format: "text", extract: extractPlain}
}

// mailHeaders are header fields whose presence at the top of a text marks it
// as an e-mail message; the first mailCoreHeaders of them belong to
// messages only.
var mailHeaders = []string{
	"from:", "to:", "subject:", "date:", "received:", "return-path:", "message-id:",
	"mime-version:", "delivered-to:", "content-type:", "reply-to:", "cc:", "x-",
}

const mailCoreHeaders = 9

// looksLikeMail reports whether head starts with a block of RFC 5322 header
// fields, at least two of them well-known ones and one of them a field only
// messages have (From, To, Subject, Date, Received...): "X-" fields and
// "Key: value" lines alone, as in a vCard or an HTTP dump, are not enough.
func looksLikeMail(head []byte) bool {
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

// detectZip tells the zip-based formats apart by their mimetype part (ODF,
// EPUB) or their package relationships (OOXML).
func detectZip(ctx context.Context, f io.ReaderAt, size int64, ext string, opts Options) (kind, error) {
	format := "zip"
	if ext != "" {
		format = strings.TrimPrefix(ext, ".")
	}
	z, err := openZip(ctx, f, size, format, opts)
	if err != nil {
		return kind{}, err
	}
	if z.has("mimetype") {
		mt, err := z.readAll("mimetype", 4096)
		if err == nil {
			mime := strings.TrimSpace(string(mt))
			switch {
			case mime == "application/epub+zip":
				z.format = "epub"
				return kind{format: "epub", encoding: "utf-8", extract: func(s *sink, _ *os.File, _ int64) error { return extractEPUB(s, z) }}, nil
			case strings.HasPrefix(mime, "application/vnd.oasis.opendocument."):
				sub := strings.TrimPrefix(mime, "application/vnd.oasis.opendocument.")
				sub = strings.TrimSuffix(sub, "-template")
				format := map[string]string{"text": "odt", "spreadsheet": "ods", "presentation": "odp", "text-master": "odt", "graphics": "odg"}[sub]
				if format != "" {
					z.format = format
					return kind{format: format, encoding: "utf-8", extract: func(s *sink, _ *os.File, _ int64) error { return extractODF(s, z) }}, nil
				}
			}
		}
	}
	if main, format := ooxmlMainPart(z); format != "" {
		z.format = format
		return kind{format: format, encoding: "utf-8", extract: func(s *sink, _ *os.File, _ int64) error { return extractOOXML(s, z, main) }}, nil
	}
	if z.has("content.xml") && z.has("META-INF/manifest.xml") {
		z.format = "odt"
		return kind{format: "odt", encoding: "utf-8", extract: func(s *sink, _ *os.File, _ int64) error { return extractODF(s, z) }}, nil
	}
	return kind{}, api.Errorf(api.ReasonSourceFormatUnsupported, "source is a zip archive that is not an Office, OpenDocument or EPUB document")
}

// ooxmlMainPart finds the main part of an Office Open XML package through
// its package relationships, falling back to the usual part names.
func ooxmlMainPart(z *safeZip) (string, string) {
	byDir := func(part string) string {
		switch strings.ToLower(strings.SplitN(part, "/", 2)[0]) {
		case "word":
			return "docx"
		case "xl":
			return "xlsx"
		case "ppt":
			return "pptx"
		}
		return ""
	}
	if rels, err := readRels(z, "_rels/.rels", ""); err == nil {
		for _, r := range rels {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				part := resolvePart("", r.Target)
				if f := byDir(part); f != "" && z.has(part) {
					return part, f
				}
			}
		}
	}
	for _, part := range []string{"word/document.xml", "xl/workbook.xml", "ppt/presentation.xml"} {
		if z.has(part) {
			return part, byDir(part)
		}
	}
	return "", ""
}

// detectOLE explains an OLE2 compound file: an encrypted OOXML package
// (SourceUnsupported) or a legacy binary Office file (not read).
func detectOLE(f *os.File, size int64, ext string) error {
	// The directory of an encrypted package names its EncryptedPackage and
	// EncryptionInfo streams in UTF-16LE; look for them in the first MiB.
	needle := utf16le("EncryptedPackage")
	buf := make([]byte, min(size, 1<<20))
	n, _ := f.ReadAt(buf, 0)
	if bytes.Contains(buf[:n], needle) || bytes.Contains(buf[:n], utf16le("EncryptionInfo")) {
		format := strings.TrimPrefix(ext, ".")
		if format == "" {
			format = "Office"
		}
		return encrypted(format)
	}
	return api.Errorf(api.ReasonSourceFormatUnsupported, "source is a legacy binary Microsoft Office file (OLE2, .doc/.xls/.ppt), which is not read; save it as DOCX, XLSX or PPTX")
}

func utf16le(s string) []byte {
	out := make([]byte, 0, 2*len(s))
	for _, c := range []byte(s) {
		out = append(out, c, 0)
	}
	return out
}

// rel is one relationship of an OOXML part.
type rel struct {
	ID     string
	Type   string
	Target string
	Mode   string
}

// readRels reads a relationships part. Targets are resolved against from,
// unless from is empty. External targets are left out. A part with more
// relationships than MaxZipEntries is refused (SourceTooLarge).
func readRels(z *safeZip, relsPart, from string) ([]rel, error) {
	rc, err := z.open(relsPart)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	d := newPartDecoder(z, relsPart, rc)
	var out []rel
	for {
		tok, err := d.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if len(out) >= z.opts.MaxZipEntries {
			return out, api.Errorf(api.ReasonSourceTooLarge, "%s part %s has more than %d relationships (MaxZipEntries)", z.format, relsPart, z.opts.MaxZipEntries)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" {
			continue
		}
		r := rel{ID: attr(se, "Id"), Type: attr(se, "Type"), Target: attr(se, "Target"), Mode: attr(se, "TargetMode")}
		if strings.EqualFold(r.Mode, "External") {
			continue
		}
		if from != "" {
			r.Target = resolvePart(from, r.Target)
		}
		out = append(out, r)
	}
}
