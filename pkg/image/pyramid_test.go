package image

import (
	"bytes"
	"context"
	goimage "image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// pyramidMinPSNR is the bound on the difference between a rendition the
// pyramid derives from a larger one and the same rendition made from the
// source by Render, in dB over the 8-bit samples (colour and alpha), for
// a lossless format (png); pyramidMinPSNRLossy is the bound for jpg and
// webp at their default quality, where the two encodings' own losses
// add to the difference.
const (
	pyramidMinPSNR      = 38.0
	pyramidMinPSNRLossy = 35.0
)

// webSizes are the boxes of the web profile of scripts/bench-peers.sh,
// scaled to the test sources.
var webSizes = []int{1024, 640, 319, 100, 48}

// photoLike returns a w x h picture with large shapes, texture and noise,
// so that resizing it is not only averaging a gradient; deep makes it
// 16-bit, alpha gives it an alpha channel varying across the picture.
func photoLike(w, h int, deep, alpha bool) goimage.Image {
	rng := rand.New(rand.NewPCG(1, 2))
	val := func(x, y, c int) float64 {
		fx, fy := float64(x)/float64(w), float64(y)/float64(h)
		v := 0.5 + 0.3*math.Sin(6*fx+float64(c))*math.Cos(5*fy) + 0.1*math.Sin(float64(x*(c+3))/7)*math.Sin(float64(y)/5)
		v += rng.NormFloat64() * 0.02
		return min(1, max(0, v))
	}
	a := func(x int) float64 {
		if !alpha {
			return 1
		}
		return 0.1 + 0.9*float64(x)/float64(w)
	}
	if deep {
		img := goimage.NewNRGBA64(goimage.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				img.SetNRGBA64(x, y, color.NRGBA64{uint16(val(x, y, 0) * 65535), uint16(val(x, y, 1) * 65535),
					uint16(val(x, y, 2) * 65535), uint16(a(x) * 65535)})
			}
		}
		return img
	}
	img := goimage.NewNRGBA(goimage.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(val(x, y, 0) * 255), uint8(val(x, y, 1) * 255), uint8(val(x, y, 2) * 255), uint8(a(x) * 255)})
		}
	}
	return img
}

func jpegFile(t *testing.T, img goimage.Image) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, img, &jpeg.Options{Quality: 92}))
	return writeTemp(t, "photo.jpg", b.Bytes())
}

// psnr compares two 8-bit pictures of the same size over R, G, B and A.
func psnr(a, b goimage.Image) float64 {
	var sum float64
	ab := a.Bounds()
	n := 0
	for y := ab.Min.Y; y < ab.Max.Y; y++ {
		for x := ab.Min.X; x < ab.Max.X; x++ {
			ca := color.NRGBAModel.Convert(a.At(x, y)).(color.NRGBA)
			cb := color.NRGBAModel.Convert(b.At(x, y)).(color.NRGBA)
			for _, d := range []float64{float64(ca.R) - float64(cb.R), float64(ca.G) - float64(cb.G),
				float64(ca.B) - float64(cb.B), float64(ca.A) - float64(cb.A)} {
				sum += d * d
				n++
			}
		}
	}
	if sum == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(sum/float64(n)))
}

// webProfile returns a rendition of fmt f into each box of webSizes.
func webProfile(f string) []api.Rendition {
	var list []api.Rendition
	for _, s := range webSizes {
		list = append(list, api.Rendition{Fmt: f, Width: intp(s), Height: intp(s)})
	}
	return list
}

// checkPyramid makes every rendition of list through one Pyramid, the
// smallest first (so the larger levels are made on demand), and through
// Render, and compares them.
func checkPyramid(t *testing.T, src string, list []api.Rendition) {
	t.Helper()
	e := testEngine(t)
	p := e.NewPyramid(src, list)
	defer p.Close()
	dir := t.TempDir()
	got := make([]string, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		got[i] = filepath.Join(dir, "pyramid-"+string(rune('a'+i))+"."+list[i].Fmt)
		_, err := p.Render(context.Background(), list[i], got[i], RenderOptions{})
		require.NoError(t, err, "rendition %d", i)
		if i == len(list)-1 {
			p.mu.Lock()
			require.Len(t, p.levels, len(list), "one level per size")
			for k := 1; k < len(p.levels); k++ {
				assert.Equal(t, k-1, p.parentOf(k), "level %d is resized from the next larger", k)
			}
			p.mu.Unlock()
		}
	}
	for i, r := range list {
		res, want := render(t, e, src, r)
		gotImg, wantImg := decodeFile(t, got[i]), decodeFile(t, want)
		require.Equal(t, wantImg.Bounds(), gotImg.Bounds(), "rendition %d: the size Render makes", i)
		assert.Equal(t, res.Width, gotImg.Bounds().Dx())
		q := psnr(wantImg, gotImg)
		t.Logf("%s %dx%d: PSNR %.1f dB", r.Fmt, res.Width, res.Height, q)
		bound := pyramidMinPSNR
		if r.Fmt != "png" {
			bound = pyramidMinPSNRLossy
		}
		assert.GreaterOrEqual(t, q, bound, "rendition %d (%dx%d) against Render's", i, res.Width, res.Height)
		assert.Equal(t, iccOf(t, want), iccOf(t, got[i]), "rendition %d: the same profile", i)
	}
	p.mu.Lock()
	assert.Nil(t, p.levels, "the levels are released once every rendition is made")
	p.mu.Unlock()
}

