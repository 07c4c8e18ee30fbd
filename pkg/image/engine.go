package image

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Default limits; see Limits.
const (
	// DefaultMaxSourceBytes is the default largest source file, 1 GiB.
	DefaultMaxSourceBytes int64 = 1 << 30
	// DefaultMaxSourcePixels is the default largest source, 300 megapixels:
	// above giant-image-class panoramas (20000x14000 = 280 MP), which
	// shrink-on-load renders cheaply.
	DefaultMaxSourcePixels int64 = 300_000_000
	// DefaultMaxFullDecodePixels is the default largest source decoded
	// whole into memory (BMP, PSD, interlaced PNG, progressive JPEG, GIF,
	// HEIF, AVIF, JPEG XL), 100 megapixels: at most 800 MB for 16-bit
	// RGBA, 400 MB for 8-bit.
	DefaultMaxFullDecodePixels int64 = 100_000_000
	// DefaultMaxOutputPixels is the default largest rendition, 25
	// megapixels (for example 6000x4166): the rendition is held in memory
	// once decoded (at most 100 MB for 8-bit RGBA).
	DefaultMaxOutputPixels int64 = 25_000_000
	// DefaultMaxFrames is the default largest number of frames of an
	// animated rendition.
	DefaultMaxFrames = 1000
	// DefaultMaxPages is the default largest number of pages a source may
	// declare (PDF, TIFF, HEIF).
	DefaultMaxPages = 10000
	// DefaultMaxPDFPageBytes is the default most a PDF page may
	// decompress to, 128 MiB: far above real pages (a few MB; maps and
	// drawings some tens), and parsed by poppler in well under a second.
	DefaultMaxPDFPageBytes int64 = 128 << 20
)

// Limits bound the work one rendition may cause. They are checked from the
// source's header, before any pixel is decoded. A zero field takes its
// default; a negative one is invalid.
type Limits struct {
	// MaxSourceBytes is the largest source file accepted, checked before
	// the file is opened by libvips (SourceTooLarge). It applies to a
	// watermark image too. A deployment sets it with the setting
	// maxSourceBytes, which sets the transfer's limit too (package
	// settings), as it sets the other limits with imageMaxSourcePixels, ...
	MaxSourceBytes int64
	// MaxSourcePixels is the largest source accepted, in width x height
	// pixels of the page rendered, times the frames of an animated
	// rendition (SourceTooLarge).
	MaxSourcePixels int64
	// MaxFullDecodePixels is the largest source accepted among those whose
	// decoder holds the whole image in memory before resizing (BMP, PSD,
	// interlaced PNG, progressive JPEG, GIF, HEIF, AVIF, JPEG XL), in
	// pixels (SourceTooLarge). It also bounds each image a PDF page draws,
	// which poppler decodes whole at its own size.
	MaxFullDecodePixels int64
	// MaxOutputPixels is the largest rendition accepted, in width x height
	// pixels times its frames (RenditionTooLarge).
	MaxOutputPixels int64
	// MaxFrames is the largest number of frames of an animated rendition
	// (SourceTooLarge).
	MaxFrames int
	// MaxPages is the largest number of pages or images a source may
	// declare, whichever page is rendered (SourceTooLarge).
	MaxPages int
	// MaxPDFPageBytes is the most the PDF page rendered may decompress
	// to: its content streams, fonts, forms, patterns, shadings and
	// annotation appearances together, images excepted (SourceTooLarge).
	// It also bounds the content parsed to draw the page, in which a form
	// counts each time it is invoked, plus 2 kB per invocation. It is
	// checked by reading the page's streams up to the limit, before
	// libvips draws the page.
	MaxPDFPageBytes int64
}

// Validate checks the limits.
func (l Limits) Validate() error {
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"MaxSourceBytes", l.MaxSourceBytes}, {"MaxSourcePixels", l.MaxSourcePixels},
		{"MaxFullDecodePixels", l.MaxFullDecodePixels}, {"MaxOutputPixels", l.MaxOutputPixels},
		{"MaxFrames", int64(l.MaxFrames)}, {"MaxPages", int64(l.MaxPages)},
		{"MaxPDFPageBytes", l.MaxPDFPageBytes},
	} {
		if f.v < 0 {
			return fmt.Errorf("image: Limits.%s must be 0 (the default) or positive, got %d", f.name, f.v)
		}
	}
	return nil
}

