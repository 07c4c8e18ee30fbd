package image

import (
	"bytes"
	"context"
	goimage "image"
	"image/color"
	"image/png"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pngOf encodes a w x h picture whose pixels f gives.
func pngOf(t *testing.T, name string, w, h int, f func(x, y int) color.NRGBA) string {
	t.Helper()
	img := goimage.NewNRGBA(goimage.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, f(x, y))
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return writeTemp(t, name, b.Bytes())
}

func TestPSNR(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	grad := func(x, y int) color.NRGBA { return color.NRGBA{uint8(x), uint8(y), 128, 255} }
	a := pngOf(t, "a.png", 200, 100, grad)
	// b differs from a by 4 in red everywhere: MSE 16/4 = 4 over RGBA.
	b := pngOf(t, "b.png", 200, 100, func(x, y int) color.NRGBA { c := grad(x, y); c.R += 4; return c })
	half := pngOf(t, "half.png", 100, 50, func(x, y int) color.NRGBA { return grad(2*x, 2*y) })
	square := pngOf(t, "square.png", 100, 100, grad)

	same, size, err := e.PSNR(ctx, a, a, 512, t.TempDir())
	require.NoError(t, err)
	assert.True(t, math.IsInf(same, 1))
	assert.Equal(t, goimage.Point{X: 200, Y: 100}, size)

	got, _, err := e.PSNR(ctx, a, b, 512, t.TempDir())
	require.NoError(t, err)
	assert.InDelta(t, 10*math.Log10(255*255/4.0), got, 0.01)

	// A picture half the size is compared with the other shrunk to it.
	got, size, err = e.PSNR(ctx, a, half, 512, t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, goimage.Point{X: 100, Y: 50}, size)
	assert.Greater(t, got, 30.0)

	_, _, err = e.PSNR(ctx, a, square, 512, t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "different shapes")
}
