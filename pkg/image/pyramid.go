package image

import (
	"context"
	"errors"
	goimage "image"
	"runtime"
	"sort"
	"sync"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Pyramid makes several renditions of one source file with one decode of
// the source where Render would decode it once per rendition.
//
// The renditions it plans together are those of a raster source decoded
// by libvips (JPEG, PNG, TIFF, WebP, HEIF, AVIF, JPEG 2000, JPEG XL), of
// its first page, not animated, and the pictures of Pixels and
// SourcePixels (see Pyramid.SourcePixels). Each needs the whole upright
// source scaled to one size, its level: the rendition's own size when it
// scales the whole picture; the scaled source its crop rectangle is cut
// from; the size that covers a smart crop's box, where the cut is placed.
// The levels are sorted from the largest down. The largest is loaded as
// Render loads it (shrink-on-load at its size, orientation, colour to
// sRGB through the source's profile, CMYK imported) and kept in memory;
// each smaller level is resized from a larger one, the smallest at least
// twice its size or else the nearest larger (a 4000-pixel JPEG is decoded
// once, at full size, for 2048, 1280, 640, 319 and 48 pixels, rather than
// five times). A level only one rendition
// reads and no other level is made from is not kept: that rendition
// resizes it from its parent on demand, so a crop computes only the
// pixels it keeps. A crop or smart crop that would need the source
// enlarged, or a rectangle so enlarged that Render cuts it first, is left
// to Render. What comes after the level, the cut, the smart crop's
// placement, blurred faces, the watermark, the conversion to 8-bit sRGB
// or grey, flattening, the resolution and encoding, is each rendition's
// own, and so is any failure: one rendition that fails (its encoding, its
// jpegSize, its watermark) leaves the others alone. Every other rendition
// is made as Render makes it.
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
	// srcSize, dpi and maxOut are what the plan was made with: the
	// upright source's size and resolution, MaxOutputPixels.
	srcSize size
	dpi     [2]float64
	maxOut  int64
	// forgotten are the renditions that failed before the plan was made,
	// before they read a level.
	forgotten []api.Rendition
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
	reached := false
	res, err := p.e.render(ctx, p.src, r, outPath, opts, func(ctx context.Context, j *job) error {
		reached = true
		return p.shrink(ctx, j)
	})
	if err != nil && !reached {
		p.forget(r)
	}
	return res, err
}

// forget takes rendition r, which failed before its shrink step (its
// instructions, its format), out of the plan, so that the levels are
// released when every other rendition is made rather than when the
// Pyramid is collected.
func (p *Pyramid) forget(r api.Rendition) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.planned {
		p.forgotten = append(p.forgotten, r)
		return
	}
	p.unplan(r)
}

// unplan takes rendition r out of the plan; p.mu is held.
func (p *Pyramid) unplan(r api.Rendition) {
	if p.levels == nil {
		return
	}
	need, ok := p.needOf(r)
	if !ok {
		return
	}
	for i, l := range p.levels {
		if l.out == need && l.users > 0 {
			l.users--
			p.pending--
			p.releaseDone(i)
			if p.pending == 0 {
				p.release()
			}
			return
		}
	}
}

// needOf returns the level rendition r is made from, as plan planned it;
// false when it is made as Render makes it.
func (p *Pyramid) needOf(r api.Rendition) (size, bool) {
	lay, err := planLayout(p.srcSize, p.dpi, false, r)
	if err != nil || lay.out.pixels() > p.maxOut {
		return size{}, false
	}
	need, ok := renditionNeed(p.srcSize, r, lay)
	if !ok || need.pixels() > p.maxOut {
		return size{}, false
	}
	return need, true
}

