package invoke

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/assetcompute/assetcompute/pkg/internal/backoff"
)

// Record is the outcome of an ended activation, as its record tells it.
type Record struct {
	// ActivationID identifies the activation.
	ActivationID string
	// Status is the record's response status: "success",
	// "application error", "action developer error" or "whisk internal
	// error".
	Status string
	// Success is true for status "success".
	Success bool
	// Result is the activation's result.
	Result json.RawMessage
}

// Activation returns the record of an activation started with Start, and
// found false while it has none (it runs, or its record is not stored
// yet). 429 and 5xx answers are retried as Invoke does; an unreachable
// API host is an *UnreachableError.
func (o *OpenWhisk) Activation(ctx context.Context, id string) (rec *Record, found bool, err error) {
	route := "activations/" + (&url.URL{Path: id}).String()
	what := "activation " + id
	err = o.policy.Do(ctx, func(ctx context.Context) error {
		a, err := o.do(ctx, o.opts.Namespace, http.MethodGet, route, nil)
		switch {
		case err != nil:
			if ue := o.unreachable(err); ue != nil {
				return fmt.Errorf("%s: %w", what, ue)
			}
			return backoff.Retryable(err)
		case a.status == http.StatusOK:
			var r activationRecord
			if json.Unmarshal(a.body, &r) != nil {
				return fmt.Errorf("%s: unreadable record", what)
			}
			rec, found = &Record{ActivationID: id, Status: r.Response.Status, Success: r.Response.Success, Result: r.Response.Result}, true
			return nil
		case a.status == http.StatusNotFound:
			return nil
		case retryable(a):
			return backoff.Retryable(fmt.Errorf("HTTP %d", a.status))
		default:
			return fmt.Errorf("%s: HTTP %d: %s", what, a.status, truncate(a.body))
		}
	}, nil)
	if err != nil {
		return nil, false, gaveUp(ctx, what, err)
	}
	return rec, found, nil
}
