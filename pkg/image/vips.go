package image

// This is the only file of the package that uses cgo. It wraps the few
// libvips calls the engine needs in Go functions over Go types: no C type
// leaves this file, and every libvips failure comes back as a *vipsError.

/*
#cgo pkg-config: vips
#include <stdlib.h>
#include <vips/vips.h>

// Savers, in the same order as the Go saver constants below.
enum {
	ACS_SAVE_JPEG = 0,
	ACS_SAVE_PNG,
	ACS_SAVE_WEBP,
	ACS_SAVE_GIF,
	ACS_SAVE_TIFF,
	ACS_SAVE_AVIF,
	ACS_SAVE_HEIC,
	ACS_SAVE_JXL
};

static int acs_init(int threads) {
	if (VIPS_INIT("assetcompute"))
		return -1;
	// Every render reads a different file: an operation cache only costs
	// memory and could serve a stale image for a reused temp path.
	vips_cache_set_max(0);
	vips_cache_set_max_mem(0);
	vips_cache_set_max_files(0);
	if (threads > 0)
		vips_concurrency_set(threads);
	// Refuse the loaders libvips marks as unsafe for untrusted input
	// (ImageMagick, Matlab, FITS, raw, ...), then allow back the ones the
	// service promises: SVG, PDF, JPEG 2000 and JPEG XL.
	vips_block_untrusted_set(TRUE);
	vips_operation_block_set("VipsForeignLoadSvg", FALSE);
	vips_operation_block_set("VipsForeignLoadPdf", FALSE);
	vips_operation_block_set("VipsForeignLoadJp2k", FALSE);
	vips_operation_block_set("VipsForeignLoadJxl", FALSE);
	vips_operation_block_set("VipsForeignSaveJxl", FALSE);
	return 0;
}

typedef struct {
	int width;
	int height;
	int bands;
	int orientation;
	int has_profile;
	int interpretation;
	int pages;
	const char *loader;
} acs_header;

// acs_read_header opens path lazily (sequential access reads the header
// only, no pixels). It returns -2 when no libvips loader recognises the
// file and -1 on any other failure.
static int acs_read_header(const char *path, acs_header *h) {
	VipsSource *src = vips_source_new_from_file(path);
	if (!src)
		return -1;
	const char *loader = vips_foreign_find_load_source(src);
	if (!loader) {
		g_object_unref(src);
		return -2;
	}
	VipsImage *im = vips_image_new_from_source(src, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
	g_object_unref(src);
	if (!im)
		return -1;
	h->loader = loader;
	h->width = vips_image_get_width(im);
	h->height = vips_image_get_height(im);
	h->bands = vips_image_get_bands(im);
	h->orientation = vips_image_get_orientation(im);
	h->has_profile = vips_image_get_typeof(im, VIPS_META_ICC_NAME) != 0;
	h->interpretation = vips_image_get_interpretation(im);
	h->pages = vips_image_get_n_pages(im);
	g_object_unref(im);
	return 0;
}

// acs_thumbnail passes fail_on to the loader through option_string: the
// thumbnail's own fail_on is not forwarded for sources in libvips 8.14.
static int acs_thumbnail(const char *path, int width, int height, int export_srgb, VipsImage **out) {
	VipsSource *src = vips_source_new_from_file(path);
	if (!src)
		return -1;
	int r;
	if (export_srgb)
		r = vips_thumbnail_source(src, out, width, "height", height, "size", VIPS_SIZE_FORCE,
			"option_string", "fail_on=truncated", "export_profile", "srgb", NULL);
	else
		r = vips_thumbnail_source(src, out, width, "height", height, "size", VIPS_SIZE_FORCE,
			"option_string", "fail_on=truncated", NULL);
	g_object_unref(src);
	return r;
}

static int acs_colourspace(VipsImage *in, int space, VipsImage **out) {
	return vips_colourspace(in, out, (VipsInterpretation) space, NULL);
}

static int acs_flatten(VipsImage *in, double *bg, int n, double max_alpha, VipsImage **out) {
	VipsArrayDouble *background = vips_array_double_new(bg, n);
	int r = vips_flatten(in, out, "background", background, "max_alpha", max_alpha, NULL);
	vips_area_unref(VIPS_AREA(background));
	return r;
}

static int acs_black(int width, int height, int bands, VipsImage **out) {
	return vips_black(out, width, height, "bands", bands, NULL);
}

static int acs_is_ushort(VipsImage *im) {
	return vips_image_get_format(im) == VIPS_FORMAT_USHORT;
}

static int acs_save(VipsImage *in, const char *path, int saver, int q, int compression, int interlace) {
	switch (saver) {
	case ACS_SAVE_JPEG:
		return vips_jpegsave(in, path, "Q", q, "strip", TRUE, "optimize_coding", TRUE,
			"interlace", interlace, NULL);
	case ACS_SAVE_PNG:
		return vips_pngsave(in, path, "compression", compression, "interlace", interlace,
			"strip", TRUE, NULL);
	case ACS_SAVE_WEBP:
		return vips_webpsave(in, path, "Q", q, "strip", TRUE, NULL);
	case ACS_SAVE_GIF:
		return vips_gifsave(in, path, "strip", TRUE, NULL);
	case ACS_SAVE_TIFF:
		return vips_tiffsave(in, path, "compression", VIPS_FOREIGN_TIFF_COMPRESSION_LZW,
			"strip", TRUE, NULL);
	case ACS_SAVE_AVIF:
		return vips_heifsave(in, path, "Q", q, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1,
			"strip", TRUE, NULL);
	case ACS_SAVE_HEIC:
		return vips_heifsave(in, path, "Q", q, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_HEVC,
			"strip", TRUE, NULL);
	case ACS_SAVE_JXL:
		return vips_jxlsave(in, path, "Q", q, "strip", TRUE, NULL);
	}
	vips_error("assetcompute", "unknown saver %d", saver);
	return -1;
}
*/
import "C"

