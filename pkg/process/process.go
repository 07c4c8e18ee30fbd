// Package process is the orchestrator: it decodes and validates a processing
// request, plans which action makes each rendition, fans the work out in
// batches through an invoke.Invoker, and gathers exactly one event per
// requested rendition, whatever fails along the way.
//
// The actions/process OpenWhisk action and `acs process` are thin wrappers
// over a Processor; only the Invoker differs (OpenWhisk or in-process).
package process

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/events"
	"github.com/assetcompute/assetcompute/pkg/format"
	"github.com/assetcompute/assetcompute/pkg/internal/deadline"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/logctx"
)

// DefaultActions maps each built-in rendition family to the action that
// makes it.
var DefaultActions = map[api.Family]string{
	api.FamilyImage:    api.ActionThumbnail,
	api.FamilyMetadata: api.ActionMetadata,
	api.FamilyText:     api.ActionFulltext,
	// Preview clips are made by the thumbnail action, which links the
	// media engine (ffmpeg) already.
	api.FamilyVideo: api.ActionThumbnail,
	// Analyses need the decoded picture, which the thumbnail action makes.
	api.FamilyAnalysis: api.ActionThumbnail,
}

// DefaultSourceActions maps source formats (names of the format registry)
// and rendition families to the action that makes those renditions in
// place of DefaultActions: the image renditions of the formats the
// registry marks OfficeRead (Office, OpenDocument, iWork) go to the office
// action, which carries LibreOffice, and so do the text renditions of
// those that package text does not read (legacy DOC, XLS, PPT; Pages,
// Numbers, Keynote). PDFs stay with the thumbnail action.
var DefaultSourceActions = func() map[string]map[api.Family]string {
	m := map[string]map[api.Family]string{}
	for _, f := range format.All() {
		if f.Engines.Has(format.OfficeRead) {
			m[f.Name] = map[api.Family]string{api.FamilyImage: api.ActionOffice}
			if !f.Engines.Has(format.TextRead) {
				m[f.Name][api.FamilyText] = api.ActionOffice
			}
		}
	}
	return m
}()

// Options configure a Processor.
type Options struct {
	// Invoker calls the worker actions. Required.
	Invoker invoke.Invoker
	// Actions maps rendition families to action names; default DefaultActions.
	Actions map[api.Family]string
	// SourceActions maps source formats and rendition families to the
	// action that makes those renditions; default DefaultSourceActions.
	// The source's format is told from its name, its announced media
	// type, a data: URI's media type or the extension of its URL's path,
	// in that order; a source none of these tells goes by Actions.
	SourceActions map[string]map[api.Family]string
	// AllowedWorkers lists the custom worker actions a rendition may name
	// with `worker`. A rendition naming any other action fails.
	AllowedWorkers []string
	// BatchSize is the largest number of renditions sent to one activation;
	// default 10.
	BatchSize int
	// Concurrency bounds how many activations run at once; default 8.
	Concurrency int
	// Margin is how long before the orchestrator's own deadline it stops
	// waiting for workers and reports what is unfinished as Timeout.
	// Default 3 s, or a tenth of the time left when that is shorter.
	Margin time.Duration
	// Scratch keeps the outputs of renditions that other renditions of
	// the request are made from (source {"rendition": name}). Without
	// it such renditions fail, naming the missing setting. DirScratch
	// suits workers in this process, StorageScratch workers elsewhere.
	Scratch Scratch
	// Sinks receive every event after the renditions are gathered (a
	// trigger, a webhook); the result always carries the events too. Events
	// a sink could not deliver are listed in Result.Undelivered.
	Sinks []events.Sink
	// Now returns the time for event dates; default time.Now.
	Now func() time.Time
	// Logger receives orchestration logs; default slog.Default(). Its
	// records carry the activation and request ids of the context they
	// are logged with (its handler is wrapped with package logctx).
	Logger *slog.Logger
}

// Validate checks the options.
func (o Options) Validate() error {
	if o.Invoker == nil {
		return errors.New("process: Options.Invoker is required")
	}
	if o.BatchSize < 0 || o.Concurrency < 0 || o.Margin < 0 {
		return errors.New("process: BatchSize, Concurrency and Margin must not be negative")
	}
	return nil
}

// Processor runs processing requests.
type Processor struct {
	opts Options
}

