package image

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	goimage "image"
	"image/color"
	"image/gif"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// One test per rendition instruction, each inspecting the rendition file.

// renderWith renders with per-call options.
func renderWith(t testing.TB, e *Engine, src string, r api.Rendition, opts RenderOptions) (*Result, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out."+r.Fmt)
	res, err := e.Render(context.Background(), src, r, out, opts)
	require.NoError(t, err)
	return res, out
}

// assertRGB checks one pixel within tol levels per channel.
func assertRGB(t testing.TB, img goimage.Image, x, y int, want [3]float64, tol float64, what string) {
	t.Helper()
	got := rgbAt(img, img.Bounds().Min.X+x, img.Bounds().Min.Y+y)
	for i := range got {
		if !assert.InDelta(t, want[i], got[i], tol, "%s: pixel %d,%d is %v, want %v", what, x, y, got, want) {
			return
		}
	}
}

func nrgb(c color.NRGBA) [3]float64 { return [3]float64{float64(c.R), float64(c.G), float64(c.B)} }

func TestCropRectangle(t *testing.T) {
	e := testEngine(t)
	g := gradient(400, 300)
	src := pngFile(t, g)

	t.Run("at source scale the pixels are the source's", func(t *testing.T) {
		res, out := render(t, e, src, api.Rendition{Fmt: "png", Crop: &api.Crop{X: 100, Y: 50, W: 200, H: 100}})
		assert.Equal(t, [2]int{200, 100}, [2]int{res.Width, res.Height})
		img := decodeFile(t, out)
		for _, p := range [][2]int{{0, 0}, {199, 0}, {0, 99}, {199, 99}, {57, 31}} {
			assertRGB(t, img, p[0], p[1], nrgb(g.NRGBAAt(100+p[0], 50+p[1])), 0.5, "crop")
		}
	})
	t.Run("then fitted inside width and height", func(t *testing.T) {
		res, out := render(t, e, src, api.Rendition{Fmt: "png", Width: intp(100), Height: intp(100), Crop: &api.Crop{X: 100, Y: 50, W: 200, H: 100}})
		assert.Equal(t, [2]int{100, 50}, [2]int{res.Width, res.Height})
		img := decodeFile(t, out)
		// Output pixel (i, j) covers source pixels 100+2i.., 50+2j..
		for _, p := range [][2]int{{0, 0}, {99, 49}, {50, 25}} {
			assertRGB(t, img, p[0], p[1], nrgb(g.NRGBAAt(100+2*p[0], 50+2*p[1])), 3, "scaled crop")
		}
	})
	t.Run("enlarged far, cut before scaling", func(t *testing.T) {
		res, out := render(t, e, src, api.Rendition{Fmt: "png", Width: intp(1000), Upscale: true, Crop: &api.Crop{X: 390, Y: 290, W: 10, H: 10}})
		assert.Equal(t, [2]int{1000, 1000}, [2]int{res.Width, res.Height})
		img := decodeFile(t, out)
		assertRGB(t, img, 500, 500, nrgb(g.NRGBAAt(395, 295)), 3, "enlarged crop")
	})
	t.Run("in upright coordinates of a rotated source", func(t *testing.T) {
		c := &api.Crop{X: 0, Y: 0, W: 225, H: 300} // the top-left quarter of the upright picture
		_, ref := render(t, e, corpus(t, "Portrait_1.jpg"), api.Rendition{Fmt: "png", Crop: c})
		for _, n := range []int{3, 6, 8} {
			res, out := render(t, e, corpus(t, fmt.Sprintf("Portrait_%d.jpg", n)), api.Rendition{Fmt: "png", Crop: c})
			assert.Equal(t, [2]int{225, 300}, [2]int{res.Width, res.Height})
			assert.Less(t, meanAbsDiff(t, decodeFile(t, ref), decodeFile(t, out)), 8.0, "orientation %d", n)
		}
	})
}

