package image

import (
	"context"
	"errors"
	goimage "image"

	"github.com/assetcompute/assetcompute/pkg/analysis/faces"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// BlurDetectSide is the long side, in pixels, of the picture blurFaces
// looks for faces in: twice faces.DetectSide, so that with
// BlurParams a face of 2 % of the rendition's long side (16 pixels of
// 768) is found and blurred.
const BlurDetectSide = 2 * faces.DetectSide

// BlurParams are the detector's parameters for blurFaces: the defaults
// with smaller faces looked for, since a face missed stays readable.
func BlurParams() faces.Params {
	p := faces.DefaultParams()
	p.MinSize = 0.02
	return p
}

// blurMargin is how much each face box is enlarged on every side before
// it is blurred, as a share of its size: the detector's box is the face
// from brows to chin, and hair, ears and jaw identify too.
const blurMargin = 0.25

// blurFaces blurs every face the detector finds in the rendition (in each
// frame of an animation), at its output size and 8-bit colours, before
// the watermark is drawn: each face box, enlarged by blurMargin, is
// blurred with three passes of a box filter whose radius is a fifth of
// the face's width (close to a Gaussian of that sigma), so nothing of the
// face's features is left; outside those boxes no pixel changes. It
// records how many faces were blurred (j.facesBlurred).
func blurFaces(ctx context.Context, j *job) error {
	if !j.r.BlurFaces {
		return nil
	}
	img := j.img
	var buf *pixelBuffer
	err := whileAlive(ctx, img, func() error {
		var err error
		buf, err = img.pixels()
		return err
	})
	if err != nil {
		if cerr := ctxErr(ctx, "the source was decoded"); cerr != nil {
			return errors.Join(cerr, err)
		}
		return api.Wrap(api.ReasonSourceCorrupt, err,
			"source "+j.srcType.MimeType()+" file is truncated or corrupt: its pixels cannot be decoded")
	}
	defer buf.free() // a no-op once imageFromPixels owns it
	pix := buf.Pix
	w, bands := img.width(), img.bands()
	frameH := img.height() / j.frames
	colour := bands
	if img.hasAlpha() {
		colour--
	}
	count := 0
	for f := 0; f < j.frames; f++ {
		if err := ctxErr(ctx, "blurring faces"); err != nil {
			return err
		}
		frame := pix[f*frameH*w*bands : (f+1)*frameH*w*bands]
		l := faces.LumaOfBands(frame, w, frameH, bands, BlurDetectSide)
		fs, err := faces.DetectLuma(l, BlurParams())
		if err != nil {
			return api.Wrap(api.ReasonGeneric, err, "blurFaces")
		}
		for _, face := range faces.Scale(fs, l.W, l.H, w, frameH) {
			mx, my := int(float64(face.W)*blurMargin+0.5), int(float64(face.H)*blurMargin+0.5)
			r := goimage.Rect(face.X-mx, face.Y-my, face.X+face.W+mx, face.Y+face.H+my).
				Intersect(goimage.Rect(0, 0, w, frameH))
			blurRect(frame, w*bands, bands, colour, r, max(2, face.W/5))
			count++
		}
	}
	j.facesBlurred = count
	// The pixels, blurred in place, replace the lazy pipeline even when
	// nothing was blurred, so that the source is not decoded a second
	// time.
	out, err := imageFromPixels(buf, w, img.height(), bands, false, img.space())
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "blurFaces: the blurred image cannot be made")
	}
	if j.frames > 1 {
		out.setInt("page-height", frameH)
	}
	j.replace(out)
	return nil
}

// blurRect blurs rectangle r of 8-bit interleaved pixels (stride bytes a
// row, bands samples a pixel, the first colour of them blurred, alpha
// left) with three passes of a box filter of the given radius along each
// axis. Only pixels inside r are read and written; at its edges the
// nearest pixel inside repeats.
func blurRect(pix []byte, stride, bands, colour int, r goimage.Rectangle, radius int) {
	w, h := r.Dx(), r.Dy()
	if w < 2 || h < 2 {
		return
	}
	buf := make([]float32, w*h)
	line := make([]float32, max(w, h))
	for c := 0; c < colour; c++ {
		for y := 0; y < h; y++ {
			row := (r.Min.Y+y)*stride + r.Min.X*bands + c
			for x := 0; x < w; x++ {
				buf[y*w+x] = float32(pix[row+x*bands])
			}
		}
		for pass := 0; pass < 3; pass++ {
			for y := 0; y < h; y++ {
				boxLine(buf, y*w, 1, w, radius, line)
			}
			for x := 0; x < w; x++ {
				boxLine(buf, x, w, h, radius, line)
			}
		}
		for y := 0; y < h; y++ {
			row := (r.Min.Y+y)*stride + r.Min.X*bands + c
			for x := 0; x < w; x++ {
				v := buf[y*w+x] + 0.5
				pix[row+x*bands] = uint8(max(0, min(255, v)))
			}
		}
	}
}

// boxLine replaces the n values of buf at start, start+step, ... by their
// mean over a window of radius values each side (the ends repeated), with
// a running sum; tmp holds at least n values.
func boxLine(buf []float32, start, step, n, radius int, tmp []float32) {
	at := func(i int) float32 { return buf[start+max(0, min(n-1, i))*step] }
	var sum float32
	for i := -radius; i <= radius; i++ {
		sum += at(i)
	}
	inv := 1 / float32(2*radius+1)
	for i := 0; i < n; i++ {
		tmp[i] = sum * inv
		sum += at(i+radius+1) - at(i-radius)
	}
	for i := 0; i < n; i++ {
		buf[start+i*step] = tmp[i]
	}
}
