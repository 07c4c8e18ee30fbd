package events

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/backoff/backofftest"
)

// TestWebhookBackoffIsFullJitter drives the retries of a webhook with an
// injected random source and sleep: each wait is drawn from the whole
// window [0, MinBackoff*2^(n-1)] (full jitter, as documented), not from its
// upper half.
func TestWebhookBackoffIsFullJitter(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) <= 3 {
			w.Header().Set("Retry-After", "60") // not read by the webhook
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	for _, tc := range []struct {
		name  string
		rand  func(n time.Duration) time.Duration
		slept []time.Duration
	}{
		{"bottom of the window", backofftest.Bottom, []time.Duration{0, 0, 0}},
		{"top of the window", backofftest.Top, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requests.Store(0)
			w, err := NewWebhook(WebhookOptions{URL: srv.URL, Secret: "s", AllowHTTP: true,
				MinBackoff: time.Second, MaxBackoff: 3 * time.Second})
			require.NoError(t, err)
			rec := &backofftest.Recorder{Draw: tc.rand}
			rec.Install(&w.policy)
			require.NoError(t, w.Deliver(context.Background(), api.Event{ID: "e1"}))
			assert.EqualValues(t, 4, requests.Load())
			assert.Equal(t, tc.slept, rec.Slept())
			assert.Equal(t, []time.Duration{time.Second + 1, 2*time.Second + 1, 3*time.Second + 1}, rec.Windows(),
				"windows from 0 to the ceiling, capped by MaxBackoff")
		})
	}
}

// TestWebhookGivesUpAfterAttempts counts the waits between a webhook's
// attempts: one fewer than the attempts.
func TestWebhookGivesUpAfterAttempts(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "busy", http.StatusTooManyRequests)
	}))
	defer srv.Close()
	w, err := NewWebhook(WebhookOptions{URL: srv.URL, Secret: "s", AllowHTTP: true, Attempts: 3})
	require.NoError(t, err)
	rec := &backofftest.Recorder{}
	rec.Install(&w.policy)
	err = w.Deliver(context.Background(), api.Event{ID: "e1"})
	require.Error(t, err)
	assert.Equal(t, "receiver answered HTTP 429 (after 3 attempts)", err.Error())
	assert.EqualValues(t, 3, requests.Load())
	assert.Len(t, rec.Slept(), 2)
}
