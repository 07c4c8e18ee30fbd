package raw

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/cage"
)

// Mode is the raw instruction of a rendition (api.Rendition.Raw): how a
// camera raw source becomes a picture.
type Mode string

// The modes.
const (
	// ModeAuto uses the smallest embedded preview at least the size
	// asked for, and develops the raw data when none is.
	ModeAuto Mode = ""
	// ModePreview uses the best embedded preview whatever its size (still
	// refusing a postage stamp).
	ModePreview Mode = "preview"
	// ModeDevelop always develops the raw data with LibRaw.
	ModeDevelop Mode = "develop"
)

// Default limits.
const (
	DefaultMaxSensorPixels = 250_000_000
	DefaultMaxPreviewBytes = 64 << 20
	DefaultCPUSeconds      = 60
)

// Limits bound the work on one raw file.
type Limits struct {
	// MaxSensorPixels is the largest declared sensor (width x height)
	// developed; larger is SourceTooLarge before LibRaw starts.
	MaxSensorPixels int64
	// MaxPreviewBytes is the largest embedded preview read.
	MaxPreviewBytes int64
	// CPUSeconds is LibRaw's CPU-time limit per develop.
	CPUSeconds uint64
	// MemoryBytes is LibRaw's address-space limit; 0 scales it with the
	// sensor (16 bytes a pixel plus 256 MiB, at least 512 MiB).
	MemoryBytes uint64
}

func (l Limits) withDefaults() Limits {
	if l.MaxSensorPixels == 0 {
		l.MaxSensorPixels = DefaultMaxSensorPixels
	}
	if l.MaxPreviewBytes == 0 {
		l.MaxPreviewBytes = DefaultMaxPreviewBytes
	}
	if l.CPUSeconds == 0 {
		l.CPUSeconds = DefaultCPUSeconds
	}
	return l
}

// Options configure an Engine.
type Options struct {
	// Limits bound each file; zero fields take the defaults.
	Limits Limits
	// DcrawEmu is the LibRaw dcraw_emu program; "" looks it up in PATH
	// and the system directories. Without it raw data is not developed
	// (previews still are used).
	DcrawEmu string
	// TempDir is where the cage makes its private directories.
	TempDir string
}

// Engine turns camera raw files into pictures the image engine renders:
// an embedded preview, or the raw data developed by LibRaw in a caged
// child process. It holds no state beyond its configuration.
type Engine struct {
	limits Limits
	dcraw  string
	cage   *cage.Cage
}

// New returns an engine. A missing dcraw_emu or prlimit is no error: the
// engine then uses previews only (see CanDevelop).
func New(opts Options) (*Engine, error) {
	e := &Engine{limits: opts.Limits.withDefaults()}
	prog := opts.DcrawEmu
	if prog == "" {
		prog = "dcraw_emu"
	}
	if p, err := cage.LookPath(prog); err == nil {
		if c, err := cage.New(cage.Options{TempDir: opts.TempDir, NoNetwork: true}); err == nil {
			e.dcraw, e.cage = p, c
		}
	}
	return e, nil
}

// CanDevelop reports whether the engine can develop raw data (LibRaw's
// dcraw_emu and prlimit were found).
func (e *Engine) CanDevelop() bool { return e.cage != nil }

// Limits returns the engine's limits, defaults filled in.
func (e *Engine) Limits() Limits { return e.limits }

// WithLimits returns a copy of e with limits l, zero fields taking the
// defaults.
func (e *Engine) WithLimits(l Limits) *Engine {
	c := *e
	c.limits = l.withDefaults()
	return &c
}

// Request says what picture a rendition needs.
type Request struct {
	// Width and Height are the box the rendition fits in, upright; 0
	// leaves a side free. With neither the full size is needed.
	Width, Height int
	// Mode is the rendition's raw instruction.
	Mode Mode
}

// Source is a raw file: Reader reads it at any offset (ranged reads
// work) and Size is its length. Previews are read through Reader; only a
// develop needs a local file, which LocalPath gives when set (for
// example worker.Source.LocalPath), Path otherwise; with neither, the
// source is copied from Reader into the work directory.
type Source struct {
	Reader    io.ReaderAt
	Size      int64
	Path      string
	LocalPath func(context.Context) (string, error)
}

