package image

import (
	"bytes"
	"context"
	goimage "image"
	"image/draw"
	"image/png"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Pixels decodes the image file at srcPath, shrunk on load so that it fits
// in maxSide x maxSide pixels (never enlarged), converted to sRGB with its
// alpha kept, and returns its pixels. Of r only page is used: the page or
// frame to decode. tmpDir is where a copy of the source is written when one
// is needed (as for Render, the rendition's directory).
//
// It goes through the same steps, limits and errors as Render (the source
// checks, shrink-on-load, colour management, EXIF orientation), so any
// source Render reads can be analysed at the cost of a small thumbnail.
func (e *Engine) Pixels(ctx context.Context, srcPath string, r api.Rendition, maxSide int, tmpDir string) (*goimage.NRGBA, error) {
	if maxSide < 1 {
		return nil, api.Errorf(api.ReasonGeneric, "image: pixels: size %d must be positive", maxSide)
	}
	if err := startup(0, 0, false); err != nil { // New started it: wait
		return nil, api.Wrap(api.ReasonGeneric, err, "image engine")
	}
	level := 0
	rr := api.Rendition{Fmt: "png", Width: &maxSide, Height: &maxSide, Page: r.Page, CompressionLevel: &level}
	j := &job{limits: e.limits, src: srcPath, r: rr, fmt: "png", tmpDir: tmpDir}
	defer j.close()
	for _, s := range pipeline {
		if err := ctxErr(ctx, s.name); err != nil {
			return nil, err
		}
		if err := s.run(ctx, j); err != nil {
			return nil, err
		}
	}
	if err := ctxErr(ctx, "encode"); err != nil {
		return nil, err
	}
	o := j.save
	o.Strip = true
	enc, err := encodeAlive(ctx, j.img, o)
	if err != nil {
		return nil, err
	}
	defer enc.free()
	img, err := png.Decode(bytes.NewReader(enc.Data))
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "image: decoded pixels cannot be read back")
	}
	if n, ok := img.(*goimage.NRGBA); ok {
		return n, nil
	}
	n := goimage.NewNRGBA(img.Bounds())
	draw.Draw(n, n.Bounds(), img, img.Bounds().Min, draw.Src)
	return n, nil
}
