// Package postscript makes images of the PostScript family for the
// thumbnail action: EPS, EPSI, DOS EPS binary files (with a TIFF or WMF
// preview in their header), PostScript documents and Adobe Illustrator
// files.
//
// Parse reads what a file says of itself, bounded (at most 80 KiB of it):
// the DOS EPS header (C5D0D3C6: offsets and lengths of the PostScript
// section and of the WMF and TIFF previews, each checked to lie inside the
// file), the EPSI preview (%%BeginPreview), and the document structuring
// comments %%BoundingBox, %%HiResBoundingBox, %%DocumentMedia, %%Pages,
// %%Title, %%Creator, %%CreationDate and %%For, "(atend)" values read from
// the trailer.
//
// Engine.Image chooses the picture a rendition is made from:
//
//   - an embedded preview when it is at least as large as the rendition
//     needs: the TIFF preview of a DOS EPS file (copied out of the file),
//     or the EPSI preview (decoded in Go). A WMF preview is never used
//     (nothing here draws WMF). Previews are not used for a rectangle crop
//     or convertToDpi, which are defined on the page;
//   - otherwise the page drawn by Ghostscript (gs, Debian's 10.0) at the
//     resolution the rendition needs, computed from the bounding box (or
//     the document's media, or US Letter) and the rendition's width,
//     height, caps, crop and convertToDpi (Scale), so that the drawing is
//     about the rendition's pixels, never a huge page scaled down;
//   - a PDF-compatible Illustrator file is handed back as a PDF (KindPDF),
//     which Engine.DrawPDF draws with Ghostscript, in the same cage, given
//     the page's size that the caller read (this package reads no PDF), or
//     the image engine's PDF path renders (poppler, with its checks).
//
// The image engine (package image, libvips) then makes the rendition from
// that picture, so every image instruction applies.
//
// # The sandbox
//
// Ghostscript interprets a program written by whoever made the file. It
// runs as a caged child process (package internal/cage): its own process
// group, killed with everything it started when the context ends (the
// activation's deadline) and on every return; a private working and
// temporary directory (TMPDIR, so that -dSAFER permits no other
// directory) that its output is moved out of; a minimal environment;
// RLIMIT_AS (Limits.MemoryBytes), RLIMIT_CPU (Limits.CPUSeconds) and
// RLIMIT_FSIZE; and a network namespace of its own, without any usable
// interface (where the kernel allows unprivileged user namespaces; a
// warning is logged otherwise). Ghostscript runs with -dSAFER, which
// refuses file access other than its input, output and temporary
// directory, %pipe% and deletefile/renamefile outside them, and with
// -dFirstPage/-dLastPage, so only the page asked for is drawn. Before it
// runs, a document declaring more than Limits.MaxPages pages and a page
// larger than Limits.MaxRenderPixels at the resolution needed are
// refused.
//
// # Reasons
//
// A program that tries to open, write or delete other files or run a
// command is SourceUnsupported: the file asks for something the service
// refuses to do (its own pictures may still be drawn when it catches the
// refusal). A program that exceeds the CPU-time or memory limit (an
// endless loop, an unbounded allocation: VMerror, limitcheck) is
// SourceTooLarge: the limits cannot tell a loop from a very heavy page,
// and the file is too large for them either way. The deadline is
// Timeout. Any other PostScript error (syntaxerror, undefined, ...) is
// SourceCorrupt, with Ghostscript's error in the message; so is a file
// that does not start like PostScript or whose DOS header points outside
// the file. A page the document does not have is a GenericError naming
// the page instruction.
package postscript
