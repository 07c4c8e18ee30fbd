package process

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/events"
	"github.com/assetcompute/assetcompute/pkg/invoke"
)

func TestEventsReachTheSinks(t *testing.T) {
	var mu sync.Mutex
	var ids []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ids = append(ids, r.Header.Get(events.HeaderEventID))
		mu.Unlock()
	}))
	defer srv.Close()
	up, err := events.NewWebhook(events.WebhookOptions{URL: srv.URL, Secret: "k", AllowHTTP: true})
	require.NoError(t, err)
	down, err := events.NewWebhook(events.WebhookOptions{URL: "http://127.0.0.1:1/hook", Secret: "k", AllowHTTP: true,
		Attempts: 2, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	require.NoError(t, err)

	w := &okWorker{}
	p := newProcessor(t, map[string]invoke.Handler{"thumbnail": w.handle}, func(o *Options) { o.Sinks = []events.Sink{up, down} })
	res := p.Process(context.Background(), request(
		`{"fmt":"png","name":"a.png","target":"s3://b/a"}`,
		`{"fmt":"bmp","name":"b.bmp","target":"s3://b/b"}`))
	assertOneEventEach(t, res, 2)
	assert.Equal(t, []string{res.Events[0].ID, res.Events[1].ID}, ids, "every event, created or failed, reaches the webhook once")
	require.Len(t, res.Undelivered, 2, "the receiver that is down is reported, never dropped silently")
	for i, u := range res.Undelivered {
		assert.Equal(t, res.Events[i].ID, u.EventID)
		assert.Equal(t, "webhook:http://127.0.0.1:1/hook", u.Sink)
	}
	out, err := json.Marshal(res)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"undelivered":[{"eventId":`)
}

func TestInvalidRequestEventsReachTheSinks(t *testing.T) {
	var n int
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { n++ }))
	defer srv.Close()
	up, err := events.NewWebhook(events.WebhookOptions{URL: srv.URL, Secret: "k", AllowHTTP: true})
	require.NoError(t, err)
	p := newProcessor(t, nil, func(o *Options) { o.Sinks = []events.Sink{up} })
	res := p.Process(context.Background(), []byte(`{"renditions":[{"fmt":"png","target":"s3://b/k"}]}`))
	require.True(t, res.Invalid())
	assert.Equal(t, 1, n)
	assert.Empty(t, res.Undelivered)
}
