package image

import (
	"context"
	"fmt"
	goimage "image"
	"math"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// PSNR compares the pictures in the files at a and b: both are decoded and
// shrunk to fit maxSide x maxSide pixels by libvips, through the same steps
// as Pixels, and compared over R, G, B and A. It returns the peak
// signal-to-noise ratio in decibels (+Inf for identical pixels), and the
// size the two were compared at. Pictures whose shapes differ by more than
// a pixel (two different crops) cannot be compared and give an error.
func (e *Engine) PSNR(ctx context.Context, a, b string, maxSide int, tmpDir string) (float64, goimage.Point, error) {
	pa, err := e.Pixels(ctx, a, api.Rendition{}, maxSide, tmpDir)
	if err != nil {
		return 0, goimage.Point{}, err
	}
	pb, err := e.Pixels(ctx, b, api.Rendition{}, maxSide, tmpDir)
	if err != nil {
		return 0, goimage.Point{}, err
	}
	sa, sb := pa.Bounds().Size(), pb.Bounds().Size()
	if sa != sb {
		// Shrink the larger to the smaller's longest side, then compare
		// what the two have in common when the shapes agree.
		side := max(min(sa.X, sb.X), min(sa.Y, sb.Y))
		if sa.X*sa.Y > sb.X*sb.Y {
			pa, err = e.Pixels(ctx, a, api.Rendition{}, side, tmpDir)
		} else {
			pb, err = e.Pixels(ctx, b, api.Rendition{}, side, tmpDir)
		}
		if err != nil {
			return 0, goimage.Point{}, err
		}
		sa, sb = pa.Bounds().Size(), pb.Bounds().Size()
		if absInt(sa.X-sb.X) > 1 || absInt(sa.Y-sb.Y) > 1 {
			return 0, goimage.Point{}, api.Errorf(api.ReasonGeneric, "image: psnr: the pictures have different shapes (%dx%d and %dx%d)", sa.X, sa.Y, sb.X, sb.Y)
		}
	}
	size := goimage.Point{X: min(sa.X, sb.X), Y: min(sa.Y, sb.Y)}
	if size.X == 0 || size.Y == 0 {
		return 0, size, fmt.Errorf("image: psnr: empty picture")
	}
	var sum float64
	for y := 0; y < size.Y; y++ {
		ra := pa.Pix[y*pa.Stride : y*pa.Stride+size.X*4]
		rb := pb.Pix[y*pb.Stride : y*pb.Stride+size.X*4]
		for i := range ra {
			d := float64(ra[i]) - float64(rb[i])
			sum += d * d
		}
	}
	if sum == 0 {
		return math.Inf(1), size, nil
	}
	mse := sum / float64(size.X*size.Y*4)
	return 10 * math.Log10(255*255/mse), size, nil
}

// absInt returns |v|.
func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
