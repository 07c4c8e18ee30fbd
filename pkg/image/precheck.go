package image

import (
	"bytes"
	"io"
	"os"
	"strconv"
)

// Checks made in Go on a source's own bytes before libvips reads it.
//
// libvips' loaders trust their input more than a service can: librsvg
// expands the entities an SVG declares, however much text that makes. So
// before the header is read by libvips, an SVG's entity declarations are
// read and the expansion of its entity references added up: an expansion
// bomb is SourceTooLarge (svg.go).
//
// A PDF that libvips cannot open and that declares encryption is
// SourceUnsupported: it needs a password (pdfEncrypted).

// sourceCheck is what the checks learn.
type sourceCheck struct {
	// path is a copy of the source to read instead; empty to read the
	// source itself. The caller removes it.
	path string
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
	c := &sourceCheck{}
	var err error
	switch t {
	case TypeSVG:
		err = checkSVGEntities(path)
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

// pdfEncrypted reports whether a PDF declares encryption (an /Encrypt
// entry) in a trailer: at its end, or near its start for the first-page
// trailer of a linearized file.
func pdfEncrypted(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	const window = 64 << 10
	has := func(off, n int64) bool {
		b := make([]byte, n)
		m, err := f.ReadAt(b, off)
		if err != nil && err != io.EOF {
			return false
		}
		return bytes.Contains(b[:m], []byte("/Encrypt"))
	}
	size := fi.Size()
	return has(max(0, size-window), min(size, window)) || (size > window && has(0, min(size-window, window)))
}
