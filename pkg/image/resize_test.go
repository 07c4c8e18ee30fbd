package image

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// photoPixels returns width x height pixels of bands samples that look
// like a photo to a resampler: smooth gradients, a sharp edge and noise.
func photoPixels(width, height, bands int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	pix := make([]byte, width*height*bands)
	for y := 0; y < height; y++ {
		for x := 0; x < width; x++ {
			for b := 0; b < bands; b++ {
				v := 128 + 100*math.Sin(float64(x*(b+1))/37+float64(y)/53)
				if (x/61+y/47)%2 == 0 {
					v = 255 - v // hard edges between the blocks
				}
				v += rng.NormFloat64() * 12
				pix[(y*width+x)*bands+b] = byte(max(0, min(255, v)))
			}
		}
	}
	return pix
}

// testImage makes a libvips image of pix.
func testImage(t *testing.T, pix []byte, width, height, bands int) *vipsImage {
	t.Helper()
	b := newPixelBuffer(len(pix))
	require.NotNil(t, b)
	copy(b.Pix, pix)
	space := spaceSRGB
	if bands == 1 {
		space = spaceBW
	}
	img, err := imageFromPixels(b, width, height, bands, false, space)
	require.NoError(t, err)
	t.Cleanup(img.close)
	return img
}

// samples decodes img and returns its samples.
func samples(t *testing.T, img *vipsImage) []byte {
	t.Helper()
	buf, err := img.pixels()
	require.NoError(t, err)
	defer buf.free()
	return append([]byte(nil), buf.Pix...)
}

func samplePSNR(a, b []byte) float64 {
	var sum float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		sum += d * d
	}
	if sum == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(sum/float64(len(a))))
}

// TestResizedMatchesThumbnail compares acs_resize, the resize of the
// pyramid's derived levels, with vips_thumbnail_image's resize of the
// same image: same size, and a difference far below what an eye or the
// pyramid's bound (35 dB) could see: they differ by rounding only.
func TestResizedMatchesThumbnail(t *testing.T) {
	testEngine(t)
	cases := []struct{ w, h, bands, ow, oh int }{
		{2048, 1536, 3, 1280, 960}, // 1.6
		{1280, 960, 3, 640, 480},   // 2
		{640, 480, 3, 319, 239},    // 2.006
		{319, 239, 3, 48, 36},      // 6.6: a box shrink by 3 first
		{1000, 700, 3, 999, 699},   // barely smaller
		{1000, 700, 1, 333, 233},   // grey
		{700, 1000, 3, 100, 1000},  // horizontal only
		{700, 1000, 3, 700, 500},   // vertical only
		{9, 7, 3, 2, 2},            // fewer pixels than taps
		{5, 3, 3, 1, 1},
		{3, 1, 1, 1, 1},
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%dx%dx%d-to-%dx%d", c.w, c.h, c.bands, c.ow, c.oh), func(t *testing.T) {
			src := testImage(t, photoPixels(c.w, c.h, c.bands, uint64(i)), c.w, c.h, c.bands)
			got, ok, err := src.resized(c.ow, c.oh)
			require.NoError(t, err)
			require.True(t, ok, "an 8-bit image without alpha takes the fast resize")
			defer got.close()
			require.Equal(t, [3]int{c.ow, c.oh, c.bands}, [3]int{got.width(), got.height(), got.bands()})
			want, err := src.thumbnailImage(thumbnailOptions{Width: c.ow, Height: c.oh, Size: sizeForce})
			require.NoError(t, err)
			defer want.close()
			require.Equal(t, [2]int{c.ow, c.oh}, [2]int{want.width(), want.height()})
			g, w := samples(t, got), samples(t, want)
			q := samplePSNR(g, w)
			t.Logf("PSNR against vips_thumbnail_image: %.1f dB", q)
			require.Greater(t, q, 50.0)
		})
	}
}

