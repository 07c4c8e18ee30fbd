package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/backoff"
)

// retryable marks err as worth another attempt.
func retryable(err error) error { return backoff.Retryable(err) }

// errStalled is the cancellation cause of an attempt that made no progress
// for Options.Timeout.
var errStalled = errors.New("stalled")

// watchdog cancels an attempt when nothing moves for a while: it is kicked
// by every read of a request or response body.
type watchdog struct {
	timer *time.Timer
	d     time.Duration
}

// kick restarts the countdown.
func (w *watchdog) kick() { w.timer.Reset(w.d) }

// reader returns r, kicking the watchdog on every read. A seekable r stays
// seekable (the S3 SDK needs that to sign a body).
func (w *watchdog) reader(r io.Reader) io.Reader {
	if rs, ok := r.(io.ReadSeeker); ok {
		return &kickReadSeeker{ReadSeeker: rs, kick: w.kick}
	}
	return &kickReader{r: r, kick: w.kick}
}

type kickReader struct {
	r    io.Reader
	kick func()
}

func (k *kickReader) Read(p []byte) (int, error) {
	n, err := k.r.Read(p)
	k.kick()
	return n, err
}

type kickReadSeeker struct {
	io.ReadSeeker
	kick func()
}

func (k *kickReadSeeker) Read(p []byte) (int, error) {
	n, err := k.ReadSeeker.Read(p)
	k.kick()
	return n, err
}

// attemptFunc is one attempt of a transfer. It returns nil, a retryable
// error, or any other error, which ends the transfer at once.
type attemptFunc func(ctx context.Context, w *watchdog) error

// retryPolicy returns the retry policy of opts: up to Attempts attempts,
// with exponential backoff and full jitter from BackoffBase, capped (with
// an honoured Retry-After) at maxBackoff, and no wait that would outlast
// the context's deadline.
func retryPolicy(opts Options) backoff.Policy {
	return backoff.Policy{Base: opts.BackoffBase, Cap: maxBackoff, Attempts: opts.Attempts, FitDeadline: true}
}

// retry runs attempt up to Options.Attempts times with backoff between
// attempts (see retryPolicy). what describes the transfer for messages and
// logs, and must already be redacted. When every attempt failed, or the
// deadline leaves no time for the next one, the error has the Timeout
// reason if the last attempt stalled (see stallError), GenericError
// otherwise; its message names the attempts made and the last one's cause.
func (c *Client) retry(ctx context.Context, what string, attempt attemptFunc) error {
	if ctx.Err() != nil {
		return contextError(ctx, what)
	}
	n := c.opts.Attempts
	err := c.policy.Do(ctx, func(ctx context.Context) error {
		return c.runAttempt(ctx, attempt)
	}, func(r backoff.Retry) {
		c.log.InfoContext(ctx, "transfer attempt failed; retrying", "transfer", what, "attempt", r.Attempt, "attempts", n, "delay", r.Delay.String(), "error", r.Err.Error())
	})
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return contextError(ctx, what)
	}
	var gu *backoff.GiveUpError
	if !errors.As(err, &gu) {
		return err
	}
	last := gu.Last
	if errors.Is(gu.Reason, backoff.ErrNoTime) {
		c.log.WarnContext(ctx, "transfer attempt failed; no time left to retry", "transfer", what, "attempt", gu.Attempts, "error", last.Error())
	}
	attempts := "1 attempt"
	if gu.Attempts != 1 {
		attempts = fmt.Sprintf("%d attempts", gu.Attempts)
	}
	// A transfer whose last attempt stalled timed out, although the
	// caller's deadline has not passed.
	reason := api.ReasonGeneric
	if errors.Is(last, errStalled) {
		reason = api.ReasonTimeout
	}
	return api.Wrap(reason, last, fmt.Sprintf("%s failed after %s: %s", what, attempts, last.Error()))
}

// runAttempt runs one attempt under a watchdog.
func (c *Client) runAttempt(ctx context.Context, attempt attemptFunc) error {
	actx, cancel := context.WithCancelCause(ctx)
	w := &watchdog{d: c.opts.Timeout}
	w.timer = time.AfterFunc(w.d, func() { cancel(errStalled) })
	defer func() {
		w.timer.Stop()
		cancel(nil)
	}()
	err := attempt(actx, w)
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(actx), errStalled) {
		return retryable(&stallError{cause: fmt.Sprintf("no progress for %s", c.opts.Timeout)})
	}
	return err
}

// retryAfter reads a Retry-After header (delay seconds or an HTTP date),
// capped at maxBackoff.
func retryAfter(h http.Header) time.Duration {
	return min(backoff.ParseRetryAfter(h.Get("Retry-After"), time.Now()), maxBackoff)
}

// contextError reports the end of ctx: Timeout for a deadline, GenericError
// for a cancellation.
func contextError(ctx context.Context, what string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return api.Wrap(api.ReasonTimeout, ctx.Err(), what+": deadline exceeded")
	}
	return api.Wrap(api.ReasonGeneric, ctx.Err(), what+": cancelled")
}
