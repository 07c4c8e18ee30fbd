package image

import (
	"context"
	"fmt"
	goimage "image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
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

// pixelsFirstEnv makes the test binary run TestPixelsFirstCallChild.
const pixelsFirstEnv = "ASSETCOMPUTE_IMAGE_PIXELS_FIRST_CHILD"

// TestPixelsFirstCallWaitsForStart: New starts libvips in the background;
// a Pixels call made at once must wait for that start, as Render does,
// rather than call libvips while it initialises (which aborted the
// process in vips_class_build_hash or made every saver look missing).
// Each run is a fresh process, so each first call races the start.
func TestPixelsFirstCallWaitsForStart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "in.png")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, goimage.NewNRGBA(goimage.Rect(0, 0, 40, 30))))
	require.NoError(t, f.Close())
	for i := 0; i < 8; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPixelsFirstCallChild$", "-test.v")
		cmd.Env = append(os.Environ(), pixelsFirstEnv+"="+path)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "run %d: %s", i, out)
		require.Contains(t, string(out), "pixels 40x30", "run %d", i)
	}
}

// TestPixelsFirstCallChild is the child of TestPixelsFirstCallWaitsForStart.
func TestPixelsFirstCallChild(t *testing.T) {
	path := os.Getenv(pixelsFirstEnv)
	if path == "" {
		t.Skip("child of TestPixelsFirstCallWaitsForStart")
	}
	e, err := New(Options{})
	require.NoError(t, err)
	px, err := e.Pixels(context.Background(), path, api.Rendition{}, 64, filepath.Dir(path))
	require.NoError(t, err)
	fmt.Printf("pixels %dx%d\n", px.Bounds().Dx(), px.Bounds().Dy())
}
