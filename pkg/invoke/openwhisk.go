package invoke

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/apache/openwhisk-client-go/whisk"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/backoff"
)

// OpenWhiskOptions configure an OpenWhisk invoker.
type OpenWhiskOptions struct {
	// APIHost is the controller, as in __OW_API_HOST ("https://host" or
	// "host"). Required.
	APIHost string
	// APIKey is "uuid:key", as in __OW_API_KEY. Required.
	APIKey string
	// Namespace is the namespace of unqualified action names; default "_"
	// (the key's own namespace).
	Namespace string
	// HTTPClient sends the requests. Its timeout must exceed a blocking
	// invoke (the controller waits about 60 s before answering 202); default
	// a client with a 75 s timeout.
	HTTPClient *http.Client
	// MinBackoff and MaxBackoff bound the exponential backoff between
	// retries of 429 and 5xx answers: the wait before retry n is random
	// (full jitter) between 0 and MinBackoff*2^(n-1), at most MaxBackoff;
	// default 100 ms and 5 s.
	MinBackoff, MaxBackoff time.Duration
	// PollInterval is the first interval between polls of an activation
	// that outlived a blocking call; default 250 ms, doubling up to
	// MaxBackoff.
	PollInterval time.Duration
}

// OpenWhiskOptionsFromEnv reads __OW_API_HOST, __OW_API_KEY and
// __OW_NAMESPACE, as an action annotated provide-api-key: true sees them.
func OpenWhiskOptionsFromEnv() OpenWhiskOptions {
	return OpenWhiskOptions{
		APIHost:   os.Getenv("__OW_API_HOST"),
		APIKey:    os.Getenv("__OW_API_KEY"),
		Namespace: os.Getenv("__OW_NAMESPACE"),
	}
}

// Validate checks the options.
func (o OpenWhiskOptions) Validate() error {
	if o.APIHost == "" || o.APIKey == "" {
		return errors.New("invoke: OpenWhisk needs an API host and an API key (__OW_API_HOST, __OW_API_KEY; annotate the action provide-api-key: true)")
	}
	if o.MinBackoff < 0 || o.MaxBackoff < 0 || o.PollInterval < 0 {
		return errors.New("invoke: OpenWhisk backoff and poll intervals must not be negative")
	}
	return nil
}

// OpenWhisk invokes actions through an OpenWhisk controller's REST API.
//
// Requests are built with openwhisk-client-go (URL layout, authentication,
// user agent) on a fresh whisk.Client per call, so no client's namespace is
// ever shared between goroutines (ActivationService.Get overwrites it). They
// are sent with the request's context, which the client's own Invoke cannot
// take, so a deadline stops a call in flight.
//
// Invoke is blocking with result=true. 429 and 5xx answers (other than an
// application error) and transport failures are retried with exponential
// backoff and full jitter (see OpenWhiskOptions.MinBackoff; a Retry-After
// header is not read) until the context ends; a 202 (the action
// outlived the controller's wait) is followed by polling its activation
// record. An API host that cannot be reached at all (its name does not
// resolve, it refuses the connection, its TLS certificate is not trusted)
// is a configuration error, not a transient one: Invoke, Start and Fire
// return an *UnreachableError at once instead of retrying until the
// deadline.
type OpenWhisk struct {
	opts OpenWhiskOptions
	// policy spaces the retries; its attempts are unlimited.
	policy backoff.Policy
}

// NewOpenWhisk returns an OpenWhisk invoker.
func NewOpenWhisk(opts OpenWhiskOptions) (*OpenWhisk, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Namespace == "" {
		opts.Namespace = "_"
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 75 * time.Second}
	}
	if opts.MinBackoff == 0 {
		opts.MinBackoff = 100 * time.Millisecond
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 5 * time.Second
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 250 * time.Millisecond
	}
	if _, err := newWhiskClient(opts, opts.Namespace); err != nil {
		return nil, err
	}
	return &OpenWhisk{opts: opts, policy: backoff.Policy{Base: opts.MinBackoff, Cap: opts.MaxBackoff}}, nil
}

