package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/deadline"
	"github.com/assetcompute/assetcompute/pkg/logctx"
	"github.com/assetcompute/assetcompute/pkg/settings"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// Source is the source asset of an activation.
type Source struct {
	// Reader reads the source at any offset. It is always set and safe
	// for concurrent use. With Options.RangedSource it reads byte ranges
	// from storage on demand; otherwise it reads the file at Path. It is
	// closed after the activation.
	Reader io.ReaderAt
	// Path is the local file holding the source, or "" when the worker
	// reads the source in ranges (Options.RangedSource): use Reader then,
	// or LocalPath for a file made on demand. The file is removed after
	// the activation; do not keep references to it.
	Path string
	// Name is the asset's name for type detection: the request's source name,
	// or the last element of its URL.
	Name string
	// URL is the source URL with credentials and query removed, for logs.
	URL string
	// Size is the size of the source in bytes.
	Size int64
	// SHA1 is the hex SHA-1 of the source, or "" when it was read in
	// ranges and so never read whole.
	SHA1 string
	// MimeType is the media type the client announced, or the server's
	// Content-Type; it may be empty or wrong, so sniff when it matters.
	MimeType string
	// Transfer is this activation's transfer client, configured with the
	// deployment's storage settings (see Options.Settings). Use it to fetch
	// other files a rendition refers to, such as a watermark image.
	Transfer Transfer
	// Settings are this activation's deployment settings: Options.Settings
	// overridden by the settings its parameters set. Engines take their
	// limits from them (Settings.ApplyImage, ApplyText, ApplyMeta).
	Settings settings.Settings
	// Renditions are all the renditions of the request, for a rendition
	// function that plans them together (decoding the source once for
	// several sizes). Read only.
	Renditions []api.Rendition

	// state backs LocalPath, Ranged, Dir, Logger and Once; nil for a
	// Source made outside the lifecycle.
	state *sourceState
}

// Rendition is one rendition being made.
type Rendition struct {
	// Rendition holds the instructions, including unknown keys in Extra.
	api.Rendition
	// Index is the rendition's position in the batch.
	Index int
	// Path is where the function must write the output. Its directory exists
	// and is private to this rendition.
	Path string
	// Metadata may be filled by the function; its keys are added to (and win
	// over) the metadata the lifecycle computes. Every value must be
	// encodable as JSON, and the reserved keys keep their contract types
	// (dc:format a media type string, repo:size an integer, ...; see
	// api.CheckMetadata): otherwise the rendition fails with GenericError
	// naming the key.
	Metadata map[string]any
	// AllowEmpty, set by the function, makes an empty output file a valid
	// rendition: the text of a document that has no text. Without it an
	// empty output fails the rendition with GenericError, since it is
	// almost always a bug.
	AllowEmpty bool

	// keep is where the lifecycle stores a copy of the output for the
	// orchestrator (api.WorkerRequest.Keep); zero for none.
	keep api.Target
	// steps are the step durations the function reported with Timed.
	steps map[string]time.Duration
}

// Timed records that the function spent d in step of this rendition
// ("decode", "encode"; see api.Event.Timings), for its event. The
// lifecycle measures the fetch, the upload and the function's whole call
// itself: the part of the call the function does not report is its
// "render" step. A step reported twice adds up. The steps reported must
// lie within the function's call; when they add up to more than the call
// took, they are dropped and the whole call is reported as "render".
// Not safe for concurrent use on one Rendition.
func (r *Rendition) Timed(step string, d time.Duration) {
	if r.steps == nil {
		r.steps = map[string]time.Duration{}
	}
	r.steps[step] += max(d, 0)
}

// Kept reports whether the orchestrator keeps r's output as the source
// of other renditions of its request (api.WorkerRequest.Keep), which
// wait for it.
func (r *Rendition) Kept() bool { return !r.keep.IsZero() }

// RenditionFunc makes one rendition: it reads the source (src.Path, or
// src.Reader) and writes r.Path.
// It should honour ctx, whose deadline ends shortly before the activation's.
type RenditionFunc func(ctx context.Context, src *Source, r *Rendition) error

