package image

import (
	"context"
	"errors"
	"runtime"
	"sort"
	"sync"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Pyramid makes several renditions of one source file with one decode of
// the source where Render would decode it once per rendition.
//
// The renditions it plans together are those that scale the whole of a
// raster source decoded by libvips (JPEG, PNG, TIFF, WebP, HEIF, AVIF,
// JPEG 2000, JPEG XL) to a size of their own: no crop, no watermark, no
// animation, the first page. Their sizes are sorted from the largest down.
// The largest is loaded as Render loads it (shrink-on-load at its size,
// orientation, colour to sRGB through the source's profile, CMYK
// imported) and kept in memory; each smaller size is resized from the
// nearest larger one (a 4000-pixel JPEG is decoded once, at full size,
// for 2048, 1280, 640, 319 and 48 pixels, rather than five times). What
// comes after, the conversion to 8-bit sRGB or grey, flattening, the
// resolution and encoding, is each rendition's own, and so is any
// failure: one rendition that fails (its encoding, its jpegSize) leaves
// the others alone. Every other rendition is made as Render makes it.
//
// A derived rendition is resized from an image already resized, not from
// the source; the tests bound its difference from Render's (PSNR, see
// pyramid_test.go).
//
// The intermediate images are released when every planned rendition has
// been made, or by Close. A Pyramid is safe for concurrent use.
type Pyramid struct {
	e    *Engine
	src  string
	list []api.Rendition

	mu      sync.Mutex
	planned bool
	levels  []*level // largest first; nil when nothing is planned
	pending int      // planned renditions not made yet
	shared  *levelImages
}

// level is one size of the plan.
type level struct {
	out size
	// parent is the level it is resized from, -1 for the source.
	parent int
	// users is how many renditions of the list are still to be made from
	// it, children how many levels are still to be resized from it: when
	// both are 0 its image is released.
	users, children int
	img             *vipsImage // decoded; nil until made or once released
	err             error      // why it could not be made, except the end of a context
}

// levelImages holds the decoded levels for the cleanup that frees them
// should the Pyramid be dropped before every rendition was made.
type levelImages struct {
	mu   sync.Mutex
	imgs []*vipsImage
}

func (l *levelImages) add(img *vipsImage) {
	l.mu.Lock()
	l.imgs = append(l.imgs, img)
	l.mu.Unlock()
}

// drop closes img, one of the images added.
func (l *levelImages) drop(img *vipsImage) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, x := range l.imgs {
		if x == img {
			l.imgs = append(l.imgs[:i], l.imgs[i+1:]...)
			img.close()
			return
		}
	}
}

func (l *levelImages) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, img := range l.imgs {
		img.close()
	}
	l.imgs = nil
}

// NewPyramid returns a Pyramid for the renditions list of the source file
// at srcPath. Nothing is read until the first Render.
func (e *Engine) NewPyramid(srcPath string, list []api.Rendition) *Pyramid {
	p := &Pyramid{e: e, src: srcPath, list: list, shared: &levelImages{}}
	runtime.AddCleanup(p, func(l *levelImages) { l.close() }, p.shared)
	return p
}

// Close releases the intermediate images. Renditions made afterwards are
// made as Render makes them.
func (p *Pyramid) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.release()
}

// release frees the levels; p.mu is held.
func (p *Pyramid) release() {
	p.shared.close()
	for _, l := range p.levels {
		l.img = nil
	}
	p.levels = nil
	p.planned = true
}

// Render makes rendition r, one of the list the Pyramid was made with, as
// Engine.Render does, from the shared intermediate of its size when it
// has one. Its errors are those of Engine.Render.
func (p *Pyramid) Render(ctx context.Context, r api.Rendition, outPath string, opts RenderOptions) (*Result, error) {
	if err := startup(0, 0, false); err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "image engine")
	}
	return p.e.render(ctx, p.src, r, outPath, opts, p.shrink)
}

// shrink is the pipeline's shrink step for a rendition of the Pyramid:
// the shared level of its size, or Render's own step.
func (p *Pyramid) shrink(ctx context.Context, j *job) error {
	if !sourceShareable(j) || !renditionShareable(j.r, j.lay) {
		// Not waiting for the lock, which is held while a level decodes.
		return shrink(ctx, j)
	}
	p.mu.Lock()
	if !p.planned {
		p.plan(j)
	}
	i := p.levelOf(j)
	if i >= 0 && p.levels[i].err == errReleased {
		i = -1 // made again after its level was released: as Render does
	}
	if i < 0 {
		p.mu.Unlock()
		return shrink(ctx, j)
	}
	img, err := p.make(ctx, j, i)
	if err == nil {
		j.replace(img.ref())
	}
	p.levels[i].users--
	p.releaseDone(i)
	p.pending--
	if p.pending == 0 {
		p.release()
	}
	p.mu.Unlock()
	return err
}

// sourceShareable reports whether the source of job j, whose header is
// read, may be decoded once for several renditions.
func sourceShareable(j *job) bool {
	if j.dec != nil || j.srcType.vector() || j.page != 0 {
		return false
	}
	switch j.srcType {
	case TypeJPEG, TypePNG, TypeTIFF, TypeWebP, TypeHEIF, TypeAVIF, TypeJP2, TypeJXL:
		return true
	}
	return false
}