// New returns a Processor.
func New(opts Options) (*Processor, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Actions == nil {
		opts.Actions = DefaultActions
	}
	if opts.SourceActions == nil {
		opts.SourceActions = DefaultSourceActions
	}
	if opts.BatchSize == 0 {
		opts.BatchSize = 10
	}
	if opts.Concurrency == 0 {
		opts.Concurrency = 8
	}
	if opts.Margin == 0 {
		opts.Margin = 3 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Logger = logctx.Wrap(opts.Logger)
	return &Processor{opts: opts}, nil
}

// Result is the outcome of a request: one summary and one event per
// requested rendition, in request order.
type Result struct {
	RequestID  string       `json:"requestId"`
	Renditions []Summary    `json:"renditions"`
	Events     []api.Event  `json:"events"`
	Error      *InvalidInfo `json:"error,omitempty"`
	// Undelivered lists the events a configured sink could not deliver.
	Undelivered []events.Undelivered `json:"undelivered,omitempty"`
}

// InvalidInfo describes why a request was rejected as a whole.
type InvalidInfo struct {
	Reason  api.Reason `json:"reason"`
	Message string     `json:"message"`
}

// Summary is a one-line account of a rendition's outcome.
type Summary struct {
	Name         string     `json:"name"`
	Fmt          string     `json:"fmt,omitempty"`
	Worker       string     `json:"worker,omitempty"`
	Status       api.Status `json:"status"`
	Target       string     `json:"target,omitempty"`
	ErrorReason  api.Reason `json:"errorReason,omitempty"`
	ErrorMessage string     `json:"errorMessage,omitempty"`
}

// Invalid reports whether the request was rejected as a whole.
func (r *Result) Invalid() bool { return r.Error != nil }

// AllCreated reports whether every rendition was created.
func (r *Result) AllCreated() bool {
	for _, s := range r.Renditions {
		if s.Status != api.StatusCreated {
			return false
		}
	}
	return r.Error == nil && len(r.Renditions) > 0
}

// Handle is an action-loop handler for the process action: params is the
// request. It always returns a Result, so the events reach the caller; an
// invalid request is reported in Result.Error.
func (p *Processor) Handle(ctx context.Context, params json.RawMessage) (any, error) {
	return p.Process(ctx, params), nil
}

// Process runs one request given as JSON.
func (p *Processor) Process(ctx context.Context, raw []byte) *Result {
	req, err := api.DecodeRequest(raw)
	if err != nil {
		var inv *api.InvalidRequestError
		if !errors.As(err, &inv) {
			inv = &api.InvalidRequestError{Message: err.Error()}
		}
		res := p.rejected(ctx, inv)
		p.deliver(logctx.WithRequestID(ctx, res.RequestID), res)
		return res
	}
	return p.Run(ctx, req)
}

// deliver sends res's events to the sinks, within ctx's deadline less a
// quarter of the margin (so the result is still returned in time), and
// records what could not be delivered.
func (p *Processor) deliver(ctx context.Context, res *Result) {
	if len(p.opts.Sinks) == 0 {
		return
	}
	if d, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-deadline.Margin(d, time.Now(), p.opts.Margin)/4))
		defer cancel()
	}
	res.Undelivered = events.Deliver(ctx, p.opts.Sinks, res.Events)
	for _, u := range res.Undelivered {
		p.opts.Logger.WarnContext(ctx, "event not delivered", "requestId", res.RequestID, "eventId", u.EventID, "sink", u.Sink, "error", u.Error)
	}
}

// rejected builds the result of a request that is invalid as a whole: one
// failed event per rendition that could be identified.
func (p *Processor) rejected(ctx context.Context, inv *api.InvalidRequestError) *Result {
	req := inv.Request
	if req == nil {
		req = &api.Request{RequestID: api.NewRequestID()}
	}
	res := &Result{RequestID: req.RequestID, Error: &InvalidInfo{Reason: api.ReasonGeneric, Message: inv.Error()}}
	results := make([]api.RenditionResult, len(inv.Renditions))
	for i, r := range inv.Renditions {
		err := r.Invalid
		if err == nil {
			err = api.Errorf(api.ReasonGeneric, "%s", inv.Error())
		}
		results[i] = api.Failed(r.Name, err)
	}
	p.fill(res, req, inv.Renditions, results)
	p.opts.Logger.WarnContext(logctx.WithRequestID(ctx, req.RequestID), "request rejected", "requestId", req.RequestID, "problem", inv.Message)
	return res
}

// batch is one planned activation.
type batch struct {
	action  string
	indices []int // positions in the request's rendition list
}

