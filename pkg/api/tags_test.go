package api

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTagInstructions(t *testing.T) {
	t.Parallel()
	const target = `"target":"https://bucket.example/out"`
	ok := []struct {
		name, rendition string
		check           func(t *testing.T, r Rendition)
	}{
		{"analysis with tags, threshold and maxTags", `{"fmt":"analysis","features":["tags","colors"],"threshold":0.7,"maxTags":5,` + target + `}`,
			func(t *testing.T, r Rendition) {
				assert.Equal(t, []string{"tags", "colours"}, r.Features)
				assert.Equal(t, 0.7, *r.Threshold)
				assert.Equal(t, 5, *r.MaxTags)
				assert.False(t, r.MergesAnalysis())
			}},
		{"metadata merging an analysis", `{"fmt":"machine-metadata-json","analysis":["Tags","colours"],"threshold":0,` + target + `}`,
			func(t *testing.T, r Rendition) {
				assert.Equal(t, []string{"tags", "colours"}, r.Analysis)
				assert.Equal(t, 0.0, *r.Threshold)
				assert.True(t, r.MergesAnalysis())
			}},
		{"xmp merging an analysis", `{"fmt":"xmp","analysis":["hashes"],` + target + `}`,
			func(t *testing.T, r Rendition) { assert.True(t, r.MergesAnalysis()) }},
		{"xmp without analysis", `{"fmt":"xmp",` + target + `}`,
			func(t *testing.T, r Rendition) { assert.False(t, r.MergesAnalysis()) }},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRendition([]byte(tc.rendition))
			require.NoError(t, err)
			tc.check(t, r)
			// The instructions survive the trip to a worker.
			out, err := json.Marshal(r)
			require.NoError(t, err)
			back, err := ParseRendition(out)
			require.NoError(t, err)
			// Verbatim keeps each parse's input as written: the normalised
			// form differs from the request's spelling (colors, Tags).
			r.Verbatim, back.Verbatim = nil, nil
			assert.Equal(t, r, back)
		})
	}
	bad := []struct {
		name, rendition, want string
	}{
		{"threshold above 1", `{"fmt":"analysis","threshold":1.5,` + target + `}`, "threshold: must be a confidence from 0 to 1, got 1.5"},
		{"threshold not a number", `{"fmt":"analysis","threshold":"high",` + target + `}`, "threshold: must be a confidence from 0 to 1"},
		{"maxTags 0", `{"fmt":"analysis","maxTags":0,` + target + `}`, "maxTags"},
		{"unknown merged feature", `{"fmt":"xmp","analysis":["smiles"],` + target + `}`, `analysis: "smiles" is not a feature`},
		{"empty merged list", `{"fmt":"xmp","analysis":[],` + target + `}`, "analysis: must name at least one feature"},
		{"analysis on an image", `{"fmt":"png","analysis":["tags"],` + target + `}`, "analysis: [\"tags\"] is not honoured by png renditions"},
		{"analysis on an analysis", `{"fmt":"analysis","analysis":["tags"],` + target + `}`, "fmt analysis takes features"},
		{"threshold on an image", `{"fmt":"jpg","threshold":0.5,` + target + `}`, "threshold: 0.5 is not honoured by jpg renditions"},
		{"maxTags on metadata without analysis", `{"fmt":"xmp","maxTags":3,` + target + `}`, "maxTags: 3 is not honoured by xmp renditions"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRendition([]byte(tc.rendition))
			require.Error(t, err)
			assert.Equal(t, ReasonGeneric, ReasonOf(err))
			assert.Contains(t, MessageOf(err), tc.want)
		})
	}
}
