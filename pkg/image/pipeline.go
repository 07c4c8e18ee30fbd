package image

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
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
	fetch  FetchFunc
	// threads is the number of libvips threads that decode the pipeline
	// (RenderOptions.Threads); 0 for the process's setting.
	threads int

	// tmpDir is where a copy of the source is written when it must be
	// read without some of its metadata: the rendition's directory.
	tmpDir string

	enc     encoder
	save    saveOptions
	srcType SourceType
	// check is what the checks of the source's own bytes found (see
	// precheck.go); check.path, when set, is the copy libvips reads.
	check *sourceCheck
	// dec decodes the source when libvips does not (BMP, PSD); nil
	// otherwise.
	dec *goDecoder
	// header describes the page or frame being rendered.
	header header
	// pages is the source's number of pages or frames.
	pages int
	// page is the 0-based page rendered.
	page int
	// frames is the number of frames of the rendition: 1, or the source's
	// frame count for an animated one.
	frames int
	lay    layout
	// xmp is the packet to embed, outDPI the resolution to record.
	xmp    []byte
	outDPI *api.DPI
	// colourManaged: the source carried an ICC profile or was CMYK, so
	// the rendition is tagged sRGB.
	colourManaged bool
	img           *vipsImage // the current image; each step replaces it
	// crop is the part of the source the rendition shows, when it is
	// cropped; facesBlurred the number of faces blurFaces blurred.
	crop         *CropRect
	facesBlurred int
	// cleanup removes the temporary files the job made (a PDF copy).
	cleanup []func()
	// onLoad is Options.OnSourceLoad.
	onLoad func(path string)
}

// replace makes next the current image and releases the previous one.
func (j *job) replace(next *vipsImage) {
	j.img.close()
	j.img = next
}

func (j *job) close() {
	j.img.close()
	for _, f := range j.cleanup {
		f()
	}
	j.check.remove()
}

// read is the path of the file libvips reads: the source, or the copy
// the checks made of it.
func (j *job) read() string {
	if j.check != nil && j.check.path != "" {
		return j.check.path
	}
	return j.src
}

// animated reports whether the rendition keeps every frame.
func (j *job) animated() bool { return j.frames > 1 }

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
	{"checking the instructions", checkInstructions},
	{"choosing the encoder", chooseEncoder},
	{"checking the source size", checkSourceBytes},
	{"detecting the source type", detectType},
	{"checking the PDF", checkPDF},
	{"checking the source", inspectSource},
	{"reading the source header", readSourceHeader},
	{"planning the rendition size", planSize},
	{stepShrink, shrink},
	{"placing the smart crop", placeSmartCrop},
	{"cropping", cropFrames},
	{"tone-mapping floating-point light", toneMap},
	{"converting to sRGB", toOutputColour},
	{"blurring faces", blurFaces},
	{"drawing the watermark", drawWatermark},
	{"flattening alpha", flattenAlpha},
	{"recording the resolution", recordResolution},
	{"decoding the source", decodePixels},
}

// stepShrink names the step that loads and shrinks the source.
const stepShrink = "shrinking the source"

// Formats that can record a resolution and hold an XMP packet.
var (
	dpiFormats = map[string]bool{"jpg": true, "png": true, "webp": true, "tiff": true, "avif": true, "heic": true}
	xmpFormats = map[string]bool{"jpg": true, "png": true, "webp": true, "tiff": true, "avif": true, "heic": true}
)

// checkInstructions refuses instruction combinations the engine cannot
// carry out, rather than make an image that silently ignores them.
func checkInstructions(_ context.Context, j *job) error {
	r := j.r
	if r.JPEGSize != nil && j.fmt != "jpg" {
		return api.Errorf(api.ReasonGeneric, "jpegSize: applies to jpg renditions only, not %s", j.fmt)
	}
	if r.DPI != nil && !dpiFormats[j.fmt] {
		return api.Errorf(api.ReasonGeneric, "dpi: a %s rendition cannot record a resolution; use jpg, png, webp, tiff, avif or heic", j.fmt)
	}
	if r.XMP != "" {
		if !xmpFormats[j.fmt] {
			return api.Errorf(api.ReasonGeneric, "xmp: cannot be embedded in a %s rendition; use jpg, png, webp, tiff, avif or heic", j.fmt)
		}
		packet, err := base64.StdEncoding.DecodeString(r.XMP)
		if err != nil || len(packet) == 0 {
			return api.Errorf(api.ReasonGeneric, "xmp: must be a base64-encoded XMP packet")
		}
		if err := checkXMPPacket(packet); err != nil {
			return err
		}
		if j.fmt == "jpg" && len(packet) > maxJPEGXMP {
			return api.Errorf(api.ReasonGeneric, "xmp: the packet is %d bytes; a jpg rendition holds at most %d", len(packet), maxJPEGXMP)
		}
		j.xmp = packet
	}
	if r.Crop != nil && r.Crop.Smart && (r.Width == nil || r.Height == nil) {
		return api.Errorf(api.ReasonGeneric, `crop: "smart" needs both width and height, the size of the crop`)
	}
	if r.Watermark != nil && j.fetch == nil {
		return api.Errorf(api.ReasonGeneric, "watermark: this service cannot fetch watermark images here")
	}
	if r.Page != nil {
		j.page = *r.Page - 1
	}
	return nil
}

