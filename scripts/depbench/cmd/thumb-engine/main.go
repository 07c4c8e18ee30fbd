// Command thumb-engine makes 256-pixel JPEG thumbnails with this project's
// image engine (pkg/image), through its public API, for bench-deps.sh.
//
//	thumb-engine -out DIR [-passes N] FILE...
//
// The rendition is {"fmt": "jpg", "width": 256, "height": 256,
// "quality": 80}: fit inside the box, EXIF orientation applied, metadata
// dropped. The engine runs with its defaults (one libvips thread per
// render, operation cache off).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/scripts/depbench/internal/thumbrun"
)

func main() {
	engine, err := image.New(image.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	box, q := thumbrun.Box, thumbrun.Quality
	r := api.Rendition{Fmt: "jpg", Width: &box, Height: &box, Quality: &q}
	thumbrun.Main("engine", []string{"fit"}, func(_, src, out string) (int, int, error) {
		res, err := engine.Render(context.Background(), src, r, out, image.RenderOptions{})
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %s", api.ReasonOf(err), api.MessageOf(err))
		}
		return res.Width, res.Height, nil
	})
}
