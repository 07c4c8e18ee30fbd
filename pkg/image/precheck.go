package image

import (
	"os"
	"strconv"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Checks made in Go on a source's own bytes before libvips reads it.
//
// libvips' loaders trust their input more than a service can: libpng
// inflates metadata chunks of up to 50 MB each, librsvg expands entities,
// and the decoders that hold the whole image in memory (interlaced PNG,
// progressive JPEG, GIF, HEIF and AVIF, JPEG XL) allocate it from the
// size the header declares. So before the header is read by libvips:
//
//   - a PNG's header is read (a side over libvips' 10 million pixels or
//     an area over Limits.MaxSourcePixels is SourceTooLarge) and its
//     metadata chunks are inflated into a counter with a cap; chunks over
//     the budget are left out of a copy that is rendered instead (png.go);
//   - a JPEG's frame header is read: lossless, hierarchical and 12-bit
//     JPEG are SourceFormatUnsupported, progressive JPEG is decoded whole
//     (jpeg.go);
//   - an SVG's entity declarations are read and the expansion of its
//     entity references added up: an expansion bomb is SourceTooLarge;
//     the images it embeds as data: URIs are bounded by
//     Limits.MaxFullDecodePixels (svg.go).
//
// A PDF that needs a password is found before, by poppler (pdf.go), and
// is SourceUnsupported.

// sourceCheck is what the checks learn.
type sourceCheck struct {
	// width and height are the size the header declares, when the check
	// reads it (PNG, JPEG); 0 otherwise.
	width, height int
	// wholeDecode names the kind of source when its decoder holds the
	// whole image in memory, so Limits.MaxFullDecodePixels bounds it
	// ("interlaced PNG"); empty when the pixels stream.
	wholeDecode string
	// path is a copy of the source to read instead, without metadata over
	// the budget; empty to read the source itself. The caller removes it.
	path string
}

// wholeDecoders are the types libvips decodes whole into memory whatever
// their layout.
var wholeDecoders = map[SourceType]string{
	TypeGIF: "GIF", TypeHEIF: "HEIF", TypeAVIF: "AVIF", TypeJXL: "JPEG XL",
}

// loaders names the libvips loader of each type libvips reads.
var loaders = map[SourceType]string{
	TypeJPEG: "jpegload_source", TypePNG: "pngload_source", TypeGIF: "gifload_source",
	TypeWebP: "webpload_source", TypeTIFF: "tiffload_source", TypeHEIF: "heifload_source",
	TypeAVIF: "heifload_source", TypeJP2: "jp2kload_source", TypeJXL: "jxlload_source",
	TypePDF: "pdfload_source", TypeSVG: "svgload_source",
}

// checkSource runs the checks for a source of type t. A copy it writes
// goes into dir (the system temporary directory when empty).
func checkSource(path string, t SourceType, limits Limits, dir string) (*sourceCheck, error) {
	c := &sourceCheck{wholeDecode: wholeDecoders[t]}
	var err error
	switch t {
	case TypePNG:
		err = checkPNG(path, dir, c)
	case TypeJPEG:
		err = checkJPEG(path, c)
	case TypeSVG:
		err = checkSVG(path, limits.MaxFullDecodePixels)
	case TypePDF:
		err = checkPDFHeader(path, dir, c)
	default:
		err = checkRasterHeader(path, t, limits, c)
	}
	if err == nil && c.width > 0 && c.height > 0 {
		err = checkPixels(c.width, c.height, 1, limits.MaxSourcePixels, "")
	}
	if err != nil {
		c.remove()
		return nil, err
	}
	return c, nil
}

// remove deletes the copy, if any.
func (c *sourceCheck) remove() {
	if c != nil && c.path != "" {
		_ = os.Remove(c.path)
		c.path = ""
	}
}

// checkPixels refuses a source of w x h pixels times frames over limit;
// kind, when set, names the kind of source the limit is for.
func checkPixels(w, h, frames int, limit int64, kind string) error {
	px := int64(w) * int64(h) * int64(frames)
	if px <= limit {
		return nil
	}
	what := strconv.Itoa(w) + "x" + strconv.Itoa(h)
	if frames > 1 {
		what += " x " + strconv.Itoa(frames) + " frames"
	}
	if kind != "" {
		return api.Errorf(api.ReasonSourceTooLarge, "source is %s (%s), more than the limit of %s for %s files, which are decoded whole",
			what, megapixels(px), megapixels(limit), kind)
	}
	return api.Errorf(api.ReasonSourceTooLarge, "source is %s (%s), more than the limit of %s",
		what, megapixels(px), megapixels(limit))
}

// readHeaderWith is readHeader with the libvips loader named.
func readHeaderWith(path, loader, options string) (header, error) {
	im, err := openWith(path, loader, options, "header")
	if err != nil {
		return header{}, err
	}
	defer im.close()
	return im.header(), nil
}

// thumbnailOf builds the load-orient-shrink pipeline of a source file of
// type t, whose header is h. An SVG is opened with its loader named and
// drawn at the scale that covers the thumbnail, then resized to it, as
// vips_thumbnail would do had it found the loader: libvips' own detection
// misses an SVG whose root element starts after its first 1000 bytes.
func thumbnailOf(path string, t SourceType, h header, o thumbnailOptions) (*vipsImage, error) {
	if t != TypeSVG {
		return thumbnail(path, o)
	}
	scale := max(float64(o.Width)/float64(h.Width), float64(o.Height)/float64(h.Height))
	opts := "scale=" + strconv.FormatFloat(scale, 'g', -1, 64)
	if o.Loader != "" {
		opts = o.Loader + "," + opts
	}
	img, err := openWith(path, loaders[TypeSVG], opts, "load")
	if err != nil {
		return nil, err
	}
	defer img.close()
	return img.thumbnailImage(o)
}
