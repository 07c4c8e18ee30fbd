package meta

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
)

// extraction is the state of one Extract call shared by the readers.
type extraction struct {
	s    *src
	b    *builder
	name string
	head []byte // the first bytes of the source

	expanded int64 // bytes produced by decompression so far
}

// reader reads one format. It returns an error only when the source cannot
// be read as that format at all; damage after that is a warning.
type reader func(x *extraction) error

// errCorrupt marks a source that is not readable as its format.
var errCorrupt = errors.New("corrupt")

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errCorrupt}, args...)...)
}

// Extract reads the metadata of the source r of the given size. name (a
// file name or URL path, may be empty) helps to tell formats apart that
// share a signature (raw camera files, text formats).
//
// Extract reads only the parts of the source that hold metadata, through
// r.ReadAt, never more than opts.MaxBytes in total, and never decodes
// pixels. It fails with an *api.Error: ReasonSourceFormatUnsupported for a
// format it does not know, ReasonSourceCorrupt for a source it cannot read
// at all, ReasonSourceUnsupported for an encrypted document it cannot open,
// ReasonSourceTooLarge past a limit, ReasonTimeout when ctx ends (the
// package documentation, "Bad input", has the details). A source that is
// only partly damaged yields what could be read, with Metadata.Warnings
// saying what could not.
func Extract(ctx context.Context, r io.ReaderAt, size int64, name string, opts Options) (md *Metadata, err error) {
	if err := opts.Validate(); err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "invalid metadata options")
	}
	opts = opts.withDefaults()
	if size <= 0 {
		return nil, api.Errorf(api.ReasonSourceCorrupt, "source %s is empty", displayName(name))
	}
	s := &src{ctx: ctx, r: r, size: size, left: opts.MaxBytes}
	x := &extraction{s: s, b: newBuilder(opts), name: name}
	x.head, err = x.readHead()
	if err != nil {
		return nil, x.fail(err)
	}
	mime, rd := detect(x.head, name)
	if rd == nil {
		if err := x.undetected(); err != nil {
			return nil, err
		}
		return nil, api.Errorf(api.ReasonSourceFormatUnsupported,
			"metadata extraction does not support the format of %s", displayName(name))
	}
	x.b.format = mime
	err = x.run(rd)
	if off := pdfHeaderOffset(x.head, mime); off > 0 && errors.Is(err, errCorrupt) && ctx.Err() == nil {
		// A PDF after junk whose offsets count from its header.
		y := &extraction{s: &src{ctx: ctx, r: io.NewSectionReader(r, off, size-off), size: size - off, left: x.s.left},
			b: newBuilder(opts), name: name, head: x.head[off:]}
		y.b.format = mime
		if yerr := y.run(rd); yerr == nil {
			x, err = y, nil
		}
	}
	if cerr := ctx.Err(); cerr != nil {
		return nil, x.fail(cerr)
	}
	if err != nil {
		return nil, x.fail(err)
	}
	return x.b.finish(), nil
}

// pdfHeaderOffset returns the offset of the header of a PDF source (mime
// application/pdf) in head, which may follow up to a KiB of junk.
func pdfHeaderOffset(head []byte, mime string) int64 {
	if mime != format.MustName("pdf").MIME {
		return 0
	}
	return int64(max(bytes.Index(head[:min(len(head), format.PDFWindow)], []byte("%PDF-")), 0))
}

// headLen is how much of the source Extract reads first: enough for every
// magic number, PDF's header window included. An XML prolog that goes on
// past it is read further, up to format.SniffLen, for the root element.
const headLen = format.PDFWindow

// readHead reads the first bytes of the source for detect.
func (x *extraction) readHead() ([]byte, error) {
	head, err := x.s.readUpTo(0, headLen)
	if err != nil || len(head) < headLen || !format.ScanXMLProlog(head).Short {
		return head, err
	}
	return x.s.readUpTo(0, format.SniffLen)
}

