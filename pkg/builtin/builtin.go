// Package builtin assembles the built-in worker actions from the engine
// packages, so that an action's main, `acs process` and the development
// server all run the same code. The metadata and fulltext rendition
// functions live in the subpackages metadata and fulltext, so their
// actions do not link libvips.
package builtin

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/builtin/fulltext"
	"github.com/assetcompute/assetcompute/pkg/builtin/metadata"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/meta"
	"github.com/assetcompute/assetcompute/pkg/settings"
	"github.com/assetcompute/assetcompute/pkg/text"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// Action names of the built-in workers (the names of package api).
const (
	ThumbnailAction = api.ActionThumbnail
	MetadataAction  = api.ActionMetadata
	FulltextAction  = api.ActionFulltext
)

// Thumbnail returns the rendition function of the thumbnail action: image
// renditions made by engine. A watermark image is fetched with the
// activation's transfer client (worker.Source.Transfer, which carries the
// deployment's storage settings), or with transfer when the source has none,
// under the same rules and limits as a source, into the rendition's private
// directory; with neither, a rendition that asks for a watermark fails with
// GenericError.
//
// The engine's limits are overridden by those the activation's deployment
// settings set (worker.Source.Settings: maxSourceBytes, imageMaxSourcePixels,
// ...; see package settings).
func Thumbnail(engine *image.Engine, transfer worker.Transfer) worker.RenditionFunc {
	return func(ctx context.Context, src *worker.Source, r *worker.Rendition) error {
		if family, _ := r.Family(); family != api.FamilyImage {
			return api.Errorf(api.ReasonRenditionFormatUnsupported,
				"the thumbnail action makes image renditions; fmt %q is not an image format", r.Fmt)
		}
		engine, err := engineFor(engine, src.Settings)
		if err != nil {
			return err
		}
		var opts image.RenderOptions
		fetcher := transfer
		if src.Transfer != nil {
			fetcher = src.Transfer
		}
		if fetcher != nil {
			opts.Fetch = func(ctx context.Context, url string) (string, error) {
				f, err := fetcher.Fetch(ctx, api.Source{URL: url}, filepath.Join(filepath.Dir(r.Path), "watermark"))
				if err != nil {
					return "", err
				}
				return f.Path, nil
			}
		}
		res, err := engine.Render(ctx, src.Path, r.Rendition, r.Path, opts)
		if err != nil {
			return err
		}
		r.Metadata[api.MetadataWidth] = res.Width
		r.Metadata[api.MetadataHeight] = res.Height
		return nil
	}
}

// engineFor returns engine with the image limits that s sets.
func engineFor(engine *image.Engine, s settings.Settings) (*image.Engine, error) {
	base := settings.ImageLimits(engine.Limits())
	l := base
	s.ApplyImage(&l)
	if l == base {
		return engine, nil
	}
	e, err := engine.WithLimits(image.Limits(l))
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "invalid deployment settings")
	}
	return e, nil
}

// Handlers returns every built-in worker action as an in-process handler,
// keyed by action name, each running the worker lifecycle with opts.
func Handlers(opts worker.Options, imageOpts image.Options) (map[string]invoke.Handler, error) {
	engine, err := image.New(imageOpts)
	if err != nil {
		return nil, fmt.Errorf("image engine: %w", err)
	}
	thumb, err := worker.New(Thumbnail(engine, opts.Transfer), opts)
	if err != nil {
		return nil, err
	}
	mopts := opts
	mopts.RangedSource = true // metadata needs a few byte ranges, not the file
	metaWorker, err := worker.New(metadata.Func(meta.Options{}), mopts)
	if err != nil {
		return nil, err
	}
	textWorker, err := worker.New(fulltext.Func(text.Options{}), opts)
	if err != nil {
		return nil, err
	}
	return map[string]invoke.Handler{
		ThumbnailAction: thumb.Handle,
		MetadataAction:  metaWorker.Handle,
		FulltextAction:  textWorker.Handle,
	}, nil
}
