package image_test

import (
	"context"
	"fmt"
	goimage "image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
)

// A 400x200 source asked for inside a 100x100 box comes out 100x50: the
// box is fitted, never filled by distorting the image.
func ExampleEngine_Render() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "source.bin") // the name plays no part
	pic := goimage.NewNRGBA(goimage.Rect(0, 0, 400, 200))
	for i := range pic.Pix {
		pic.Pix[i] = 200
	}
	pic.SetNRGBA(0, 0, color.NRGBA{A: 0})
	f, _ := os.Create(src)
	_ = png.Encode(f, pic)
	_ = f.Close()

	engine, err := image.New(image.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	size := 100
	res, err := engine.Render(context.Background(), src,
		api.Rendition{Fmt: "jpeg", Width: &size, Height: &size, Quality: &size},
		filepath.Join(dir, "thumb.jpg"), image.RenderOptions{})
	if err != nil {
		fmt.Println(api.ReasonOf(err), api.MessageOf(err))
		return
	}
	fmt.Println(res.Source, "->", res.Format, res.Width, res.Height, res.MimeType)

	_, err = engine.Render(context.Background(), filepath.Join(dir, "thumb.jpg"),
		api.Rendition{Fmt: "bmp"}, filepath.Join(dir, "thumb.bmp"), image.RenderOptions{})
	fmt.Println(api.ReasonOf(err))
	// Output:
	// png -> jpg 100 50 image/jpeg
	// RenditionFormatUnsupported
}

// A watermark names its image by URL; Render gets it through the Fetch
// hook, which the thumbnail worker fills from its transfer client. Here it
// is a local file.
func ExampleEngine_Render_watermark() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	write := func(name string, w, h int, c color.NRGBA) string {
		img := goimage.NewNRGBA(goimage.Rect(0, 0, w, h))
		for i := 0; i < len(img.Pix); i += 4 {
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
		}
		p := filepath.Join(dir, name)
		f, _ := os.Create(p)
		_ = png.Encode(f, img)
		_ = f.Close()
		return p
	}
	photo := write("photo.png", 400, 300, color.NRGBA{200, 200, 200, 255})
	logo := write("logo.png", 100, 20, color.NRGBA{0, 0, 255, 255})

	engine, err := image.New(image.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fetch := func(ctx context.Context, url string) (string, error) {
		if url == "https://example.com/logo.png" {
			return logo, nil
		}
		return "", api.Errorf(api.ReasonGeneric, "%s: not found", url)
	}
	width := 200
	res, err := engine.Render(context.Background(), photo,
		api.Rendition{Fmt: "png", Width: &width, Watermark: &api.Watermark{Image: "https://example.com/logo.png", Scale: 0.5}},
		filepath.Join(dir, "marked.png"), image.RenderOptions{Fetch: fetch})
	if err != nil {
		fmt.Println(api.ReasonOf(err), api.MessageOf(err))
		return
	}
	f, _ := os.Open(filepath.Join(dir, "marked.png"))
	defer f.Close()
	marked, _ := png.Decode(f)
	// The logo is fitted inside 100x75, half the rendition: 100x20, centred.
	fmt.Println(res.Width, res.Height, color.NRGBAModel.Convert(marked.At(100, 75)), color.NRGBAModel.Convert(marked.At(100, 60)))
	// Output:
	// 200 150 {0 0 255 255} {200 200 200 255}
}
