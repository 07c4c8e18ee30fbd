package backoff

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is a Policy's outside world for tests: sleeping records the
// delay and returns at once, time stands still unless a sleep moves it.
type recorder struct {
	now    time.Time
	slept  []time.Duration
	rand   func(n time.Duration) time.Duration
	ranges []time.Duration // the n given to Rand
}

func (r *recorder) policy(p Policy) Policy {
	p.Now = func() time.Time { return r.now }
	p.Sleep = func(ctx context.Context, d time.Duration) error {
		r.slept = append(r.slept, d)
		r.now = r.now.Add(d)
		return ctx.Err()
	}
	p.Rand = func(n time.Duration) time.Duration {
		r.ranges = append(r.ranges, n)
		if r.rand != nil {
			return r.rand(n)
		}
		return n - 1 // the top of the window
	}
	return p
}

func TestCeilingDoublesUpToCap(t *testing.T) {
	p := Policy{Base: 100 * time.Millisecond, Cap: time.Second}
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		assert.Equal(t, w*time.Millisecond, p.Ceiling(i+1), "retry %d", i+1)
	}
	assert.Equal(t, time.Second, p.Ceiling(10_000), "no overflow for a late retry")

	uncapped := Policy{Base: time.Hour}
	assert.Equal(t, maxDuration, uncapped.Ceiling(200), "no overflow without a cap")
	assert.Zero(t, Policy{}.Ceiling(5))
}

// TestDelayIsFullJitter checks the window the random source is asked for:
// [0, ceiling], so the extremes are a zero delay and the ceiling itself.
func TestDelayIsFullJitter(t *testing.T) {
	r := &recorder{}
	p := r.policy(Policy{Base: 100 * time.Millisecond, Cap: time.Second})
	r.rand = func(time.Duration) time.Duration { return 0 }
	for n := 1; n <= 6; n++ {
		assert.Zero(t, p.Delay(n, 0), "full jitter reaches 0 (equal jitter would not go under half the ceiling)")
	}
	r.rand = func(n time.Duration) time.Duration { return n - 1 }
	for n := 1; n <= 6; n++ {
		assert.Equal(t, p.Ceiling(n), p.Delay(n, 0))
	}
	for i, n := range r.ranges {
		assert.Equal(t, p.Ceiling(i%6+1)+1, n, "window of retry %d", i%6+1)
	}

	// The real random source stays within the window.
	real := Policy{Base: 100 * time.Millisecond, Cap: time.Second}
	for n := 1; n <= 8; n++ {
		for range 100 {
			d := real.Delay(n, 0)
			require.GreaterOrEqual(t, d, time.Duration(0))
			require.LessOrEqual(t, d, real.Ceiling(n))
		}
	}
}

func TestDelayHonoursTheServerUpToCap(t *testing.T) {
	p := Policy{Base: time.Millisecond, Cap: 10 * time.Second}
	assert.Equal(t, 3*time.Second, p.Delay(1, 3*time.Second))
	assert.Equal(t, 10*time.Second, p.Delay(1, time.Hour), "capped")
	assert.Equal(t, time.Hour, Policy{}.Delay(1, time.Hour), "no cap")
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{"1.5", 0},
		{"99999999999999999999", 0}, // does not parse as int64
		{"9223372036854775807", maxDuration},
		{now.Add(2 * time.Second).Format(http.TimeFormat), 2 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	} {
		assert.Equal(t, tc.want, ParseRetryAfter(tc.v, now), "%q", tc.v)
	}
}

func TestDoRetriesUntilSuccess(t *testing.T) {
	r := &recorder{}
	p := r.policy(Policy{Base: 100 * time.Millisecond, Cap: time.Second, Attempts: 5})
	calls := 0
	var notified []Retry
	err := p.Do(context.Background(), func(context.Context) error {
		calls++
		if calls < 4 {
			return Retryable(errors.New("busy"))
		}
		return nil
	}, func(r Retry) { notified = append(notified, r) })
	require.NoError(t, err)
	assert.Equal(t, 4, calls)
	assert.Equal(t, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}, r.slept)
	require.Len(t, notified, 3)
	for i, n := range notified {
		assert.Equal(t, i+1, n.Attempt)
		assert.EqualError(t, n.Err, "busy", "the mark is removed")
		assert.Equal(t, r.slept[i], n.Delay)
	}
}

func TestDoStopsAtAPermanentError(t *testing.T) {
	r := &recorder{}
	p := r.policy(Policy{Base: time.Second, Attempts: 5})
	permanent := errors.New("refused")
	calls := 0
	err := p.Do(context.Background(), func(context.Context) error {
		calls++
		if calls == 1 {
			return Retryable(errors.New("busy"))
		}
		return permanent
	}, nil)
	assert.Same(t, permanent, err)
	assert.Equal(t, 2, calls)
	assert.Len(t, r.slept, 1)
}

func TestDoGivesUpWhenAttemptsAreSpent(t *testing.T) {
	r := &recorder{}
	p := r.policy(Policy{Base: time.Second, Cap: 10 * time.Second, Attempts: 3})
	cause := errors.New("HTTP 503")
	calls := 0
	err := p.Do(context.Background(), func(context.Context) error {
		calls++
		return RetryableAfter(cause, 7*time.Second)
	}, nil)
	var gu *GiveUpError
	require.ErrorAs(t, err, &gu)
	assert.Equal(t, 3, calls)
	assert.Equal(t, 3, gu.Attempts)
	assert.Same(t, cause, gu.Last)
	assert.NoError(t, gu.Reason)
	assert.ErrorIs(t, err, cause)
	assert.Equal(t, []time.Duration{7 * time.Second, 7 * time.Second}, r.slept, "Retry-After wins over the backoff")
	assert.Empty(t, r.ranges, "no random delay drawn when the server named one")
}