// Run processes a decoded request.
//
// Renditions made from the request's source start at once, in batches
// of the same action; a rendition made from another rendition (source
// {"rendition": name}) starts as soon as that one is made, reading the
// copy its worker kept in Options.Scratch, and fails, with the same
// reason and a message naming it, when that one fails. An intermediate
// rendition (one with no target, made only for others) gets no event;
// every other rendition gets exactly one.
func (p *Processor) Run(ctx context.Context, req *api.Request) *Result {
	ctx = logctx.WithRequestID(ctx, req.RequestID)
	log := p.opts.Logger.With("requestId", req.RequestID)
	start := time.Now()

	// A request built in code may not have been through DecodeRequest:
	// check it here too, before anything is invoked.
	req.CheckRenditions()
	g := newGraph(p, req)
	g.onDecide = progressOf(ctx)
	g.plan()

	// Stop Margin before the deadline, so unfinished renditions are
	// reported before the orchestrator itself is stopped.
	workCtx, cancel := deadline.WithMargin(ctx, p.opts.Margin, time.Now())
	defer cancel()
	g.run(workCtx)
	g.close(ctx)
	results := g.results
	for i, r := range req.Renditions {
		if !g.decided[i] {
			results[i] = api.Failed(r.Name, api.Errorf(api.ReasonTimeout,
				"rendition %q was not finished before the request's deadline", r.Name))
			g.decided[i] = true
			g.progress(i)
		}
	}

	res := &Result{RequestID: req.RequestID}
	var reported []int
	for i, r := range req.Renditions {
		if !r.Intermediate {
			reported = append(reported, i)
		}
	}
	p.fillIndexed(res, req, reported, results)
	p.deliver(ctx, res)
	created := 0
	for _, s := range res.Renditions {
		if s.Status == api.StatusCreated {
			created++
		}
	}
	log.InfoContext(ctx, "request done", "renditions", len(res.Renditions), "created", created, "batches", g.batches, "ms", time.Since(start).Milliseconds())
	return res
}

// route returns the action that makes a rendition.
func (p *Processor) route(r api.Rendition) (string, error) {
	if r.Worker != "" {
		if !slices.Contains(p.opts.AllowedWorkers, r.Worker) {
			allowed := "none are configured"
			if len(p.opts.AllowedWorkers) > 0 {
				allowed = "allowed: " + strings.Join(p.opts.AllowedWorkers, ", ")
			}
			return "", api.Errorf(api.ReasonRenditionFormatUnsupported,
				"worker %q is not on this deployment's allow-list of custom workers (%s)", r.Worker, allowed)
		}
		return r.Worker, nil
	}
	family, _ := r.Family()
	if r.MergesAnalysis() {
		// The analysis needs the decoded picture: the analysis's action
		// makes the metadata too, decoding the source once.
		family = api.FamilyAnalysis
	}
	action, ok := p.opts.Actions[family]
	if !ok {
		return "", api.Errorf(api.ReasonRenditionFormatUnsupported, "no action in this deployment makes %s renditions", r.Fmt)
	}
	return action, nil
}

// bySource returns the action of SourceActions for a rendition of a
// source of one of its formats, and action otherwise.
func (p *Processor) bySource(src api.Source, r api.Rendition, action string) string {
	if r.Worker != "" || len(p.opts.SourceActions) == 0 {
		return action
	}
	family, _ := r.Family()
	if f, ok := SourceFormat(src); ok {
		if a, ok := p.opts.SourceActions[f.Name][family]; ok {
			return a
		}
	}
	return action
}

// SourceFormat tells the format of a source before it is fetched: from
// its name, its announced media type, a data: URI's media type, or the
// extension of its URL's path; false when none of these tells one.
func SourceFormat(src api.Source) (format.Format, bool) {
	if f, ok := format.ByFileName(src.Name); ok && src.Name != "" {
		return f, true
	}
	if f, ok := format.ByMIME(src.MimeType); ok && src.MimeType != "" {
		return f, true
	}
	u := src.URL
	if rest, ok := strings.CutPrefix(u, "data:"); ok {
		mt, _, _ := strings.Cut(rest, ",")
		mt, _, _ = strings.Cut(mt, ";")
		return format.ByMIME(mt)
	}
	u, _, _ = strings.Cut(u, "#")
	u, _, _ = strings.Cut(u, "?")
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		j := strings.IndexByte(u, '/')
		if j < 0 {
			return format.Unknown, false
		}
		u = u[j:]
	}
	return format.ByFileName(u)
}