func (l Limits) withDefaults() Limits {
	if l.MaxSourceBytes == 0 {
		l.MaxSourceBytes = DefaultMaxSourceBytes
	}
	if l.MaxSourcePixels == 0 {
		l.MaxSourcePixels = DefaultMaxSourcePixels
	}
	if l.MaxFullDecodePixels == 0 {
		l.MaxFullDecodePixels = DefaultMaxFullDecodePixels
	}
	if l.MaxOutputPixels == 0 {
		l.MaxOutputPixels = DefaultMaxOutputPixels
	}
	if l.MaxFrames == 0 {
		l.MaxFrames = DefaultMaxFrames
	}
	if l.MaxPages == 0 {
		l.MaxPages = DefaultMaxPages
	}
	if l.MaxPDFPageBytes == 0 {
		l.MaxPDFPageBytes = DefaultMaxPDFPageBytes
	}
	return l
}

// DefaultMallocArenas is the default cap on glibc malloc arenas; see
// Options.MallocArenas.
const DefaultMallocArenas = 2

// Options configure an Engine.
type Options struct {
	Limits Limits
	// Threads is the number of libvips worker threads per image pipeline;
	// 0 means 1. A thumbnail pipeline is short and mostly serial
	// (decoding), so one thread per render and one render per core gives
	// the best throughput; see docs/image-renditions.md for the
	// measurements. libvips holds this setting per process: the first
	// successful New sets it and later ones leave it.
	Threads int
	// MallocArenas caps glibc's malloc arenas (M_ARENA_MAX) for the
	// process; 0 means DefaultMallocArenas, unless the environment sets
	// MALLOC_ARENA_MAX, which then wins; -1 leaves glibc's default (8 per
	// core). Every libvips thread otherwise gets its own arena, which
	// multiplies the resident size of a long-lived process. With a cap,
	// blocks of up to 32 MB also stay in the heap for the next rendition
	// to reuse (M_MMAP_THRESHOLD 32 MB, M_TRIM_THRESHOLD 64 MB, unless the
	// environment sets MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_)
	// rather than being mapped and faulted in afresh each time. Like
	// Threads it is set once per process, by the first New.
	MallocArenas int
	// LibvipsWarnings keeps libvips' warnings, which it writes to stderr;
	// by default they are dropped, since what fails is reported as an
	// error anyway. Set once per process, by the first New.
	LibvipsWarnings bool
	// OnSourceLoad, when set, is called with the source path each time a
	// render, a Pixels call or a Pyramid level starts loading a source's
	// pixels (the shrink-on-load step), so that a test or a metric can
	// count how often one source is decoded. It must be safe for
	// concurrent use.
	OnSourceLoad func(path string)
}

// Validate checks the options.
func (o Options) Validate() error {
	if o.Threads < 0 {
		return fmt.Errorf("image: Options.Threads must be 0 (the default) or positive, got %d", o.Threads)
	}
	if o.MallocArenas < -1 {
		return fmt.Errorf("image: Options.MallocArenas must be -1 (glibc's default), 0 (the default) or positive, got %d", o.MallocArenas)
	}
	return o.Limits.Validate()
}

// Engine makes image renditions with libvips. It is safe for concurrent
// use by several goroutines.
type Engine struct {
	limits Limits
	onLoad func(path string)
}

var (
	startOnce sync.Once
	startErr  error
)

// startup starts libvips, once per process, or waits until the start
// under way is done.
func startup(threads, arenas int, warnings bool) error {
	startOnce.Do(func() { startErr = vipsStart(threads, arenas, warnings) })
	if startErr != nil {
		return fmt.Errorf("image: starting libvips: %w", startErr)
	}
	return nil
}

// vipsStart starts libvips with the defaults of Options filled in.
func vipsStart(threads, arenas int, warnings bool) error {
	if threads == 0 {
		threads = 1
	}
	switch {
	case arenas == 0 && os.Getenv("MALLOC_ARENA_MAX") != "":
		// glibc read it at start-up; leave it.
	case arenas == 0:
		arenas = DefaultMallocArenas
	case arenas == -1:
		arenas = 0
	}
	return vipsStartup(threads, arenas, warnings)
}

