// Package events delivers rendition events to the sinks a deployment
// configures, beyond the process activation's own result (which always
// carries every event):
//
//   - Trigger fires an OpenWhisk trigger once per event, so rules can route
//     events to other actions;
//   - Webhook POSTs each event to an HTTPS endpoint, signed with
//     HMAC-SHA256 over the timestamp and the body (see Sign and Verify, and
//     docs/events.md for the receiver's recipe).
//
// Every event carries a stable id (api.Event.ID, also sent as the
// X-ACS-Event-Id header), the same on every retry and on every redelivery
// of the same request, so receivers deduplicate on it. Delivery is
// at-least-once: a sink retries transient failures with backoff, and an
// event that still could not be delivered is returned by Deliver as an
// Undelivered entry, which the orchestrator puts in its result; nothing is
// dropped silently.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Sink delivers events somewhere.
type Sink interface {
	// Name identifies the sink in reports and logs; it never contains a
	// secret (a webhook's URL is shown without its query).
	Name() string
	// Deliver delivers one event, retrying transient failures itself while
	// ctx allows. An error means the event was not delivered.
	Deliver(ctx context.Context, ev api.Event) error
}

// Undelivered reports an event a sink could not deliver.
type Undelivered struct {
	EventID string `json:"eventId"`
	Sink    string `json:"sink"`
	Error   string `json:"error"`
}

// Deliver sends every event to every sink. Sinks work in parallel; each
// sink gets the events in order. It returns the events that could not be
// delivered, by sink then event order.
func Deliver(ctx context.Context, sinks []Sink, evs []api.Event) []Undelivered {
	if len(sinks) == 0 || len(evs) == 0 {
		return nil
	}
	failed := make([][]Undelivered, len(sinks))
	var wg sync.WaitGroup
	for i, s := range sinks {
		wg.Go(func() {
			for _, ev := range evs {
				if err := s.Deliver(ctx, ev); err != nil {
					failed[i] = append(failed[i], Undelivered{EventID: ev.ID, Sink: s.Name(), Error: err.Error()})
				}
			}
		})
	}
	wg.Wait()
	var out []Undelivered
	for _, f := range failed {
		out = append(out, f...)
	}
	return out
}

// Firer fires an OpenWhisk trigger; *invoke.OpenWhisk implements it.
type Firer interface {
	Fire(ctx context.Context, trigger string, payload json.RawMessage) (string, error)
}

// Trigger is a sink that fires an OpenWhisk trigger with each event as the
// trigger's payload.
type Trigger struct {
	firer   Firer
	trigger string
}

// NewTrigger returns a sink firing trigger (a name, "pkg/name" or
// "/namespace/name") through f, which retries 429 and 5xx itself.
func NewTrigger(f Firer, trigger string) (*Trigger, error) {
	if f == nil || trigger == "" {
		return nil, fmt.Errorf("events: a trigger sink needs an OpenWhisk client and a trigger name")
	}
	return &Trigger{firer: f, trigger: trigger}, nil
}

// Name returns "trigger:" and the trigger name.
func (t *Trigger) Name() string { return "trigger:" + t.trigger }

// Deliver fires the trigger with ev.
func (t *Trigger) Deliver(ctx context.Context, ev api.Event) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	_, err = t.firer.Fire(ctx, t.trigger, body)
	return err
}
