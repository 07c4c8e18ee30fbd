package builtin

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"

	"github.com/assetcompute/assetcompute/pkg/analysis"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// analyse writes the analysis rendition (fmt analysis) of the picture at
// path, which the thumbnail action made of the source as it would for an
// image rendition (a photo, a PDF or PostScript page, a video's poster
// frame, a raw file's preview): decoded once by libvips at
// analysis.MaxSide pixels at most (shrink-on-load), then analysed in Go.
// rendition carries the page to decode.
func analyse(ctx context.Context, engine *image.Engine, path string, rendition api.Rendition, r *worker.Rendition) error {
	px, src, err := engine.SourcePixels(ctx, path, rendition, analysis.MaxSide, filepath.Dir(r.Path))
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	rep, err := analysis.Analyze(px, r.Features)
	if err != nil {
		// The request was validated: an unknown feature here is a bug.
		return api.Wrap(api.ReasonGeneric, err, "analysis")
	}
	rep.ScaleFaces(src.X, src.Y)
	if slices.Contains(rep.Features, analysis.FeatureText) {
		if err := detectText(ctx, engine, path, rendition, r, px, rep); err != nil {
			return err
		}
	}
	out, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "analysis cannot be written")
	}
	if err := os.WriteFile(r.Path, append(out, '\n'), 0o644); err != nil {
		return api.Wrap(api.ReasonGeneric, err, "analysis cannot be written")
	}
	return nil
}

// analysisBox returns r, or for an analysis rendition a copy of r asking
// for a picture of analysis.MaxSide pixels at most, so that a raw file's
// embedded preview of that size is used rather than the full-size
// picture. The copy shares r's Metadata.
func analysisBox(family api.Family, r *worker.Rendition) *worker.Rendition {
	if family != api.FamilyAnalysis {
		return r
	}
	c := *r
	side := analysis.MaxSide
	c.Width, c.Height = &side, &side
	return &c
}
