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
		}}
		return res, nil
	}
	p := newProcessor(t, map[string]invoke.Handler{"thumbnail": handler}, nil)
	res := p.Process(context.Background(), request(
		`{"fmt":"png","name":"a.png","target":"s3://b/a.png"}`,
		`{"fmt":"png","name":"b.png","target":"s3://b/b.png"}`))
	assertOneEventEach(t, res, 2)
	assert.Equal(t, api.EventRenditionFailed, res.Events[0].Type)
	assert.Equal(t, api.ReasonGeneric, res.Events[0].ErrorReason)
	assert.Contains(t, res.Events[0].ErrorMessage, `action thumbnail returned unusable metadata: rendition metadata dc:format must be a media type string`)
	require.Equal(t, api.EventRenditionCreated, res.Events[1].Type)
	assert.Equal(t, "image/png", res.Events[1].Metadata["dc:format"])
}
