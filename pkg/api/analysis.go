package api

import (
	"encoding/json"
	"strings"
)

// The features of an analysis rendition (fmt analysis), the values of its
// features instruction.
const (
	// FeatureColours: the dominant colours, their names and colour tags.
	FeatureColours = "colours"
	// FeatureHashes: perceptual hashes (pHash, dHash).
	FeatureHashes = "hashes"
	// FeatureQuality: sharpness, exposure, contrast, colourfulness and
	// noise.
	FeatureQuality = "quality"
	// FeatureFaces: the faces found (boxes, confidence) and the tags face
	// and people.
	FeatureFaces = "faces"
	// FeatureText: whether the picture is mostly text (document,
	// screenshot), from OCR. Computed only when named: a rendition
	// without a features instruction computes the others.
	FeatureText = "text"
)

// AnalysisFeatures lists the features an analysis rendition can compute,
// in the order they are written; a rendition without a features
// instruction computes them all but text, which runs OCR, and tags
// (FeatureTags), which may send the picture to the deployment's provider:
// both are computed only when named.
func AnalysisFeatures() []string {
	return []string{FeatureColours, FeatureHashes, FeatureQuality, FeatureFaces, FeatureText, FeatureTags}
}

// featureAliases maps accepted spellings to feature names.
var featureAliases = map[string]string{"colors": FeatureColours}

// parseFeatures reads the features instruction: a non-empty list of
// feature names (case-insensitive, "colors" for "colours"), duplicates
// dropped.
func parseFeatures(p *parser, v json.RawMessage) []string {
	var list []string
	if err := json.Unmarshal(v, &list); err != nil {
		p.fail(fieldErr("features", "must be a list of feature names (%s), got %s",
			strings.Join(AnalysisFeatures(), ", "), abbreviate(v)))
		return nil
	}
	if len(list) == 0 {
		p.fail(fieldErr("features", "must name at least one feature (%s); leave it out to compute them all",
			strings.Join(AnalysisFeatures(), ", ")))
		return nil
	}
	out := make([]string, 0, len(list))
	seen := map[string]bool{}
	for _, f := range list {
		name := strings.ToLower(strings.TrimSpace(f))
		if a, ok := featureAliases[name]; ok {
			name = a
		}
		known := false
		for _, k := range AnalysisFeatures() {
			known = known || k == name
		}
		if !known {
			p.fail(fieldErr("features", "%q is not a feature; use %s", f, strings.Join(AnalysisFeatures(), ", ")))
			return nil
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}