// run calls the reader, turning a panic into a warning.
func (x *extraction) run(rd reader) (err error) {
	defer func() {
		if r := recover(); r != nil {
			x.b.warn("reader failed: %v", r)
			if len(x.b.props) == 0 {
				err = corruptf("reader failed: %v", r)
			} else {
				err = nil
			}
		}
	}()
	err = rd(x)
	var ae *api.Error
	if errors.As(err, &ae) {
		return err // a reasoned refusal (an encrypted document) stands
	}
	if err != nil && !errors.Is(err, errCorrupt) && len(x.b.props) > 0 {
		// An I/O problem after something was read: keep what was read.
		x.b.warn("%v", x.describe(err))
		err = nil
	}
	if errors.Is(err, errBudget) || x.s.left <= 0 {
		x.b.warn("stopped after reading %d bytes (the limit)", x.s.read)
	}
	return err
}

func (x *extraction) describe(err error) string {
	switch {
	case errors.Is(err, errBudget):
		return fmt.Sprintf("stopped after reading %d bytes (the limit)", x.s.read)
	case errors.Is(err, errTruncated), errors.Is(err, io.ErrUnexpectedEOF):
		return "the file is truncated"
	}
	return err.Error()
}

func (x *extraction) fail(err error) error {
	var ae *api.Error
	switch {
	case errors.As(err, &ae):
		return err
	case errors.Is(err, context.DeadlineExceeded):
		return api.Wrap(api.ReasonTimeout, err, "metadata extraction ran out of time")
	case errors.Is(err, context.Canceled):
		return api.Wrap(api.ReasonGeneric, err, "metadata extraction was cancelled")
	case errors.Is(err, errBudget):
		return api.Wrap(api.ReasonSourceTooLarge, err,
			fmt.Sprintf("metadata of %s is beyond the read limit of %d bytes", displayName(x.name), x.b.opts.MaxBytes))
	case errors.Is(err, errCorrupt), errors.Is(err, errTruncated), errors.Is(err, io.ErrUnexpectedEOF):
		return api.Wrap(api.ReasonSourceCorrupt, err,
			fmt.Sprintf("cannot read %s as %s: %s", displayName(x.name), formatName(x.b.format), strings.TrimPrefix(err.Error(), "corrupt: ")))
	}
	return api.Wrap(api.ReasonSourceCorrupt, err, fmt.Sprintf("cannot read %s", displayName(x.name)))
}

func displayName(name string) string {
	if name == "" {
		return "the source"
	}
	if i := strings.IndexAny(name, "?#"); i >= 0 {
		name = name[:i]
	}
	return fmt.Sprintf("%q", path.Base(name))
}

func formatName(mime string) string {
	if mime == "" {
		return "a known format"
	}
	return mime
}

// readers maps the formats of the registry (package format) that Extract
// reads to their readers. The zip family is read by readZip whatever the
// package holds: it tells a document from a plain archive itself.
var readers = map[string]reader{
	"jpeg": readJPEG, "png": readPNG, "gif": readGIF, "webp": readWebP,
	"tiff": readTIFF, "dng": readTIFF, "cr2": readTIFF, "nef": readTIFF, "nrw": readTIFF,
	"arw": readTIFF, "sr2": readTIFF, "pef": readTIFF, "orf": readTIFF, "rw2": readTIFF,
	"psd": readPSD, "heic": readHEIF, "heif": readHEIF, "avif": readHEIF,
	"jp2": readJP2, "j2c": readJ2C, "jxl": readJXL, "bmp": readBMP, "pdf": readPDF,
	"docx": readZip, "xlsx": readZip, "pptx": readZip, "odt": readZip, "ods": readZip,
	"odp": readZip, "odg": readZip, "epub": readZip, "zip": readZip,
	"svg": readSVG, "html": readHTML, "eml": readEML,
	"mp4": readMP4, "mov": readMP4, "isobmff": readMP4, "m4a": readMP4, "mp3": readMP3,
	"flac": readFLAC, "ogg": readOgg, "wav": readRIFFAudio, "aiff": readRIFFAudio,
	"matroska": readMKV, "avi": readAVI,
	"indd": readINDD, "indt": readINDD, "idml": readIDML,
	"sgi": readRaster, "ppm": readRaster, "pgm": readRaster, "pbm": readRaster, "pam": readRaster,
	"pfm": readRaster, "tga": readRaster, "ico": readRaster, "cur": readRaster, "pcx": readRaster,
	"hdr": readRaster, "exr": readRaster, "dds": readRaster, "pict": readRaster,
	"aac": readADTS, "flv": readFLV, "asf": readASF, "wma": readASF,
	"dv": readDV, "mpegts": readTS, "mpegps": readPS,
	"mxf": readMXF,
	"crw": readCRW, "x3f": readX3F,
	"doc": readOLE, "xls": readOLE, "ppt": readOLE,
	"eps": readPostScript, "epsi": readPostScript, "ps": readPostScript, "ai": readAI,
}

