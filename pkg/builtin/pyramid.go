package builtin

import (
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// pyramidKey names the activation's image.Pyramid of a source file made
// with an engine's limits.
type pyramidKey struct {
	path   string
	limits image.Limits
}

// pyramidFor returns the activation's image.Pyramid over the image
// renditions of the request, which decodes the source file at path once
// for the renditions that only scale it; nil when the request has fewer
// than two image renditions.
func pyramidFor(engine *image.Engine, src *worker.Source, path string) *image.Pyramid {
	var images []api.Rendition
	for _, r := range src.Renditions {
		if family, _ := r.Family(); family == api.FamilyImage {
			images = append(images, r)
		}
	}
	if len(images) < 2 {
		return nil
	}
	v, err := src.Once(pyramidKey{path, engine.Limits()}, func() (any, error) {
		return engine.NewPyramid(path, images), nil
	})
	if err != nil {
		return nil
	}
	return v.(*image.Pyramid)
}
