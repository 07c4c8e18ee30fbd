package faces

import (
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math/rand"
	"os"
	"sync"
	"testing"

	pigo "github.com/esimov/pigo/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
)

// sample decodes pigo's test portrait (320x400, one frontal face whose
// box, checked by eye, is about x 50–270, y 85–345).
func sample(t *testing.T) image.Image {
	t.Helper()
	f, err := os.Open(testutil.NeedPigoSample(t))
	require.NoError(t, err)
	defer f.Close()
	img, err := jpeg.Decode(f)
	require.NoError(t, err)
	return img
}

// centreIn reports whether the centre of f lies in r.
func centreIn(f Face, r image.Rectangle) bool {
	return image.Pt(f.X+f.W/2, f.Y+f.H/2).In(r)
}

func TestDetectPortrait(t *testing.T) {
	fs, err := Detect(sample(t))
	require.NoError(t, err)
	require.Len(t, fs, 1, "one face: %+v", fs)
	f := fs[0]
	assert.True(t, centreIn(f, image.Rect(110, 150, 210, 280)), "face centred on the nose: %+v", f)
	assert.InDelta(t, 220, f.W, 60, "box about the face's width: %+v", f)
	assert.InDelta(t, f.W, f.H, 2, "boxes are square (but for rounding)")
	assert.GreaterOrEqual(t, f.Score, DefaultParams().MinScore)
	assert.InDelta(t, f.Score/(f.Score+10), f.Confidence, 1e-9)
	assert.Greater(t, f.Confidence, 0.5)
}

// noise is a w x h picture of seeded grey noise, which has no face.
func noise(w, h int, seed int64) *image.NRGBA {
	rng := rand.New(rand.NewSource(seed))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		v := uint8(rng.Intn(256))
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = v, v/2, 255-v, 255
	}
	return img
}

// TestDetectOffCentre: the portrait pasted at a known place of a larger
// noisy picture is found there, in that picture's pixels, after the
// shrink to DetectSide.
func TestDetectOffCentre(t *testing.T) {
	face := sample(t)
	canvas := noise(1600, 900, 1)
	at := image.Pt(1200, 420) // the portrait's top left
	draw.Draw(canvas, face.Bounds().Add(at), face, image.Point{}, draw.Src)
	fs, err := Detect(canvas)
	require.NoError(t, err)
	require.Len(t, fs, 1, "one face: %+v", fs)
	assert.True(t, centreIn(fs[0], image.Rect(110, 150, 210, 280).Add(at)), "found where it was pasted: %+v", fs[0])
}

// TestDetectNoFace: pictures without a face give an empty, non-nil list,
// including a flat one, one with transparent pixels and one smaller than
// the smallest face.
func TestDetectNoFace(t *testing.T) {
	flat := image.NewNRGBA(image.Rect(0, 0, 300, 200))
	draw.Draw(flat, flat.Bounds(), image.NewUniform(color.NRGBA{40, 90, 200, 255}), image.Point{}, draw.Src)
	for name, img := range map[string]image.Image{
		"noise":       noise(640, 480, 2),
		"flat":        flat,
		"transparent": image.NewNRGBA(image.Rect(0, 0, 200, 200)),
		"tiny":        noise(8, 8, 3),
		"empty":       image.NewNRGBA(image.Rect(0, 0, 0, 0)),
	} {
		t.Run(name, func(t *testing.T) {
			fs, err := Detect(img)
			require.NoError(t, err)
			assert.NotNil(t, fs)
			assert.Empty(t, fs)
		})
	}
}

// TestDetectRotatedWithAngles: a portrait turned by 30° is found when the
// parameters try that angle.
func TestDetectRotatedWithAngles(t *testing.T) {
	src := sample(t)
	b := src.Bounds()
	// Turn by 30° about the centre (nearest neighbour), over white.
	rot := image.NewNRGBA(image.Rect(0, 0, 480, 480))
	draw.Draw(rot, rot.Bounds(), image.White, image.Point{}, draw.Src)
	const sin, cos = 0.5, 0.8660254
	cx, cy := float64(b.Dx())/2, float64(b.Dy())/2
	for y := 0; y < 480; y++ {
		for x := 0; x < 480; x++ {
			dx, dy := float64(x)-240, float64(y)-240
			sx, sy := cos*dx+sin*dy+cx, -sin*dx+cos*dy+cy
			if sx >= 0 && sy >= 0 && sx < float64(b.Dx()) && sy < float64(b.Dy()) {
				rot.Set(x, y, src.At(int(sx), int(sy)))
			}
		}
	}
	p := DefaultParams()
	p.Angles = []float64{0, 30.0 / 360, 330.0 / 360}
	l := LumaOf(rot, DetectSide)
	fs, err := DetectLuma(l, p)
	require.NoError(t, err)
	require.NotEmpty(t, fs, "the turned face is found")
	assert.True(t, centreIn(fs[0], image.Rect(180, 170, 300, 320)), "around the centre: %+v", fs[0])
}

