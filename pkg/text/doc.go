// Package text extracts the full text of a document as clean UTF-8: the
// engine behind the "text" rendition.
//
// # Model
//
// Extract looks at a file on disk, decides what it is through the format
// registry of package format (magic bytes first, the file name's extension
// second), and streams its text to an io.Writer through
// one extractor per format family: pdf.go (poppler's text output device, the
// engine and settings of pdftotext, through cgo in internal/poppler),
// ooxml.go (DOCX, XLSX, PPTX), odf.go (ODT, ODS, ODP), rtf.go, html.go (HTML,
// XHTML), epub.go, eml.go (e-mail, MIME), svg.go (the text elements, titles
// and descriptions of an SVG drawing), vcard.go (vCard contacts and iCalendar
// calendars: their property values, unfolded and decoded), subtitle.go
// (SubRip .srt, WebVTT .vtt and ASS/SSA subtitle files: the caption text),
// mp4.go and mkv.go (the subtitle text of MP4, QuickTime, Matroska and
// WebM videos, see Subtitles and videos below)
// and plain.go (plain text, CSV, Markdown, JSON, XML). Zip-based formats are opened through
// zip.go, which caps the number of entries, the expanded size and the
// compression ratio of every part it reads and of all of them together, from
// the archive's headers before anything is expanded and again while reading,
// and refuses nested archives. XML is read with a streaming decoder
// (encoding/xml): the parts of zip-based documents strictly, with a cap on
// the nesting of elements and on the size of one token; standalone XML and
// SVG files leniently, as raw tokens with no element stack. No format builds
// a whole document tree in memory, and no entity declared in a DTD is ever
// expanded: a reference to one is a syntax error in a strict part (the
// document is corrupt) and is kept as written in a lenient file.
//
// # Output conventions
//
// The text written is:
//
//   - UTF-8 in Unicode normalization form C (NFC);
//   - free of control characters except tab (U+0009), newline (U+000A) and
//     form feed (U+000C); carriage returns become newlines, other controls,
//     noncharacters and byte order marks are dropped;
//   - one paragraph, heading, list item or table row per line; cells of a
//     table row (DOCX, XLSX, ODF, HTML, RTF) are separated by tabs; at most
//     one blank line in a row, no trailing spaces, and a final newline;
//   - page-like units separated by one form feed: PDF pages, PPTX and ODP
//     slides, XLSX and ODS sheets. A form feed sits between two units, not
//     after the last one, so a document of n pages has n-1 form feeds (an
//     empty page still has its form feed). Flow formats (DOCX, ODT, HTML, ...)
//     have no form feeds;
//   - PDF ligatures (U+FB00..U+FB06) expanded and Arabic presentation forms
//     mapped to their base letters; a right-to-left ligature glyph mapped to
//     several letters (the Arabic lam-alef) gives them in logical order,
//     where pdftotext reverses them; hyphenation at line ends is kept as the
//     document has it.
//
// # Subtitles and videos
//
// The text of a subtitle or caption file (SubRip, WebVTT, ASS/SSA) is its
// caption text in the order the file gives it, one caption line per line,
// without cue numbers and identifiers, timings, cue settings, styling tags
// (<i>, <font>, <c.class>, <v Speaker>), ASS override blocks ({\an8},
// drawings), WebVTT NOTE, STYLE and REGION blocks, or an ASS script's
// header, styles and fonts. A caption line equal to the one just before
// it is written once, which collapses rolling captions. These files are
// decoded like any text source (byte order mark, UTF-16, legacy
// encodings). Captions reads such a stream from an io.Reader, as ffmpeg
// writes one for a video's subtitle stream ("-map 0:s:0 -f ass -").
//
// The text of an MP4, M4V, QuickTime or 3GP video is the text of one of
// its timed text tracks (tx3g, what ffmpeg's mov_text encoder writes;
// QuickTime text; WebVTT in ISO media), read in pure Go: the movie box is
// walked to the track's sample tables and only the track's samples are
// read. The track is the first one, or with ExtractLanguage the first in
// the language asked for (Result.Language says which). Timed text is
// plain text and is written as it is, but for character references
// ("&amp;", kept by converters from SubRip), which are decoded. Closed captions (CEA-608), TTML and
// text in the fragments of a fragmented MP4 are not read. The text of a
// Matroska or WebM video is likewise that of one of its text subtitle
// tracks (S_TEXT/UTF8, S_TEXT/ASS and SSA, S_TEXT/WEBVTT, WebM's
// D_WEBVTT), read by walking the EBML elements in file order (mkv.go);
// blocks compressed with zlib are expanded, each to at most
// MaxTokenBytes. Image subtitles (VobSub, PGS, DVB) are not text: a video
// whose only subtitles, or whose subtitles in the language asked for, are
// pictures fails with ReasonSourceFormatUnsupported ("the subtitles of
// this video are images"). Other containers (AVI,
// MPEG-TS, ...) are not read by this package: Captions is the way in for
// the script a video tool extracts from them (the fulltext action has
// ffmpeg convert their text subtitle stream to ASS, media.Engine.Subtitles,
// and picks the stream with PickLanguage).
//
// A video without a subtitle or caption track, or without one in the
// language asked for, is treated like a document without text: an empty
// text and no error, with a warning saying so ("the video has no
// subtitle or caption stream that can be read as text").
//
// # Documents without text
//
// A source that can be read but holds no text gives an empty text
// (Result.Chars 0) and no error: a PDF of scanned pages or of drawings
// only, an SVG without text elements, an RTF holding only a picture or an
// object, a word processing document with an empty body, a text file of
// white space. Its pages still count in Result.Pages, but they give no form
// feeds: the text is empty, not a row of page separators. The text
// rendition of such a document is created, empty, with acs:characters 0 in
// its event.
//
// A zero-byte source is not a document of any type: it fails with
// ReasonSourceCorrupt, whatever its name. A damaged source (malformed XML,
// an RTF that ends inside a group) gives the text read before the damage,
// with Result.Truncated set and a warning saying where; when there was no
// text before it, the source fails with ReasonSourceCorrupt rather than
// giving an empty text.
//
// # Limits
//
// Options holds the limits, each with a safe default. Text beyond MaxChars
// characters (code points after normalization) is not written: Extract stops,
// returns normally and sets Result.Truncated, with a warning saying why.
// Pages beyond MaxPages are not read, which is also reported as truncation.
// Truncation is never silent. The context is checked between pages, parts,
// every few kilobytes of text and every few hundred kilobytes expanded out
// of an archive, so a deadline ends extraction promptly with an error whose
// reason is Timeout.
//
// Expansion is capped before it happens and while it happens, so a bomb
// fails quickly and in bounded memory with ReasonSourceTooLarge:
//
//   - MaxZipEntries: entries of a zip-based document (DOCX, XLSX, PPTX,
//     ODT, ODS, ODP, EPUB), counted from its end record before the central
//     directory is read;
//   - MaxExpandedBytes: bytes expanded out of it, all parts together; a
//     part whose declared size does not fit is refused before it is
//     expanded, and a part that expands past its declared size is corrupt;
//   - MaxCompressionRatio: the expansion ratio of each part (from its
//     header) and of all the parts read so far (while reading);
//   - MaxXMLDepth and MaxTokenBytes: the nesting of elements and the size of
//     one token (a text run, tag, comment) in their XML parts.
//
// In standalone files, which expand nothing, a token longer than
// MaxTokenBytes (XML, SVG and HTML text runs, tags and comments, vCard and
// iCalendar lines, subtitle lines and timed text samples) ends the text
// there with a truncation warning instead. The sample tables of a video
// are checked against the sizes of their boxes and of the file before
// they are read, and read one entry at a time.
// PDF streams are decompressed inside poppler, page by page, after the
// page has been costed: a page whose content, fonts and forms decompress
// to more than poppler.MaxPageBytes (128 MiB) is not read and the
// rendition fails with SourceTooLarge. Only the page's text reaches this
// package.
//
// # Errors
//
// Every error carries an api reason: ReasonSourceFormatUnsupported for a type
// this package does not read (images, archives, unknown binary data) and
// for a video whose subtitles are pictures,
// ReasonSourceUnsupported for an encrypted (password protected) PDF, Office,
// OpenDocument or EPUB file and an encrypted subtitle track, ReasonSourceCorrupt for a zero-byte source and
// for a damaged or truncated file of a type it reads (a video cut before
// its movie box, or with sample tables that do not fit), ReasonSourceTooLarge
// for an archive that would expand past the limits and a PDF page that
// would decompress past them, and ReasonTimeout when
// the context ends.
package text
