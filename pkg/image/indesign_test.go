package image

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	goimage "image"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/indd/inddtest"
)

// halves returns a w x h picture whose left half is l and right half r.
func halves(w, h int, l, r color.NRGBA) *goimage.NRGBA {
	img := goimage.NewNRGBA(goimage.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := l
			if x >= w/2 {
				c = r
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// vipsJPEG encodes img as JPEG with libvips (through the engine).
func vipsJPEG(t testing.TB, e *Engine, img goimage.Image) []byte {
	t.Helper()
	_, out := render(t, e, pngFile(t, img), api.Rendition{Fmt: "jpg", Quality: intp(95)})
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	return data
}

var (
	red   = color.NRGBA{255, 0, 0, 255}
	green = color.NRGBA{0, 255, 0, 255}
	blue  = color.NRGBA{0, 0, 255, 255}
)

// inddSample writes an INDD-like document whose XMP holds a small
// document thumbnail (blue, 64x48) and two page thumbnails: 128x96
// (blue) and the largest, 256x192 (red left, green right).
func inddSample(t testing.TB, e *Engine, name string) string {
	t.Helper()
	thumbs := []inddtest.Thumb{
		{Width: 64, Height: 48, JPEG: vipsJPEG(t, e, halves(64, 48, blue, blue))},
		{Width: 256, Height: 192, JPEG: vipsJPEG(t, e, halves(256, 192, red, green))},
		{Width: 128, Height: 96, JPEG: vipsJPEG(t, e, halves(128, 96, blue, blue))},
	}
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, inddtest.Document(inddtest.Packet("Brochure", "Ada", thumbs), 5), 0o644))
	return p
}

func assertHalves(t testing.TB, path string, w, h int, l, r color.NRGBA) {
	t.Helper()
	img := decodeFile(t, path)
	require.Equal(t, [2]int{w, h}, [2]int{img.Bounds().Dx(), img.Bounds().Dy()})
	for _, p := range []struct {
		x int
		c color.NRGBA
	}{{w / 8, l}, {w - w/8, r}} {
		got := rgbAt(img, p.x, h/2)
		for i, want := range []uint8{p.c.R, p.c.G, p.c.B} {
			require.InDelta(t, float64(want), got[i], 16, "pixel at %d: %v, want %v", p.x, got, p.c)
		}
	}
}

// TestRenderInDesignThumbnail renders an INDD and an INDT from the
// largest page thumbnail of their XMP packet.
func TestRenderInDesignThumbnail(t *testing.T) {
	e := testEngine(t)
	for _, name := range []string{"brochure.indd", "brochure.indt"} {
		src := inddSample(t, e, name)
		res, out := render(t, e, src, api.Rendition{Fmt: "png", Width: intp(100)})
		require.Equal(t, TypeINDD, res.Source)
		require.Equal(t, [2]int{100, 75}, [2]int{res.Width, res.Height})
		assertHalves(t, out, 100, 75, red, green)
	}
}

// TestInDesignThumbnailNotEnlarged asks for more than the largest
// thumbnail: it is used as it is, unless the rendition says upscale.
func TestInDesignThumbnailNotEnlarged(t *testing.T) {
	e := testEngine(t)
	src := inddSample(t, e, "a.indd")
	res, out := render(t, e, src, api.Rendition{Fmt: "jpg", Width: intp(1000)})
	require.Equal(t, [2]int{256, 192}, [2]int{res.Width, res.Height})
	assertHalves(t, out, 256, 192, red, green)
	res, _ = render(t, e, src, api.Rendition{Fmt: "jpg", Width: intp(512), Upscale: true})
	require.Equal(t, [2]int{512, 384}, [2]int{res.Width, res.Height})
}

func inddRenderErr(t *testing.T, e *Engine, src string) *api.Error {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.png")
	_, err := e.Render(context.Background(), src, api.Rendition{Fmt: "png", Width: intp(100)}, out, RenderOptions{})
	var ae *api.Error
	require.True(t, errors.As(err, &ae), "%v", err)
	require.NoFileExists(t, out)
	return ae
}

// TestInDesignWithoutThumbnails: no thumbnail, no packet, a packet cut
// short, a thumbnail that is not a JPEG.
func TestInDesignWithoutThumbnails(t *testing.T) {
	e := testEngine(t)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o644))
		return p
	}
	noThumbs := write("none.indd", inddtest.Document(inddtest.Packet("T", "A", nil), 3))
	ae := inddRenderErr(t, e, noThumbs)
	require.Equal(t, api.ReasonSourceFormatUnsupported, ae.Reason)
	require.Contains(t, ae.Message, "without page thumbnails")

	doc := inddtest.Document(inddtest.Packet("T", "A", nil), 3)
	noXMP := write("noxmp.indd", doc[:3*4096])
	ae = inddRenderErr(t, e, noXMP)
	require.Equal(t, api.ReasonSourceFormatUnsupported, ae.Reason)
	require.Contains(t, ae.Message, "without an XMP packet")

	full := inddtest.Document(inddtest.Packet("T", "A", []inddtest.Thumb{{Width: 64, Height: 48, JPEG: vipsJPEG(t, e, halves(64, 48, red, red))}}), 3)
	i := bytes.Index(full, []byte("<xmpGImg:image>"))
	cut := write("cut.indd", full[:i+400])
	ae = inddRenderErr(t, e, cut)
	require.Equal(t, api.ReasonSourceCorrupt, ae.Reason, ae.Message)

	bad := inddtest.Document(inddtest.Packet("T", "A", []inddtest.Thumb{{Width: 64, Height: 48, JPEG: []byte("\xff\xd8\xff\xe0 not really a JPEG")}}), 3)
	ae = inddRenderErr(t, e, write("bad.indd", bad))
	require.Equal(t, api.ReasonSourceCorrupt, ae.Reason, ae.Message)
}

// TestIDMLPreview: an IDML package without a preview is refused with a
// message that says why; one with a preview image gets it rendered.
func TestIDMLPreview(t *testing.T) {
	e := testEngine(t)
	build := func(extra map[string][]byte) string {
		var b bytes.Buffer
		w := zip.NewWriter(&b)
		fw, err := w.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
		require.NoError(t, err)
		_, _ = fw.Write([]byte("application/vnd.adobe.indesign-idml-package"))
		for name, data := range map[string][]byte{"designmap.xml": []byte("<Document/>")} {
			fw, _ := w.Create(name)
			_, _ = fw.Write(data)
		}
		for name, data := range extra {
			fw, _ := w.Create(name)
			_, _ = fw.Write(data)
		}
		require.NoError(t, w.Close())
		p := filepath.Join(t.TempDir(), "doc.idml")
		require.NoError(t, os.WriteFile(p, b.Bytes(), 0o644))
		return p
	}
	ae := inddRenderErr(t, e, build(nil))
	require.Equal(t, api.ReasonSourceFormatUnsupported, ae.Reason)
	require.Contains(t, ae.Message, "IDML")
	require.Contains(t, ae.Message, "no preview")

	src := build(map[string][]byte{"META-INF/preview.jpg": vipsJPEG(t, e, halves(80, 60, green, red))})
	res, out := render(t, e, src, api.Rendition{Fmt: "png", Width: intp(40)})
	require.Equal(t, TypeIDML, res.Source)
	assertHalves(t, out, 40, 30, green, red)
}
