package api

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEventIDIsStableAndDistinct(t *testing.T) {
	id := EventID("req-1", 0, EventRenditionCreated)
	assert.Equal(t, id, EventID("req-1", 0, EventRenditionCreated), "the same across retries")
	assert.Regexp(t, `^[0-9a-f]{32}$`, id)

	seen := map[string]string{}
	for _, req := range []string{"req-1", "req-2", "req-1\x001"} {
		for i := 0; i < 20; i++ {
			for _, typ := range []EventType{EventRenditionCreated, EventRenditionFailed} {
				id := EventID(req, i, typ)
				key := req + "/" + string(rune('0'+i)) + "/" + string(typ)
				if other, dup := seen[id]; dup {
					t.Fatalf("EventID collision between %q and %q", key, other)
				}
				seen[id] = key
			}
		}
	}
}

func eventRequest(t *testing.T) *Request {
	t.Helper()
	req, err := DecodeRequest([]byte(`{
		"requestId": "req-ev",
		"source": "https://u:secret@h/in/a.png?X-Amz-Signature=abc",
		"userData": {"from": "request"},
		"renditions": [
			{"name": "a.png", "fmt": "png", "width": 10, "target": "https://h/out/a.png?X-Amz-Signature=def", "userData": {"from": "rendition"}},
			{"name": "b.png", "fmt": "png", "target": "s3://b/out/b.png"}
		]}`))
	require.NoError(t, err)
	return req
}

func TestNewEventForACreatedRendition(t *testing.T) {
	req := eventRequest(t)
	now := time.Date(2025, 3, 9, 13, 0, 0, 0, time.FixedZone("CET", 3600))
	res := RenditionResult{Name: "a.png", Status: StatusCreated, Metadata: map[string]any{"repo:size": 12}}
	ev := NewEvent(req, 0, req.Renditions[0], res, now)

	assert.Equal(t, EventRenditionCreated, ev.Type)
	assert.Equal(t, EventID("req-ev", 0, EventRenditionCreated), ev.ID)
	assert.Equal(t, "req-ev", ev.RequestID)
	assert.Equal(t, time.UTC, ev.Date.Location())
	assert.True(t, ev.Date.Equal(now))
	assert.Equal(t, "https://h/in/a.png", ev.Source, "source is redacted")
	assert.True(t, ev.Rendition.Target.IsZero(), "target is dropped")
	assert.Equal(t, 10, *ev.Rendition.Width)
	// As the hosted service's events: the request's userData, the
	// rendition's in the rendition (the Asset Compute client finds its
	// events by the first and their index by the second).
	assert.JSONEq(t, `{"from": "request"}`, string(ev.UserData), "the request's userData, whatever the rendition's")
	assert.JSONEq(t, `{"from": "rendition"}`, string(ev.Rendition.UserData), "the rendition's userData is in the rendition")
	assert.Equal(t, map[string]any{"repo:size": 12}, ev.Metadata)
	assert.Empty(t, ev.ErrorReason)
	assert.Equal(t, "https://h/out/a.png?X-Amz-Signature=def", req.Renditions[0].Target.URL, "the request is unchanged")

	data, err := json.Marshal(ev)
	require.NoError(t, err)
	for _, secret := range []string{"X-Amz-Signature", "secret", "target", "errorReason"} {
		assert.NotContains(t, string(data), secret)
	}
}

func TestNewEventForAFailedRendition(t *testing.T) {
	req := eventRequest(t)
	tests := []struct {
		name   string
		reason Reason
		want   Reason
	}{
		{"contract reason kept", ReasonSourceCorrupt, ReasonSourceCorrupt},
		{"timeout kept", ReasonTimeout, ReasonTimeout},
		{"unknown reason becomes GenericError", "DiskFull", ReasonGeneric},
		{"missing reason becomes GenericError", "", ReasonGeneric},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := RenditionResult{Name: "b.png", Status: StatusFailed, Reason: tc.reason, Message: "it broke"}
			ev := NewEvent(req, 1, req.Renditions[1], res, time.Now())
			assert.Equal(t, EventRenditionFailed, ev.Type)
			assert.Equal(t, tc.want, ev.ErrorReason)
			assert.Equal(t, "it broke", ev.ErrorMessage)
			assert.Equal(t, EventID("req-ev", 1, EventRenditionFailed), ev.ID)
			assert.NotEqual(t, EventID("req-ev", 1, EventRenditionCreated), ev.ID)
			assert.JSONEq(t, `{"from": "request"}`, string(ev.UserData), "the request's userData")
			assert.Nil(t, ev.Metadata)
		})
	}

	// A failure the worker measured keeps its size, so the client can
	// retry with a larger target.
	tooLarge := RenditionResult{Name: "b.png", Status: StatusFailed, Reason: ReasonRenditionTooLarge, Message: "too large",
		Metadata: map[string]any{MetadataSize: int64(5 << 30)}}
	ev := NewEvent(req, 1, req.Renditions[1], tooLarge, time.Now())
	assert.Equal(t, ReasonRenditionTooLarge, ev.ErrorReason)
	assert.Equal(t, map[string]any{"repo:size": int64(5 << 30)}, ev.Metadata)
	b, err := json.Marshal(ev)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"metadata":{"repo:size":5368709120}`)

	// A result with an unknown status is not a success.
	ev = NewEvent(req, 1, req.Renditions[1], RenditionResult{Name: "b.png"}, time.Now())
	assert.Equal(t, EventRenditionFailed, ev.Type)
	assert.Equal(t, ReasonGeneric, ev.ErrorReason)
}

func TestNewEventCarriesEmbeddedData(t *testing.T) {
	req := eventRequest(t)
	res := RenditionResult{Name: "a.png", Status: StatusCreated, Data: "data:image/png;base64,AAAA"}
	ev := NewEvent(req, 0, req.Renditions[0], res, time.Now())
	assert.Equal(t, "data:image/png;base64,AAAA", ev.Data)
}

func TestEventOfAFailedRenditionDecodes(t *testing.T) {
	req := eventRequest(t)
	bad, err := ParseRendition([]byte(`{"name": "odd.bmp", "fmt": "bmp", "target": "s3://b/k", "quality": 0}`))
	require.Error(t, err)
	ev := NewEvent(req, 0, bad, Failed(bad.Name, err), time.Now())
	data, err := json.Marshal(ev)
	require.NoError(t, err)
	var back Event
	require.NoError(t, json.Unmarshal(data, &back), "receivers can read every event the service emits")
	assert.Equal(t, "odd.bmp", back.Rendition.Name)
	assert.Equal(t, ev.ID, back.ID)

	var notObject Event
	assert.Error(t, json.Unmarshal([]byte(`{"type": "rendition_created", "rendition": 5}`), &notObject))
}

// TestObjectMetadataKeysAreStable pins the keys stored with renditions:
// objects written by earlier versions must still be recognised.
func TestObjectMetadataKeysAreStable(t *testing.T) {
	assert.Equal(t, "acs-request-id", ObjectMetaRequestID)
	assert.Equal(t, "acs-rendition", ObjectMetaRendition)
}
