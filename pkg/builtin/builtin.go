// Package builtin assembles the built-in worker actions from the engine
// packages, so that an action's main, `acs process` and the development
// server all run the same code.
package builtin

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/meta"
	"github.com/assetcompute/assetcompute/pkg/text"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// Action names of the built-in workers.
const (
	ThumbnailAction = "thumbnail"
	MetadataAction  = "metadata"
	FulltextAction  = "fulltext"
)

// Thumbnail returns the rendition function of the thumbnail action: image
// renditions made by engine. A watermark image is fetched with transfer,
// under the same rules and limits as a source, into the rendition's
// private directory; with a nil transfer a rendition that asks for a
// watermark fails with GenericError.
func Thumbnail(engine *image.Engine, transfer worker.Transfer) worker.RenditionFunc {
	return func(ctx context.Context, src *worker.Source, r *worker.Rendition) error {
		if family, _ := r.Family(); family != api.FamilyImage {
			return api.Errorf(api.ReasonRenditionFormatUnsupported,
				"the thumbnail action makes image renditions; fmt %q is not an image format", r.Fmt)
		}
		var opts image.RenderOptions
		if transfer != nil {
			opts.Fetch = func(ctx context.Context, url string) (string, error) {
				f, err := transfer.Fetch(ctx, api.Source{URL: url}, filepath.Join(filepath.Dir(r.Path), "watermark"))
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
		r.Metadata["tiff:imageWidth"] = res.Width
		r.Metadata["tiff:imageHeight"] = res.Height
		return nil
	}
}

// Metadata returns the rendition function of the metadata action: xmp and
// machine-metadata-json renditions read by the meta engine. Warnings about
// metadata that could not be read go into the event as acs:warnings.
//
// It reads the source through src.Reader, so a worker with
// worker.Options.RangedSource (as the metadata action and Handlers build
// it) transfers only the byte ranges that hold the metadata; a Source
// without a Reader is read from src.Path.
func Metadata(opts meta.Options) worker.RenditionFunc {
	return func(ctx context.Context, src *worker.Source, r *worker.Rendition) error {
		if family, _ := r.Family(); family != api.FamilyMetadata {
			return api.Errorf(api.ReasonRenditionFormatUnsupported,
				"the metadata action makes xmp and machine-metadata-json renditions; fmt %q is not one of them", r.Fmt)
		}
		ra := src.Reader
		if ra == nil {
			f, err := os.Open(src.Path)
			if err != nil {
				return api.Wrap(api.ReasonGeneric, err, "cannot open the source")
			}
			defer f.Close()
			ra = f
		}
		md, err := meta.Extract(ctx, ra, src.Size, src.Name, opts)
		if err != nil {
			return err
		}
		var out []byte
		if r.Fmt == "xmp" {
			out, err = md.XMP()
		} else {
			out, err = md.JSON()
		}
		if err != nil {
			return api.Wrap(api.ReasonGeneric, err, "cannot write the metadata rendition")
		}
		if len(md.Warnings) > 0 {
			r.Metadata["acs:warnings"] = md.Warnings
		}
		return os.WriteFile(r.Path, out, 0o644)
	}
}

// Fulltext returns the rendition function of the fulltext action: text
// renditions extracted by the text engine. The event metadata carries
// repo:encoding (the rendition's encoding: always utf-8),
// acs:sourceEncoding (the source's detected encoding, when it has one), and
// acs:truncated plus acs:warnings when the text was cut at the character
// limit. A rendition may lower the limit with the key maxChars.
func Fulltext(opts text.Options) worker.RenditionFunc {
	return func(ctx context.Context, src *worker.Source, r *worker.Rendition) error {
		if family, _ := r.Family(); family != api.FamilyText {
			return api.Errorf(api.ReasonRenditionFormatUnsupported,
				"the fulltext action makes text renditions; fmt %q is not text", r.Fmt)
		}
		o := opts
		if raw, ok := r.Extra["maxChars"]; ok {
			var n int
			if err := json.Unmarshal(raw, &n); err != nil || n < 1 {
				return api.Errorf(api.ReasonGeneric, "maxChars: must be a positive integer, got %s", raw)
			}
			if limit := o.MaxChars; limit == 0 || n < limit {
				o.MaxChars = n
			}
		}
		out, err := os.Create(r.Path)
		if err != nil {
			return api.Wrap(api.ReasonGeneric, err, "cannot create the rendition file")
		}
		defer out.Close()
		buf := bufio.NewWriterSize(out, 64<<10)
		res, err := text.Extract(ctx, src.Path, src.Name, buf, o)
		if err != nil {
			return err
		}
		if err := buf.Flush(); err != nil {
			return api.Wrap(api.ReasonGeneric, err, "cannot write the rendition file")
		}
		r.Metadata["repo:encoding"] = "utf-8"
		if res.Encoding != "" {
			r.Metadata["acs:sourceEncoding"] = res.Encoding
		}
		if res.Pages > 0 {
			r.Metadata["xmpTPg:NPages"] = res.Pages
		}
		if res.Truncated {
			r.Metadata["acs:truncated"] = true
		}
		if len(res.Warnings) > 0 {
			r.Metadata["acs:warnings"] = res.Warnings
		}
		return out.Close()
	}
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
	metadata, err := worker.New(Metadata(meta.Options{}), mopts)
	if err != nil {
		return nil, err
	}
	fulltext, err := worker.New(Fulltext(text.Options{}), opts)
	if err != nil {
		return nil, err
	}
	return map[string]invoke.Handler{
		ThumbnailAction: thumb.Handle,
		MetadataAction:  metadata.Handle,
		FulltextAction:  fulltext.Handle,
	}, nil
}