// Picture is the picture made of a raw file.
type Picture struct {
	// Path is the picture's file: a JPEG whose EXIF orientation is the raw
	// file's, a PNG (an uncompressed RGB preview, EXIF-less, to be
	// oriented by Orientation), or an upright TIFF developed by LibRaw.
	Path string
	// Developed is true when the raw data was developed, false for a
	// preview.
	Developed bool
	// Preview is the embedded preview used (when not Developed).
	Preview Preview
	// HalfSize is true when LibRaw developed at half size.
	HalfSize bool
	// Width and Height are the picture's size as stored.
	Width, Height int
	// Orientation is the EXIF orientation still to apply to the picture
	// (1 to 8): the raw file's, recorded in a preview JPEG's EXIF; 1 for a
	// developed picture or a PNG, already upright.
	Orientation int
	// Info is what the file declares.
	Info *Info
}

// Picture makes the picture of the raw file src that req needs, in dir
// (which must exist and which the caller removes): the smallest embedded
// preview at least the size asked for; otherwise the raw data developed
// by LibRaw, at half size when that suffices; otherwise the largest
// preview, unless it is a postage stamp: far smaller (less than half)
// than both the size asked for and the declared sensor, which is an error
// saying what the file holds (SourceCorrupt when the raw data is missing
// or LibRaw cannot read it, SourceUnsupported when LibRaw is not
// installed). A file cut short (a directory, a preview or the raw data
// lies beyond its end) is SourceCorrupt whatever it is asked for.
func (e *Engine) Picture(ctx context.Context, src Source, req Request, dir string) (*Picture, error) {
	info, err := Inspect(src.Reader, src.Size)
	if err != nil {
		return nil, err
	}
	if info.RawMissing != "" {
		// A cut file is corrupt, whatever part of it is still whole.
		return nil, api.Errorf(api.ReasonSourceCorrupt, "raw: the file is truncated: %s; it holds %s", info.RawMissing, info.found())
	}
	needW, needH := info.need(req)
	best, ok := info.choose(needW, needH)
	enough := ok && best.covers(info.Orientation, needW, needH)
	tiny := !ok || info.tiny(best, needW, needH)
	if req.Mode == ModeDevelop {
		return e.develop(ctx, src, info, needW, needH, dir)
	}
	if enough || (req.Mode == ModePreview && !tiny) {
		return e.preview(src, info, best, dir)
	}
	if req.Mode == ModePreview {
		return nil, api.Errorf(api.ReasonSourceUnsupported, "raw: no embedded preview is usable for this rendition (raw: preview): %s", info.found())
	}
	var devErr error
	switch {
	case !e.CanDevelop():
		devErr = api.Errorf(api.ReasonSourceUnsupported, "raw: developing the raw data needs LibRaw's dcraw_emu, which is not installed here")
	default:
		pic, err := e.develop(ctx, src, info, needW, needH, dir)
		if err == nil || ctx.Err() != nil || api.ReasonOf(err) == api.ReasonSourceTooLarge {
			return pic, err
		}
		devErr = err
	}
	if ok && !tiny {
		return e.preview(src, info, best, dir)
	}
	var ae *api.Error
	if errors.As(devErr, &ae) {
		return nil, api.Wrap(ae.Reason, devErr, fmt.Sprintf("%s; the file holds %s, too small for this rendition", ae.Message, info.found()))
	}
	return nil, devErr
}

// need returns the size, in stored (not upright) orientation, the
// picture must have: the default crop fitted inside the request's box,
// never enlarged; the box itself when the sensor size is unknown; 0 x 0
// when neither is known.
func (i *Info) need(req Request) (int, int) {
	bw, bh := req.Width, req.Height
	if i.Orientation >= 5 {
		bw, bh = bh, bw // the box in stored orientation
	}
	cw, ch := i.CropWidth, i.CropHeight
	if cw == 0 || ch == 0 {
		return bw, bh
	}
	scale := 1.0
	if bw > 0 {
		scale = math.Min(scale, float64(bw)/float64(cw))
	}
	if bh > 0 {
		scale = math.Min(scale, float64(bh)/float64(ch))
	}
	return int(math.Ceil(float64(cw) * scale)), int(math.Ceil(float64(ch) * scale))
}

