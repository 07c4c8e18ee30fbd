package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/owaction"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// previewSide is the long side of the preview sent to the API and cropped.
const previewSide = 1024

// maxAnswerBytes bounds the API's answer.
const maxAnswerBytes = 1 << 20

// tagger makes tagged, focus-cropped renditions.
type tagger struct {
	engine *image.Engine
	client *http.Client
}

// instructions are the rendition instructions the tagger reads.
type instructions struct {
	Fmt       string  `json:"fmt"`
	Width     *int    `json:"width"`
	Height    *int    `json:"height"`
	MinScore  float64 `json:"minScore"`
	MaxLabels *int    `json:"maxLabels"`
}

// answer is the API's answer.
type answer struct {
	Labels []label `json:"labels"`
	Focus  *box    `json:"focus"`
}

type label struct {
	Name  string  `json:"name"`
	Score float64 `json:"score"`
}

type box struct {
	X, Y, W, H int
}

// render is the rendition function: preview, ask the API, crop, describe.
func (t *tagger) render(ctx context.Context, src *worker.Source, r *worker.Rendition) error {
	var in instructions
	if err := r.Decode(&in); err != nil {
		return err
	}
	if in.Fmt == "" {
		in.Fmt = "jpg"
	}
	if family, ok := api.FormatFamily(in.Fmt); !ok || family != api.FamilyImage {
		return api.Errorf(api.ReasonRenditionFormatUnsupported, "example-tagger makes image renditions; fmt %q is not an image format", in.Fmt)
	}
	maxLabels := 10
	if in.MaxLabels != nil {
		maxLabels = *in.MaxLabels
	}
	if maxLabels < 0 || in.MinScore < 0 || in.MinScore > 1 {
		return api.Errorf(api.ReasonGeneric, "maxLabels must not be negative and minScore must be between 0 and 1")
	}

	side := previewSide
	preview := filepath.Join(filepath.Dir(r.Path), "preview.jpg")
	pres, err := t.engine.Render(ctx, src.Path, api.Rendition{Fmt: "jpg", Width: &side, Height: &side}, preview, image.RenderOptions{})
	if err != nil {
		return err
	}
	ans, err := t.ask(ctx, preview)
	if err != nil {
		return err
	}

	out := api.Rendition{Fmt: in.Fmt, Width: in.Width, Height: in.Height}
	if c := clamp(ans.Focus, pres.Width, pres.Height); c != nil {
		out.Crop = c
	}
	res, err := t.engine.Render(ctx, preview, out, r.Path, image.RenderOptions{})
	if err != nil {
		return err
	}
	names, scores := pick(ans.Labels, in.MinScore, maxLabels)
	r.Metadata["tagger:labels"] = names
	r.Metadata["tagger:scores"] = scores
	r.Metadata[api.MetadataWidth] = res.Width
	r.Metadata[api.MetadataHeight] = res.Height
	return nil
}

// ask posts the preview to the API and decodes its answer. The key is
// sent in a header and never logged; the endpoint is logged without its
// query.
func (t *tagger) ask(ctx context.Context, preview string) (*answer, error) {
	var endpoint, key string
	if ok, err := worker.Param(ctx, "taggerUrl", &endpoint); err != nil || !ok {
		return nil, api.Errorf(api.ReasonGeneric, "example-tagger is not configured: the action parameter taggerUrl is not set")
	}
	if _, err := worker.Param(ctx, "taggerKey", &key); err != nil {
		return nil, err
	}
	body, err := os.ReadFile(preview)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot read the preview")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, api.Errorf(api.ReasonGeneric, "example-tagger is misconfigured: taggerUrl %s is not a URL", api.RedactURL(endpoint))
	}
	req.Header.Set("Content-Type", "image/jpeg")
	req.Header.Set("Accept", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	log := owaction.Logger(ctx).With("endpoint", api.RedactURL(endpoint))
	resp, err := t.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, api.Wrap(api.ReasonTimeout, err, "the tagging API did not answer before the activation deadline")
		}
		log.Warn("tagging API unreachable", "error", api.RedactURL(err.Error()))
		return nil, api.Errorf(api.ReasonGeneric, "the tagging API at %s is unreachable", api.RedactURL(endpoint))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot read the tagging API's answer")
	}
	log.Info("tagging API answered", "status", resp.StatusCode, "bytes", len(raw))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, api.Errorf(api.ReasonGeneric, "the tagging API refused the configured key (HTTP %d); check taggerKey", resp.StatusCode)
	case resp.StatusCode == http.StatusUnsupportedMediaType || resp.StatusCode == http.StatusUnprocessableEntity:
		return nil, api.Errorf(api.ReasonSourceFormatUnsupported, "the tagging API cannot tag this image (HTTP %d)", resp.StatusCode)
	case resp.StatusCode/100 != 2:
		return nil, api.Errorf(api.ReasonGeneric, "the tagging API failed with HTTP %d", resp.StatusCode)
	case len(raw) > maxAnswerBytes:
		return nil, api.Errorf(api.ReasonGeneric, "the tagging API's answer is larger than %d bytes", maxAnswerBytes)
	}
	var ans answer
	if err := json.Unmarshal(raw, &ans); err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, fmt.Sprintf("the tagging API's answer is not the expected JSON: %v", err))
	}
	return &ans, nil
}

// clamp returns the focus box clipped to a w x h image, or nil when there
// is none or nothing of it is inside.
func clamp(b *box, w, h int) *api.Crop {
	if b == nil {
		return nil
	}
	x0, y0 := max(0, b.X), max(0, b.Y)
	x1, y1 := min(w, b.X+b.W), min(h, b.Y+b.H)
	if x1-x0 < 1 || y1-y0 < 1 {
		return nil
	}
	return &api.Crop{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

// pick keeps the labels scored at least minScore, best first, at most n.
func pick(labels []label, minScore float64, n int) ([]string, []float64) {
	kept := make([]label, 0, len(labels))
	for _, l := range labels {
		if l.Name != "" && l.Score >= minScore {
			kept = append(kept, l)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].Score > kept[j].Score })
	if len(kept) > n {
		kept = kept[:n]
	}
	names, scores := make([]string, len(kept)), make([]float64, len(kept))
	for i, l := range kept {
		names[i], scores[i] = l.Name, l.Score
	}
	return names, scores
}
