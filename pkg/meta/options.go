package meta

import (
	"fmt"
)

// Options bounds the work Extract does on one source. The zero value of a
// field means "use the default"; a negative value is an error (see Validate).
type Options struct {
	// MaxBytes bounds the total number of bytes read from the source through
	// its io.ReaderAt, over all readers. Default 32 MiB. Reaching it stops
	// reading and adds a warning; what was read so far is returned.
	MaxBytes int64
	// MaxXMPBytes bounds one XMP packet, including the chunks of an Extended
	// XMP packet in JPEG, and a compressed one once decompressed (a PNG
	// iTXt chunk, a PDF metadata stream). Default 4 MiB.
	MaxXMPBytes int64
	// MaxSegmentBytes bounds any other single metadata block read into memory
	// (an EXIF block, an ICC profile, a PNG text chunk, an IRB, a raw PDF
	// stream, a zip directory), and a compressed one once decompressed (a PNG
	// zTXt or iCCP chunk, a zip entry of an office document). Default 4 MiB.
	MaxSegmentBytes int64
	// MaxExpandBytes bounds the bytes produced by all decompression of one
	// source (PNG zTXt, iTXt and iCCP chunks, zip entries, PDF streams,
	// including the object and cross-reference streams). Default 16 MiB.
	//
	// Decompression stops as soon as its output passes the limit of its
	// item or what is left of MaxExpandBytes: the item is then skipped with
	// a warning naming the limit, and the rest of the metadata is read. A
	// compression bomb (a 1 MB PDF whose metadata stream inflates to 1 GiB)
	// costs at most about twice that limit in memory, and the time to
	// inflate it.
	MaxExpandBytes int64
	// MaxTextBytes bounds how much of a text-based source (HTML, e-mail, SVG)
	// is scanned for metadata. Default 1 MiB.
	MaxTextBytes int64
	// MaxIFDEntries bounds the entries of one TIFF/EXIF IFD; a larger count
	// is treated as damage. Default 1000.
	MaxIFDEntries int
	// MaxIFDs bounds the number of IFDs visited in one TIFF structure
	// (pages, sub-IFDs). Default 1024.
	MaxIFDs int
	// MaxProperties bounds the number of properties kept. Default 5000.
	MaxProperties int
	// MaxListItems bounds the items of one Seq, Bag or Alt. Default 1000.
	MaxListItems int
	// MaxValueBytes bounds the length of one text value; longer text is cut
	// at a UTF-8 boundary and a warning is added. Default 256 KiB.
	MaxValueBytes int
	// MaxXMLDepth bounds the element nesting depth accepted in XML sources.
	// Default 64.
	MaxXMLDepth int
}

// Default limits, used for the zero fields of Options.
const (
	DefaultMaxBytes        = 32 << 20
	DefaultMaxXMPBytes     = 4 << 20
	DefaultMaxSegmentBytes = 4 << 20
	DefaultMaxExpandBytes  = 16 << 20
	DefaultMaxTextBytes    = 1 << 20
	DefaultMaxIFDEntries   = 1000
	DefaultMaxIFDs         = 1024
	DefaultMaxProperties   = 5000
	DefaultMaxListItems    = 1000
	DefaultMaxValueBytes   = 256 << 10
	DefaultMaxXMLDepth     = 64
)

// DefaultOptions returns Options with every limit set to its default.
func DefaultOptions() Options {
	return Options{}.withDefaults()
}

// Validate reports a negative limit, naming the field.
func (o Options) Validate() error {
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"MaxBytes", o.MaxBytes},
		{"MaxXMPBytes", o.MaxXMPBytes},
		{"MaxSegmentBytes", o.MaxSegmentBytes},
		{"MaxExpandBytes", o.MaxExpandBytes},
		{"MaxTextBytes", o.MaxTextBytes},
		{"MaxIFDEntries", int64(o.MaxIFDEntries)},
		{"MaxIFDs", int64(o.MaxIFDs)},
		{"MaxProperties", int64(o.MaxProperties)},
		{"MaxListItems", int64(o.MaxListItems)},
		{"MaxValueBytes", int64(o.MaxValueBytes)},
		{"MaxXMLDepth", int64(o.MaxXMLDepth)},
	} {
		if f.v < 0 {
			return fmt.Errorf("meta: Options.%s must not be negative (got %d)", f.name, f.v)
		}
	}
	return nil
}

func (o Options) withDefaults() Options {
	def64 := func(v *int64, d int64) {
		if *v == 0 {
			*v = d
		}
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def64(&o.MaxBytes, DefaultMaxBytes)
	def64(&o.MaxXMPBytes, DefaultMaxXMPBytes)
	def64(&o.MaxSegmentBytes, DefaultMaxSegmentBytes)
	def64(&o.MaxExpandBytes, DefaultMaxExpandBytes)
	def64(&o.MaxTextBytes, DefaultMaxTextBytes)
	def(&o.MaxIFDEntries, DefaultMaxIFDEntries)
	def(&o.MaxIFDs, DefaultMaxIFDs)
	def(&o.MaxProperties, DefaultMaxProperties)
	def(&o.MaxListItems, DefaultMaxListItems)
	def(&o.MaxValueBytes, DefaultMaxValueBytes)
	def(&o.MaxXMLDepth, DefaultMaxXMLDepth)
	return o
}