// chooseEncoder refuses a fmt this build cannot write and settles the
// encoder settings.
func chooseEncoder(_ context.Context, j *job) error {
	enc, known := encoders[j.fmt]
	if !known || !canWrite(j.fmt) {
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
		if canWrite(f) {
			out = append(out, f)
		}
	}
	return out
}

// checkSourceBytes enforces MaxSourceBytes.
func checkSourceBytes(_ context.Context, j *job) error {
	return checkFileBytes(j.src, j.limits.MaxSourceBytes, "source")
}

func checkFileBytes(path string, limit int64, what string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, what+" file cannot be read")
	}
	if !fi.Mode().IsRegular() {
		return api.Errorf(api.ReasonGeneric, "%s is not a regular file", what)
	}
	if fi.Size() > limit {
		return api.Errorf(api.ReasonSourceTooLarge, "%s is %d bytes, more than the limit of %d bytes",
			what, fi.Size(), limit)
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
	j.dec = goDecoders[t]
	return nil
}

// inspectSource runs the checks of the source's own bytes that come
// before libvips reads it (precheck.go).
func inspectSource(_ context.Context, j *job) error {
	c, err := checkSource(j.src, j.srcType, j.limits, j.tmpDir)
	if err != nil {
		return err
	}
	j.check = c
	return nil
}

// readSourceHeader reads the header without decoding, settles the page
// and frames, and enforces MaxPages, MaxFrames, MaxSourcePixels and
// MaxFullDecodePixels.
func readSourceHeader(_ context.Context, j *job) error {
	h, err := sourceHeader(j.read(), j.srcType, j.dec, "")
	if err != nil {
		return err
	}
	j.pages = max(h.Pages, 1)
	if j.pages > j.limits.MaxPages {
		return api.Errorf(api.ReasonSourceTooLarge, "source has %d pages, more than the limit of %d", j.pages, j.limits.MaxPages)
	}
	if j.page >= j.pages {
		return api.Errorf(api.ReasonGeneric, "page: the source has %d page(s), there is no page %d", j.pages, j.page+1)
	}
	if j.page > 0 {
		// Pages of a PDF or TIFF may differ in size.
		if h, err = sourceHeader(j.read(), j.srcType, j.dec, "page="+strconv.Itoa(j.page)); err != nil {
			return err
		}
	}
	j.frames = 1
	if j.r.Animated && j.r.Page == nil && j.enc.animation && j.pages > 1 && (j.srcType == TypeGIF || j.srcType == TypeWebP) {
		j.frames = j.pages
		if j.frames > j.limits.MaxFrames {
			return api.Errorf(api.ReasonSourceTooLarge, "source has %d frames, more than the limit of %d for an animated rendition",
				j.frames, j.limits.MaxFrames)
		}
	}
	if err := checkPixels(h.Width, h.Height, j.frames, j.limits.MaxSourcePixels, ""); err != nil {
		return err
	}
	if kind := wholeDecodeKind(j.srcType, j.dec, j.check); kind != "" {
		if err := checkPixels(h.Width, h.Height, 1, j.limits.MaxFullDecodePixels, kind); err != nil {
			return err
		}
	}
	j.header = h
	j.colourManaged = h.HasProfile || h.Space == spaceCMYK
	if j.xmp == nil && xmpFormats[j.fmt] {
		j.xmp = rightsOf(h).xmp()
	}
	return nil
}

