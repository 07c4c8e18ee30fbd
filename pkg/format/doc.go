// Package format is the one registry of the source formats the service
// knows: for each its name, media type, family, file name extensions,
// magic bytes, and which engines read or write it (the image engine,
// metadata extraction, text extraction).
//
// Sniff tells the format of a source from its first bytes (SniffLen of
// them are enough) and its name. Magic bytes decide where a format has
// them, at the offset the format allows: a PDF's "%PDF-" anywhere in the
// first KiB, the brands of an ISO base media "ftyp" box (HEIC, HEIF,
// AVIF, MP4, QuickTime), the form type of a RIFF file (WebP, WAVE, AVI),
// the box and the bare codestream of JPEG 2000 and JPEG XL, the header of
// a PostScript file ("%!", EPSF, a DOS EPS binary header, an EPSI
// preview, Illustrator's comments). The name's extension decides what
// bytes cannot: the camera raw format of a TIFF-based file, a
// PDF-compatible Illustrator file (a PDF named .ai), the document type of
// a zip package (OOXML by extension; ODF and EPUB by their stored
// "mimetype" entry first), and the kind of a text file. Raster formats
// with weak magic bytes are told by a check of their whole header
// (package rasterhead): Netpbm, SGI and Windows icons by the header
// alone, Targa (which has no magic bytes), PCX and PICT only when the
// extension names them too. InDesign documents and templates share their
// magic bytes and are told apart by the extension. Text formats are told
// by their content where it is clear (SVG by its root element, HTML, an
// e-mail's header block, vCard, iCalendar, RTF, XML) and by the extension
// otherwise.
//
// A source shorter than its format's magic bytes whose name promises that
// format (a two-byte "\xFF\xD8" named photo.jpg) is that format: a
// truncated file, which the engines that read it report as SourceCorrupt
// and the others as a format they do not read.
//
// The packages image, meta and text route their sources through Sniff,
// so the three agree on what a source is; each keeps its own reasons for
// what it cannot read (see the reason table of package api).
package format