func TestCropSmart(t *testing.T) {
	e := testEngine(t)
	// Flat grey with a saturated checkerboard near the right edge.
	src := goimage.NewNRGBA(goimage.Rect(0, 0, 600, 200))
	for y := 0; y < 200; y++ {
		for x := 0; x < 600; x++ {
			c := color.NRGBA{128, 128, 128, 255}
			if x >= 450 && x < 550 && y >= 50 && y < 150 {
				c = color.NRGBA{255, 0, 0, 255}
				if (x/10+y/10)%2 == 0 {
					c = color.NRGBA{255, 220, 0, 255}
				}
			}
			src.SetNRGBA(x, y, c)
		}
	}
	path := pngFile(t, src)
	res, out := render(t, e, path, api.Rendition{Fmt: "png", Width: intp(100), Height: intp(100), Crop: &api.Crop{Smart: true}})
	assert.Equal(t, [2]int{100, 100}, [2]int{res.Width, res.Height}, "the box, filled")
	m := meanColour(decodeFile(t, out))
	assert.Greater(t, m[0]-m[2], 60.0, "the crop holds the checkerboard, not the grey centre: mean %v", m)

	t.Run("never enlarged by default: the box shrinks to fit the source", func(t *testing.T) {
		res, _ := render(t, e, path, api.Rendition{Fmt: "png", Width: intp(400), Height: intp(400), Crop: &api.Crop{Smart: true}})
		assert.Equal(t, [2]int{200, 200}, [2]int{res.Width, res.Height})
	})
	t.Run("an animation is cut in every frame at the same place", func(t *testing.T) {
		res, out := render(t, e, corpus(t, "animated-loop-3.gif"), api.Rendition{Fmt: "gif", Animated: true, Width: intp(50), Height: intp(50), Crop: &api.Crop{Smart: true}})
		assert.Equal(t, [3]int{50, 50, 10}, [3]int{res.Width, res.Height, res.Frames})
		g, err := gif.DecodeAll(bytes.NewReader(readFile(t, out)))
		require.NoError(t, err)
		assert.Len(t, g.Image, 10)
		assert.Equal(t, 50, g.Config.Width)
		require.NotNil(t, res.Crop, "the rectangle is reported for an animation too")
		assert.Equal(t, res.Crop.W, res.Crop.H, "a square of the source")
	})
}

