package analysis

import (
	"encoding/json"
	"image"
	"image/draw"
	"image/jpeg"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/analysis/faces"
)

// portrait is pigo's test photo (320x400, one face) as an NRGBA picture.
func portrait(t *testing.T) *image.NRGBA {
	t.Helper()
	f, err := os.Open(testutil.NeedPigoSample(t))
	require.NoError(t, err)
	defer f.Close()
	img, err := jpeg.Decode(f)
	require.NoError(t, err)
	n := image.NewNRGBA(img.Bounds())
	draw.Draw(n, n.Bounds(), img, image.Point{}, draw.Src)
	return n
}

// TestFacesFeature: the faces feature lists the face with its box and
// confidence, counts it and tags the picture face and people; the boxes
// map to the source's pixels.
func TestFacesFeature(t *testing.T) {
	r, err := Analyze(portrait(t), []string{FeatureFaces})
	require.NoError(t, err)
	require.Len(t, r.Faces, 1)
	f := r.Faces[0]
	assert.Greater(t, f.Confidence, 0.5)
	assert.LessOrEqual(t, f.Confidence, 1.0)

	// As if the picture analysed were the source at a quarter of its size.
	before := r.Faces[0]
	r.ScaleFaces(1280, 1600)
	assert.Equal(t, before.X*4, r.Faces[0].X)
	assert.Equal(t, before.Y*4, r.Faces[0].Y)
	assert.Equal(t, before.W*4, r.Faces[0].W)

	var m map[string]any
	b, err := json.Marshal(r)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &m))
	assert.EqualValues(t, 1, m["acs-ai:faceCount"])
	assert.Equal(t, []any{"face", "people"}, m["acs-ai:faceTags"])
	assert.EqualValues(t, 1280, m["acs-ai:sourceWidth"])
	assert.EqualValues(t, 1600, m["acs-ai:sourceHeight"])
	box := m["acs-ai:faces"].([]any)[0].(map[string]any)
	assert.ElementsMatch(t, []string{"x", "y", "w", "h", "confidence"}, keys(box))
	assert.NotContains(t, m, "acs-ai:colours", "only the features asked for")
}

// TestFacesFeatureNoFace: a picture without a face gives an empty list,
// a count of 0 and no tags, not an error.
func TestFacesFeatureNoFace(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 120, 90))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	r, err := Analyze(img, nil)
	require.NoError(t, err)
	b, err := json.Marshal(r)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, []any{}, m["acs-ai:faces"])
	assert.EqualValues(t, 0, m["acs-ai:faceCount"])
	assert.Equal(t, []any{}, m["acs-ai:faceTags"])
	assert.EqualValues(t, 120, m["acs-ai:sourceWidth"], "without ScaleFaces the source is the picture analysed")
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The faces of the shared luma plane are those faces.Detect finds in the
// picture itself, for an opaque picture and one partly transparent, as
// sub-images too.
func TestFacesFromSharedLumaMatchDetect(t *testing.T) {
	full := portrait(t)
	crop := full.SubImage(image.Rect(0, 10, 320, 394)).(*image.NRGBA)
	faded := image.NewNRGBA(crop.Bounds())
	draw.Draw(faded, faded.Bounds(), crop, crop.Bounds().Min, draw.Src)
	for i := 3; i < len(faded.Pix); i += 4 {
		faded.Pix[i] = uint8(150 + i/4%100)
	}
	for _, img := range []*image.NRGBA{crop, faded} {
		b := img.Bounds()
		require.LessOrEqual(t, max(b.Dx(), b.Dy()), faces.DetectSide, "the shared plane is used")
		y, _, _ := luma(img)
		got, err := detectFaces(img, y)
		require.NoError(t, err)
		want, err := faces.Detect(img)
		require.NoError(t, err)
		require.Len(t, got, len(want))
		require.NotEmpty(t, want)
		for i, f := range want {
			assert.Equal(t, FaceBox{X: f.X, Y: f.Y, W: f.W, H: f.H, Confidence: round(f.Confidence, 3)}, got[i])
		}
	}
}
