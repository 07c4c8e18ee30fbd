package image

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	goimage "image"
	"image/color"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/bmp"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
)

func TestPSDComposite(t *testing.T) {
	e := testEngine(t)
	const w, h = 64, 40
	g := gradient(w, h)
	grey := func(x, y int) [3]float64 { v := float64(g.NRGBAAt(x, y).R); return [3]float64{v, v, v} }
	tests := []struct {
		spec psdSpec
		want func(x, y int) [3]float64
		tol  float64
	}{
		{psdSpec{mode: psdRGB, depth: 8}, nil, 0},
		{psdSpec{mode: psdRGB, depth: 8, rle: true}, nil, 0},
		{psdSpec{mode: psdRGB, depth: 16}, nil, 0.5},
		{psdSpec{mode: psdRGB, depth: 16, rle: true}, nil, 0.5},
		{psdSpec{mode: psdRGB, depth: 8, rle: true, big: true}, nil, 0},
		{psdSpec{mode: psdRGB, depth: 8, rle: true, alpha: true}, nil, 0},
		{psdSpec{mode: psdGrey, depth: 8, rle: true}, grey, 0},
		{psdSpec{mode: psdGrey, depth: 16}, grey, 0.5},
		{psdSpec{mode: psdIndexed, depth: 8, rle: true}, grey, 0},
		{psdSpec{mode: psdBitmap, depth: 1, rle: true}, func(x, y int) [3]float64 {
			if x < w/2 {
				return [3]float64{}
			}
			return [3]float64{255, 255, 255}
		}, 0},
	}
	for _, tc := range tests {
		s := tc.spec
		s.w, s.h = w, h
		name := fmt.Sprintf("mode %d, %d-bit, rle %v, psb %v, alpha %v", s.mode, s.depth, s.rle, s.big, s.alpha)
		t.Run(name, func(t *testing.T) {
			src := writeTemp(t, "a.psd", encodePSD(t, s))
			res, out := render(t, e, src, api.Rendition{Fmt: "png"})
			assert.Equal(t, TypePSD, res.Source)
			assert.Equal(t, [2]int{w, h}, [2]int{res.Width, res.Height})
			img := decodeFile(t, out)
			want := tc.want
			if want == nil {
				want = func(x, y int) [3]float64 { return nrgb(g.NRGBAAt(x, y)) }
			}
			for y := 0; y < h; y += 3 {
				for x := 0; x < w; x += 3 {
					assertRGB(t, img, x, y, want(x, y), tc.tol+0.01, name)
				}
			}
			if s.alpha {
				a := func(x int) uint8 { return color.NRGBAModel.Convert(img.At(x, 5)).(color.NRGBA).A }
				assert.Equal(t, uint8(255), a(5), "merged transparency: opaque half")
				assert.Equal(t, uint8(128), a(w-5), "merged transparency: translucent half")
			}
		})
	}

	t.Run("CMYK, with and without a profile", func(t *testing.T) {
		// Without a profile libvips' built-in CMYK profile converts it: the
		// result is close to the naive conversion, far from its negative.
		src := writeTemp(t, "cmyk.psd", encodePSD(t, psdSpec{mode: psdCMYK, depth: 8, w: w, h: h, rle: true}))
		_, out := render(t, e, src, api.Rendition{Fmt: "png"})
		img := decodeFile(t, out)
		near, far := meanAbsDiff(t, g, img), meanAbsDiff(t, negative(g), img)
		assert.Less(t, near, far/3, "not inverted: %.1f from the reference, %.1f from its negative", near, far)
		assert.Equal(t, srgbProfile(), iccOf(t, out), "tagged sRGB")
	})
	t.Run("an RGB PSD with an embedded profile is transformed through it", func(t *testing.T) {
		src := writeTemp(t, "tagged.psd", encodePSD(t, psdSpec{mode: psdRGB, depth: 8, w: w, h: h, icc: srgbProfile()}))
		_, out := render(t, e, src, api.Rendition{Fmt: "png"})
		assert.Less(t, meanAbsDiff(t, g, decodeFile(t, out)), 0.5)
		assert.Equal(t, srgbProfile(), iccOf(t, out))
	})
	t.Run("shrunk like any source", func(t *testing.T) {
		src := writeTemp(t, "big.psd", encodePSD(t, psdSpec{mode: psdRGB, depth: 8, w: 400, h: 300, rle: true}))
		res, out := render(t, e, src, api.Rendition{Fmt: "jpg", Width: intp(100)})
		assert.Equal(t, [2]int{100, 75}, [2]int{res.Width, res.Height})
		decodeFile(t, out)
	})
}

