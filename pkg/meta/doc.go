// Package meta is the metadata engine behind the xmp and
// machine-metadata-json renditions: it reads the metadata of an image, a
// document, or an audio or video file and writes it as an XMP packet or as one flat JSON object.
//
// # Model
//
// Extract reads a source through an io.ReaderAt and returns a Metadata: an
// ordered list of Properties, each a key "prefix:Name" naming an XMP
// property (dc:title, exif:FNumber, tiff:Make, ...) and a typed Value
// (text, number, bool, date, language alternative, ordered list (Seq),
// unordered list (Bag)), plus Warnings for what could not be read.
// Metadata.XMP and Metadata.JSON write the two renditions; KEYS.md lists
// every key with its type and sources.
//
// The format is told through the registry of package format, from the
// source's first KiB (more for a long XML prolog) and its name, as the
// image and text engines tell it; a PDF whose header follows junk is read
// from its header when its offsets count from there. Each format has a
// reader that walks only the structures holding metadata
// (JPEG markers up to the first scan, PNG chunk headers, TIFF IFDs, RIFF,
// ISOBMFF and PSD sections, the headers of a JPEG XL codestream, the PDF
// cross-reference table and a few objects, a zip's central directory and
// its property entries; the header, FAT, directory and summary property
// sets of an OLE2 compound file (legacy DOC, XLS, PPT); the CIFF heap
// directories of a Canon CRW and the header and PROP section of a Sigma
// X3F; the box headers of an MP4/QuickTime file and its
// moov box, wherever it is, never the media data; ID3 frames and the first
// MPEG audio frame; FLAC metadata blocks; the header pages of an Ogg
// stream and its last pages; WAV/AIFF/AVI chunk headers; the Matroska
// elements before the first Cluster and those its SeekHead points to; the
// first and last MiB of an MPEG transport or program stream (its tables,
// sequence and frame headers, and time stamps); the ASF header objects and
// first data packets; the FLV onMetaData tag and first codec headers; the
// MXF header metadata; the first DIF sequence of a DV file; the ADTS frame
// headers of the first MiB of an AAC file) and never decodes pixels or
// samples. The readers share
// parsers for the embedded blocks: EXIF and TIFF IFDs, XMP (RDF/XML), IPTC
// IIM inside Photoshop image resource blocks, and ICC profiles; all but
// the ICC reader are built on pkg/internal/metablock, which pkg/image uses
// too for the rights its renditions keep. Every read goes through one
// budget (Options.MaxBytes), so a source on a ranged-read transport (HTTP
// Range, S3 ranged GET) costs kilobytes even when the file is gigabytes.
//
// # Precedence
//
// Readers propose values with a precedence and the highest wins, following
// the Metadata Working Group guidance (XMP over IPTC over EXIF):
//
//  1. the file structure itself (pixel size, bit depth, pages, frames, ICC)
//  2. IPTC IIM edited after the XMP (its IPTC digest does not match)
//  3. embedded XMP
//  4. IPTC IIM, and the native metadata of documents (PDF Info, office
//     document properties, HTML meta elements, e-mail headers)
//  5. EXIF/TIFF tags
//  6. informal fields (Windows XP tags, PNG text, comments, JFIF density)
//
// Equal precedence keeps the first value read.
//
// # Bad input
//
// Every structure is bounded (Options): IFD counts and entries, cycles,
// value sizes, XML depth, list lengths, decompressed bytes. A panic in a
// parser is turned into a warning. XML entities other than the predefined
// ones are never expanded.
//
// The reasons of a failed extraction:
//
//   - api.ReasonSourceCorrupt: an empty source; a source that cannot be
//     read as its format at all; a source whose name promises a binary
//     format it does not start like (a truncated or damaged file).
//   - api.ReasonSourceFormatUnsupported: a format this package does not
//     read (a plain zip archive, an OLE2 file other than DOC/XLS/PPT).
//   - api.ReasonSourceUnsupported: an encrypted document that needs a
//     password to be opened (a PDF with a user password, a
//     password-protected Office document), or a PDF encrypted by a security
//     handler other than the standard one (certificates, DRM plug-ins).
//     A PDF encrypted with an empty user password (protected by an owner
//     password only: it opens without a password, with restricted
//     permissions) is decrypted (RC4 and AES, revisions 2 to 6) and read
//     in full.
//   - api.ReasonSourceTooLarge: metadata beyond Options.MaxBytes, a zip
//     directory over its limits.
//   - api.ReasonTimeout: the context ended.
//
// A source that is only partly damaged yields what was read plus warnings.
// Pixels are never decoded, so a file damaged only in its image data (a
// JPEG cut in its scan) still yields its metadata; so does an MP4 cut in
// its media data after its moov box, or a Matroska file cut in its
// Clusters. An audio or video file with encrypted (DRM) tracks yields its
// metadata with acs:Encrypted and a warning: rendering its frames is what
// fails (SourceUnsupported, in the media engine).
package meta
