// Package backoff is the retry policy of the module: exponential backoff
// with full jitter, a server's Retry-After honoured up to the same cap, and
// waits that end with their context.
//
// The delay before retry n (after the n-th failed attempt) is drawn
// uniformly from [0, min(Base*2^(n-1), Cap)] ("full jitter": retries of
// many clients spread over the whole window instead of bunching at its
// middle). A failure that carries a wish of the server (see After) waits
// that long instead, up to Cap.
//
// Time, randomness and sleeping are fields of Policy, so a test can run a
// policy without waiting and check every delay it chose.
package backoff

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// maxDuration is the longest time.Duration.
const maxDuration = time.Duration(math.MaxInt64)

// Policy says how often an operation is tried and how long to wait between
// attempts. The zero value tries until the context ends, without waiting.
type Policy struct {
	// Base is the ceiling of the first delay; it doubles after each
	// failed attempt.
	Base time.Duration
	// Cap bounds every delay, a server's Retry-After included; 0 means no
	// bound.
	Cap time.Duration
	// Attempts is how many times the operation is tried in all; 0 means
	// until the context ends.
	Attempts int
	// FitDeadline gives up at once, instead of waiting, when the context's
	// deadline comes before the end of the delay: the retry could not run
	// anyway.
	FitDeadline bool

	// Now returns the current time; default time.Now.
	Now func() time.Time
	// Rand returns a uniform random duration in [0, n); default
	// rand.N from math/rand/v2.
	Rand func(n time.Duration) time.Duration
	// Sleep waits d, or until ctx ends and then returns ctx.Err(); default
	// a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Ceiling returns the largest delay before retry n (n >= 1, counted from
// the first retry): Base*2^(n-1), at most Cap.
func (p Policy) Ceiling(n int) time.Duration {
	c := max(p.Base, 0)
	for i := 1; i < n; i++ {
		if p.Cap > 0 && c >= p.Cap {
			break
		}
		if c > maxDuration/2 {
			c = maxDuration
			break
		}
		c *= 2
	}
	if p.Cap > 0 {
		c = min(c, p.Cap)
	}
	return c
}

// Delay returns the wait before retry n: after, the server's wish, when it
// is positive (at most Cap), and otherwise a random delay in
// [0, Ceiling(n)].
func (p Policy) Delay(n int, after time.Duration) time.Duration {
	if after > 0 {
		if p.Cap > 0 {
			return min(after, p.Cap)
		}
		return after
	}
	c := p.Ceiling(n)
	if c <= 0 {
		return 0
	}
	if c == maxDuration {
		return p.rand(c)
	}
	return p.rand(c + 1)
}

// Wait sleeps d, or until ctx ends; it returns ctx.Err() when ctx ended
// first (or had ended already).
func (p Policy) Wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p Policy) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p Policy) rand(n time.Duration) time.Duration {
	if p.Rand != nil {
		return p.Rand(n)
	}
	return rand.N(n)
}

// retryError marks an error worth another attempt.
type retryError struct {
	err   error
	after time.Duration
}

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// Retryable marks err as worth another attempt. It returns nil for a nil
// err.
func Retryable(err error) error {
	if err == nil {
		return nil
	}
	return &retryError{err: err}
}

// RetryableAfter marks err as worth another attempt after the wait the
// server asked for (0: no wish).
func RetryableAfter(err error, after time.Duration) error {
	if err == nil {
		return nil
	}
	return &retryError{err: err, after: max(after, 0)}
}

// IsRetryable reports whether err (or an error it wraps) was marked by
// Retryable or RetryableAfter.
func IsRetryable(err error) bool {
	var re *retryError
	return errors.As(err, &re)
}

// After returns the wait a retryable err asked for, or 0.
func After(err error) time.Duration {
	var re *retryError
	if errors.As(err, &re) {
		return re.after
	}
	return 0
}

// Unmark returns the error the first retryable mark in err's chain wraps,
// or err itself when nothing in it is marked.
func Unmark(err error) error {
	var re *retryError
	if errors.As(err, &re) {
		return re.err
	}
	return err
}

// ErrNoTime is the Reason of a GiveUpError when the context's deadline
// leaves no time for the next delay (Policy.FitDeadline).
var ErrNoTime = errors.New("no time left before the deadline to retry")

// GiveUpError is returned by Do when it stops retrying an operation whose
// last attempt failed with a retryable error.
type GiveUpError struct {
	// Attempts is the number of attempts made.
	Attempts int
	// Last is the cause of the last failure, without its retryable mark.
	Last error
	// Reason is nil when the attempts were spent, ErrNoTime when the
	// deadline came too soon (FitDeadline), and otherwise the context's
	// error (context.Canceled or context.DeadlineExceeded).
	Reason error
}

func (e *GiveUpError) Error() string {
	if e.Reason != nil {
		return "gave up after " + strconv.Itoa(e.Attempts) + " attempts (" + e.Reason.Error() + "): " + e.Last.Error()
	}
	return "gave up after " + strconv.Itoa(e.Attempts) + " attempts: " + e.Last.Error()
}

// Unwrap returns the last failure and the reason of giving up.
func (e *GiveUpError) Unwrap() []error {
	if e.Reason == nil {
		return []error{e.Last}
	}
	return []error{e.Last, e.Reason}
}

// Retry describes a retry about to happen, for logs.
type Retry struct {
	// Attempt is the number of the attempt that failed, from 1.
	Attempt int
	// Err is its cause, without the retryable mark.
	Err error
	// Delay is the wait before the next attempt.
	Delay time.Duration
}

// Do calls attempt until it returns nil or an error not marked retryable,
// or the policy gives up. Between attempts it waits Delay(n, After(err)).
// notify, when not nil, is called before each wait; a GiveUpError with
// ErrNoTime is returned before notify would be called.
//
// It returns nil on success, the unmarked error of a failure that is not
// retryable as it is, and a *GiveUpError when the attempts are spent or
// ctx ends (checked after each failed attempt and while waiting). Do does
// not check ctx before the first attempt.
func (p Policy) Do(ctx context.Context, attempt func(ctx context.Context) error, notify func(Retry)) error {
	for n := 1; ; n++ {
		err := attempt(ctx)
		if err == nil {
			return nil
		}
		if !IsRetryable(err) {
			return err
		}
		last := Unmark(err)
		if cerr := ctx.Err(); cerr != nil {
			return &GiveUpError{Attempts: n, Last: last, Reason: cerr}
		}
		if p.Attempts > 0 && n >= p.Attempts {
			return &GiveUpError{Attempts: n, Last: last}
		}
		delay := p.Delay(n, After(err))
		if deadline, ok := ctx.Deadline(); ok && p.FitDeadline && deadline.Sub(p.now()) < delay {
			return &GiveUpError{Attempts: n, Last: last, Reason: ErrNoTime}
		}
		if notify != nil {
			notify(Retry{Attempt: n, Err: last, Delay: delay})
		}
		if cerr := p.Wait(ctx, delay); cerr != nil {
			return &GiveUpError{Attempts: n, Last: last, Reason: cerr}
		}
	}
}

// ParseRetryAfter reads the value of a Retry-After header, delay seconds
// or an HTTP date, as a wait from now. It returns 0 for an empty, negative,
// past or unreadable value. The wait is not capped: Delay caps it.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxDuration/time.Second) {
			return maxDuration
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}
