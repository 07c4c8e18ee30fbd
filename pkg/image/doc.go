// Package image is the libvips rendition engine: it turns one source image
// file into one image rendition file (png, jpg, webp, gif, tiff, avif, heic,
// jxl) following a rendition's instructions.
//
// # Model
//
// An Engine runs each Render as a pipeline of small steps over a shared
// job, with a context check between steps (see pipeline.go). The cheap
// checks come first, so a request that must fail fails before any pixel is
// decoded:
//
//  1. refuse instructions the engine does not carry out yet (crop,
//     watermark, ...) instead of silently ignoring them;
//  2. choose the encoder: an fmt this libvips build cannot write fails with
//     RenditionFormatUnsupported (writable formats are probed once at
//     start-up by encoding a tiny image; see OutputFormats);
//  3. check the source's byte size (Limits.MaxSourceBytes);
//  4. detect the source type from its magic bytes, never its name (Sniff);
//     an empty file or an unknown type is SourceFormatUnsupported;
//  5. read the header only, libvips opening the file lazily: a header that
//     cannot be read is SourceCorrupt; a source over Limits.MaxSourcePixels
//     is SourceTooLarge;
//  6. plan the output size (fit inside, below) and check it against
//     Limits.MaxOutputPixels (RenditionTooLarge);
//  7. shrink: vips_thumbnail loads, applies the EXIF orientation and
//     resizes in one lazy pipeline, with shrink-on-load where the format
//     allows it (JPEG, WebP, PDF, SVG);
//  8. convert to sRGB (or grey), 8 bits per sample except for png and tiff;
//  9. flatten alpha onto the background when asked, or when the format
//     has no alpha (jpg);
//  10. decode: run the pipeline into memory. libvips is told to fail on
//     truncated data, so a truncated or corrupt source fails here with
//     SourceCorrupt and a partial image is never passed off as a rendition;
//  11. encode to a temporary file next to the output and rename it into
//     place. On any failure no file is left at the output path.
//
// A context that ends during the decode or the encode also stops libvips
// (the image is killed), and the error wraps ctx.Err().
//
// # Size
//
// width and height fit the image inside that box keeping its aspect ratio;
// with only one of them the image is scaled to it; with neither it keeps
// the source size. An image is never enlarged unless upscale is true.
// maxWidth and maxHeight cap the result in every case. Sizes are those of
// the upright image, after its EXIF orientation. Vector sources (SVG, PDF)
// are drawn at the requested size, so for them upscale is implied.
//
// # Defaults and policies
//
//   - Quality: jpg 85, webp 80, avif and heic 50, jxl 75 (the rendition's
//     quality, 1-100, overrides them); png is lossless with zlib level 6
//     (compressionLevel overrides it); tiff uses LZW; gif has no setting.
//   - Colour: sources with an ICC profile, and every CMYK source, are
//     transformed to sRGB (CMYK without a profile through libvips' built-in
//     CMYK profile); other colour spaces are converted to sRGB. Grey stays
//     grey.
//   - Alpha: kept by png, webp, gif, tiff, avif, heic and jxl; flattened
//     onto background (default white) for jpg, or for any format when the
//     rendition sets background.
//   - Metadata: every rendition is stripped of metadata (EXIF, XMP, IPTC
//     and the ICC profile, the pixels being sRGB). In particular no EXIF
//     Orientation tag survives, since the pixels are already upright.
//     Embedding metadata is the job of the metadata renditions.
//   - Giant images: they are rendered, not refused, up to
//     Limits.MaxSourcePixels (default 300 MP). vips_thumbnail uses
//     shrink-on-load: a 20000x14000 JPEG is decoded by libjpeg at 1/8 scale
//     while streaming, so a small rendition of it costs tens of MB and a
//     fraction of a second, where a full decode would take over 800 MB. A
//     refusal would fail legitimate panoramas and scans that the engine
//     can render cheaply. Formats without shrink-on-load stream through the
//     resize a few scanlines at a time, so their memory stays small too;
//     the exceptions are decoders that need the whole image (interlaced
//     PNG, HEIF/AVIF, GIF), for which MaxSourcePixels is the guard. The
//     rendition itself is held in memory once decoded, which
//     Limits.MaxOutputPixels (default 25 MP) bounds.
//   - Untrusted loaders: libvips loaders marked unsafe for untrusted input
//     (ImageMagick, FITS, Matlab, raw, ...) are blocked; SVG, PDF, JPEG
//     2000 and JPEG XL are allowed back. BMP and PSD sources are therefore
//     recognised but refused with SourceFormatUnsupported for now.
//   - libvips settings are per process and made once, by the first New:
//     the operation cache is off (every render reads a different file) and
//     each pipeline uses Options.Threads worker threads (default
//     GOMAXPROCS).
//
// # Why not bimg
//
// github.com/h2non/bimg works on whole files in memory, forces the exact
// size when both width and height are given, re-encodes EXIF-rotated images
// at quality 100 before resizing, and starts libvips with fixed settings in
// its init function. The engine instead calls the few libvips functions it
// needs (vips_thumbnail, vips_colourspace, vips_flatten, the savers)
// through one small cgo file, vips.go, behind Go types.
package image