// wholeDecodeKind names the kind of source, for messages, when its
// decoder holds the whole image in memory: the formats decoded in Go and
// those the checks flagged (interlaced PNG, progressive JPEG, GIF, HEIF,
// AVIF, JPEG XL); empty when the pixels stream.
func wholeDecodeKind(t SourceType, dec *goDecoder, c *sourceCheck) string {
	switch {
	case dec != nil:
		return t.MimeType()
	case c != nil:
		return c.wholeDecode
	}
	return ""
}

// sourceHeader reads the header of a file of type t with libvips, or with
// its Go decoder. Errors carry the contract reason.
func sourceHeader(path string, t SourceType, dec *goDecoder, options string) (header, error) {
	var h header
	var err error
	switch {
	case dec != nil:
		h, err = dec.header(path)
	case t == TypeSVG:
		h, err = readHeaderWith(path, loaders[t], options)
	default:
		h, err = readHeader(path, options)
	}
	if errors.Is(err, errNoLoader) {
		if !hasOperation(loaders[t]) {
			return h, api.Wrap(api.ReasonSourceFormatUnsupported, err,
				"source looks like "+t.MimeType()+" but no decoder in this build reads it")
		}
		// The loader exists but its own check of the first bytes failed.
		return h, api.Wrap(api.ReasonSourceCorrupt, err,
			"source is a corrupt "+t.MimeType()+" file: its header cannot be read")
	}
	var ae *api.Error
	if errors.As(err, &ae) {
		return h, err
	}
	if err != nil {
		return h, api.Wrap(api.ReasonSourceCorrupt, err,
			"source is a corrupt "+t.MimeType()+" file: its header cannot be read")
	}
	if h.Width < 1 || h.Height < 1 {
		return h, api.Errorf(api.ReasonSourceCorrupt, "source header gives an empty image (%dx%d)", h.Width, h.Height)
	}
	return h, nil
}

// sourceDPI returns the resolution a header records, per upright axis:
// defaultDPI when it records none (libvips then says 1 pixel per mm) and
// for vector sources, which are drawn at defaultDPI.
func sourceDPI(h header, vector bool) [2]float64 {
	dpi := func(res float64) float64 {
		if vector || res <= 0 || res == 1 {
			return defaultDPI
		}
		return res * 25.4
	}
	x, y := dpi(h.XRes), dpi(h.YRes)
	if h.Orientation >= 5 && h.Orientation <= 8 {
		x, y = y, x
	}
	return [2]float64{x, y}
}

// planSize computes the rendition layout and enforces MaxOutputPixels.
func planSize(_ context.Context, j *job) error {
	src := upright(size{j.header.Width, j.header.Height}, j.header.Orientation)
	lay, err := planLayout(src, sourceDPI(j.header, j.srcType.vector()), j.srcType.vector(), j.r)
	if err != nil {
		return err
	}
	j.lay = lay
	if c := j.r.Crop; c != nil && !c.Smart {
		j.crop = &CropRect{c.X, c.Y, c.W, c.H}
	}
	if px := lay.out.pixels() * int64(j.frames); px > j.limits.MaxOutputPixels {
		return api.Errorf(api.ReasonRenditionTooLarge, "rendition would be %dx%d%s (%s), more than the limit of %s; ask for a smaller width or height",
			lay.out.W, lay.out.H, framesNote(j.frames), megapixels(px), megapixels(j.limits.MaxOutputPixels))
	}
	switch {
	case j.r.ConvertToDPI != nil:
		j.outDPI = j.r.ConvertToDPI
	case j.r.DPI != nil:
		j.outDPI = j.r.DPI
	}
	if j.r.DPI != nil {
		j.outDPI = j.r.DPI // dpi, metadata only, has the last word
	}
	if !dpiFormats[j.fmt] {
		j.outDPI = nil
	}
	return nil
}

func framesNote(frames int) string {
	if frames > 1 {
		return fmt.Sprintf(" x %d frames", frames)
	}
	return ""
}

// loaderOptions are the libvips loader options of the rendition: fail on
// truncated data, the page, every frame of an animation, and the
// background a PDF page is drawn on.
func (j *job) loaderOptions() string {
	opts := []string{"fail_on=truncated"}
	if j.page > 0 {
		opts = append(opts, "page="+strconv.Itoa(j.page))
	}
	if j.animated() {
		opts = append(opts, "n=-1")
	}
	if j.srcType == TypePDF && j.r.Background != "" {
		if rgb, err := parseColour(j.r.Background); err == nil {
			opts = append(opts, fmt.Sprintf("background=%g %g %g 255", rgb[0], rgb[1], rgb[2]))
		}
	}
	return strings.Join(opts, ",")
}