// newWhiskClient makes a client for one call. The config sets neither
// Insecure nor a client certificate, so whisk.NewClient leaves the shared
// http.Client's transport alone.
func newWhiskClient(opts OpenWhiskOptions, namespace string) (*whisk.Client, error) {
	base, err := whisk.GetUrlBase(opts.APIHost)
	if err != nil {
		return nil, fmt.Errorf("invoke: bad OpenWhisk API host %q: %w", opts.APIHost, err)
	}
	c, err := whisk.NewClient(opts.HTTPClient, &whisk.Config{
		Host: opts.APIHost, BaseURL: base, AuthToken: opts.APIKey, Namespace: namespace,
		UserAgent: "assetcompute",
	})
	if err != nil {
		return nil, fmt.Errorf("invoke: cannot make an OpenWhisk client: %w", err)
	}
	return c, nil
}

// splitName returns the namespace and the namespace-relative name of an
// action or trigger: "/ns/pkg/a" -> ("ns", "pkg/a"); "pkg/a" -> (default,
// "pkg/a").
func (o *OpenWhisk) splitName(name string) (string, string) {
	if rest, ok := strings.CutPrefix(name, "/"); ok {
		if ns, n, ok := strings.Cut(rest, "/"); ok {
			return ns, n
		}
	}
	return o.opts.Namespace, name
}

// UnreachableError means the OpenWhisk API host cannot be reached at all:
// its name does not resolve, nothing listens at its address, or its TLS
// certificate is not trusted. Retrying cannot help; the API host setting
// must be fixed. Its message names the host, the cause and the setting.
type UnreachableError struct {
	// Host is the API host as configured (OpenWhiskOptions.APIHost).
	Host string
	// Cause says briefly what failed: "no such host",
	// "connection refused by 127.0.0.1:7070", ...
	Cause string
	// Err is the transport error.
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("the OpenWhisk API host %s cannot be reached (%s): "+
		"check the API host setting (__OW_API_HOST of the action, apihost of wsk and wskdeploy)",
		api.RedactURL(e.Host), e.Cause)
}

// Unwrap returns the transport error.
func (e *UnreachableError) Unwrap() error { return e.Err }

// unreachable returns an *UnreachableError when err shows that the API host
// cannot be reached at all, and nil for failures worth retrying (timeouts,
// resets, temporary DNS failures).
func (o *OpenWhisk) unreachable(err error) *UnreachableError {
	var (
		dnsErr   *net.DNSError
		opErr    *net.OpError
		certErr  *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	ue := &UnreachableError{Host: o.opts.APIHost, Err: err}
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		ue.Cause = "no such host " + dnsErr.Name
	case errors.Is(err, syscall.ECONNREFUSED):
		ue.Cause = "connection refused"
		if errors.As(err, &opErr) && opErr.Addr != nil {
			ue.Cause += " by " + opErr.Addr.String()
		}
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &hostname), errors.As(err, &invalid):
		ue.Cause = "its TLS certificate is not trusted: " + certificateProblem(err)
	default:
		return nil
	}
	return ue
}

// certificateProblem returns the x509 part of a certificate error.
func certificateProblem(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "x509: "); i >= 0 {
		return msg[i:]
	}
	return msg
}

// answer is one HTTP exchange with the controller.
type answer struct {
	status int
	body   []byte
}

// do sends one request and reads the whole answer.
func (o *OpenWhisk) do(ctx context.Context, namespace, method, route string, body any) (answer, error) {
	c, err := newWhiskClient(o.opts, namespace)
	if err != nil {
		return answer{}, err
	}
	req, err := c.NewRequest(method, route, body, true)
	if err != nil {
		return answer{}, fmt.Errorf("build request: %w", err)
	}
	resp, err := o.opts.HTTPClient.Do(req.WithContext(ctx))
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return answer{}, err
	}
	return answer{status: resp.StatusCode, body: data}, nil
}