func TestWatermark(t *testing.T) {
	e := testEngine(t)
	base := pngFile(t, gradient(400, 300))
	// A 100x50 logo: opaque blue, its right half half-transparent white.
	logo := goimage.NewNRGBA(goimage.Rect(0, 0, 100, 50))
	for y := 0; y < 50; y++ {
		for x := 0; x < 100; x++ {
			c := color.NRGBA{0, 0, 255, 255}
			if x >= 50 {
				c = color.NRGBA{255, 255, 255, 128}
			}
			logo.SetNRGBA(x, y, c)
		}
	}
	logoPath := pngFile(t, logo)
	var asked []string
	fetch := func(ctx context.Context, url string) (string, error) {
		asked = append(asked, url)
		switch url {
		case "https://example.com/logo.png":
			return logoPath, nil
		case "https://example.com/broken.png":
			return writeTemp(t, "broken.png", truncate(readFile(t, logoPath), 60)), nil
		}
		return "", api.Errorf(api.ReasonGeneric, "%s: not found (404)", url)
	}
	opts := RenderOptions{Fetch: fetch}

	res, out := renderWith(t, e, base, api.Rendition{Fmt: "png", Watermark: &api.Watermark{Image: "https://example.com/logo.png", Scale: 0.5}}, opts)
	assert.Equal(t, []string{"https://example.com/logo.png"}, asked)
	assert.Equal(t, [2]int{400, 300}, [2]int{res.Width, res.Height})
	img := decodeFile(t, out)
	// Fitted inside 200x150: 200x100, centred at 100..300 x 100..200.
	g := gradient(400, 300)
	assertRGB(t, img, 10, 10, nrgb(g.NRGBAAt(10, 10)), 1, "outside the watermark")
	assertRGB(t, img, 95, 150, nrgb(g.NRGBAAt(95, 150)), 1, "left of the watermark")
	assertRGB(t, img, 150, 150, [3]float64{0, 0, 255}, 2, "opaque part")
	half := func(c uint8) float64 { return (255*128 + float64(c)*127) / 255 }
	under := g.NRGBAAt(250, 150)
	assertRGB(t, img, 250, 150, [3]float64{half(under.R), half(under.G), half(under.B)}, 3, "translucent part blends")
	assertRGB(t, img, 150, 95, nrgb(g.NRGBAAt(150, 95)), 1, "above the watermark")

	t.Run("on a jpg, after resizing", func(t *testing.T) {
		res, out := renderWith(t, e, base, api.Rendition{Fmt: "jpg", Width: intp(200), Watermark: &api.Watermark{Image: "https://example.com/logo.png", Scale: 1}}, opts)
		assert.Equal(t, [2]int{200, 150}, [2]int{res.Width, res.Height})
		img := decodeFile(t, out)
		// Fitted inside 200x150: 200x100 at y 25..125.
		assertRGB(t, img, 50, 75, [3]float64{0, 0, 255}, 12, "opaque part")
		assertRGB(t, img, 50, 10, nrgb(g.NRGBAAt(100, 20)), 12, "above it")
	})
	t.Run("over every frame of an animation", func(t *testing.T) {
		res, out := renderWith(t, e, corpus(t, "animated-loop-3.gif"), api.Rendition{Fmt: "gif", Animated: true, Width: intp(100),
			Watermark: &api.Watermark{Image: "https://example.com/logo.png", Scale: 0.5}}, opts)
		require.Equal(t, 10, res.Frames)
		anim, err := gif.DecodeAll(bytes.NewReader(readFile(t, out)))
		require.NoError(t, err)
		require.Len(t, anim.Image, 10)
		for i, frame := range []int{0, 9} {
			// Frames may be stored as sub-rectangles: draw them up.
			canvas := goimage.NewNRGBA(goimage.Rect(0, 0, anim.Config.Width, anim.Config.Height))
			for k := 0; k <= frame; k++ {
				drawOver(canvas, anim.Image[k])
			}
			assertRGB(t, canvas, 35, res.Height/2, [3]float64{0, 0, 255}, 40, fmt.Sprintf("frame %d (%d)", frame, i))
		}
	})
	t.Run("a watermark that cannot be fetched", func(t *testing.T) {
		_, err := e.Render(context.Background(), base, api.Rendition{Fmt: "png", Watermark: &api.Watermark{Image: "https://example.com/missing.png", Scale: 1}},
			filepath.Join(t.TempDir(), "o.png"), opts)
		assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
		assert.Contains(t, api.MessageOf(err), "watermark: the image cannot be fetched")
	})
	t.Run("a corrupt watermark image", func(t *testing.T) {
		_, err := e.Render(context.Background(), base, api.Rendition{Fmt: "png", Watermark: &api.Watermark{Image: "https://example.com/broken.png", Scale: 1}},
			filepath.Join(t.TempDir(), "o.png"), opts)
		assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err), "%v", err)
		assert.Contains(t, api.MessageOf(err), "watermark:")
	})
}

// drawOver paints src's opaque pixels over dst, as a GIF decoder does.
func drawOver(dst *goimage.NRGBA, src *goimage.Paletted) {
	b := src.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if c := color.NRGBAModel.Convert(src.At(x, y)).(color.NRGBA); c.A > 0 {
				dst.SetNRGBA(x, y, c)
			}
		}
	}
}

