package builtin

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// TestCropAndFacesMetadata runs the thumbnail action on a portrait: a
// cropped rendition's event metadata holds the rectangle of the source
// it shows, a blurFaces rendition the number of faces blurred, and the
// analysis rendition the face in source pixels.
func TestCropAndFacesMetadata(t *testing.T) {
	dir := t.TempDir()
	handlers := testHandlers(t, worker.Options{TempDir: dir})
	src := testutil.NeedPigoSample(t) // 320x400, one face

	r, _ := runRendition(t, handlers[ThumbnailAction], src, map[string]any{"fmt": "jpg", "width": 100, "height": 100, "crop": "smart"}, nil)
	require.Equal(t, api.StatusCreated, r.Status, r.Message)
	assert.EqualValues(t, 0, r.Metadata[MetadataCropX])
	assert.EqualValues(t, 320, r.Metadata[MetadataCropW], "the whole width of the portrait")
	assert.EqualValues(t, 320, r.Metadata[MetadataCropH])
	y := r.Metadata[MetadataCropY].(int)
	assert.True(t, y >= 25 && y <= 80, "the square holds the face (85 to 345): y=%d", y)
	assert.NotContains(t, r.Metadata, MetadataFacesBlurred)

	r, _ = runRendition(t, handlers[ThumbnailAction], src, map[string]any{"fmt": "png", "crop": map[string]any{"x": 10, "y": 20, "w": 30, "h": 40}}, nil)
	require.Equal(t, api.StatusCreated, r.Status, r.Message)
	assert.Equal(t, []any{10, 20, 30, 40}, []any{r.Metadata[MetadataCropX], r.Metadata[MetadataCropY], r.Metadata[MetadataCropW], r.Metadata[MetadataCropH]})

	r, _ = runRendition(t, handlers[ThumbnailAction], src, map[string]any{"fmt": "png", "width": 200, "blurFaces": true}, nil)
	require.Equal(t, api.StatusCreated, r.Status, r.Message)
	assert.EqualValues(t, 1, r.Metadata[MetadataFacesBlurred])
	assert.NotContains(t, r.Metadata, MetadataCropX, "not cropped")

	r, out := runRendition(t, handlers[ThumbnailAction], src, map[string]any{"fmt": "analysis", "features": []string{"faces"}}, nil)
	require.Equal(t, api.StatusCreated, r.Status, r.Message)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	var rep map[string]any
	require.NoError(t, json.Unmarshal(b, &rep))
	assert.EqualValues(t, 1, rep["acs-ai:faceCount"])
	assert.EqualValues(t, 320, rep["acs-ai:sourceWidth"])
	face := rep["acs-ai:faces"].([]any)[0].(map[string]any)
	assert.InDelta(t, 160, face["x"].(float64)+face["w"].(float64)/2, 30, "centred on the nose, in source pixels: %v", face)
	assert.Greater(t, face["w"].(float64), 180.0, "in source pixels, not in those of the 307x384 picture analysed")
}
