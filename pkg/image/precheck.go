package image

import (
	"bytes"
	"io"
	"os"
)

// Sources libvips fails to open: what the failure means.

// loaders names the libvips loader of each type libvips reads.
var loaders = map[SourceType]string{
	TypeJPEG: "jpegload_source", TypePNG: "pngload_source", TypeGIF: "gifload_source",
	TypeWebP: "webpload_source", TypeTIFF: "tiffload_source", TypeHEIF: "heifload_source",
	TypeAVIF: "heifload_source", TypeJP2: "jp2kload_source", TypeJXL: "jxlload_source",
	TypePDF: "pdfload_source", TypeSVG: "svgload_source",
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