// TestResizedLeavesOtherImages checks that images the fast resize does
// not handle (alpha, 16 bits, enlargements) are left to
// vips_thumbnail_image.
func TestResizedLeavesOtherImages(t *testing.T) {
	testEngine(t)
	rgba := testImage(t, photoPixels(64, 48, 4, 1), 64, 48, 4)
	_, ok, err := rgba.resized(32, 24)
	require.NoError(t, err)
	require.False(t, ok, "alpha")

	rgb := testImage(t, photoPixels(64, 48, 3, 2), 64, 48, 3)
	_, ok, err = rgb.resized(128, 96)
	require.NoError(t, err)
	require.False(t, ok, "an enlargement")

	b := newPixelBuffer(64 * 48 * 3 * 2)
	require.NotNil(t, b)
	deep, err := imageFromPixels(b, 64, 48, 3, true, spaceRGB16)
	require.NoError(t, err)
	defer deep.close()
	_, ok, err = deep.resized(32, 24)
	require.NoError(t, err)
	require.False(t, ok, "16 bits")
}

// TestResizedThumbnailMatchesThumbnail compares the JPEG load step's
// resize-then-thumbnail with vips_thumbnail_image alone on sources with
// each EXIF orientation, an embedded profile transformed to sRGB, grey
// and CMYK (left to vips_thumbnail_image).
func TestResizedThumbnailMatchesThumbnail(t *testing.T) {
	testEngine(t)
	photo := corpus(t, "2569067123_aca715a2ee_o.jpg")
	dir := t.TempDir()
	// The photo in ProPhoto RGB, tagged with that profile.
	pp, err := openImage(corpus(t, "prophoto.png"), "")
	require.NoError(t, err)
	icc := pp.blob("icc-profile-data", 1<<20, false)
	pp.close()
	require.NotEmpty(t, icc)
	iccPath := writeTemp(t, "prophoto.icc", icc)
	wide := filepath.Join(dir, "prophoto.jpg")
	vipsCLI(t, "icc_transform", photo, wide+"[Q=95]", iccPath)
	grey := filepath.Join(dir, "grey.jpg")
	vipsCLI(t, "colourspace", photo, grey, "b-w")
	files := []string{wide, grey, photo, corpus(t, "Channel_digital_image_CMYK_color.jpg")}
	for i := 1; i <= 8; i++ {
		files = append(files, corpus(t, fmt.Sprintf("Portrait_%d.jpg", i)))
	}
	for _, f := range files {
		for _, scale := range []float64{0.7, 0.3, 0.09} {
			t.Run(fmt.Sprintf("%s-%g", filepath.Base(f), scale), func(t *testing.T) {
				open := func() *vipsImage {
					img, err := openImage(f, "")
					require.NoError(t, err)
					t.Cleanup(img.close)
					return img
				}
				h := open().header()
				up := upright(size{h.Width, h.Height}, h.Orientation)
				o := thumbnailOptions{
					Width: max(1, int(math.Round(float64(up.W)*scale))), Height: max(1, int(math.Round(float64(up.H)*scale))),
					Size: sizeForce, ExportSRGB: needsSRGBExport(h),
				}
				want, err := open().thumbnailImage(o)
				require.NoError(t, err)
				defer want.close()
				if h.Space != spaceCMYK {
					fast, ok, err := open().resized(o.Width, o.Height)
					require.NoError(t, err)
					require.True(t, ok, "the fast resize applies")
					fast.close()
				}
				got, err := resizedThumbnail(open(), o)
				require.NoError(t, err)
				defer got.close()
				require.Equal(t, [3]int{want.width(), want.height(), want.bands()}, [3]int{got.width(), got.height(), got.bands()})
				require.Equal(t, [2]int{o.Width, o.Height}, [2]int{got.width(), got.height()})
				require.Equal(t, want.blob("icc-profile-data", 1<<20, false), got.blob("icc-profile-data", 1<<20, false))
				q := samplePSNR(samples(t, want), samples(t, got))
				t.Logf("orientation %d, export %v: PSNR %.1f dB", h.Orientation, o.ExportSRGB, q)
				require.Greater(t, q, 50.0)
			})
		}
	}
}