func TestPyramidJPEG(t *testing.T) {
	src := jpegFile(t, photoLike(1600, 1200, false, false))
	checkPyramid(t, src, webProfile("png"))
	checkPyramid(t, src, webProfile("jpg"))
}

func TestPyramidPNGWithAlpha(t *testing.T) {
	checkPyramid(t, pngFile(t, photoLike(1200, 900, false, true)), webProfile("png"))
}

func TestPyramid16BitPNG(t *testing.T) {
	checkPyramid(t, pngFile(t, photoLike(1200, 900, true, false)), webProfile("png"))
	checkPyramid(t, pngFile(t, photoLike(1200, 900, true, true)), webProfile("webp"))
}

// cmykJPEG writes a CMYK JPEG of a 1200x900 photo-like image.
func cmykJPEG(t *testing.T) string {
	t.Helper()
	rgb := pngFile(t, photoLike(1200, 900, false, false))
	cmyk := filepath.Join(t.TempDir(), "cmyk.jpg")
	vipsCLI(t, "icc_export", rgb, cmyk+"[Q=92]", "--output-profile", "cmyk")
	require.Equal(t, spaceCMYK, readBack(t, cmyk).Space)
	return cmyk
}

// orientedJPEG writes a 1600x1000 photo-like JPEG tagged with EXIF
// orientation 6 (skipping the test without exiftool).
func orientedJPEG(t *testing.T) string {
	t.Helper()
	testutil.NeedTool(t, exiftoolPath)
	src := jpegFile(t, photoLike(1600, 1000, false, false))
	out, err := exec.Command(exiftoolPath, "-q", "-overwrite_original", "-Orientation=6", "-n", src).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Equal(t, 6, readBack(t, src).Orientation)
	return src
}

func TestPyramidCMYK(t *testing.T) {
	checkPyramid(t, cmykJPEG(t), webProfile("png"))
}

func TestPyramidOrientedJPEG(t *testing.T) {
	src := orientedJPEG(t)
	checkPyramid(t, src, webProfile("png"))
	_, first := render(t, testEngine(t), src, webProfile("png")[0])
	b := decodeFile(t, first).Bounds()
	assert.Less(t, b.Dx(), b.Dy(), "the renditions are upright (portrait)")
}

// TestPyramidFailureStaysWithItsRendition: a rendition of the pyramid
// that fails (a jpegSize even quality 1 exceeds) fails alone, with
// nothing at its path; the others are made.
func TestPyramidFailureStaysWithItsRendition(t *testing.T) {
	e := testEngine(t)
	src := jpegFile(t, photoLike(1600, 1200, false, false))
	list := webProfile("jpg")
	list[1].JPEGSize = int64p(200)
	p := e.NewPyramid(src, list)
	defer p.Close()
	dir := t.TempDir()
	for i, r := range list {
		out := filepath.Join(dir, string(rune('a'+i))+".jpg")
		res, err := p.Render(context.Background(), r, out, RenderOptions{})
		if i == 1 {
			require.Error(t, err)
			assert.Equal(t, api.ReasonRenditionTooLarge, api.ReasonOf(err))
			assert.NoFileExists(t, out)
			continue
		}
		require.NoError(t, err, "rendition %d", i)
		assert.Equal(t, webSizes[i], res.Width)
		assert.FileExists(t, out)
	}
}

// TestPyramidCorruptSource: when the shared decode fails, every rendition
// fails with SourceCorrupt, each with its own error, and none leaves a
// file.
func TestPyramidCorruptSource(t *testing.T) {
	e := testEngine(t)
	good, err := os.ReadFile(jpegFile(t, photoLike(1600, 1200, false, false)))
	require.NoError(t, err)
	src := writeTemp(t, "cut.jpg", good[:len(good)/2])
	list := webProfile("jpg")
	p := e.NewPyramid(src, list)
	defer p.Close()
	dir := t.TempDir()
	for i, r := range list {
		out := filepath.Join(dir, string(rune('a'+i))+".jpg")
		_, err := p.Render(context.Background(), r, out, RenderOptions{})
		require.Error(t, err, "rendition %d", i)
		assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), "rendition %d: %v", i, err)
		assert.NoFileExists(t, out)
	}
}

// TestPyramidReleasesLevelsEarly: made largest first, each level is
// released as soon as its rendition is made and the next smaller level
// is resized from it, so at most two are held at a time.
func TestPyramidReleasesLevelsEarly(t *testing.T) {
	e := testEngine(t)
	src := jpegFile(t, photoLike(1600, 1200, false, false))
	list := webProfile("jpg")
	p := e.NewPyramid(src, list)
	defer p.Close()
	dir := t.TempDir()
	for i, r := range list {
		_, err := p.Render(context.Background(), r, filepath.Join(dir, string(rune('a'+i))+".jpg"), RenderOptions{})
		require.NoError(t, err)
		if i+1 < len(list) {
			p.mu.Lock()
			held := 0
			for _, l := range p.levels {
				if l.img != nil {
					held++
				}
			}
			p.mu.Unlock()
			assert.Equal(t, 1, held, "after rendition %d only its level is held, for the next", i)
		}
	}
}
