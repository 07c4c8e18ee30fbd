package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// retryableError marks the failure of one attempt that is worth repeating.
type retryableError struct {
	err error
	// after is the wait the server asked for (Retry-After), or 0.
	after time.Duration
}

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

// retryable marks err as worth another attempt.
func retryable(err error) error { return &retryableError{err: err} }

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

// retry runs attempt up to Options.Attempts times with backoff between
// attempts. what describes the transfer for messages and logs, and must
// already be redacted. When every attempt failed, the error has the
// Timeout reason if the last one stalled (see stallError), GenericError
// otherwise; its message names the last attempt's cause.
func (c *Client) retry(ctx context.Context, what string, attempt attemptFunc) error {
	var last error
	n := c.opts.Attempts
	for i := 1; ; i++ {
		if ctx.Err() != nil {
			return contextError(ctx, what)
		}
		err := c.runAttempt(ctx, attempt)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return contextError(ctx, what)
		}
		var re *retryableError
		if !errors.As(err, &re) {
			return err
		}
		last = re.err
		if i >= n {
			break
		}
		delay := c.backoff(i, re.after)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay {
			c.log.WarnContext(ctx, "transfer attempt failed; no time left to retry", "transfer", what, "attempt", i, "error", last.Error())
			break
		}
		c.log.InfoContext(ctx, "transfer attempt failed; retrying", "transfer", what, "attempt", i, "attempts", n, "delay", delay.String(), "error", last.Error())
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return contextError(ctx, what)
		case <-t.C:
		}
	}
	attempts := "1 attempt"
	if n != 1 {
		attempts = fmt.Sprintf("%d attempts", n)
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

// backoff returns the wait before attempt i+1: the server's wish when it
// expressed one, otherwise a random delay up to BackoffBase*2^(i-1) (full
// jitter); both capped at maxBackoff.
func (c *Client) backoff(i int, after time.Duration) time.Duration {
	if after > 0 {
		return min(after, maxBackoff)
	}
	ceiling := c.opts.BackoffBase
	for j := 1; j < i && ceiling < maxBackoff; j++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, maxBackoff)
	return rand.N(ceiling + 1)
}

// retryAfter reads a Retry-After header: delay seconds or an HTTP date.
func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		return min(time.Duration(secs)*time.Second, maxBackoff)
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(time.Until(t), 0), maxBackoff)
	}
	return 0
}

// contextError reports the end of ctx: Timeout for a deadline, GenericError
// for a cancellation.
func contextError(ctx context.Context, what string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return api.Wrap(api.ReasonTimeout, ctx.Err(), what+": deadline exceeded")
	}
	return api.Wrap(api.ReasonGeneric, ctx.Err(), what+": cancelled")
}
