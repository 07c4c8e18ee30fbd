package image

import (
	"os"
	"path/filepath"
	"sort"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Default encoder settings; see the package documentation.
const (
	DefaultJPEGQuality = 85
	DefaultWebPQuality = 80
	DefaultHEIFQuality = 50 // AVIF and HEIC
	DefaultJXLQuality  = 75
	// DefaultPNGCompression is the zlib level of PNG renditions (0-9).
	DefaultPNGCompression = 6
)

// encoder describes how one canonical fmt is written.
type encoder struct {
	saver saver
	// quality is the default quality, or 0 when the format has no quality
	// setting (the rendition's quality is then ignored).
	quality int
	// alpha: the format can hold an alpha channel. Without it an image
	// with alpha is flattened onto the background.
	alpha bool
	// deep: the format can hold 16 bits per sample; other formats get
	// 8-bit sRGB or grey.
	deep bool
}

// encoders maps every image fmt the engine knows to its encoder. Whether
// this libvips build can actually write it is probed once, at start-up.
var encoders = map[string]encoder{
	"jpg":  {saver: saveJPEG, quality: DefaultJPEGQuality},
	"png":  {saver: savePNG, alpha: true, deep: true},
	"webp": {saver: saveWebP, quality: DefaultWebPQuality, alpha: true},
	"gif":  {saver: saveGIF, alpha: true},
	"tiff": {saver: saveTIFF, alpha: true, deep: true},
	"avif": {saver: saveAVIF, quality: DefaultHEIFQuality, alpha: true},
	"heic": {saver: saveHEIC, quality: DefaultHEIFQuality, alpha: true},
	"jxl":  {saver: saveJXL, quality: DefaultJXLQuality, alpha: true},
}

// saveOptionsFor returns the saver settings for rendition r in format f.
func saveOptionsFor(f string, enc encoder, r api.Rendition) saveOptions {
	o := saveOptions{
		Saver:       enc.saver,
		Quality:     enc.quality,
		Compression: DefaultPNGCompression,
		Interlace:   r.Interlace,
	}
	if enc.quality != 0 && r.Quality != nil {
		o.Quality = *r.Quality
	}
	if f == "png" && r.CompressionLevel != nil {
		o.Compression = *r.CompressionLevel
	}
	return o
}

// probeSavers writes a tiny image in every format to learn which ones this
// libvips build can encode (a saver may exist while its codec, such as the
// HEVC encoder of libheif, is missing). It returns the writable fmts.
func probeSavers() (map[string]bool, error) {
	dir, err := os.MkdirTemp("", "assetcompute-probe-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	img, err := blank(8, 8, 3)
	if err != nil {
		return nil, err
	}
	defer img.close()
	ok := map[string]bool{}
	for f, enc := range encoders {
		o := saveOptions{Saver: enc.saver, Quality: max(enc.quality, 50), Compression: DefaultPNGCompression}
		if img.save(filepath.Join(dir, "probe."+f), o) == nil {
			ok[f] = true
		}
	}
	return ok, nil
}

// OutputFormats returns the canonical image fmts the engine can write with
// this libvips build, sorted. It starts libvips when needed.
func OutputFormats() ([]string, error) {
	if err := startup(0); err != nil {
		return nil, err
	}
	var out []string
	for f := range writable {
		out = append(out, f)
	}
	sort.Strings(out)
	return out, nil
}
