package api

import (
	"encoding/json"
	"fmt"
)

// WorkerRequest is what the orchestrator sends to a worker action: one
// source and a batch of renditions of it.
type WorkerRequest struct {
	RequestID  string      `json:"requestId"`
	Source     Source      `json:"source"`
	Renditions []Rendition `json:"renditions"`
	// Keep, when not empty, has one entry per rendition: where the worker
	// stores a copy of the rendition besides its target (a zero Target for
	// none), for the orchestrator to use as the source of the renditions
	// composed from it. The copy is stored before the target is written;
	// when it cannot be, the rendition fails. Workers built on package
	// worker honour it.
	Keep []Target `json:"keep,omitempty"`
}

// DecodeWorkerRequest parses the parameters of a worker activation.
func DecodeWorkerRequest(params []byte) (*WorkerRequest, error) {
	var wr WorkerRequest
	if err := json.Unmarshal(params, &wr); err != nil {
		return nil, Errorf(ReasonGeneric, "invalid worker request: %v", err)
	}
	if err := wr.Source.Validate(); err != nil {
		return nil, Errorf(ReasonGeneric, "invalid worker request: %v", err)
	}
	if len(wr.Renditions) == 0 {
		return nil, Errorf(ReasonGeneric, "invalid worker request: renditions must not be empty")
	}
	return &wr, nil
}

// Status is the outcome of one rendition in a worker result.
type Status string

// The rendition outcomes.
const (
	StatusCreated Status = "created"
	StatusFailed  Status = "failed"
)

// RenditionResult is a worker's outcome for one rendition of its batch.
type RenditionResult struct {
	Name     string         `json:"name"`
	Status   Status         `json:"status"`
	Reason   Reason         `json:"errorReason,omitempty"`
	Message  string         `json:"errorMessage,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
	// Data is the rendition as a data: URI when embedded (embedBinaryLimit).
	Data string `json:"data,omitempty"`
	// ActivationIDs are the OpenWhisk activations that made the
	// rendition, when known (a worker running as an action sets its own).
	ActivationIDs []string `json:"activationIds,omitempty"`
	// Timings is where the rendition's time went in the worker, in
	// milliseconds per step (see Event.Timings), when it was measured.
	Timings map[string]float64 `json:"timings,omitempty"`
}

// Created reports whether the rendition was made.
func (r RenditionResult) Created() bool { return r.Status == StatusCreated }

// Failed returns the result of a failed rendition from err.
func Failed(name string, err error) RenditionResult {
	return RenditionResult{Name: name, Status: StatusFailed, Reason: ReasonOf(err), Message: MessageOf(err)}
}

// WorkerResult is a worker activation's result: one entry per rendition of
// the batch, in the batch's order.
type WorkerResult struct {
	Renditions []RenditionResult `json:"renditions"`
}

// DecodeWorkerResult parses a worker activation's result and checks that it
// has one entry per rendition of a batch of n.
func DecodeWorkerResult(data []byte, n int) (*WorkerResult, error) {
	var wr WorkerResult
	if err := json.Unmarshal(data, &wr); err != nil {
		return nil, fmt.Errorf("worker returned a result that is not a worker result: %w", err)
	}
	if len(wr.Renditions) != n {
		return &wr, fmt.Errorf("worker returned %d results for a batch of %d renditions", len(wr.Renditions), n)
	}
	return &wr, nil
}
