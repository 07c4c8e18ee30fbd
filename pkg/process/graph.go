package process

import (
	"context"
	"path"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// graph runs a request's renditions as steps of a graph: a rendition with
// source {"rendition": name} is made from the output of that rendition,
// once it is made. Steps whose sources are ready run at once, in batches
// of the same action and source, under the Concurrency bound; a step
// starts as soon as its source step is done, whatever else is running. A
// request without composition is one set of independent batches.
type graph struct {
	p        *Processor
	req      *api.Request
	parent   []int   // index of the source rendition, -1 for the request's source
	children [][]int // renditions made from each one
	action   []string
	results  []api.RenditionResult
	decided  []bool
	// place is where a rendition's output is kept for its children
	// (zero when it is not); source is where they read it.
	place  []api.Target
	source []api.Source
	space  ScratchSpace
	// spaceErr is why the scratch space could not be opened.
	spaceErr error

	// onDecide hears of each rendition as it is decided (WithProgress).
	onDecide ProgressFunc

	outcomes chan batchOutcome
	inflight int
	sem      chan struct{}
	batches  int
}

type batchOutcome struct {
	b       batch
	results []api.RenditionResult
}

func newGraph(p *Processor, req *api.Request) *graph {
	n := len(req.Renditions)
	g := &graph{
		p: p, req: req,
		parent:   req.SourceIndices(),
		children: make([][]int, n),
		action:   make([]string, n),
		results:  make([]api.RenditionResult, n),
		decided:  make([]bool, n),
		place:    make([]api.Target, n),
		source:   make([]api.Source, n),
		outcomes: make(chan batchOutcome, n),
		sem:      make(chan struct{}, p.opts.Concurrency),
	}
	for i, pi := range g.parent {
		if pi >= 0 {
			g.children[pi] = append(g.children[pi], i)
		}
	}
	return g
}

// plan routes each valid rendition to its action; a rendition that is
// invalid or cannot be routed is decided at once, and so are the
// renditions made from it.
func (g *graph) plan() {
	for i, r := range g.req.Renditions {
		if r.Invalid != nil {
			g.decide(context.Background(), i, api.Failed(r.Name, r.Invalid))
			continue
		}
		action, err := g.p.route(r)
		if err == nil {
			src := g.req.Source
			if pi := g.parent[i]; pi >= 0 {
				// Routed by what its source rendition is, not by the
				// request's source.
				src = api.Source{Name: outputName(g.req.Renditions[pi])}
			}
			action = g.p.bySource(src, r, action)
		}
		if err != nil {
			g.decide(context.Background(), i, api.Failed(r.Name, err))
			continue
		}
		g.action[i] = action
	}
}

// decide records the outcome of rendition i. A failure fails every
// rendition made from it, with the same reason and a message naming it;
// a place no step reads any more is removed.
func (g *graph) decide(ctx context.Context, i int, res api.RenditionResult) {
	if g.decided[i] {
		return
	}
	g.results[i] = res
	g.decided[i] = true
	g.progress(i)
	if !res.Created() {
		name := g.req.Renditions[i].Name
		for _, c := range g.children[i] {
			msg := "source rendition " + quote(name) + " failed: " + res.Message
			g.decide(ctx, c, api.RenditionResult{Name: g.req.Renditions[c].Name, Status: api.StatusFailed, Reason: res.Reason, Message: msg})
		}
	}
	g.release(ctx, i)
	if pi := g.parent[i]; pi >= 0 {
		g.release(ctx, pi)
	}
}

// release removes the kept output of rendition i once it and every
// rendition made from it are decided.
func (g *graph) release(ctx context.Context, i int) {
	if g.place[i].IsZero() || !g.decided[i] {
		return
	}
	for _, c := range g.children[i] {
		if !g.decided[c] {
			return
		}
	}
	t := g.place[i]
	g.place[i] = api.Target{}
	if err := g.space.Remove(context.WithoutCancel(ctx), t); err != nil {
		g.p.opts.Logger.WarnContext(ctx, "cannot remove an intermediate output", "requestId", g.req.RequestID, "error", err)
	}
}

// needed reports whether some rendition made from i is still to be made.
func (g *graph) needed(i int) bool {
	for _, c := range g.children[i] {
		if !g.decided[c] {
			return true
		}
	}
	return false
}

// roots returns the undecided renditions of the request's source, the
// ones that can start at once.
func (g *graph) roots() []int {
	var out []int
	for i := range g.req.Renditions {
		if !g.decided[i] && g.parent[i] < 0 {
			out = append(out, i)
		}
	}
	return out
}

// launch starts the given renditions, grouped into batches of the same
// action and source.
func (g *graph) launch(ctx context.Context, ready []int) {
	type key struct {
		action string
		parent int
	}
	groups := map[key][]int{}
	var order []key
	for _, i := range ready {
		if g.decided[i] {
			continue
		}
		if g.req.Renditions[i].Intermediate && !g.needed(i) {
			// Nothing reads it any more (its readers failed): it is not
			// reported, so it is not made.
			g.decide(ctx, i, api.Failed(g.req.Renditions[i].Name, api.Errorf(api.ReasonGeneric, "not needed")))
			continue
		}
		k := key{g.action[i], g.parent[i]}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	for _, k := range order {
		idx := groups[k]
		for len(idx) > 0 {
			n := min(len(idx), g.p.opts.BatchSize)
			g.start(ctx, batch{action: k.action, indices: idx[:n]}, k.parent)
			idx = idx[n:]
		}
	}
}

// start builds the worker request of one batch, keeping the outputs
// other renditions are made from, and invokes it under the concurrency
// bound.
func (g *graph) start(ctx context.Context, b batch, parent int) {
	wreq := api.WorkerRequest{RequestID: g.req.RequestID, Source: g.req.Source}
	if parent >= 0 {
		wreq.Source = g.source[parent]
	}
	var run []int
	keep := false
	for _, i := range b.indices {
		r := g.req.Renditions[i]
		r.SourceRendition = "" // the worker request's source is its source
		var kept api.Target
		if g.needed(i) {
			t, src, err := g.placeFor(ctx, i)
			if err != nil {
				err = api.Errorf(api.ReasonGeneric, "cannot keep rendition %q for the renditions made from it: %s", r.Name, api.MessageOf(err))
				if r.Intermediate {
					g.decide(ctx, i, api.Failed(r.Name, err))
					continue
				}
				for _, c := range g.children[i] {
					g.decide(ctx, c, api.Failed(g.req.Renditions[c].Name, err))
				}
			} else {
				g.place[i], g.source[i] = t, src
				kept = t
			}
		}
		if r.Intermediate {
			r.Target, kept = kept, api.Target{}
		}
		keep = keep || !kept.IsZero()
		wreq.Renditions = append(wreq.Renditions, r)
		wreq.Keep = append(wreq.Keep, kept)
		run = append(run, i)
	}
	if len(run) == 0 {
		return
	}
	if !keep {
		wreq.Keep = nil
	}
	b.indices = run
	g.batches++
	g.inflight++
	go func() {
		select {
		case g.sem <- struct{}{}:
			defer func() { <-g.sem }()
			g.outcomes <- batchOutcome{b, g.p.runBatch(ctx, b.action, wreq)}
		case <-ctx.Done():
		}
	}()
}

// placeFor returns a place for the output of rendition i, opening the
// request's scratch space on first use.
func (g *graph) placeFor(ctx context.Context, i int) (api.Target, api.Source, error) {
	if g.space == nil && g.spaceErr == nil {
		if g.p.opts.Scratch == nil {
			g.spaceErr = api.Errorf(api.ReasonGeneric, "this deployment has no place for intermediate outputs (the orchestrator's scratch location is not configured)")
		} else {
			g.space, g.spaceErr = g.p.opts.Scratch.Open(ctx, g.req.RequestID)
		}
	}
	if g.spaceErr != nil {
		return api.Target{}, api.Source{}, g.spaceErr
	}
	t, src, err := g.space.Place(ctx, outputName(g.req.Renditions[i]))
	if err == nil && src.MimeType == "" {
		src.MimeType = api.FormatMimeType(g.req.Renditions[i].Fmt)
	}
	return t, src, err
}

// run starts the renditions of the request's source and then each
// rendition as soon as its source rendition is made, until every
// started batch is back or ctx ends.
func (g *graph) run(ctx context.Context) {
	g.launch(ctx, g.roots())
	for g.inflight > 0 {
		select {
		case o := <-g.outcomes:
			g.inflight--
			var ready []int
			for k, i := range o.b.indices {
				g.decide(ctx, i, o.results[k])
				if g.results[i].Created() {
					ready = append(ready, g.children[i]...)
				}
			}
			g.launch(ctx, ready)
		case <-ctx.Done():
			return
		}
	}
}

// close removes what the scratch space still holds.
func (g *graph) close(ctx context.Context) {
	if g.space == nil {
		return
	}
	if err := g.space.Close(context.WithoutCancel(ctx)); err != nil {
		g.p.opts.Logger.WarnContext(ctx, "cannot remove intermediate outputs", "requestId", g.req.RequestID, "error", err)
	}
}

// outputName is the file name of a rendition's output: its name, with
// the extension of its fmt when it has not got it.
func outputName(r api.Rendition) string {
	base := scratchName(path.Base(strings.ReplaceAll(r.Name, `\`, "/")))
	if len(base) > 48 {
		base = base[:48]
	}
	ext := api.CanonicalFormat(r.Fmt)
	if ext == "" || strings.EqualFold(path.Ext(base), "."+ext) {
		return base
	}
	return base + "." + ext
}

func quote(s string) string { return "'" + s + "'" }
