package image

import (
	"bytes"
	"fmt"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "golang.org/x/image/tiff"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
)

const vipsTool = "/usr/bin/vips"

// vipsCLI runs the vips command (Debian libvips-tools), skipping the test
// when it is not installed.
func vipsCLI(t testing.TB, args ...string) {
	t.Helper()
	testutil.NeedTool(t, vipsTool)
	runOracle(t, vipsTool, args...)
}

// iccOf returns the ICC profile embedded in a rendition, as libvips reads
// it, or nil.
func iccOf(t testing.TB, path string) []byte {
	t.Helper()
	return readBack(t, path).ICC
}

func TestCompactSRGBProfile(t *testing.T) {
	p := srgbProfile()
	assert.Less(t, len(p), 700, "compact")
	assert.Equal(t, 0, len(p)%4)
	assert.Equal(t, "acsp", string(p[36:40]))

	// A picture tagged with the profile, transformed by libvips (lcms)
	// from it to sRGB, keeps its values: the profile is sRGB.
	g := gradient(256, 64)
	var plain bytes.Buffer
	require.NoError(t, png.Encode(&plain, g))
	var tagged bytes.Buffer
	require.NoError(t, writePNG(&tagged, plain.Bytes(), embedding{ICC: p}))
	src := writeTemp(t, "tagged.png", tagged.Bytes())
	require.True(t, readBack(t, src).HasProfile)
	e := testEngine(t)
	_, out := render(t, e, src, api.Rendition{Fmt: "png"})
	got := decodeFile(t, out)
	assert.Less(t, meanAbsDiff(t, g, got), 0.3, "the transform through the profile is the identity")
	for x := 0; x < 256; x += 15 {
		assertRGB(t, got, x, 0, nrgb(g.NRGBAAt(x, 0)), 1, "ramp")
	}
	assert.Equal(t, p, iccOf(t, out), "and the rendition is tagged with it")

	if _, err := os.Stat(exiftoolPath); err == nil && !testing.Short() {
		iccPath := writeTemp(t, "srgb.icc", p)
		listing := exiftool(t, iccPath)
		assert.Equal(t, "sRGB (compact)", exifTag(listing, "ICC-header", "ProfileDescription")+exifTag(listing, "ICC_Profile", "ProfileDescription"), listing)
		assert.NotContains(t, listing, "Warning")
	}
}

func TestColourManagedSourcesBecomeTaggedSRGB(t *testing.T) {
	e := testEngine(t)
	tests := []struct {
		name   string
		file   string
		tagged bool
	}{
		{"CMYK with a profile", "Channel_digital_image_CMYK_color.jpg", true},
		{"Display P3", "p3.png", true},
		{"ProPhoto RGB", "prophoto.png", true},
		{"Apple Generic RGB", "Portrait_3.jpg", true},
		{"untagged sRGB stays untagged", "Portrait_1.jpg", false},
		{"untagged with alpha", "with-alpha.png", false},
	}
	for _, tc := range tests {
		for _, f := range []string{"jpg", "png", "webp", "tiff"} {
			t.Run(tc.name+" to "+f, func(t *testing.T) {
				_, out := render(t, e, corpus(t, tc.file), api.Rendition{Fmt: f, Width: intp(64)})
				icc := iccOf(t, out)
				if tc.tagged {
					assert.Equal(t, srgbProfile(), icc, "the compact sRGB profile")
				} else {
					assert.Nil(t, icc, "no profile")
				}
			})
		}
	}
}

// Wide-gamut sources are converted to sRGB as libvips' own ICC transform
// (the vips command) does.
func TestWideGamutToSRGB(t *testing.T) {
	e := testEngine(t)
	for _, file := range []string{"p3.png", "prophoto.png"} {
		t.Run(file, func(t *testing.T) {
			src := corpus(t, file)
			ref := filepath.Join(t.TempDir(), "ref.png")
			vipsCLI(t, "icc_transform", src, ref, "srgb", "--embedded")
			_, out := render(t, e, src, api.Rendition{Fmt: "png"})
			want, got := decodeFile(t, ref), decodeFile(t, out)
			b := want.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					assertRGB(t, got, x, y, rgbAt(want, x, y), 1, "converted like vips icc_transform")
				}
			}
			// And not left as is: the source values differ.
			assert.Greater(t, meanAbsDiff(t, decodeFile(t, src), got), 2.0, "the source values were transformed")
		})
	}
}

