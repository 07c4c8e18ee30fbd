package process

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/invoke/owtest"
)

// createAll is a controller behaviour that creates every rendition of the
// batch after delay.
func createAll(delay time.Duration) owtest.Behaviour {
	return func(_ int, params json.RawMessage) owtest.Reply {
		req, err := api.DecodeWorkerRequest(params)
		if err != nil {
			return owtest.Reply{Status: 502, Body: map[string]any{"error": err.Error()}}
		}
		res := api.WorkerResult{}
		for _, r := range req.Renditions {
			res.Renditions = append(res.Renditions, api.RenditionResult{Name: r.Name, Status: api.StatusCreated})
		}
		return owtest.Reply{Delay: delay, Body: res}
	}
}

func owProcessor(t *testing.T, c *owtest.Controller, mod func(*Options)) *Processor {
	t.Helper()
	ow, err := invoke.NewOpenWhisk(invoke.OpenWhiskOptions{APIHost: c.URL, APIKey: "u:k", Namespace: "guest",
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, PollInterval: 10 * time.Millisecond})
	require.NoError(t, err)
	opts := Options{Invoker: ow, Logger: quiet, BatchSize: 2}
	if mod != nil {
		mod(&opts)
	}
	p, err := New(opts)
	require.NoError(t, err)
	return p
}

func pngRenditions(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(`{"fmt":"png","name":"r%d.png","width":10,"target":"s3://b/r%d.png"}`, i, i)
	}
	return out
}

func TestOpenWhiskFanOutRunsBatchesConcurrently(t *testing.T) {
	c := owtest.New(t)
	// Each batch answers only once all four are in: batches invoked one
	// after the other fail after a minute.
	meet := rendezvous(4)
	create := createAll(0)
	c.Action("thumbnail", func(n int, params json.RawMessage) owtest.Reply {
		if !meet(context.Background()) {
			return owtest.Reply{Status: 502, Body: map[string]any{"error": "the four batches did not run at the same time"}}
		}
		return create(n, params)
	})
	p := owProcessor(t, c, nil)

	res := p.Process(context.Background(), request(pngRenditions(8)...)) // 4 batches of 2

	assertOneEventEach(t, res, 8)
	assert.True(t, res.AllCreated(), "batches must run in parallel: %+v", res.Events[0])
	assert.Equal(t, 4, c.Count("thumbnail"))
}

func TestOpenWhiskFanOutExactlyOneEventUnderFaults(t *testing.T) {
	// The healthy batches answer at once, so that they finish well within
	// the timeout cases' deadline even on a busy machine.
	const batchTime = 300 * time.Millisecond
	ok := createAll(0)
	const hung = 10 * time.Second
	cases := []struct {
		name    string
		faulty  owtest.Behaviour // behaviour of the "faulty" action; batch 0 uses it
		timeout time.Duration
		reason  api.Reason // of the faulty batch's renditions; "" = created
		retried bool
	}{
		{name: "worker timeout", timeout: 3 * time.Second,
			faulty: func(int, json.RawMessage) owtest.Reply { return owtest.Reply{Delay: hung} }, reason: api.ReasonTimeout},
		{name: "worker outlives the blocking wait (202, never done)", timeout: 3 * time.Second,
			faulty: func(int, json.RawMessage) owtest.Reply { return owtest.Reply{Async: true, Delay: time.Hour} }, reason: api.ReasonTimeout},
		{name: "worker crash (502)",
			faulty: func(int, json.RawMessage) owtest.Reply {
				return owtest.Reply{Status: 502, Body: map[string]any{"error": "The action did not produce a valid response and exited unexpectedly."}}
			}, reason: api.ReasonGeneric},
		{name: "worker application error keeps its reason",
			faulty: func(int, json.RawMessage) owtest.Reply {
				return owtest.Reply{Status: 502, Body: map[string]any{"error": map[string]any{"reason": "SourceCorrupt", "message": "truncated"}}}
			}, reason: api.ReasonSourceCorrupt},
		{name: "garbage result",
			faulty: func(int, json.RawMessage) owtest.Reply { return owtest.Reply{Raw: `{"renditions":"nope"`} }, reason: api.ReasonGeneric},
		{name: "result with too few renditions",
			faulty: func(int, json.RawMessage) owtest.Reply {
				return owtest.Reply{Body: map[string]any{"renditions": []any{}}}
			}, reason: api.ReasonGeneric},
		{name: "429 for a while", retried: true,
			faulty: func(n int, p json.RawMessage) owtest.Reply {
				if n < 3 {
					return owtest.Reply{Status: 429, Body: map[string]any{"error": "Too many requests", "code": "t"}}
				}
				return ok(n, p)
			}},
		{name: "controller 5xx for a while", retried: true,
			faulty: func(n int, p json.RawMessage) owtest.Reply {
				if n < 2 {
					return owtest.Reply{Status: 503, Raw: "Service Unavailable"}
				}
				return ok(n, p)
			}},
		{name: "202 then polled to completion",
			faulty: func(_ int, p json.RawMessage) owtest.Reply {
				r := ok(0, p)
				return owtest.Reply{Async: true, Delay: batchTime, Body: r.Body}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := owtest.New(t)
			c.Action("thumbnail", ok)
			c.Action("faulty", tc.faulty)
			p := owProcessor(t, c, func(o *Options) {
				o.AllowedWorkers = []string{"faulty"}
				o.Margin = 200 * time.Millisecond
			})
			reqs := pngRenditions(6) // 3 thumbnail batches
			reqs = append(reqs,
				`{"worker":"faulty","name":"f0","target":"s3://b/f0"}`,
				`{"worker":"faulty","name":"f1","target":"s3://b/f1"}`)
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			start := time.Now()
			res := p.Process(ctx, request(reqs...))
			wall := time.Since(start)
			t.Logf("%s: 4 batches, wall %v", tc.name, wall.Round(time.Millisecond))

			assertOneEventEach(t, res, 8)
			for i, ev := range res.Events {
				if i < 6 {
					assert.Equal(t, api.EventRenditionCreated, ev.Type, "healthy batches are unaffected: %s", ev.Rendition.Name)
					continue
				}
				if tc.reason == "" {
					assert.Equal(t, api.EventRenditionCreated, ev.Type, ev.ErrorMessage)
				} else {
					assert.Equal(t, api.EventRenditionFailed, ev.Type)
					assert.Equal(t, tc.reason, ev.ErrorReason, ev.ErrorMessage)
				}
			}
			assert.Equal(t, 3, c.Count("thumbnail"), "healthy batches are invoked once each")
			if tc.timeout > 0 {
				// TestOwnDeadlineReportsUnfinishedAsTimeout checks the
				// deadline itself; here: the hung worker was not waited for.
				assert.Less(t, wall, hung, "unfinished renditions are reported without waiting for the worker")
			}
		})
	}
}
