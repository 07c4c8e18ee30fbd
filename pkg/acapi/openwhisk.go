package acapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/journal"
)

// Defaults of [OpenWhiskRunner].
const (
	DefaultStartTimeout = 10 * time.Second
	DefaultLostAfter    = 15 * time.Minute
	maxCollect          = 50
)

// Activations starts activations and reads their records: an
// *invoke.OpenWhisk.
type Activations interface {
	Start(ctx context.Context, action string, params json.RawMessage) (string, error)
	Activation(ctx context.Context, id string) (*invoke.Record, bool, error)
}

// PendingStore is a journal store that also keeps pending activations: a
// *journal.S3.
type PendingStore interface {
	journal.Store
	AddPending(ctx context.Context, id string, p journal.Pending) error
	PendingOf(ctx context.Context, id string) ([]journal.Pending, error)
	ClaimPending(ctx context.Context, id, activationID string) (bool, error)
	DonePending(ctx context.Context, id, activationID string) error
}

// OpenWhiskRunner is the [Runner] of the API deployed as a web action,
// which cannot wait for an activation after answering: Start begins a
// non-blocking activation of the process action through the OpenWhisk API
// and records it as pending in the store; Collect, run before every
// journal read, appends the events of the pending activations that ended
// (read from their activation records) and forgets them. Of several
// readers collecting at once, only the one whose claim succeeds appends
// (journal.S3.ClaimPending), so every event is appended once. An
// activation without a record after LostAfter ends its renditions with
// rendition_failed.
type OpenWhiskRunner struct {
	// OpenWhisk starts and reads activations. Required.
	OpenWhisk Activations
	// Store keeps the pending activations. Required.
	Store PendingStore
	// Action is the process action, e.g. "asset-compute/process". Required.
	Action string
	// StartTimeout bounds how long Start retries a controller answering
	// 429 or 5xx before the API answers 429. Default: DefaultStartTimeout.
	StartTimeout time.Duration
	// LostAfter is how long an activation may stay without a record.
	// Default: DefaultLostAfter (the process action's timeout is 5 min).
	LostAfter time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Logger gets the failures of Collect. Default: discarded.
	Logger *slog.Logger
}

func (o *OpenWhiskRunner) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *OpenWhiskRunner) log() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Start implements [Runner].
func (o *OpenWhiskRunner) Start(ctx context.Context, req Request) (string, error) {
	timeout := o.StartTimeout
	if timeout <= 0 {
		timeout = DefaultStartTimeout
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	id, err := o.OpenWhisk.Start(sctx, o.Action, req.Params)
	if err != nil {
		if sctx.Err() != nil && ctx.Err() == nil {
			// The controller kept answering 429 or 5xx: overloaded.
			return "", fmt.Errorf("%w (%v)", ErrBusy, err)
		}
		var ue *invoke.UnreachableError
		if errors.As(err, &ue) || errors.Is(err, invoke.ErrUnknownAction) {
			o.log().ErrorContext(ctx, "asset compute api: cannot start the process action", "action", o.Action, "error", err)
		}
		return "", fmt.Errorf("could not start the process action %s: %w", o.Action, err)
	}
	p := journal.Pending{ActivationID: id, RequestID: req.RequestID, Renditions: req.Renditions,
		UserData: req.UserData, Started: o.now().UTC()}
	if err := o.Store.AddPending(ctx, req.JournalID, p); err != nil {
		o.log().ErrorContext(ctx, "asset compute api: cannot record a pending activation; its events will be lost",
			"activationId", id, "requestId", req.RequestID, "error", err)
		return "", fmt.Errorf("the process activation %s started but the journal store failed; its events will not reach the journal", id)
	}
	return id, nil
}

// Collect implements [Collector].
func (o *OpenWhiskRunner) Collect(ctx context.Context, journalID string) error {
	pending, err := o.Store.PendingOf(ctx, journalID)
	if err != nil {
		return err
	}
	lost := o.LostAfter
	if lost <= 0 {
		lost = DefaultLostAfter
	}
	var errs []error
	for _, p := range pending[:min(len(pending), maxCollect)] {
		rec, found, err := o.OpenWhisk.Activation(ctx, p.ActivationID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !found && o.now().Sub(p.Started) < lost {
			continue // still running
		}
		claimed, err := o.Store.ClaimPending(ctx, journalID, p.ActivationID)
		if err != nil || !claimed {
			errs = append(errs, err)
			continue // another reader appends them
		}
		req := Request{JournalID: journalID, RequestID: p.RequestID, Renditions: p.Renditions, UserData: p.UserData}
		var evs []json.RawMessage
		if found {
			evs = ActivationEvents(p.ActivationID, rec.Status, rec.Result, req, o.now())
		} else {
			evs = FailedEvents(req, fmt.Sprintf("the process activation %s has no record %s after it started", p.ActivationID, lost), o.now())
		}
		if err := o.Store.Append(ctx, journalID, evs...); err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, o.Store.DonePending(ctx, journalID, p.ActivationID))
	}
	return errors.Join(errs...)
}
