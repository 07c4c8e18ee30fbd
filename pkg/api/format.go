package api

import "strings"

// Family is the kind of rendition a fmt belongs to; each family is made by
// one built-in action.
type Family string

// The built-in rendition families.
const (
	FamilyImage    Family = "image"
	FamilyMetadata Family = "metadata"
	FamilyText     Family = "text"
	// FamilyVideo is the preview clip of a video source (fmt mp4).
	FamilyVideo Family = "video"
	// FamilyAnalysis is the analysis of an image (fmt analysis, JSON):
	// dominant colours, perceptual hashes, quality scores; see Features.
	FamilyAnalysis Family = "analysis"
)

// formats maps every canonical fmt to its family and media type.
var formats = map[string]struct {
	family Family
	mime   string
}{
	"png":                   {FamilyImage, "image/png"},
	"jpg":                   {FamilyImage, "image/jpeg"},
	"webp":                  {FamilyImage, "image/webp"},
	"gif":                   {FamilyImage, "image/gif"},
	"tiff":                  {FamilyImage, "image/tiff"},
	"avif":                  {FamilyImage, "image/avif"},
	"heic":                  {FamilyImage, "image/heic"},
	"jxl":                   {FamilyImage, "image/jxl"},
	"xmp":                   {FamilyMetadata, "application/rdf+xml"},
	"machine-metadata-json": {FamilyMetadata, "application/json"},
	"text":                  {FamilyText, "text/plain; charset=utf-8"},
	"mp4":                   {FamilyVideo, "video/mp4"},
	"analysis":              {FamilyAnalysis, "application/json"},
}

// fmtAliases maps accepted spellings to canonical fmt values.
var fmtAliases = map[string]string{"jpeg": "jpg", "tif": "tiff", "txt": "text"}

// CanonicalFormat returns the canonical spelling of a fmt value (lower case,
// jpeg -> jpg, tif -> tiff, txt -> text). Unknown values are only lower-cased.
func CanonicalFormat(fmt string) string {
	f := strings.ToLower(strings.TrimSpace(fmt))
	if alias, ok := fmtAliases[f]; ok {
		return alias
	}
	return f
}

// FormatFamily returns the family of a canonical fmt, and false when the fmt
// is not a built-in one.
func FormatFamily(fmt string) (Family, bool) {
	f, ok := formats[fmt]
	return f.family, ok
}

// FormatMimeType returns the media type of a canonical fmt, or
// application/octet-stream for formats it does not know.
func FormatMimeType(fmt string) string {
	if f, ok := formats[fmt]; ok {
		return f.mime
	}
	return "application/octet-stream"
}

// BuiltinFormats lists the canonical built-in fmt values in a stable order.
func BuiltinFormats() []string {
	return []string{"png", "jpg", "webp", "gif", "tiff", "avif", "heic", "jxl", "xmp", "machine-metadata-json", "text", "mp4", "analysis"}
}
