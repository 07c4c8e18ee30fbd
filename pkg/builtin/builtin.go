// Package builtin assembles the built-in worker actions from the engine
// packages, so that an action's main, `acs process` and the development
// server all run the same code.
package builtin

import (
	"context"
	"fmt"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// Action names of the built-in workers.
const (
	ThumbnailAction = "thumbnail"
)

// Thumbnail returns the rendition function of the thumbnail action: image
// renditions made by engine.
func Thumbnail(engine *image.Engine) worker.RenditionFunc {
	return func(ctx context.Context, src *worker.Source, r *worker.Rendition) error {
		if family, _ := r.Family(); family != api.FamilyImage {
			return api.Errorf(api.ReasonRenditionFormatUnsupported,
				"the thumbnail action makes image renditions; fmt %q is not an image format", r.Fmt)
		}
		res, err := engine.Render(ctx, src.Path, r.Rendition, r.Path)
		if err != nil {
			return err
		}
		r.Metadata["tiff:imageWidth"] = res.Width
		r.Metadata["tiff:imageHeight"] = res.Height
		return nil
	}
}

// Handlers returns every built-in worker action as an in-process handler,
// keyed by action name, each running the worker lifecycle with opts.
func Handlers(opts worker.Options, imageOpts image.Options) (map[string]invoke.Handler, error) {
	engine, err := image.New(imageOpts)
	if err != nil {
		return nil, fmt.Errorf("image engine: %w", err)
	}
	thumb, err := worker.New(Thumbnail(engine), opts)
	if err != nil {
		return nil, err
	}
	return map[string]invoke.Handler{
		ThumbnailAction: thumb.Handle,
	}, nil
}
