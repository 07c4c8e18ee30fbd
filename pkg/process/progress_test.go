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

type progressed struct {
	index int
	ev    api.Event
}

func TestProgressHearsEachRenditionAsItIsDecided(t *testing.T) {
	release := make(chan struct{})
	held := func(ctx context.Context, params json.RawMessage) (any, error) {
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return (&okWorker{}).handle(ctx, params)
	}
	p := newProcessor(t, map[string]invoke.Handler{"thumbnail": held, "metadata": (&okWorker{}).handle}, nil)
	heard := make(chan progressed, 10)
	ctx := WithProgress(context.Background(), func(i int, ev api.Event) { heard <- progressed{i, ev} })
	done := make(chan *Result, 1)
	go func() {
		done <- p.Process(ctx, request(
			`{"fmt":"png","name":"held.png","target":"s3://b/held.png"}`,
			`{"fmt":"bmp","name":"bad.bmp","target":"s3://b/bad"}`,
			`{"fmt":"machine-metadata-json","name":"meta.json","target":"s3://b/meta.json"}`,
		))
	}()

	// While the picture is held, the other two are heard.
	early := map[int]api.Event{}
	for range 2 {
		h := <-heard
		early[h.index] = h.ev
	}
	require.Contains(t, early, 1)
	require.Contains(t, early, 2)
	assert.Equal(t, api.EventRenditionFailed, early[1].Type)
	assert.Equal(t, api.EventRenditionCreated, early[2].Type)
	select {
	case res := <-done:
		t.Fatalf("the request finished while a worker was held: %+v", res)
	default:
	}

	close(release)
	last := <-heard
	assert.Equal(t, 0, last.index)
	assert.Equal(t, api.EventRenditionCreated, last.ev.Type)
	res := <-done
	assertOneEventEach(t, res, 3)
	early[0] = last.ev
	for i, ev := range res.Events {
		assert.Equal(t, ev.ID, early[i].ID, "rendition %d: the event heard is the event of record", i)
		assert.Equal(t, ev.Type, early[i].Type)
		assert.Equal(t, ev.ErrorReason, early[i].ErrorReason)
		assert.Equal(t, ev.Rendition.Name, early[i].Rendition.Name)
	}
	assert.Empty(t, heard, "once per rendition")
}
