package image

import (
	"sort"
	"sync"

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
	// animation: the format can hold several frames (animated: true).
	animation bool
}

// encoders maps every image fmt the engine knows to its encoder. Whether
// this libvips build can actually write it is probed once, at start-up.
var encoders = map[string]encoder{
	"jpg":  {saver: saveJPEG, quality: DefaultJPEGQuality},
	"png":  {saver: savePNG, alpha: true},
	"webp": {saver: saveWebP, quality: DefaultWebPQuality, alpha: true, animation: true},
	"gif":  {saver: saveGIF, alpha: true, animation: true},
	"tiff": {saver: saveTIFF, alpha: true},
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

var (
	writableMu sync.Mutex
	// writable caches which fmts this libvips build can encode, probed on
	// first use (see canWrite).
	writable = map[string]bool{}
)

// canWrite reports whether this libvips build can encode fmt f, by
// encoding a tiny image the first time it is asked: a saver may exist
// while its codec, such as the HEVC encoder of libheif, is missing. The
// probe is lazy because some encoders take a tenth of a second to start,
// which a short-lived process (acs batch, a cold action) would pay for
// formats it never writes.
func canWrite(f string) bool {
	enc, ok := encoders[f]
	if !ok {
		return false
	}
	writableMu.Lock()
	defer writableMu.Unlock()
	if ok, probed := writable[f]; probed {
		return ok
	}
	ok = probeSaver(enc)
	writable[f] = ok
	return ok
}

// probeSaver encodes an 8x8 image with enc.
func probeSaver(enc encoder) bool {
	img, err := blank(8, 8, 3)
	if err != nil {
		return false
	}
	defer img.close()
	o := saveOptions{Saver: enc.saver, Quality: max(enc.quality, 50), Compression: DefaultPNGCompression, Strip: true}
	out, err := img.encode(o)
	if err != nil {
		return false
	}
	defer out.free()
	return len(out.Data) > 0
}

// OutputFormats returns the canonical image fmts the engine can write with
// this libvips build, sorted. It starts libvips when needed.
func OutputFormats() ([]string, error) {
	if err := startup(0, 0, false); err != nil {
		return nil, err
	}
	var out []string
	for f := range encoders {
		if canWrite(f) {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out, nil
}
