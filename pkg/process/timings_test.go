package process_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// TestWorkerTimingsReachTheEvents runs the test custom worker through the
// action loop: the step timings its lifecycle measured reach the events,
// as its activation ids do, for a created and a failed rendition alike.
func TestWorkerTimingsReachTheEvents(t *testing.T) {
	t.Parallel()
	p := customProcessor(t, "acme/custom")
	res := p.Process(context.Background(), customRequest(t, "acme/custom", "ok", "corrupt"))
	require.Nil(t, res.Error)
	require.Len(t, res.Events, 2)
	created, failed := res.Events[0], res.Events[1]
	require.Equal(t, api.EventRenditionCreated, created.Type, created.ErrorMessage)
	require.Equal(t, api.EventRenditionFailed, failed.Type)
	for _, k := range []string{"fetch", "render", "upload", "total"} {
		assert.Contains(t, created.Timings, k)
	}
	for _, k := range []string{"fetch", "render", "total"} {
		assert.Contains(t, failed.Timings, k)
	}
	assert.NotContains(t, failed.Timings, "upload", "a failed rendition is not uploaded")
	for _, ev := range res.Events {
		sum := 0.0
		for k, v := range ev.Timings {
			assert.GreaterOrEqual(t, v, 0.0, "%s: %s", ev.Rendition.Name, k)
			if k != "total" {
				sum += v
			}
		}
		assert.GreaterOrEqual(t, ev.Timings["total"]+1e-9, sum, "%s: %v", ev.Rendition.Name, ev.Timings)
	}
}