// shrink is the pipeline's shrink step for a rendition of the Pyramid:
// the shared level it needs, or Render's own step.
func (p *Pyramid) shrink(ctx context.Context, j *job) error {
	if _, ok := levelNeed(j); !ok {
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
	var img *vipsImage
	var err error
	if l := p.levels[i]; l.lazy() {
		img, err = p.resizeOnDemand(ctx, j, i)
	} else if img, err = p.make(ctx, j, i); err == nil {
		img = img.ref()
	}
	if err == nil {
		j.replace(img)
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

// lazy reports whether the level is read by one rendition only and no
// level is made from it: it is then not kept but resized from its parent
// by that rendition's own pipeline, on demand.
func (l *level) lazy() bool {
	return l.parent >= 0 && l.users == 1 && l.children == 0 && l.img == nil && l.err == nil
}

// resizeOnDemand returns level i, lazy, as a pipeline resizing its parent
// that the rendition's later steps compute only where they need it (a
// crop, only its cut); p.mu is held.
func (p *Pyramid) resizeOnDemand(ctx context.Context, j *job, i int) (*vipsImage, error) {
	l := p.levels[i]
	parent, err := p.make(ctx, j, l.parent)
	if err != nil {
		return nil, err
	}
	img, err := parent.thumbnailImage(thumbnailOptions{Width: l.out.W, Height: l.out.H, Size: sizeForce})
	if err != nil {
		return nil, p.failed(l, api.Wrap(api.ReasonGeneric, err, "the rendition cannot be resized"))
	}
	// The pipeline holds its own reference to the parent's pixels. The
	// rendition asked for again is made as Render makes it.
	l.err = errReleased
	p.levels[l.parent].children--
	p.releaseDone(l.parent)
	return img, nil
}

// SourcePixels is Engine.SourcePixels for r, one of the list the Pyramid
// was made with, or whose PixelsRendition(r.Page, maxSide) is: the
// picture is resized from the shared level of its size when the Pyramid
// planned one, so an analysis in the same request as thumbnails does not
// decode the source again.
func (p *Pyramid) SourcePixels(ctx context.Context, r api.Rendition, maxSide int, tmpDir string) (*goimage.NRGBA, goimage.Point, error) {
	reached := false
	px, src, err := p.e.sourcePixels(ctx, p.src, r, maxSide, tmpDir, func(ctx context.Context, j *job) error {
		reached = true
		return p.shrink(ctx, j)
	})
	if err != nil && !reached {
		p.forget(PixelsRendition(r.Page, maxSide))
	}
	return px, src, err
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

// levelNeed returns the level job j's rendition, whose layout is
// planned, is made from, and whether it may be made from a shared level
// at all.
func levelNeed(j *job) (size, bool) {
	if !sourceShareable(j) {
		return size{}, false
	}
	return renditionNeed(upright(size{j.header.Width, j.header.Height}, j.header.Orientation), j.r, j.lay)
}

// renditionNeed returns the level of rendition r, laid out as lay, of an
// upright source of size src: the size of the whole source its shrink
// step loads (its own size, the scaled source a crop is cut from, the
// size covering a smart crop's box); false when it is left to Render.
func renditionNeed(src size, r api.Rendition, lay layout) (size, bool) {
	if r.Animated || (r.Page != nil && *r.Page != 1) || lay.cropFirst {
		return size{}, false
	}
	need := lay.load
	if lay.smart {
		need = coverSize(src, lay.out)
	}
	if (lay.smart || lay.cut != nil) && (need.W > src.W || need.H > src.H) {
		// An enlarged crop is computed by Render only where it is cut.
		return size{}, false
	}
	return need, true
}

// plan lays out every rendition of the list with the header j read, and
// makes a level of each size the shareable ones ask for, largest first,
// unless there is only one such rendition; p.mu is held.
func (p *Pyramid) plan(j *job) {
	p.planned = true
	if !sourceShareable(j) {
		return
	}
	p.srcSize = upright(size{j.header.Width, j.header.Height}, j.header.Orientation)
	p.dpi = sourceDPI(j.header, false)
	p.maxOut = j.limits.MaxOutputPixels
	bySize := map[size]*level{}
	for _, r := range p.list {
		need, ok := p.needOf(r)
		if !ok {
			continue
		}
		l := bySize[need]
		if l == nil {
			l = &level{out: need}
			bySize[need] = l
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
	for _, r := range p.forgotten {
		p.unplan(r)
	}
	p.forgotten = nil
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
	need, ok := levelNeed(j)
	if !ok {
		return -1
	}
	for i, l := range p.levels {
		if l.out == need {
			return i
		}
	}
	return -1
}

// parentOf returns the level level i is resized from: the smallest one
// at least minParentRatio times as wide and as high, or failing that the
// nearest larger one at least as wide and as high; -1 for the source
// itself.
func (p *Pyramid) parentOf(i int) int {
	out := p.levels[i].out
	nearest := -1
	for k := i - 1; k >= 0; k-- {
		o := p.levels[k].out
		if o.W < out.W || o.H < out.H {
			continue
		}
		if nearest < 0 {
			nearest = k
		}
		if float64(o.W) >= minParentRatio*float64(out.W) && float64(o.H) >= minParentRatio*float64(out.H) {
			return k
		}
	}
	return nearest
}

// minParentRatio is how much larger a level should be than one resized
// from it: resizing twice by small factors (a 267-pixel smart crop's
// cover from a 319-pixel level) softens the picture more than a single
// resize, while from twice the size the second resize sees what a resize
// from the source would, to within the bounds of pyramid_test.go.
const minParentRatio = 2

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
		lj.lay = layout{load: l.out, out: l.out}
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
// acs_resize's Lanczos-3 with its vectorised passes where parent
// is 8-bit sRGB or grey without alpha, vips_thumbnail_image otherwise.
func resizeLevel(parent *vipsImage, out size) (*vipsImage, error) {
	img, ok, err := parent.resized(out.W, out.H)
	if ok || err != nil {
		return img, err
	}
	return parent.thumbnailImage(thumbnailOptions{Width: out.W, Height: out.H, Size: sizeForce})
}
