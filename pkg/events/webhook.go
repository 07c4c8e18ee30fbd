package events

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/backoff"
)

// Webhook header names.
const (
	HeaderEventID   = "X-ACS-Event-Id"
	HeaderTimestamp = "X-ACS-Timestamp"
	HeaderSignature = "X-ACS-Signature"
)

// WebhookOptions configure a webhook sink.
type WebhookOptions struct {
	// URL receives the events; https, or http for local development when
	// AllowHTTP is set. Required.
	URL string
	// Secret keys the HMAC-SHA256 signature. Required; never logged or
	// reported.
	Secret string
	// AllowHTTP permits a plain http URL (tests, local development).
	AllowHTTP bool
	// HTTPClient sends the requests; default a client with a 10 s timeout.
	HTTPClient *http.Client
	// Attempts is how many times an event is tried; default 5.
	Attempts int
	// MinBackoff and MaxBackoff bound the exponential backoff between
	// attempts: the wait before retry n is random (full jitter) between 0
	// and MinBackoff*2^(n-1), at most MaxBackoff; default 200 ms and 5 s.
	MinBackoff, MaxBackoff time.Duration
	// Now gives the signing time; default time.Now.
	Now func() time.Time
	// Envelope is how each event is wrapped in the body: EnvelopeACS (or
	// "") posts the event itself; EnvelopeHosted posts the hosted Asset
	// Compute service's envelope {"user_guid", "event_code", "event"} as
	// that service does, the event base64-encoded JSON, for receivers
	// written for it; EnvelopeHostedJSON posts the same envelope with the
	// event as a JSON object. In both hosted envelopes the event's
	// metadata also names the dimensions as the hosted documentation does
	// (api.WithHostedNames). The headers and signature are the same.
	Envelope string
	// UserGUID is the envelope's user_guid (the hosted service puts the
	// client's IMS organization there); only with a hosted envelope.
	UserGUID string
}

// The webhook envelopes.
const (
	// EnvelopeACS posts the event as the body.
	EnvelopeACS = "acs"
	// EnvelopeHosted posts {"user_guid", "event_code": HostedEventCode,
	// "event": base64(JSON of the event)}, as the hosted service does.
	EnvelopeHosted = "hosted"
	// EnvelopeHostedJSON posts {"user_guid", "event_code":
	// HostedEventCode, "event": {...}}: the event as an object.
	EnvelopeHostedJSON = "hosted-json"
	// HostedEventCode is the event_code of the hosted envelope.
	HostedEventCode = "asset_compute"
)

// hostedEnvelope is the body of a webhook in a hosted envelope; Event is
// the event (EnvelopeHostedJSON) or its JSON base64-encoded, a string
// (EnvelopeHosted).
type hostedEnvelope struct {
	UserGUID  string `json:"user_guid"`
	EventCode string `json:"event_code"`
	Event     any    `json:"event"`
}

// IsHostedEnvelope reports whether envelope is one of the hosted ones.
func IsHostedEnvelope(envelope string) bool {
	return envelope == EnvelopeHosted || envelope == EnvelopeHostedJSON
}

// Validate checks the options.
func (o WebhookOptions) Validate() error {
	u, err := url.Parse(o.URL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("events: webhook URL is not an absolute URL")
	}
	if u.Scheme != "https" && !(o.AllowHTTP && u.Scheme == "http") {
		return fmt.Errorf("events: webhook URL must use https (got %s)", u.Scheme)
	}
	if o.Secret == "" {
		return errors.New("events: a webhook needs a signing secret")
	}
	switch o.Envelope {
	case "", EnvelopeACS, EnvelopeHosted, EnvelopeHostedJSON:
	default:
		return fmt.Errorf("events: webhook envelope must be %q, %q or %q, got %q", EnvelopeACS, EnvelopeHosted, EnvelopeHostedJSON, o.Envelope)
	}
	if o.UserGUID != "" && !IsHostedEnvelope(o.Envelope) {
		return fmt.Errorf("events: a webhook user_guid is only sent in the %q and %q envelopes", EnvelopeHosted, EnvelopeHostedJSON)
	}
	if o.Attempts < 0 || o.MinBackoff < 0 || o.MaxBackoff < 0 {
		return errors.New("events: webhook attempts and backoff must not be negative")
	}
	return nil
}

