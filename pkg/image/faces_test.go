package image

import (
	goimage "image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/analysis/faces"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// portraitFace is where the face of pigo's sample photo (320x400) is,
// checked by eye: brows to chin, ear to ear.
var portraitFace = goimage.Rect(50, 85, 270, 345)

// portrait decodes pigo's sample photo.
func portrait(t testing.TB) goimage.Image {
	t.Helper()
	f, err := os.Open(testutil.NeedPigoSample(t))
	require.NoError(t, err)
	defer f.Close()
	img, err := jpeg.Decode(f)
	require.NoError(t, err)
	return img
}

// faceScene writes a w x h PNG: a dull gradient with the portrait pasted
// at faceAt and, at distractAt, a 240x240 patch of saturated coloured
// noise that draws libvips' attention strategy (it favours edges,
// saturation and skin tones) away from the face. It returns the path
// and where the face is in the scene.
func faceScene(t testing.TB, w, h int, faceAt, distractAt goimage.Point) (string, goimage.Rectangle) {
	t.Helper()
	img := goimage.NewNRGBA(goimage.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(90 + 40*x/w)
			img.SetNRGBA(x, y, color.NRGBA{v, v + 10, v + 20, 255})
		}
	}
	p := portrait(t)
	draw.Draw(img, p.Bounds().Add(faceAt), p, goimage.Point{}, draw.Src)
	rng := rand.New(rand.NewSource(7))
	for y := distractAt.Y; y < distractAt.Y+240 && y < h; y++ {
		for x := distractAt.X; x < distractAt.X+240 && x < w; x++ {
			c := []color.NRGBA{{255, 30, 0, 255}, {255, 220, 0, 255}, {230, 120, 90, 255}, {0, 0, 0, 255}}[rng.Intn(4)]
			img.SetNRGBA(x, y, c)
		}
	}
	path := filepath.Join(t.TempDir(), "scene.png")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
	return path, portraitFace.Add(faceAt)
}

func rectOf(c *CropRect) goimage.Rectangle { return goimage.Rect(c.X, c.Y, c.X+c.W, c.Y+c.H) }

// TestSmartCropKeepsTheFace: the face lies near the left edge and a
// distracting patch near the right; the smart crop holds the whole face,
// reports the rectangle it used, and that rectangle, asked for as a crop,
// gives the same picture.
func TestSmartCropKeepsTheFace(t *testing.T) {
	e := testEngine(t)
	src, face := faceScene(t, 1600, 500, goimage.Pt(30, 50), goimage.Pt(1300, 130))
	r := api.Rendition{Fmt: "png", Width: intp(300), Height: intp(300), Crop: &api.Crop{Smart: true}}
	res, out := render(t, e, src, r)
	assert.Equal(t, 300, res.Width)
	assert.Equal(t, 300, res.Height)
	require.NotNil(t, res.Crop, "a smart crop reports its rectangle")
	got := rectOf(res.Crop)
	assert.True(t, face.In(got), "the face %v is inside the crop %v", face, got)
	assert.True(t, got.In(goimage.Rect(0, 0, 1600, 500)), "inside the source: %v", got)
	assert.InDelta(t, 500, got.Dx(), 2, "a 300x300 cover of a 500 px high source is 500 source pixels wide")
	assert.InDelta(t, 500, got.Dy(), 2)

	// Without the face, the attention strategy goes to the patch.
	plain, _ := faceScene(t, 1600, 500, goimage.Pt(-1000, -1000), goimage.Pt(1300, 130))
	res2, _ := render(t, e, plain, r)
	require.NotNil(t, res2.Crop)
	assert.Greater(t, res2.Crop.X, 900, "attention picks the patch when there is no face: %+v", *res2.Crop)

	// The rectangle reproduces the rendition.
	again, out2 := render(t, e, src, api.Rendition{Fmt: "png", Width: intp(300), Height: intp(300),
		Crop: &api.Crop{X: res.Crop.X, Y: res.Crop.Y, W: res.Crop.W, H: res.Crop.H}})
	assert.Equal(t, *res.Crop, *again.Crop, "a rectangle crop reports itself")
	a, b := decodeFile(t, out), decodeFile(t, out2)
	assert.Less(t, meanAbsDiff(t, a, b), 2.0, "cutting the source by the reported rectangle gives the rendition")
}

