package api

import (
	"encoding/json"
	"strconv"
)

// FeatureTags is the tags feature of an analysis: the tags of the local
// features (colour terms, and those other features give) and, when the
// deployment configures a provider, the provider's labels, each with a
// confidence from 0 to 1.
const FeatureTags = "tags"

// MaxTagsLimit is the largest maxTags instruction.
const MaxTagsLimit = 1000

// Instructions of the tags feature and of merged analyses.
const (
	// FieldThreshold is the lowest confidence (0 to 1) of a tag kept.
	FieldThreshold = "threshold"
	// FieldMaxTags is the most tags kept (1 to MaxTagsLimit).
	FieldMaxTags = "maxTags"
	// FieldAnalysis, on an xmp or machine-metadata-json rendition, lists
	// the analysis features whose values are merged into the metadata.
	FieldAnalysis = "analysis"
)

// parseTagInstructions reads threshold, maxTags and analysis into r.
func parseTagInstructions(p *parser, r *Rendition) {
	if v, ok := p.raw[FieldThreshold]; ok && string(v) != "null" {
		f, isNum := p.number(FieldThreshold, v)
		if !isNum || f < 0 || f > 1 {
			p.fail(fieldErr(FieldThreshold, "must be a confidence from 0 to 1, got %s", abbreviate(v)))
		} else {
			r.Threshold = &f
		}
	}
	r.MaxTags = p.intRange(FieldMaxTags, 1, MaxTagsLimit)
	if v, ok := p.raw[FieldAnalysis]; ok && string(v) != "null" {
		sub := parser{raw: map[string]json.RawMessage{"features": v}}
		r.Analysis = parseFeatures(&sub, v)
		if sub.err != nil {
			if fe, ok := sub.err.(*Error).Err.(*FieldError); ok {
				p.fail(fieldErr(FieldAnalysis, "%s", fe.Message))
			} else {
				p.fail(fieldErr(FieldAnalysis, "%s", MessageOf(sub.err)))
			}
		}
	}
}

// validateTagInstructions checks threshold, maxTags and analysis against
// the rendition's family: analysis applies to xmp and
// machine-metadata-json, threshold and maxTags to an analysis rendition
// or a metadata rendition that merges an analysis.
func validateTagInstructions(r *Rendition, family Family) error {
	if r.Analysis != nil && family != FamilyMetadata {
		return validationErr(FieldAnalysis, "%s is not honoured by %s renditions; it applies to xmp and machine-metadata-json (fmt analysis takes features)", jsonList(r.Analysis), r.Fmt)
	}
	takesTags := family == FamilyAnalysis || r.Analysis != nil
	if r.Threshold != nil && !takesTags {
		return validationErr(FieldThreshold, "%s is not honoured by %s renditions; it applies to analysis, and to xmp and machine-metadata-json with analysis", strconv.FormatFloat(*r.Threshold, 'f', -1, 64), r.Fmt)
	}
	if r.MaxTags != nil && !takesTags {
		return validationErr(FieldMaxTags, "%d is not honoured by %s renditions; it applies to analysis, and to xmp and machine-metadata-json with analysis", *r.MaxTags, r.Fmt)
	}
	return nil
}

// MergesAnalysis reports whether r is a metadata rendition that merges an
// analysis (the analysis instruction): it needs the decoded picture, so
// the thumbnail action makes it.
func (r *Rendition) MergesAnalysis() bool {
	family, _ := r.Family()
	return r.Worker == "" && family == FamilyMetadata && len(r.Analysis) > 0
}