// Webhook is a sink that POSTs each event as JSON to a URL, signed.
//
// Each request carries X-ACS-Event-Id (the stable event id),
// X-ACS-Timestamp (Unix seconds) and X-ACS-Signature:
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)). A 2xx answer
// is success; 429, 5xx and transport errors are retried, up to
// WebhookOptions.Attempts in all, after an exponential backoff with full
// jitter (a Retry-After header is not read); any other status is a
// permanent failure. Retries stop when the context ends.
type Webhook struct {
	opts   WebhookOptions
	name   string
	policy backoff.Policy
}

// NewWebhook returns a webhook sink.
func NewWebhook(opts WebhookOptions) (*Webhook, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Attempts == 0 {
		opts.Attempts = 5
	}
	if opts.MinBackoff == 0 {
		opts.MinBackoff = 200 * time.Millisecond
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	u, _ := url.Parse(opts.URL)
	return &Webhook{
		opts: opts, name: "webhook:" + u.Scheme + "://" + u.Host + u.Path,
		policy: backoff.Policy{Base: opts.MinBackoff, Cap: opts.MaxBackoff, Attempts: opts.Attempts},
	}, nil
}

// Name returns "webhook:" and the URL without query or user info.
func (w *Webhook) Name() string { return w.name }

// Sign returns the signature header value for a body sent at timestamp
// (Unix seconds, as sent in X-ACS-Timestamp).
func Sign(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// ErrBadSignature is returned by Verify when a request is not authentic.
var ErrBadSignature = errors.New("events: bad webhook signature")

// Verify checks a webhook request's signature and that its timestamp is
// within tolerance of now (to refuse replays). It compares in constant
// time.
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not Unix seconds", ErrBadSignature, timestamp)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp is %v away from now", ErrBadSignature, d.Round(time.Second))
	}
	if !hmac.Equal([]byte(Sign(secret, timestamp, body)), []byte(signature)) {
		return ErrBadSignature
	}
	return nil
}

// Deliver posts ev, retrying transient failures.
func (w *Webhook) Deliver(ctx context.Context, ev api.Event) error {
	var body []byte
	var err error
	switch w.opts.Envelope {
	case EnvelopeHosted, EnvelopeHostedJSON:
		hosted := ev
		hosted.Metadata = api.WithHostedNames(ev.Metadata)
		env := hostedEnvelope{UserGUID: w.opts.UserGUID, EventCode: HostedEventCode, Event: hosted}
		if w.opts.Envelope == EnvelopeHosted {
			var b []byte
			if b, err = json.Marshal(hosted); err == nil {
				env.Event = base64.StdEncoding.EncodeToString(b)
			}
		}
		if err == nil {
			body, err = json.Marshal(env)
		}
	default:
		body, err = json.Marshal(ev)
	}
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	err = w.policy.Do(ctx, func(ctx context.Context) error {
		retry, err := w.post(ctx, ev.ID, body)
		if retry {
			return backoff.Retryable(err)
		}
		return err
	}, nil)
	var gu *backoff.GiveUpError
	if !errors.As(err, &gu) {
		return err
	}
	if gu.Reason != nil {
		return fmt.Errorf("%v (gave up: %v)", gu.Last, context.Cause(ctx))
	}
	return fmt.Errorf("%v (after %d attempts)", gu.Last, w.opts.Attempts)
}

// post makes one attempt; retry tells whether a failure is transient.
func (w *Webhook) post(ctx context.Context, id string, body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.opts.URL, bytes.NewReader(body))
	if err != nil {
		return false, errors.New("cannot build the webhook request")
	}
	ts := strconv.FormatInt(w.opts.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "assetcompute-events")
	req.Header.Set(HeaderEventID, id)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign([]byte(w.opts.Secret), ts, body))
	resp, err := w.opts.HTTPClient.Do(req)
	if err != nil {
		// A *url.Error names the full URL, query included: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return true, fmt.Errorf("POST %s: %v", strings.TrimPrefix(w.name, "webhook:"), err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return true, fmt.Errorf("receiver answered HTTP %d", resp.StatusCode)
	default:
		return false, fmt.Errorf("receiver refused the event: HTTP %d", resp.StatusCode)
	}
}