// New validates opts and returns an engine. It starts libvips (once per
// process, with the options of the first New) in the background: the
// first Render waits for it, and fails with its error, so that what a
// process does before its first image (parsing a request, fetching a
// source, extracting a video frame) overlaps the 10 to 20 ms libvips takes
// to load its modules.
func New(opts Options) (*Engine, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	// Claim the start for these options before returning, so that no
	// other start (OutputFormats, a Render) runs with its defaults.
	claimed := make(chan struct{})
	go func() {
		ran := false
		startOnce.Do(func() {
			ran = true
			close(claimed)
			startErr = vipsStart(opts.Threads, opts.MallocArenas, opts.LibvipsWarnings)
		})
		if !ran {
			close(claimed)
		}
	}()
	<-claimed
	return &Engine{limits: opts.Limits.withDefaults(), onLoad: opts.OnSourceLoad}, nil
}

// Limits returns the engine's limits, defaults filled in.
func (e *Engine) Limits() Limits { return e.limits }

// WithLimits returns an engine like e with limits l instead, zero fields
// taking their defaults, for example to apply an activation's deployment
// settings. It is cheap: libvips is not started again, and the engines
// share its process-wide settings.
func (e *Engine) WithLimits(l Limits) (*Engine, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	return &Engine{limits: l.withDefaults(), onLoad: e.onLoad}, nil
}

// Result describes a rendition that was written.
type Result struct {
	// Width and Height are the rendition's size in pixels (of one frame,
	// for an animation).
	Width, Height int
	// Frames is the number of frames: 1 unless the rendition is animated.
	Frames int
	// Format is the canonical fmt (png, jpg, ...).
	Format string
	// MimeType is the media type of Format.
	MimeType string
	// Source is the detected type of the source.
	Source SourceType
	// Quality is the encoder quality used, 0 for formats without one; for
	// a jpegSize rendition it is the quality the search settled on.
	Quality int
	// Bytes is the size of the rendition file.
	Bytes int64
	// Crop is the part of the source a cropped rendition (crop rectangle
	// or "smart") shows, in upright source pixels; nil when not cropped.
	Crop *CropRect
	// FacesBlurred is the number of faces blurFaces blurred (in all the
	// frames of an animation).
	FacesBlurred int
	// Encode is the part of Render's time spent encoding the pixels and
	// writing the file; the rest went to reading the source and decoding,
	// resizing and converting its pixels, which libvips does in one pass.
	Encode time.Duration
}

// FetchFunc fetches a file a rendition refers to by URL (the watermark
// image) and returns the path of a local copy, which the caller of Render
// owns and removes. Its errors should carry an api reason.
type FetchFunc func(ctx context.Context, url string) (path string, err error)

// RenderOptions are the per-call options of Render.
type RenderOptions struct {
	// Fetch fetches the watermark image. Without it a rendition that asks
	// for a watermark fails with GenericError.
	Fetch FetchFunc
	// Threads, when positive, is the number of libvips worker threads
	// that decode this rendition's pipeline into memory, in place of
	// Options.Threads: more for a rendition that others wait on while
	// the cores would otherwise idle (the scaling that follows the
	// decoding of a large JPEG then runs beside it). 0 keeps Options.Threads.
	Threads int
}

// Render makes rendition r of the image file at srcPath and writes it to
// outPath. It carries out every image instruction of the contract: fmt,
// width, height, upscale, maxWidth, maxHeight, crop (a rectangle or
// "smart"), quality, jpegSize, interlace, dpi, convertToDpi, background,
// compressionLevel, page, watermark, xmp and animated; name, target and
// the other non-image fields are ignored. See the package documentation
// for what each does and the defaults.
//
// Errors are *api.Error values with the contract reason: GenericError
// naming the field for an instruction that cannot be carried out (a crop
// outside the source, a page it does not have, xmp for a format without
// XMP), SourceFormatUnsupported for a source that is not a supported image,
// SourceCorrupt for one that cannot be decoded in full, SourceTooLarge and
// RenditionTooLarge for the limits and for a jpegSize that even quality 1
// exceeds, SourceUnsupported for a PDF that needs a password,
// RenditionFormatUnsupported for a fmt this build cannot write.
// When ctx ends first the error wraps ctx.Err(). On any error no file is
// left at outPath.
func (e *Engine) Render(ctx context.Context, srcPath string, r api.Rendition, outPath string, opts RenderOptions) (res *Result, err error) {
	if err := startup(0, 0, false); err != nil { // New started it: wait
		_ = os.Remove(outPath)
		return nil, api.Wrap(api.ReasonGeneric, err, "image engine")
	}
	return e.render(ctx, srcPath, r, outPath, opts, nil)
}

