package image

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// job is the state one Render shares between its steps.
type job struct {
	limits Limits
	src    string
	r      api.Rendition
	fmt    string

	enc     encoder
	save    saveOptions
	srcType SourceType
	header  header
	out     size       // planned rendition size
	img     *vipsImage // the current image; each step replaces it
}

// replace makes next the current image and releases the previous one.
func (j *job) replace(next *vipsImage) {
	j.img.close()
	j.img = next
}

func (j *job) close() { j.img.close() }

// step is one stage of the rendition pipeline. Steps run in order, with a
// check of the context before each; a step that has nothing to do for a
// rendition returns at once. Adding an instruction is adding a step.
type step struct {
	name string
	run  func(ctx context.Context, j *job) error
}

// pipeline is the list of steps of every rendition. Cheap checks come
// first, so a request that must fail fails before any pixel is decoded.
var pipeline = []step{
	{"checking the instructions", refuseUnsupported},
	{"choosing the encoder", chooseEncoder},
	{"checking the source size", checkSourceBytes},
	{"detecting the source type", detectType},
	{"reading the source header", readSourceHeader},
	{"planning the rendition size", planSize},
	{"shrinking the source", shrink},
	{"converting to sRGB", toOutputColour},
	{"flattening alpha", flattenAlpha},
	{"decoding the source", decodePixels},
}

// refuseUnsupported fails a rendition that asks for an instruction the
// engine does not carry out yet, rather than make an image that silently
// ignores it. dpi only sets metadata, which renditions do not keep, so it
// is not refused.
func refuseUnsupported(_ context.Context, j *job) error {
	r := j.r
	for _, u := range []struct {
		field string
		set   bool
	}{
		{"crop", r.Crop != nil},
		{"watermark", r.Watermark != nil},
		{"convertToDpi", r.ConvertToDPI != nil},
		{"jpegSize", r.JPEGSize != nil},
		{"page", r.Page != nil && *r.Page != 1},
		{"animated", r.Animated},
		{"xmp", r.XMP != ""},
	} {
		if u.set {
			return api.Errorf(api.ReasonGeneric, "%s: is not supported by the image engine yet", u.field)
		}
	}
	return nil
}

// chooseEncoder refuses a fmt this build cannot write and settles the
// encoder settings.
func chooseEncoder(_ context.Context, j *job) error {
	enc, known := encoders[j.fmt]
	if !known || !writable[j.fmt] {
		why := "is not an image format"
		if known {
			why = "cannot be written by this build of libvips"
		}
		return api.Errorf(api.ReasonRenditionFormatUnsupported,
			"fmt: %q %s; image renditions can be %s", j.fmt, why, strings.Join(writableList(), ", "))
	}
	j.enc = enc
	j.save = saveOptionsFor(j.fmt, enc, j.r)
	return nil
}

func writableList() []string {
	var out []string
	for _, f := range []string{"png", "jpg", "webp", "gif", "tiff", "avif", "heic", "jxl"} {
		if writable[f] {
			out = append(out, f)
		}
	}
	return out
}

// checkSourceBytes enforces MaxSourceBytes.
func checkSourceBytes(_ context.Context, j *job) error {
	fi, err := os.Stat(j.src)
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
	}
	if !fi.Mode().IsRegular() {
		return api.Errorf(api.ReasonGeneric, "source is not a regular file")
	}
	if fi.Size() > j.limits.MaxSourceBytes {
		return api.Errorf(api.ReasonSourceTooLarge, "source is %d bytes, more than the limit of %d bytes",
			fi.Size(), j.limits.MaxSourceBytes)
	}
	return nil
}

// detectType sniffs the source and refuses types the engine cannot read.
func detectType(_ context.Context, j *job) error {
	t, err := Sniff(j.src)
	if err != nil {
		return err
	}
	if !t.Decodable() {
		return errNotDecodable(t)
	}
	j.srcType = t
	return nil
}

// readSourceHeader reads the header without decoding and enforces
// MaxSourcePixels.
func readSourceHeader(_ context.Context, j *job) error {
	h, err := readHeader(j.src)
	if errors.Is(err, errNoLoader) {
		return api.Wrap(api.ReasonSourceFormatUnsupported, err,
			"source looks like "+j.srcType.MimeType()+" but no decoder in this build reads it")
	}
	if err != nil {
		return api.Wrap(api.ReasonSourceCorrupt, err,
			"source is a corrupt "+j.srcType.MimeType()+" file: its header cannot be read")
	}
	if h.Width < 1 || h.Height < 1 {
		return api.Errorf(api.ReasonSourceCorrupt, "source header gives an empty image (%dx%d)", h.Width, h.Height)
	}
	if px := int64(h.Width) * int64(h.Height); px > j.limits.MaxSourcePixels {
		return api.Errorf(api.ReasonSourceTooLarge, "source is %dx%d (%s), more than the limit of %s",
			h.Width, h.Height, megapixels(px), megapixels(j.limits.MaxSourcePixels))
	}
	j.header = h
	return nil
}

