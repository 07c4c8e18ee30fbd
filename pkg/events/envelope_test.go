package events_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/events"
)

// With the hosted envelope, each signed body is {user_guid, event_code,
// event} as the hosted service posts it: event is the event's JSON,
// base64-encoded, and decodes (as a receiver written for the hosted
// service decodes it) to our event, whose metadata names the dimensions
// both ways. hosted-json posts the same envelope with the event as an
// object.
func TestWebhookHostedEnvelope(t *testing.T) {
	for _, envelope := range []string{events.EnvelopeHosted, events.EnvelopeHostedJSON} {
		t.Run(envelope, func(t *testing.T) {
			var mu sync.Mutex
			var bodies [][]byte
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if events.Verify([]byte(secret), r.Header.Get(events.HeaderTimestamp), r.Header.Get(events.HeaderSignature), body, time.Now(), time.Minute) != nil {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				mu.Lock()
				bodies = append(bodies, body)
				mu.Unlock()
				w.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()
			w, err := events.NewWebhook(events.WebhookOptions{URL: srv.URL, Secret: secret, AllowHTTP: true,
				Envelope: envelope, UserGUID: "ABC123@AdobeOrg"})
			require.NoError(t, err)
			evs := testEvents(2)
			evs[0].Metadata = map[string]any{api.MetadataWidth: 64, api.MetadataHeight: 48, api.MetadataFormat: "image/png"}
			require.Empty(t, events.Deliver(context.Background(), []events.Sink{w}, evs))
			require.Len(t, bodies, 2)
			byID := map[string]api.Event{}
			for _, b := range bodies {
				var env struct {
					UserGUID  string          `json:"user_guid"`
					EventCode string          `json:"event_code"`
					Event     json.RawMessage `json:"event"`
				}
				require.NoError(t, json.Unmarshal(b, &env))
				assert.Equal(t, "ABC123@AdobeOrg", env.UserGUID)
				assert.Equal(t, "asset_compute", env.EventCode)
				inner := []byte(env.Event)
				if envelope == events.EnvelopeHosted {
					var s string
					require.NoError(t, json.Unmarshal(env.Event, &s), "event is a string: %s", env.Event)
					inner, err = base64.StdEncoding.DecodeString(s)
					require.NoError(t, err, "event is base64")
				}
				var ev api.Event
				require.NoError(t, json.Unmarshal(inner, &ev), "%s", inner)
				byID[ev.ID] = ev
				want := evs[1]
				if ev.ID == evs[0].ID {
					want = evs[0]
					want.Metadata = map[string]any{api.MetadataWidth: 64, api.MetadataHeight: 48, api.MetadataFormat: "image/png",
						"tiff:ImageWidth": 64, "tiff:ImageLength": 48}
				}
				wantJSON, _ := json.Marshal(want)
				assert.JSONEq(t, string(wantJSON), string(inner), "the event inside is ours, with the hosted dimension names too")
			}
			assert.Len(t, byID, 2)
			assert.NotContains(t, evs[0].Metadata, "tiff:ImageWidth", "the event delivered to other sinks is not changed")
		})
	}
}

func TestWebhookEnvelopeOptions(t *testing.T) {
	for _, o := range []events.WebhookOptions{
		{URL: "https://h/x", Secret: "s", Envelope: "adobe"},
		{URL: "https://h/x", Secret: "s", UserGUID: "org"},
		{URL: "https://h/x", Secret: "s", Envelope: events.EnvelopeACS, UserGUID: "org"},
	} {
		_, err := events.NewWebhook(o)
		assert.Error(t, err, "%+v", o)
	}
	_, err := events.NewWebhook(events.WebhookOptions{URL: "https://h/x", Secret: "s", Envelope: events.EnvelopeACS})
	assert.NoError(t, err)
	_, err = events.NewWebhook(events.WebhookOptions{URL: "https://h/x", Secret: "s", Envelope: events.EnvelopeHostedJSON, UserGUID: "org"})
	assert.NoError(t, err)
}
