package image

import (
	"math"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// size is a width and height in pixels.
type size struct{ W, H int }

func (s size) pixels() int64 { return int64(s.W) * int64(s.H) }

// rect is a rectangle in pixels.
type rect struct{ X, Y, W, H int }

// point is a position in pixels.
type point struct{ X, Y int }

// upright returns the size of an image of size s once its EXIF orientation
// o is applied: orientations 5 to 8 turn it by a quarter.
func upright(s size, o int) size {
	if o >= 5 && o <= 8 {
		return size{s.H, s.W}
	}
	return s
}

// defaultDPI is the resolution assumed for a source that records none, and
// the one at which vector sources (PDF, SVG) are drawn at their nominal
// size.
const defaultDPI = 72

// layout says how a rendition is cut and scaled from its source. All sizes
// are per page or frame, in upright pixels.
type layout struct {
	// out is the rendition's size.
	out size
	// load is the size the whole source is shrunk (or enlarged) to by
	// vips_thumbnail. Without a crop it is out.
	load size
	// cut is the part of the loaded image kept, or nil for all of it.
	cut *rect
	// cropFirst: a rectangle crop enlarged so much that scaling the whole
	// source first would make a huge intermediate image; the source is
	// then loaded at its own size (load), cut (cut, in source pixels) and
	// only then scaled to out.
	cropFirst bool
	// smart: load covers out and the crop to out is chosen by attention.
	smart bool
}

// maxIntermediateSide bounds the side of the whole-source image a
// rectangle crop is cut from; above it the crop is cut first.
const maxIntermediateSide = 65535

// planLayout computes the layout of rendition r from an upright source of
// size src recorded at srcDPI (x and y). vector sources are drawn at the
// requested size, so enlarging them is implied. The error names the field
// at fault.
func planLayout(src size, srcDPI [2]float64, vector bool, r api.Rendition) (layout, error) {
	region := rect{0, 0, src.W, src.H}
	if c := r.Crop; c != nil && !c.Smart {
		if c.X+c.W > src.W || c.Y+c.H > src.H {
			return layout{}, api.Errorf(api.ReasonGeneric,
				"crop: the rectangle x=%d y=%d w=%d h=%d is not inside the %dx%d source (coordinates are in pixels of the upright source)",
				c.X, c.Y, c.W, c.H, src.W, src.H)
		}
		region = rect{c.X, c.Y, c.W, c.H}
	}
	// convertToDpi keeps the physical size: pixels / srcDPI * newDPI.
	fx, fy := 1.0, 1.0
	if d := r.ConvertToDPI; d != nil {
		fx, fy = d.X/srcDPI[0], d.Y/srcDPI[1]
	}
	base := size{scaleSide(region.W, fx), scaleSide(region.H, fy)}
	if vector {
		r.Upscale = true
	}

	var l layout
	if r.Crop != nil && r.Crop.Smart {
		if r.Width == nil || r.Height == nil {
			return layout{}, api.Errorf(api.ReasonGeneric, `crop: "smart" needs both width and height, the size of the crop`)
		}
		l.smart = true
		l.out = smartBox(base, r)
		l.load = l.out
		return l, nil
	}
	l.out = fitInside(base, r)
	l.load = l.out
	if region.W == src.W && region.H == src.H {
		return l, nil
	}
	sx, sy := float64(l.out.W)/float64(region.W), float64(l.out.H)/float64(region.H)
	whole := size{scaleSide(src.W, sx), scaleSide(src.H, sy)}
	if whole.W > maxIntermediateSide || whole.H > maxIntermediateSide {
		l.cropFirst = true
		l.load = src
		l.cut = &region
		return l, nil
	}
	cut := rect{int(math.Round(float64(region.X) * sx)), int(math.Round(float64(region.Y) * sy)), l.out.W, l.out.H}
	// Rounding may push the cut a pixel past the scaled source.
	cut.W, cut.H = min(cut.W, whole.W), min(cut.H, whole.H)
	cut.X = max(0, min(cut.X, whole.W-cut.W))
	cut.Y = max(0, min(cut.Y, whole.H-cut.H))
	l.out = size{cut.W, cut.H}
	l.load = whole
	l.cut = &cut
	return l, nil
}

// coverScale returns the scale at which src covers box.
func coverScale(src, box size) float64 {
	return math.Max(float64(box.W)/float64(src.W), float64(box.H)/float64(src.H))
}

// coverSize returns the size of an upright source of size src scaled to
// cover box, at least box on each side: what a smart crop is cut from.
func coverSize(src, box size) size {
	s := coverScale(src, box)
	return size{max(box.W, scaleSide(src.W, s)), max(box.H, scaleSide(src.H, s))}
}

// smartBox returns the size of a smart crop of a source of size src: the
// box width x height, scaled down (keeping its aspect ratio) until the
// source covers it unless r.Upscale is set, and capped by maxWidth and
// maxHeight.
func smartBox(src size, r api.Rendition) size {
	w, h := float64(*r.Width), float64(*r.Height)
	scale := 1.0
	if !r.Upscale {
		scale = math.Min(1, math.Min(float64(src.W)/w, float64(src.H)/h))
	}
	if r.MaxWidth != nil {
		scale = math.Min(scale, float64(*r.MaxWidth)/w)
	}
	if r.MaxHeight != nil {
		scale = math.Min(scale, float64(*r.MaxHeight)/h)
	}
	return size{max(1, int(math.Round(w*scale))), max(1, int(math.Round(h*scale)))}
}

// fitInside returns the size of the rendition of an upright source of size
// src, keeping its aspect ratio:
//
//   - width and height fit the image inside that box; with only one of them
//     the image is scaled to it; with neither it keeps the source size;
//   - it is never enlarged past the source size unless r.Upscale is set;
//   - maxWidth and maxHeight cap the result whatever else is asked, and
//     never enlarge it.
//
// Each side is at least one pixel.
func fitInside(src size, r api.Rendition) size {
	scale := 1.0
	if r.Width != nil || r.Height != nil {
		scale = math.Inf(1)
		if r.Width != nil {
			scale = math.Min(scale, float64(*r.Width)/float64(src.W))
		}
		if r.Height != nil {
			scale = math.Min(scale, float64(*r.Height)/float64(src.H))
		}
		if !r.Upscale {
			scale = math.Min(scale, 1)
		}
	}
	if r.MaxWidth != nil {
		scale = math.Min(scale, float64(*r.MaxWidth)/float64(src.W))
	}
	if r.MaxHeight != nil {
		scale = math.Min(scale, float64(*r.MaxHeight)/float64(src.H))
	}
	return size{scaleSide(src.W, scale), scaleSide(src.H, scale)}
}

// scaleSide scales one side, rounding to the nearest pixel. A side that is
// the binding constraint comes out exact: src * (want / src) rounds to want.
func scaleSide(side int, scale float64) int {
	n := int(math.Round(float64(side) * scale))
	return max(n, 1)
}

// smartCut places a w x h cut around the attention centre (cx, cy) inside
// an image of size in.
func smartCut(in size, w, h, cx, cy int) rect {
	x := max(0, min(cx-w/2, in.W-w))
	y := max(0, min(cy-h/2, in.H-h))
	return rect{x, y, min(w, in.W), min(h, in.H)}
}
