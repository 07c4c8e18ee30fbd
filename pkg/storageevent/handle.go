package storageevent

import (
	"context"
	"encoding/json"
	"fmt"
)

// Batch is the action result when a notification yields other than exactly
// one request: several records, none accepted, or an SNS subscription
// confirmation. Requests are complete processing requests; a process action
// that accepts {"requests":[...]} runs each (follow-up: process does not yet
// accept this form, so in the on-upload sequence a notification with
// several records needs it).
type Batch struct {
	Requests                 []*Request  `json:"requests"`
	Skipped                  []Skip      `json:"skipped,omitempty"`
	SubscriptionConfirmation *SNSConfirm `json:"subscriptionConfirmation,omitempty"`
}

// SNSConfirm reports an SNS subscription confirmation, to be confirmed by an
// operator by opening SubscribeURL (never followed automatically).
type SNSConfirm struct {
	TopicARN     string `json:"topicArn"`
	SubscribeURL string `json:"subscribeURL"`
	Message      string `json:"message"`
}

// Handle is the storage-event action: params hold the notification and
// the profile. With exactly one accepted object and nothing skipped it
// returns that object's *Request, which the sequence passes to process as
// its parameters; otherwise it returns a *Batch. A malformed notification
// or profile is an error.
func Handle(_ context.Context, params json.RawMessage) (any, error) {
	n, err := Parse(params)
	if err != nil {
		return nil, err
	}
	if c := n.SubscriptionConfirmation; c != nil {
		return &Batch{Requests: []*Request{}, SubscriptionConfirmation: &SNSConfirm{
			TopicARN: c.TopicARN, SubscribeURL: c.SubscribeURL, Message: c.Message,
		}}, nil
	}
	p, err := ParseProfile(params)
	if err != nil {
		return nil, err
	}
	b, err := p.Process(n)
	if err != nil {
		return nil, err
	}
	if len(b.Requests) == 1 && len(b.Skipped) == 0 {
		return b.Requests[0], nil
	}
	return b, nil
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
