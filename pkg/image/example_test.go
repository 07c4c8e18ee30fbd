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
		filepath.Join(dir, "thumb.jpg"))
	if err != nil {
		fmt.Println(api.ReasonOf(err), api.MessageOf(err))
		return
	}
	fmt.Println(res.Source, "->", res.Format, res.Width, res.Height, res.MimeType)

	_, err = engine.Render(context.Background(), filepath.Join(dir, "thumb.jpg"),
		api.Rendition{Fmt: "bmp"}, filepath.Join(dir, "thumb.bmp"))
	fmt.Println(api.ReasonOf(err))
	// Output:
	// png -> jpg 100 50 image/jpeg
	// RenditionFormatUnsupported
}