// retryable reports whether an answer is worth another try.
func retryable(a answer) bool {
	return a.status == http.StatusTooManyRequests || a.status >= 500
}

// gaveUp returns the error of a call that Policy.Do stopped retrying
// because ctx ended, naming the last attempt's failure; other errors are
// returned as they are.
func gaveUp(ctx context.Context, what string, err error) error {
	var gu *backoff.GiveUpError
	if errors.As(err, &gu) {
		return fmt.Errorf("%s: %w (last attempt: %v)", what, context.Cause(ctx), gu.Last)
	}
	return err
}

// Invoke calls the action blocking and returns its result.
func (o *OpenWhisk) Invoke(ctx context.Context, action string, params json.RawMessage) (json.RawMessage, error) {
	ns, name := o.splitName(action)
	route := fmt.Sprintf("actions/%s?blocking=true&result=true", (&url.URL{Path: name}).String())
	var out json.RawMessage
	err := o.policy.Do(ctx, func(ctx context.Context) error {
		a, err := o.do(ctx, ns, http.MethodPost, route, params)
		out, err = o.invokeAnswer(ctx, ns, action, a, err)
		return err
	}, nil)
	if err != nil {
		return nil, gaveUp(ctx, "invoke "+action, err)
	}
	return out, nil
}

// invokeAnswer reads the answer a (or the transport error err) of one
// blocking invoke: the result, a failure marked retryable, or a final
// failure. A 202 is followed by polling.
func (o *OpenWhisk) invokeAnswer(ctx context.Context, ns, action string, a answer, err error) (json.RawMessage, error) {
	switch {
	case err != nil:
		if ue := o.unreachable(err); ue != nil {
			return nil, fmt.Errorf("invoke %s: %w", action, ue)
		}
		return nil, backoff.Retryable(err)
	case a.status == http.StatusOK:
		return o.result(action, a.body)
	case a.status == http.StatusAccepted:
		var acc struct {
			ActivationID string `json:"activationId"`
		}
		if json.Unmarshal(a.body, &acc) != nil || acc.ActivationID == "" {
			return nil, fmt.Errorf("invoke %s: 202 without an activation id", action)
		}
		return o.poll(ctx, ns, action, acc.ActivationID)
	case a.status == http.StatusNotFound:
		return nil, fmt.Errorf("invoke %s: %w", action, ErrUnknownAction)
	case a.status == http.StatusBadGateway:
		// A 502 with {"error": ...} and no "code" is the action's own
		// application error (or a crash the invoker reported).
		if ae := appError(action, a.body); ae != nil {
			return nil, ae
		}
		return nil, backoff.Retryable(fmt.Errorf("HTTP %d", a.status))
	case retryable(a):
		return nil, backoff.Retryable(fmt.Errorf("HTTP %d", a.status))
	default:
		return nil, fmt.Errorf("invoke %s: HTTP %d: %s", action, a.status, truncate(a.body))
	}
}

// appError reads an application error answer: {"error": ...} without the
// controller's "code" field.
func appError(action string, body []byte) *ActionError {
	var probe struct {
		Code json.RawMessage `json:"code"`
	}
	if json.Unmarshal(body, &probe) == nil && len(probe.Code) > 0 {
		return nil
	}
	ae := ParseActionError(action, body)
	// The invoker's own message for an activation killed at its time limit.
	if ae != nil && ae.Reason == api.ReasonGeneric && strings.Contains(ae.Message, "exceeded its time limit") {
		ae.Reason = api.ReasonTimeout
	}
	return ae
}

// result checks a successful result.
func (o *OpenWhisk) result(action string, body []byte) (json.RawMessage, error) {
	if !json.Valid(body) {
		return nil, &ActionError{Action: action, Reason: api.ReasonGeneric, Message: "action returned a result that is not JSON: " + truncate(body)}
	}
	if ae := ParseActionError(action, body); ae != nil {
		return nil, ae
	}
	return json.RawMessage(body), nil
}

