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
	"github.com/assetcompute/assetcompute/pkg/format"
)

// kind is a detected source type and the extractor that reads it.
type kind struct {
	format   string
	encoding string
	extract  extractor
}

// headLen is how much of the source detection reads.
const headLen = format.SniffLen

// detect decides what the source is, through the format registry: magic
// bytes first, the name's extension second.
func detect(ctx context.Context, f *os.File, size int64, name string, opts Options) (kind, error) {
	head := make([]byte, min(size, headLen))
	if _, err := f.ReadAt(head, 0); err != nil && err != io.EOF {
		return kind{}, api.Errorf(api.ReasonGeneric, "text: cannot read source: %w", err)
	}
	ext := format.Ext(name)
	fm := format.Sniff(head, name)
	switch {
	case fm.Name == "pdf":
		return kind{format: "pdf", extract: extractPDF}, nil
	case fm.Name == "ai" && bytes.Contains(head[:min(len(head), format.PDFWindow)], []byte("%PDF-")):
		// A PDF-compatible Illustrator file.
		return kind{format: "ai", extract: extractPDF}, nil
	case format.IsZip(fm):
		return detectZip(ctx, f, size, ext, opts)
	case format.IsOLE(fm):
		return kind{}, detectOLE(f, size, ext)
	case fm.Name == "rtf":
		return kind{format: "rtf", extract: extractRTF}, nil
	case fm.Name == "mp4", fm.Name == "mov", fm.Name == "isobmff":
		return kind{format: fm.Name, extract: extractMP4}, nil
	case fm.Name == "matroska":
		return kind{format: "matroska", extract: extractMKV}, nil
	case fm.Known() && fm.Binary:
		return kind{}, notText(fm, head)
	}

	// A document type named by the extension must have had its magic bytes.
	if named, ok := format.ByFileName(name); ok && named.Binary && named.Family == format.FamilyDocument && named.Reads(format.TextRead) {
		if !fm.Known() {
			return kind{}, api.Errorf(api.ReasonSourceCorrupt, "source named %s does not start like a %s file; it is corrupt or truncated", path.Base(name), strings.TrimPrefix(ext, "."))
		}
	}
	if !fm.Known() || !looksLikeText(head) {
		return kind{}, api.Errorf(api.ReasonSourceFormatUnsupported, "source is binary data of an unknown type, not a document this service reads")
	}
	return detectText(head, name), nil
}

// notText is the error for a known binary format that has no text.
func notText(fm format.Format, head []byte) error {
	switch {
	case fm.Family == format.FamilyVideo:
		return api.Errorf(api.ReasonSourceFormatUnsupported, "source is %s; the text of a video is read from the subtitle tracks of MP4, QuickTime, Matroska and WebM files only", withArticle(fm.Title))
	case len(head) >= 12 && string(head[4:8]) == "ftyp" && fm.Family != format.FamilyImage && fm.Family != format.FamilyRaw:
		return api.Errorf(api.ReasonSourceFormatUnsupported, "source is an ISO media file (%q), which has no text to extract", head[8:12])
	case len(head) >= 12 && string(head[:4]) == "RIFF" && fm.Name != "webp":
		return api.Errorf(api.ReasonSourceFormatUnsupported, "source is a RIFF file (%q), which has no text to extract", head[8:12])
	}
	return api.Errorf(api.ReasonSourceFormatUnsupported, "source is %s, which has no text to extract", withArticle(fm.Title))
}

// looksLikeText reports whether head is text in some encoding
// (format.LooksLikeText).
func looksLikeText(head []byte) bool { return format.LooksLikeText(head) }

// detectText tells the text formats apart (format.SniffText), in head
// decoded when it is UTF-16 or UTF-32.
func detectText(head []byte, name string) kind {
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
	fm := format.SniffText(probe, name)
	switch fm.Name {
	case "vcard", "icalendar":
		return kind{format: fm.Name, extract: extractVCard}
	case "svg":
		return kind{format: "svg", extract: extractSVG}
	case "html":
		return kind{format: "html", extract: extractHTML}
	case "eml":
		return kind{format: "eml", extract: extractEML}
	case "xml":
		return kind{format: "xml", extract: extractXML}
	case "rtf":
		return kind{format: "rtf", extract: extractRTF}
	case "srt":
		return kind{format: "srt", extract: extractSubtitles(subSRT)}
	case "webvtt":
		return kind{format: "webvtt", extract: extractSubtitles(subVTT)}
	case "ass":
		return kind{format: "ass", extract: extractSubtitles(subASS)}
	case "csv", "markdown", "json":
		return kind{format: fm.Name, extract: extractPlain}
	}
	return kind{format: "text", extract: extractPlain}
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
			case mime == idmlMIME:
				z.format = "idml"
				return kind{format: "idml", encoding: "utf-8", extract: func(s *sink, _ *os.File, _ int64) error { return extractIDML(s, z) }}, nil
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

// DetectFormat returns the format of the registry (package format) that
// Extract sees the file at path as, name being the source's original file
// name, and the error Extract fails with when it does not read that
// format. Only the parts of the file detection needs are read: its first
// bytes, and the directory of a zip package.
func DetectFormat(ctx context.Context, path, name string) (format.Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return format.Unknown, api.Errorf(api.ReasonGeneric, "text: cannot open source: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return format.Unknown, api.Errorf(api.ReasonGeneric, "text: cannot stat source: %w", err)
	}
	if st.Size() == 0 {
		return format.Unknown, api.Errorf(api.ReasonSourceCorrupt, "source is empty (0 bytes)")
	}
	k, err := detect(ctx, f, st.Size(), name, Options{}.withDefaults())
	if err == nil {
		if fm, ok := format.ByName(k.format); ok {
			return fm, nil
		}
	}
	// Refused, or a format named by text extraction alone: what the
	// registry tells from the first bytes.
	head := make([]byte, min(st.Size(), headLen))
	if _, rerr := f.ReadAt(head, 0); rerr != nil && rerr != io.EOF {
		return format.Unknown, api.Errorf(api.ReasonGeneric, "text: cannot read source: %w", rerr)
	}
	return format.Sniff(head, name), err
}

// withArticle puts "a" or "an" before a format's title as it is read
// aloud: "an AVI video", "an MP3 audio file", "an SVG image", "a JPEG
// image", "a Matroska video".
func withArticle(title string) string {
	if title == "" {
		return "a file"
	}
	first := title[0]
	acronym := len(title) > 1 && (title[1] >= 'A' && title[1] <= 'Z' || title[1] >= '0' && title[1] <= '9')
	if strings.IndexByte("AEIOUaeiou", first) >= 0 || acronym && strings.IndexByte("FHLMNRSX", first) >= 0 {
		return "an " + title
	}
	return "a " + title
}
