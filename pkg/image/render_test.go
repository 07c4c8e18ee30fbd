package image

import (
	"bytes"
	"context"
	"fmt"
	goimage "image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

func TestRenderFitsInsideTheBox(t *testing.T) {
	e := testEngine(t)
	portrait := corpus(t, "Portrait_1.jpg") // 450x600
	tests := []struct {
		name string
		r    api.Rendition
		w, h int
	}{
		{"neither width nor height keeps the source size", api.Rendition{}, 450, 600},
		{"both fit inside the box, not distorted", api.Rendition{Width: intp(200), Height: intp(200)}, 150, 200},
		{"both, width binding", api.Rendition{Width: intp(300), Height: intp(1000)}, 300, 400},
		{"only width scales to it", api.Rendition{Width: intp(300)}, 300, 400},
		{"only height scales to it", api.Rendition{Height: intp(300)}, 225, 300},
		{"never upscaled by default", api.Rendition{Width: intp(900)}, 450, 600},
		{"never upscaled by default, both", api.Rendition{Width: intp(900), Height: intp(900)}, 450, 600},
		{"upscaled when asked", api.Rendition{Width: intp(900), Upscale: true}, 900, 1200},
		{"upscaled into the box when asked", api.Rendition{Width: intp(900), Height: intp(900), Upscale: true}, 675, 900},
		{"maxWidth alone caps", api.Rendition{MaxWidth: intp(100)}, 100, 133},
		{"maxHeight alone caps", api.Rendition{MaxHeight: intp(300)}, 225, 300},
		{"maxWidth caps width", api.Rendition{Width: intp(300), MaxWidth: intp(200)}, 200, 267},
		{"maxHeight caps an upscale", api.Rendition{Width: intp(900), Upscale: true, MaxHeight: intp(800)}, 600, 800},
		{"maxWidth never enlarges", api.Rendition{MaxWidth: intp(2000), Upscale: true}, 450, 600},
		{"tiny box keeps at least one pixel", api.Rendition{Width: intp(1), Height: intp(1)}, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.r.Fmt = "png"
			res, out := render(t, e, portrait, tc.r)
			assert.Equal(t, tc.w, res.Width)
			assert.Equal(t, tc.h, res.Height)
			img := decodeFile(t, out)
			assert.Equal(t, goimage.Pt(tc.w, tc.h), img.Bounds().Size(), "the file has the reported size")
		})
	}
}

// Portrait_N.jpg carries EXIF orientation N; all eight show the same
// upright picture.
func TestRenderAppliesEXIFOrientation(t *testing.T) {
	e := testEngine(t)
	r := api.Rendition{Fmt: "png", Width: intp(90), Height: intp(120)}
	_, refPath := render(t, e, corpus(t, "Portrait_1.jpg"), r)
	ref := decodeFile(t, refPath)
	for n := 1; n <= 8; n++ {
		t.Run(fmt.Sprintf("Portrait_%d", n), func(t *testing.T) {
			src := corpus(t, fmt.Sprintf("Portrait_%d.jpg", n))
			res, out := render(t, e, src, r)
			assert.Equal(t, 90, res.Width, "portrait")
			assert.Equal(t, 120, res.Height, "portrait")
			diff := meanAbsDiff(t, ref, decodeFile(t, out))
			assert.Less(t, diff, 8.0, "orientation %d comes out like orientation 1", n)

			// Full size too: 450x600 upright, without an EXIF segment.
			res, out = render(t, e, src, api.Rendition{Fmt: "jpg"})
			assert.Equal(t, [2]int{450, 600}, [2]int{res.Width, res.Height})
			data, err := os.ReadFile(out)
			require.NoError(t, err)
			assert.NotContains(t, string(data), "Exif\x00\x00", "metadata is stripped, no Orientation tag survives")
		})
	}

	// A rotated rendition differs from the reference: the check above can
	// tell orientations apart.
	upsideDown := goimage.NewRGBA(ref.Bounds())
	b := ref.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			upsideDown.Set(b.Max.X-1-x+b.Min.X, b.Max.Y-1-y+b.Min.Y, ref.At(x, y))
		}
	}
	assert.Greater(t, meanAbsDiff(t, ref, upsideDown), 20.0, "an upside-down picture is far from the reference")
}

