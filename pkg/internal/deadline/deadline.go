// Package deadline derives the deadline of the work done for an
// activation from the activation's own: a margin earlier, so that work
// still unfinished is reported (as a Timeout) before the platform stops
// the process.
package deadline

import (
	"context"
	"time"
)

// Margin returns how long before the activation's deadline work should
// end, given the time now: margin, or a tenth of the time left when that
// is shorter (so a short activation keeps most of its time for work); 0
// for a deadline already past.
func Margin(deadline, now time.Time, margin time.Duration) time.Duration {
	return max(min(margin, deadline.Sub(now)/10), 0)
}

// WithMargin returns a context that ends Margin(d, now, margin) before
// ctx's deadline d. Without a deadline in ctx, it is ctx with a cancel
// function.
func WithMargin(ctx context.Context, margin time.Duration, now time.Time) (context.Context, context.CancelFunc) {
	d, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, d.Add(-Margin(d, now, margin)))
}
