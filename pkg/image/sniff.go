package image

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
)

// SourceType is the format of a source file as told by its first bytes.
type SourceType string

// The source types Sniff recognises. TypeUnknown is the zero value.
const (
	TypeUnknown SourceType = ""
	TypeJPEG    SourceType = "jpeg"
	TypePNG     SourceType = "png"
	TypeGIF     SourceType = "gif"
	TypeWebP    SourceType = "webp"
	TypeTIFF    SourceType = "tiff"
	TypeHEIF    SourceType = "heif"
	TypeAVIF    SourceType = "avif"
	TypeJP2     SourceType = "jp2"
	TypeJXL     SourceType = "jxl"
	TypeBMP     SourceType = "bmp"
	TypePSD     SourceType = "psd"
	TypePDF     SourceType = "pdf"
	TypeSVG     SourceType = "svg"
)

// sourceTypes describes every known type: its media type and whether the
// engine can decode it. libvips reads BMP and PSD only through its
// ImageMagick loader, which the engine keeps blocked; they are decoded in
// Go (decode.go).
var sourceTypes = map[SourceType]struct {
	mime      string
	decodable bool
}{
	TypeJPEG: {"image/jpeg", true},
	TypePNG:  {"image/png", true},
	TypeGIF:  {"image/gif", true},
	TypeWebP: {"image/webp", true},
	TypeTIFF: {"image/tiff", true},
	TypeHEIF: {"image/heic", true},
	TypeAVIF: {"image/avif", true},
	TypeJP2:  {"image/jp2", true},
	TypeJXL:  {"image/jxl", true},
	TypeBMP:  {"image/bmp", true},
	TypePSD:  {"image/vnd.adobe.photoshop", true},
	TypePDF:  {"application/pdf", true},
	TypeSVG:  {"image/svg+xml", true},
}

// MimeType returns the media type of t, or application/octet-stream for
// TypeUnknown.
func (t SourceType) MimeType() string {
	if d, ok := sourceTypes[t]; ok {
		return d.mime
	}
	return "application/octet-stream"
}

// vector reports whether t is drawn rather than decoded (SVG, PDF): it is
// rendered at the requested size, larger than its nominal size too.
func (t SourceType) vector() bool { return t == TypeSVG || t == TypePDF }

// Decodable reports whether the engine can render sources of type t.
func (t SourceType) Decodable() bool { return sourceTypes[t].decodable }

// sniffLen is how much of a file Sniff reads first: what the format
// registry needs to tell every format, an SVG root element after a short
// prolog included. An XML file whose prolog goes on longer (a document
// type declaration with many entities) is read further, up to
// maxSVGProlog.
const sniffLen = format.SniffLen

// sourceTypeOf is the source type of each format of the registry the
// engine reads: TIFF-based camera raw files are read as TIFF, JPEG 2000
// codestreams as JPEG 2000.
func sourceTypeOf(f format.Format) SourceType {
	if !f.Reads(format.ImageRead) {
		return TypeUnknown
	}
	switch f.Name {
	case "jpeg":
		return TypeJPEG
	case "png":
		return TypePNG
	case "gif":
		return TypeGIF
	case "webp":
		return TypeWebP
	case "heic", "heif":
		return TypeHEIF
	case "avif":
		return TypeAVIF
	case "jp2", "j2c":
		return TypeJP2
	case "jxl":
		return TypeJXL
	case "bmp":
		return TypeBMP
	case "psd":
		return TypePSD
	case "pdf":
		return TypePDF
	case "svg":
		return TypeSVG
	}
	if f.Name == "tiff" || f.Family == format.FamilyRaw {
		return TypeTIFF
	}
	if t := longTailType(f); t != TypeUnknown {
		return t
	}
	return inDesignType(f)
}

// Sniff reads the first bytes of the file at path and returns its type,
// as the format registry (package format) tells it from those bytes and
// the file's name: the name matters only where the bytes cannot tell (a
// file shorter than its format's magic bytes, a camera raw file). An empty
// file is an *api.Error with reason SourceCorrupt (a source that was cut
// to nothing), content of no known image type one with
// SourceFormatUnsupported; a file that cannot be read is a GenericError.
func Sniff(path string) (SourceType, error) {
	f, err := SniffFormat(path)
	if err != nil {
		return TypeUnknown, err
	}
	return sourceTypeOf(f), nil
}

// SniffFormat is Sniff returning the format of the registry that the
// engine sees the file as. Its errors are Sniff's: a format the engine
// does not read is an *api.Error with reason SourceFormatUnsupported,
// returned with that format (a DOCX, plain text) or format.Unknown.
func SniffFormat(path string) (format.Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return format.Unknown, api.Wrap(api.ReasonGeneric, err, "source file cannot be opened")
	}
	defer f.Close()
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return format.Unknown, api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
	}
	if n == 0 {
		return format.Unknown, api.Errorf(api.ReasonSourceCorrupt, "source is empty (0 bytes)")
	}
	name := filepath.Base(path)
	head = head[:n]
	fm := format.Sniff(head, name)
	if sourceTypeOf(fm) != TypeUnknown {
		return fm, nil
	}
	p := format.ScanXMLProlog(head)
	if p.Short && n == sniffLen {
		// XML whose prolog goes on: read further for the root element.
		more := make([]byte, maxSVGProlog)
		copy(more, head)
		m, err := io.ReadFull(f, more[n:])
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return format.Unknown, api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
		}
		head = more[:n+m]
		if format.IsSVGRoot(format.ScanXMLProlog(head).Root) {
			fm = format.MustName("svg")
		}
		p = format.ScanXMLProlog(head)
	}
	if sourceTypeOf(fm) == TypeUnknown && p.Short && bytes.Contains(head, []byte("<!DOCTYPE svg")) {
		// An SVG cut short or with a prolog too long to read:
		// checkSVGEntities refuses it with its reason.
		fm = format.MustName("svg")
	}
	if sourceTypeOf(fm) == TypeUnknown {
		return fm, api.Errorf(api.ReasonSourceFormatUnsupported,
			"source is not an image of a supported type (its first bytes are % x)", head[:min(n, 8)])
	}
	return fm, nil
}

// SniffBytes returns the type of content that starts with head, or
// TypeUnknown; see Sniff. Without a name, a source cut inside its magic
// bytes is TypeUnknown.
func SniffBytes(head []byte) SourceType {
	return sourceTypeOf(format.Sniff(head, ""))
}

// String returns the type name, or "unknown".
func (t SourceType) String() string {
	if t == TypeUnknown {
		return "unknown"
	}
	return string(t)
}

// errNotDecodable is the error for a recognised type the engine cannot read.
func errNotDecodable(t SourceType) error {
	return api.Errorf(api.ReasonSourceFormatUnsupported,
		"source type %s (%s) cannot be made into an image rendition by this service", t, t.MimeType())
}