func TestDoWithoutAttemptsRetriesUntilTheContextEnds(t *testing.T) {
	r := &recorder{}
	p := r.policy(Policy{Base: time.Millisecond, Cap: 8 * time.Millisecond})
	ctx, cancel := context.WithCancelCause(context.Background())
	calls := 0
	err := p.Do(ctx, func(context.Context) error {
		calls++
		if calls == 50 {
			cancel(errors.New("shutting down"))
		}
		return Retryable(errors.New("busy"))
	}, nil)
	var gu *GiveUpError
	require.ErrorAs(t, err, &gu)
	assert.Equal(t, 50, calls)
	assert.ErrorIs(t, gu.Reason, context.Canceled)
	assert.Len(t, r.slept, 49)
	for _, d := range r.slept {
		assert.LessOrEqual(t, d, 8*time.Millisecond)
	}
}

func TestDoGivesUpWhenTheWaitIsInterrupted(t *testing.T) {
	p := Policy{Base: time.Hour, Cap: time.Hour, Rand: func(n time.Duration) time.Duration { return n - 1 }}
	ctx, cancel := context.WithCancel(context.Background())
	p.Sleep = func(ctx context.Context, d time.Duration) error {
		cancel() // the context ends during the wait
		<-ctx.Done()
		return ctx.Err()
	}
	err := p.Do(ctx, func(context.Context) error { return Retryable(errors.New("busy")) }, nil)
	var gu *GiveUpError
	require.ErrorAs(t, err, &gu)
	assert.Equal(t, 1, gu.Attempts)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestDoFitsTheDeadline(t *testing.T) {
	// The policy's clock runs a day ahead of the wall clock, so the
	// context's deadline is far off in real time; the policy's clock says
	// how much of it is left.
	r := &recorder{now: time.Now().Add(24 * time.Hour)}
	ctx, cancel := context.WithDeadline(context.Background(), r.now.Add(time.Second))
	defer cancel()
	p := r.policy(Policy{Base: 400 * time.Millisecond, Cap: 10 * time.Second, Attempts: 10, FitDeadline: true})
	calls := 0
	notified := 0
	err := p.Do(ctx, func(context.Context) error {
		calls++
		return Retryable(errors.New("busy"))
	}, func(Retry) { notified++ })
	var gu *GiveUpError
	require.ErrorAs(t, err, &gu)
	assert.ErrorIs(t, gu.Reason, ErrNoTime)
	// 400 ms fits (600 left), 800 ms does not.
	assert.Equal(t, []time.Duration{400 * time.Millisecond}, r.slept)
	assert.Equal(t, 2, calls)
	assert.Equal(t, 1, notified, "no notice for a retry that does not happen")

	// Without FitDeadline the same policy waits.
	r2 := &recorder{now: r.now}
	p2 := r2.policy(Policy{Base: 400 * time.Millisecond, Cap: 10 * time.Second, Attempts: 3})
	err = p2.Do(ctx, func(context.Context) error { return Retryable(errors.New("busy")) }, nil)
	require.ErrorAs(t, err, &gu)
	assert.NoError(t, gu.Reason)
	assert.Len(t, r2.slept, 2)
}

func TestDoChecksTheContextAfterAFailure(t *testing.T) {
	r := &recorder{}
	p := r.policy(Policy{Base: time.Second, Attempts: 3})
	ctx, cancel := context.WithCancel(context.Background())
	err := p.Do(ctx, func(context.Context) error {
		cancel()
		return Retryable(errors.New("busy"))
	}, nil)
	var gu *GiveUpError
	require.ErrorAs(t, err, &gu)
	assert.Equal(t, 1, gu.Attempts)
	assert.ErrorIs(t, gu.Reason, context.Canceled)
	assert.Empty(t, r.slept)
}

func TestWaitEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// The real timer: an ended context returns at once, whatever d is.
	assert.ErrorIs(t, Policy{}.Wait(ctx, time.Hour), context.Canceled)
	assert.NoError(t, Policy{}.Wait(context.Background(), 0))

	ctx2, cancel2 := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Policy{}.Wait(ctx2, time.Hour) }()
	cancel2()
	assert.ErrorIs(t, <-done, context.Canceled)
}

func TestMarks(t *testing.T) {
	assert.NoError(t, Retryable(nil))
	assert.NoError(t, RetryableAfter(nil, time.Second))
	base := errors.New("reset")
	err := RetryableAfter(base, 2*time.Second)
	assert.True(t, IsRetryable(err))
	assert.ErrorIs(t, err, base)
	assert.Equal(t, "reset", err.Error())
	wrapped := errors.Join(errors.New("context"), err)
	assert.True(t, IsRetryable(wrapped))
	assert.Equal(t, 2*time.Second, After(wrapped))
	assert.False(t, IsRetryable(base))
	assert.Zero(t, After(base))
	assert.Zero(t, After(RetryableAfter(base, -time.Second)), "a negative wish is no wish")
	assert.Same(t, base, Unmark(wrapped))
	assert.Same(t, base, Unmark(base))
}
