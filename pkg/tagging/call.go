package tagging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/backoff"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// caller runs a provider's calls: one attempt at a time under the
// configured timeout, retried by the policy, errors made safe to show.
type caller struct {
	cfg  Config
	opts Options
}

// errAttemptTimeout marks an attempt cut off by Config.Timeout.
var errAttemptTimeout = errors.New("no answer within the timeout")

// retry runs attempt until it succeeds, fails for good, or the policy
// gives up. attempt gets a context bounded by Config.Timeout and returns
// an error marked backoff.Retryable when another attempt may help.
// what names the provider in messages ("Google Cloud Vision").
func (c *caller) retry(ctx context.Context, what string, attempt func(ctx context.Context) error) error {
	log := c.opts.Logger.With("provider", c.cfg.Provider, "endpoint", api.RedactURL(c.endpointForLog()))
	start := time.Now()
	err := c.opts.Policy.Do(ctx, func(ctx context.Context) error {
		actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
		err := attempt(actx)
		if err != nil && ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
			return backoff.Retryable(errAttemptTimeout)
		}
		return err
	}, func(r backoff.Retry) {
		log.Warn("tagging provider call failed, retrying", "attempt", r.Attempt, "delay", r.Delay, "error", c.scrub(r.Err.Error()))
	})
	if err == nil {
		log.Info("tagging provider answered", "elapsed", time.Since(start).Round(time.Millisecond))
		return nil
	}
	var giveUp *backoff.GiveUpError
	if errors.As(err, &giveUp) {
		if giveUp.Reason != nil && !errors.Is(giveUp.Reason, backoff.ErrNoTime) {
			return api.Wrap(api.ReasonTimeout, errors.New(c.scrub(err.Error())), what+" did not answer before the activation deadline")
		}
		reason := api.ReasonGeneric
		if errors.Is(giveUp.Last, errAttemptTimeout) {
			reason = api.ReasonTimeout
		}
		msg := fmt.Sprintf("%s failed after %d attempts: %s", what, giveUp.Attempts, c.scrub(api.MessageOf(giveUp.Last)))
		if errors.Is(giveUp.Last, errAttemptTimeout) {
			msg += fmt.Sprintf(" (%s %s)", SettingTimeout, c.cfg.Timeout)
		}
		log.Warn("tagging provider failed", "error", msg)
		return api.Errorf(reason, "%s", msg)
	}
	if ctx.Err() != nil {
		return api.Wrap(api.ReasonTimeout, ctx.Err(), what+" did not answer before the activation deadline")
	}
	log.Warn("tagging provider failed", "error", c.scrub(api.MessageOf(err)))
	return err
}

// endpointForLog is the configured endpoint, or the provider's own.
func (c *caller) endpointForLog() string {
	switch {
	case c.cfg.Endpoint != "":
		return c.cfg.Endpoint
	case c.cfg.Provider == ProviderGoogle:
		return googleEndpoint
	case c.cfg.Provider == ProviderRekognition:
		region := c.cfg.Region
		if region == "" {
			region = defaultRekognitionRegion
		}
		return "https://rekognition." + region + ".amazonaws.com"
	}
	return c.cfg.Provider
}

// scrub removes every configured secret from s, and a URL query.
func (c *caller) scrub(s string) string {
	for _, sec := range c.cfg.secrets() {
		s = strings.ReplaceAll(s, sec, "(redacted)")
	}
	return s
}

// post sends one HTTP POST attempt and returns the body of a 2xx answer.
// credential names the setting to check when the provider refuses the
// credentials. Failures worth another attempt (429, 408, 5xx, network
// failures) are marked retryable.
func (c *caller) post(ctx context.Context, what, endpoint, contentType string, body []byte, header http.Header, credential string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(string(body)))
	if err != nil {
		return nil, api.Errorf(api.ReasonGeneric, "the tagging provider is misconfigured: %s %s is not a URL", SettingEndpoint, api.RedactURL(endpoint))
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.opts.HTTP.Do(req)
	if err != nil {
		return nil, c.networkError(what, endpoint, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswerBytes+1))
	if err != nil {
		return nil, backoff.Retryable(api.Errorf(api.ReasonGeneric, "the answer of %s broke off: %s", what, c.scrub(api.RedactURL(err.Error()))))
	}
	if err := c.status(what, resp.StatusCode, resp.Header, raw, credential); err != nil {
		return nil, err
	}
	if len(raw) > MaxAnswerBytes {
		return nil, api.Errorf(api.ReasonGeneric, "the answer of %s is larger than %d bytes", what, MaxAnswerBytes)
	}
	return raw, nil
}

// networkError classifies a failed request: the address guard's refusal
// is final, anything else (refused, reset, unreachable) is retried and,
// at the end, reported as unreachable naming the endpoint setting.
func (c *caller) networkError(what, endpoint string, err error) error {
	if transfer.IsAddressNotAllowed(err) || api.ReasonOf(err) == api.ReasonSourceUnsupported {
		return api.Errorf(api.ReasonGeneric, "%s at %s cannot be called: %s (check %s; loopback and private addresses need allowPrivateNetworks)",
			what, api.RedactURL(endpoint), c.scrub(api.MessageOf(err)), SettingEndpoint)
	}
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		// The same resolver would give the same answer: not retried.
		return api.Errorf(api.ReasonGeneric, "%s at %s is unreachable (check %s): %s",
			what, api.RedactURL(endpoint), SettingEndpoint, c.scrub(api.RedactURL(causeOf(err))))
	}
	return backoff.Retryable(api.Errorf(api.ReasonGeneric, "%s is unreachable (check %s): %s",
		api.RedactURL(endpoint), SettingEndpoint, c.scrub(api.RedactURL(causeOf(err)))))
}

// causeOf is the message of a network error without the method and URL
// the http client puts before it ("dial tcp 192.0.2.1:443: connect:
// connection refused").
func causeOf(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// status turns a non-2xx answer into an error; nil for 2xx.
func (c *caller) status(what string, code int, h http.Header, body []byte, credential string) error {
	switch {
	case code/100 == 2:
		return nil
	case code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code/100 == 5:
		err := api.Errorf(api.ReasonGeneric, "HTTP %d%s", code, c.detail(body))
		return backoff.RetryableAfter(err, backoff.ParseRetryAfter(h.Get("Retry-After"), time.Now()))
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return api.Errorf(api.ReasonGeneric, "%s refused the configured credentials (HTTP %d%s); check %s", what, code, c.detail(body), credential)
	case code == http.StatusNotFound:
		return api.Errorf(api.ReasonGeneric, "%s answered HTTP 404: check %s", what, SettingEndpoint)
	case code == http.StatusUnsupportedMediaType || code == http.StatusUnprocessableEntity:
		return api.Errorf(api.ReasonGeneric, "%s cannot tag this picture (HTTP %d%s)", what, code, c.detail(body))
	}
	return api.Errorf(api.ReasonGeneric, "%s refused the request (HTTP %d%s)", what, code, c.detail(body))
}

// detail returns ": message" from a JSON error answer (the message of
// {"error": {"message"}}, {"message"} or {"Message"}), at most 200
// characters, secrets removed; "" when there is none.
func (c *caller) detail(body []byte) string {
	msg := errorMessage(body)
	if msg == "" {
		return ""
	}
	if len(msg) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "..."
	}
	return ": " + c.scrub(strings.ToValidUTF8(msg, "?"))
}
