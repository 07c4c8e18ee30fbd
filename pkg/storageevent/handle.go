package storageevent

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Batch is the action result when a notification yields other than exactly
// one request: several records, none accepted (the service's own output,
// a delete, a test event), or an SNS subscription confirmation. Requests
// are complete processing requests; the process action runs each request
// of a {"requests":[...]} body, so in the on-upload sequence a batch, even
// an empty one, ends in a successful activation. Its JSON is the wire type
// api.StorageEventBatch, which is what the process action decodes.
type Batch struct {
	Requests                 []*Request  `json:"requests"`
	Skipped                  []Skip      `json:"skipped,omitempty"`
	SubscriptionConfirmation *SNSConfirm `json:"subscriptionConfirmation,omitempty"`
	// TestEvent is set when the notification was an s3:TestEvent (sent by
	// AWS S3 when notifications are configured and by versitygw when it
	// starts): nothing to process.
	TestEvent bool `json:"testEvent,omitempty"`
}

// SNSConfirm reports an SNS subscription confirmation, to be confirmed by an
// operator by opening SubscribeURL (never followed automatically).
type SNSConfirm = api.SubscriptionConfirmation

// Handle is the storage-event action: params hold the notification and
// the profile. With exactly one accepted object and nothing skipped it
// returns that object's *Request, which the sequence passes to process as
// its parameters; otherwise it returns a *Batch. A malformed notification
// or profile is an error. An s3:TestEvent gives an empty Batch with
// TestEvent set, whatever the profile. Handle does not check existing
// renditions (skipExisting); a Handler with a Stater does.
func Handle(ctx context.Context, params json.RawMessage) (any, error) {
	return (&Handler{}).Handle(ctx, params)
}

// Process filters the notification's objects and builds a request for each
// accepted one. Duplicate records of the same object version within one
// notification give one request.
func (p *Profile) Process(n *Notification) (*Batch, error) {
	b := &Batch{Requests: []*Request{}}
	seen := map[string]bool{}
	for _, o := range n.Objects {
		if ok, why := p.Accept(o); !ok {
			b.Skipped = append(b.Skipped, Skip{Bucket: o.Bucket, Key: o.Key, Event: o.Event, Reason: why})
			continue
		}
		id := RequestID(o)
		if seen[id] {
			continue
		}
		seen[id] = true
		r, err := p.Build(o)
		if err != nil {
			return nil, fmt.Errorf("object s3://%s/%s: %w", o.Bucket, o.Key, err)
		}
		b.Requests = append(b.Requests, r)
	}
	return b, nil
}
