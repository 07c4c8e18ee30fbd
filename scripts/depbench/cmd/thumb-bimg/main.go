// Command thumb-bimg makes 256-pixel JPEG thumbnails with
// github.com/h2non/bimg, for bench-deps.sh.
//
//	thumb-bimg -mode box|fit -out DIR [-passes N] FILE...
//
// Each thumbnail reads the whole file into memory (bimg works on byte
// slices), resizes and writes the result. bimg starts libvips in its own
// init function with its own settings (operation cache of 100 operations,
// one libvips thread unless VIPS_CONCURRENCY is set).
//
// Modes:
//
//	box  Options{Width: 256, Height: 256, Quality: 80, Type: JPEG}: the
//	     instructions as given, with bimg's defaults. bimg then forces
//	     the exact 256x256 size (the image is distorted) and keeps the
//	     source's metadata.
//	fit  what a caller must do to get a fit-inside thumbnail from bimg:
//	     read the size and the EXIF orientation first (two more header
//	     reads), compute the upright size, pass only the side that binds,
//	     and set StripMetadata.
package main

import (
	"errors"
	"os"

	"github.com/assetcompute/assetcompute/scripts/depbench/internal/thumbrun"
	"github.com/h2non/bimg"
)

func main() {
	thumbrun.Main("bimg", []string{"box", "fit"}, thumb)
}

func thumb(mode, src, out string) (int, int, error) {
	buf, err := os.ReadFile(src)
	if err != nil {
		return 0, 0, err
	}
	img := bimg.NewImage(buf)
	o := bimg.Options{Quality: thumbrun.Quality, Type: bimg.JPEG}
	switch mode {
	case "box":
		o.Width, o.Height = thumbrun.Box, thumbrun.Box
	case "fit":
		size, err := img.Size()
		if err != nil {
			return 0, 0, err
		}
		md, err := img.Metadata()
		if err != nil {
			return 0, 0, err
		}
		w, h := size.Width, size.Height
		if md.Orientation >= 5 && md.Orientation <= 8 {
			w, h = h, w
		}
		if w > thumbrun.Box || h > thumbrun.Box {
			if w >= h {
				o.Width = thumbrun.Box
			} else {
				o.Height = thumbrun.Box
			}
		}
		o.StripMetadata = true
	default:
		return 0, 0, errors.New("unknown mode")
	}
	res, err := img.Process(o)
	if err != nil {
		return 0, 0, err
	}
	if err := os.WriteFile(out, res, 0o644); err != nil {
		return 0, 0, err
	}
	sz, err := bimg.Size(res)
	if err != nil {
		return 0, 0, err
	}
	return sz.Width, sz.Height, nil
}
