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
	x.head, err = s.readUpTo(0, 512)
	if err != nil {
		return nil, x.fail(err)
	}
	format, rd := detect(x.head, name)
	if rd == nil {
		if err := x.undetected(); err != nil {
			return nil, err
		}
		return nil, api.Errorf(api.ReasonSourceFormatUnsupported,
			"metadata extraction does not support the format of %s", displayName(name))
	}
	x.b.format = format
	err = x.run(rd)
	if cerr := ctx.Err(); cerr != nil {
		return nil, x.fail(cerr)
	}
	if err != nil {
		return nil, x.fail(err)
	}
	return x.b.finish(), nil
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

// detect chooses the format from the first bytes and the name.
func detect(h []byte, name string) (string, reader) {
	ext := strings.ToLower(path.Ext(strings.SplitN(name, "?", 2)[0]))
	has := func(p string) bool { return bytes.HasPrefix(h, []byte(p)) }
	switch {
	case has("\xFF\xD8\xFF"):
		return "image/jpeg", readJPEG
	case has("\x89PNG\r\n\x1a\n"):
		return "image/png", readPNG
	case has("GIF87a"), has("GIF89a"):
		return "image/gif", readGIF
	case has("RIFF") && len(h) >= 12 && string(h[8:12]) == "WEBP":
		return "image/webp", readWebP
	case has("II*\x00"), has("MM\x00*"), has("II+\x00"), has("MM\x00+"), has("IIRO"), has("IIU\x00"):
		if m, ok := rawTypes[ext]; ok {
			return m, readTIFF
		}
		if len(h) >= 10 && string(h[8:10]) == "CR" {
			return "image/x-canon-cr2", readTIFF
		}
		return "image/tiff", readTIFF
	case has("8BPS"):
		return "image/vnd.adobe.photoshop", readPSD
	case len(h) >= 12 && string(h[4:8]) == "ftyp":
		if m := heifType(h); m != "" {
			return m, readHEIF
		}
		return "", nil
	case has("\x00\x00\x00\x0CjP  \r\n\x87\n"):
		return "image/jp2", readJP2
	case has("\xFF\x4F\xFF\x51"):
		return "image/x-j2c", readJ2C
	case isJXL(h):
		return "image/jxl", readJXL
	case has("BM") && len(h) >= 26 && ext != ".txt":
		return "image/bmp", readBMP
	case bytes.Contains(h[:min(len(h), 1024)], []byte("%PDF-")):
		return "application/pdf", readPDF
	case has("PK\x03\x04"):
		return zipType(ext), readZip
	}
	text := bytes.TrimLeft(bytes.TrimPrefix(h, []byte("\xEF\xBB\xBF")), " \t\r\n")
	lower := bytes.ToLower(text)
	isHTML := ext == ".html" || ext == ".htm" || ext == ".xhtml" ||
		bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.HasPrefix(lower, []byte("<html"))
	switch {
	case !isHTML && bytes.HasPrefix(lower, []byte("<")) && (ext == ".svg" || bytes.Contains(lower, []byte("<svg"))):
		return "image/svg+xml", readSVG
	case isHTML:
		return "text/html", readHTML
	case ext == ".eml" || ext == ".mht" || ext == ".mhtml" || looksLikeMail(text):
		return "message/rfc822", readEML
	}
	return "", nil
}

// namedTypes maps the extensions of the binary formats Extract reads to
// the name of the format, for a source whose name promises one of them
// but whose bytes do not start like it.
var namedTypes = map[string]string{
	".jpg": "JPEG", ".jpeg": "JPEG", ".jpe": "JPEG", ".png": "PNG", ".gif": "GIF",
	".webp": "WebP", ".tif": "TIFF", ".tiff": "TIFF", ".psd": "PSD", ".psb": "PSD",
	".heic": "HEIF", ".heif": "HEIF", ".avif": "AVIF", ".jp2": "JPEG 2000",
	".j2c": "JPEG 2000", ".j2k": "JPEG 2000", ".jxl": "JPEG XL", ".bmp": "BMP", ".pdf": "PDF",
	".docx": "DOCX", ".docm": "DOCX", ".dotx": "DOCX", ".xlsx": "XLSX", ".xlsm": "XLSX",
	".xltx": "XLSX", ".pptx": "PPTX", ".pptm": "PPTX", ".potx": "PPTX", ".odt": "ODT",
	".ods": "ODS", ".odp": "ODP", ".epub": "EPUB",
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
	ext := strings.ToLower(path.Ext(strings.SplitN(x.name, "?", 2)[0]))
	if _, raw := rawTypes[ext]; raw {
		return api.Errorf(api.ReasonSourceCorrupt,
			"%s does not start like a TIFF-based raw file; it is corrupt or truncated", displayName(x.name))
	}
	if f, ok := namedTypes[ext]; ok {
		return api.Errorf(api.ReasonSourceCorrupt,
			"%s does not start like a %s file; it is corrupt or truncated", displayName(x.name), f)
	}
	return nil
}

var rawTypes = map[string]string{
	".dng": "image/x-adobe-dng",
	".cr2": "image/x-canon-cr2",
	".nef": "image/x-nikon-nef",
	".nrw": "image/x-nikon-nrw",
	".arw": "image/x-sony-arw",
	".sr2": "image/x-sony-sr2",
	".orf": "image/x-olympus-orf",
	".rw2": "image/x-panasonic-rw2",
	".pef": "image/x-pentax-pef",
	".raf": "image/x-fuji-raf",
}

func looksLikeMail(t []byte) bool {
	lines := bytes.SplitN(t, []byte("\n"), 8)
	n := 0
	for _, l := range lines {
		for _, h := range []string{"from:", "to:", "subject:", "date:", "received:", "return-path:", "message-id:", "mime-version:", "delivered-to:"} {
			if bytes.HasPrefix(bytes.ToLower(l), []byte(h)) {
				n++
				break
			}
		}
	}
	return n >= 2
}
