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
	img, _, err := e.SourcePixels(ctx, srcPath, r, maxSide, tmpDir)
	return img, err
}

// SourcePixels is Pixels that also returns the size of the upright source
// (its page or frame), in the pixels a crop rectangle is given in, so
// positions found on the small picture can be scaled to the source.
func (e *Engine) SourcePixels(ctx context.Context, srcPath string, r api.Rendition, maxSide int, tmpDir string) (*goimage.NRGBA, goimage.Point, error) {
	return e.sourcePixels(ctx, srcPath, r, maxSide, tmpDir, nil)
}

// PixelsRendition returns the rendition whose size Pixels and
// SourcePixels decode a page (nil: the first) at: an image fitted inside
// maxSide x maxSide, never enlarged. Listed among a Pyramid's renditions,
// it lets Pyramid.SourcePixels share the Pyramid's decode.
func PixelsRendition(page *int, maxSide int) api.Rendition {
	level := 0
	return api.Rendition{Fmt: "png", Width: &maxSide, Height: &maxSide, Page: page, CompressionLevel: &level}
}

// sourcePixels is SourcePixels; a non-nil shrinkWith replaces the step
// that loads and shrinks the source (see Pyramid).
func (e *Engine) sourcePixels(ctx context.Context, srcPath string, r api.Rendition, maxSide int, tmpDir string,
	shrinkWith func(ctx context.Context, j *job) error) (*goimage.NRGBA, goimage.Point, error) {
	var src goimage.Point
	if err := startup(0, 0, false); err != nil { // New started it: wait
		return nil, src, api.Wrap(api.ReasonGeneric, err, "image engine")
	}
	if maxSide < 1 {
		return nil, src, api.Errorf(api.ReasonGeneric, "image: pixels: size %d must be positive", maxSide)
	}
	rr := PixelsRendition(r.Page, maxSide)
	j := &job{limits: e.limits, src: srcPath, r: rr, fmt: "png", tmpDir: tmpDir, onLoad: e.onLoad}
	defer j.close()
	for _, s := range pipeline {
		if err := ctxErr(ctx, s.name); err != nil {
			return nil, src, err
		}
		run := s.run
		if shrinkWith != nil && s.name == stepShrink {
			run = shrinkWith
		}
		if err := run(ctx, j); err != nil {
			return nil, src, err
		}
	}
	up := upright(size{j.header.Width, j.header.Height}, j.header.Orientation)
	src = goimage.Point{X: up.W, Y: up.H}
	if err := ctxErr(ctx, "encode"); err != nil {
		return nil, src, err
	}
	o := j.save
	o.Strip = true
	enc, err := encodeAlive(ctx, j.img, o)
	if err != nil {
		return nil, src, err
	}
	defer enc.free()
	img, err := png.Decode(bytes.NewReader(enc.Data))
	if err != nil {
		return nil, src, api.Wrap(api.ReasonGeneric, err, "image: decoded pixels cannot be read back")
	}
	if n, ok := img.(*goimage.NRGBA); ok {
		return n, src, nil
	}
	n := goimage.NewNRGBA(img.Bounds())
	draw.Draw(n, n.Bounds(), img, img.Bounds().Min, draw.Src)
	return n, src, nil
}
