package invoke

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/internal/backoff/backofftest"
)

const backoffTestKey = "23bc46b1-71f6-4ed5-8c54-816aa4f8c502:secretpart"

// busyController answers 503 (or 429 for triggers) to the first n requests
// and then succeeds.
func busyController(t *testing.T, n int64) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if requests.Add(1) <= n {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"error":"busy","code":"x"}`))
			return
		}
		_, _ = w.Write([]byte(`{"activationId":"a1","ok":true}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &requests
}

// TestOpenWhiskBackoffIsFullJitter drives the invoker's retries with an
// injected random source and sleep: every wait is drawn from the whole
// window [0, MinBackoff*2^(n-1)] capped at MaxBackoff (full jitter, as the
// documentation says), not from its upper half (equal jitter).
func TestOpenWhiskBackoffIsFullJitter(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rand  func(n time.Duration) time.Duration
		slept []time.Duration
	}{
		{"bottom of the window", backofftest.Bottom, []time.Duration{0, 0, 0, 0}},
		{"top of the window", backofftest.Top, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, requests := busyController(t, 4)
			ow, err := NewOpenWhisk(OpenWhiskOptions{APIHost: srv.URL, APIKey: backoffTestKey, Namespace: "guest",
				MinBackoff: time.Second, MaxBackoff: 5 * time.Second})
			require.NoError(t, err)
			rec := &backofftest.Recorder{Draw: tc.rand}
			rec.Install(&ow.policy)
			out, err := ow.Invoke(context.Background(), "thumbnail", json.RawMessage(`{}`))
			require.NoError(t, err)
			assert.JSONEq(t, `{"activationId":"a1","ok":true}`, string(out))
			assert.EqualValues(t, 5, requests.Load())
			assert.Equal(t, tc.slept, rec.Slept())
			assert.Equal(t, []time.Duration{time.Second + 1, 2*time.Second + 1, 4*time.Second + 1, 5*time.Second + 1}, rec.Windows())

			// Start and Fire space their retries the same way.
			requests.Store(0)
			rec.Reset()
			id, err := ow.Fire(context.Background(), "t", json.RawMessage(`{}`))
			require.NoError(t, err)
			assert.Equal(t, "a1", id)
			assert.Equal(t, tc.slept, rec.Slept())
		})
	}
}

// TestOpenWhiskRetriesUntilTheContextEnds: the invoker has no attempt
// limit; a cancelled wait ends the call with the context's cause and the
// last attempt's failure.
func TestOpenWhiskRetriesUntilTheContextEnds(t *testing.T) {
	srv, requests := busyController(t, 1<<40)
	ow, err := NewOpenWhisk(OpenWhiskOptions{APIHost: srv.URL, APIKey: backoffTestKey, Namespace: "guest"})
	require.NoError(t, err)
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("shutting down")
	waits := 0
	ow.policy.Sleep = func(ctx context.Context, d time.Duration) error {
		if waits++; waits == 6 {
			cancel(stop)
			return ctx.Err()
		}
		return nil
	}
	_, err = ow.Invoke(ctx, "thumbnail", json.RawMessage(`{}`))
	require.Error(t, err)
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, "invoke thumbnail: shutting down (last attempt: HTTP 503)", err.Error())
	assert.EqualValues(t, 6, requests.Load())
}

// TestOpenWhiskPollWaitsDouble checks the intervals between polls of an
// activation that outlived the blocking call: PollInterval, doubling up to
// MaxBackoff, without jitter.
func TestOpenWhiskPollWaitsDouble(t *testing.T) {
	var polls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"activationId":"a1"}`))
			return
		}
		if polls.Add(1) <= 5 {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"not yet","code":"x"}`))
			return
		}
		_, _ = w.Write([]byte(`{"activationId":"a1","response":{"status":"success","success":true,"result":{"ok":1}}}`))
	}))
	defer srv.Close()
	ow, err := NewOpenWhisk(OpenWhiskOptions{APIHost: srv.URL, APIKey: backoffTestKey, Namespace: "guest",
		PollInterval: time.Second, MaxBackoff: 5 * time.Second})
	require.NoError(t, err)
	rec := &backofftest.Recorder{}
	rec.Install(&ow.policy)
	out, err := ow.Invoke(context.Background(), "thumbnail", json.RawMessage(`{}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"ok":1}`, string(out))
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}, rec.Slept())
	assert.Empty(t, rec.Windows(), "no jitter between polls")
}
