package image

import (
	"context"
	"errors"
	"math"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// drawWatermark composites the watermark image centred over the rendition
// (over every frame of an animation), fitted inside scale times the
// rendition's size and keeping its own aspect ratio; it is enlarged as
// well as shrunk to fit. Its transparency is kept, so a logo with an
// alpha channel is drawn over the picture; an opaque watermark covers its
// box. The watermark image is fetched through the FetchFunc given to
// Render and obeys the same limits as a source (bytes and pixels).
func drawWatermark(ctx context.Context, j *job) error {
	w := j.r.Watermark
	if w == nil {
		return nil
	}
	path, err := j.fetch(ctx, w.Image)
	if err != nil {
		if cerr := ctxErr(ctx, "the watermark image was fetched"); cerr != nil {
			return errors.Join(cerr, err)
		}
		return api.Wrap(api.ReasonGeneric, err, "watermark: the image cannot be fetched: "+api.MessageOf(err))
	}
	frame := size{j.img.width(), j.img.height() / j.frames}
	wm, err := loadWatermark(ctx, path, frame, w.Scale, j.limits, j.tmpDir)
	if err != nil {
		if cerr := ctxErr(ctx, "the watermark image was decoded"); cerr != nil {
			return errors.Join(cerr, err)
		}
		return api.Wrap(api.ReasonGeneric, err, "watermark: "+api.MessageOf(err))
	}
	defer wm.close()

	base := j.img
	hadAlpha := base.hasAlpha()
	if base.space() != spaceSRGB || !base.isUchar() {
		rgb, err := base.colourspace(spaceSRGB)
		if err != nil {
			return api.Wrap(api.ReasonGeneric, err, "watermark: the rendition cannot be converted to sRGB")
		}
		j.replace(rgb)
	}
	at := make([]point, j.frames)
	for i := range at {
		at[i] = point{(frame.W - wm.width()) / 2, i*frame.H + (frame.H-wm.height())/2}
	}
	out, err := j.img.composite(wm, at)
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "watermark: the image cannot be drawn")
	}
	j.replace(out)
	if !j.img.isUchar() {
		out, err := j.img.castUchar()
		if err != nil {
			return api.Wrap(api.ReasonGeneric, err, "watermark: the image cannot be drawn")
		}
		j.replace(out)
	}
	if !hadAlpha && j.img.bands() > 3 {
		out, err := j.img.extractBands(0, 3)
		if err != nil {
			return api.Wrap(api.ReasonGeneric, err, "watermark: the image cannot be drawn")
		}
		j.replace(out)
	}
	return nil
}

// loadWatermark reads the watermark image at path, sized to fit inside
// scale times frame, as 8-bit sRGB with alpha, decoded in memory. Its
// errors carry a reason and a message about the watermark image. A copy
// the source checks make goes into tmpDir.
func loadWatermark(ctx context.Context, path string, frame size, scale float64, limits Limits, tmpDir string) (*vipsImage, error) {
	if err := checkFileBytes(path, limits.MaxSourceBytes, "the image"); err != nil {
		return nil, err
	}
	t, err := Sniff(path)
	if err != nil {
		return nil, err
	}
	if !t.Decodable() {
		return nil, errNotDecodable(t)
	}
	if t == TypePDF {
		p, cleanup, err := preparePDF(path, 0, limits, "the image")
		if err != nil {
			return nil, err
		}
		// libvips is done with the file when this function returns: the
		// image is decoded into memory.
		defer cleanup()
		path = p
	}
	dec := goDecoders[t]
	c, err := checkSource(path, t, limits, tmpDir)
	if err != nil {
		return nil, err
	}
	defer c.remove()
	if c.path != "" {
		path = c.path
	}
	h, err := sourceHeader(path, t, dec, "")
	if err != nil {
		return nil, err
	}
	px := int64(h.Width) * int64(h.Height)
	if px > limits.MaxSourcePixels || (wholeDecodeKind(t, dec, c) != "" && px > limits.MaxFullDecodePixels) {
		return nil, api.Errorf(api.ReasonSourceTooLarge, "the image is %dx%d, more than the pixel limit", h.Width, h.Height)
	}
	box := size{max(1, int(math.Round(float64(frame.W)*scale))), max(1, int(math.Round(float64(frame.H)*scale)))}
	fit := fitInside(upright(size{h.Width, h.Height}, h.Orientation), api.Rendition{Width: &box.W, Height: &box.H, Upscale: true})
	o := thumbnailOptions{
		Width: fit.W, Height: fit.H, Size: sizeForce,
		ExportSRGB: h.HasProfile && h.Space != spaceCMYK, Loader: "fail_on=truncated",
	}
	var img *vipsImage
	if dec != nil {
		decoded, err := dec.decode(ctx, path)
		if err != nil {
			return nil, err
		}
		img, err = decoded.thumbnailImage(o)
		decoded.close()
		if err != nil {
			return nil, api.Wrap(api.ReasonSourceCorrupt, err, "the image cannot be decoded")
		}
	} else if img, err = thumbnailOf(path, t, h, o); err != nil {
		return nil, api.Wrap(api.ReasonSourceCorrupt, err, "the image cannot be decoded")
	}
	for _, stage := range []func(*vipsImage) (*vipsImage, error){
		outputColour,
		func(im *vipsImage) (*vipsImage, error) {
			if im.space() == spaceBW {
				return im.colourspace(spaceSRGB)
			}
			return nil, nil
		},
		func(im *vipsImage) (*vipsImage, error) {
			if im.hasAlpha() {
				return nil, nil
			}
			return im.addAlpha()
		},
		func(im *vipsImage) (*vipsImage, error) {
			var out *vipsImage
			err := whileAlive(ctx, im, func() (err error) { out, err = im.decode(); return err })
			return out, err
		},
	} {
		next, err := stage(img)
		if err != nil {
			img.close()
			return nil, api.Wrap(api.ReasonSourceCorrupt, err, "the image is truncated or corrupt")
		}
		if next != nil {
			img.close()
			img = next
		}
	}
	return img, nil
}
