package analysis

import (
	"encoding/json"
	"fmt"
	"image"
)

// MaxSide is the long side, in pixels, of the picture the features are
// computed on; a larger picture is first shrunk to it (image.Engine.Pixels
// does it on load). It is small enough that libvips decodes a 12 MP JPEG
// at 1/4 scale, as for a 256 px thumbnail, and large enough for the
// hashes (32 px), the colours and the sharpness, whose scale depends on
// it.
const MaxSide = 384

// The features, as named by the features instruction (api.AnalysisFeatures
// lists the same names).
const (
	FeatureColours = "colours"
	FeatureHashes  = "hashes"
	FeatureQuality = "quality"
)

// Features lists every feature, in the order a report writes them.
func Features() []string {
	return []string{FeatureColours, FeatureHashes, FeatureQuality, FeatureFaces}
}

// Report is the analysis of one picture. Its JSON form is the analysis
// rendition: flat keys in the acs-ai namespace (pkg/meta/KEYS.md), only
// those of the features computed.
type Report struct {
	// Features are the features computed, in Features order.
	Features []string
	// Width and Height are the size of the picture analysed.
	Width, Height int
	// Colours are the dominant colours, largest share first; ColourTags
	// their basic colour terms (see colourTags).
	Colours    []Colour
	ColourTags []string
	// PHash and DHash are the perceptual hashes, 16 hex digits each.
	PHash, DHash string
	// Quality holds the quality scores.
	Quality Quality
	// Faces are the faces found, largest confidence first, in pixels of
	// the picture analysed until ScaleFaces maps them to the source, whose
	// size SourceWidth and SourceHeight then give.
	Faces                     []FaceBox
	SourceWidth, SourceHeight int
	// Text is the text detection (see AddText).
	Text Text
}

// Analyze computes features (nil: all but the opt-in ones) of img, which
// should be at most MaxSide pixels on its long side. The text feature is
// accepted but not computed here: see AddText. An unknown feature is an
// error; a
// picture without opaque pixels, or of one colour, gives a valid report
// (no colours, zero scores).
func Analyze(img *image.NRGBA, features []string) (*Report, error) {
	want := map[string]bool{}
	for _, f := range features {
		known := false
		for _, k := range append(Features(), OptInFeatures()...) {
			known = known || f == k
		}
		if !known {
			return nil, fmt.Errorf("analysis: unknown feature %q", f)
		}
		want[f] = true
	}
	if features == nil {
		for _, k := range Features() {
			want[k] = true
		}
	}
	b := img.Bounds()
	r := &Report{Width: b.Dx(), Height: b.Dy()}
	for _, k := range append(Features(), OptInFeatures()...) {
		if want[k] {
			r.Features = append(r.Features, k)
		}
	}
	// The luma composited over white is computed once: the hashes, the
	// quality (which reads only its opaque pixels, where it is the plain
	// luma) and the face detector (rounded to bytes) share it.
	var y []float64
	if want[FeatureFaces] || want[FeatureHashes] || want[FeatureQuality] {
		y, _, _ = luma(img)
	}
	// The face detector takes as long as the other features together:
	// it runs beside them.
	var faceErr error
	var facesDone chan struct{}
	if want[FeatureFaces] {
		facesDone = make(chan struct{})
		go func() {
			defer close(facesDone)
			r.Faces, faceErr = detectFaces(img, y)
		}()
	}
	if want[FeatureColours] {
		r.Colours = dominantColours(img)
		r.ColourTags = colourTags(r.Colours)
	}
	if want[FeatureHashes] {
		if w, h := r.Width, r.Height; w > 0 && h > 0 {
			r.PHash = hashHex(pHash(y, w, h))
			r.DHash = hashHex(dHash(y, w, h))
		}
	}
	if want[FeatureQuality] {
		r.Quality = quality(img, y)
	}
	if facesDone != nil {
		<-facesDone
		if faceErr != nil {
			return nil, faceErr
		}
	}
	return r, nil
}

// has reports whether the report computed feature f.
func (r *Report) has(f string) bool {
	for _, k := range r.Features {
		if k == f {
			return true
		}
	}
	return false
}

// Map returns the report as the keys of the analysis rendition.
func (r *Report) Map() map[string]any {
	m := map[string]any{
		"acs-ai:features": r.Features,
		"acs-ai:width":    r.Width,
		"acs-ai:height":   r.Height,
	}
	if r.has(FeatureColours) {
		m["acs-ai:colours"] = r.Colours
		m["acs-ai:colourTags"] = r.ColourTags
	}
	if r.has(FeatureHashes) && r.PHash != "" {
		m["acs-ai:pHash"] = r.PHash
		m["acs-ai:dHash"] = r.DHash
	}
	if r.has(FeatureQuality) {
		q := r.Quality
		m["acs-ai:sharpness"] = q.Sharpness
		m["acs-ai:brightness"] = q.Brightness
		m["acs-ai:clippedHighlights"] = q.ClippedHighlights
		m["acs-ai:clippedShadows"] = q.ClippedShadows
		m["acs-ai:exposureWarnings"] = q.ExposureWarnings
		m["acs-ai:contrast"] = q.Contrast
		m["acs-ai:colourfulness"] = q.Colourfulness
		m["acs-ai:noise"] = q.Noise
	}
	if r.has(FeatureText) {
		r.Text.addTo(m)
	}
	r.faceKeys(m)
	return m
}

// MarshalJSON writes the report as the analysis rendition (see Map);
// keys come out sorted.
func (r *Report) MarshalJSON() ([]byte, error) { return json.Marshal(r.Map()) }