func TestJPEGSize(t *testing.T) {
	e := testEngine(t)
	src := corpus(t, "2569067123_aca715a2ee_o.jpg")
	const limit = 30000
	res, out := render(t, e, src, api.Rendition{Fmt: "jpg", Width: intp(800), JPEGSize: int64p(limit)})
	fi, err := os.Stat(out)
	require.NoError(t, err)
	assert.LessOrEqual(t, fi.Size(), int64(limit))
	assert.Equal(t, fi.Size(), res.Bytes)
	require.Greater(t, res.Quality, 1)
	require.Less(t, res.Quality, 100)
	// The highest quality that fits: one more does not.
	over, _ := render(t, e, src, api.Rendition{Fmt: "jpg", Width: intp(800), Quality: intp(res.Quality + 1)})
	assert.Greater(t, over.Bytes, int64(limit), "quality %d would not fit", res.Quality+1)
	decodeFile(t, out)

	t.Run("counting the metadata it embeds", func(t *testing.T) {
		xmp := strings.Repeat(" ", 4000)
		xmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/">` + xmp + `</x:xmpmeta>`
		res, out := render(t, e, src, api.Rendition{Fmt: "jpg", Width: intp(800), JPEGSize: int64p(limit), XMP: base64.StdEncoding.EncodeToString([]byte(xmp))})
		assert.LessOrEqual(t, res.Bytes, int64(limit))
		assert.NotNil(t, jpegSegment(readFile(t, out), 0xe1, jpegXMPHeader))
	})
	t.Run("a small thumbnail fits at quality 100", func(t *testing.T) {
		res, _ := render(t, e, src, api.Rendition{Fmt: "jpg", Width: intp(32), JPEGSize: int64p(limit)})
		assert.Equal(t, 100, res.Quality)
	})
}

func TestInterlace(t *testing.T) {
	e := testEngine(t)
	src := corpus(t, "Portrait_2.jpg")
	for _, interlace := range []bool{false, true} {
		t.Run(fmt.Sprint("interlace=", interlace), func(t *testing.T) {
			_, out := render(t, e, src, api.Rendition{Fmt: "jpg", Width: intp(200), Interlace: interlace})
			markers := jpegMarkers(t, readFile(t, out))
			assert.Equal(t, interlace, bytes.IndexByte(markers, 0xc2) >= 0, "progressive (SOF2): markers % x", markers)
			assert.Equal(t, !interlace, bytes.IndexByte(markers, 0xc0) >= 0 || bytes.IndexByte(markers, 0xc1) >= 0, "baseline (SOF0/1)")
			decodeFile(t, out)

			_, out = render(t, e, src, api.Rendition{Fmt: "png", Width: intp(200), Interlace: interlace})
			data := readFile(t, out)
			assert.Equal(t, interlace, data[8+8+12] == 1, "PNG IHDR interlace method is Adam7")
			decodeFile(t, out)

			_, out = render(t, e, src, api.Rendition{Fmt: "gif", Width: intp(200), Interlace: interlace})
			assert.Equal(t, interlace, gifInterlaced(t, readFile(t, out)))
			assert.Equal(t, goimage.Pt(200, 267), decodeFile(t, out).Bounds().Size())
		})
	}
}

func TestDPIIsRecorded(t *testing.T) {
	e := testEngine(t)
	src := corpus(t, "Portrait_1.jpg")
	for _, f := range []string{"jpg", "png", "webp", "tiff", "avif", "heic"} {
		t.Run(f, func(t *testing.T) {
			skipUnwritable(t, f)
			res, out := render(t, e, src, api.Rendition{Fmt: f, Width: intp(90), DPI: &api.DPI{X: 300, Y: 150}})
			assert.Equal(t, [2]int{90, 120}, [2]int{res.Width, res.Height}, "dpi does not resample")
			if f == "jpg" || f == "png" || f == "tiff" { // libvips reads no resolution from the others
				h := readBack(t, out)
				assert.InDelta(t, 300, h.XRes*25.4, 0.05, "x resolution as libvips reads it")
				assert.InDelta(t, 150, h.YRes*25.4, 0.05, "y resolution as libvips reads it")
			}
			listing := exiftool(t, out)
			x := exifTag(listing, map[string]string{"jpg": "JFIF", "png": "PNG-pHYs", "webp": "IFD0", "tiff": "IFD0", "avif": "IFD0", "heic": "IFD0"}[f],
				map[string]string{"jpg": "XResolution", "png": "PixelsPerUnitX", "webp": "XResolution", "tiff": "XResolution", "avif": "XResolution", "heic": "XResolution"}[f])
			want := map[string]string{"png": "11811"}[f]
			if want == "" {
				want = "300"
			}
			assert.Equal(t, want, x, "exiftool reads the resolution:\n%s", listing)
		})
	}
}

