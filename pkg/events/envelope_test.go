package events_test

import (
	"context"
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
// event}, the event being ours unchanged.
func TestWebhookHostedEnvelope(t *testing.T) {
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
		Envelope: events.EnvelopeHosted, UserGUID: "ABC123@AdobeOrg"})
	require.NoError(t, err)
	evs := testEvents(2)
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
		var ev api.Event
		require.NoError(t, json.Unmarshal(env.Event, &ev))
		byID[ev.ID] = ev
		want, _ := json.Marshal(evs[0])
		if ev.ID == evs[1].ID {
			want, _ = json.Marshal(evs[1])
		}
		assert.JSONEq(t, string(want), string(env.Event), "the event inside is ours unchanged")
	}
	assert.Len(t, byID, 2)
}

func TestWebhookEnvelopeOptions(t *testing.T) {
	for _, o := range []events.WebhookOptions{
		{URL: "https://h/x", Secret: "s", Envelope: "adobe"},
		{URL: "https://h/x", Secret: "s", UserGUID: "org"},
	} {
		_, err := events.NewWebhook(o)
		assert.Error(t, err, "%+v", o)
	}
	_, err := events.NewWebhook(events.WebhookOptions{URL: "https://h/x", Secret: "s", Envelope: events.EnvelopeACS})
	assert.NoError(t, err)
}
