package process

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/invoke"
)

// TestMergedAnalysisGoesToTheThumbnailAction: a metadata rendition that
// merges an analysis needs the decoded picture, so it goes with the
// analysis to the thumbnail action (one batch, one decode); other
// metadata renditions stay with the metadata action.
func TestMergedAnalysisGoesToTheThumbnailAction(t *testing.T) {
	thumb, md := &okWorker{}, &okWorker{}
	p := newProcessor(t, map[string]invoke.Handler{"thumbnail": thumb.handle, "metadata": md.handle}, nil)
	res := p.Process(context.Background(), request(
		`{"fmt":"analysis","name":"a.json","features":["tags"],"target":"s3://b/a.json"}`,
		`{"fmt":"xmp","name":"m.xmp","analysis":["tags"],"maxTags":5,"target":"s3://b/m.xmp"}`,
		`{"fmt":"machine-metadata-json","name":"m.json","target":"s3://b/m.json"}`,
	))
	assertOneEventEach(t, res, 3)
	for _, ev := range res.Events {
		assert.Equal(t, api.EventRenditionCreated, ev.Type, ev.ErrorMessage)
	}
	assert.Equal(t, []int{2}, thumb.batches)
	assert.Equal(t, []int{1}, md.batches)
	assert.Equal(t, []string{"tags"}, res.Events[1].Rendition.Analysis, "the instruction is echoed")
}
