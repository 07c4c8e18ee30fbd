package image

import (
	"bufio"
	"context"
	"errors"
	goimage "image"
	"image/color"
	"os"

	"golang.org/x/image/bmp"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Sources libvips cannot read safely.
//
// libvips reads BMP and PSD only through its ImageMagick loader, which the
// engine keeps blocked for untrusted input. These formats are decoded in
// Go instead, straight into memory that libvips then owns, and resized by
// vips_thumbnail_image like any other image. They have no shrink-on-load:
// the whole image is decoded, so Limits.MaxFullDecodePixels bounds them,
// checked from the header first.

// goDecoder reads one format in Go.
type goDecoder struct {
	// header reads the size (and profile, for PSD) without decoding.
	header func(path string) (header, error)
	// decode decodes the whole image.
	decode func(ctx context.Context, path string) (*vipsImage, error)
}

// goDecoders are the formats decoded in Go.
var goDecoders = map[SourceType]*goDecoder{
	TypeBMP: {header: bmpHeader, decode: decodeBMP},
	TypePSD: {header: psdHeader, decode: decodePSD},
}

// errOutOfMemory is a pixel buffer that could not be allocated.
var errOutOfMemory = api.Errorf(api.ReasonSourceTooLarge, "source is too large to be decoded in the memory available")

// bmpHeader reads a BMP's size.
func bmpHeader(path string) (header, error) {
	f, err := os.Open(path)
	if err != nil {
		return header{}, api.Wrap(api.ReasonGeneric, err, "source file cannot be opened")
	}
	defer f.Close()
	cfg, err := bmp.DecodeConfig(bufio.NewReader(f))
	if errors.Is(err, bmp.ErrUnsupported) {
		return header{}, api.Wrap(api.ReasonSourceFormatUnsupported, err,
			"source is a BMP variant this service does not read (it reads uncompressed 1, 2, 4, 8, 24 and 32-bit BMP)")
	}
	if err != nil {
		return header{}, err
	}
	return header{Width: cfg.Width, Height: cfg.Height, Bands: 4, Orientation: 1, Space: spaceSRGB, Pages: 1, Loader: "bmp (Go)"}, nil
}

// decodeBMP decodes a BMP into an sRGB image, with alpha when the file
// has any transparency.
func decodeBMP(_ context.Context, path string) (*vipsImage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "source file cannot be opened")
	}
	defer f.Close()
	img, err := bmp.Decode(bufio.NewReader(f))
	if err != nil {
		return nil, api.Wrap(api.ReasonSourceCorrupt, err, "source BMP file is truncated or corrupt: its pixels cannot be decoded")
	}
	return imageFromGo(img)
}

// imageFromGo copies a decoded Go image into a libvips image: RGB, or RGBA
// when some pixel is not opaque.
func imageFromGo(img goimage.Image) (*vipsImage, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	opaque := true
	if o, ok := img.(interface{ Opaque() bool }); ok {
		opaque = o.Opaque()
	}
	bands := 3
	if !opaque {
		bands = 4
	}
	buf := newPixelBuffer(w * h * bands)
	if buf == nil {
		return nil, errOutOfMemory
	}
	pix := buf.Pix
	i := 0
	put := func(c color.NRGBA) {
		pix[i], pix[i+1], pix[i+2] = c.R, c.G, c.B
		if bands == 4 {
			pix[i+3] = c.A
		}
		i += bands
	}
	switch m := img.(type) {
	case *goimage.Paletted:
		pal := make([]color.NRGBA, 256)
		for k, c := range m.Palette {
			pal[k] = color.NRGBAModel.Convert(c).(color.NRGBA)
		}
		for y := 0; y < h; y++ {
			for _, k := range m.Pix[y*m.Stride : y*m.Stride+w] {
				put(pal[k])
			}
		}
	case *goimage.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			for x := 0; x < w; x++ {
				put(color.NRGBA{row[4*x], row[4*x+1], row[4*x+2], row[4*x+3]})
			}
		}
	case *goimage.RGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			for x := 0; x < w; x++ {
				put(color.NRGBAModel.Convert(color.RGBA{row[4*x], row[4*x+1], row[4*x+2], row[4*x+3]}).(color.NRGBA))
			}
		}
	default:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				put(color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA))
			}
		}
	}
	out, err := imageFromPixels(buf, w, h, bands, false, spaceSRGB)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "decoded pixels cannot be handed to libvips")
	}
	return out, nil
}