// TestResizedSameOnEveryCPU checks that the AVX2, SSE2 and scalar code of
// acs_resize give the same bytes, so that a machine without AVX2 (or
// without SSE2) makes what this one makes: every level computes the same
// fixed-point sums. Sizes cover row tails shorter than a vector and
// windows wider than the image.
func TestResizedSameOnEveryCPU(t *testing.T) {
	testEngine(t)
	cases := []struct{ w, h, bands, ow, oh int }{
		{4000, 300, 3, 2048, 154}, // the largest web level's factor
		{2048, 1536, 3, 1280, 960},
		{333, 251, 3, 319, 120},
		{331, 257, 1, 100, 97},
		{97, 61, 3, 11, 7},
		{9, 7, 3, 2, 2},
		{5, 3, 1, 1, 1},
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%dx%dx%d-to-%dx%d", c.w, c.h, c.bands, c.ow, c.oh), func(t *testing.T) {
			src := testImage(t, photoPixels(c.w, c.h, c.bands, uint64(100+i)), c.w, c.h, c.bands)
			var first []byte
			for _, simd := range []int{simdNone, simdSSE2, simdBest} {
				got, ok, err := src.resizedSIMD(c.ow, c.oh, simd)
				require.NoError(t, err)
				require.True(t, ok)
				require.Equal(t, [2]int{c.ow, c.oh}, [2]int{got.width(), got.height()})
				pix := samples(t, got)
				got.close()
				if first == nil {
					first = pix
					continue
				}
				require.Equal(t, first, pix, "simd level %d against scalar C", simd)
			}
		})
	}
}

// lanczos3Rows reduces pix (width x height, bands samples) vertically to
// height oh in floating point: Lanczos-3 widened by the factor, output
// row y centred on (y + 0.5) * factor - 0.5, rows outside taken from the
// edge, weights normalised. It is the exact filter acs_resize and
// vips_reducev approximate in fixed point.
func lanczos3Rows(pix []byte, width, height, bands, oh int) []byte {
	scale := float64(height) / float64(oh)
	support := 3 * scale
	out := make([]byte, width*oh*bands)
	row := make([]float64, width*bands)
	for y := 0; y < oh; y++ {
		centre := (float64(y)+0.5)*scale - 0.5
		clear(row)
		var sum float64
		for tp := int(math.Floor(centre-support)) + 1; tp <= int(math.Floor(centre+support)); tp++ {
			x := (float64(tp) - centre) / scale
			w := 1.0
			if x != 0 {
				px := math.Pi * x
				w = 3 * math.Sin(px) * math.Sin(px/3) / (px * px)
			}
			if math.Abs(x) >= 3 {
				w = 0
			}
			src := pix[min(max(tp, 0), height-1)*width*bands:]
			for i := range row {
				row[i] += w * float64(src[i])
			}
			sum += w
		}
		for i, v := range row {
			out[y*width*bands+i] = byte(max(0, min(255, math.Round(v/sum))))
		}
	}
	return out
}

// TestResizedVerticalAccuracy compares the vertical pass of acs_resize
// and vips_thumbnail_image's (vips_reducev) with the exact filter: acs's
// 14-bit weights must be at least as close as libvips' (whose vector
// path rounds its weights to 6 bits) and far above the pyramid's bound.
func TestResizedVerticalAccuracy(t *testing.T) {
	testEngine(t)
	for i, c := range []struct{ w, h, bands, oh int }{
		{700, 1000, 3, 500},
		{640, 1000, 3, 640},
		{300, 900, 1, 599},
		{500, 1536, 3, 960},
	} {
		t.Run(fmt.Sprintf("%dx%dx%d-to-%d", c.w, c.h, c.bands, c.oh), func(t *testing.T) {
			pix := photoPixels(c.w, c.h, c.bands, uint64(200+i))
			exact := lanczos3Rows(pix, c.w, c.h, c.bands, c.oh)
			src := testImage(t, pix, c.w, c.h, c.bands)
			got, ok, err := src.resized(c.w, c.oh)
			require.NoError(t, err)
			require.True(t, ok)
			defer got.close()
			want, err := src.thumbnailImage(thumbnailOptions{Width: c.w, Height: c.oh, Size: sizeForce})
			require.NoError(t, err)
			defer want.close()
			acs, vips := samplePSNR(samples(t, got), exact), samplePSNR(samples(t, want), exact)
			t.Logf("PSNR against the exact filter: acs %.1f dB, libvips %.1f dB", acs, vips)
			require.Greater(t, acs, 50.0)
			require.GreaterOrEqual(t, acs, vips-0.5)
		})
	}
}
