package report

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
)

// previewQuality is the WebP quality of the previews: small files that
// still show a crop or a colour cast.
const previewQuality = 60

// ImagePreviews returns a PreviewFunc that makes previews with engine:
// WebP images (which keep transparency) at most maxSide pixels wide and
// high, never enlarged, of any source the engine reads (the first page
// of a PDF, the first frame of an animation), under the engine's limits.
// Its temporary files go to a directory of their own under tmpDir ("" for
// the system's), removed before it returns.
func ImagePreviews(engine *image.Engine, tmpDir string) PreviewFunc {
	return func(ctx context.Context, path string, maxSide int) ([]byte, string, error) {
		dir, err := os.MkdirTemp(tmpDir, "acs-preview-")
		if err != nil {
			return nil, "", api.Wrap(api.ReasonGeneric, err, "cannot create a temporary directory")
		}
		defer os.RemoveAll(dir)
		side, quality := maxSide, previewQuality
		r := api.Rendition{Name: "preview.webp", Fmt: "webp", Width: &side, Height: &side, Quality: &quality}
		out := filepath.Join(dir, r.Name)
		if _, err := engine.Render(ctx, path, r, out, image.RenderOptions{Threads: 1}); err != nil {
			return nil, "", err
		}
		data, err := os.ReadFile(out)
		if err != nil {
			return nil, "", fmt.Errorf("preview: %w", err)
		}
		return data, "image/webp", nil
	}
}
