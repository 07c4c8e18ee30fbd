package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// gradient returns a w x h picture with a bright disc off centre, for a
// smart crop to find.
func gradient(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 90, 255}
			if dx, dy := x-w*2/3, y-h/3; dx*dx+dy*dy < (w/8)*(w/8) {
				c = color.RGBA{250, 240, 40, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

// TestComposeExampleRequest runs examples/compose-request.json with acs
// process: a smart square crop at 2048, three sizes from it, a watermark
// on the 1024 one.
func TestComposeExampleRequest(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "photo.jpg")
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, gradient(2600, 2200), &jpeg.Options{Quality: 85}))
	require.NoError(t, os.WriteFile(src, buf.Bytes(), 0o600))
	wm, err := filepath.Abs(filepath.Join("..", "..", "examples", "samples", "with-alpha.png"))
	require.NoError(t, err)
	tmpl, err := os.ReadFile(filepath.Join("..", "..", "examples", "compose-request.json"))
	require.NoError(t, err)
	out := filepath.Join(dir, "out")
	req := strings.NewReplacer("@SOURCE@", src, "@OUT@", out, "@WATERMARK@", wm).Replace(string(tmpl))

	code, res, stderr := runProcess(t, req)
	require.Equal(t, exitOK, code, stderr)
	require.Len(t, res.Events, 5)
	for name, size := range map[string]int{"square-2048.jpg": 2048, "square-1024.jpg": 1024, "square-512.jpg": 512,
		"square-256.png": 256, "square-1024-watermarked.jpg": 1024} {
		b, err := os.ReadFile(filepath.Join(out, name))
		require.NoError(t, err, name)
		cfg, _ := decodeImage(t, b)
		assert.Equal(t, [2]int{size, size}, [2]int{cfg.Width, cfg.Height}, name)
	}
	assert.Equal(t, "square-1024.jpg", res.Events[4].Rendition.SourceRendition)
	entries, _ := os.ReadDir(out)
	assert.Len(t, entries, 5, "no intermediate file among the outputs")
}

// TestComposeUnderStrictNetwork composes with --strict-network: the
// built-in workers pass the intermediate output through the private
// scratch directory although local files are refused otherwise.
func TestComposeUnderStrictNetwork(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, gradient(300, 240)))
	data := "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
	secret := filepath.Join(t.TempDir(), "secret.png")
	require.NoError(t, os.WriteFile(secret, buf.Bytes(), 0o600))
	req, _ := json.Marshal(map[string]any{"source": data, "renditions": []map[string]any{
		{"name": "crop.png", "fmt": "png", "width": 120, "height": 120, "crop": "smart"},
		{"name": "small.png", "fmt": "png", "width": 40, "source": map[string]string{"rendition": "crop.png"}, "embedBinaryLimit": 32768},
		{"name": "local.png", "fmt": "png", "width": 40, "watermark": map[string]any{"image": secret}, "embedBinaryLimit": 32768},
	}})
	code, res, stderr := runProcess(t, string(req), "--strict-network")
	require.Equal(t, exitFailed, code, stderr)
	require.Len(t, res.Events, 2, "crop.png is an intermediate step")
	ev := map[string]api.Event{}
	for _, e := range res.Events {
		ev[e.Rendition.Name] = e
	}
	require.Equal(t, api.EventRenditionCreated, ev["small.png"].Type, ev["small.png"].ErrorMessage)
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(ev["small.png"].Data, "data:image/png;base64,"))
	require.NoError(t, err)
	cfg, _ := decodeImage(t, b)
	assert.Equal(t, [2]int{40, 40}, [2]int{cfg.Width, cfg.Height})
	assert.Equal(t, api.EventRenditionFailed, ev["local.png"].Type, "other local files stay refused")
	assert.Contains(t, ev["local.png"].ErrorMessage, "local")
}
