package image

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// RenderOptions.Threads changes how many libvips threads decode the
// pipeline, never what it makes: the same bytes, the same crop, for a
// smart crop (decoded for the detector), a plain resize and a watermark.
func TestRenderThreadsMakeTheSameRendition(t *testing.T) {
	e := testEngine(t)
	src := jpegFile(t, photoLike(1600, 1200, false, false))
	for _, r := range []api.Rendition{
		{Name: "smart.jpg", Fmt: "jpg", Width: intp(500), Height: intp(500), Crop: &api.Crop{Smart: true}},
		{Name: "fit.png", Fmt: "png", Width: intp(700)},
	} {
		var outs [][]byte
		var crops []*CropRect
		for _, threads := range []int{0, 1, 2, 4} {
			out := filepath.Join(t.TempDir(), r.Name)
			res, err := e.Render(context.Background(), src, r, out, RenderOptions{Threads: threads})
			require.NoError(t, err, "%s, %d threads", r.Name, threads)
			b, err := os.ReadFile(out)
			require.NoError(t, err)
			outs = append(outs, b)
			crops = append(crops, res.Crop)
		}
		for k := 1; k < len(outs); k++ {
			assert.Equal(t, outs[0], outs[k], "%s: the output depends on the threads", r.Name)
			assert.Equal(t, crops[0], crops[k], "%s: the crop depends on the threads", r.Name)
		}
	}
}