func TestRenderConvertsCMYKToSRGB(t *testing.T) {
	e := testEngine(t)
	src := corpus(t, "Channel_digital_image_CMYK_color.jpg")
	res, out := render(t, e, src, api.Rendition{Fmt: "jpg", Quality: intp(95)})
	assert.Equal(t, [2]int{500, 333}, [2]int{res.Width, res.Height})

	got := decodeFile(t, out)
	_, isCMYK := got.(*goimage.CMYK)
	assert.False(t, isCMYK, "the rendition is RGB, not CMYK")
	cfgFile, err := os.Open(out)
	require.NoError(t, err)
	defer cfgFile.Close()
	cfg, err := jpeg.DecodeConfig(cfgFile)
	require.NoError(t, err)
	assert.Equal(t, color.YCbCrModel, cfg.ColorModel, "a 3-channel sRGB JPEG")

	// Go's decoder reads the CMYK source (Adobe inversion included); a
	// naive CMYK->RGB conversion is roughly right, so the profile-managed
	// rendition must be much closer to it than to its negative.
	f, err := os.Open(src)
	require.NoError(t, err)
	defer f.Close()
	naive, err := jpeg.Decode(f)
	require.NoError(t, err)
	near, far := meanAbsDiff(t, naive, got), meanAbsDiff(t, negative(naive), got)
	assert.Less(t, near, far/2, "colours are not inverted: %.1f from the naive conversion, %.1f from its negative", near, far)

	// libvips' own ICC transform (the vips command, when installed) is the
	// precise reference. vips_thumbnail goes through Lab where icc_transform
	// goes profile to profile, hence a few levels of difference.
	const vipsTool = "/usr/bin/vips"
	if _, err := os.Stat(vipsTool); err != nil {
		t.Log("no vips command: skipping the icc_transform comparison")
		return
	}
	ref := filepath.Join(t.TempDir(), "ref.png")
	runOracle(t, vipsTool, "icc_transform", src, ref, "srgb", "--embedded")
	assert.Less(t, meanAbsDiff(t, decodeFile(t, ref), got), 12.0, "close to vips icc_transform")
}

// negative returns the colour negative of img.
func negative(img goimage.Image) goimage.Image {
	b := img.Bounds()
	out := goimage.NewNRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := rgbAt(img, x, y)
			out.SetNRGBA(x, y, color.NRGBA{255 - uint8(c[0]), 255 - uint8(c[1]), 255 - uint8(c[2]), 255})
		}
	}
	return out
}

func TestRenderQualityChangesFileSize(t *testing.T) {
	e := testEngine(t)
	src := corpus(t, "2569067123_aca715a2ee_o.jpg")
	for _, f := range []string{"jpg", "webp"} {
		t.Run(f, func(t *testing.T) {
			sizeAt := func(q *int) int64 {
				_, out := render(t, e, src, api.Rendition{Fmt: f, Width: intp(600), Quality: q})
				fi, err := os.Stat(out)
				require.NoError(t, err)
				return fi.Size()
			}
			low, def, high := sizeAt(intp(20)), sizeAt(nil), sizeAt(intp(98))
			assert.Less(t, low, def)
			assert.Less(t, def, high)
		})
	}
}

func TestRenderFlattensAlphaForJPEG(t *testing.T) {
	e := testEngine(t)
	src := corpus(t, "with-alpha.png")
	orig := decodeFile(t, src)
	// The most transparent pixel of the source (alpha 168 of 255).
	tx, ty, minAlpha := 0, 0, uint8(255)
	b := orig.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if c := color.NRGBAModel.Convert(orig.At(x, y)).(color.NRGBA); c.A < minAlpha {
				tx, ty, minAlpha = x, y, c.A
			}
		}
	}
	require.Less(t, minAlpha, uint8(200), "with-alpha.png has a translucent pixel")
	// over composites the source pixel onto a background.
	over := func(bg [3]float64) [3]float64 {
		c := color.NRGBAModel.Convert(orig.At(tx, ty)).(color.NRGBA)
		a := float64(c.A) / 255
		return [3]float64{float64(c.R)*a + bg[0]*(1-a), float64(c.G)*a + bg[1]*(1-a), float64(c.B)*a + bg[2]*(1-a)}
	}

	tests := []struct {
		name string
		r    api.Rendition
		want [3]float64
	}{
		{"jpg defaults to white", api.Rendition{Fmt: "jpg"}, over([3]float64{255, 255, 255})},
		{"jpg onto the background", api.Rendition{Fmt: "jpg", Background: "#ff0000"}, over([3]float64{255, 0, 0})},
		{"png onto an explicit background", api.Rendition{Fmt: "png", Background: "#00f"}, over([3]float64{0, 0, 255})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, out := render(t, e, src, tc.r)
			img := decodeFile(t, out)
			c := rgbAt(img, tx, ty)
			for i := range c {
				assert.InDelta(t, tc.want[i], c[i], 6, "pixel %d,%d is %v", tx, ty, c)
			}
			_, _, _, a := img.At(tx, ty).RGBA()
			assert.Equal(t, uint32(0xffff), a, "opaque")
		})
	}

	t.Run("png keeps alpha", func(t *testing.T) {
		_, out := render(t, e, src, api.Rendition{Fmt: "png"})
		c := color.NRGBAModel.Convert(decodeFile(t, out).At(tx, ty)).(color.NRGBA)
		assert.Equal(t, minAlpha, c.A)
	})
	t.Run("16-bit grey with alpha to jpg", func(t *testing.T) {
		res, out := render(t, e, corpus(t, "16-bit-grey-alpha.png"), api.Rendition{Fmt: "jpg"})
		assert.Equal(t, [2]int{109, 96}, [2]int{res.Width, res.Height})
		decodeFile(t, out)
	})
}