// runBatch invokes one batch (the worker request wreq of action) and
// returns one result per rendition in it.
func (p *Processor) runBatch(ctx context.Context, action string, wreq api.WorkerRequest) []api.RenditionResult {
	out := make([]api.RenditionResult, len(wreq.Renditions))
	failAll := func(err error) []api.RenditionResult {
		for k, r := range wreq.Renditions {
			out[k] = api.Failed(r.Name, err)
		}
		return out
	}
	params, err := json.Marshal(wreq)
	if err != nil {
		return failAll(api.Wrap(api.ReasonGeneric, err, "cannot encode the worker request"))
	}
	raw, err := p.opts.Invoker.Invoke(ctx, action, params)
	if err != nil {
		p.opts.Logger.WarnContext(ctx, "worker invocation failed", "requestId", wreq.RequestID, "action", action, "error", err)
		return failAll(invocationError(ctx, action, wreq.Renditions, err))
	}
	wres, err := api.DecodeWorkerResult(raw, len(wreq.Renditions))
	if wres == nil {
		return failAll(api.Wrap(api.ReasonGeneric, err, fmt.Sprintf("action %s returned an unusable result", action)))
	}
	for k, r := range wreq.Renditions {
		if k < len(wres.Renditions) && (wres.Renditions[k].Status == api.StatusCreated || wres.Renditions[k].Status == api.StatusFailed) {
			out[k] = wres.Renditions[k]
			out[k].Name = r.Name
			// A worker in any language can send metadata of the wrong
			// type; clients must be able to trust the reserved keys. A
			// failure keeps its own reason and loses the metadata.
			if err := api.CheckMetadata(out[k].Metadata); err != nil {
				if out[k].Created() {
					out[k] = api.Failed(r.Name, api.Errorf(api.ReasonGeneric, "action %s returned unusable metadata: %s", action, api.MessageOf(err)))
				} else {
					out[k].Metadata = nil
				}
			}
			continue
		}
		out[k] = api.Failed(r.Name, api.Errorf(api.ReasonGeneric, "action %s returned no outcome for rendition %q", action, r.Name))
	}
	return out
}

// invocationError maps an invocation failure to the error every rendition
// of the batch fails with.
func invocationError(ctx context.Context, action string, rs []api.Rendition, err error) error {
	var ae *invoke.ActionError
	var ue *invoke.UnreachableError
	switch {
	case errors.As(err, &ae):
		return ae.AsAPIError()
	case errors.As(err, &ue):
		// A configuration error: say what to fix, not that time ran out.
		return api.Errorf(api.ReasonGeneric, "could not run action %s: %s", action, ue.Error())
	case errors.Is(err, invoke.ErrUnknownAction):
		fmts := make([]string, 0, len(rs))
		for _, r := range rs {
			if r.Fmt != "" && !slices.Contains(fmts, r.Fmt) {
				fmts = append(fmts, r.Fmt)
			}
		}
		return api.Errorf(api.ReasonRenditionFormatUnsupported,
			"action %s, which makes %s renditions, is not deployed", action, strings.Join(fmts, "/"))
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		return api.Errorf(api.ReasonTimeout, "action %s did not finish before the request's deadline", action)
	default:
		return api.Errorf(api.ReasonGeneric, "could not run action %s: %v", action, err)
	}
}

// fill adds summaries and events for the renditions to res.
func (p *Processor) fill(res *Result, req *api.Request, rs []api.Rendition, results []api.RenditionResult) {
	idx := make([]int, len(rs))
	for i := range idx {
		idx[i] = i
	}
	p.fillFrom(res, req, rs, idx, results)
}

// fillIndexed adds summaries and events for the renditions of req at the
// given indices, in that order.
func (p *Processor) fillIndexed(res *Result, req *api.Request, indices []int, results []api.RenditionResult) {
	p.fillFrom(res, req, req.Renditions, indices, results)
}

// fillFrom adds a summary and an event for rs[i] and results[i], for each
// i of indices; the event id counts i, the rendition's position in the
// request.
func (p *Processor) fillFrom(res *Result, req *api.Request, rs []api.Rendition, indices []int, results []api.RenditionResult) {
	now := p.opts.Now()
	res.Renditions = make([]Summary, len(indices))
	res.Events = make([]api.Event, len(indices))
	for k, i := range indices {
		r := rs[i]
		ev := api.NewEvent(req, i, r, results[i], now)
		res.Events[k] = ev
		s := Summary{Name: r.Name, Fmt: r.Fmt, Worker: r.Worker, Status: api.StatusCreated, ErrorReason: ev.ErrorReason, ErrorMessage: ev.ErrorMessage}
		if ev.Type == api.EventRenditionFailed {
			s.Status = api.StatusFailed
		}
		if !r.Target.IsZero() {
			s.Target = r.Target.Redacted()
		}
		res.Renditions[k] = s
	}
}
