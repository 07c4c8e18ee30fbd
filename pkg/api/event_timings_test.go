package api

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEventTimingsRoundTrip(t *testing.T) {
	req := eventRequest(t)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	timings := map[string]float64{"fetch": 1.25, "render": 30.5, "encode": 4.125, "upload": 2, "total": 40}
	for _, res := range []RenditionResult{
		{Name: "a.png", Status: StatusCreated, Metadata: map[string]any{"repo:size": 12}, Timings: timings},
		{Name: "a.png", Status: StatusFailed, Reason: ReasonSourceCorrupt, Message: "broken", Timings: timings},
	} {
		ev := NewEvent(req, 0, req.Renditions[0], res, now)
		assert.Equal(t, timings, ev.Timings, "the worker's timings reach the event")
		data, err := json.Marshal(ev)
		require.NoError(t, err)
		var raw map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(data, &raw))
		assert.JSONEq(t, `{"fetch":1.25,"render":30.5,"encode":4.125,"upload":2,"total":40}`, string(raw["timings"]))
		var back Event
		require.NoError(t, json.Unmarshal(data, &back))
		assert.Equal(t, timings, back.Timings)
	}

	// Without timings the field is left out, as the hosted service's
	// events have none.
	ev := NewEvent(req, 0, req.Renditions[0], RenditionResult{Name: "a.png", Status: StatusCreated}, now)
	data, err := json.Marshal(ev)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "timings")

	// A worker result carries them too.
	wr := WorkerResult{Renditions: []RenditionResult{{Name: "a.png", Status: StatusCreated, Timings: timings}}}
	data, err = json.Marshal(wr)
	require.NoError(t, err)
	back, err := DecodeWorkerResult(data, 1)
	require.NoError(t, err)
	assert.Equal(t, timings, back.Renditions[0].Timings)
}
