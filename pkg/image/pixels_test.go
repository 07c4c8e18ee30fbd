package image

import (
	"context"
	goimage "image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// TestPixels: the picture comes back shrunk to fit, aspect kept, alpha
// kept, colours as in the source; a small source is not enlarged; a
// broken one fails with its reason.
func TestPixels(t *testing.T) {
	e := testEngine(t)
	dir := t.TempDir()
	src := goimage.NewNRGBA(goimage.Rect(0, 0, 1200, 600))
	for y := 0; y < 600; y++ {
		for x := 0; x < 1200; x++ {
			c := color.NRGBA{200, 30, 40, 255}
			if x >= 600 {
				c = color.NRGBA{0, 0, 255, 0} // transparent right half
			}
			src.SetNRGBA(x, y, c)
		}
	}
	path := filepath.Join(dir, "in.png")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, src))
	require.NoError(t, f.Close())

	px, err := e.Pixels(context.Background(), path, api.Rendition{}, 256, dir)
	require.NoError(t, err)
	assert.Equal(t, goimage.Rect(0, 0, 256, 128), px.Bounds())
	left := px.NRGBAAt(60, 60)
	assert.InDelta(t, 200, int(left.R), 2)
	assert.InDelta(t, 30, int(left.G), 2)
	assert.Equal(t, uint8(255), left.A)
	assert.Equal(t, uint8(0), px.NRGBAAt(200, 60).A, "alpha is kept")

	px, err = e.Pixels(context.Background(), path, api.Rendition{}, 4000, dir)
	require.NoError(t, err)
	assert.Equal(t, goimage.Rect(0, 0, 1200, 600), px.Bounds(), "never enlarged")

	bad := filepath.Join(dir, "bad.png")
	require.NoError(t, os.WriteFile(bad, []byte("\x89PNG\r\n\x1a\nnot really"), 0o600))
	_, err = e.Pixels(context.Background(), bad, api.Rendition{}, 256, dir)
	require.Error(t, err)
	assert.Contains(t, []api.Reason{api.ReasonSourceCorrupt, api.ReasonSourceFormatUnsupported}, api.ReasonOf(err))
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 2, "no file left behind")
}
