package api

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNewEventOfATooLargeRenditionCarriesItsSize checks the contract a
// client relies on to retry with a bigger target: a RenditionTooLarge event
// carries repo:size in its metadata; other failures carry no metadata.
func TestNewEventOfATooLargeRenditionCarriesItsSize(t *testing.T) {
	req := eventRequest(t)
	res := RenditionResult{Name: "b.png", Status: StatusFailed, Reason: ReasonRenditionTooLarge, Message: "too large",
		Metadata: map[string]any{"repo:size": 123456, "dc:format": "image/png"}}
	ev := NewEvent(req, 1, req.Renditions[1], res, time.Now())
	assert.Equal(t, EventRenditionFailed, ev.Type)
	assert.Equal(t, map[string]any{"repo:size": 123456}, ev.Metadata, "only the size")
	data, err := json.Marshal(ev)
	require.NoError(t, err)
	var back map[string]any
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, map[string]any{"repo:size": 123456.0}, back["metadata"])

	res.Reason = ReasonGeneric
	ev = NewEvent(req, 1, req.Renditions[1], res, time.Now())
	assert.Nil(t, ev.Metadata, "a failure of another reason carries no metadata")
}