// planSize computes the rendition size and enforces MaxOutputPixels.
func planSize(_ context.Context, j *job) error {
	src := upright(size{j.header.Width, j.header.Height}, j.header.Orientation)
	r := j.r
	if j.srcType.vector() {
		// Drawn at the requested size: enlarging a drawing loses nothing.
		r.Upscale = true
	}
	j.out = fitInside(src, r)
	if px := j.out.pixels(); px > j.limits.MaxOutputPixels {
		return api.Errorf(api.ReasonRenditionTooLarge, "rendition would be %dx%d (%s), more than the limit of %s; ask for a smaller width or height",
			j.out.W, j.out.H, megapixels(px), megapixels(j.limits.MaxOutputPixels))
	}
	return nil
}

// shrink builds the lazy libvips pipeline that loads, orients and resizes
// the source: vips_thumbnail shrinks on load where the format can (JPEG by
// DCT scaling, WebP, PDF and SVG by rendering small) and otherwise streams
// the source through the resize a few scanlines at a time.
//
// Colour: vips_thumbnail always imports CMYK (through the embedded profile,
// or its built-in CMYK profile) and outputs sRGB; other sources with an
// embedded profile are transformed to sRGB by asking for an sRGB export
// profile. For CMYK that request only made libvips 8.14 warn "profile
// incompatible with image", for the same pixels, so it is not made.
func shrink(_ context.Context, j *job) error {
	exportSRGB := j.header.HasProfile && j.header.Space != spaceCMYK
	img, err := thumbnail(j.src, j.out.W, j.out.H, exportSRGB)
	if err != nil {
		return api.Wrap(api.ReasonSourceCorrupt, err, "source "+j.srcType.MimeType()+" file cannot be decoded")
	}
	j.replace(img)
	return nil
}

// toOutputColour brings the image to sRGB or grey (the ICC transform, when
// the source had a profile, happened in shrink), in 8 bits per sample
// unless the output format holds 16.
func toOutputColour(_ context.Context, j *job) error {
	want := j.img.space()
	switch want {
	case spaceSRGB, spaceBW:
	case spaceRGB16:
		if !j.enc.deep {
			want = spaceSRGB
		}
	case spaceGrey16:
		if !j.enc.deep {
			want = spaceBW
		}
	default:
		want = spaceSRGB
	}
	if want == j.img.space() && !(want == spaceSRGB && j.img.isUshort()) {
		return nil
	}
	img, err := j.img.colourspace(want)
	if err != nil {
		return api.Wrap(api.ReasonSourceCorrupt, err, "source colours cannot be converted to sRGB")
	}
	j.replace(img)
	return nil
}

// flattenAlpha composites an image with alpha onto the background when the
// rendition asks for a background or its format has no alpha (JPEG:
// default white).
func flattenAlpha(_ context.Context, j *job) error {
	if !j.img.hasAlpha() || (j.enc.alpha && j.r.Background == "") {
		return nil
	}
	rgb, err := parseColour(j.r.Background)
	if err != nil {
		return err
	}
	maxAlpha := 255.0
	if j.img.isUshort() {
		maxAlpha = 65535
	}
	scale := maxAlpha / 255
	bg := []float64{rgb[0] * scale, rgb[1] * scale, rgb[2] * scale}
	if j.img.bands() < 3 { // grey with alpha
		if rgb[0] == rgb[1] && rgb[1] == rgb[2] {
			bg = bg[:1]
		} else {
			space := spaceSRGB
			if j.img.isUshort() {
				space = spaceRGB16
			}
			img, err := j.img.colourspace(space)
			if err != nil {
				return api.Wrap(api.ReasonGeneric, err, "grey image cannot be converted to colour for its background")
			}
			j.replace(img)
		}
	}
	img, err := j.img.flatten(bg, maxAlpha)
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "alpha cannot be flattened onto the background")
	}
	j.replace(img)
	return nil
}

// decodePixels runs the pipeline into memory. This is where libvips reads
// the source's pixels, so a truncated or corrupt source fails here, before
// anything is encoded; the memory it takes is bounded by MaxOutputPixels.
func decodePixels(ctx context.Context, j *job) error {
	var img *vipsImage
	err := whileAlive(ctx, j.img, func() error {
		var err error
		img, err = j.img.decode()
		return err
	})
	if err != nil {
		if cerr := ctxErr(ctx, "the source was decoded"); cerr != nil {
			return errors.Join(cerr, err)
		}
		return api.Wrap(api.ReasonSourceCorrupt, err,
			"source "+j.srcType.MimeType()+" file is truncated or corrupt: its pixels cannot be decoded")
	}
	j.replace(img)
	return nil
}

// parseColour reads #RGB or #RRGGBB; empty is white.
func parseColour(s string) ([3]float64, error) {
	if s == "" {
		return [3]float64{255, 255, 255}, nil
	}
	hex := strings.TrimPrefix(s, "#")
	if len(hex) == 3 {
		hex = string([]byte{hex[0], hex[0], hex[1], hex[1], hex[2], hex[2]})
	}
	v, err := strconv.ParseUint(hex, 16, 32)
	if len(hex) != 6 || err != nil {
		return [3]float64{}, api.Errorf(api.ReasonGeneric, "background: must be a colour #RGB or #RRGGBB, got %q", s)
	}
	return [3]float64{float64(v >> 16 & 0xff), float64(v >> 8 & 0xff), float64(v & 0xff)}, nil
}

func megapixels(px int64) string {
	return strconv.FormatFloat(float64(px)/1e6, 'f', 1, 64) + " MP"
}
