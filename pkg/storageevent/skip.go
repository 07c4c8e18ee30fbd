package storageevent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/logctx"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// SkipReasonAlreadyProcessed is the Skip reason of a request none of whose
// renditions needs making again.
const SkipReasonAlreadyProcessed = "already processed: every rendition exists for this object version"

// Stater reads what is stored at an s3:// rendition target. *transfer.Client
// implements it. Stat must return an error wrapping transfer.ErrNotFound
// when nothing is stored there.
type Stater interface {
	Stat(ctx context.Context, rawURL string) (*transfer.ObjectInfo, error)
}

// Handler is the storage-event action with its dependencies. The zero
// value handles notifications without the skipExisting check.
type Handler struct {
	// Stater returns the client that checks rendition targets for an
	// activation's parameters (which carry the deployment's S3 settings).
	// Nil turns the skipExisting check off.
	Stater func(params json.RawMessage) (Stater, error)
	// Logger receives warnings about targets that could not be checked;
	// default slog.Default(). Each record carries the requestId it is
	// about and the activationId of the context (package logctx).
	Logger *slog.Logger
	// CheckTimeout bounds the whole skipExisting check of one
	// notification; default DefaultCheckTimeout, and never more than half
	// the time left before the activation's deadline, so a slow S3 costs
	// a repeat of the work, never the notification.
	CheckTimeout time.Duration
}

// DefaultCheckTimeout is the default Handler.CheckTimeout.
const DefaultCheckTimeout = 10 * time.Second

// maxConcurrentStats bounds the HEAD requests of one notification.
const maxConcurrentStats = 8

// Handle is the storage-event action: see the package function Handle.
// When the profile's skipExisting is on (the default) and h.Stater is set,
// the renditions of each request whose s3:// target already holds a
// rendition made for the same requestId are dropped (see SkipExisting).
func (h *Handler) Handle(ctx context.Context, params json.RawMessage) (any, error) {
	n, err := Parse(params)
	if err != nil {
		return nil, err
	}
	if c := n.SubscriptionConfirmation; c != nil {
		return &Batch{Requests: []*Request{}, SubscriptionConfirmation: &SNSConfirm{
			TopicARN: c.TopicARN, SubscribeURL: c.SubscribeURL, Message: c.Message,
		}}, nil
	}
	if n.TestEvent {
		return &Batch{Requests: []*Request{}, TestEvent: true}, nil
	}
	p, err := ParseProfile(params)
	if err != nil {
		return nil, err
	}
	b, err := p.Process(n)
	if err != nil {
		return nil, err
	}
	if p.SkipExisting && h.Stater != nil && len(b.Requests) > 0 {
		st, err := h.Stater(params)
		if err != nil {
			return nil, fmt.Errorf("storage settings for skipExisting: %w", err)
		}
		cctx, cancel := context.WithTimeout(ctx, h.checkTimeout(ctx))
		SkipExisting(cctx, st, b, h.logger())
		cancel()
	}
	if len(b.Requests) == 1 && len(b.Skipped) == 0 {
		return b.Requests[0], nil
	}
	return b, nil
}

// checkTimeout is CheckTimeout (or its default), capped at half the time
// left before ctx's deadline.
func (h *Handler) checkTimeout(ctx context.Context) time.Duration {
	d := h.CheckTimeout
	if d <= 0 {
		d = DefaultCheckTimeout
	}
	if deadline, ok := ctx.Deadline(); ok {
		d = max(0, min(d, time.Until(deadline)/2))
	}
	return d
}

func (h *Handler) logger() *slog.Logger {
	return logctx.Wrap(h.Logger)
}

// SkipExisting makes a duplicate notification do no work: for each request
// of b it checks every s3:// rendition target with st and drops the
// renditions whose target already exists with user metadata
// api.ObjectMetaRequestID equal to the request's id (same bucket, key and version or ETag, so the
// same object version, already rendered by a previous delivery). A request
// left with no rendition moves to b.Skipped with
// SkipReasonAlreadyProcessed; one left with some keeps only those. A
// target that is missing, holds another request's rendition (an older
// version of the object) or is not an s3:// URL is kept; so is one that
// could not be checked (access denied, S3 unavailable; AWS also answers
// 403 for a missing key when the credentials lack s3:ListBucket): the
// error is logged as a warning and the work is done again rather than
// lost.
func SkipExisting(ctx context.Context, st Stater, b *Batch, log *slog.Logger) {
	log = logctx.Wrap(log)
	type check struct {
		req, rend int
		url       string
		exists    bool
	}
	var checks []*check
	for i, r := range b.Requests {
		for j, rend := range r.Renditions {
			var url string
			if json.Unmarshal(rend["target"], &url) != nil || !strings.HasPrefix(url, "s3://") {
				continue
			}
			checks = append(checks, &check{req: i, rend: j, url: url})
		}
	}
	if len(checks) == 0 {
		return
	}
	sem := make(chan struct{}, maxConcurrentStats)
	var wg sync.WaitGroup
	for _, c := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			id := b.Requests[c.req].RequestID
			ctx := logctx.WithRequestID(ctx, id)
			info, err := st.Stat(ctx, c.url)
			switch {
			case errors.Is(err, transfer.ErrNotFound):
			case err != nil:
				log.WarnContext(ctx, "cannot check whether a rendition exists; making it again",
					"requestId", id, "rendition", renditionNameOf(b.Requests[c.req].Renditions[c.rend]), "error", err.Error())
			default:
				c.exists = info.Metadata[api.ObjectMetaRequestID] == id
			}
		}()
	}
	wg.Wait()

	exists := map[[2]int]bool{}
	for _, c := range checks {
		if c.exists {
			exists[[2]int{c.req, c.rend}] = true
		}
	}
	kept := b.Requests[:0]
	for i, r := range b.Requests {
		var left []map[string]json.RawMessage
		var done []string
		for j, rend := range r.Renditions {
			if exists[[2]int{i, j}] {
				done = append(done, renditionNameOf(rend))
				continue
			}
			left = append(left, rend)
		}
		switch {
		case len(done) == 0:
			kept = append(kept, r)
		case len(left) == 0:
			log.InfoContext(logctx.WithRequestID(ctx, r.RequestID), "duplicate notification: every rendition exists", "requestId", r.RequestID, "renditions", len(done))
			b.Skipped = append(b.Skipped, Skip{
				Bucket: r.object.Bucket, Key: r.object.Key, Event: r.object.Event,
				RequestID: r.RequestID, Reason: SkipReasonAlreadyProcessed, Renditions: done,
			})
		default:
			log.InfoContext(logctx.WithRequestID(ctx, r.RequestID), "duplicate notification: some renditions exist; making the others", "requestId", r.RequestID,
				"existing", done, "remaining", len(left))
			r.Renditions = left
			kept = append(kept, r)
		}
	}
	clear(b.Requests[len(kept):])
	b.Requests = kept
}

// renditionNameOf returns the name of a built rendition.
func renditionNameOf(r map[string]json.RawMessage) string {
	var name string
	_ = json.Unmarshal(r["name"], &name)
	return name
}
