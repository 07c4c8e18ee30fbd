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
//  1. check the instructions: combinations the engine cannot carry out
//     fail with a GenericError naming the field (xmp or dpi for a format
//     that cannot hold them, jpegSize for anything but jpg, a smart crop
//     without a box, a watermark without a way to fetch it);
//  2. choose the encoder: an fmt this libvips build cannot write fails with
//     RenditionFormatUnsupported (each format is probed once, on first
//     use, by encoding a tiny image; see OutputFormats);
//  3. check the source's byte size (Limits.MaxSourceBytes);
//  4. detect the source type through the format registry (package format,
//     Sniff): by its magic bytes, the name deciding only what the bytes
//     cannot (a file cut inside its magic bytes, a camera raw file); an
//     empty file is SourceCorrupt, a file cut inside the magic bytes of
//     the format its name promises too, an unknown type
//     SourceFormatUnsupported; a PDF whose header follows junk (up to a
//     KiB) is read from its header; a PDF is then checked with poppler before
//     libvips opens it (pdf.go): a page that decompresses to more than
//     Limits.MaxPDFPageBytes, or draws an image above
//     Limits.MaxFullDecodePixels, is SourceTooLarge, an oversized XMP
//     metadata stream is left out of what libvips reads, and a
//     password-protected PDF is SourceUnsupported;
//  5. check the source's own bytes in Go before libvips reads them
//     (precheck.go): a PNG's declared size (SourceTooLarge) and metadata
//     chunks (those that inflate over a budget are left out of a copy that
//     is read instead), a JPEG's frame header (lossless, hierarchical and
//     12-bit JPEG are SourceFormatUnsupported), an SVG's entities (an
//     expansion bomb is SourceTooLarge);
//  6. read the header only: a header that cannot be read is SourceCorrupt
//     (also when libvips' own check of the first bytes rejects a file of a
//     type it has a loader for), a PDF that needs a password
//     SourceUnsupported; the page count
//     (Limits.MaxPages), the page asked for, the frames of an animation
//     (Limits.MaxFrames) and the pixels (Limits.MaxSourcePixels, and
//     Limits.MaxFullDecodePixels for the sources decoded whole) are
//     checked here;
//  7. plan the layout (geometry.go): crop, resolution, fit inside, and
//     check the output against Limits.MaxOutputPixels (RenditionTooLarge);
//  8. shrink: vips_thumbnail loads, applies the EXIF orientation, converts
//     to sRGB and resizes in one lazy pipeline, with shrink-on-load where
//     the format allows it (JPEG, WebP, PDF, SVG); for a smart crop it
//     loads the source to cover the box, and placeSmartCrop (smartcrop.go)
//     chooses the cut: around every face found when they fit, else by
//     vips_smartcrop's attention;
//  9. cut a rectangle crop or the smart cut (in every frame of an
//     animation); the rectangle in source pixels is reported
//     (Result.Crop);
//  10. convert to 8-bit sRGB (or grey), then, for blurFaces
//     (blurfaces.go), blur the faces found in the rendition;
//  11. draw the watermark;
//  12. flatten alpha onto the background when asked, or when the format
//     has no alpha (jpg);
//  13. record the resolution (dpi, convertToDpi);
//  14. decode: run the pipeline into memory. libvips is told to fail on
//     truncated data, so a truncated or corrupt source fails here with
//     SourceCorrupt and a partial image is never passed off as a rendition;
//  15. encode in memory (searching the quality for jpegSize), add the
//     metadata the rendition keeps, write a temporary file next to the
//     output and rename it into place. On any failure no file is left at
//     the output path.
//
// A context that ends during the decode or the encode also stops libvips
// (the image is killed), and the error wraps ctx.Err().
//
// A Pyramid (NewPyramid) makes several renditions of one source with one
// decode: steps 1 to 7 and 9 to 15 are each rendition's own, and step 8
// takes the shared image of the whole source at the size the rendition
// needs (its own, the scaled source a crop rectangle is cut from, the
// cover of a smart crop's box), loaded once for the largest size and
// resized for each smaller one from a larger one (twice its size or
// more when there is one). Pyramid.SourcePixels gives an analysis the
// picture Pixels would, from the same decode.
// A source tagged with an sRGB profile is not transformed (srgb.go).
//
// # Instructions
//
//   - width and height fit the image inside that box keeping its aspect
//     ratio; with only one of them the image is scaled to it; with neither
//     it keeps the source size. An image is never enlarged unless upscale
//     is true. maxWidth and maxHeight cap the result in every case. Sizes
//     are those of the upright image, after its EXIF orientation. Vector
//     sources (SVG, PDF) are drawn at the requested size, so for them
//     upscale is implied and nothing is blurred by enlarging.
//   - crop {x, y, w, h} is a rectangle in pixels of the upright source,
//     which must lie inside it; the region is then sized like a whole
//     image. crop "smart" fills the box width x height (both required) and
//     keeps every face the detector (pkg/analysis/faces) finds when they
//     fit, else its most interesting part (vips_smartcrop's attention
//     strategy); without upscale the box shrinks, keeping its shape, to fit
//     the source. A cropped rendition reports the rectangle of the source
//     it shows (Result.Crop).
//   - blurFaces blurs every face found in the rendition (Result.FacesBlurred
//     counts them).
//   - quality (1-100) sets the encoder quality of jpg, webp, avif, heic and
//     jxl. jpegSize, for jpg only, finds the highest quality whose file
//     (metadata included) fits in that many bytes: quality 100 first, then
//     a binary search, at most 9 encodes; RenditionTooLarge when even
//     quality 1 does not fit.
//   - interlace makes a progressive JPEG, an Adam7 PNG or an interlaced
//     GIF; other formats have no such mode and ignore it.
//   - compressionLevel is the zlib level of a PNG (0-9); other formats
//     ignore it.
//   - dpi records a resolution and does not resample. convertToDpi
//     resamples to keep the physical size (pixels / source dpi * new dpi,
//     per axis; a source that records no resolution is taken as 72 dpi, as
//     are PDF and SVG at their nominal size) and records the new
//     resolution; width, height and the caps then apply to the resampled
//     size, and dpi, when also set, is what is recorded. JPEG records it in
//     a JFIF segment, PNG in pHYs, TIFF in its resolution tags, WebP, AVIF
//     and HEIC in EXIF; gif and jxl cannot record one (dpi fails, and
//     convertToDpi only resamples).
//   - background (alias pdfbgcolor), #RGB or #RRGGBB, flattens any
//     transparency onto that colour, in every format; it is also the paper
//     a PDF page is drawn on (white by default).
//   - page (1-based) picks the page of a PDF or TIFF, the image of a HEIF
//     file or the frame of an animation; a page the source does not have
//     is a GenericError naming it.
//   - animated: an animated GIF or WebP source keeps all its frames, with
//     their delays and loop count, when the rendition is gif or webp; it is
//     its first frame otherwise, and by default. Crop, smart crop (placed
//     by the first frame) and watermark apply to every frame.
//   - watermark {image, scale} draws the image, fetched through
//     RenderOptions.Fetch, centred over the rendition and fitted inside
//     scale times its size (enlarged or shrunk, aspect kept), blending with
//     its alpha; it is any source type the engine reads and obeys the
//     source limits.
//   - xmp embeds the given packet (base64 on the wire, well-formed XML) in
//     jpg, png, webp, tiff, avif and heic; gif and jxl cannot hold one.
//
// # Defaults and policies
//
//   - Quality: jpg 85, webp 80, avif and heic 50, jxl 75; png is lossless
//     with zlib level 6; tiff uses LZW with a horizontal predictor; gif is
//     quantised to a 256-colour palette by libimagequant.
//   - Depth: renditions have 8 bits per sample; vips_thumbnail scales
//     16-bit sources, rounding.
//   - Colour: sources with an ICC profile, and every CMYK source, are
//     transformed to sRGB (CMYK without a profile through libvips'
//     built-in CMYK profile); other colour spaces are converted to sRGB.
//     Grey stays grey. A rendition of such a colour-managed source embeds a
//     compact sRGB profile (under 700 bytes, icc.go) in every format but
//     gif; a rendition of an untagged source stays untagged, since
//     untagged pixels are read as sRGB anyway (a JPEG XL file always
//     declares its colour space: sRGB).
//   - Alpha: kept by png, webp, gif, tiff, avif, heic and jxl; flattened
//     onto background (default white) for jpg, or for any format when the
//     rendition sets background. GIF transparency is all or nothing: a
//     pixel at least half opaque becomes opaque.
//   - Metadata (metadata.go): renditions keep none of the source's
//     metadata (EXIF with its GPS position and camera, IPTC, XMP, EXIF
//     orientation, the source profile) except its rights statement: the
//     copyright notice, creators, marked flag, web statement and usage
//     terms, read from XMP, EXIF and IPTC and written as one XMP packet in
//     formats that hold XMP. An xmp instruction replaces that packet.
//     libvips' HEIF saver adds a minimal EXIF block of its own (orientation
//     1, resolution, pixel size) to an avif or heic rendition that carries
//     a profile or XMP.
//   - Giant images: they are rendered, not refused, up to
//     Limits.MaxSourcePixels (default 300 MP). A JPEG is decoded with DCT
//     scaling while streaming, so a 256-pixel thumbnail of the 20000x14000
//     giant-image.jpg costs tens of MB and a fraction of a second, where a
//     full decode would take over 800 MB. A refusal would fail legitimate
//     panoramas and scans that the engine can render cheaply. Formats
//     without shrink-on-load stream through the resize a few scanlines at a
//     time, so their memory stays small too. The exceptions are the
//     decoders that hold the whole image in memory: interlaced PNG,
//     progressive JPEG (its coefficients), GIF, HEIF/AVIF and JPEG XL in
//     libvips, and BMP and PSD, decoded in Go. They are bounded by
//     MaxFullDecodePixels (default 100 MP), checked from the header, since
//     a few kilobytes of such a file can declare gigabytes of pixels (a
//     24 MP GIF, HEIC or JPEG XL of one colour takes about 200 MB to
//     decode, a 96 MP progressive JPEG 340 MB). The rendition
//     itself is held in memory once decoded, which Limits.MaxOutputPixels
//     (default 25 MP, all frames together) bounds.
//   - JPEG shrink-on-load takes the largest DCT scaling that keeps the
//     image at least as large as needed, as sharp does, rather than
//     vips_thumbnail's, which leaves a factor of two for its resize: the
//     8x8 block average is a proper low-pass filter, and decoding is the
//     bulk of a thumbnail's time.
//   - Resizing: libvips 8.14's horizontal Lanczos-3 pass (vips_reduceh)
//     is scalar C, and was 40% of the CPU of a multi-size request. An
//     8-bit sRGB or grey image without alpha (a JPEG after its DCT
//     scaling, the pyramid's levels) is resized by acs_resize instead:
//     vips_resize's own steps (vertically then horizontally, a box shrink
//     beyond a factor of 4, then Lanczos-3), with the passes of
//     reduceh.c, the same filter in 14-bit fixed point with SSE2/AVX2
//     multiply-adds (chosen at run time; the scalar fallback gives the
//     same bytes). It matches vips_resize to rounding (50-59 dB,
//     resize_test.go), and its vertical pass is closer to the exact
//     filter than vips_reducev, whose vector path rounds its weights to 6
//     bits (77 against 53 dB).
//     vips_thumbnail then finds the image at its size and only orients it
//     and transforms its colours, which it does after its resize anyway.
//   - Metadata bombs: the engine reads no more than a budget of a source's
//     metadata. A PNG's text and profile chunks are inflated into a counter
//     before libvips sees them (at most 8 MiB each, 16 MiB together; see
//     png.go); the EXIF, XMP and IPTC blocks are read for the rights up to
//     4 MiB, and a rights value over 4 KiB is not carried into the
//     rendition.
//   - SVG entities: an SVG may declare entities in its document type
//     declaration, as Adobe Illustrator does; the text their references
//     expand to is added up in Go first, and over 8 MiB (billion laughs,
//     quadratic blow-up) the source is SourceTooLarge. External and
//     parameter entities are SourceFormatUnsupported; librsvg loads no
//     other file. Images embedded as data: URIs, which librsvg decodes
//     whole at their own size, are bounded together by
//     MaxFullDecodePixels from their headers; an embedded SVG is checked
//     like the source, one level deep. SVG is read with its libvips
//     loader named, since
//     libvips' own detection misses an svg element after the first 1000
//     bytes.
//   - Untrusted loaders: libvips loaders marked unsafe for untrusted input
//     (ImageMagick, FITS, Matlab, raw, ...) are blocked; SVG, PDF, JPEG
//     2000 and JPEG XL are allowed back. BMP (uncompressed 1 to 32-bit,
//     golang.org/x/image/bmp) and PSD/PSB (the composite image: raw or RLE,
//     8 or 16-bit, RGB, CMYK, grey, indexed or bitmap, with its ICC
//     profile; decode_psd.go) are decoded in Go instead.
//   - The long tail of raster formats (longtail.go): libvips' own Netpbm
//     (PBM, PGM, PPM, PFM), Radiance and OpenEXR loaders are allowed
//     back; SGI, PAM, Targa, icons and cursors, PCX, DDS and PICT are
//     read by ImageMagick's command-line program in a cage, told the one
//     coder of an allow-list that the format registry sniffed, never
//     through libvips' ImageMagick loader, which stays blocked (allowing
//     it would hand every file the other loaders refuse to every coder
//     ImageMagick has). Each format's size is read from its header in Go
//     first (package rasterhead: an icon's largest entry, its own PNG or
//     bitmap header included), so the pixel limits refuse a source before
//     any decoder runs; an uncompressed SGI or Targa shorter than its
//     header declares is SourceCorrupt (ImageMagick would fill it with
//     black). Floating-point light (PFM, Radiance, OpenEXR) is tone-mapped
//     to 8-bit sRGB after the shrink: clipped at 0, then, when it goes
//     above 1.0, the extended Reinhard operator with the brightest sample
//     as white, then the sRGB curve.
//   - InDesign (indesign.go): an INDD or INDT document is rendered from
//     the largest page thumbnail of its XMP packet (package indd reads it
//     with bounded ranged reads), decoded in Go; like any raster source it
//     is not enlarged past its size unless upscale is set. An IDML
//     package is rendered from a preview image it carries, and is
//     SourceFormatUnsupported without one, which is how InDesign writes
//     them.
//   - libvips settings are per process and made once, by the first New:
//     the operation cache is off (every render reads a different file),
//     each pipeline uses Options.Threads worker threads (default 1: a
//     thumbnail is decode-bound and serial, and the worker runs renditions
//     in parallel; RenderOptions.Threads gives one render more, for a
//     rendition others wait on), glibc malloc arenas are capped
//     (Options.MallocArenas, default 2) and libvips' own warnings are
//     dropped. The measurements behind these choices are in
//     docs/image-renditions.md.
//
// # Why not bimg
//
// github.com/h2non/bimg works on whole files in memory, forces the exact
// size when both width and height are given, re-encodes EXIF-rotated images
// at quality 100 before resizing, and starts libvips with fixed settings in
// its init function. The engine instead calls the few libvips functions it
// needs (vips_thumbnail, vips_colourspace, vips_composite, the savers)
// through one small cgo file, vips.go, behind Go types.
package image