// activationRecord is the part of an activation record the invoker reads.
type activationRecord struct {
	ActivationID string `json:"activationId"`
	Response     struct {
		Status  string          `json:"status"`
		Success bool            `json:"success"`
		Result  json.RawMessage `json:"result"`
	} `json:"response"`
}

// poll follows an activation until its record exists or ctx ends.
func (o *OpenWhisk) poll(ctx context.Context, ns, action, id string) (json.RawMessage, error) {
	route := "activations/" + (&url.URL{Path: id}).String()
	wait := o.opts.PollInterval
	for {
		a, err := o.do(ctx, ns, http.MethodGet, route, nil)
		if err == nil && a.status == http.StatusOK {
			var rec activationRecord
			if json.Unmarshal(a.body, &rec) != nil {
				return nil, fmt.Errorf("invoke %s: activation %s: unreadable record", action, id)
			}
			if !rec.Response.Success {
				if ae := ParseActionError(action, rec.Response.Result); ae != nil {
					return nil, ae
				}
				return nil, &ActionError{Action: action, Reason: api.ReasonGeneric,
					Message: fmt.Sprintf("activation %s ended with status %q", id, rec.Response.Status)}
			}
			return o.result(action, rec.Response.Result)
		}
		if err == nil && a.status != http.StatusNotFound && !retryable(a) {
			return nil, fmt.Errorf("invoke %s: polling activation %s: HTTP %d", action, id, a.status)
		}
		if o.policy.Wait(ctx, wait) != nil {
			return nil, fmt.Errorf("invoke %s: activation %s not finished: %w", action, id, context.Cause(ctx))
		}
		wait = min(wait*2, o.opts.MaxBackoff)
	}
}

// Start begins a non-blocking activation of action and returns its id.
func (o *OpenWhisk) Start(ctx context.Context, action string, params json.RawMessage) (string, error) {
	ns, name := o.splitName(action)
	route := fmt.Sprintf("actions/%s?blocking=false", (&url.URL{Path: name}).String())
	return o.postForID(ctx, ns, route, params, "start "+action, ErrUnknownAction)
}

// ErrUnknownTrigger is returned (wrapped) when no trigger has the given name.
var ErrUnknownTrigger = errors.New("no such trigger")

// Fire fires trigger with payload and returns the activation id, which is
// empty when no rule is bound to the trigger.
func (o *OpenWhisk) Fire(ctx context.Context, trigger string, payload json.RawMessage) (string, error) {
	ns, name := o.splitName(trigger)
	route := "triggers/" + (&url.URL{Path: name}).String()
	return o.postForID(ctx, ns, route, payload, "fire "+trigger, ErrUnknownTrigger)
}

// postForID posts body to route, retrying as Invoke does, and returns the
// activation id of the answer. what names the call in errors; notFound is
// the error (wrapped) of a 404.
func (o *OpenWhisk) postForID(ctx context.Context, ns, route string, body json.RawMessage, what string, notFound error) (string, error) {
	var id string
	err := o.policy.Do(ctx, func(ctx context.Context) error {
		a, err := o.do(ctx, ns, http.MethodPost, route, body)
		switch {
		case err != nil:
			if ue := o.unreachable(err); ue != nil {
				return fmt.Errorf("%s: %w", what, ue)
			}
			return backoff.Retryable(err)
		case a.status >= 200 && a.status < 300:
			var acc struct {
				ActivationID string `json:"activationId"`
			}
			_ = json.Unmarshal(a.body, &acc)
			id = acc.ActivationID
			return nil
		case a.status == http.StatusNotFound:
			return fmt.Errorf("%s: %w", what, notFound)
		case retryable(a):
			return backoff.Retryable(fmt.Errorf("HTTP %d", a.status))
		default:
			return fmt.Errorf("%s: HTTP %d: %s", what, a.status, truncate(a.body))
		}
	}, nil)
	if err != nil {
		return "", gaveUp(ctx, what, err)
	}
	return id, nil
}

func truncate(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}