import (
	"strings"
	"unsafe"
)

// saver selects a libvips save operation.
type saver int

// The savers; the values match the C enum above.
const (
	saveJPEG saver = iota
	savePNG
	saveWebP
	saveGIF
	saveTIFF
	saveAVIF
	saveHEIC
	saveJXL
)

// colourSpace is a libvips interpretation, reduced to the cases the engine
// treats differently.
type colourSpace int

// The interpretations the engine distinguishes; everything else is
// spaceOther and is converted to sRGB.
const (
	spaceSRGB colourSpace = iota
	spaceBW
	spaceRGB16
	spaceGrey16
	spaceCMYK
	spaceOther
)

func toColourSpace(i C.int) colourSpace {
	switch C.VipsInterpretation(i) {
	case C.VIPS_INTERPRETATION_sRGB:
		return spaceSRGB
	case C.VIPS_INTERPRETATION_B_W:
		return spaceBW
	case C.VIPS_INTERPRETATION_RGB16:
		return spaceRGB16
	case C.VIPS_INTERPRETATION_GREY16:
		return spaceGrey16
	case C.VIPS_INTERPRETATION_CMYK:
		return spaceCMYK
	}
	return spaceOther
}

func fromColourSpace(s colourSpace) C.int {
	switch s {
	case spaceBW:
		return C.int(C.VIPS_INTERPRETATION_B_W)
	case spaceRGB16:
		return C.int(C.VIPS_INTERPRETATION_RGB16)
	case spaceGrey16:
		return C.int(C.VIPS_INTERPRETATION_GREY16)
	case spaceCMYK:
		return C.int(C.VIPS_INTERPRETATION_CMYK)
	}
	return C.int(C.VIPS_INTERPRETATION_sRGB)
}

// vipsError is a failed libvips call: the operation and libvips' own
// message. It is a cause for logs; callers wrap it with an api reason.
type vipsError struct {
	Op      string
	Message string
}

func (e *vipsError) Error() string {
	if e.Message == "" {
		return "libvips " + e.Op + " failed"
	}
	return "libvips " + e.Op + ": " + e.Message
}

// lastError takes (and clears) the libvips error buffer. The buffer is
// process-wide, so under concurrency it may also hold another render's
// message; callers therefore classify a failure by the call that failed,
// never by this text.
func lastError(op string) error {
	p := C.vips_error_buffer_copy()
	msg := ""
	if p != nil {
		msg = strings.TrimSpace(C.GoString(p))
		C.g_free(C.gpointer(p))
	}
	return &vipsError{Op: op, Message: msg}
}

// vipsStartup starts libvips. It must be called once per process.
func vipsStartup(threads int) error {
	if C.acs_init(C.int(threads)) != 0 {
		return lastError("init")
	}
	return nil
}

// header is what the engine needs from a source before decoding it.
type header struct {
	Width, Height int
	Bands         int
	// Orientation is the EXIF orientation, 1 to 8 (1 when absent).
	Orientation int
	HasProfile  bool
	Space       colourSpace
	Pages       int
	// Loader is the libvips loader that recognised the file.
	Loader string
}

// errNoLoader is returned by readHeader when libvips has no loader for the
// file's content.
var errNoLoader = &vipsError{Op: "header", Message: "no loader recognises the file"}

