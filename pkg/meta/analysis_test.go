package meta

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
)

// analysisValues is an analysis as the thumbnail action writes it.
func analysisValues() map[string]any {
	return map[string]any{
		"acs-ai:features":       []string{"colours", "tags"},
		"acs-ai:width":          384,
		"acs-ai:colourTags":     []string{"red"},
		"acs-ai:tags":           []string{"red", "Holiday", "golden retriever"},
		"acs-ai:tagConfidences": []float64{1, 0.93, 0.71},
		"acs-ai:tagSources":     []string{"colour", "http", "http"},
		"acs-ai:colours": []map[string]any{
			{"hex": "#d01010", "share": 0.8, "name": "firebrick", "tag": "red", "lab": []float64{44, 67, 50}},
			{"hex": "#f0f0f0", "share": 0.2, "name": "whitesmoke", "tag": "white", "lab": []float64{95, 0, 0}},
		},
		"acs-ai:tagProviderError": "Google Cloud Vision failed after 3 attempts: HTTP 503",
		"dc:title":                "not an analysis key: ignored",
	}
}

func TestMergeAnalysis(t *testing.T) {
	t.Parallel()
	m := &Metadata{Format: "image/jpeg", Properties: []Property{
		{"dc:format", Text("image/jpeg")},
		{"dc:subject", TextBag("holiday", "beach")},
		{"acs-ai:stale", Text("replaced")},
		{"tiff:ImageWidth", Number(4000)},
	}}
	require.NoError(t, m.MergeAnalysis(analysisValues()))

	raw, err := m.JSON()
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(raw, &got))
	assert.Equal(t, []any{"holiday", "beach", "red", "golden retriever"}, got["dc:subject"], "tags added after the keywords, each once")
	assert.Equal(t, []any{"red", "Holiday", "golden retriever"}, got["acs-ai:tags"])
	assert.Equal(t, []any{1.0, 0.93, 0.71}, got["acs-ai:tagConfidences"])
	assert.Equal(t, 384.0, got["acs-ai:width"])
	assert.Equal(t, []any{"#d01010", "#f0f0f0"}, got["acs-ai:colours/acs-ai:hex"])
	assert.Equal(t, []any{0.8, 0.2}, got["acs-ai:colours/acs-ai:share"])
	assert.NotContains(t, got, "acs-ai:colours/acs-ai:lab", "values nested deeper are left out")
	assert.NotContains(t, got, "acs-ai:stale")
	assert.Equal(t, "Google Cloud Vision failed after 3 attempts: HTTP 503", got["acs-ai:tagProviderError"])
	assert.NotContains(t, got, "dc:title")
	assert.Equal(t, 4000.0, got["tiff:ImageWidth"])

	x, err := m.XMP()
	require.NoError(t, err)
	assert.Contains(t, string(x), `xmlns:acs-ai="`+NSacsAI+`"`)

	// exiftool reads the packet: dc:subject and the acs-ai namespace.
	exiftool := testutil.NeedTool(t, "exiftool")
	path := filepath.Join(t.TempDir(), "a.xmp")
	require.NoError(t, os.WriteFile(path, x, 0o644))
	out, err := exec.Command(exiftool, "-j", "-struct", "-XMP-dc:Subject", "-XMP-acs-ai:all", path).Output()
	require.NoError(t, err, "%s", out)
	var tools []map[string]any
	require.NoError(t, json.Unmarshal(out, &tools))
	require.Len(t, tools, 1)
	assert.Equal(t, []any{"holiday", "beach", "red", "golden retriever"}, tools[0]["Subject"])
	assert.Equal(t, []any{"red", "Holiday", "golden retriever"}, tools[0]["Tags"])
	assert.Equal(t, []any{1.0, 0.93, 0.71}, tools[0]["TagConfidences"])
	colours, ok := tools[0]["Colours"].(map[string]any)
	require.True(t, ok, "acs-ai:colours is a structure: %v", tools[0])
	assert.Equal(t, []any{"#d01010", "#f0f0f0"}, colours["Hex"])
}