// load runs vips_thumbnail over the source with o, from the file or from
// the image the Go decoder made. A JPEG is opened with the largest DCT
// scaling (1, 1/2, 1/4, 1/8) that leaves it at least as large as asked
// (see jpegShrink), resized by resizedThumbnail, and vips_thumbnail_image
// does the rest (orientation, colour).
func (j *job) load(ctx context.Context, o thumbnailOptions) (*vipsImage, error) {
	if j.onLoad != nil {
		j.onLoad(j.src)
	}
	if j.dec == nil {
		opts := j.loaderOptions()
		if j.srcType == TypeJPEG {
			if s := jpegShrink(j.header, o); s > 1 {
				opts += ",shrink=" + strconv.Itoa(s)
			}
			img, err := j.openSource(opts)
			if err != nil {
				return nil, err
			}
			defer img.close()
			return resizedThumbnail(img, o)
		}
		o.Loader = opts
		return thumbnailOf(j.read(), j.srcType, j.header, o)
	}
	decoded, err := j.dec.decode(ctx, j.src)
	if err != nil {
		return nil, err
	}
	defer decoded.close()
	return decoded.thumbnailImage(o)
}

// resizedThumbnail is img.thumbnailImage(o) with the resize done first by
// acs_resize, whose passes are vectorised, where img (8-bit sRGB or
// grey, no alpha) allows: vips_thumbnail_image then finds the image at its
// size and only orients it and transforms its colours, which it does
// after its resize anyway. The result matches vips_thumbnail_image's to
// rounding (resize_test.go).
func resizedThumbnail(img *vipsImage, o thumbnailOptions) (*vipsImage, error) {
	if o.Size == sizeForce {
		w, h := o.Width, o.Height
		if r := img.orientation(); r >= 5 && r <= 8 {
			w, h = h, w // resized before vips_thumbnail_image turns it
		}
		pre, ok, err := img.resized(w, h)
		if err != nil {
			return nil, err
		}
		if ok {
			defer pre.close()
			return pre.thumbnailImage(o)
		}
	}
	return img.thumbnailImage(o)
}

// openSource opens the source lazily with loader options opts, with the
// loader that read its header: libvips' own detection, which the header
// read went through, asks every loader in turn whether it reads the file,
// and those without a check of their own on a stream (ImageMagick,
// OpenSlide, FITS, ...) open the file again by name to look at it, a
// dozen opens per source.
func (j *job) openSource(opts string) (*vipsImage, error) {
	if strings.HasSuffix(j.header.Loader, "_source") {
		return openWith(j.read(), j.header.Loader, opts, "load")
	}
	return openImage(j.read(), opts)
}

// jpegShrink returns the DCT scaling (1, 2, 4 or 8) a JPEG of header h is
// decoded with for the thumbnail o: the largest that keeps the decoded
// image at least as large as the thumbnail (for a cover, as the box it
// covers).
//
// vips_thumbnail itself leaves a factor of two for its final resize (it
// decodes a 4000x3000 JPEG at 1/4 for a 256-pixel thumbnail), trading
// speed for a little sharpness; the DCT scaling averages 8x8 blocks,
// which is already a proper low-pass filter, so the engine takes the whole
// factor as sharp's default "fast shrink-on-load" does. The decoding, the
// bulk of a thumbnail's time, is about a fifth faster; the mean difference
// to vips_thumbnail's result is 0.4 to 1.6 levels in 255.
func jpegShrink(h header, o thumbnailOptions) int {
	w, ht := o.Width, o.Height
	if h.Orientation >= 5 && h.Orientation <= 8 {
		w, ht = ht, w // the decoder sees the stored, unrotated image
	}
	shrink := min(float64(h.Width)/float64(w), float64(h.Height)/float64(ht))
	for _, s := range []int{8, 4, 2} {
		if shrink >= float64(s) {
			return s
		}
	}
	return 1
}

