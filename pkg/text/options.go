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
	// DefaultMaxCompressionRatio is the default cap on the ratio between a
	// zip part's expanded and compressed sizes.
	DefaultMaxCompressionRatio = 100.0
	// DefaultMaxDepth is the default cap on nesting: RTF groups, MIME parts
	// and messages inside messages.
	DefaultMaxDepth = 64
)

// minRatioCheckBytes is the expanded size below which a zip part's
// compression ratio is not checked: small parts cannot make a bomb, and
// short repetitive XML compresses very well.
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
	// compressed size, for parts larger than 1 MiB. Default
	// DefaultMaxCompressionRatio.
	MaxCompressionRatio float64
	// MaxDepth caps nesting: RTF groups, MIME multiparts and attached
	// messages. Deeper content is skipped with a warning. Default
	// DefaultMaxDepth.
	MaxDepth int
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
	if o.MaxDepth == 0 {
		o.MaxDepth = DefaultMaxDepth
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
	case o.MaxDepth < 0:
		return fmt.Errorf("text options: MaxDepth must not be negative, got %d", o.MaxDepth)
	}
	return nil
}
