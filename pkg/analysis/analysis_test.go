package analysis

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xdraw "golang.org/x/image/draw"
)

// fill paints rect r of img with c.
func fill(img *image.NRGBA, r image.Rectangle, c color.NRGBA) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetNRGBA(x, y, c)
		}
	}
}

// scene draws a photo-like picture: a smooth gradient and random discs
// and boxes, the same for the same seed.
func scene(seed uint64, w, h int) *image.NRGBA {
	rng := rand.New(rand.NewPCG(seed, 7))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	fx, fy := 1+rng.Float64()*3, 1+rng.Float64()*3
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			u, v := float64(x)/float64(w), float64(y)/float64(h)
			img.SetNRGBA(x, y, color.NRGBA{
				uint8(128 + 100*math.Sin(fx*u*math.Pi)),
				uint8(128 + 100*math.Cos(fy*v*math.Pi)),
				uint8(128 + 100*math.Sin((u+v)*math.Pi)), 255})
		}
	}
	for i := 0; i < 25; i++ {
		c := color.NRGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
		cx, cy, r := rng.IntN(w), rng.IntN(h), 5+rng.IntN(w/6)
		disc := rng.IntN(2) == 0
		for y := max(0, cy-r); y < min(h, cy+r); y++ {
			for x := max(0, cx-r); x < min(w, cx+r); x++ {
				if !disc || (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r {
					img.SetNRGBA(x, y, c)
				}
			}
		}
	}
	return img
}

// toNRGBA copies any picture into an NRGBA one.
func toNRGBA(src image.Image) *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, src.Bounds().Dx(), src.Bounds().Dy()))
	xdraw.Draw(out, out.Bounds(), src, src.Bounds().Min, xdraw.Src)
	return out
}

// resized scales img to w x h (Catmull-Rom).
func resized(img image.Image, w, h int) *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	xdraw.CatmullRom.Scale(out, out.Bounds(), img, img.Bounds(), xdraw.Src, nil)
	return out
}

// recompressed encodes img as a JPEG of quality q and decodes it.
func recompressed(t *testing.T, img image.Image, q int) *image.NRGBA {
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}))
	d, err := jpeg.Decode(&buf)
	require.NoError(t, err)
	return toNRGBA(d)
}

// blurred box-blurs img with a (2r+1)² window, r times in a row.
func blurred(img *image.NRGBA, r int) *image.NRGBA {
	b := img.Bounds()
	out := image.NewNRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var s [4]int
			n := 0
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					p := image.Pt(x+dx, y+dy)
					if !p.In(b) {
						continue
					}
					c := img.NRGBAAt(p.X, p.Y)
					s[0], s[1], s[2], s[3] = s[0]+int(c.R), s[1]+int(c.G), s[2]+int(c.B), s[3]+int(c.A)
					n++
				}
			}
			out.SetNRGBA(x, y, color.NRGBA{uint8(s[0] / n), uint8(s[1] / n), uint8(s[2] / n), uint8(s[3] / n)})
		}
	}
	return out
}

// brightened multiplies every channel by k in linear light (k = 4 is
// two stops of over-exposure), clipping.
func brightened(img *image.NRGBA, k float64) *image.NRGBA {
	out := image.NewNRGBA(img.Bounds())
	for i := 0; i < len(img.Pix); i += 4 {
		for c := 0; c < 3; c++ {
			out.Pix[i+c] = encode(math.Min(1, srgbToLinear[img.Pix[i+c]]*k))
		}
		out.Pix[i+3] = img.Pix[i+3]
	}
	return out
}

func analyze(t *testing.T, img *image.NRGBA, features ...string) *Report {
	t.Helper()
	var f []string
	if len(features) > 0 {
		f = features
	}
	r, err := Analyze(img, f)
	require.NoError(t, err)
	return r
}

func TestColoursOfAKnownPalette(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 400, 300))
	fill(img, image.Rect(0, 0, 200, 300), color.NRGBA{220, 20, 60, 255})   // crimson, 50 %
	fill(img, image.Rect(200, 0, 400, 180), color.NRGBA{0, 0, 255, 255})   // blue, 30 %
	fill(img, image.Rect(200, 180, 400, 300), color.NRGBA{0, 128, 0, 255}) // green, 20 %
	r := analyze(t, img, FeatureColours)
	require.Len(t, r.Colours, 3)
	want := []struct {
		hex, name, term string
		share           float64
	}{{"#dc143c", "crimson", "red", 0.5}, {"#0000ff", "blue", "blue", 0.3}, {"#008000", "green", "green", 0.2}}
	for i, w := range want {
		c := r.Colours[i]
		assert.Equal(t, w.hex, c.Hex, "colour %d", i)
		assert.Equal(t, w.name, c.Name, "colour %d", i)
		assert.Equal(t, w.term, c.Term, "colour %d", i)
		assert.InDelta(t, w.share, c.Share, 0.001, "colour %d", i)
	}
	assert.Equal(t, []string{"red", "blue", "green"}, r.ColourTags)
	assert.Empty(t, r.PHash, "only the features asked for")
	m := r.Map()
	assert.NotContains(t, m, "acs-ai:sharpness")
	assert.Equal(t, []string{FeatureColours}, m["acs-ai:features"])
}

