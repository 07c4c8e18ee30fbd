package api

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAnalysisFeatures(t *testing.T) {
	r, err := ParseRendition([]byte(`{"fmt": "analysis", "target": "s3://b/k"}`))
	require.NoError(t, err)
	assert.Nil(t, r.Features, "no instruction: every feature")
	fam, ok := r.Family()
	assert.True(t, ok)
	assert.Equal(t, FamilyAnalysis, fam)
	assert.Equal(t, "application/json", FormatMimeType("analysis"))

	r, err = ParseRendition([]byte(`{"fmt": "analysis", "target": "s3://b/k", "features": ["Quality", "colors", "quality"]}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"quality", "colours"}, r.Features, "case, alias and duplicates")
	b, err := r.MarshalJSON()
	require.NoError(t, err)
	assert.Contains(t, string(b), `"features":["quality","colours"]`)

	r, err = ParseRendition([]byte(`{"fmt": "analysis", "target": "s3://b/k", "page": 2, "time": "10%", "raw": "preview"}`))
	require.NoError(t, err, "the instructions that pick the picture")
	assert.Equal(t, 2, *r.Page)

	for _, c := range []struct{ json, want string }{
		{`{"fmt": "analysis", "target": "s3://b/k", "features": ["sentiment"]}`, `features: "sentiment" is not a feature; use colours, hashes, quality, faces, text`},
		{`{"fmt": "analysis", "target": "s3://b/k", "features": []}`, `features: must name at least one feature`},
		{`{"fmt": "analysis", "target": "s3://b/k", "features": "colours"}`, `features: must be a list of feature names`},
		{`{"fmt": "analysis", "target": "s3://b/k", "width": 100}`, `width: 100 does not apply to analysis renditions`},
		{`{"fmt": "analysis", "target": "s3://b/k", "crop": "smart"}`, `crop: `},
		{`{"fmt": "jpg", "target": "s3://b/k", "features": ["colours"]}`, `features: ["colours"] is not honoured by jpg renditions; it applies to analysis`},
	} {
		_, err := ParseRendition([]byte(c.json))
		if assert.Error(t, err, c.json) {
			assert.Equal(t, ReasonGeneric, ReasonOf(err), c.json)
			assert.Contains(t, MessageOf(err), c.want, c.json)
		}
	}
}