// renditionShareable reports whether rendition r, laid out as lay, only
// scales the whole source.
func renditionShareable(r api.Rendition, lay layout) bool {
	return r.Crop == nil && r.Watermark == nil && !r.Animated && (r.Page == nil || *r.Page == 1) &&
		lay.cut == nil && !lay.smart && !lay.cropFirst && lay.load == lay.out
}

// plan lays out every rendition of the list with the header j read, and
// makes a level of each size the shareable ones ask for, largest first,
// unless there is only one such rendition; p.mu is held.
func (p *Pyramid) plan(j *job) {
	p.planned = true
	if !sourceShareable(j) {
		return
	}
	src := upright(size{j.header.Width, j.header.Height}, j.header.Orientation)
	dpi := sourceDPI(j.header, false)
	bySize := map[size]*level{}
	for _, r := range p.list {
		lay, err := planLayout(src, dpi, false, r)
		if err != nil || !renditionShareable(r, lay) || lay.out.pixels() > j.limits.MaxOutputPixels {
			continue
		}
		l := bySize[lay.out]
		if l == nil {
			l = &level{out: lay.out}
			bySize[lay.out] = l
			p.levels = append(p.levels, l)
		}
		l.users++
		p.pending++
	}
	sort.Slice(p.levels, func(a, b int) bool {
		la, lb := p.levels[a].out, p.levels[b].out
		if la.pixels() != lb.pixels() {
			return la.pixels() > lb.pixels()
		}
		return la.W > lb.W
	})
	if len(p.levels) == 1 && p.levels[0].users == 1 {
		// One rendition: nothing to share.
		p.levels, p.pending = nil, 0
	}
	for i, l := range p.levels {
		l.parent = p.parentOf(i)
		if l.parent >= 0 {
			p.levels[l.parent].children++
		}
	}
}

// releaseDone releases the image of level i once no rendition and no
// level is still to be made from it, so that the largest images are
// not all held until the smallest rendition is made; p.mu is held.
func (p *Pyramid) releaseDone(i int) {
	l := p.levels[i]
	if l.users <= 0 && l.children <= 0 && l.img != nil {
		p.shared.drop(l.img)
		l.img = nil
		l.err = errReleased
	}
}

// errReleased marks a level released: a rendition asked for again after
// that is made as Render makes it.
var errReleased = api.Errorf(api.ReasonGeneric, "image: a shared intermediate image was asked for after its release")

// levelOf returns the level job j's rendition is made from, or -1; p.mu
// is held.
func (p *Pyramid) levelOf(j *job) int {
	if !sourceShareable(j) || !renditionShareable(j.r, j.lay) {
		return -1
	}
	for i, l := range p.levels {
		if l.out == j.lay.out {
			return i
		}
	}
	return -1
}

// parentOf returns the level level i is resized from: the nearest larger
// one at least as wide and as high, or -1 for the source itself.
func (p *Pyramid) parentOf(i int) int {
	out := p.levels[i].out
	for k := i - 1; k >= 0; k-- {
		if o := p.levels[k].out; o.W >= out.W && o.H >= out.H {
			return k
		}
	}
	return -1
}

// make returns level i, decoded, making it (and the levels it is resized
// from) if need be; j is a job of the same source. p.mu is held.
func (p *Pyramid) make(ctx context.Context, j *job, i int) (*vipsImage, error) {
	l := p.levels[i]
	if l.img != nil || l.err != nil {
		return l.img, l.err
	}
	var lazy *vipsImage
	if k := l.parent; k >= 0 {
		parent, err := p.make(ctx, j, k)
		if err != nil {
			return nil, err
		}
		lazy, err = resizeLevel(parent, l.out)
		if err != nil {
			return nil, p.failed(l, api.Wrap(api.ReasonGeneric, err, "the rendition cannot be resized"))
		}
	} else {
		// Loaded from the source as Render's shrink step loads it, at this
		// level's size.
		lj := *j
		lj.img = nil
		lj.lay.load, lj.lay.out = l.out, l.out
		if err := shrink(ctx, &lj); err != nil {
			return nil, p.failed(l, err)
		}
		lazy = lj.img
	}
	defer lazy.close()
	var img *vipsImage
	err := whileAlive(ctx, lazy, func() error {
		var err error
		img, err = lazy.decode()
		return err
	})
	if err != nil {
		if cerr := ctxErr(ctx, "the source was decoded"); cerr != nil {
			return nil, errors.Join(cerr, err)
		}
		return nil, p.failed(l, api.Wrap(api.ReasonSourceCorrupt, err,
			"source "+j.srcType.MimeType()+" file is truncated or corrupt: its pixels cannot be decoded"))
	}
	p.shared.add(img)
	l.img = img
	if l.parent >= 0 {
		p.levels[l.parent].children--
		p.releaseDone(l.parent)
	}
	return img, nil
}

// failed records why level l cannot be made, for every rendition of it,
// unless a context ended, which only concerns the rendition it belongs to.
func (p *Pyramid) failed(l *level, err error) error {
	if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		l.err = err
	}
	return err
}

// resizeLevel returns the lazy resize of parent, a decoded level, to out:
// acs_resize's Lanczos-3 with its vectorised horizontal pass where parent
// is 8-bit sRGB or grey without alpha, vips_thumbnail_image otherwise.
func resizeLevel(parent *vipsImage, out size) (*vipsImage, error) {
	img, ok, err := parent.resized(out.W, out.H)
	if ok || err != nil {
		return img, err
	}
	return parent.thumbnailImage(thumbnailOptions{Width: out.W, Height: out.H, Size: sizeForce})
}