func TestScale(t *testing.T) {
	fs := []Face{{X: 10, Y: 20, W: 30, H: 30, Score: 7}}
	got := Scale(fs, 100, 80, 1000, 800)
	assert.Equal(t, []Face{{X: 100, Y: 200, W: 300, H: 300, Score: 7}}, got)
	// Outward rounding, then clipped to the target.
	got = Scale([]Face{{X: 1, Y: 1, W: 99, H: 79}}, 100, 80, 333, 266)
	assert.Equal(t, Face{X: 3, Y: 3, W: 330, H: 263}, got[0])
}

// TestDetectConcurrent: detections share the cascade and may run at once
// (go test -race checks they do not write to it).
func TestDetectConcurrent(t *testing.T) {
	img := sample(t)
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fs, err := Detect(img)
			assert.NoError(t, err)
			counts[i] = len(fs)
		}()
	}
	wg.Wait()
	assert.Equal(t, []int{1, 1, 1, 1}, counts)
}

// The luma of a picture that needs no shrinking is that of the general
// area-averaging path, for transparent pixels and sub-images too.
func TestLumaWithoutShrinkMatchesShrinkPlane(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	big := image.NewNRGBA(image.Rect(0, 0, 61, 47))
	rng.Read(big.Pix)
	for _, img := range []*image.NRGBA{big, big.SubImage(image.Rect(5, 7, 40, 30)).(*image.NRGBA)} {
		b := img.Bounds()
		want := shrinkPlane(b.Dx(), b.Dy(), max(b.Dx(), b.Dy()), func(x, y int) float64 {
			p := img.Pix[y*img.Stride+4*x : y*img.Stride+4*x+4]
			a := float64(p[3]) / 255
			l := 0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])
			return l*a + 255*(1-a)
		})
		got := LumaOf(img, max(b.Dx(), b.Dy()))
		assert.Equal(t, want, got)
		assert.Equal(t, want, LumaOf(img, 1000))
	}
	assert.Equal(t, Luma{}, LumaOf(image.NewNRGBA(image.Rect(0, 0, 0, 3)), 10))
}

// The upright scan finds exactly pigo's detections (positions, sizes and
// outputs, in the same order) at several window sizes and steps: on noise
// here, on a photo with a face in TestUprightScanMatchesPigoOnPortrait.
func TestUprightScanMatchesPigo(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	noise := Luma{Pix: make([]uint8, 150*110), W: 150, H: 110}
	rng.Read(noise.Pix)
	checkUprightScan(t, noise)
	_, err := unpackModel(facefinder[:100])
	assert.Error(t, err, "a truncated cascade")
	_, err = unpackModel(nil)
	assert.Error(t, err, "an empty cascade")
}

func TestUprightScanMatchesPigoOnPortrait(t *testing.T) {
	assert.NotZero(t, checkUprightScan(t, LumaOf(sample(t), DetectSide)), "the comparison covers detections")
}

// checkUprightScan compares the scans of l and returns the number of
// detections.
func checkUprightScan(t *testing.T, l Luma) int {
	t.Helper()
	c, err := classifier()
	require.NoError(t, err)
	total := 0
	for _, p := range []struct {
		min, max     int
		shift, scale float64
	}{{19, 384, 0.15, 1.1}, {16, 60, 0.1, 1.05}, {30, 300, 0.3, 1.3}} {
		cp := pigo.CascadeParams{
			MinSize: p.min, MaxSize: p.max, ShiftFactor: p.shift, ScaleFactor: p.scale,
			ImageParams: pigo.ImageParams{Pixels: l.Pix, Rows: l.H, Cols: l.W, Dim: l.W},
		}
		want := c.RunCascade(cp, 0)
		total += len(want)
		assert.Equal(t, want, upright.scan(cp), "%dx%d %+v", l.W, l.H, p)
		assert.Equal(t, want, c.RunCascade(cp, -0.1), "pigo scans upright for a negative angle too")
	}
	return total
}

// BenchmarkUprightScan compares the upright scan with pigo's on the
// portrait at the detection size, with the default parameters.
func BenchmarkUprightScan(b *testing.B) {
	f, err := os.Open(testutil.NeedPigoSample(b))
	require.NoError(b, err)
	img, err := jpeg.Decode(f)
	f.Close()
	require.NoError(b, err)
	l := LumaOf(img, DetectSide)
	c, err := classifier()
	require.NoError(b, err)
	cp := pigo.CascadeParams{
		MinSize: 19, MaxSize: min(l.W, l.H), ShiftFactor: 0.15, ScaleFactor: 1.1,
		ImageParams: pigo.ImageParams{Pixels: l.Pix, Rows: l.H, Cols: l.W, Dim: l.W},
	}
	b.Run("pigo", func(b *testing.B) {
		for b.Loop() {
			c.RunCascade(cp, 0)
		}
	})
	b.Run("model", func(b *testing.B) {
		for b.Loop() {
			upright.scan(cp)
		}
	})
}
