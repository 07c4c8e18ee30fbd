package image

import (
	"context"
	goimage "image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// pixelsStartEnv makes the test binary run TestPixelsStartChild as a
// child process.
const pixelsStartEnv = "ASSETCOMPUTE_IMAGE_PIXELS_START_CHILD"

// TestPixelsWaitsForLibvips: Pixels is the first call of an analysis, and
// New starts libvips in the background; Pixels must wait for that start
// as Render does, or it runs libvips before libvips is initialised (a
// crash, or "png cannot be written", in one cold action out of a few).
// Each child calls New then Pixels at once in a fresh process, racing
// the start; a few children make a lost race all but certain without the
// wait.
func TestPixelsWaitsForLibvips(t *testing.T) {
	dir := t.TempDir()
	img := goimage.NewNRGBA(goimage.Rect(0, 0, 64, 32))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	img.SetNRGBA(3, 3, color.NRGBA{255, 0, 0, 255})
	path := filepath.Join(dir, "in.png")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())

	for i := 0; i < 16; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPixelsStartChild$", "-test.v")
		cmd.Env = append(os.Environ(), pixelsStartEnv+"="+path)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "child %d: %s", i, out)
		require.Contains(t, string(out), "PIXELS-OK 64x32")
	}
}

// TestPixelsStartChild is the child process of TestPixelsWaitsForLibvips;
// it does nothing in a normal run.
func TestPixelsStartChild(t *testing.T) {
	path := os.Getenv(pixelsStartEnv)
	if path == "" {
		t.Skip("child process only")
	}
	e, err := New(Options{})
	require.NoError(t, err)
	px, err := e.Pixels(context.Background(), path, api.Rendition{}, 384, filepath.Dir(path))
	require.NoError(t, err)
	b := px.Bounds()
	os.Stdout.WriteString("PIXELS-OK " + strconv.Itoa(b.Dx()) + "x" + strconv.Itoa(b.Dy()) + "\n")
}
