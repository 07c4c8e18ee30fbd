// Package metadata is the rendition function of the metadata action, kept
// apart from the image engine so that the action stays pure Go.
package metadata

import (
	"context"
	"os"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/meta"
	"github.com/assetcompute/assetcompute/pkg/settings"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// Func returns the rendition function of the metadata action: xmp and
// machine-metadata-json renditions read by the meta engine. Warnings about
// metadata that could not be read go into the event as acs:warnings.
//
// It reads the source through src.Reader, so a worker with
// worker.Options.RangedSource (as the metadata action and Handlers build
// it) transfers only the byte ranges that hold the metadata; a Source
// without a Reader is read from src.Path.
//
// The limits of opts are overridden by those the activation's deployment
// settings set (worker.Source.Settings: metaMaxBytes, metaMaxXmpBytes, ...;
// see package settings).
func Func(opts meta.Options) worker.RenditionFunc {
	return func(ctx context.Context, src *worker.Source, r *worker.Rendition) error {
		if family, _ := r.Family(); family != api.FamilyMetadata {
			return api.Errorf(api.ReasonRenditionFormatUnsupported,
				"the metadata action makes xmp and machine-metadata-json renditions; fmt %q is not one of them", r.Fmt)
		}
		if r.MergesAnalysis() {
			return api.Errorf(api.ReasonGeneric,
				"analysis: merging an analysis into a %s rendition needs the decoded picture, which the thumbnail action makes; this deployment sent the rendition to the metadata action", r.Fmt)
		}
		md, err := Extract(ctx, src, opts)
		if err != nil {
			return err
		}
		return Write(md, r)
	}
}

// Extract reads the metadata of src with the meta engine, under the
// limits of opts overridden by the activation's settings, as Func does.
func Extract(ctx context.Context, src *worker.Source, opts meta.Options) (*meta.Metadata, error) {
	ra := src.Reader
	if ra == nil {
		f, err := os.Open(src.Path)
		if err != nil {
			return nil, api.Wrap(api.ReasonGeneric, err, "cannot open the source")
		}
		defer f.Close()
		ra = f
	}
	l := settings.MetaLimits(opts)
	src.Settings.ApplyMeta(&l)
	return meta.Extract(ctx, ra, src.Size, src.Name, meta.Options(l))
}

// Write writes md as the rendition r (xmp or machine-metadata-json), and
// its warnings into the event as acs:warnings.
func Write(md *meta.Metadata, r *worker.Rendition) error {
	var out []byte
	var err error
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