// render is Render; a non-nil shrinkWith replaces the step that loads and
// shrinks the source (see Pyramid).
func (e *Engine) render(ctx context.Context, srcPath string, r api.Rendition, outPath string, opts RenderOptions,
	shrinkWith func(ctx context.Context, j *job) error) (res *Result, err error) {
	j := &job{limits: e.limits, src: srcPath, r: r, fmt: api.CanonicalFormat(r.Fmt), fetch: opts.Fetch,
		threads: opts.Threads, tmpDir: filepath.Dir(outPath), onLoad: e.onLoad}
	defer j.close()
	defer func() {
		if err != nil {
			// A file someone else left at outPath would pass for this
			// rendition; the contract is that nothing is there on failure.
			_ = os.Remove(outPath)
		}
	}()
	for _, s := range pipeline {
		if err := ctxErr(ctx, s.name); err != nil {
			return nil, err
		}
		run := s.run
		if shrinkWith != nil && s.name == stepShrink {
			run = shrinkWith
		}
		if err := run(ctx, j); err != nil {
			return nil, err
		}
	}
	if err := ctxErr(ctx, "save"); err != nil {
		return nil, err
	}
	encodeStart := time.Now()
	n, quality, err := j.write(ctx, outPath)
	if err != nil {
		return nil, err
	}
	encode := time.Since(encodeStart)
	return &Result{
		Width:    j.img.width(),
		Height:   j.img.height() / j.frames,
		Frames:   j.frames,
		Format:   j.fmt,
		MimeType: api.FormatMimeType(j.fmt),
		Source:   j.srcType,
		Quality:  quality,
		Bytes:    n,
		Crop:     j.crop,

		FacesBlurred: j.facesBlurred,
		Encode:       encode,
	}, nil
}

// ctxErr returns an error wrapping ctx.Err() when ctx is done.
func ctxErr(ctx context.Context, step string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("image: rendition stopped before %s: %w", step, err)
	}
	return nil
}

// embedding returns the metadata the rendition keeps; see metadata.go.
func (j *job) embedding() embedding {
	m := embedding{XMP: j.xmp, DPI: j.outDPI}
	if j.colourManaged && j.img.bands() >= 3 && j.fmt != "gif" {
		m.ICC = srgbProfile()
	}
	return m
}

// write encodes the image, adds the metadata it keeps and writes it next
// to outPath, then renames it into place, so outPath only ever holds a
// complete rendition. It returns the file size and the quality used.
func (j *job) write(ctx context.Context, outPath string) (int64, int, error) {
	m := j.embedding()
	img := j.img
	o := j.save
	switch o.Saver {
	case saveTIFF, saveAVIF, saveHEIC, saveJXL:
		// These savers write the metadata fields the image carries (the
		// JPEG XL saver only the profile).
		tagged, err := img.stripped()
		if err != nil {
			return 0, 0, api.Wrap(api.ReasonGeneric, err, "rendition metadata cannot be prepared")
		}
		defer tagged.close()
		tagged.setBlob("icc-profile-data", m.ICC)
		tagged.setBlob("xmp-data", m.XMP)
		img = tagged
		o.Strip = m.ICC == nil && m.XMP == nil && m.DPI == nil
		o.ResolutionInInches = m.DPI != nil
	default:
		o.Strip = true
	}

	var overhead int
	switch j.fmt {
	case "jpg":
		overhead = len(jpegSegments(m))
	}
	var enc *encoded
	var err error
	if j.r.JPEGSize != nil {
		enc, o.Quality, err = j.encodeWithin(ctx, img, o, *j.r.JPEGSize-int64(overhead))
	} else {
		enc, err = encodeAlive(ctx, img, o)
	}
	if err != nil {
		return 0, 0, err
	}
	defer enc.free()

	tmp, err := os.CreateTemp(filepath.Dir(outPath), "."+filepath.Base(outPath)+".partial-*")
	if err != nil {
		return 0, 0, api.Wrap(api.ReasonGeneric, err, "rendition file cannot be created")
	}
	tmpPath := tmp.Name()
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmpPath)
		}
	}()
	w := bufio.NewWriterSize(tmp, 256<<10)
	switch j.fmt {
	case "jpg":
		err = writeJPEG(w, enc.Data, m)
	case "png":
		err = writePNG(w, enc.Data, m)
	case "webp":
		err = writeWebP(w, enc.Data, m, size{img.width(), img.height() / j.frames})
	default:
		_, err = w.Write(enc.Data)
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Close()
	}
	if err != nil {
		return 0, 0, api.Wrap(api.ReasonGeneric, err, "rendition file cannot be written")
	}
	fi, err := os.Stat(tmpPath)
	if err != nil {
		return 0, 0, api.Wrap(api.ReasonGeneric, err, "rendition file cannot be written")
	}
	if err := os.Rename(tmpPath, outPath); err != nil {
		return 0, 0, api.Wrap(api.ReasonGeneric, err, "rendition file cannot be moved into place")
	}
	done = true
	quality := 0
	if j.enc.quality != 0 {
		quality = o.Quality
	}
	return fi.Size(), quality, nil
}