func TestColoursSurviveBlurAndJPEG(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 300, 300))
	fill(img, image.Rect(0, 0, 300, 150), color.NRGBA{255, 165, 0, 255})  // orange
	fill(img, image.Rect(0, 150, 300, 300), color.NRGBA{20, 20, 20, 255}) // near black
	r := analyze(t, recompressed(t, blurred(img, 2), 70), FeatureColours)
	require.GreaterOrEqual(t, len(r.Colours), 2)
	assert.Equal(t, []string{"orange", "black"}, r.ColourTags[:2])
	total := 0.0
	for _, c := range r.Colours {
		total += c.Share
	}
	assert.InDelta(t, 1, total, 0.05, "the listed colours cover the picture")
	assert.InDelta(t, 0.5, r.Colours[0].Share, 0.05)
}

func TestTransparentPixelsAreIgnored(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 100, 100))
	fill(img, image.Rect(0, 0, 30, 100), color.NRGBA{255, 255, 0, 255})
	fill(img, image.Rect(30, 0, 100, 100), color.NRGBA{255, 0, 255, 0}) // transparent magenta
	r := analyze(t, img)
	require.Len(t, r.Colours, 1)
	assert.Equal(t, "#ffff00", r.Colours[0].Hex)
	assert.Equal(t, "yellow", r.Colours[0].Name)
	assert.Equal(t, 1.0, r.Colours[0].Share)
	assert.Equal(t, []string{"yellow"}, r.ColourTags)
	assert.InDelta(t, 0.51, r.Quality.Colourfulness, 0.001, "Hasler-Süsstrunk M of pure yellow is 0.3 x 255")
	assert.InDelta(t, 0.0, r.Quality.Contrast, 1e-9, "only the yellow counts")

	empty := image.NewNRGBA(image.Rect(0, 0, 40, 40)) // all transparent
	r = analyze(t, empty)
	assert.Empty(t, r.Colours)
	assert.NotNil(t, r.Colours, "an empty list, not null")
	assert.Empty(t, r.ColourTags)
	assert.Equal(t, Quality{ExposureWarnings: []string{}}, r.Quality)
	b, err := json.Marshal(r)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"acs-ai:colours":[]`)
	assert.Contains(t, string(b), `"acs-ai:exposureWarnings":[]`)
}

func TestSingleColourGivesValidResults(t *testing.T) {
	for _, size := range []image.Rectangle{image.Rect(0, 0, 1, 1), image.Rect(0, 0, 64, 48)} {
		img := image.NewNRGBA(size)
		fill(img, size, color.NRGBA{128, 128, 128, 255})
		r := analyze(t, img)
		require.Len(t, r.Colours, 1, "%v", size)
		assert.Equal(t, "#808080", r.Colours[0].Hex)
		assert.Equal(t, "gray", r.Colours[0].Name)
		assert.Equal(t, "grey", r.Colours[0].Term)
		assert.Equal(t, 0.0, r.Quality.Sharpness)
		assert.Equal(t, 0.0, r.Quality.Contrast)
		assert.Equal(t, 0.0, r.Quality.Colourfulness)
		assert.InDelta(t, 128.0/255, r.Quality.Brightness, 0.001)
		assert.Empty(t, r.Quality.ExposureWarnings)
		assert.Len(t, r.PHash, 16)
		assert.Len(t, r.DHash, 16)
	}
}

func TestBasicTerms(t *testing.T) {
	for hex, want := range map[string]color.NRGBA{
		"red": {255, 0, 0, 255}, "orange": {255, 140, 0, 255}, "yellow": {255, 215, 0, 255},
		"green": {34, 139, 34, 255}, "blue": {65, 105, 225, 255}, "purple": {128, 0, 128, 255},
		"pink": {255, 105, 180, 255}, "brown": {139, 69, 19, 255}, "black": {10, 10, 10, 255},
		"white": {250, 250, 250, 255}, "grey": {150, 150, 150, 255},
	} {
		assert.Equal(t, hex, basicTerm(toLab(want.R, want.G, want.B)), "%v", want)
	}
	assert.Len(t, NamedColours, 147)
	for _, n := range []string{"red", "navy", "gold"} {
		c := namedLab[indexOf(n)]
		assert.Equal(t, n, nearestName(c), "a named colour is its own nearest name")
	}
}

func indexOf(name string) int {
	for i, n := range NamedColours {
		if n == name {
			return i
		}
	}
	return -1
}

func TestHashesAreStableUnderResizeAndRecompression(t *testing.T) {
	orig := scene(1, 512, 384)
	ro := analyze(t, orig, FeatureHashes)
	copies := map[string]*image.NRGBA{
		"resized to 300x225, JPEG q60":  recompressed(t, resized(orig, 300, 225), 60),
		"enlarged to 800x600, JPEG q85": recompressed(t, resized(orig, 800, 600), 85),
		"cropped 2% each side, resized": resized(orig.SubImage(image.Rect(10, 8, 502, 376)), 512, 384),
	}
	for name, c := range copies {
		rc := analyze(t, c, FeatureHashes)
		dp, err := Distance(ro.PHash, rc.PHash)
		require.NoError(t, err)
		dd, err := Distance(ro.DHash, rc.DHash)
		require.NoError(t, err)
		t.Logf("%s: pHash %d, dHash %d", name, dp, dd)
		assert.LessOrEqual(t, dp, 8, "%s: pHash distance", name)
		assert.LessOrEqual(t, dd, 10, "%s: dHash distance", name)
	}
	for seed := uint64(2); seed < 6; seed++ {
		other := analyze(t, scene(seed, 512, 384), FeatureHashes)
		dp, _ := Distance(ro.PHash, other.PHash)
		dd, _ := Distance(ro.DHash, other.DHash)
		t.Logf("scene %d: pHash %d, dHash %d", seed, dp, dd)
		assert.GreaterOrEqual(t, dp, 16, "a different picture: pHash distance")
		assert.GreaterOrEqual(t, dd, 16, "a different picture: dHash distance")
	}
	again := analyze(t, scene(1, 512, 384), FeatureHashes)
	assert.Equal(t, ro.PHash, again.PHash, "deterministic")
	assert.Equal(t, ro.DHash, again.DHash, "deterministic")

	_, err := Distance("xyz", ro.PHash)
	assert.Error(t, err)
}

func TestQualityOrdersKnownImages(t *testing.T) {
	orig := scene(3, 512, 384)
	q := analyze(t, orig, FeatureQuality).Quality
	soft := analyze(t, blurred(orig, 2), FeatureQuality).Quality
	softer := analyze(t, blurred(blurred(orig, 3), 3), FeatureQuality).Quality
	t.Logf("sharpness: original %v, blurred %v, more blurred %v", q.Sharpness, soft.Sharpness, softer.Sharpness)
	assert.Greater(t, q.Sharpness, soft.Sharpness)
	assert.Greater(t, soft.Sharpness, softer.Sharpness)
	assert.Less(t, softer.Sharpness, 0.1)
	assert.Greater(t, q.Sharpness, 0.4)

	over := analyze(t, brightened(orig, 4), FeatureQuality).Quality
	t.Logf("clipped highlights: original %v, over-exposed %v", q.ClippedHighlights, over.ClippedHighlights)
	assert.NotContains(t, q.ExposureWarnings, "highlights")
	assert.Contains(t, over.ExposureWarnings, "highlights")
	assert.Greater(t, over.ClippedHighlights, q.ClippedHighlights)
	assert.Greater(t, over.Brightness, q.Brightness)

	under := analyze(t, brightened(orig, 0.01), FeatureQuality).Quality
	assert.Contains(t, under.ExposureWarnings, "shadows")
	assert.Less(t, under.Contrast, q.Contrast, "a dark copy has less contrast")

	grey := toNRGBA(imageGray(orig))
	g := analyze(t, grey, FeatureQuality).Quality
	assert.InDelta(t, 0, g.Colourfulness, 0.01, "a grey picture is not colourful")
	assert.Greater(t, q.Colourfulness, 0.2)

	checker := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			v := uint8(0)
			if (x/8+y/8)%2 == 0 {
				v = 255
			}
			checker.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
		}
	}
	c := analyze(t, checker, FeatureQuality).Quality
	assert.Equal(t, 1.0, c.Contrast, "black and white halves: full contrast")
	assert.Equal(t, []string{"highlights", "shadows"}, c.ExposureWarnings)
}

func imageGray(img image.Image) image.Image {
	g := image.NewGray(img.Bounds())
	xdraw.Draw(g, g.Bounds(), img, img.Bounds().Min, xdraw.Src)
	return g
}

func TestUnknownFeature(t *testing.T) {
	_, err := Analyze(image.NewNRGBA(image.Rect(0, 0, 2, 2)), []string{"sentiment"})
	assert.ErrorContains(t, err, `unknown feature "sentiment"`)
}

func BenchmarkAnalyze(b *testing.B) {
	img := scene(1, MaxSide, MaxSide*3/4)
	for b.Loop() {
		if _, err := Analyze(img, nil); err != nil {
			b.Fatal(err)
		}
	}
}