// BatchFunc makes every rendition of a batch at once and returns one error
// (nil for success) per rendition, in order. Use it when renditions share
// expensive work, such as decoding the source once.
type BatchFunc func(ctx context.Context, src *Source, renditions []*Rendition) []error

// Transfer fetches sources and stores renditions. *transfer.Client
// implements it.
type Transfer interface {
	Fetch(ctx context.Context, src api.Source, dir string) (*transfer.Fetched, error)
	Put(ctx context.Context, target api.Target, path string, opts transfer.PutOptions) error
}

// RangedTransfer is a Transfer that can also open a source for reading in
// byte ranges, for Options.RangedSource. *transfer.Client implements it.
type RangedTransfer interface {
	Transfer
	OpenRanged(ctx context.Context, src api.Source, opts transfer.RangeOptions) (*transfer.RangedSource, error)
}

// Options configure a Worker. The zero value is usable except for Transfer.
type Options struct {
	// Transfer fetches the source and uploads renditions. Required.
	Transfer Transfer
	// Settings are the deployment settings of the process (its
	// environment, or flags), which Transfer was built with. An
	// activation's parameters may set others (on OpenWhisk, the package
	// parameters; see package settings): they win, and the function sees
	// the result as Source.Settings.
	Settings settings.Settings
	// NewTransfer, when set, returns the transfer client for activations
	// whose parameters set deployment settings, given Settings overridden
	// by them; it is called for every such activation, so it should reuse
	// its clients, as settings.Clients.For does. When nil, every activation
	// uses Transfer. DefaultOptions sets it.
	NewTransfer func(settings.Settings) (Transfer, error)
	// RangedSource makes the worker open the source for random access
	// instead of downloading it first: Source.Reader then reads byte
	// ranges from storage on demand (HTTP Range requests, S3 ranged GETs,
	// in cached blocks), Source.Path is empty and Source.SHA1 is usually
	// empty. It suits functions that read a small part of a possibly huge
	// source, such as metadata extraction: a 2 GB TIFF costs a few
	// requests of 64 KiB. When the storage does not serve ranges the
	// source is downloaded as usual and read through Source.Reader all the
	// same. A Transfer that is not a RangedTransfer always downloads (and
	// then Source.Path is set).
	RangedSource bool
	// TempDir is where activation directories are created; default os.TempDir().
	TempDir string
	// WatchdogMargin is how long before the activation's deadline unfinished
	// renditions are failed with Timeout. Default: 2 s, or a tenth of the
	// time left when that is shorter.
	WatchdogMargin time.Duration
	// Parallelism bounds how many renditions of a batch a RenditionFunc
	// worker makes at once; default runtime.NumCPU().
	Parallelism int
	// MaxRenditionBytes fails renditions larger than this with
	// RenditionTooLarge; default 2 GiB.
	MaxRenditionBytes int64
	// Logger receives lifecycle logs; default slog.Default(). Its records
	// carry the activation and request ids of the context they are
	// logged with (the worker wraps its handler with package logctx).
	Logger *slog.Logger
	// Now returns the time the renditions' step timings
	// (api.RenditionResult.Timings) are measured with; default time.Now.
	Now func() time.Time
}

const (
	defaultWatchdogMargin    = 2 * time.Second
	defaultMaxRenditionBytes = 2 << 30
)

// Validate checks the options.
func (o Options) Validate() error {
	if o.Transfer == nil {
		return errors.New("worker: Options.Transfer is required")
	}
	if o.WatchdogMargin < 0 || o.Parallelism < 0 || o.MaxRenditionBytes < 0 {
		return errors.New("worker: WatchdogMargin, Parallelism and MaxRenditionBytes must not be negative")
	}
	return nil
}