func skipUnwritable(t *testing.T, f string) {
	t.Helper()
	formats, err := OutputFormats()
	require.NoError(t, err)
	if !contains(formats, f) {
		t.Skipf("this libvips build cannot write %s", f)
	}
}

func TestConvertToDPI(t *testing.T) {
	e := testEngine(t)
	src := corpus(t, "Portrait_1.jpg") // 450x600 at 72 dpi
	tests := []struct {
		name string
		r    api.Rendition
		w, h int
		dpi  [2]float64
	}{
		{"doubling the resolution doubles the pixels", api.Rendition{Fmt: "png", ConvertToDPI: &api.DPI{X: 144, Y: 144}}, 900, 1200, [2]float64{144, 144}},
		{"halving it halves them", api.Rendition{Fmt: "jpg", ConvertToDPI: &api.DPI{X: 36, Y: 36}}, 225, 300, [2]float64{36, 36}},
		{"per axis", api.Rendition{Fmt: "tiff", ConvertToDPI: &api.DPI{X: 144, Y: 72}}, 900, 600, [2]float64{144, 72}},
		{"width caps the result", api.Rendition{Fmt: "png", ConvertToDPI: &api.DPI{X: 144, Y: 144}, Width: intp(300)}, 300, 400, [2]float64{144, 144}},
		{"dpi overrides the recorded value", api.Rendition{Fmt: "png", ConvertToDPI: &api.DPI{X: 144, Y: 144}, DPI: &api.DPI{X: 300, Y: 300}}, 900, 1200, [2]float64{300, 300}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, out := render(t, e, src, tc.r)
			assert.Equal(t, [2]int{tc.w, tc.h}, [2]int{res.Width, res.Height})
			h := readBack(t, out)
			assert.InDelta(t, tc.dpi[0], h.XRes*25.4, 0.05)
			assert.InDelta(t, tc.dpi[1], h.YRes*25.4, 0.05)
		})
	}
	t.Run("from the resolution the source records", func(t *testing.T) {
		_, at300 := render(t, e, src, api.Rendition{Fmt: "png", DPI: &api.DPI{X: 300, Y: 300}})
		res, _ := render(t, e, at300, api.Rendition{Fmt: "png", ConvertToDPI: &api.DPI{X: 150, Y: 150}})
		assert.Equal(t, [2]int{225, 300}, [2]int{res.Width, res.Height})
	})
	t.Run("a PDF is drawn at the resolution, sharp", func(t *testing.T) {
		res, out := render(t, e, testPDF(t), api.Rendition{Fmt: "png", ConvertToDPI: &api.DPI{X: 288, Y: 288}})
		assert.Equal(t, [2]int{800, 400}, [2]int{res.Width, res.Height}, "200x100 points at 4 pixels per point")
		img := decodeFile(t, out)
		assertRGB(t, img, 398, 200, [3]float64{255, 0, 0}, 1, "left of the edge")
		assertRGB(t, img, 402, 200, [3]float64{255, 255, 255}, 1, "right of the edge: no blur from enlarging")
	})
}