// detect chooses the format from the first bytes and the name, through
// the format registry, and returns its media type and reader; the reader
// is nil for a format Extract does not read.
func detect(h []byte, name string) (string, reader) {
	if format.Truncated(h, name) {
		return "", nil // undetected explains it
	}
	f := format.Sniff(h, name)
	if !f.Known() {
		f = sniffMedia(h, name)
	}
	rd, ok := readers[f.Name]
	if !ok {
		return "", nil
	}
	return f.MIME, rd
}

// sniffMedia tells the media files the registry does not tell by their
// first bytes alone, by their name: an MP3 without an ID3v2 tag (it starts
// with a frame header) and a QuickTime or MP4 file without an ftyp box
// (older QuickTime files start with a moov, mdat, wide, free or skip box).
func sniffMedia(h []byte, name string) format.Format {
	named, ok := format.ByFileName(name)
	if !ok {
		return format.Unknown
	}
	switch named.Name {
	case "mp3":
		if _, ok := parseMPEGHeader(h); ok {
			return named
		}
	case "mov", "mp4", "isobmff":
		if len(h) >= 8 {
			switch string(h[4:8]) {
			case "moov", "mdat", "wide", "free", "skip", "pnot":
				return named
			}
		}
	}
	return format.Unknown
}

// DetectFormat returns the format of the registry (package format) that
// Extract sees the source r of the given size as, name being its file name
// or URL path. It reads what Extract reads to decide: the first KiB, more
// for an XML prolog that goes on. Extract reads the formats whose Engines
// have format.MetaRead. The error is Extract's for a source it cannot read
// at all (empty, or failing to read).
func DetectFormat(ctx context.Context, r io.ReaderAt, size int64, name string) (format.Format, error) {
	opts := Options{}.withDefaults()
	if size <= 0 {
		return format.Unknown, api.Errorf(api.ReasonSourceCorrupt, "source %s is empty", displayName(name))
	}
	x := &extraction{s: &src{ctx: ctx, r: r, size: size, left: opts.MaxBytes}, b: newBuilder(opts), name: name}
	head, err := x.readHead()
	if err != nil {
		return format.Unknown, x.fail(err)
	}
	return format.Sniff(head, name), nil
}

// undetected explains a source whose format was not recognised: a
// password-protected Office document (an OLE2 container holding an
// EncryptedPackage) is SourceUnsupported; a source whose name promises a
// binary format it does not start like is truncated or damaged,
// SourceCorrupt. Otherwise it returns nil (the format is unsupported).
func (x *extraction) undetected() error {
	if bytes.HasPrefix(x.head, []byte(oleSignature)) {
		return x.oleEncrypted()
	}
	f, ok := format.ByFileName(x.name)
	if !ok || !f.Binary || !f.Reads(format.MetaRead) {
		return nil
	}
	if f.Family == format.FamilyRaw && f.Name != "crw" && f.Name != "x3f" {
		return api.Errorf(api.ReasonSourceCorrupt,
			"%s does not start like a TIFF-based raw file; it is corrupt or truncated", displayName(x.name))
	}
	return api.Errorf(api.ReasonSourceCorrupt,
		"%s does not start like a %s file; it is corrupt or truncated", displayName(x.name), namedTitle(f))
}

// namedTitle is the short name of a format in messages: "JPEG", "DOCX".
func namedTitle(f format.Format) string {
	switch f.Name {
	case "jpeg", "png", "gif", "tiff", "psd", "avif", "bmp", "pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "epub":
		return strings.ToUpper(f.Name)
	case "webp":
		return "WebP"
	case "heic", "heif":
		return "HEIF"
	case "jp2", "j2c":
		return "JPEG 2000"
	}
	return f.Title
}