// ImageMagick writes real-world PSD files, layers and all; the engine reads
// their composite image.
func TestPSDFromImageMagick(t *testing.T) {
	const convert = "/usr/bin/convert"
	testutil.NeedTool(t, convert)
	e := testEngine(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"rgb", nil},
		{"rle", []string{"-compress", "RLE"}},
		{"16-bit", []string{"-depth", "16"}},
		{"cmyk", []string{"-colorspace", "CMYK"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := gradient(80, 50)
			src := pngFile(t, g)
			psd := filepath.Join(t.TempDir(), "im.psd")
			runOracle(t, convert, append(append([]string{src}, tc.args...), psd)...)
			res, out := render(t, e, psd, api.Rendition{Fmt: "png"})
			assert.Equal(t, [2]int{80, 50}, [2]int{res.Width, res.Height})
			tol := 0.6
			if tc.name == "cmyk" {
				tol = 40 // ImageMagick's naive CMYK against a profile conversion
			}
			assert.Less(t, meanAbsDiff(t, g, decodeFile(t, out)), tol)
		})
	}
}

func TestPSDRefusals(t *testing.T) {
	e := testEngine(t)
	good := encodePSD(t, psdSpec{mode: psdRGB, depth: 8, w: 20, h: 10, rle: true})
	with := func(edit func(b []byte) []byte) []byte { return edit(bytes.Clone(good)) }
	noComposite := func() []byte {
		// An image resource block 1057 (version info) whose
		// hasRealMergedData byte is 0.
		var res bytes.Buffer
		res.WriteString("8BIM\x04\x21\x00\x00")
		_ = binary.Write(&res, binary.BigEndian, uint32(6))
		res.Write([]byte{0, 0, 0, 1, 0, 0})
		b := bytes.Clone(good[:26+4])
		b = binary.BigEndian.AppendUint32(b, uint32(res.Len()))
		b = append(b, res.Bytes()...)
		return append(b, good[26+4+4:]...)
	}
	tests := []struct {
		name string
		data []byte
		want api.Reason
		msg  string
	}{
		{"Lab colour", with(func(b []byte) []byte { b[25] = psdLab; return b }), api.ReasonSourceFormatUnsupported, "Lab"},
		{"32-bit", with(func(b []byte) []byte { b[23] = 32; return b }), api.ReasonSourceFormatUnsupported, "32 bits"},
		{"ZIP compressed", with(func(b []byte) []byte {
			p := len(b) - (len(good) - (26 + 4 + 4 + 4 + 6))
			b[p+1] = 2
			return b
		}), api.ReasonSourceFormatUnsupported, "compression 2"},
		{"saved without a composite", noComposite(), api.ReasonSourceFormatUnsupported, "Maximize"},
		{"no signature after 8BPS", with(func(b []byte) []byte { b[5] = 9; return b }), api.ReasonSourceFormatUnsupported, "version"},
		{"zero width", with(func(b []byte) []byte { binary.BigEndian.PutUint32(b[18:], 0); return b }), api.ReasonSourceCorrupt, "0x10"},
		{"row table overflow", with(func(b []byte) []byte {
			p := 26 + 4 + 4 + 4 + 6 + 2
			binary.BigEndian.PutUint16(b[p:], 60000)
			return b
		}), api.ReasonSourceCorrupt, "truncated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Render(context.Background(), writeTemp(t, "x.psd", tc.data), api.Rendition{Fmt: "png"},
				filepath.Join(t.TempDir(), "o.png"), RenderOptions{})
			assert.Equal(t, tc.want, api.ReasonOf(err), "%v", err)
			assert.Contains(t, api.MessageOf(err), tc.msg)
		})
	}
	t.Run("over the full-decode limit, refused from the header", func(t *testing.T) {
		small, err := New(Options{Limits: Limits{MaxFullDecodePixels: 100}})
		require.NoError(t, err)
		src := writeTemp(t, "x.psd", good)
		_, err = small.Render(context.Background(), src, api.Rendition{Fmt: "png"}, filepath.Join(t.TempDir(), "o.png"), RenderOptions{})
		assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err))
		assert.Contains(t, api.MessageOf(err), "decoded whole")
		step, err := refusingStep(t, small, src, api.Rendition{Fmt: "png"})
		assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err), "error: %v", err)
		assertRefusedBeforeDecoding(t, step)
	})
}

