package builtin

import (
	stdimage "image"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/rawtest"
	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// quadrants names the dominant colour of the four quadrants of img, top
// left, top right, bottom left, bottom right.
func quadrants(img stdimage.Image) [4]string {
	b := img.Bounds()
	name := func(fx, fy float64) string {
		r, g, bl, _ := img.At(b.Min.X+int(fx*float64(b.Dx())), b.Min.Y+int(fy*float64(b.Dy()))).RGBA()
		r, g, bl = r>>8, g>>8, bl>>8
		switch {
		case r > 150 && g > 150 && bl > 150:
			return "white"
		case r > g+60 && r > bl+60:
			return "red"
		case g > r+60 && g > bl+60:
			return "green"
		case bl > r+60 && bl > g+60:
			return "blue"
		}
		return "other"
	}
	return [4]string{name(0.25, 0.25), name(0.75, 0.25), name(0.25, 0.75), name(0.75, 0.75)}
}

// TestThumbnailOfCameraRaw runs the thumbnail action, as Handlers builds
// it, on raw files written by the test: embedded previews are used when
// large enough and turned upright, the raw data is developed by LibRaw
// otherwise or when asked, and a file holding only a postage stamp fails.
func TestThumbnailOfCameraRaw(t *testing.T) {
	dir := t.TempDir()
	handlers := testHandlers(t, worker.Options{TempDir: dir})
	src := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(src, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	run := func(source string, rendition map[string]any) (api.RenditionResult, string) {
		t.Helper()
		return runRendition(t, handlers[ThumbnailAction], source, rendition, nil)
	}
	decode := func(path string) stdimage.Image { return decodeFile(t, path) }
	upright6 := [4]string{"blue", "red", "white", "green"}
	upright8 := [4]string{"green", "white", "red", "blue"}

	nef := write("DSC_0001.NEF", rawtest.TIFFRaw{Width: 1200, Height: 800, Orientation: 8, PreviewWidth: 600, PreviewHeight: 400}.NEF())
	arw := write("DSC_0002.ARW", rawtest.TIFFRaw{Width: 1200, Height: 800, Orientation: 6, PreviewWidth: 600, PreviewHeight: 400}.ARW())
	raf := write("DSCF0003.RAF", rawtest.RAF(1200, 800, 600, 400, 6))
	cr3 := write("IMG_0004.CR3", rawtest.CR3{Width: 1200, Height: 800, Orientation: 8, PreviewWidth: 600, PreviewHeight: 400}.Bytes())

	for _, c := range []struct {
		name, source string
		want         [4]string
		preview      string
	}{
		{"nef JpgFromRaw, orientation 8", nef, upright8, "JpgFromRaw 600x400 JPEG"},
		{"arw PreviewImage, orientation 6", arw, upright6, "PreviewImage 600x400 JPEG"},
		{"raf JPEG, orientation 6 in its EXIF", raf, upright6, "RAF JPEG 600x400 JPEG"},
		{"cr3 PRVW, orientation 8", cr3, upright8, "CR3 PRVW 600x400 JPEG"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, out := run(c.source, map[string]any{"fmt": "png", "width": 200, "height": 200})
			require.True(t, r.Created(), "%s: %s", r.Reason, r.Message)
			img := decode(out)
			assert.Equal(t, stdimage.Pt(133, 200), img.Bounds().Size(), "portrait, upright")
			assert.Equal(t, c.want, quadrants(img))
			assert.Equal(t, "preview", r.Metadata[MetadataRawSource])
			assert.Equal(t, c.preview, r.Metadata[MetadataRawPreview])
			assert.EqualValues(t, 1200, r.Metadata[MetadataRawSensorWidth])
		})
	}

	t.Run("dng developed by LibRaw", func(t *testing.T) {
		testutil.NeedTool(t, "dcraw_emu")
		// A 64x48 preview cannot make a 200-pixel rendition: the raw data
		// is developed (half size: 320x240 of 640x480 covers 200).
		dng := write("IMG_0005.DNG", rawtest.DNG{Width: 640, Height: 480, Orientation: 6, PreviewWidth: 64, PreviewHeight: 48}.Bytes())
		r, out := run(dng, map[string]any{"fmt": "jpg", "width": 200, "height": 200})
		require.True(t, r.Created(), "%s: %s", r.Reason, r.Message)
		img := decode(out)
		assert.Equal(t, stdimage.Pt(150, 200), img.Bounds().Size())
		assert.Equal(t, upright6, quadrants(img))
		assert.Equal(t, "develop", r.Metadata[MetadataRawSource])

		// raw: develop uses the raw data though the preview would do.
		r, out = run(dng, map[string]any{"fmt": "png", "width": 40, "raw": "develop"})
		require.True(t, r.Created(), "%s: %s", r.Reason, r.Message)
		assert.Equal(t, "develop", r.Metadata[MetadataRawSource])
		assert.Equal(t, upright6, quadrants(decode(out)))
		// Without it, the preview does.
		r, _ = run(dng, map[string]any{"fmt": "png", "width": 40})
		require.True(t, r.Created(), "%s: %s", r.Reason, r.Message)
		assert.Equal(t, "preview", r.Metadata[MetadataRawSource])
	})

	t.Run("postage stamp refused", func(t *testing.T) {
		// Only an 8x8 thumbnail of a 3516x2328 sensor whose data is
		// missing: never an 8x8 rendition_created.
		dng := write("cut.dng", rawtest.DNG{Width: 3516, Height: 2328, CutRawData: true}.Bytes())
		r, out := run(dng, map[string]any{"fmt": "png", "width": 319, "height": 319})
		assert.False(t, r.Created())
		assert.Equal(t, api.ReasonSourceCorrupt, r.Reason)
		assert.Contains(t, r.Message, "8x8")
		assert.Contains(t, r.Message, "3516x2328")
		assert.NoFileExists(t, out)
	})

	t.Run("raw instruction ignored by other sources", func(t *testing.T) {
		jpg := write("photo.jpg", rawtest.JPEG(120, 80))
		r, _ := run(jpg, map[string]any{"fmt": "png", "width": 60, "raw": "develop"})
		require.True(t, r.Created(), "%s: %s", r.Reason, r.Message)
		assert.Nil(t, r.Metadata[MetadataRawSource])
	})

	t.Run("truncated", func(t *testing.T) {
		whole := rawtest.TIFFRaw{Width: 1200, Height: 800, PreviewWidth: 600, PreviewHeight: 400}.NEF()
		cut := write("cut.nef", whole[:70000])
		r, _ := run(cut, map[string]any{"fmt": "png", "width": 319})
		assert.Equal(t, api.ReasonSourceCorrupt, r.Reason, r.Message)
	})
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, left, "activation directories are removed")
}
