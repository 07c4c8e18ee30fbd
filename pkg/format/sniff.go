package format

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// SniffLen is how many leading bytes of a source Sniff needs to tell every
// format of the registry: callers read this much (or the whole source when
// it is shorter) and pass it as head.
const SniffLen = 8 << 10

// PDFWindow is how far into a file a PDF header ("%PDF-") may start: PDF
// readers accept up to a KiB of junk before it.
const PDFWindow = 1024

// signature is magic bytes at an offset from the start of a file.
type signature struct {
	off   int
	magic string
}

// signatures are the magic bytes of the formats told by them at a fixed
// offset, in the order Sniff tries them. Formats told otherwise (the
// ISO base media brands, RIFF form types, PDF's window, zip packages,
// BMP, raw files) are handled in Sniff itself.
var signatures = []struct {
	name string
	sigs []signature
}{
	{"jpeg", []signature{{0, "\xFF\xD8\xFF"}}},
	{"png", []signature{{0, "\x89PNG\r\n\x1a\n"}}},
	{"gif", []signature{{0, "GIF87a"}, {0, "GIF89a"}}},
	{"jp2", []signature{{0, "\x00\x00\x00\x0CjP  \r\n\x87\n"}}},
	{"j2c", []signature{{0, "\xFF\x4F\xFF\x51"}}},
	{"jxl", []signature{{0, "\x00\x00\x00\x0CJXL \r\n\x87\n"}, {0, "\xFF\x0A"}}},
	{"psd", []signature{{0, "8BPS"}}},
	{"orf", []signature{{0, "IIRO"}, {0, "IIRS"}, {0, "MMOR"}}},
	{"rw2", []signature{{0, "IIU\x00"}}},
	{"raf", []signature{{0, "FUJIFILMCCD-RAW"}}},
	{"crw", []signature{{6, "HEAPCCDR"}}},
	{"mrw", []signature{{0, "\x00MRM"}}},
	{"x3f", []signature{{0, "FOVb"}}},
	{"ole", []signature{{0, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"}}},
	{"gzip", []signature{{0, "\x1F\x8B"}}},
	{"7z", []signature{{0, "7z\xBC\xAF\x27\x1C"}}},
	{"rar", []signature{{0, "Rar!\x1A\x07"}}},
	{"elf", []signature{{0, "\x7FELF"}}},
	{"mp3", []signature{{0, "ID3"}}},
	{"ogg", []signature{{0, "OggS"}}},
	{"flac", []signature{{0, "fLaC"}}},
	{"matroska", []signature{{0, "\x1A\x45\xDF\xA3"}}},
	{"flv", []signature{{0, "FLV\x01"}}},
	{"mxf", []signature{{0, "\x06\x0E\x2B\x34\x02\x05\x01\x01\x0D\x01\x02\x01\x01"}}},
	{"mpegps", []signature{{0, "\x00\x00\x01\xBA"}, {0, "\x00\x00\x01\xB3"}}},
	{"exr", []signature{{0, "\x76\x2F\x31\x01"}}},
	{"hdr", []signature{{0, "#?RADIANCE\n"}, {0, "#?RGBE\n"}}},
	{"dds", []signature{{0, "DDS \x7C\x00\x00\x00"}}},
	{"indd", []signature{{0, inddGUID}}},
}

// The magic bytes of the formats Sniff tells in code.
var (
	tiffMagics = []string{"II*\x00", "MM\x00*", "II+\x00", "MM\x00+"}
	zipMagics  = []string{"PK\x03\x04", "PK\x05\x06"}
	riffMagic  = "RIFF"
	bmpMagic   = "BM"
	pdfMagic   = "%PDF-"
	rtfMagic   = `{\rtf`
	asfMagic   = "\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9\x00\xAA\x00\x62\xCE\x6C"
)

// isTS reports whether head is an MPEG transport stream: sync bytes 0x47
// every 188 bytes (or every 192, after the 4-byte time codes of M2TS), on
// as many packets as head holds, at least two.
func isTS(head []byte) bool {
	for _, p := range []struct{ off, size int }{{0, 188}, {4, 192}} {
		n := 0
		for i := p.off; i < len(head); i += p.size {
			if head[i] != 0x47 {
				n = 0
				break
			}
			n++
		}
		if n >= 2 {
			return true
		}
	}
	return false
}

// isDV reports whether head starts with a DV DIF header block.
func isDV(head []byte) bool {
	return len(head) >= 4 && head[0] == 0x1F && head[1] == 0x07 && head[2] == 0x00 && head[3]&0x7F == 0x3F
}

// audioFrameSync tells raw MPEG audio (MP3 without an ID3 tag) and ADTS
// AAC by the frame header at the start: an 11-bit sync, then for ADTS a
// layer of 0, for MPEG audio a layer other than the reserved one, and a
// second header where the first frame's length says (when head holds it;
// a shorter MP3 needs its extension).
func audioFrameSync(head []byte, ext string) (string, bool) {
	// FF FE is also the byte order mark of UTF-16 text.
	if len(head) < 7 || head[0] != 0xFF || head[1]&0xE0 != 0xE0 || head[1] == 0xFE {
		return "", false
	}
	if head[1]&0xF6 == 0xF0 { // ADTS: MPEG-4/2 AAC, layer 0
		n := int(head[3]&0x03)<<11 | int(head[4])<<3 | int(head[5])>>5
		if n < 7 || (n+2 <= len(head) && (head[n] != 0xFF || head[n+1]&0xF6 != 0xF0)) {
			return "", false
		}
		return "aac", true
	}
	n := mpegAudioFrameLen(head)
	if n <= 0 {
		return "", false
	}
	if n+4 <= len(head) {
		if mpegAudioFrameLen(head[n:]) <= 0 {
			return "", false
		}
	} else if ext != ".mp3" {
		// Shorter than a frame: only a file named so.
		return "", false
	}
	return "mp3", true
}

// mpegAudioFrameLen returns the length of the MPEG audio frame whose
// header starts h, or 0 when h does not start with a valid header.
func mpegAudioFrameLen(h []byte) int {
	if len(h) < 4 || h[0] != 0xFF || h[1]&0xE0 != 0xE0 {
		return 0
	}
	version, layer := h[1]>>3&0x03, h[1]>>1&0x03 // version 3: MPEG-1; layer 3: I
	bi, ri, pad := int(h[2]>>4), int(h[2]>>2&0x03), int(h[2]>>1&0x01)
	if version == 1 || layer == 0 || bi == 0 || bi == 15 || ri == 3 {
		return 0
	}
	var kbps []int
	switch {
	case version == 3 && layer == 3:
		kbps = []int{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448}
	case version == 3 && layer == 2:
		kbps = []int{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384}
	case version == 3:
		kbps = []int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}
	case layer == 3:
		kbps = []int{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256}
	default:
		kbps = []int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}
	}
	rate := []int{44100, 48000, 32000}[ri]
	switch version {
	case 2: // MPEG-2
		rate /= 2
	case 0: // MPEG-2.5
		rate /= 4
	}
	br := kbps[bi] * 1000
	switch {
	case layer == 3:
		return (12*br/rate + pad) * 4
	case layer == 1 && version != 3:
		return 72*br/rate + pad
	}
	return 144*br/rate + pad
}

// Sniff returns the format of the source whose first bytes are head (at
// least SniffLen of them, or the whole source) and whose file name, path
// or URL is name (may be empty). It returns Unknown for content of no
// format the registry knows, binary data and an empty head included.
func Sniff(head []byte, name string) Format {
	if len(head) == 0 {
		return Unknown
	}
	ext := Ext(name)
	if f, ok := sniffBinary(head, ext); ok {
		return f
	}
	if f, ok := sniffTruncated(head, ext); ok {
		return f
	}
	if !LooksLikeText(head) {
		return Unknown
	}
	return SniffText(textProbe(head), name)
}

func has(head []byte, off int, magic string) bool {
	return len(head) >= off+len(magic) && string(head[off:off+len(magic)]) == magic
}

func hasAny(head []byte, magics []string) bool {
	for _, m := range magics {
		if has(head, 0, m) {
			return true
		}
	}
	return false
}

// Truncated reports whether head, a whole source, was cut inside the magic
// bytes of the format its name promises: Sniff returns that format, and
// head is too short to hold its signature (a two-byte "\xFF\xD8" named
// photo.jpg). Engines report such a source as corrupt or truncated.
func Truncated(head []byte, name string) bool {
	if len(head) == 0 {
		return false
	}
	ext := Ext(name)
	if _, ok := sniffBinary(head, ext); ok {
		return false
	}
	_, ok := sniffTruncated(head, ext)
	return ok
}

// sniffBinary tells the formats that have magic bytes.
func sniffBinary(head []byte, ext string) (Format, bool) {
	for _, s := range signatures {
		for _, sig := range s.sigs {
			if has(head, sig.off, sig.magic) {
				if s.name == "orf" || s.name == "rw2" {
					return rawOrTIFF(head, ext, s.name), true
				}
				if s.name == "indd" && ext == ".indt" {
					return MustName("indt"), true
				}
				if s.name == "ole" {
					return oleKind(ext), true
				}
				return MustName(s.name), true
			}
		}
	}
	if f, ok := sniffPostScript(head, ext); ok {
		return f, true
	}
	switch {
	case hasAny(head, tiffMagics):
		return rawOrTIFF(head, ext, "tiff"), true
	case has(head, 0, riffMagic) && len(head) >= 12:
		switch string(head[8:12]) {
		case "WEBP":
			return MustName("webp"), true
		case "WAVE":
			return MustName("wav"), true
		case "AVI ":
			return MustName("avi"), true
		}
		return MustName("riff"), true
	case has(head, 0, "FORM") && (has(head, 8, "AIFF") || has(head, 8, "AIFC")):
		return MustName("aiff"), true
	case has(head, 4, "ftyp") && len(head) >= 12:
		return MustName(isoBrand(head)), true
	case has(head, 0, asfMagic):
		if ext == ".wma" {
			return MustName("wma"), true
		}
		return MustName("asf"), true
	case has(head, 0, "FORM") && len(head) >= 12 && (string(head[8:12]) == "AIFF" || string(head[8:12]) == "AIFC"):
		return MustName("aiff"), true
	case isTS(head):
		return MustName("mpegts"), true
	case isDV(head):
		return MustName("dv"), true
	case isBMP(head):
		return MustName("bmp"), true
	case bytes.Contains(head[:min(len(head), PDFWindow)], []byte(pdfMagic)):
		if ext == ".ai" {
			// A PDF-compatible Illustrator file.
			return MustName("ai"), true
		}
		return MustName("pdf"), true
	case hasAny(head, zipMagics):
		return zipKind(head, ext), true
	case bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf"), []byte(rtfMagic)):
		// Told before the text heuristics: RTF may embed binary data.
		return MustName("rtf"), true
	}
	if name, ok := sniffRaster(head, ext); ok {
		return MustName(name), true
	}
	if name, ok := audioFrameSync(head, ext); ok {
		return MustName(name), true
	}
	return Unknown, false
}

// dosEPSMagic starts a DOS EPS binary file, whose header points to its
// PostScript and to a TIFF or WMF preview.
const dosEPSMagic = "\xC5\xD0\xD3\xC6"

// sniffPostScript tells the PostScript family: a DOS EPS binary header, or
// "%!" (after an optional Ctrl-D) at the start. A header that names EPSF
// is EPS, EPSI when an EPSI preview (%%BeginPreview) follows in head; the
// comments of an Adobe Illustrator file (%%Creator: Adobe Illustrator,
// %AI...) make a PostScript file that is not EPS, or one named .ai, an
// Illustrator file.
func sniffPostScript(head []byte, ext string) (Format, bool) {
	if has(head, 0, dosEPSMagic) {
		if ext == ".ai" {
			return MustName("ai"), true
		}
		return MustName("eps"), true
	}
	h := bytes.TrimPrefix(head, []byte{0x04})
	if !bytes.HasPrefix(h, []byte("%!")) {
		return Unknown, false
	}
	line, _, _ := bytes.Cut(h, []byte("\n"))
	eps := bytes.Contains(line, []byte("EPSF"))
	ai := bytes.Contains(h, []byte("%%Creator: Adobe Illustrator")) || bytes.Contains(h, []byte("\n%AI"))
	switch {
	case ai && (!eps || ext == ".ai"):
		return MustName("ai"), true
	case eps && bytes.Contains(h, []byte("%%BeginPreview")):
		return MustName("epsi"), true
	case eps:
		return MustName("eps"), true
	}
	return MustName("ps"), true
}

// rawOrTIFF tells a TIFF-based camera raw file by its extension, or a
// CR2 by its marker, from a plain TIFF file (def).
func rawOrTIFF(head []byte, ext, def string) Format {
	if f, ok := ByExtension(ext); ok && f.Family == FamilyRaw && tiffStructured(f) {
		return f
	}
	if def == "tiff" && has(head, 8, "CR") {
		return MustName("cr2")
	}
	return MustName(def)
}

// oleKind tells a legacy Word, Excel or PowerPoint file by its extension
// from other OLE2 compound files (an encrypted OOXML package, a .msg).
func oleKind(ext string) Format {
	if f, ok := ByExtension(ext); ok && IsOLE(f) {
		return f
	}
	return MustName("ole")
}

// IsOLE reports whether f is an OLE2 compound file: a legacy binary Office
// document or another ("ole": an encrypted OOXML package, a .msg).
func IsOLE(f Format) bool {
	switch f.Name {
	case "ole", "doc", "xls", "ppt":
		return true
	}
	return false
}

// tiffStructured reports whether the raw format f is TIFF-structured
// (not RAF, CR3, CRW, MRW or X3F, which have magic bytes of their own).
func tiffStructured(f Format) bool {
	switch f.Name {
	case "raf", "cr3", "crw", "mrw", "x3f":
		return false
	}
	return f.Family == FamilyRaw
}

// isBMP reports whether head starts like a BMP file: "BM" and a DIB
// header of one of the sizes the format defines.
func isBMP(head []byte) bool {
	if !has(head, 0, bmpMagic) || len(head) < 26 {
		return false
	}
	switch binary.LittleEndian.Uint32(head[14:18]) {
	case 12, 16, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

// isoBrand names the format of an ISO base media file by the brands of
// its ftyp box: the major brand at 8, the compatible brands from 16.
func isoBrand(head []byte) string {
	size := int(binary.BigEndian.Uint32(head[0:4]))
	if size < 16 || size > len(head) {
		size = min(len(head), 64)
	}
	brands := []string{string(head[8:12])}
	for off := 16; off+4 <= size; off += 4 {
		brands = append(brands, string(head[off:off+4]))
	}
	var heic, heif bool
	for _, b := range brands {
		switch b {
		case "avif", "avis":
			return "avif"
		case "heic", "heix", "heim", "heis", "hevc", "hevx":
			heic = true
		case "mif1", "msf1":
			heif = true
		}
	}
	switch {
	case heic:
		return "heic"
	case heif:
		return "heif"
	}
	switch brands[0] {
	case "crx ":
		return "cr3"
	case "qt  ":
		return "mov"
	case "isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "dash", "M4V ", "MSNV":
		return "mp4"
	case "M4A ", "M4B ", "M4P ", "F4A ":
		return "m4a"
	}
	return "isobmff"
}

// zipKind tells the document formats packaged as zip archives: ODF and
// EPUB by the "mimetype" entry they store first, OOXML by the extension
// or, without one, by the part names in head.
func zipKind(head []byte, ext string) Format {
	if mime, ok := zipMimetype(head); ok {
		mime = strings.TrimSuffix(mime, "-template")
		if f, ok := ByMIME(mime); ok && f.Family == FamilyDocument {
			return f
		}
	}
	if f, ok := ByExtension(ext); ok && isZipDocument(f) {
		return f
	}
	if bytes.Contains(head, []byte("[Content_Types].xml")) {
		for _, p := range []struct{ dir, name string }{{"word/", "docx"}, {"xl/", "xlsx"}, {"ppt/", "pptx"}} {
			if bytes.Contains(head, []byte(p.dir)) {
				return MustName(p.name)
			}
		}
	}
	return MustName("zip")
}

// isZipDocument reports whether f is a document format packaged as zip.
func isZipDocument(f Format) bool {
	switch f.Name {
	case "docx", "xlsx", "pptx", "odt", "ods", "odp", "odg", "epub", "idml", "pages", "numbers", "keynote":
		return true
	}
	return false
}

// IsZip reports whether f is a zip archive or a document format packaged
// as one (OOXML, ODF, EPUB, iWork).
func IsZip(f Format) bool { return f.Name == "zip" || isZipDocument(f) }

// zipMimetype returns the content of a stored "mimetype" entry at the
// start of a zip archive, as ODF and EPUB require.
func zipMimetype(head []byte) (string, bool) {
	if len(head) < 30 || !has(head, 0, "PK\x03\x04") {
		return "", false
	}
	flags := binary.LittleEndian.Uint16(head[6:8])
	method := binary.LittleEndian.Uint16(head[8:10])
	csize := int(binary.LittleEndian.Uint32(head[18:22]))
	nlen := int(binary.LittleEndian.Uint16(head[26:28]))
	xlen := int(binary.LittleEndian.Uint16(head[28:30]))
	if method != 0 || string(head[30:min(len(head), 30+nlen)]) != "mimetype" || csize > 200 {
		return "", false
	}
	start := 30 + nlen + xlen
	if csize == 0 && flags&8 != 0 && start < len(head) {
		// Sizes in a data descriptor after the data: the stored data
		// ends at the next signature.
		csize = bytes.Index(head[start:min(len(head), start+200)], []byte("PK"))
		if csize < 0 {
			return "", false
		}
	}
	if start+csize > len(head) {
		return "", false
	}
	return strings.TrimSpace(string(head[start : start+csize])), true
}

// sniffTruncated finds a source cut short inside the magic bytes of the
// format its name promises: a whole source shorter than the magic bytes,
// all of them a prefix of it.
func sniffTruncated(head []byte, ext string) (Format, bool) {
	f, ok := ByExtension(ext)
	if !ok || !f.Binary {
		return Unknown, false
	}
	var magics []string
	switch {
	case f.Name == "tiff", tiffStructured(f):
		magics = tiffMagics
	case f.Name == "pdf":
		magics = []string{pdfMagic}
	case f.Name == "eps", f.Name == "epsi", f.Name == "ps", f.Name == "ai":
		magics = []string{"%!PS", dosEPSMagic}
	case IsZip(f):
		magics = zipMagics
	case f.Name == "webp":
		// "RIFF", a size, "WEBP".
		if len(head) < 12 && strings.HasPrefix(riffMagic, string(head[:min(len(head), 4)])) &&
			(len(head) <= 8 || strings.HasPrefix("WEBP", string(head[8:]))) {
			return f, true
		}
	case f.Name == "bmp":
		// "BM" and a header of at least 26 bytes.
		if len(head) < 26 && strings.HasPrefix(bmpMagic, string(head[:min(len(head), 2)])) {
			return f, true
		}
	case f.Name == "heic", f.Name == "heif", f.Name == "avif":
		// A box size, "ftyp", the major brand.
		if len(head) < 12 && (len(head) <= 4 || strings.HasPrefix("ftyp", string(head[4:min(len(head), 8)]))) {
			return f, true
		}
	}
	for _, s := range signatures {
		if s.name == f.Name {
			for _, sig := range s.sigs {
				if sig.off == 0 {
					magics = append(magics, sig.magic)
				}
			}
		}
	}
	for _, m := range magics {
		if len(head) < len(m) && strings.HasPrefix(m, string(head)) {
			return f, true
		}
	}
	return Unknown, false
}
