// Package backofftest runs a backoff.Policy without waiting, for tests:
// it records the waits the policy asks for and the jitter windows it
// draws from, and lets the test choose the draw.
package backofftest

import (
	"context"
	"sync"
	"time"

	"github.com/assetcompute/assetcompute/pkg/internal/backoff"
)

// Bottom draws the smallest delay of a window: 0.
func Bottom(time.Duration) time.Duration { return 0 }

// Top draws the largest delay of a window [0, n): n-1.
func Top(n time.Duration) time.Duration { return n - 1 }

// Recorder replaces a policy's sleep and random source. It is safe for
// concurrent use.
type Recorder struct {
	// Draw picks the delay from a window [0, n); default Top.
	Draw func(n time.Duration) time.Duration

	mu      sync.Mutex
	slept   []time.Duration
	windows []time.Duration
}

// Install makes p return at once from its waits (or with the context's
// error when it has ended) and draw its jitter through r.
func (r *Recorder) Install(p *backoff.Policy) {
	p.Sleep = func(ctx context.Context, d time.Duration) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.slept = append(r.slept, d)
		return ctx.Err()
	}
	p.Rand = func(n time.Duration) time.Duration {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.windows = append(r.windows, n)
		if r.Draw != nil {
			return r.Draw(n)
		}
		return Top(n)
	}
}

// Slept returns the waits asked for so far.
func (r *Recorder) Slept() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.slept...)
}

// Windows returns the sizes n of the windows [0, n) drawn from so far.
func (r *Recorder) Windows() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.windows...)
}

// Reset forgets what was recorded.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.slept, r.windows = nil, nil
}
