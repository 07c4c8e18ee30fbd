package process

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/invoke"
)

// A worker written in any language answers with JSON; reserved metadata of
// the wrong type fails that rendition instead of reaching clients.
func TestWorkerMetadataOfTheWrongTypeFailsItsRendition(t *testing.T) {
	handler := func(_ context.Context, params json.RawMessage) (any, error) {
		req, err := api.DecodeWorkerRequest(params)
		if err != nil {
			return nil, err
		}
		res := map[string]any{"renditions": []any{
			map[string]any{"name": req.Renditions[0].Name, "status": "created", "metadata": map[string]any{"dc:format": 5, "repo:size": 3}},
			map[string]any{"name": req.Renditions[1].Name, "status": "created", "metadata": map[string]any{"dc:format": "image/png", "repo:size": 3}},
			map[string]any{"name": req.Renditions[2].Name, "status": "failed", "errorReason": "RenditionTooLarge", "errorMessage": "too large",
				"metadata": map[string]any{"repo:size": 5 << 30}},
			map[string]any{"name": req.Renditions[3].Name, "status": "failed", "errorReason": "RenditionTooLarge", "errorMessage": "too large",
				"metadata": map[string]any{"repo:size": "huge"}},
		}}
		return res, nil
	}
	p := newProcessor(t, map[string]invoke.Handler{"thumbnail": handler}, nil)
	res := p.Process(context.Background(), request(
		`{"fmt":"png","name":"a.png","target":"s3://b/a.png"}`,
		`{"fmt":"png","name":"b.png","target":"s3://b/b.png"}`,
		`{"fmt":"png","name":"c.png","target":"s3://b/c.png"}`,
		`{"fmt":"png","name":"d.png","target":"s3://b/d.png"}`))
	assertOneEventEach(t, res, 4)
	assert.Equal(t, api.EventRenditionFailed, res.Events[0].Type)
	assert.Equal(t, api.ReasonGeneric, res.Events[0].ErrorReason)
	assert.Contains(t, res.Events[0].ErrorMessage, `action thumbnail returned unusable metadata: rendition metadata dc:format must be a media type string`)
	require.Equal(t, api.EventRenditionCreated, res.Events[1].Type)
	assert.Equal(t, "image/png", res.Events[1].Metadata["dc:format"])

	// A RenditionTooLarge failure tells the client the size it needs.
	assert.Equal(t, api.ReasonRenditionTooLarge, res.Events[2].ErrorReason)
	assert.EqualValues(t, 5<<30, res.Events[2].Metadata["repo:size"])
	// Unusable metadata on a failure is dropped; the reason is kept.
	assert.Equal(t, api.ReasonRenditionTooLarge, res.Events[3].ErrorReason)
	assert.Nil(t, res.Events[3].Metadata)
}