// TestSmartCropFacesThatDoNotFit: two faces further apart than the box
// is wide fall back to the attention strategy, whose rectangle is still
// reported and inside the source.
func TestSmartCropFacesThatDoNotFit(t *testing.T) {
	e := testEngine(t)
	img := goimage.NewNRGBA(goimage.Rect(0, 0, 1400, 400))
	draw.Draw(img, img.Bounds(), goimage.NewUniform(color.NRGBA{120, 130, 140, 255}), goimage.Point{}, draw.Src)
	p := portrait(t)
	draw.Draw(img, p.Bounds(), p, goimage.Point{}, draw.Src)
	draw.Draw(img, p.Bounds().Add(goimage.Pt(1080, 0)), p, goimage.Point{}, draw.Src)
	src := filepath.Join(t.TempDir(), "two.png")
	f, err := os.Create(src)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())

	fs, err := faces.Detect(img)
	require.NoError(t, err)
	require.Len(t, fs, 2, "both faces are found")
	res, _ := render(t, e, src, api.Rendition{Fmt: "jpg", Width: intp(200), Height: intp(200), Crop: &api.Crop{Smart: true}})
	require.NotNil(t, res.Crop)
	got := rectOf(res.Crop)
	assert.True(t, got.In(goimage.Rect(0, 0, 1400, 400)), "%v", got)
	assert.InDelta(t, 400, got.Dx(), 2)
}

// TestFaceCut: the cut holds every face, centred on them, inside the
// image; it refuses faces that do not fit together.
func TestFaceCut(t *testing.T) {
	in := size{1000, 500}
	c, ok := faceCut(in, 300, 300, []faces.Face{{X: 100, Y: 100, W: 80, H: 80}, {X: 250, Y: 150, W: 60, H: 60}})
	require.True(t, ok)
	assert.Equal(t, rect{55, 5, 300, 300}, c, "centred on the faces' box 100..310 x 100..210")
	c, ok = faceCut(in, 300, 300, []faces.Face{{X: 0, Y: 0, W: 50, H: 50}})
	require.True(t, ok)
	assert.Equal(t, rect{0, 0, 300, 300}, c, "kept inside the image")
	c, ok = faceCut(in, 300, 300, []faces.Face{{X: 900, Y: 400, W: 100, H: 100}})
	require.True(t, ok)
	assert.Equal(t, rect{700, 200, 300, 300}, c)
	_, ok = faceCut(in, 300, 300, []faces.Face{{X: 0, Y: 0, W: 50, H: 50}, {X: 600, Y: 0, W: 50, H: 50}})
	assert.False(t, ok, "too far apart")
	_, ok = faceCut(in, 300, 300, nil)
	assert.False(t, ok)
}

// TestRectangleCropReportsItself: a rectangle crop reports the rectangle
// asked for, in upright source pixels, for an EXIF-rotated source too;
// an uncropped rendition reports none.
func TestRectangleCropReportsItself(t *testing.T) {
	e := testEngine(t)
	src, _ := faceScene(t, 400, 300, goimage.Pt(0, 0), goimage.Pt(300, 200))
	res, _ := render(t, e, src, api.Rendition{Fmt: "png", Width: intp(50), Crop: &api.Crop{X: 10, Y: 20, W: 100, H: 80}})
	assert.Equal(t, &CropRect{10, 20, 100, 80}, res.Crop)
	assert.Equal(t, 50, res.Width)
	res, _ = render(t, e, src, api.Rendition{Fmt: "png", Width: intp(50)})
	assert.Nil(t, res.Crop)

	rotated := corpus(t, "Portrait_6.jpg") // 600x450 stored, 450x600 upright
	res, _ = render(t, e, rotated, api.Rendition{Fmt: "jpg", Crop: &api.Crop{X: 0, Y: 500, W: 450, H: 100}})
	assert.Equal(t, &CropRect{0, 500, 450, 100}, res.Crop)
	res, _ = render(t, e, rotated, api.Rendition{Fmt: "jpg", Width: intp(100), Height: intp(100), Crop: &api.Crop{Smart: true}})
	require.NotNil(t, res.Crop)
	assert.Equal(t, 450, res.Crop.W, "in upright pixels: the whole width of the 450x600 picture")
	assert.Equal(t, 450, res.Crop.H)
}

