package text

import (
	"fmt"
)

// Default limits, used for every Options field left at zero.
const (
	// DefaultMaxChars is the default cap on the characters written.
	DefaultMaxChars = 1_000_000
	// DefaultMaxPages is the default cap on the pages (PDF), slides or
	// sheets read.
	DefaultMaxPages = 2_000
	// DefaultMaxExpandedBytes is the default cap on the bytes read out of a
	// zip-based document (DOCX, XLSX, PPTX, ODF, EPUB), all parts together.
	DefaultMaxExpandedBytes int64 = 256 << 20
	// DefaultMaxCompressionRatio is the default cap on the ratio between
	// expanded and compressed sizes, of each zip part and of all the parts
	// read together.
	DefaultMaxCompressionRatio = 100.0
	// DefaultMaxZipEntries is the default cap on the entries of a zip-based
	// document. Real documents have a few hundred.
	DefaultMaxZipEntries = 100_000
	// DefaultMaxDepth is the default cap on nesting: RTF groups, MIME parts
	// and messages inside messages.
	DefaultMaxDepth = 64
	// DefaultMaxXMLDepth is the default cap on the nesting of elements in
	// the XML parts of zip-based documents (the limit encoding/xml puts on
	// Unmarshal).
	DefaultMaxXMLDepth = 10_000
	// DefaultMaxTokenBytes is the default cap on one markup token: an XML or
	// HTML text run, a tag with its attributes, a comment, a CDATA section,
	// or a vCard or iCalendar content line.
	DefaultMaxTokenBytes = 16 << 20
)

// minRatioCheckBytes is the expanded size below which compression ratios
// are not checked, of a zip part or of the parts read so far: small parts
// cannot make a bomb, and short repetitive XML compresses very well.
const minRatioCheckBytes = 1 << 20

// Options are the limits of one extraction. The zero value is valid: every
// field left at zero takes its default.
type Options struct {
	// MaxChars caps the characters (Unicode code points, after NFC) written.
	// Extraction stops there and Result.Truncated is set. Default
	// DefaultMaxChars.
	MaxChars int
	// MaxPages caps the PDF pages, slides or sheets read. The rest is skipped
	// and Result.Truncated is set. Default DefaultMaxPages.
	MaxPages int
	// MaxExpandedBytes caps the bytes expanded out of a zip-based document,
	// all parts read together. A part whose declared size does not fit is
	// refused before it is expanded, and the cap is enforced while reading.
	// Default DefaultMaxExpandedBytes.
	MaxExpandedBytes int64
	// MaxCompressionRatio caps a zip part's expanded size divided by its
	// compressed size, for parts larger than 1 MiB: checked from the
	// archive's headers before the part is expanded. It also caps the bytes
	// expanded so far divided by the compressed bytes of the parts opened,
	// once more than 1 MiB was expanded, which catches a bomb spread over
	// many small parts. Past either, extraction fails with
	// ReasonSourceTooLarge. Default DefaultMaxCompressionRatio.
	MaxCompressionRatio float64
	// MaxZipEntries caps the entries of a zip-based document, counted from
	// the archive's end record before its central directory is read;
	// more fail with ReasonSourceTooLarge. It also caps the relationships
	// of an OOXML part and the manifest and spine of an EPUB. Default
	// DefaultMaxZipEntries.
	MaxZipEntries int
	// MaxDepth caps nesting: RTF groups, MIME multiparts and attached
	// messages. Deeper content is skipped with a warning. Default
	// DefaultMaxDepth.
	MaxDepth int
	// MaxXMLDepth caps the nesting of elements in the XML parts of
	// zip-based documents, whose decoder keeps a stack of open elements;
	// deeper fails with ReasonSourceTooLarge. Standalone XML and SVG files
	// are read without a stack and need no cap. Default DefaultMaxXMLDepth.
	MaxXMLDepth int
	// MaxTokenBytes caps one markup token, which a decoder holds whole in
	// memory: an XML or HTML text run, a tag with its attributes, a comment
	// or CDATA section, a vCard or iCalendar content line. In a zip-based
	// document's XML part a longer token fails with ReasonSourceTooLarge; in
	// an XML, SVG, HTML or EPUB content file the text after it is left out,
	// and a vCard or iCalendar line is cut there; either way the result is
	// marked truncated. Default DefaultMaxTokenBytes.
	MaxTokenBytes int
}

// DefaultOptions returns Options with every limit at its default.
func DefaultOptions() Options {
	return Options{}.withDefaults()
}

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	if o.MaxChars == 0 {
		o.MaxChars = DefaultMaxChars
	}
	if o.MaxPages == 0 {
		o.MaxPages = DefaultMaxPages
	}
	if o.MaxExpandedBytes == 0 {
		o.MaxExpandedBytes = DefaultMaxExpandedBytes
	}
	if o.MaxCompressionRatio == 0 {
		o.MaxCompressionRatio = DefaultMaxCompressionRatio
	}
	if o.MaxZipEntries == 0 {
		o.MaxZipEntries = DefaultMaxZipEntries
	}
	if o.MaxDepth == 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxXMLDepth == 0 {
		o.MaxXMLDepth = DefaultMaxXMLDepth
	}
	if o.MaxTokenBytes == 0 {
		o.MaxTokenBytes = DefaultMaxTokenBytes
	}
	return o
}

// Validate reports the first field with a value that cannot be used:
// a negative limit, or a compression ratio below 1.
func (o Options) Validate() error {
	switch {
	case o.MaxChars < 0:
		return fmt.Errorf("text options: MaxChars must not be negative, got %d", o.MaxChars)
	case o.MaxPages < 0:
		return fmt.Errorf("text options: MaxPages must not be negative, got %d", o.MaxPages)
	case o.MaxExpandedBytes < 0:
		return fmt.Errorf("text options: MaxExpandedBytes must not be negative, got %d", o.MaxExpandedBytes)
	case o.MaxCompressionRatio < 0 || (o.MaxCompressionRatio > 0 && o.MaxCompressionRatio < 1):
		return fmt.Errorf("text options: MaxCompressionRatio must be 0 (default) or at least 1, got %g", o.MaxCompressionRatio)
	case o.MaxZipEntries < 0:
		return fmt.Errorf("text options: MaxZipEntries must not be negative, got %d", o.MaxZipEntries)
	case o.MaxDepth < 0:
		return fmt.Errorf("text options: MaxDepth must not be negative, got %d", o.MaxDepth)
	case o.MaxXMLDepth < 0:
		return fmt.Errorf("text options: MaxXMLDepth must not be negative, got %d", o.MaxXMLDepth)
	case o.MaxTokenBytes < 0:
		return fmt.Errorf("text options: MaxTokenBytes must not be negative, got %d", o.MaxTokenBytes)
	}
	return nil
}
