package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/invoke/owtest"
	"github.com/assetcompute/assetcompute/pkg/storageevent"
)

// TestDuplicateSkippedByStorageEventRunsNoWorker: the batch storage-event
// emits for a duplicate notification ({requests:[], skipped:[...]}, every
// rendition already made) invokes no worker and no trigger, and the
// skipped record comes back in the result.
func TestDuplicateSkippedByStorageEventRunsNoWorker(t *testing.T) {
	c := owtest.New(t)
	for _, a := range []string{"asset-compute/thumbnail", "asset-compute/metadata", "asset-compute/fulltext"} {
		c.Action(a, createAll)
	}
	c.Trigger("events")
	s := testServer(t, owEnv(c), nil)
	batch, err := json.Marshal(storageevent.Batch{Requests: []*storageevent.Request{}, Skipped: []storageevent.Skip{{
		Bucket: "b", Key: "a.jpg", Event: "ObjectCreated:Put", RequestID: "se-1",
		Reason: storageevent.SkipReasonAlreadyProcessed, Renditions: []string{"thumb.png", "text.txt"},
	}}})
	require.NoError(t, err)
	out, err := s.handle(context.Background(), withConfig(string(batch), `{"actionPrefix":"asset-compute/","eventsTrigger":"events"}`))
	require.NoError(t, err)
	res := out.(BatchResult)
	assert.Empty(t, res.Results)
	assert.Empty(t, c.Calls(), "no worker activation, no event fired")
	require.Len(t, res.Skipped, 1)
	assert.Equal(t, "se-1", res.Skipped[0].RequestID)
	assert.Equal(t, storageevent.SkipReasonAlreadyProcessed, res.Skipped[0].Reason)
	assert.Equal(t, []string{"thumb.png", "text.txt"}, res.Skipped[0].Renditions)
}