// covers reports whether p (stored orientation) is at least needW x
// needH, within 3 % (a preview may be a few pixels smaller than the
// default crop), along the side that limits it.
func (p Preview) covers(_ int, needW, needH int) bool {
	if needW == 0 && needH == 0 {
		return false // the full size of an unknown sensor: no way to tell
	}
	ratio := 0.0
	if needW > 0 {
		ratio = float64(needW) / float64(p.Width)
	}
	if needH > 0 {
		r := float64(needH) / float64(p.Height)
		if needW == 0 || r < ratio {
			ratio = r
		}
	}
	return ratio <= 1.03
}

// choose returns the smallest preview that covers the need, else the
// largest.
func (i *Info) choose(needW, needH int) (Preview, bool) {
	if len(i.Previews) == 0 {
		return Preview{}, false
	}
	for k := len(i.Previews) - 1; k >= 0; k-- { // smallest first
		if i.Previews[k].covers(i.Orientation, needW, needH) {
			return i.Previews[k], true
		}
	}
	return i.Previews[0], true
}

// tiny reports whether p is a postage stamp: its long side less than half
// of the long side needed and less than half of the sensor's (of the
// long side needed alone when the file does not declare its sensor).
func (i *Info) tiny(p Preview, needW, needH int) bool {
	long := max(p.Width, p.Height)
	need := max(needW, needH)
	sensor := max(i.SensorWidth, i.SensorHeight)
	return need > 0 && 2*long < need && (sensor == 0 || 2*long < sensor)
}

// preview writes preview p of src into dir: a JPEG carrying the raw
// file's orientation, or a PNG of an RGB strip.
func (e *Engine) preview(src Source, info *Info, p Preview, dir string) (*Picture, error) {
	if p.Length > e.limits.MaxPreviewBytes {
		return nil, api.Errorf(api.ReasonSourceTooLarge, "raw: the embedded %s is %d bytes, more than the limit of %d", p, p.Length, e.limits.MaxPreviewBytes)
	}
	b := make([]byte, p.Length)
	if _, err := src.Reader.ReadAt(b, p.Offset); err != nil && !(errors.Is(err, io.EOF) && len(b) > 0) {
		return nil, api.Wrap(api.ReasonSourceCorrupt, err, fmt.Sprintf("raw: the embedded %s cannot be read", p))
	}
	pic := &Picture{Preview: p, Width: p.Width, Height: p.Height, Orientation: info.Orientation, Info: info}
	if p.RGB {
		img := image.NewNRGBA(image.Rect(0, 0, p.Width, p.Height))
		for k := 0; k < p.Width*p.Height; k++ {
			copy(img.Pix[4*k:], b[3*k:3*k+3])
			img.Pix[4*k+3] = 255
		}
		// PNG carries no orientation the image engine reads: turn the
		// pixels upright here.
		up := orient(img, info.Orientation)
		pic.Width, pic.Height, pic.Orientation = up.Rect.Dx(), up.Rect.Dy(), 1
		pic.Path = filepath.Join(dir, "preview.png")
		f, err := os.Create(pic.Path)
		if err != nil {
			return nil, api.Wrap(api.ReasonGeneric, err, "raw: preview file")
		}
		defer f.Close()
		if err := png.Encode(f, up); err != nil {
			return nil, api.Wrap(api.ReasonGeneric, err, "raw: preview file")
		}
		return pic, f.Close()
	}
	pic.Path = filepath.Join(dir, "preview.jpg")
	if err := os.WriteFile(pic.Path, withOrientation(b, info.Orientation), 0o600); err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "raw: preview file")
	}
	return pic, nil
}

// orient returns img turned upright from EXIF orientation o.
func orient(img *image.NRGBA, o int) *image.NRGBA {
	if o <= 1 || o > 8 {
		return img
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	out := image.NewNRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			copy(out.Pix[out.PixOffset(dx, dy):out.PixOffset(dx, dy)+4], img.Pix[img.PixOffset(x, y):img.PixOffset(x, y)+4])
		}
	}
	return out
}
