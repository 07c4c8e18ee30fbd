package builtin

import (
	"bytes"
	"context"
	"encoding/json"
	goimage "image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"

	"github.com/assetcompute/assetcompute/pkg/analysis"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/builtin/metadata"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/meta"
	"github.com/assetcompute/assetcompute/pkg/settings"
	"github.com/assetcompute/assetcompute/pkg/tagging"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// analyse writes the analysis rendition (fmt analysis) of the picture at
// path, which the thumbnail action made of the source as it would for an
// image rendition (a photo, a PDF or PostScript page, a video's poster
// frame, a raw file's preview): decoded once by libvips at
// analysis.MaxSide pixels at most (shrink-on-load), then analysed in Go.
// rendition carries the page to decode.
//
// It also makes the xmp and machine-metadata-json renditions that merge an
// analysis (the analysis instruction, which routes them here): the
// source's metadata, read as the metadata action does, with the analysis
// values merged in (meta.Metadata.MergeAnalysis).
//
// The decoded picture, and a provider's tags, are shared by the
// renditions of one activation (worker.Source.Once): an analysis and a
// metadata rendition of the same page decode the source once and call
// the provider once. With pyr, the activation's image.Pyramid over the
// source's own pixels, the picture is resized from the image the image
// renditions of the request decode (image.Pyramid.SourcePixels) rather
// than decoded again.
func analyse(ctx context.Context, engine *image.Engine, pyr *image.Pyramid, src *worker.Source, path string, rendition api.Rendition, r *worker.Rendition) error {
	features := r.Features
	if r.MergesAnalysis() {
		features = r.Analysis
	}
	if features == nil {
		// All but the opt-in ones: text runs OCR, tags may send the
		// picture to a provider; each is computed only when named.
		features = analysis.Features()
	}
	page := 0
	if rendition.Page != nil {
		page = *rendition.Page
	}
	key := pixelsKey{path: path, page: page}
	v, err := src.Once(key, func() (any, error) {
		pixels := func(ctx context.Context, r api.Rendition, maxSide int, tmpDir string) (*goimage.NRGBA, goimage.Point, error) {
			return engine.SourcePixels(ctx, path, r, maxSide, tmpDir)
		}
		if pyr != nil {
			pixels = pyr.SourcePixels
		}
		px, size, err := pixels(ctx, rendition, analysis.MaxSide, filepath.Dir(r.Path))
		if err != nil {
			return nil, err
		}
		return decodedPixels{px: px, size: size}, nil
	})
	if err != nil {
		return err
	}
	px, sourceSize := v.(decodedPixels).px, v.(decodedPixels).size
	if err := ctx.Err(); err != nil {
		return err
	}
	wantTags := slices.Contains(features, api.FeatureTags)
	local := slices.DeleteFunc(slices.Clone(features), func(f string) bool { return f == api.FeatureTags })
	compute := local
	if wantTags {
		// Tags come from every local feature that gives some: the
		// default ones and any opt-in one named.
		compute = slices.Clone(analysis.Features())
		for _, f := range local {
			if !slices.Contains(compute, f) {
				compute = append(compute, f)
			}
		}
	}
	rep, err := analysis.Analyze(px, compute)
	if err != nil {
		// The request was validated: an unknown feature here is a bug.
		return api.Wrap(api.ReasonGeneric, err, "analysis")
	}
	rep.ScaleFaces(sourceSize.X, sourceSize.Y)
	if slices.Contains(rep.Features, analysis.FeatureText) {
		if err := detectText(ctx, engine, path, rendition, r, px, rep); err != nil {
			return err
		}
	}
	all := rep.Map()
	rep.Features = slices.DeleteFunc(slices.Clone(rep.Features), func(f string) bool { return !slices.Contains(local, f) })
	values := rep.Map()
	// The features computed, in the order of api.AnalysisFeatures.
	values["acs-ai:features"] = slices.DeleteFunc(api.AnalysisFeatures(), func(f string) bool { return !slices.Contains(features, f) })
	if wantTags {
		if err := addTags(ctx, src, px, key, r, all, values); err != nil {
			return err
		}
	}
	if r.MergesAnalysis() {
		md, err := metadata.Extract(ctx, src, meta.Options{})
		if err != nil {
			return err
		}
		if err := md.MergeAnalysis(values); err != nil {
			return api.Wrap(api.ReasonGeneric, err, "the analysis cannot be merged into the metadata")
		}
		if w, ok := r.Metadata["acs:warnings"].([]string); ok {
			md.Warnings = append(md.Warnings, w...)
		}
		return metadata.Write(md, r)
	}
	out, err := json.MarshalIndent(values, "", "  ")
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "analysis cannot be written")
	}
	if err := os.WriteFile(r.Path, append(out, '\n'), 0o644); err != nil {
		return api.Wrap(api.ReasonGeneric, err, "analysis cannot be written")
	}
	return nil
}