func (o *Options) applyDefaults() {
	if o.TempDir == "" {
		o.TempDir = os.TempDir()
	}
	if o.WatchdogMargin == 0 {
		o.WatchdogMargin = defaultWatchdogMargin
	}
	if o.Parallelism == 0 {
		o.Parallelism = runtime.NumCPU()
	}
	if o.MaxRenditionBytes == 0 {
		o.MaxRenditionBytes = defaultMaxRenditionBytes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Logger = logctx.Wrap(o.Logger)
}

// Worker runs the lifecycle around a rendition or batch function.
type Worker struct {
	opts  Options
	one   RenditionFunc
	batch BatchFunc
}

// New returns a Worker that calls fn once per rendition.
func New(fn RenditionFunc, opts Options) (*Worker, error) {
	if fn == nil {
		return nil, errors.New("worker: nil RenditionFunc")
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts.applyDefaults()
	return &Worker{opts: opts, one: fn}, nil
}

// NewBatch returns a Worker that calls fn once per batch.
func NewBatch(fn BatchFunc, opts Options) (*Worker, error) {
	if fn == nil {
		return nil, errors.New("worker: nil BatchFunc")
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts.applyDefaults()
	return &Worker{opts: opts, batch: fn}, nil
}

// Handle is an action-loop handler: it decodes params as an
// api.WorkerRequest, runs Process and returns the api.WorkerResult. Only a
// request that cannot be decoded is an error; rendition failures are in the
// result.
func (w *Worker) Handle(ctx context.Context, params json.RawMessage) (any, error) {
	req, err := api.DecodeWorkerRequest(params)
	if err != nil {
		return nil, err
	}
	// The parameters are split into fields once, for the deployment
	// settings and for Param.
	ap := decodeParams(params)
	s, tr, err := w.activationSettings(ap)
	if err != nil {
		return nil, err
	}
	return w.process(withParams(ctx, ap), req, tr, s), nil
}

// Process runs the lifecycle for one worker request and returns exactly one
// result per rendition, in order.
func (w *Worker) Process(ctx context.Context, req *api.WorkerRequest) *api.WorkerResult {
	return w.process(ctx, req, w.opts.Transfer, w.opts.Settings)
}

// process is Process with the transfer client and the settings of this
// activation.
func (w *Worker) process(ctx context.Context, req *api.WorkerRequest, tr Transfer, s settings.Settings) *api.WorkerResult {
	res := w.processBatch(ctx, req, tr, s)
	// The activation that made each rendition, when running as one, for
	// its event (activationIds).
	if id := logctx.ActivationID(ctx); id != "" {
		for i := range res.Renditions {
			res.Renditions[i].ActivationIDs = []string{id}
		}
	}
	return res
}

// processBatch is process without the activation ids.
func (w *Worker) processBatch(ctx context.Context, req *api.WorkerRequest, tr Transfer, s settings.Settings) *api.WorkerResult {
	ctx = logctx.WithRequestID(ctx, req.RequestID)
	log := w.opts.Logger
	clock := stepClock{now: w.opts.Now, start: w.opts.Now()}
	results := make([]api.RenditionResult, len(req.Renditions))
	failAll := func(err error) *api.WorkerResult {
		for i, r := range req.Renditions {
			results[i] = api.Failed(r.Name, err)
		}
		return &api.WorkerResult{Renditions: results}
	}

	// End WatchdogMargin before the activation's deadline, so unfinished
	// renditions are failed with Timeout before the platform stops the action.
	workCtx, cancel := deadline.WithMargin(ctx, w.opts.WatchdogMargin, time.Now())
	defer cancel()

	dir, err := os.MkdirTemp(w.opts.TempDir, "acs-activation-")
	if err != nil {
		return failAll(api.Wrap(api.ReasonGeneric, err, "cannot create a temporary directory"))
	}
	var running sync.WaitGroup
	closeSource := func() {}
	defer func() {
		// Give abandoned rendition functions a moment to notice their
		// cancelled context before their files are removed, but no more
		// than half the time left before the activation's deadline, or
		// the result the watchdog made would miss it.
		wait := time.Second
		if deadline, ok := ctx.Deadline(); ok {
			wait = max(0, min(wait, time.Until(deadline)/2))
		}
		waitTimeout(&running, wait)
		closeSource()
		if err := os.RemoveAll(dir); err != nil {
			log.WarnContext(ctx, "cannot remove activation directory", "error", err)
		}
	}()

	src, closeSrc, err := w.openSource(workCtx, tr, req, filepath.Join(dir, "source"), log)
	clock.fetch = clock.since(clock.start)
	if err != nil {
		err = timeoutIfDone(workCtx, err, "fetching the source")
		log.WarnContext(ctx, "source fetch failed", "source", api.RedactURL(req.Source.URL), "reason", api.ReasonOf(err), "error", err)
		res := failAll(err)
		for i := range res.Renditions {
			res.Renditions[i].Timings = clock.timings(nil, measured{})
		}
		return res
	}
	closeSource = closeSrc
	src.Settings = s
	src.Renditions = req.Renditions

	rends := make([]*Rendition, len(req.Renditions))
	for i, r := range req.Renditions {
		rdir := filepath.Join(dir, "out", fmt.Sprint(i))
		if err := os.MkdirAll(rdir, 0o700); err != nil {
			return failAll(api.Wrap(api.ReasonGeneric, err, "cannot create a rendition directory"))
		}
		rends[i] = &Rendition{Rendition: r, Index: i, Path: filepath.Join(rdir, safeFileName(r.Name, r.Fmt)), Metadata: map[string]any{}}
		if i < len(req.Keep) {
			rends[i].keep = req.Keep[i]
		}
	}

	done := make(chan indexedResult, len(rends))
	if w.batch != nil {
		running.Add(1)
		go func() {
			defer running.Done()
			began := clock.now()
			errs := w.callBatch(workCtx, src, rends)
			m := measured{ran: true, work: clock.since(began)}
			for i, r := range rends {
				done <- indexedResult{i, w.finish(workCtx, tr, req.RequestID, r, errs[i], clock, m)}
			}
		}()
	} else {
		sem := make(chan struct{}, w.opts.Parallelism)
		ready := clock.now() // when every rendition could start
		for _, r := range rends {
			running.Add(1)
			go func() {
				defer running.Done()
				waited := false
				select {
				case sem <- struct{}{}:
				default:
					// Every slot is taken: wait for one.
					waited = true
					select {
					case sem <- struct{}{}:
					case <-workCtx.Done():
						done <- indexedResult{r.Index, api.Failed(r.Name, timeoutIfDone(workCtx, workCtx.Err(), "waiting to start"))}
						return
					}
				}
				defer func() { <-sem }()
				began := clock.now()
				err := w.callOne(workCtx, src, r)
				m := measured{ran: true, work: clock.since(began)}
				if waited {
					m.wait = max(began.Sub(ready), 0)
				}
				done <- indexedResult{r.Index, w.finish(workCtx, tr, req.RequestID, r, err, clock, m)}
			}()
		}
	}

	finished := make([]bool, len(rends))
	for remaining := len(rends); remaining > 0; remaining-- {
		select {
		case res := <-done:
			results[res.index] = res.result
			finished[res.index] = true
		case <-workCtx.Done():
			for i, r := range rends {
				if !finished[i] {
					results[i] = api.Failed(r.Name, api.Errorf(api.ReasonTimeout,
						"rendition %q was not finished before the activation deadline", r.Name))
				}
			}
			log.WarnContext(ctx, "watchdog failed unfinished renditions", "unfinished", remaining)
			return &api.WorkerResult{Renditions: results}
		}
	}
	return &api.WorkerResult{Renditions: results}
}

// openSource fetches the source into dir, or with Options.RangedSource
// opens it for ranged reads, and returns it with the function that closes
// it.
func (w *Worker) openSource(ctx context.Context, tr Transfer, req *api.WorkerRequest, dir string, log *slog.Logger) (*Source, func(), error) {
	start := time.Now()
	redacted := api.RedactURL(req.Source.URL)
	src := &Source{Name: req.Source.DisplayName(), URL: redacted, MimeType: req.Source.MimeType, Transfer: tr}
	src.state = &sourceState{dir: dir, log: log, tr: tr, src: req.Source}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, api.Wrap(api.ReasonGeneric, err, "cannot create the source directory")
	}
	if rt, ok := tr.(RangedTransfer); ok && w.opts.RangedSource {
		rs, err := rt.OpenRanged(ctx, req.Source, transfer.RangeOptions{TempDir: dir})
		if err != nil {
			return nil, nil, err
		}
		src.state.rs = rs
		log.InfoContext(ctx, "source opened", "source", redacted, "mode", rs.Mode(), "size", rs.Size(), "ms", time.Since(start).Milliseconds())
		src.Reader, src.Size, src.SHA1 = rs, rs.Size(), rs.SHA1()
		if src.MimeType == "" {
			src.MimeType = rs.ContentType()
		}
		return src, func() {
			st := rs.Stats()
			log.InfoContext(ctx, "source read", "source", redacted, "mode", rs.Mode(), "size", rs.Size(), "bytes", st.Bytes, "requests", st.Requests)
			if err := rs.Close(); err != nil {
				log.WarnContext(ctx, "cannot close the source", "error", err)
			}
		}, nil
	}
	fetched, err := tr.Fetch(ctx, req.Source, dir)
	if err != nil {
		return nil, nil, err
	}
	log.InfoContext(ctx, "source fetched", "source", redacted, "bytes", fetched.Size, "ms", time.Since(start).Milliseconds())
	f, err := os.Open(fetched.Path)
	if err != nil {
		return nil, nil, api.Wrap(api.ReasonGeneric, err, "cannot open the fetched source")
	}
	src.Reader, src.Path, src.Size, src.SHA1 = f, fetched.Path, fetched.Size, fetched.SHA1
	if src.MimeType == "" {
		src.MimeType = fetched.ContentType
	}
	return src, func() { _ = f.Close() }, nil
}

type indexedResult struct {
	index  int
	result api.RenditionResult
}

// callOne calls the rendition function with panics recovered.
func (w *Worker) callOne(ctx context.Context, src *Source, r *Rendition) (err error) {
	defer func() {
		if p := recover(); p != nil {
			w.opts.Logger.ErrorContext(ctx, "rendition function panicked", "rendition", r.Name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = api.Errorf(api.ReasonGeneric, "worker failed while making rendition %q: panic: %v", r.Name, p)
		}
	}()
	return w.one(ctx, src, r)
}

// callBatch calls the batch function with panics recovered and the result
// length checked.
func (w *Worker) callBatch(ctx context.Context, src *Source, rs []*Rendition) (errs []error) {
	defer func() {
		if p := recover(); p != nil {
			w.opts.Logger.ErrorContext(ctx, "batch function panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err := api.Errorf(api.ReasonGeneric, "worker failed while making the batch: panic: %v", p)
			errs = make([]error, len(rs))
			for i := range errs {
				errs[i] = err
			}
		}
	}()
	errs = w.batch(ctx, src, rs)
	if len(errs) != len(rs) {
		err := api.Errorf(api.ReasonGeneric, "worker returned %d outcomes for %d renditions", len(errs), len(rs))
		errs = make([]error, len(rs))
		for i := range errs {
			errs[i] = err
		}
	}
	return errs
}

// finish turns a function's outcome into the rendition's result: it checks
// the output, computes metadata, and embeds or uploads the rendition. An
// upload carries the object metadata api.ObjectMetaRequestID (the worker
// request's requestId, when it has one) and api.ObjectMetaRendition (the
// rendition's name), which s3:// targets store and storage-event reads to
// recognise a rendition already made for the same object version.
//
// It never panics: a panic while finishing (a hostile output that breaks
// a decoder reading its size, metadata a Transfer cannot handle) fails the
// rendition with GenericError, as a panic in the rendition function does.
// Metadata the function set must keep the contract types of the reserved
// keys (api.CheckMetadata), or the rendition fails with GenericError
// naming the key, before anything is uploaded.
func (w *Worker) finish(ctx context.Context, tr Transfer, requestID string, r *Rendition, err error, clock stepClock, m measured) (res api.RenditionResult) {
	defer func() {
		if p := recover(); p != nil {
			w.opts.Logger.ErrorContext(ctx, "finishing a rendition panicked", "rendition", r.Name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			res = api.Failed(r.Name, api.Errorf(api.ReasonGeneric, "worker failed while finishing rendition %q: panic: %v", r.Name, p))
		}
		res.Timings = clock.timings(r.steps, m)
	}()
	if err != nil {
		return api.Failed(r.Name, timeoutIfDone(ctx, err, "making the rendition"))
	}
	info, err := os.Stat(r.Path)
	switch {
	case err != nil || !info.Mode().IsRegular():
		return api.Failed(r.Name, api.Errorf(api.ReasonGeneric, "worker produced no output for rendition %q", r.Name))
	case info.Size() == 0 && !r.AllowEmpty:
		return api.Failed(r.Name, api.Errorf(api.ReasonGeneric, "worker produced an empty output for rendition %q", r.Name))
	case info.Size() > w.opts.MaxRenditionBytes:
		return failedOutput(r.Name, info.Size(), api.Errorf(api.ReasonRenditionTooLarge,
			"rendition %q is %d bytes, more than the limit of %d", r.Name, info.Size(), w.opts.MaxRenditionBytes))
	}
	meta, err := describe(r)
	if err != nil {
		return api.Failed(r.Name, err)
	}
	for k, v := range r.Metadata {
		meta[k] = v
	}
	if err := api.CheckMetadata(meta); err != nil {
		return api.Failed(r.Name, err)
	}
	res = api.RenditionResult{Name: r.Name, Status: api.StatusCreated, Metadata: meta}
	size := info.Size()
	if !r.keep.IsZero() {
		// The copy other renditions are made from goes first: a rendition
		// whose dependents could not read it is not reported made.
		began := clock.now()
		err := tr.Put(ctx, r.keep, r.Path, transfer.PutOptions{ContentType: meta[keyFormat].(string)})
		m.upload, m.uploaded = clock.since(began), true
		if err != nil {
			return api.Failed(r.Name, timeoutIfDone(ctx, api.Wrap(api.ReasonOf(err), err,
				fmt.Sprintf("cannot keep rendition %q for the renditions made from it: %s", r.Name, api.MessageOf(err))), "keeping the rendition"))
		}
		if r.Target.IsZero() && r.EmbedBinaryLimit == nil {
			return res // kept only: an intermediate step
		}
	}
	if r.EmbedBinaryLimit != nil && size <= *r.EmbedBinaryLimit {
		data, err := dataURI(r.Path, meta[keyFormat].(string))
		if err != nil {
			return api.Failed(r.Name, err)
		}
		res.Data = data
		if r.Target.IsZero() {
			return res
		}
		// With a target too, the rendition is embedded and uploaded, as
		// the hosted service does.
	}
	if r.Target.IsZero() {
		return failedOutput(r.Name, size, api.Errorf(api.ReasonRenditionTooLarge,
			"rendition %q is %d bytes, more than embedBinaryLimit (%d), and it has no target to upload to",
			r.Name, size, *r.EmbedBinaryLimit))
	}
	start := clock.now()
	objMeta := map[string]string{api.ObjectMetaRendition: r.Name}
	if requestID != "" {
		objMeta[api.ObjectMetaRequestID] = requestID
	}
	err = tr.Put(ctx, r.Target, r.Path, transfer.PutOptions{ContentType: meta[keyFormat].(string), Metadata: objMeta})
	took := clock.since(start)
	m.upload, m.uploaded = m.upload+took, true
	if err != nil {
		return failedOutput(r.Name, size, timeoutIfDone(ctx, err, "uploading the rendition"))
	}
	w.opts.Logger.InfoContext(ctx, "rendition stored", "rendition", r.Name, "target", r.Target.Redacted(), "bytes", size, "ms", took.Milliseconds())
	return res
}

// timeoutIfDone reports err as a Timeout when ctx has expired, since a
// deadline usually surfaces as some other error from deep inside a step.
func timeoutIfDone(ctx context.Context, err error, step string) error {
	if ctx.Err() != nil && api.ReasonOf(err) == api.ReasonGeneric {
		return api.Wrap(api.ReasonTimeout, err, "activation deadline reached while "+step)
	}
	return err
}

// waitTimeout waits for wg, at most d.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(d):
	}
}

// safeFileName returns a file name derived from the rendition name that
// cannot escape its directory.
func safeFileName(name, fmtName string) string {
	base := filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	if base == "." || base == "/" || base == ".." || base == "" {
		base = "rendition"
		if fmtName != "" {
			base += "." + fmtName
		}
	}
	return base
}
