package image

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

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
	// DefaultMaxOutputPixels is the default largest rendition, 25
	// megapixels (for example 6000x4166): the rendition is held in memory
	// once decoded (at most 100 MB for 8-bit RGBA).
	DefaultMaxOutputPixels int64 = 25_000_000
)

// Limits bound the work one rendition may cause. A zero field takes its
// default; a negative one is invalid.
type Limits struct {
	// MaxSourceBytes is the largest source file accepted, checked before
	// the file is opened by libvips (SourceTooLarge).
	MaxSourceBytes int64
	// MaxSourcePixels is the largest source accepted, in width x height
	// pixels of its first page, checked from the header before any pixel
	// is decoded (SourceTooLarge).
	MaxSourcePixels int64
	// MaxOutputPixels is the largest rendition accepted, in width x height
	// pixels, checked before the source is decoded (RenditionTooLarge).
	MaxOutputPixels int64
}

// Validate checks the limits.
func (l Limits) Validate() error {
	for _, f := range []struct {
		name string
		v    int64
	}{{"MaxSourceBytes", l.MaxSourceBytes}, {"MaxSourcePixels", l.MaxSourcePixels}, {"MaxOutputPixels", l.MaxOutputPixels}} {
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
	if l.MaxOutputPixels == 0 {
		l.MaxOutputPixels = DefaultMaxOutputPixels
	}
	return l
}

// Options configure an Engine.
type Options struct {
	Limits Limits
	// Threads is the number of libvips worker threads per image pipeline;
	// 0 means GOMAXPROCS. libvips holds this setting per process: the
	// first successful New sets it and later ones leave it.
	Threads int
}

// Validate checks the options.
func (o Options) Validate() error {
	if o.Threads < 0 {
		return fmt.Errorf("image: Options.Threads must be 0 (the default) or positive, got %d", o.Threads)
	}
	return o.Limits.Validate()
}

// Engine makes image renditions with libvips. It is safe for concurrent
// use by several goroutines.
type Engine struct {
	limits Limits
}

var (
	startOnce sync.Once
	startErr  error
	// writable holds the fmts this libvips build can encode; set once by
	// startup and read-only afterwards.
	writable map[string]bool
)

// startup starts libvips and probes its savers, once per process.
func startup(threads int) error {
	startOnce.Do(func() {
		if threads == 0 {
			threads = runtime.GOMAXPROCS(0)
		}
		if startErr = vipsStartup(threads); startErr != nil {
			return
		}
		writable, startErr = probeSavers()
	})
	if startErr != nil {
		return fmt.Errorf("image: starting libvips: %w", startErr)
	}
	return nil
}

// New validates opts, starts libvips (once per process) and returns an
// engine.
func New(opts Options) (*Engine, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := startup(opts.Threads); err != nil {
		return nil, err
	}
	return &Engine{limits: opts.Limits.withDefaults()}, nil
}

// Limits returns the engine's limits, defaults filled in.
func (e *Engine) Limits() Limits { return e.limits }

// Result describes a rendition that was written.
type Result struct {
	// Width and Height are the rendition's size in pixels.
	Width, Height int
	// Format is the canonical fmt (png, jpg, ...).
	Format string
	// MimeType is the media type of Format.
	MimeType string
	// Source is the detected type of the source.
	Source SourceType
}

// Render makes rendition r of the image file at srcPath and writes it to
// outPath. It carries out fmt, width, height, maxWidth, maxHeight, upscale,
// quality, compressionLevel, interlace (jpg, png) and background. A
// rendition asking for crop, watermark, convertToDpi, jpegSize, a page
// other than 1, animated or xmp fails with GenericError, as those are not
// supported yet; dpi, name, target and the other non-image fields are
// ignored.
//
// Errors are *api.Error values with the contract reason: SourceFormatUnsupported
// for a source that is not a supported image, SourceCorrupt for one that
// cannot be decoded in full, SourceTooLarge and RenditionTooLarge for the
// limits, RenditionFormatUnsupported for a fmt this build cannot write. When
// ctx ends first the error wraps ctx.Err(). On any error no file is left at
// outPath.
func (e *Engine) Render(ctx context.Context, srcPath string, r api.Rendition, outPath string) (res *Result, err error) {
	j := &job{limits: e.limits, src: srcPath, r: r, fmt: api.CanonicalFormat(r.Fmt)}
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
		if err := s.run(ctx, j); err != nil {
			return nil, err
		}
	}
	if err := ctxErr(ctx, "save"); err != nil {
		return nil, err
	}
	if err := j.write(ctx, outPath); err != nil {
		return nil, err
	}
	return &Result{
		Width:    j.img.width(),
		Height:   j.img.height(),
		Format:   j.fmt,
		MimeType: api.FormatMimeType(j.fmt),
		Source:   j.srcType,
	}, nil
}

// ctxErr returns an error wrapping ctx.Err() when ctx is done.
func ctxErr(ctx context.Context, step string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("image: rendition stopped before %s: %w", step, err)
	}
	return nil
}

// write saves the image next to outPath and renames it into place, so
// outPath only ever holds a complete rendition.
func (j *job) write(ctx context.Context, outPath string) error {
	tmp, err := os.CreateTemp(filepath.Dir(outPath), "."+filepath.Base(outPath)+".partial-*")
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "rendition file cannot be created")
	}
	tmpPath := tmp.Name()
	_ = tmp.Close()
	done := false
	defer func() {
		if !done {
			_ = os.Remove(tmpPath)
		}
	}()
	err = whileAlive(ctx, j.img, func() error { return j.img.save(tmpPath, j.save) })
	if err != nil {
		if cerr := ctxErr(ctx, "the rendition was written"); cerr != nil {
			return errors.Join(cerr, err)
		}
		return api.Wrap(api.ReasonGeneric, err, fmt.Sprintf("rendition cannot be encoded as %s", j.fmt))
	}
	if err := os.Rename(tmpPath, outPath); err != nil {
		return api.Wrap(api.ReasonGeneric, err, "rendition file cannot be moved into place")
	}
	done = true
	return nil
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