func TestCMYKWithoutProfile(t *testing.T) {
	e := testEngine(t)
	src := corpus(t, "Channel_digital_image_CMYK_color.jpg")
	bare := filepath.Join(t.TempDir(), "bare.jpg")
	vipsCLI(t, "jpegsave", src, bare, "--strip", "--Q", "95")
	h := readBack(t, bare)
	require.Equal(t, spaceCMYK, h.Space)
	require.False(t, h.HasProfile, "the profile is gone")

	_, out := render(t, e, bare, api.Rendition{Fmt: "jpg", Quality: intp(95)})
	got := decodeFile(t, out)
	f, err := os.Open(bare)
	require.NoError(t, err)
	defer f.Close()
	naive, err := jpeg.Decode(f)
	require.NoError(t, err)
	near, far := meanAbsDiff(t, naive, got), meanAbsDiff(t, negative(naive), got)
	assert.Less(t, near, far/2, "colours are not inverted: %.1f from the naive conversion, %.1f from its negative", near, far)
	assert.Equal(t, srgbProfile(), iccOf(t, out), "tagged sRGB, like a CMYK source with a profile")
	// With or without its profile, the rendition is about the same.
	_, withProfile := render(t, e, src, api.Rendition{Fmt: "jpg", Quality: intp(95)})
	assert.Less(t, meanAbsDiff(t, decodeFile(t, withProfile), got), 15.0)
}

// 16-bit sources become 8-bit renditions (vips_thumbnail scales them),
// by rounding, not truncation or wrapping.
func TestSixteenBitSources(t *testing.T) {
	e := testEngine(t)
	t.Run("untagged", func(t *testing.T) {
		file := corpus(t, "Flag_of_the_Netherlands-16bit.png")
		src := decodeFile(t, file)
		_, out := render(t, e, file, api.Rendition{Fmt: "png"})
		got := decodeFile(t, out)
		assert.Equal(t, "*image.RGBA", typeName(got), "an 8-bit PNG")
		b := src.Bounds()
		var worst float64
		for y := b.Min.Y; y < b.Max.Y; y += 3 {
			for x := b.Min.X; x < b.Max.X; x += 3 {
				c := color.NRGBA64Model.Convert(src.At(x, y)).(color.NRGBA64)
				want := [3]float64{float64(c.R) / 257, float64(c.G) / 257, float64(c.B) / 257}
				g := rgbAt(got, x, y)
				for i := range g {
					worst = max(worst, abs(g[i]-want[i]))
				}
			}
		}
		assert.LessOrEqual(t, worst, 0.5, "each 8-bit value is the 16-bit one scaled and rounded")
	})
	t.Run("Adobe RGB", func(t *testing.T) {
		file := corpus(t, "tifftag-photoshop.tiff")
		ref := filepath.Join(t.TempDir(), "ref.png")
		vipsCLI(t, "icc_transform", file, ref, "srgb", "--embedded")
		_, out := render(t, e, file, api.Rendition{Fmt: "png"})
		assert.Less(t, meanAbsDiff(t, decodeFile(t, ref), decodeFile(t, out)), 1.0, "converted like vips icc_transform")
	})
	t.Run("grey with alpha", func(t *testing.T) {
		_, out := render(t, e, corpus(t, "16-bit-grey-alpha.png"), api.Rendition{Fmt: "png"})
		img := decodeFile(t, out)
		assert.Contains(t, []string{"*image.NRGBA", "*image.RGBA", "*image.Gray"}, typeName(img), "8-bit")
	})
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }
