package process

import (
	"context"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// ProgressFunc hears of each rendition of a request as soon as it is
// decided, before the others are: index is the rendition's position in the
// request, ev the event it will have (its date may differ from the final
// one). It is called from the goroutine running the request, once per
// rendition that gets an event, and must not block for long.
type ProgressFunc func(index int, ev api.Event)

type progressKey struct{}

// WithProgress returns a context under which Processor.Run calls fn for
// each rendition as soon as it is decided. Result stays the outcome of
// record.
func WithProgress(ctx context.Context, fn ProgressFunc) context.Context {
	return context.WithValue(ctx, progressKey{}, fn)
}

// progressOf returns the ProgressFunc of ctx, or nil.
func progressOf(ctx context.Context) ProgressFunc {
	fn, _ := ctx.Value(progressKey{}).(ProgressFunc)
	return fn
}

// progress reports rendition i's outcome to the request's ProgressFunc,
// if the rendition gets an event.
func (g *graph) progress(i int) {
	if g.onDecide == nil || g.req.Renditions[i].Intermediate {
		return
	}
	g.onDecide(i, api.NewEvent(g.req, i, g.req.Renditions[i], g.results[i], g.p.opts.Now()))
}
