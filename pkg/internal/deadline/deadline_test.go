package deadline

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMargin(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		left   time.Duration
		margin time.Duration
		want   time.Duration // the margin kept
	}{
		{"the margin, when the time left is long", 60 * time.Second, 3 * time.Second, 3 * time.Second},
		{"exactly ten margins", 30 * time.Second, 3 * time.Second, 3 * time.Second},
		{"a tenth of a short time", 10 * time.Second, 3 * time.Second, time.Second},
		{"a tenth of a very short time", 100 * time.Millisecond, 2 * time.Second, 10 * time.Millisecond},
		{"no margin", 10 * time.Second, 0, 0},
		{"deadline now", 0, 3 * time.Second, 0},
		{"deadline past", -5 * time.Second, 3 * time.Second, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Margin(now.Add(tc.left), now, tc.margin))
		})
	}
}

func TestWithMargin(t *testing.T) {
	// The deadline is a day away in real time; now is injected, a minute
	// before it.
	deadline := time.Now().Add(24 * time.Hour)
	parent, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	ctx, cancel2 := WithMargin(parent, 3*time.Second, deadline.Add(-time.Minute))
	defer cancel2()
	got, ok := ctx.Deadline()
	require.True(t, ok)
	assert.Equal(t, deadline.Add(-3*time.Second), got)

	// A short time left: a tenth of it.
	ctx3, cancel3 := WithMargin(parent, 3*time.Second, deadline.Add(-10*time.Second))
	defer cancel3()
	got, _ = ctx3.Deadline()
	assert.Equal(t, deadline.Add(-time.Second), got)

	// The derived context ends with its parent.
	cancel()
	<-ctx.Done()
	assert.ErrorIs(t, ctx.Err(), context.Canceled)
}

func TestWithMarginWithoutDeadline(t *testing.T) {
	ctx, cancel := WithMargin(context.Background(), time.Second, time.Now())
	_, ok := ctx.Deadline()
	assert.False(t, ok)
	assert.NoError(t, ctx.Err())
	cancel()
	assert.ErrorIs(t, ctx.Err(), context.Canceled)
}
