package events_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/events"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/invoke/owtest"
)

const secret = "s3cr3t-do-not-log"

// receiver is a webhook endpoint that verifies signatures and dedupes by
// event id; fail makes its first answers fail with a status.
type receiver struct {
	mu       sync.Mutex
	fail     []int // statuses to answer before succeeding, in order
	attempts map[string]int
	got      map[string]api.Event
	bad      int
}

func newReceiver(fail ...int) *receiver {
	return &receiver{fail: fail, attempts: map[string]int{}, got: map[string]api.Event{}}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	id := r.Header.Get(events.HeaderEventID)
	rc.attempts[id]++
	if len(rc.fail) > 0 {
		st := rc.fail[0]
		rc.fail = rc.fail[1:]
		w.WriteHeader(st)
		return
	}
	if err := events.Verify([]byte(secret), r.Header.Get(events.HeaderTimestamp), r.Header.Get(events.HeaderSignature), body, time.Now(), 5*time.Minute); err != nil {
		rc.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ev api.Event
	if json.Unmarshal(body, &ev) != nil || ev.ID != id {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rc.got[id] = ev // dedupe: a redelivered id replaces, never adds
	w.WriteHeader(http.StatusNoContent)
}

func testEvents(n int) []api.Event {
	req := &api.Request{RequestID: "req-ev", Source: api.Source{URL: "https://e.com/a.jpg"}}
	out := make([]api.Event, n)
	for i := range out {
		r := api.Rendition{Name: "r" + string(rune('0'+i)), Fmt: "png"}
		out[i] = api.NewEvent(req, i, r, api.RenditionResult{Name: r.Name, Status: api.StatusCreated}, time.Now())
	}
	return out
}

func webhook(t *testing.T, url string, attempts int) *events.Webhook {
	t.Helper()
	w, err := events.NewWebhook(events.WebhookOptions{URL: url, Secret: secret, AllowHTTP: true, Attempts: attempts,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	require.NoError(t, err)
	return w
}

func TestSignAndVerify(t *testing.T) {
	body := []byte(`{"id":"x"}`)
	now := time.Unix(1_700_000_000, 0)
	ts := "1700000000"
	sig := events.Sign([]byte(secret), ts, body)
	assert.True(t, strings.HasPrefix(sig, "sha256="))
	assert.Len(t, sig, len("sha256=")+64)
	cases := []struct {
		name    string
		ts, sig string
		body    string
		now     time.Time
		ok      bool
	}{
		{"authentic", ts, sig, string(body), now, true},
		{"tampered body", ts, sig, `{"id":"y"}`, now, false},
		{"other timestamp", "1700000001", sig, string(body), now, false},
		{"wrong secret", ts, events.Sign([]byte("other"), ts, body), string(body), now, false},
		{"replayed too late", ts, sig, string(body), now.Add(time.Hour), false},
		{"not a timestamp", "yesterday", sig, string(body), now, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := events.Verify([]byte(secret), tc.ts, tc.sig, []byte(tc.body), tc.now, 5*time.Minute)
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, events.ErrBadSignature)
			}
		})
	}
}

func TestWebhookRetriesThenSucceeds(t *testing.T) {
	rc := newReceiver(503, 429, 502)
	srv := httptest.NewServer(rc)
	defer srv.Close()
	evs := testEvents(3)
	und := events.Deliver(context.Background(), []events.Sink{webhook(t, srv.URL+"/hook?token=abc", 5)}, evs)
	assert.Empty(t, und)
	assert.Len(t, rc.got, 3)
	assert.Zero(t, rc.bad, "every delivered request is signed correctly")
	assert.Equal(t, 4, rc.attempts[evs[0].ID], "the first event was retried under the same id")
}

func TestWebhookReceiverDownIsReported(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/hook?token=sensitive"
	srv.Close() // nothing listens any more
	evs := testEvents(2)
	und := events.Deliver(context.Background(), []events.Sink{webhook(t, url, 3)}, evs)
	require.Len(t, und, 2)
	for i, u := range und {
		assert.Equal(t, evs[i].ID, u.EventID)
		assert.True(t, strings.HasPrefix(u.Sink, "webhook:http://127.0.0.1"))
		assert.NotContains(t, u.Sink+u.Error, "sensitive", "the URL's query is never reported")
		assert.NotContains(t, u.Sink+u.Error, secret)
		assert.Contains(t, u.Error, "after 3 attempts")
	}
}

func TestWebhookPermanentRefusalIsNotRetried(t *testing.T) {
	rc := newReceiver(400)
	srv := httptest.NewServer(rc)
	defer srv.Close()
	evs := testEvents(1)
	und := events.Deliver(context.Background(), []events.Sink{webhook(t, srv.URL, 5)}, evs)
	require.Len(t, und, 1)
	assert.Contains(t, und[0].Error, "HTTP 400")
	assert.Equal(t, 1, rc.attempts[evs[0].ID])
}

func TestWebhookRedeliveryIsDeduplicated(t *testing.T) {
	rc := newReceiver()
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w := webhook(t, srv.URL, 3)
	evs := testEvents(2)
	// The same request processed twice (an at-least-once storage event)
	// produces the same ids, so the receiver keeps one copy of each.
	again := testEvents(2)
	assert.Empty(t, events.Deliver(context.Background(), []events.Sink{w}, evs))
	assert.Empty(t, events.Deliver(context.Background(), []events.Sink{w}, again))
	assert.Len(t, rc.got, 2)
	assert.Equal(t, 2, rc.attempts[evs[1].ID])
}

func TestWebhookNeedsHTTPSAndSecret(t *testing.T) {
	_, err := events.NewWebhook(events.WebhookOptions{URL: "http://e.com/h", Secret: "x"})
	assert.ErrorContains(t, err, "https")
	_, err = events.NewWebhook(events.WebhookOptions{URL: "https://e.com/h"})
	assert.ErrorContains(t, err, "secret")
}

func TestTriggerSink(t *testing.T) {
	c := owtest.New(t)
	c.Trigger("acs-events")
	ow, err := invoke.NewOpenWhisk(invoke.OpenWhiskOptions{APIHost: c.URL, APIKey: "u:k", Namespace: "guest"})
	require.NoError(t, err)
	good, err := events.NewTrigger(ow, "acs-events")
	require.NoError(t, err)
	missing, err := events.NewTrigger(ow, "nope")
	require.NoError(t, err)
	evs := testEvents(2)
	und := events.Deliver(context.Background(), []events.Sink{good, missing}, evs)
	require.Len(t, und, 2)
	assert.Equal(t, "trigger:nope", und[0].Sink)
	var fired []string
	for _, call := range c.Calls() {
		if call.Path == "/api/v1/namespaces/guest/triggers/acs-events" {
			var ev api.Event
			require.NoError(t, json.Unmarshal(call.Body, &ev))
			fired = append(fired, ev.ID)
		}
	}
	assert.Equal(t, []string{evs[0].ID, evs[1].ID}, fired, "one firing per event, in order")
}