func TestRenderWritesEachFormat(t *testing.T) {
	e := testEngine(t)
	src := corpus(t, "with-alpha.png")
	formats, err := OutputFormats()
	require.NoError(t, err)
	for _, f := range []string{"png", "jpg", "webp"} {
		assert.Contains(t, formats, f, "required output format")
	}
	magic := map[string]func([]byte) bool{
		"png":  func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) },
		"jpg":  func(b []byte) bool { return bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}) },
		"webp": func(b []byte) bool { return bytes.HasPrefix(b, []byte("RIFF")) && string(b[8:12]) == "WEBP" },
		"gif":  func(b []byte) bool { return bytes.HasPrefix(b, []byte("GIF8")) },
		"tiff": func(b []byte) bool {
			return bytes.HasPrefix(b, []byte("II*\x00")) || bytes.HasPrefix(b, []byte("MM\x00*"))
		},
		"avif": func(b []byte) bool { return SniffBytes(b) == TypeAVIF },
		"heic": func(b []byte) bool { return SniffBytes(b) == TypeHEIF },
		"jxl":  func(b []byte) bool { return SniffBytes(b) == TypeJXL },
	}
	for _, f := range []string{"png", "jpg", "webp", "gif", "tiff", "avif", "heic", "jxl"} {
		t.Run(f, func(t *testing.T) {
			if !contains(formats, f) {
				t.Skipf("this libvips build cannot write %s", f)
			}
			res, out := render(t, e, src, api.Rendition{Fmt: f, Width: intp(64)})
			assert.Equal(t, f, res.Format)
			assert.Equal(t, api.FormatMimeType(f), res.MimeType)
			assert.Equal(t, [2]int{64, 48}, [2]int{res.Width, res.Height})
			data, err := os.ReadFile(out)
			require.NoError(t, err)
			require.Greater(t, len(data), 12)
			assert.True(t, magic[f](data), "%s starts with % x", f, data[:12])
		})
	}

	t.Run("jpeg alias", func(t *testing.T) {
		res, _ := render(t, e, src, api.Rendition{Fmt: "jpeg", Width: intp(16)})
		assert.Equal(t, "jpg", res.Format)
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestRenderReadsOtherSourceTypes(t *testing.T) {
	e := testEngine(t)
	tests := []struct {
		file string
		typ  SourceType
		w, h int
	}{
		{"animated-loop-3.gif", TypeGIF, 100, 77},
		{"animated-loop-3.webp", TypeWebP, 100, 77},
		{"uncompressed_tiff.tiff", TypeTIFF, 71, 100},
		{"tifftag-photoshop.tiff", TypeTIFF, 100, 67},
		{"Flag_of_the_Netherlands-16bit.png", TypePNG, 100, 67},
		{"pitm.avif", TypeAVIF, 100, 20},
		{"relax.jp2", TypeJP2, 100, 75},
		{"struct-image-04-t.svg", TypeSVG, 100, 75},
		{"G31D_MULTI.TIF", TypeTIFF, 76, 100},
		{"circle.svg", TypeSVG, 100, 100}, // 8x8 nominal: drawn at the requested size
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			res, out := render(t, e, corpus(t, tc.file), api.Rendition{Fmt: "jpg", Width: intp(100), Height: intp(100)})
			assert.Equal(t, tc.typ, res.Source)
			assert.Equal(t, [2]int{tc.w, tc.h}, [2]int{res.Width, res.Height})
			decodeFile(t, out)
		})
	}
}

func TestRenderConcurrently(t *testing.T) {
	e := testEngine(t)
	files := []string{"Portrait_3.jpg", "with-alpha.png", "Channel_digital_image_CMYK_color.jpg", "Portrait_6.jpg", "truncated.jpg", "animated-loop-3.gif"}
	dir := t.TempDir()
	errs := make(chan error, 4*len(files))
	for i := 0; i < 4; i++ {
		for k, f := range files {
			src := corpus(t, f)
			go func() {
				out := filepath.Join(dir, fmt.Sprintf("%d-%d.webp", i, k))
				_, err := e.Render(context.Background(), src, api.Rendition{Fmt: "webp", Width: intp(64 + i)}, out, RenderOptions{})
				if f == "truncated.jpg" {
					if api.ReasonOf(err) != api.ReasonSourceCorrupt {
						err = fmt.Errorf("%s: want SourceCorrupt, got %v", f, err)
					} else {
						err = nil
					}
				}
				errs <- err
			}()
		}
	}
	for i := 0; i < 4*len(files); i++ {
		assert.NoError(t, <-errs)
	}
}