// readHeader reads a source's header without decoding its pixels.
func readHeader(path string) (header, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var h C.acs_header
	switch C.acs_read_header(cpath, &h) {
	case 0:
	case -2:
		return header{}, errNoLoader
	default:
		return header{}, lastError("header")
	}
	return header{
		Width:       int(h.width),
		Height:      int(h.height),
		Bands:       int(h.bands),
		Orientation: int(h.orientation),
		HasProfile:  h.has_profile != 0,
		Space:       toColourSpace(h.interpretation),
		Pages:       int(h.pages),
		Loader:      C.GoString(h.loader),
	}, nil
}

// vipsImage owns one reference to a libvips image. It is used by one
// goroutine at a time, except for kill, which may be called from another.
type vipsImage struct {
	p *C.VipsImage
}

func wrapImage(p *C.VipsImage) *vipsImage { return &vipsImage{p: p} }

// close drops the reference. It is safe to call on nil and twice.
func (im *vipsImage) close() {
	if im != nil && im.p != nil {
		C.g_object_unref(C.gpointer(im.p))
		im.p = nil
	}
}

func (im *vipsImage) width() int     { return int(im.p.Xsize) }
func (im *vipsImage) height() int    { return int(im.p.Ysize) }
func (im *vipsImage) bands() int     { return int(im.p.Bands) }
func (im *vipsImage) hasAlpha() bool { return C.vips_image_hasalpha(im.p) != 0 }
func (im *vipsImage) isUshort() bool { return C.acs_is_ushort(im.p) != 0 }
func (im *vipsImage) space() colourSpace {
	return toColourSpace(C.int(C.vips_image_get_interpretation(im.p)))
}
func (im *vipsImage) orientation() int { return int(C.vips_image_get_orientation(im.p)) }
func (im *vipsImage) kill()            { C.vips_image_set_kill(im.p, C.TRUE) }

// thumbnail opens path and builds a lazy pipeline that shrinks it (with
// shrink-on-load where the format allows it), applies its EXIF orientation
// and resizes it to exactly width x height, in upright coordinates. With
// exportSRGB the result is transformed from its embedded profile to sRGB
// (CMYK is always imported to sRGB, with or without it). Truncated input makes the pixels fail, never come out
// partial.
func thumbnail(path string, width, height int, exportSRGB bool) (*vipsImage, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	export := C.int(0)
	if exportSRGB {
		export = 1
	}
	var out *C.VipsImage
	if C.acs_thumbnail(cpath, C.int(width), C.int(height), export, &out) != 0 {
		return nil, lastError("thumbnail")
	}
	return wrapImage(out), nil
}

// colourspace converts the image to another interpretation.
func (im *vipsImage) colourspace(s colourSpace) (*vipsImage, error) {
	var out *C.VipsImage
	if C.acs_colourspace(im.p, fromColourSpace(s), &out) != 0 {
		return nil, lastError("colourspace")
	}
	return wrapImage(out), nil
}

// flatten removes the alpha band by compositing over bg (one value per
// colour band, or one for all) with the given alpha maximum (255 or 65535).
func (im *vipsImage) flatten(bg []float64, maxAlpha float64) (*vipsImage, error) {
	cbg := make([]C.double, len(bg))
	for i, v := range bg {
		cbg[i] = C.double(v)
	}
	var out *C.VipsImage
	if C.acs_flatten(im.p, &cbg[0], C.int(len(cbg)), C.double(maxAlpha), &out) != 0 {
		return nil, lastError("flatten")
	}
	return wrapImage(out), nil
}

// decode computes every pixel of the pipeline into memory. Decoding
// errors in the source (truncation, corrupt data) surface here.
func (im *vipsImage) decode() (*vipsImage, error) {
	out := C.vips_image_copy_memory(im.p)
	if out == nil {
		return nil, lastError("decode")
	}
	return wrapImage(out), nil
}

// blank makes a black image, used to probe the savers.
func blank(width, height, bands int) (*vipsImage, error) {
	var out *C.VipsImage
	if C.acs_black(C.int(width), C.int(height), C.int(bands), &out) != 0 {
		return nil, lastError("black")
	}
	return wrapImage(out), nil
}

// saveOptions are the encoder settings passed to a saver. Every saver
// strips metadata.
type saveOptions struct {
	Saver       saver
	Quality     int
	Compression int
	Interlace   bool
}

// save encodes the image to path.
func (im *vipsImage) save(path string, o saveOptions) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	interlace := C.int(0)
	if o.Interlace {
		interlace = 1
	}
	if C.acs_save(im.p, cpath, C.int(o.Saver), C.int(o.Quality), C.int(o.Compression), interlace) != 0 {
		return lastError("save")
	}
	return nil
}
