package image

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"

	"github.com/assetcompute/assetcompute/pkg/api"
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

// sniffLen is how much of a file Sniff reads first: enough for every
// magic number and for an SVG root element after a short prolog. An XML
// file whose prolog goes on longer (a document type declaration with many
// entities) is read further, up to maxSVGProlog.
const sniffLen = 4096

// Sniff reads the first bytes of the file at path and returns its type.
// The file name plays no part. An empty file is an *api.Error with reason
// SourceCorrupt (a source that was cut to nothing), content of no known
// image type one with SourceFormatUnsupported; a file that cannot be read
// is a GenericError.
func Sniff(path string) (SourceType, error) {
	f, err := os.Open(path)
	if err != nil {
		return TypeUnknown, api.Wrap(api.ReasonGeneric, err, "source file cannot be opened")
	}
	defer f.Close()
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return TypeUnknown, api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
	}
	if n == 0 {
		return TypeUnknown, api.Errorf(api.ReasonSourceCorrupt, "source is empty (0 bytes)")
	}
	t := SniffBytes(head[:n])
	if t != TypeUnknown {
		return t, nil
	}
	head = head[:n]
	res, _, _ := scanProlog(head)
	if res == prologShort && n == sniffLen {
		// XML whose prolog goes on: read further for the root element.
		more := make([]byte, maxSVGProlog)
		copy(more, head)
		m, err := io.ReadFull(f, more[n:])
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return TypeUnknown, api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
		}
		head = more[:n+m]
		t = SniffBytes(head)
		res, _, _ = scanProlog(head)
	}
	if t == TypeUnknown && res == prologShort && bytes.Contains(head, []byte("<!DOCTYPE svg")) {
		// An SVG cut short or with a prolog too long to read:
		// checkSVGEntities refuses it with its reason.
		t = TypeSVG
	}
	if t == TypeUnknown {
		return TypeUnknown, api.Errorf(api.ReasonSourceFormatUnsupported,
			"source is not an image of a supported type (its first bytes are % x)", head[:min(n, 8)])
	}
	return t, nil
}

// SniffBytes returns the type of content that starts with head, or
// TypeUnknown.
func SniffBytes(head []byte) SourceType {
	has := func(off int, magic string) bool {
		return len(head) >= off+len(magic) && string(head[off:off+len(magic)]) == magic
	}
	switch {
	case has(0, "\xff\xd8\xff"):
		return TypeJPEG
	case has(0, "\x89PNG\r\n\x1a\n"):
		return TypePNG
	case has(0, "GIF87a"), has(0, "GIF89a"):
		return TypeGIF
	case has(0, "RIFF") && has(8, "WEBP"):
		return TypeWebP
	case has(0, "II*\x00"), has(0, "MM\x00*"), has(0, "II+\x00"), has(0, "MM\x00+"):
		return TypeTIFF
	case has(0, "\x00\x00\x00\x0cjP  \r\n\x87\n"), has(0, "\xff\x4f\xff\x51"):
		return TypeJP2
	case has(0, "\xff\x0a"), has(0, "\x00\x00\x00\x0cJXL \r\n\x87\n"):
		return TypeJXL
	case has(0, "8BPS"):
		return TypePSD
	case has(0, "%PDF-"):
		return TypePDF
	case has(0, "BM") && len(head) >= 26 && binary.LittleEndian.Uint32(head[14:18]) >= 12:
		return TypeBMP
	case has(4, "ftyp"):
		return sniffISOBMFF(head)
	}
	if isSVG(head) {
		return TypeSVG
	}
	return TypeUnknown
}

// sniffISOBMFF tells AVIF from other HEIF files by the brands of the ftyp
// box; other ISO media (MP4, QuickTime) is TypeUnknown.
func sniffISOBMFF(head []byte) SourceType {
	size := int(binary.BigEndian.Uint32(head[0:4]))
	if size < 16 || size > len(head) {
		size = min(len(head), 64)
	}
	var heif bool
	// The major brand at 8, the minor version at 12, compatible brands after.
	for off := 8; off+4 <= size; off += 4 {
		if off == 12 {
			continue
		}
		switch string(head[off : off+4]) {
		case "avif", "avis":
			return TypeAVIF
		case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1":
			heif = true
		}
	}
	if heif {
		return TypeHEIF
	}
	return TypeUnknown
}

// isSVG reports whether head is XML whose root element is svg; see
// scanProlog.
func isSVG(head []byte) bool {
	res, _, _ := scanProlog(head)
	return res == prologSVG
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
