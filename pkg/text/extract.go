package text

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Result describes one extraction.
type Result struct {
	// Format is the detected source format: "pdf", "docx", "xlsx", "pptx",
	// "odt", "ods", "odp", "rtf", "html", "epub", "eml", "svg", "vcard",
	// "icalendar", "text", "csv", "markdown", "json", "xml", "srt",
	// "webvtt", "ass", or for a video's captions "mp4", "mov", "isobmff" or
	// "matroska".
	Format string `json:"format"`
	// Encoding is the character encoding the source text was read in, as a
	// lower-case IANA name ("utf-8", "utf-16le", "windows-1252",
	// "shift_jis", "gb18030", ...): detected for plain text, declared for
	// HTML, XML, RTF and e-mail. Empty for PDF, whose text has no single
	// source encoding.
	Encoding string `json:"encoding,omitempty"`
	// Language is the language of the caption or subtitle track a video's
	// text was read from, as its container gives it (an ISO 639-2 code
	// such as "eng", or a BCP 47 tag); empty when unknown or not a video.
	Language string `json:"language,omitempty"`
	// Chars is the number of characters (Unicode code points) written; 0
	// for a document that has no text (see the package documentation).
	Chars int `json:"chars"`
	// Truncated reports that the text written is not the whole text of the
	// source: the character cap or the page cap was reached, or nested
	// content was skipped. Warnings says which.
	Truncated bool `json:"truncated"`
	// Pages is the number of pages (PDF), slides (PPTX, ODP) or sheets
	// (XLSX, ODS) read; 0 for flow formats.
	Pages int `json:"pages"`
	// Warnings are human-readable notes about content that was skipped or
	// could not be read, for logs and the rendition's event.
	Warnings []string `json:"warnings,omitempty"`
}

// extractor is one format family's entry point. It writes through s and
// returns errTruncated unchanged when the sink reports it.
type extractor func(s *sink, f *os.File, size int64) error

// Extract writes the text of the file at path to w and describes what it
// did. name is the source's original file name, used for type detection
// when the content alone does not decide (it may be empty). The text is
// UTF-8 in NFC, laid out as the package documentation describes.
//
// Reaching a limit is not an error: the result says Truncated. Every error
// has an api reason (see the package documentation). On error, w may have
// received part of the text.
func Extract(ctx context.Context, path string, name string, w io.Writer, opts Options) (*Result, error) {
	return ExtractLanguage(ctx, path, name, "", w, opts)
}

// ExtractLanguage is Extract choosing, in a source that holds texts in
// several languages, the one in lang: a BCP 47 tag or ISO 639 code such
// as "en", "en-US", "fra". It applies to videos, whose text is that of a
// subtitle or caption track: the first track in lang (an exact match
// first, then the first of the same base language), or the first track
// when lang is empty. A video with no track in lang gives an empty text
// with a warning naming the languages it has. Other sources ignore lang.
func ExtractLanguage(ctx context.Context, path, name, lang string, w io.Writer, opts Options) (*Result, error) {
	if err := opts.Validate(); err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, err.Error())
	}
	opts = opts.withDefaults()
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, api.Errorf(api.ReasonGeneric, "text: cannot open source: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, api.Errorf(api.ReasonGeneric, "text: cannot stat source: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, api.Errorf(api.ReasonGeneric, "text: source is not a regular file")
	}
	if st.Size() == 0 {
		return nil, api.Errorf(api.ReasonSourceCorrupt, "source is empty (0 bytes)")
	}
	kind, err := detect(ctx, f, st.Size(), name, opts)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, api.Errorf(api.ReasonGeneric, "text: cannot read source: %w", err)
	}
	s := newSink(ctx, w, opts)
	s.format = kind.format
	s.encoding = kind.encoding
	s.wantLang = lang
	return finish(s, opts, kind.extract(s, f, st.Size()))
}

// finish closes the sink after an extractor returned xerr and describes
// the extraction.
func finish(s *sink, opts Options, xerr error) (*Result, error) {
	if xerr != nil && !errors.Is(xerr, errTruncated) {
		_, _ = s.close()
		return nil, classify(xerr, s.format)
	}
	chars, cerr := s.close()
	if cerr != nil {
		return nil, classify(cerr, s.format)
	}
	if chars == 0 && s.damage != "" {
		return nil, api.Errorf(api.ReasonSourceCorrupt, "%s source is damaged before any text: %s", s.format, s.damage)
	}
	res := &Result{
		Format:    s.format,
		Encoding:  s.encoding,
		Language:  s.language,
		Chars:     chars,
		Truncated: s.truncated,
		Pages:     s.pages,
		Warnings:  s.warnings,
	}
	if s.cnt.full {
		res.Warnings = append(res.Warnings, fmt.Sprintf("text truncated at %d characters (MaxChars)", opts.MaxChars))
	}
	return res, nil
}

// classify makes sure an extractor's error carries an api reason: an error
// without one is taken to mean the source could not be decoded.
func classify(err error, format string) error {
	var ae *api.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return ctxErrOf(err)
	}
	return api.Errorf(api.ReasonSourceCorrupt, "%s source is corrupt or truncated: %w", format, err)
}

// ctxErr returns nil while ctx is live, and an error with reason Timeout
// once its deadline has passed (or GenericError when it was canceled).
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return ctxErrOf(err)
	}
	return nil
}

func ctxErrOf(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return api.Errorf(api.ReasonTimeout, "text extraction did not finish before the deadline: %w", err)
	}
	return api.Errorf(api.ReasonGeneric, "text extraction canceled: %w", err)
}

// corrupt returns a SourceCorrupt error about format, unless err says the
// context ended: a read cut short by the deadline is a Timeout.
func corrupt(format string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return ctxErrOf(err)
	}
	return api.Errorf(api.ReasonSourceCorrupt, "%s source is corrupt or truncated: %w", format, err)
}

// encrypted returns the SourceUnsupported error for a password-protected
// source.
func encrypted(format string) error {
	return api.Errorf(api.ReasonSourceUnsupported, "%s source is encrypted (password protected); its text cannot be read", format)
}

// isAPIError reports whether err already carries an api reason.
func isAPIError(err error) bool {
	var ae *api.Error
	return errors.As(err, &ae)
}
