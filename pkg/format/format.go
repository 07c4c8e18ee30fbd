package format

import (
	"path"
	"strings"
)

// Family is the broad kind of a format.
type Family string

// The families of the registry's formats.
const (
	FamilyImage      Family = "image"      // raster and vector images
	FamilyRaw        Family = "raw"        // camera raw images
	FamilyDocument   Family = "document"   // paged and office documents, e-books
	FamilyText       Family = "text"       // plain and marked-up text, e-mail, contact and calendar data
	FamilyVideo      Family = "video"      // moving pictures
	FamilyAudio      Family = "audio"      // sound
	FamilyArchive    Family = "archive"    // containers of other files
	FamilyExecutable Family = "executable" // programs
)

// Engines is a set of the things the service does with a format.
type Engines uint8

// The engines of the service, as a set of capabilities.
const (
	// ImageRead: the image engine (package image) renders sources of the
	// format.
	ImageRead Engines = 1 << iota
	// ImageWrite: the image engine writes renditions in the format.
	ImageWrite
	// MetaRead: metadata extraction (package meta) reads the format.
	MetaRead
	// TextRead: text extraction (package text) reads the format.
	TextRead
	// MediaRead: the media engine (package media, ffmpeg) reads the
	// format: poster frames, cover art and waveforms.
	MediaRead
	// OfficeRead: the office engine (package office: embedded thumbnails,
	// LibreOffice) previews the format; the office action makes its image
	// renditions.
	OfficeRead
	// PostScriptRead: the PostScript engine (package postscript,
	// Ghostscript) makes images of the format for the thumbnail action:
	// its embedded preview or a Ghostscript rendering, or, for a
	// PDF-compatible Illustrator file, the image engine's PDF path.
	PostScriptRead
)

// Has reports whether e holds every capability of c.
func (e Engines) Has(c Engines) bool { return e&c == c }