// encodeAlive encodes img, stopping libvips when ctx ends.
func encodeAlive(ctx context.Context, img *vipsImage, o saveOptions) (*encoded, error) {
	var enc *encoded
	err := whileAlive(ctx, img, func() error {
		var err error
		enc, err = img.encode(o)
		return err
	})
	if err != nil {
		if cerr := ctxErr(ctx, "the rendition was encoded"); cerr != nil {
			return nil, errors.Join(cerr, err)
		}
		return nil, api.Wrap(api.ReasonGeneric, err, "rendition cannot be encoded as "+formatName(o.Saver))
	}
	return enc, nil
}

// encodeWithin finds the highest quality, 1 to 100, whose encoding takes at
// most limit bytes: quality 100 first, then a binary search (at most 9
// encodes in all). When even
// quality 1 is larger the rendition fails with RenditionTooLarge.
func (j *job) encodeWithin(ctx context.Context, img *vipsImage, o saveOptions, limit int64) (*encoded, int, error) {
	try := func(q int) (*encoded, bool, error) {
		o.Quality = q
		enc, err := encodeAlive(ctx, img, o)
		if err != nil {
			return nil, false, err
		}
		return enc, int64(len(enc.Data)) <= limit, nil
	}
	best, ok, err := try(100)
	if err != nil || ok {
		return best, 100, err
	}
	best.free()
	best, ok, err = try(1)
	if err != nil {
		return nil, 0, err
	}
	if !ok {
		n := len(best.Data)
		best.free()
		return nil, 0, api.Errorf(api.ReasonRenditionTooLarge,
			"jpegSize: even at quality 1 the rendition takes %d bytes, more than the %d asked for; ask for a smaller width or height",
			n+int(*j.r.JPEGSize-limit), *j.r.JPEGSize)
	}
	bestQ := 1
	lo, hi := 2, 99
	for lo <= hi {
		mid := (lo + hi) / 2
		enc, ok, err := try(mid)
		if err != nil {
			best.free()
			return nil, 0, err
		}
		if ok {
			best.free()
			best, bestQ = enc, mid
			lo = mid + 1
		} else {
			enc.free()
			hi = mid - 1
		}
	}
	return best, bestQ, nil
}

// formatName is the fmt a saver writes, for messages.
func formatName(s saver) string {
	for f, e := range encoders {
		if e.saver == s {
			return f
		}
	}
	return "an image"
}

// whileAlive runs a long libvips computation on img and kills it when ctx
// ends first, so a deadline also stops work inside libvips.
func whileAlive(ctx context.Context, img *vipsImage, run func() error) error {
	stop := make(chan struct{})
	watcher := make(chan struct{})
	go func() {
		defer close(watcher)
		select {
		case <-ctx.Done():
			img.kill()
		case <-stop:
		}
	}()
	err := run()
	close(stop)
	<-watcher // img must outlive the watcher
	return err
}