func TestUnpackBits(t *testing.T) {
	row := []byte("aaaaaaaabcdefgggggggggggggggggggggghij")
	got := make([]byte, len(row))
	require.NoError(t, unpackBits(packBits(row), got))
	assert.Equal(t, row, got)
	assert.Error(t, unpackBits([]byte{5, 'a'}, got), "a literal past the data")
	assert.Error(t, unpackBits([]byte{0xfe}, got), "a run without its byte")
	assert.Error(t, unpackBits([]byte{0, 'a'}, got), "too short for the row")
	assert.NoError(t, unpackBits([]byte{0x80, 0xff, 'x'}, make([]byte, 2)), "-128 is a no-op")
}

func TestBMP(t *testing.T) {
	e := testEngine(t)
	g := gradient(50, 30)
	pal := goimage.NewPaletted(g.Bounds(), nil)
	for i := 0; i < 256; i++ {
		pal.Palette = append(pal.Palette, color.NRGBA{uint8(i), uint8(255 - i), 0, 255})
	}
	for y := 0; y < 30; y++ {
		for x := 0; x < 50; x++ {
			pal.SetColorIndex(x, y, uint8(x*5))
		}
	}
	alpha := goimage.NewNRGBA(g.Bounds())
	copy(alpha.Pix, g.Pix)
	for i := 3; i < len(alpha.Pix); i += 4 {
		alpha.Pix[i] = 100
	}
	for _, tc := range []struct {
		name string
		img  goimage.Image
	}{{"24-bit", g}, {"8-bit paletted", pal}, {"32-bit with alpha", alpha}} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, bmp.Encode(&b, tc.img))
			res, out := render(t, e, writeTemp(t, "a.bmp", b.Bytes()), api.Rendition{Fmt: "png"})
			assert.Equal(t, TypeBMP, res.Source)
			got := decodeFile(t, out)
			for y := 0; y < 30; y += 4 {
				for x := 0; x < 50; x += 4 {
					want := color.NRGBAModel.Convert(tc.img.At(x, y)).(color.NRGBA)
					have := color.NRGBAModel.Convert(got.At(x, y)).(color.NRGBA)
					assert.InDelta(t, int(want.R), int(have.R), 1)
					assert.InDelta(t, int(want.G), int(have.G), 1)
					assert.InDelta(t, int(want.B), int(have.B), 1)
					if tc.name == "32-bit with alpha" {
						// Its 40-byte header declares no alpha mask: the
						// fourth byte is padding to readers, as to Go's.
						want.A = 255
					}
					assert.InDelta(t, int(want.A), int(have.A), 1)
				}
			}
		})
	}
}