// decodedPixels is the picture an analysis reads and the size of the
// upright source it was decoded from (the pixels face boxes are given in).
type decodedPixels struct {
	px   *goimage.NRGBA
	size goimage.Point
}

// pixelsKey names the decoded picture of a page of a file, shared by the
// renditions of an activation.
type pixelsKey struct {
	path string
	page int
}

// providerKey names a provider's answer for a picture and the tag
// instructions that were passed on to it.
type providerKey struct {
	pixels    pixelsKey
	threshold float64
	maxTags   int
}

// providerAnswer is a provider's tags, or why there are none.
type providerAnswer struct {
	provider string
	tags     []tagging.Tag
	err      error
}

// providerJPEGQuality is the JPEG quality of the picture sent to a
// provider.
const providerJPEGQuality = 85

// addTags adds the tags keys to values: the local tags (from all, the
// values of every local feature) and, when the deployment configures a
// provider, its tags, merged by tagging.Select under the rendition's
// threshold and maxTags. A provider that is misconfigured or fails does
// not fail the rendition: the local values are written, with
// acs-ai:tagProviderError and acs-ai:tagProviderReason saying why the
// provider's tags are missing, and the message is added to the event's
// acs:warnings. Only the activation's end (ctx) fails it.
func addTags(ctx context.Context, src *worker.Source, px *goimage.NRGBA, key pixelsKey, r *worker.Rendition, all, values map[string]any) error {
	threshold, maxTags := tagging.DefaultThreshold, tagging.DefaultMaxTags
	if r.Threshold != nil {
		threshold = *r.Threshold
	}
	if r.MaxTags != nil {
		maxTags = *r.MaxTags
	}
	v, _ := src.Once(providerKey{key, threshold, maxTags}, func() (any, error) {
		return askProvider(ctx, src, px, threshold, maxTags), nil
	})
	ans := v.(providerAnswer)
	if ans.err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	tags := tagging.Select(threshold, maxTags, tagging.LocalTags(all), ans.tags)
	names := make([]string, len(tags))
	confidences := make([]float64, len(tags))
	sources := make([]string, len(tags))
	for i, t := range tags {
		names[i], confidences[i], sources[i] = t.Name, math.Round(t.Confidence*1e4)/1e4, t.Source
	}
	values["acs-ai:tags"] = names
	values["acs-ai:tagConfidences"] = confidences
	values["acs-ai:tagSources"] = sources
	if ans.provider != "" {
		values["acs-ai:tagProvider"] = ans.provider
	}
	if ans.err != nil {
		msg := api.MessageOf(ans.err)
		values["acs-ai:tagProviderError"] = msg
		values["acs-ai:tagProviderReason"] = string(api.ReasonOf(ans.err))
		w, _ := r.Metadata["acs:warnings"].([]string)
		r.Metadata["acs:warnings"] = append(w, "tags: "+msg)
		src.Logger().WarnContext(ctx, "the tagging provider gave no tags; the local tags are kept", "rendition", r.Name, "reason", api.ReasonOf(ans.err), "error", msg)
	}
	return nil
}

// serviceClient is the part of transfer.Client a provider uses.
type serviceClient interface {
	HTTPClient() *http.Client
	CheckServiceURL(rawURL string) error
}

// askProvider builds the deployment's provider and asks it for the
// picture's tags; a zero answer when none is configured.
func askProvider(ctx context.Context, src *worker.Source, px *goimage.NRGBA, threshold float64, maxTags int) providerAnswer {
	var c settings.TaggingConfig
	src.Settings.ApplyTagging(&c)
	if c.Provider == "" {
		return providerAnswer{}
	}
	ans := providerAnswer{provider: c.Provider}
	tc, ok := src.Transfer.(serviceClient)
	if !ok {
		ans.err = api.Errorf(api.ReasonGeneric, "the tagging provider %s cannot be called: this worker has no network client", c.Provider)
		return ans
	}
	p, err := tagging.New(tagging.Config(c), tagging.Options{HTTP: tc.HTTPClient(), CheckURL: tc.CheckServiceURL, Logger: src.Logger()})
	if err != nil {
		ans.err = err
		return ans
	}
	pic, err := providerJPEG(px)
	if err != nil {
		ans.err = api.Wrap(api.ReasonGeneric, err, "the picture for the tagging provider cannot be encoded")
		return ans
	}
	ans.tags, ans.err = p.Tags(ctx, tagging.Request{JPEG: pic, Threshold: threshold, MaxTags: maxTags})
	return ans
}

// providerJPEG encodes the analysed picture, flattened over white, as the
// JPEG sent to a provider: at most analysis.MaxSide pixels, no metadata.
func providerJPEG(px *goimage.NRGBA) ([]byte, error) {
	b := px.Bounds()
	flat := goimage.NewRGBA(b)
	draw.Draw(flat, b, &goimage.Uniform{C: color.White}, goimage.Point{}, draw.Src)
	draw.Draw(flat, b, px, b.Min, draw.Over)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, flat, &jpeg.Options{Quality: providerJPEGQuality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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
