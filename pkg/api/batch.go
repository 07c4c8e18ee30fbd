package api

import (
	"bytes"
	"encoding/json"
)

// StorageEventBatch is what the storage-event action passes to the process
// action when a notification yields other than exactly one request: several
// objects, none to process (the service's own output, a delete, a test
// event, a duplicate whose renditions all exist), or an SNS subscription
// confirmation. The process action runs every request and passes Skipped
// through in its BatchResult, so even an empty batch ends in a successful
// activation.
type StorageEventBatch struct {
	// Requests are complete processing requests, each decoded by the
	// process action as a request of its own (DecodeRequest), so one
	// invalid request fails only its renditions.
	Requests []json.RawMessage `json:"requests"`
	// Skipped records the notification's objects that were not turned into
	// requests, and why.
	Skipped []Skip `json:"skipped,omitempty"`
	// SubscriptionConfirmation is set for an SNS subscription
	// confirmation, which an operator confirms (never followed
	// automatically).
	SubscriptionConfirmation *SubscriptionConfirmation `json:"subscriptionConfirmation,omitempty"`
	// TestEvent is set when the notification was an s3:TestEvent (sent by
	// AWS S3 when notifications are configured and by versitygw when it
	// starts): nothing to process.
	TestEvent bool `json:"testEvent,omitempty"`
}

// Skip records an object of a notification that was not processed.
type Skip struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	// Event is the normalised event name ("ObjectRemoved:Delete", ...).
	Event string `json:"event"`
	// RequestID is set when a request was built for the object and then
	// not sent, because every rendition already exists.
	RequestID string `json:"requestId,omitempty"`
	// Reason says why the object was skipped, for a person to read.
	Reason string `json:"reason"`
	// Renditions are the names of the renditions found already made.
	Renditions []string `json:"renditions,omitempty"`
}

// SubscriptionConfirmation reports an SNS subscription confirmation, to be
// confirmed by an operator by opening SubscribeURL.
type SubscriptionConfirmation struct {
	TopicARN     string `json:"topicArn"`
	SubscribeURL string `json:"subscribeURL"`
	Message      string `json:"message"`
}

// BatchResult is the process action's result for a StorageEventBatch: one
// result per request, in the batch's order (R is the orchestrator's result
// of one request, *process.Result), and the batch's Skipped records passed
// through. Results is never null.
type BatchResult[R any] struct {
	Results []R    `json:"results"`
	Skipped []Skip `json:"skipped,omitempty"`
}

// DecodeStorageEventBatch reads the parameters of a process activation as
// a StorageEventBatch. ok is false when they are not a batch: not a JSON
// object, no "requests" field, or a "source" field (a processing request,
// which the process action runs as such). A batch whose requests or
// skipped records have the wrong shape is a GenericError.
func DecodeStorageEventBatch(params []byte) (b *StorageEventBatch, ok bool, err error) {
	var probe struct {
		Requests json.RawMessage `json:"requests"`
		Source   json.RawMessage `json:"source"`
		Skipped  json.RawMessage `json:"skipped"`
	}
	if json.Unmarshal(params, &probe) != nil || probe.Requests == nil || probe.Source != nil {
		return nil, false, nil
	}
	b = &StorageEventBatch{}
	if err := json.Unmarshal(probe.Requests, &b.Requests); err != nil {
		return nil, true, Errorf(ReasonGeneric, "requests: must be an array of processing requests")
	}
	if len(bytes.TrimSpace(probe.Skipped)) > 0 {
		if err := json.Unmarshal(probe.Skipped, &b.Skipped); err != nil {
			return nil, true, Errorf(ReasonGeneric, "skipped: must be an array of skipped objects (bucket, key, event, reason)")
		}
	}
	return b, true, nil
}