// shrink builds the lazy libvips pipeline that loads, orients and resizes
// the source: vips_thumbnail shrinks on load where the format can (JPEG by
// DCT scaling, WebP, PDF and SVG by rendering small) and otherwise streams
// the source through the resize a few scanlines at a time. A rectangle
// crop is cut from this image in the next step; a smart crop is made here
// by vips_thumbnail's attention strategy, except for an animation, whose
// frames are all cut where the first frame's attention lies.
//
// Colour: vips_thumbnail always imports CMYK (through the embedded profile,
// or its built-in CMYK profile) and outputs sRGB; other sources with an
// embedded profile are transformed to sRGB by asking for an sRGB export
// profile. For CMYK that request only made libvips 8.14 warn "profile
// incompatible with image", for the same pixels, so it is not made.
// Nor is it for a source whose profile is sRGB already (srgb.go).
func shrink(ctx context.Context, j *job) error {
	o := thumbnailOptions{
		Width: j.lay.load.W, Height: j.lay.load.H, Size: sizeForce,
		ExportSRGB: needsSRGBExport(j.header),
	}
	if j.lay.smart {
		// Cover the box; placeSmartCrop chooses the cut.
		c := coverSize(upright(size{j.header.Width, j.header.Height}, j.header.Orientation), j.lay.out)
		o.Width, o.Height = c.W, c.H
	}
	img, err := j.load(ctx, o)
	if err != nil {
		var ae *api.Error
		if errors.As(err, &ae) {
			return err
		}
		return api.Wrap(api.ReasonSourceCorrupt, err, "source "+j.srcType.MimeType()+" file cannot be decoded")
	}
	j.replace(img)
	return nil
}

// needsSRGBExport reports whether a source with header h is transformed
// to sRGB through its embedded profile (see shrink).
func needsSRGBExport(h header) bool {
	return h.HasProfile && h.Space != spaceCMYK && !isSRGB(h.ICC)
}

// cropFrames cuts the rectangle crop, or the cut placeSmartCrop chose,
// out of the loaded image (out of each frame of an animation).
func cropFrames(_ context.Context, j *job) error {
	lay := j.lay
	var cut rect
	switch {
	case lay.cut != nil:
		cut = *lay.cut
	default:
		return nil
	}
	frameH := j.img.height() / j.frames
	parts := make([]*vipsImage, 0, j.frames)
	defer func() {
		for _, p := range parts {
			p.close()
		}
	}()
	for i := 0; i < j.frames; i++ {
		c := cut
		c.Y += i * frameH
		p, err := j.img.extract(c)
		if err != nil {
			return api.Wrap(api.ReasonGeneric, err, "crop: the region cannot be cut out")
		}
		parts = append(parts, p)
	}
	var img *vipsImage
	if len(parts) == 1 {
		img, parts = parts[0], nil
	} else {
		var err error
		if img, err = join(parts); err != nil {
			return api.Wrap(api.ReasonGeneric, err, "crop: the frames cannot be joined")
		}
		img.setInt("page-height", cut.H) // a new image, owned here
	}
	j.replace(img)
	if lay.cropFirst {
		// Scale the cut region to the rendition size.
		scaled, err := j.img.thumbnailImage(thumbnailOptions{Width: lay.out.W, Height: lay.out.H, Size: sizeForce})
		if err != nil {
			return api.Wrap(api.ReasonGeneric, err, "crop: the region cannot be scaled")
		}
		j.replace(scaled)
	}
	return nil
}

// toOutputColour brings the image to 8-bit sRGB or grey. The ICC
// transform, when the source had a profile, happened in shrink, and
// vips_thumbnail already scales 16-bit sources to 8 bits; this step
// catches the other colour spaces.
func toOutputColour(_ context.Context, j *job) error {
	img, err := outputColour(j.img)
	if err != nil {
		return api.Wrap(api.ReasonSourceCorrupt, err, "source colours cannot be converted to sRGB")
	}
	if img != nil {
		j.replace(img)
	}
	return nil
}

// outputColour returns img converted to 8-bit sRGB or grey, or nil when it
// already is.
func outputColour(img *vipsImage) (*vipsImage, error) {
	want := spaceSRGB
	switch img.space() {
	case spaceBW, spaceGrey16:
		want = spaceBW
	}
	if want == img.space() && img.isUchar() {
		return nil, nil
	}
	return img.colourspace(want)
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

// recordResolution sets the resolution the rendition records (dpi, or
// convertToDpi's), in libvips' pixels per millimetre.
func recordResolution(_ context.Context, j *job) error {
	if j.outDPI == nil {
		return nil
	}
	img, err := j.img.withResolution(j.outDPI.X/25.4, j.outDPI.Y/25.4)
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "dpi: the resolution cannot be recorded")
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
		img, err = j.img.decodeThreads(j.threads)
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
	if j.animated() {
		img, err := j.img.stripped()
		if err != nil {
			return api.Wrap(api.ReasonGeneric, err, "animation cannot be prepared")
		}
		img.setInt("page-height", j.img.height()/j.frames)
		j.replace(img)
	}
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