func TestBackground(t *testing.T) {
	e := testEngine(t)
	t.Run("a PDF's paper takes pdfbgcolor", func(t *testing.T) {
		_, out := render(t, e, testPDF(t), api.Rendition{Fmt: "png", Background: "#00ff00"})
		img := decodeFile(t, out)
		assertRGB(t, img, 50, 50, [3]float64{255, 0, 0}, 1, "painted")
		assertRGB(t, img, 150, 50, [3]float64{0, 255, 0}, 1, "paper")
	})
	t.Run("a PDF's paper is white by default", func(t *testing.T) {
		_, out := render(t, e, testPDF(t), api.Rendition{Fmt: "jpg"})
		assertRGB(t, decodeFile(t, out), 150, 50, [3]float64{255, 255, 255}, 2, "paper")
	})
	t.Run("transparency in formats without alpha is white", func(t *testing.T) {
		clear := goimage.NewNRGBA(goimage.Rect(0, 0, 20, 20))
		src := pngFile(t, clear)
		for _, f := range []string{"jpg"} {
			_, out := render(t, e, src, api.Rendition{Fmt: f})
			assertRGB(t, decodeFile(t, out), 10, 10, [3]float64{255, 255, 255}, 1, f)
		}
	})
}

func TestCompressionLevel(t *testing.T) {
	e := testEngine(t)
	src := corpus(t, "Portrait_4.jpg")
	r0, out0 := render(t, e, src, api.Rendition{Fmt: "png", CompressionLevel: intp(0)})
	r9, out9 := render(t, e, src, api.Rendition{Fmt: "png", CompressionLevel: intp(9)})
	assert.Greater(t, r0.Bytes, r9.Bytes*11/10, "level 0 stores, level 9 compresses")
	assert.Greater(t, r0.Bytes, int64(450*600*3), "level 0 is at least the raw pixels")
	assert.Zero(t, meanAbsDiff(t, decodeFile(t, out0), decodeFile(t, out9)), "lossless either way")
}

func TestPage(t *testing.T) {
	e := testEngine(t)
	pdf := testPDF(t)
	res, out := render(t, e, pdf, api.Rendition{Fmt: "png", Page: intp(2)})
	assert.Equal(t, [2]int{100, 300}, [2]int{res.Width, res.Height}, "page 2 has its own size")
	assertRGB(t, decodeFile(t, out), 20, 150, [3]float64{0, 0, 255}, 1, "page 2 is blue")
	res, out = render(t, e, pdf, api.Rendition{Fmt: "png"})
	assert.Equal(t, [2]int{200, 100}, [2]int{res.Width, res.Height}, "page 1 by default")
	assertRGB(t, decodeFile(t, out), 20, 50, [3]float64{255, 0, 0}, 1, "page 1 is red")

	t.Run("a multi-page TIFF", func(t *testing.T) {
		tiff := corpus(t, "G31D_MULTI.TIF") // the same fax at two resolutions
		res, _ := render(t, e, tiff, api.Rendition{Fmt: "png"})
		assert.Equal(t, [2]int{2464, 3248}, [2]int{res.Width, res.Height})
		res, out := render(t, e, tiff, api.Rendition{Fmt: "png", Page: intp(2)})
		assert.Equal(t, [2]int{1232, 1624}, [2]int{res.Width, res.Height}, "page 2, and its own size")
		decodeFile(t, out)
	})
}

func TestXMPIsEmbedded(t *testing.T) {
	e := testEngine(t)
	packet := `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
		`<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title><rdf:Alt><rdf:li xml:lang="x-default">Héron cendré</rdf:li></rdf:Alt></dc:title>` +
		`</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
	r := api.Rendition{Width: intp(64), XMP: base64.StdEncoding.EncodeToString([]byte(packet))}
	src := corpus(t, "with-alpha.png")
	for _, f := range []string{"jpg", "png", "webp", "tiff", "avif", "heic"} {
		t.Run(f, func(t *testing.T) {
			skipUnwritable(t, f)
			r.Fmt = f
			_, out := render(t, e, src, r)
			if f != "avif" && f != "heic" { // libvips 8.14 reads no XMP from HEIF
				h := readBack(t, out)
				assert.Contains(t, string(h.XMP), "Héron cendré", "libvips reads the packet back")
			}
			assert.Equal(t, "Héron cendré", exifTag(exiftool(t, out), "XMP-dc", "Title"), "exiftool reads it")
		})
	}
}

