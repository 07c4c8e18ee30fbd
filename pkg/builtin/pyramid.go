package builtin

import (
	"github.com/assetcompute/assetcompute/pkg/analysis"
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
// renditions of the request and the pictures its analyses read (fmt
// analysis, and metadata renditions that merge an analysis: one picture
// per page), which decodes the source file at path once for those it can
// share a decode between (see image.Pyramid); nil when the request has
// fewer than two of them. The thumbnail action makes them all, in one
// activation per batch the orchestrator sends it.
func pyramidFor(engine *image.Engine, src *worker.Source, path string) *image.Pyramid {
	var list []api.Rendition
	pages := map[int]bool{}
	for _, r := range src.Renditions {
		family, _ := r.Family()
		switch {
		case r.MergesAnalysis() || family == api.FamilyAnalysis:
			if page := api.IntOr(r.Page, 1); !pages[page] {
				pages[page] = true
				list = append(list, image.PixelsRendition(r.Page, analysis.MaxSide))
			}
		case family == api.FamilyImage && r.Time == nil && r.Storyboard == nil && r.Frames == nil && r.FPS == nil && r.Waveform == nil:
			// (Those of a video or audio instruction fail here without
			// reading the picture.)
			list = append(list, r)
		}
	}
	if len(list) < 2 {
		return nil
	}
	v, err := src.Once(pyramidKey{path, engine.Limits()}, func() (any, error) {
		return engine.NewPyramid(path, list), nil
	})
	if err != nil {
		return nil
	}
	return v.(*image.Pyramid)
}
