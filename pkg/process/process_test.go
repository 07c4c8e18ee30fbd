package process

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/invoke"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// okWorker creates every rendition it is given and records batch sizes.
type okWorker struct {
	mu      sync.Mutex
	batches []int
	delay   time.Duration
}

func (w *okWorker) handle(ctx context.Context, params json.RawMessage) (any, error) {
	req, err := api.DecodeWorkerRequest(params)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.batches = append(w.batches, len(req.Renditions))
	w.mu.Unlock()
	if w.delay > 0 {
		select {
		case <-time.After(w.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	res := api.WorkerResult{}
	for _, r := range req.Renditions {
		res.Renditions = append(res.Renditions, api.RenditionResult{Name: r.Name, Status: api.StatusCreated, Metadata: map[string]any{"repo:size": 1}})
	}
	return res, nil
}

func newProcessor(t *testing.T, handlers map[string]invoke.Handler, mod func(*Options)) *Processor {
	t.Helper()
	opts := Options{Invoker: invoke.NewInProcess(handlers), Logger: quiet}
	if mod != nil {
		mod(&opts)
	}
	p, err := New(opts)
	require.NoError(t, err)
	return p
}

func request(renditions ...string) []byte {
	return []byte(fmt.Sprintf(`{"requestId":"r1","source":"https://example.com/a.jpg?X-Amz-Signature=secret","renditions":[%s]}`, join(renditions)))
}

func join(items []string) string {
	out := ""
	for i, s := range items {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}

// assertOneEventEach checks the exactly-one-event property.
func assertOneEventEach(t *testing.T, res *Result, n int) {
	t.Helper()
	require.Len(t, res.Events, n)
	require.Len(t, res.Renditions, n)
	ids := map[string]bool{}
	for i, ev := range res.Events {
		assert.Contains(t, []api.EventType{api.EventRenditionCreated, api.EventRenditionFailed}, ev.Type)
		assert.Equal(t, res.Renditions[i].Name, ev.Rendition.Name)
		assert.False(t, ids[ev.ID], "event ids must be unique")
		ids[ev.ID] = true
		assert.NotContains(t, ev.Source, "secret", "presigned query must not reach events")
		assert.True(t, ev.Rendition.Target.IsZero(), "targets are not echoed in events")
	}
}

func TestInvalidRequests(t *testing.T) {
	p := newProcessor(t, nil, nil)
	cases := []struct {
		name       string
		body       string
		wantEvents int
		wantMsg    string
	}{
		{"malformed JSON", `{"source":`, 0, "not a JSON object"},
		{"not an object", `[1,2]`, 0, "not a JSON object"},
		{"missing source", `{"renditions":[{"fmt":"png","target":"s3://b/k"},{"fmt":"jpg","target":"s3://b/k2"}]}`, 2, "source"},
		{"empty renditions", `{"source":"https://e.com/a.jpg","renditions":[]}`, 0, "renditions"},
		{"renditions not an array", `{"source":"https://e.com/a.jpg","renditions":{"fmt":"png"}}`, 0, "renditions"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := p.Process(context.Background(), []byte(tc.body))
			require.True(t, res.Invalid())
			assert.Contains(t, res.Error.Message, tc.wantMsg)
			assertOneEventEach(t, res, tc.wantEvents)
			for _, ev := range res.Events {
				assert.Equal(t, api.EventRenditionFailed, ev.Type)
				assert.Equal(t, api.ReasonGeneric, ev.ErrorReason)
			}
			assert.NotEmpty(t, res.RequestID)
		})
	}
}

func TestRenditionLevelFailuresDoNotStopOthers(t *testing.T) {
	w := &okWorker{}
	p := newProcessor(t, map[string]invoke.Handler{"thumbnail": w.handle}, func(o *Options) { o.AllowedWorkers = []string{"tagger"} })
	res := p.Process(context.Background(), request(
		`{"fmt":"png","name":"ok.png","target":"s3://b/ok.png"}`,
		`{"fmt":"bmp","name":"bad.bmp","target":"s3://b/bad"}`,
		`{"fmt":"png","name":"w0.png","width":0,"target":"s3://b/w0"}`,
		`{"fmt":"xmp","name":"meta.xmp","target":"s3://b/meta"}`,
		`{"worker":"evil","name":"evil","target":"s3://b/evil"}`,
	))
	require.False(t, res.Invalid())
	assertOneEventEach(t, res, 5)
	want := []struct {
		typ    api.EventType
		reason api.Reason
		msg    string
	}{
		{api.EventRenditionCreated, "", ""},
		{api.EventRenditionFailed, api.ReasonRenditionFormatUnsupported, `"bmp" is not supported`},
		{api.EventRenditionFailed, api.ReasonGeneric, "width"},
		{api.EventRenditionFailed, api.ReasonRenditionFormatUnsupported, "metadata"},
		{api.EventRenditionFailed, api.ReasonRenditionFormatUnsupported, "allow-list"},
	}
	for i, w := range want {
		ev := res.Events[i]
		assert.Equal(t, w.typ, ev.Type, "rendition %d", i)
		assert.Equal(t, w.reason, ev.ErrorReason, "rendition %d", i)
		assert.Contains(t, ev.ErrorMessage, w.msg, "rendition %d", i)
	}
	assert.False(t, res.AllCreated())
}

// rendezvous returns a function that blocks until n callers are inside it
// at once: callers that all return true ran concurrently, whatever the
// load on the machine. It gives up (false) when ctx ends or after a
// minute, so that callers run one after the other fail instead of hanging.
func rendezvous(n int) func(ctx context.Context) bool {
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	return func(ctx context.Context) bool {
		mu.Lock()
		arrived++
		if arrived == n {
			close(all)
		}
		mu.Unlock()
		t := time.NewTimer(time.Minute)
		defer t.Stop()
		select {
		case <-all:
			return true
		case <-ctx.Done():
		case <-t.C:
		}
		return false
	}
}

func TestBatchingAndParallelFanOut(t *testing.T) {
	w := &okWorker{}
	meet := rendezvous(3)
	h := func(ctx context.Context, params json.RawMessage) (any, error) {
		if !meet(ctx) {
			return nil, errors.New("the three batches did not run at the same time")
		}
		return w.handle(ctx, params)
	}
	p := newProcessor(t, map[string]invoke.Handler{"thumbnail": h}, func(o *Options) { o.BatchSize = 10 })
	var rs []string
	for i := range 25 {
		rs = append(rs, fmt.Sprintf(`{"fmt":"png","name":"r%d.png","target":"s3://b/r%d"}`, i, i))
	}
	res := p.Process(context.Background(), request(rs...))
	assertOneEventEach(t, res, 25)
	assert.True(t, res.AllCreated(), "batches must run concurrently: %+v", res.Events[0])
	assert.ElementsMatch(t, []int{10, 10, 5}, w.batches)
}

func TestConcurrencyBound(t *testing.T) {
	var running, peak atomic.Int32
	h := func(ctx context.Context, params json.RawMessage) (any, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			old := peak.Load()
			if n <= old || peak.CompareAndSwap(old, n) {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
		return (&okWorker{}).handle(ctx, params)
	}
	p := newProcessor(t, map[string]invoke.Handler{"thumbnail": h}, func(o *Options) { o.BatchSize = 1; o.Concurrency = 3 })
	var rs []string
	for i := range 12 {
		rs = append(rs, fmt.Sprintf(`{"fmt":"png","name":"r%d.png","target":"s3://b/r%d"}`, i, i))
	}
	res := p.Process(context.Background(), request(rs...))
	assert.True(t, res.AllCreated())
	assert.LessOrEqual(t, peak.Load(), int32(3))
}

func TestWorkerFaults(t *testing.T) {
	cases := []struct {
		name    string
		handler invoke.Handler
		reason  api.Reason
		msg     string
	}{
		{"application error keeps the worker's reason",
			func(context.Context, json.RawMessage) (any, error) {
				return nil, api.Errorf(api.ReasonSourceCorrupt, "source is not a JPEG")
			}, api.ReasonSourceCorrupt, "not a JPEG"},
		{"panic",
			func(context.Context, json.RawMessage) (any, error) { panic("boom") }, api.ReasonGeneric, "boom"},
		{"garbage result",
			func(context.Context, json.RawMessage) (any, error) { return "nonsense", nil }, api.ReasonGeneric, "unusable result"},
		{"too few results",
			func(context.Context, json.RawMessage) (any, error) {
				return api.WorkerResult{Renditions: []api.RenditionResult{{Name: "a.png", Status: api.StatusCreated}}}, nil
			}, api.ReasonGeneric, "no outcome"},
		{"error result object",
			func(context.Context, json.RawMessage) (any, error) {
				return map[string]any{"error": map[string]string{"reason": "SourceTooLarge", "message": "too big"}}, nil
			}, api.ReasonSourceTooLarge, "too big"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newProcessor(t, map[string]invoke.Handler{"thumbnail": tc.handler}, nil)
			res := p.Process(context.Background(), request(
				`{"fmt":"png","name":"a.png","target":"s3://b/a"}`,
				`{"fmt":"jpg","name":"b.jpg","target":"s3://b/b"}`))
			assertOneEventEach(t, res, 2)
			last := res.Events[1]
			assert.Equal(t, api.EventRenditionFailed, last.Type)
			assert.Equal(t, tc.reason, last.ErrorReason)
			assert.Contains(t, last.ErrorMessage, tc.msg)
		})
	}
}

// TestOwnDeadlineReportsUnfinishedAsTimeout: a worker that never answers
// (it ignores its context, like a hung worker, and is let go only when the
// test ends) is reported as a timeout at the orchestrator's own deadline,
// Margin (at most a tenth of the time left) before the activation's. The
// deadline is read from the context the worker was given, against the
// clock before the call and when the worker was called, so that a busy
// machine cannot fail the test.
func TestOwnDeadlineReportsUnfinishedAsTimeout(t *testing.T) {
	const margin = 100 * time.Millisecond
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	type call struct{ at, deadline time.Time }
	calls := make(chan call, 1)
	blocked := func(ctx context.Context, params json.RawMessage) (any, error) {
		c := call{at: time.Now()}
		c.deadline, _ = ctx.Deadline()
		calls <- c
		<-release
		return nil, nil
	}
	p := newProcessor(t, map[string]invoke.Handler{"thumbnail": blocked}, func(o *Options) { o.Margin = margin })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	before := time.Now()
	res := p.Process(ctx, request(`{"fmt":"png","name":"a.png","target":"s3://b/a"}`))
	assertOneEventEach(t, res, 1)
	assert.Equal(t, api.ReasonTimeout, res.Events[0].ErrorReason, "reported while the worker still hangs")

	var c call
	select {
	case c = <-calls:
	default:
		t.Fatal("the worker was never called")
	}
	act, _ := ctx.Deadline()
	// Own deadline: act - min(margin, left/10), left measured in [before, c.at].
	own := func(now time.Time) time.Time { return act.Add(-min(margin, act.Sub(now)/10)) }
	assert.False(t, c.deadline.Before(own(before)) || c.deadline.After(own(c.at)),
		"the worker's deadline %v is not the margin before the activation's %v", c.deadline, act)
	assert.True(t, c.deadline.Before(act), "the worker's deadline comes before the activation's")
}

func TestEventsCarryUserDataAndStableIDs(t *testing.T) {
	w := &okWorker{}
	p := newProcessor(t, map[string]invoke.Handler{"thumbnail": w.handle}, nil)
	body := []byte(`{"requestId":"abc","source":{"url":"https://e.com/x.jpg?sig=1","name":"x.jpg"},"userData":{"a":1},
		"renditions":[{"fmt":"png","target":"s3://b/a","userData":{"r":2}},{"fmt":"png","target":"s3://b/b"}]}`)
	a := p.Process(context.Background(), body)
	b := p.Process(context.Background(), body)
	assertOneEventEach(t, a, 2)
	assert.Equal(t, "abc", a.RequestID)
	assert.JSONEq(t, `{"a":1}`, string(a.Events[0].UserData), "the request's userData, as the hosted service sends it")
	assert.JSONEq(t, `{"r":2}`, string(a.Events[0].Rendition.UserData), "the rendition's, in the rendition")
	assert.JSONEq(t, `{"a":1}`, string(a.Events[1].UserData))
	assert.Equal(t, "https://e.com/x.jpg", a.Events[0].Source)
	assert.Equal(t, a.Events[0].ID, b.Events[0].ID, "same request, same event ids")
	assert.Equal(t, "rendition-1.png", a.Renditions[0].Name)
	assert.Equal(t, "s3://b/a", a.Renditions[0].Target)
}

// TestPreviewClipsGoToTheThumbnailAction: fmt mp4 (family video) is routed
// to the thumbnail action, in the same activation as the image renditions.
func TestPreviewClipsGoToTheThumbnailAction(t *testing.T) {
	w := &okWorker{}
	p := newProcessor(t, map[string]invoke.Handler{"thumbnail": w.handle}, nil)
	res := p.Process(context.Background(), request(
		`{"fmt":"png","name":"poster.png","target":"s3://b/poster.png"}`,
		`{"fmt":"mp4","name":"clip.mp4","width":320,"maxDuration":10,"target":"s3://b/clip.mp4"}`,
	))
	assertOneEventEach(t, res, 2)
	for _, ev := range res.Events {
		assert.Equal(t, api.EventRenditionCreated, ev.Type, ev.ErrorMessage)
	}
	assert.Equal(t, []int{2}, w.batches)
}

// TestOfficeSourcesGoToTheOfficeAction: the image renditions of a source
// the registry marks OfficeRead, told by its name, media type, data: URI
// or URL path, go to the office action, and so do the text renditions of
// the legacy binary formats and iWork; other text renditions, and the image
// renditions of other sources (PDFs included), do not.
func TestOfficeSourcesGoToTheOfficeAction(t *testing.T) {
	cases := []struct {
		source       string
		office, text bool // images, text to the office action
	}{
		{`"https://example.com/files/report.docx?X-Amz-Signature=secret"`, true, false},
		{`"s3://bucket/decks/q3.PPTX"`, true, false},
		{`"https://example.com/old.xls#sheet"`, true, true},
		{`{"url":"https://example.com/blob/123","name":"minutes.odt"}`, true, false},
		{`{"url":"https://example.com/blob/123","mimetype":"application/vnd.apple.keynote"}`, true, true},
		{`"https://example.com/letters/june.pages"`, true, true},
		{`"data:application/msword;base64,AAAA"`, true, true},
		{`"https://example.com/paper.pdf"`, false, false},
		{`"https://example.com/photo.jpg"`, false, false},
		{`"https://example.com/docx"`, false, false},
		{`{"url":"https://example.com/a.docx","name":"a.png"}`, false, false},
	}
	for _, c := range cases {
		t.Run(c.source, func(t *testing.T) {
			thumb, off, text := &okWorker{}, &okWorker{}, &okWorker{}
			p := newProcessor(t, map[string]invoke.Handler{"thumbnail": thumb.handle, "office": off.handle, "fulltext": text.handle}, nil)
			res := p.Process(context.Background(), []byte(`{"requestId":"r1","source":`+c.source+`,"renditions":[
				{"fmt":"png","name":"a.png","target":"s3://b/a.png"},
				{"fmt":"jpg","name":"b.jpg","width":100,"target":"s3://b/b.jpg"},
				{"fmt":"text","name":"c.txt","target":"s3://b/c.txt"}]}`))
			assertOneEventEach(t, res, 3)
			for _, ev := range res.Events {
				assert.Equal(t, api.EventRenditionCreated, ev.Type, ev.ErrorMessage)
			}
			switch {
			case c.office && c.text:
				assert.Equal(t, []int{3}, off.batches)
				assert.Empty(t, thumb.batches)
				assert.Empty(t, text.batches)
			case c.office:
				assert.Equal(t, []int{2}, off.batches)
				assert.Empty(t, thumb.batches)
				assert.Equal(t, []int{1}, text.batches)
			default:
				assert.Equal(t, []int{2}, thumb.batches)
				assert.Empty(t, off.batches)
				assert.Equal(t, []int{1}, text.batches)
			}
		})
	}
	t.Run("a deployment without the office action says so", func(t *testing.T) {
		p := newProcessor(t, map[string]invoke.Handler{"thumbnail": (&okWorker{}).handle}, nil)
		res := p.Process(context.Background(), []byte(`{"requestId":"r1","source":"https://example.com/a.pptx","renditions":[{"fmt":"png","name":"a.png","target":"s3://b/a.png"}]}`))
		assertOneEventEach(t, res, 1)
		assert.Equal(t, api.ReasonRenditionFormatUnsupported, res.Events[0].ErrorReason)
		assert.Contains(t, res.Events[0].ErrorMessage, "office")
	})
}