// String lists the capabilities of e, such as "image-read,meta-read", or
// "none".
func (e Engines) String() string {
	var parts []string
	for _, c := range []struct {
		e    Engines
		name string
	}{{ImageRead, "image-read"}, {ImageWrite, "image-write"}, {MetaRead, "meta-read"}, {TextRead, "text-read"}, {MediaRead, "media-read"}, {OfficeRead, "office-read"}, {PostScriptRead, "postscript-read"}} {
		if e.Has(c.e) {
			parts = append(parts, c.name)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// Format is one entry of the registry, or Unknown.
type Format struct {
	// Name is the short, stable name of the format: "jpeg", "pdf",
	// "docx", "nef", "text".
	Name string
	// Title names the format for people, as in "source is a JPEG image":
	// "JPEG image", "PDF document".
	Title string
	// MIME is the media type.
	MIME string
	// Family is the broad kind of the format.
	Family Family
	// Extensions are the file name extensions of the format, lower case
	// with their dot, the usual one first.
	Extensions []string
	// Engines says which engines read or write the format.
	Engines Engines
	// Binary is true for formats told by magic bytes, false for text
	// formats told by their content and name.
	Binary bool
}

// Unknown is the Format of content that Sniff does not recognise: no
// name, no family, no engine, the media type of arbitrary bytes.
var Unknown = Format{Title: "data of an unknown type", MIME: "application/octet-stream"}

// Known reports whether f is a format of the registry (not Unknown).
func (f Format) Known() bool { return f.Name != "" }

// String returns the format's name, or "unknown".
func (f Format) String() string {
	if f.Name == "" {
		return "unknown"
	}
	return f.Name
}

// Reads reports whether the engine capability e (ImageRead, MetaRead,
// TextRead) holds for f.
func (f Format) Reads(e Engines) bool { return f.Known() && f.Engines.Has(e) }

const (
	img  = ImageRead | MetaRead
	imgW = ImageRead | ImageWrite | MetaRead
	doc  = MetaRead | TextRead
	ofc  = doc | OfficeRead
	av   = MediaRead
	ps   = PostScriptRead | MetaRead
)

// registry is every format, in the order All returns them.
var registry = []Format{
	// Images.
	{"jpeg", "JPEG image", "image/jpeg", FamilyImage, []string{".jpg", ".jpeg", ".jpe", ".jfif"}, imgW, true},
	{"png", "PNG image", "image/png", FamilyImage, []string{".png"}, imgW, true},
	{"gif", "GIF image", "image/gif", FamilyImage, []string{".gif"}, imgW, true},
	{"webp", "WebP image", "image/webp", FamilyImage, []string{".webp"}, imgW, true},
	{"tiff", "TIFF image", "image/tiff", FamilyImage, []string{".tif", ".tiff"}, imgW, true},
	{"heic", "HEIC image", "image/heic", FamilyImage, []string{".heic", ".hif"}, imgW, true},
	{"heif", "HEIF image", "image/heif", FamilyImage, []string{".heif"}, img, true},
	{"avif", "AVIF image", "image/avif", FamilyImage, []string{".avif"}, imgW, true},
	{"jp2", "JPEG 2000 image", "image/jp2", FamilyImage, []string{".jp2", ".jpf", ".jpx"}, img, true},
	{"j2c", "JPEG 2000 codestream", "image/x-j2c", FamilyImage, []string{".j2c", ".j2k", ".jpc"}, img, true},
	{"jxl", "JPEG XL image", "image/jxl", FamilyImage, []string{".jxl"}, imgW, true},
	{"bmp", "BMP image", "image/bmp", FamilyImage, []string{".bmp", ".dib"}, img, true},
	{"psd", "Photoshop image", "image/vnd.adobe.photoshop", FamilyImage, []string{".psd", ".psb"}, img, true},
	{"svg", "SVG image", "image/svg+xml", FamilyImage, []string{".svg"}, img | TextRead, false},

	// The long tail of raster formats: read by libvips' own loaders
	// (Netpbm, Radiance, OpenEXR) or by ImageMagick through an allow-list
	// of its coders (package image), metadata from their headers.
	{"sgi", "SGI image", "image/sgi", FamilyImage, []string{".sgi", ".rgb", ".rgba", ".bw", ".int", ".inta"}, img, true},
	{"ppm", "PPM image", "image/x-portable-pixmap", FamilyImage, []string{".ppm", ".pnm"}, img, true},
	{"pgm", "PGM image", "image/x-portable-graymap", FamilyImage, []string{".pgm"}, img, true},
	{"pbm", "PBM image", "image/x-portable-bitmap", FamilyImage, []string{".pbm"}, img, true},
	{"pam", "PAM image", "image/x-portable-arbitrarymap", FamilyImage, []string{".pam"}, img, true},
	{"pfm", "PFM floating-point image", "image/x-portable-floatmap", FamilyImage, []string{".pfm"}, img, true},
	{"tga", "Targa image", "image/x-tga", FamilyImage, []string{".tga", ".icb", ".vda", ".vst"}, img, true},
	{"ico", "Windows icon", "image/vnd.microsoft.icon", FamilyImage, []string{".ico"}, img, true},
	{"cur", "Windows cursor", "image/x-win-bitmap", FamilyImage, []string{".cur"}, img, true},
	{"pcx", "PCX image", "image/vnd.zbrush.pcx", FamilyImage, []string{".pcx"}, img, true},
	{"hdr", "Radiance HDR image", "image/vnd.radiance", FamilyImage, []string{".hdr", ".rgbe"}, img, true},
	{"exr", "OpenEXR image", "image/x-exr", FamilyImage, []string{".exr"}, img, true},
	{"dds", "DirectDraw Surface image", "image/vnd-ms.dds", FamilyImage, []string{".dds"}, img, true},
	{"pict", "Apple PICT image", "image/x-pict", FamilyImage, []string{".pct", ".pict"}, img, true},
	// PostScript. EPS, EPSI and PS are told by their header ("%!PS-Adobe",
	// "EPSF", a DOS EPS binary header, an EPSI preview); Illustrator
	// files by their markers or, when PDF-compatible, by the .ai name.
	// Text extraction reads the PDF-compatible Illustrator files only.
	{"ps", "PostScript document", "application/postscript", FamilyDocument, []string{".ps"}, ps, true},
	{"eps", "Encapsulated PostScript image", "application/postscript", FamilyImage, []string{".eps", ".epsf"}, ps, true},
	{"epsi", "Encapsulated PostScript image with an EPSI preview", "application/postscript", FamilyImage, []string{".epsi", ".epi"}, ps, true},
	{"ai", "Adobe Illustrator artwork", "application/illustrator", FamilyImage, []string{".ai"}, ps | TextRead, true},

	// Camera raw. The TIFF-based ones are told from TIFF by extension
	// (CR2 also by its own marker). The thumbnail action renders them
	// through package raw: an embedded preview, or the raw data
	// developed by LibRaw.
	{"dng", "Adobe DNG raw image", "image/x-adobe-dng", FamilyRaw, []string{".dng"}, img, true},
	{"cr2", "Canon CR2 raw image", "image/x-canon-cr2", FamilyRaw, []string{".cr2"}, img, true},
	{"nef", "Nikon NEF raw image", "image/x-nikon-nef", FamilyRaw, []string{".nef"}, img, true},
	{"nrw", "Nikon NRW raw image", "image/x-nikon-nrw", FamilyRaw, []string{".nrw"}, img, true},
	{"arw", "Sony ARW raw image", "image/x-sony-arw", FamilyRaw, []string{".arw"}, img, true},
	{"sr2", "Sony SR2 raw image", "image/x-sony-sr2", FamilyRaw, []string{".sr2"}, img, true},
	{"pef", "Pentax PEF raw image", "image/x-pentax-pef", FamilyRaw, []string{".pef"}, img, true},
	{"orf", "Olympus ORF raw image", "image/x-olympus-orf", FamilyRaw, []string{".orf"}, img, true},
	{"rw2", "Panasonic RW2 raw image", "image/x-panasonic-rw2", FamilyRaw, []string{".rw2"}, img, true},
	{"raf", "Fujifilm RAF raw image", "image/x-fuji-raf", FamilyRaw, []string{".raf"}, img, true},
	{"cr3", "Canon CR3 raw image", "image/x-canon-cr3", FamilyRaw, []string{".cr3"}, img, true},
	{"crw", "Canon CRW raw image", "image/x-canon-crw", FamilyRaw, []string{".crw"}, ImageRead | MetaRead, true},
	{"srf", "Sony SRF raw image", "image/x-sony-srf", FamilyRaw, []string{".srf"}, img, true},
	{"rwl", "Leica RWL raw image", "image/x-leica-rwl", FamilyRaw, []string{".rwl"}, img, true},
	{"srw", "Samsung SRW raw image", "image/x-samsung-srw", FamilyRaw, []string{".srw"}, img, true},
	{"x3f", "Sigma X3F raw image", "image/x-sigma-x3f", FamilyRaw, []string{".x3f"}, ImageRead | MetaRead, true},
	{"iiq", "Phase One IIQ raw image", "image/x-phaseone-iiq", FamilyRaw, []string{".iiq"}, img, true},
	{"3fr", "Hasselblad 3FR raw image", "image/x-hasselblad-3fr", FamilyRaw, []string{".3fr"}, img, true},
	{"erf", "Epson ERF raw image", "image/x-epson-erf", FamilyRaw, []string{".erf"}, img, true},
	{"kdc", "Kodak KDC raw image", "image/x-kodak-kdc", FamilyRaw, []string{".kdc"}, img, true},
	{"dcr", "Kodak DCR raw image", "image/x-kodak-dcr", FamilyRaw, []string{".dcr"}, img, true},
	{"mef", "Mamiya MEF raw image", "image/x-mamiya-mef", FamilyRaw, []string{".mef"}, img, true},
	{"mos", "Leaf MOS raw image", "image/x-leaf-mos", FamilyRaw, []string{".mos"}, img, true},
	{"mrw", "Minolta MRW raw image", "image/x-minolta-mrw", FamilyRaw, []string{".mrw"}, img, true},

	// Documents.
	{"pdf", "PDF document", "application/pdf", FamilyDocument, []string{".pdf"}, ImageRead | doc, true},
	{"docx", "Word document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", FamilyDocument, []string{".docx", ".docm", ".dotx", ".dotm"}, ofc, true},
	{"xlsx", "Excel workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", FamilyDocument, []string{".xlsx", ".xlsm", ".xltx", ".xltm"}, ofc, true},
	{"pptx", "PowerPoint presentation", "application/vnd.openxmlformats-officedocument.presentationml.presentation", FamilyDocument, []string{".pptx", ".pptm", ".potx", ".potm"}, ofc, true},
	{"odt", "OpenDocument text", "application/vnd.oasis.opendocument.text", FamilyDocument, []string{".odt", ".ott"}, ofc, true},
	{"ods", "OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet", FamilyDocument, []string{".ods", ".ots"}, ofc, true},
	{"odp", "OpenDocument presentation", "application/vnd.oasis.opendocument.presentation", FamilyDocument, []string{".odp", ".otp"}, ofc, true},
	{"odg", "OpenDocument drawing", "application/vnd.oasis.opendocument.graphics", FamilyDocument, []string{".odg", ".otg"}, ofc, true},
	{"epub", "EPUB book", "application/epub+zip", FamilyDocument, []string{".epub"}, doc, true},
	{"ole", "legacy binary Microsoft Office file (OLE2)", "application/x-ole-storage", FamilyDocument, []string{".msg"}, 0, true},
	// The legacy binary Office formats are OLE2 files told by extension;
	// Apple's iWork documents are zip packages told by extension.
	{"doc", "legacy Word document", "application/msword", FamilyDocument, []string{".doc", ".dot"}, OfficeRead | MetaRead, true},
	{"xls", "legacy Excel workbook", "application/vnd.ms-excel", FamilyDocument, []string{".xls", ".xlt"}, OfficeRead | MetaRead, true},
	{"ppt", "legacy PowerPoint presentation", "application/vnd.ms-powerpoint", FamilyDocument, []string{".ppt", ".pps", ".pot"}, OfficeRead | MetaRead, true},
	{"pages", "Pages document", "application/vnd.apple.pages", FamilyDocument, []string{".pages"}, OfficeRead, true},
	{"numbers", "Numbers spreadsheet", "application/vnd.apple.numbers", FamilyDocument, []string{".numbers"}, OfficeRead, true},
	{"keynote", "Keynote presentation", "application/vnd.apple.keynote", FamilyDocument, []string{".key"}, OfficeRead, true},
	{"rtf", "RTF document", "application/rtf", FamilyDocument, []string{".rtf"}, TextRead, false},
	// InDesign: the page thumbnails of the XMP packet are the image
	// source of INDD and INDT; IDML is a zip package of XML stories.
	{"indd", "InDesign document", "application/x-indesign", FamilyDocument, []string{".indd"}, ImageRead | MetaRead, true},
	{"indt", "InDesign template", "application/x-indesign", FamilyDocument, []string{".indt"}, ImageRead | MetaRead, true},
	{"idml", "InDesign markup (IDML) package", "application/vnd.adobe.indesign-idml-package", FamilyDocument, []string{".idml"}, ImageRead | doc, true},

	// Text.
	{"html", "HTML document", "text/html", FamilyText, []string{".html", ".htm", ".xhtml", ".xht"}, doc, false},
	{"eml", "e-mail message", "message/rfc822", FamilyText, []string{".eml", ".mht", ".mhtml"}, doc, false},
	{"vcard", "vCard", "text/vcard", FamilyText, []string{".vcf", ".vcard"}, TextRead, false},
	{"icalendar", "iCalendar file", "text/calendar", FamilyText, []string{".ics", ".ical", ".ifb"}, TextRead, false},
	{"xml", "XML document", "application/xml", FamilyText, []string{".xml", ".xsd", ".xsl", ".rss", ".atom", ".opf"}, TextRead, false},
	{"csv", "CSV file", "text/csv", FamilyText, []string{".csv", ".tsv"}, TextRead, false},
	{"markdown", "Markdown document", "text/markdown", FamilyText, []string{".md", ".markdown"}, TextRead, false},
	{"json", "JSON document", "application/json", FamilyText, []string{".json", ".geojson", ".jsonl", ".ndjson"}, TextRead, false},
	{"srt", "SubRip subtitles", "application/x-subrip", FamilyText, []string{".srt"}, TextRead, false},
	{"webvtt", "WebVTT captions", "text/vtt", FamilyText, []string{".vtt"}, TextRead, false},
	{"ass", "ASS/SSA subtitles", "text/x-ssa", FamilyText, []string{".ass", ".ssa"}, TextRead, false},
	{"text", "plain text", "text/plain", FamilyText, []string{".txt", ".text", ".log"}, TextRead, false},

	// Video and audio, read by ffmpeg; metadata extraction reads the
	// containers it has a reader for, text extraction the subtitle tracks
	// of the ISO media and Matroska files.
	{"mp4", "MP4 video", "video/mp4", FamilyVideo, []string{".mp4", ".m4v"}, av | MetaRead | TextRead, true},
	{"mov", "QuickTime video", "video/quicktime", FamilyVideo, []string{".mov", ".qt"}, av | MetaRead | TextRead, true},
	{"isobmff", "ISO media file", "application/mp4", FamilyVideo, []string{".3gp", ".3g2"}, av | MetaRead | TextRead, true},
	{"avi", "AVI video", "video/x-msvideo", FamilyVideo, []string{".avi"}, av | MetaRead, true},
	{"matroska", "Matroska/WebM video", "video/x-matroska", FamilyVideo, []string{".mkv", ".webm", ".mka"}, av | MetaRead | TextRead, true},
	{"mpegts", "MPEG transport stream", "video/mp2t", FamilyVideo, []string{".ts", ".mts", ".m2ts", ".m2t"}, av | MetaRead, true},
	{"mpegps", "MPEG program stream video", "video/mpeg", FamilyVideo, []string{".mpg", ".mpeg", ".vob", ".m2p", ".m2v"}, av | MetaRead, true},
	{"asf", "Windows Media (ASF) video", "video/x-ms-asf", FamilyVideo, []string{".wmv", ".asf"}, av | MetaRead, true},
	{"flv", "Flash video", "video/x-flv", FamilyVideo, []string{".flv"}, av | MetaRead, true},
	{"mxf", "MXF video", "application/mxf", FamilyVideo, []string{".mxf"}, av | MetaRead, true},
	{"dv", "DV video", "video/x-dv", FamilyVideo, []string{".dv", ".dif"}, av | MetaRead, true},
	{"wav", "WAVE audio", "audio/wav", FamilyAudio, []string{".wav"}, av | MetaRead, true},
	{"riff", "RIFF file", "application/x-riff", FamilyAudio, nil, 0, true},
	{"mp3", "MP3 audio", "audio/mpeg", FamilyAudio, []string{".mp3"}, av | MetaRead, true},
	{"aac", "AAC audio", "audio/aac", FamilyAudio, []string{".aac", ".adts"}, av | MetaRead, true},
	{"m4a", "MPEG-4 audio", "audio/mp4", FamilyAudio, []string{".m4a", ".m4b", ".m4r"}, av | MetaRead, true},
	{"aiff", "AIFF audio", "audio/aiff", FamilyAudio, []string{".aif", ".aiff", ".aifc"}, av | MetaRead, true},
	{"ogg", "Ogg media", "audio/ogg", FamilyAudio, []string{".ogg", ".oga", ".ogv", ".opus"}, av | MetaRead, true},
	{"flac", "FLAC audio", "audio/flac", FamilyAudio, []string{".flac"}, av | MetaRead, true},
	{"wma", "Windows Media audio", "audio/x-ms-wma", FamilyAudio, []string{".wma"}, av | MetaRead, true},

	// Archives and programs.
	{"zip", "zip archive", "application/zip", FamilyArchive, []string{".zip"}, 0, true},
	{"gzip", "gzip archive", "application/gzip", FamilyArchive, []string{".gz", ".tgz"}, 0, true},
	{"7z", "7-Zip archive", "application/x-7z-compressed", FamilyArchive, []string{".7z"}, 0, true},
	{"rar", "RAR archive", "application/vnd.rar", FamilyArchive, []string{".rar"}, 0, true},
	{"elf", "executable", "application/x-executable", FamilyExecutable, nil, 0, true},
}

var (
	byName = map[string]int{}
	byExt  = map[string]int{}
	byMIME = map[string]int{}
)

func init() {
	for i, f := range registry {
		if _, dup := byName[f.Name]; dup {
			panic("format: duplicate name " + f.Name)
		}
		byName[f.Name] = i
		if _, dup := byMIME[f.MIME]; !dup {
			byMIME[f.MIME] = i
		}
		for _, e := range f.Extensions {
			if _, dup := byExt[e]; dup {
				panic("format: duplicate extension " + e)
			}
			byExt[e] = i
		}
	}
}

// All returns every format of the registry, images first. The slice is
// a copy.
func All() []Format {
	out := make([]Format, len(registry))
	copy(out, registry)
	return out
}

// ByName returns the format called name ("jpeg", "docx"), and false when
// there is none.
func ByName(name string) (Format, bool) {
	i, ok := byName[name]
	if !ok {
		return Unknown, false
	}
	return registry[i], true
}

// MustName returns the format called name and panics when there is none;
// for names written in code.
func MustName(name string) Format {
	f, ok := ByName(name)
	if !ok {
		panic("format: no format named " + name)
	}
	return f
}

// ByMIME returns the format whose media type is mime (parameters such as
// "; charset=utf-8" are ignored), and false when there is none.
func ByMIME(mime string) (Format, bool) {
	mime, _, _ = strings.Cut(mime, ";")
	i, ok := byMIME[strings.ToLower(strings.TrimSpace(mime))]
	if !ok {
		return Unknown, false
	}
	return registry[i], true
}

// ByExtension returns the format of a file name extension (".jpg",
// "jpg" or "JPG"), and false when there is none.
func ByExtension(ext string) (Format, bool) {
	ext = strings.ToLower(ext)
	if !strings.HasPrefix(ext, ".") {
		ext = "." + ext
	}
	i, ok := byExt[ext]
	if !ok {
		return Unknown, false
	}
	return registry[i], true
}

// ByFileName returns the format promised by the extension of name, a file
// name, path or URL (a query or fragment is ignored), and false when the
// name has no extension of the registry.
func ByFileName(name string) (Format, bool) {
	ext := Ext(name)
	if ext == "" {
		return Unknown, false
	}
	return ByExtension(ext)
}

// Ext returns the lower-case extension, with its dot, of name: a file
// name, a path with / or \ separators, or a URL whose query is ignored.
// It returns "" when there is none.
func Ext(name string) string {
	name, _, _ = strings.Cut(name, "?")
	name = strings.ReplaceAll(name, `\`, "/")
	return strings.ToLower(path.Ext(name))
}