// TestBlurFaces: the face region changes (and no face is found in it
// any more), every pixel outside the blurred boxes is unchanged, and the
// count is reported; a picture without faces comes out as without
// blurFaces.
func TestBlurFaces(t *testing.T) {
	e := testEngine(t)
	src, face := faceScene(t, 900, 500, goimage.Pt(500, 50), goimage.Pt(60, 130))
	plainR := api.Rendition{Fmt: "png", Width: intp(900)}
	blurR := plainR
	blurR.BlurFaces = true
	_, plainOut := render(t, e, src, plainR)
	res, blurOut := render(t, e, src, blurR)
	assert.Equal(t, 1, res.FacesBlurred)
	plain, blurred := decodeFile(t, plainOut), decodeFile(t, blurOut)

	sub := func(img goimage.Image, r goimage.Rectangle) goimage.Image {
		return img.(interface {
			SubImage(goimage.Rectangle) goimage.Image
		}).SubImage(r)
	}
	assert.Greater(t, meanAbsDiff(t, sub(plain, face), sub(blurred, face)), 8.0, "the face is blurred")
	// Away from the face and its margin nothing changed.
	margin := face.Inset(-face.Dx() / 2)
	changedOutside := 0
	b := plain.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if goimage.Pt(x, y).In(margin) {
				continue
			}
			if rgbAt(plain, x, y) != rgbAt(blurred, x, y) {
				changedOutside++
			}
		}
	}
	assert.Zero(t, changedOutside, "pixels changed outside the face")
	fs, err := faces.Detect(blurred)
	require.NoError(t, err)
	assert.Empty(t, fs, "no face is found in the blurred rendition")

	// No face: the same picture, nothing blurred.
	none, _ := faceScene(t, 600, 400, goimage.Pt(-1000, 0), goimage.Pt(100, 100))
	_, a := render(t, e, none, api.Rendition{Fmt: "png", Width: intp(300)})
	res, bOut := render(t, e, none, api.Rendition{Fmt: "png", Width: intp(300), BlurFaces: true})
	assert.Equal(t, 0, res.FacesBlurred)
	assert.Zero(t, meanAbsDiff(t, decodeFile(t, a), decodeFile(t, bOut)))
}

// TestBlurFacesAnimatedAndGrey: every frame of an animation is blurred,
// and a grey picture with alpha keeps its bands and its alpha.
func TestBlurFacesAnimatedAndGrey(t *testing.T) {
	e := testEngine(t)
	p := portrait(t)
	grey := goimage.NewNRGBA(p.Bounds())
	for y := 0; y < 400; y++ {
		for x := 0; x < 320; x++ {
			c := color.GrayModel.Convert(p.At(x, y)).(color.Gray)
			grey.SetNRGBA(x, y, color.NRGBA{c.Y, c.Y, c.Y, 200})
		}
	}
	src := filepath.Join(t.TempDir(), "grey.png")
	f, err := os.Create(src)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, grey))
	require.NoError(t, f.Close())
	res, out := render(t, e, src, api.Rendition{Fmt: "png", BlurFaces: true})
	assert.Equal(t, 1, res.FacesBlurred)
	img := decodeFile(t, out)
	_, _, _, a := img.At(160, 200).RGBA()
	assert.Equal(t, uint32(200*257), a, "alpha kept")

	// A two-frame GIF of the portrait: both frames blurred.
	gifPath := filepath.Join(t.TempDir(), "two.gif")
	runOracle(t, "convert", "-delay", "10", testutil.NeedPigoSample(t), testutil.NeedPigoSample(t), "-loop", "0", gifPath)
	res, _ = render(t, e, gifPath, api.Rendition{Fmt: "gif", Animated: true, BlurFaces: true})
	assert.Equal(t, 2, res.Frames)
	assert.Equal(t, 2, res.FacesBlurred, "one face per frame")
}

// TestFacesOnTruncatedSource: a truncated JPEG fails a smart crop and a
// blurFaces rendition with SourceCorrupt, and leaves no output.
func TestFacesOnTruncatedSource(t *testing.T) {
	e := testEngine(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "cut.jpg")
	f, err := os.Create(src)
	require.NoError(t, err)
	require.NoError(t, jpeg.Encode(f, portrait(t), &jpeg.Options{Quality: 90}))
	require.NoError(t, f.Close())
	fi, err := os.Stat(src)
	require.NoError(t, err)
	require.NoError(t, os.Truncate(src, fi.Size()/2))
	for name, r := range map[string]api.Rendition{
		"smart crop": {Fmt: "png", Width: intp(100), Height: intp(100), Crop: &api.Crop{Smart: true}},
		"blurFaces":  {Fmt: "png", BlurFaces: true},
	} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, "out.png")
			_, err := e.Render(t.Context(), src, r, out, RenderOptions{})
			require.Error(t, err)
			assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), "%v", err)
			assert.NoFileExists(t, out)
		})
	}
}