func TestAnimated(t *testing.T) {
	e := testEngine(t)
	// The source plays three times (a loop count of 2) and shows its last
	// frame for 15 s.
	for _, src := range []string{"animated-loop-3.gif", "animated-loop-3.webp"} {
		for _, f := range []string{"gif", "webp"} {
			t.Run(src+" to "+f, func(t *testing.T) {
				res, out := render(t, e, corpus(t, src), api.Rendition{Fmt: f, Width: intp(100), Animated: true})
				assert.Equal(t, [3]int{100, 77, 10}, [3]int{res.Width, res.Height, res.Frames})
				h := readBack(t, out)
				assert.Equal(t, 10, h.Pages, "every frame")
				assert.Equal(t, [2]int{100, 77}, [2]int{h.Width, h.Height}, "frame size")
				if f == "gif" {
					anim, err := gif.DecodeAll(bytes.NewReader(readFile(t, out)))
					require.NoError(t, err)
					require.Len(t, anim.Image, 10)
					assert.Equal(t, 300, anim.Delay[0], "the frame delays are kept")
					assert.Equal(t, 1500, anim.Delay[9], "the frame delays are kept")
					assert.Equal(t, 2, anim.LoopCount, "the loop count is kept")
				} else {
					assert.Contains(t, webpChunkTypes(t, readFile(t, out)), "ANIM")
				}
			})
		}
	}
	t.Run("the first frame by default", func(t *testing.T) {
		res, out := render(t, e, corpus(t, "animated-loop-3.gif"), api.Rendition{Fmt: "gif", Width: intp(100)})
		assert.Equal(t, 1, res.Frames)
		assert.Equal(t, 1, readBack(t, out).Pages)
	})
	t.Run("the first frame for a format without animation", func(t *testing.T) {
		res, _ := render(t, e, corpus(t, "animated-loop-3.webp"), api.Rendition{Fmt: "png", Width: intp(100), Animated: true})
		assert.Equal(t, 1, res.Frames)
	})
	t.Run("a chosen frame with page", func(t *testing.T) {
		_, first := render(t, e, corpus(t, "rotating-squares.gif"), api.Rendition{Fmt: "png"})
		_, sixth := render(t, e, corpus(t, "rotating-squares.gif"), api.Rendition{Fmt: "png", Page: intp(6)})
		assert.Greater(t, meanAbsDiff(t, decodeFile(t, first), decodeFile(t, sixth)), 1.0)
	})
	t.Run("more frames than the limit", func(t *testing.T) {
		few, err := New(Options{Limits: Limits{MaxFrames: 5}})
		require.NoError(t, err)
		_, err = few.Render(context.Background(), corpus(t, "animated-loop-3.gif"), api.Rendition{Fmt: "gif", Animated: true},
			filepath.Join(t.TempDir(), "o.gif"), RenderOptions{})
		assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err))
		assert.Contains(t, api.MessageOf(err), "10 frames")
	})
}

func TestRenderOptionsFetchErrorsKeepTimeout(t *testing.T) {
	e := testEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	fetch := func(context.Context, string) (string, error) {
		cancel()
		return "", errors.New("interrupted")
	}
	_, err := e.Render(ctx, pngFile(t, gradient(10, 10)), api.Rendition{Fmt: "png", Watermark: &api.Watermark{Image: "x", Scale: 1}},
		filepath.Join(t.TempDir(), "o.png"), RenderOptions{Fetch: fetch})
	assert.ErrorIs(t, err, context.Canceled)
}
