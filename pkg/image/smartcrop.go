package image

import (
	"context"
	"math"

	"github.com/assetcompute/assetcompute/pkg/analysis/faces"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// CropRect is the part of the source a cropped rendition shows, in pixels
// of the upright source (after EXIF orientation; for PDF and SVG, in the
// pixels of the page at 72 dpi, as a crop rectangle is given): cutting it
// from the source and scaling it to the rendition's size gives the
// rendition.
type CropRect struct{ X, Y, W, H int }

// cropRect is the CropRect of a rect.
func cropRect(r rect) *CropRect { return &CropRect{r.X, r.Y, r.W, r.H} }

// placeSmartCrop chooses the cut of a smart crop in the image loaded to
// cover the box (shrink loads it so): the smallest cut around every face
// the detector finds when they fit in the box, centred on them, else the
// cut libvips' attention strategy chooses. For an animation the first
// frame decides, and every frame is cut alike. It records the cut in
// source pixels (j.crop).
//
// The loaded image is decoded into memory first when it is no larger
// than MaxOutputPixels, so that the detection, the attention and the cut
// read the source once.
func placeSmartCrop(ctx context.Context, j *job) error {
	if !j.lay.smart {
		return nil
	}
	if int64(j.img.width())*int64(j.img.height()) <= j.limits.MaxOutputPixels {
		if err := decodePixels(ctx, j); err != nil {
			return err
		}
	}
	frame := size{j.img.width(), j.img.height() / j.frames}
	first := j.img
	if j.frames > 1 {
		var err error
		if first, err = j.img.extract(rect{0, 0, frame.W, frame.H}); err != nil {
			return api.Wrap(api.ReasonGeneric, err, "crop: the first frame cannot be analysed")
		}
		defer first.close()
	}
	w, h := min(j.lay.out.W, frame.W), min(j.lay.out.H, frame.H)
	fs, err := imageFaces(ctx, first, faces.DefaultParams(), faces.DetectSide)
	if err != nil {
		return err
	}
	cut, ok := faceCut(frame, w, h, fs)
	if !ok {
		cx, cy, err := first.attention(w, h)
		if err != nil {
			return api.Wrap(api.ReasonSourceCorrupt, err, "crop: the image cannot be analysed")
		}
		cut = smartCut(frame, w, h, cx, cy)
	}
	j.lay.cut = &cut
	src := upright(size{j.header.Width, j.header.Height}, j.header.Orientation)
	j.crop = cropRect(sourceRect(cut, coverScale(src, j.lay.out), src))
	return nil
}

// faceCut places a w x h cut in an image of size in so that it holds
// every face, centred on them as far as the image allows; false when
// there is no face or they do not fit together in w x h.
func faceCut(in size, w, h int, fs []faces.Face) (rect, bool) {
	if len(fs) == 0 {
		return rect{}, false
	}
	x0, y0, x1, y1 := in.W, in.H, 0, 0
	for _, f := range fs {
		x0, y0 = min(x0, f.X), min(y0, f.Y)
		x1, y1 = max(x1, f.X+f.W), max(y1, f.Y+f.H)
	}
	if x1-x0 > w || y1-y0 > h {
		return rect{}, false
	}
	place := func(lo, hi, side, limit int) int {
		c := (lo+hi)/2 - side/2
		// Keep [lo, hi) inside the cut, and the cut inside the image.
		c = max(c, hi-side)
		c = min(c, lo)
		return max(0, min(c, limit-side))
	}
	return rect{place(x0, x1, w, in.W), place(y0, y1, h, in.H), w, h}, true
}

// sourceRect maps a rectangle of the upright source of size src scaled by
// scale (as shrink loaded it) to source pixels, to the nearest pixel,
// keeping it inside the source.
func sourceRect(r rect, scale float64, src size) rect {
	w := max(1, min(src.W, int(math.Round(float64(r.W)/scale))))
	h := max(1, min(src.H, int(math.Round(float64(r.H)/scale))))
	x := max(0, min(src.W-w, int(math.Round(float64(r.X)/scale))))
	y := max(0, min(src.H-h, int(math.Round(float64(r.Y)/scale))))
	return rect{x, y, w, h}
}

// imageFaces finds the faces of img (one frame), shrunk to side pixels
// at most and brought to 8 bits, with p; the boxes are in img's pixels.
func imageFaces(ctx context.Context, img *vipsImage, p faces.Params, side int) ([]faces.Face, error) {
	w, h := img.width(), img.height()
	small := img
	if scale := float64(side) / float64(max(w, h)); scale < 1 {
		s, err := img.thumbnailImage(thumbnailOptions{Width: scaleSide(w, scale), Height: scaleSide(h, scale), Size: sizeForce})
		if err != nil {
			return nil, api.Wrap(api.ReasonGeneric, err, "faces: the image cannot be shrunk for the detector")
		}
		defer s.close()
		small = s
	}
	if c, err := outputColour(small); err != nil {
		return nil, api.Wrap(api.ReasonSourceCorrupt, err, "faces: the image colours cannot be converted")
	} else if c != nil {
		defer c.close()
		small = c
	}
	var buf *pixelBuffer
	err := whileAlive(ctx, small, func() error {
		var err error
		buf, err = small.pixels()
		return err
	})
	if err != nil {
		if cerr := ctxErr(ctx, "faces"); cerr != nil {
			return nil, cerr
		}
		return nil, api.Wrap(api.ReasonSourceCorrupt, err, "source pixels cannot be decoded")
	}
	l := faces.LumaOfBands(buf.Pix, small.width(), small.height(), small.bands(), side)
	buf.free()
	fs, err := faces.DetectLuma(l, p)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "faces")
	}
	return faces.Scale(fs, l.W, l.H, w, h), nil
}
