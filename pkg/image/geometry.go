package image

import (
	"math"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// size is a width and height in pixels.
type size struct{ W, H int }

func (s size) pixels() int64 { return int64(s.W) * int64(s.H) }

// upright returns the size of an image of size s once its EXIF orientation
// o is applied: orientations 5 to 8 turn it by a quarter.
func upright(s size, o int) size {
	if o >= 5 && o <= 8 {
		return size{s.H, s.W}
	}
	return s
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
