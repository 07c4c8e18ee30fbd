package worker

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// manualClock is a clock that moves only when told.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// slowTransfer is the real transfer client, with each fetch and upload
// taking a set time of the manual clock.
type slowTransfer struct {
	Transfer
	clock      *manualClock
	fetch, put time.Duration
}

func (s slowTransfer) Fetch(ctx context.Context, src api.Source, dir string) (*transfer.Fetched, error) {
	f, err := s.Transfer.Fetch(ctx, src, dir)
	s.clock.advance(s.fetch)
	return f, err
}

func (s slowTransfer) Put(ctx context.Context, target api.Target, path string, opts transfer.PutOptions) error {
	err := s.Transfer.Put(ctx, target, path, opts)
	s.clock.advance(s.put)
	return err
}

func TestTimingsOfEachStep(t *testing.T) {
	srv := newPutServer(t)
	clock := &manualClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	data := pngBytes(t, 8, 8)
	fn := func(ctx context.Context, src *Source, r *Rendition) error {
		switch r.Name {
		case "split.png":
			clock.advance(7 * time.Millisecond)
			r.Timed("encode", 2*time.Millisecond+500*time.Microsecond)
		case "overreported.png":
			clock.advance(4 * time.Millisecond)
			r.Timed("encode", time.Second) // more than the call took
		case "broken.png":
			clock.advance(time.Millisecond)
			return api.Errorf(api.ReasonSourceCorrupt, "cannot decode")
		}
		return os.WriteFile(r.Path, data, 0o644)
	}
	w, _ := newTestWorker(t, fn, func(o *Options) {
		o.Transfer = slowTransfer{Transfer: o.Transfer, clock: clock, fetch: 5 * time.Millisecond, put: 3 * time.Millisecond}
		o.Now = clock.Now
		o.Parallelism = 1 // the clock moves for one rendition at a time
	})
	embedded := rendition("embedded.png", "png", "")
	embedded.EmbedBinaryLimit = int64p(1 << 20)
	res := w.Process(context.Background(), &api.WorkerRequest{
		Source: api.Source{URL: srv.URL + "/src.png"},
		Renditions: []api.Rendition{
			rendition("split.png", "png", srv.URL+"/split.png"),
			rendition("overreported.png", "png", srv.URL+"/over.png"),
			rendition("broken.png", "png", srv.URL+"/broken.png"),
			embedded,
		},
	})
	require.Len(t, res.Renditions, 4)
	byName := map[string]api.RenditionResult{}
	for _, r := range res.Renditions {
		byName[r.Name] = r
		checkConsistent(t, r.Name, r.Timings)
	}
	split := byName["split.png"]
	require.Equal(t, api.StatusCreated, split.Status, split.Message)
	assert.Equal(t, 5.0, split.Timings["fetch"])
	assert.Equal(t, 2.5, split.Timings["encode"])
	assert.Equal(t, 4.5, split.Timings["render"], "the part of the call the function did not report")
	assert.Equal(t, 3.0, split.Timings["upload"])
	assert.NotContains(t, split.Timings, "decode")

	over := byName["overreported.png"]
	require.Equal(t, api.StatusCreated, over.Status, over.Message)
	assert.Equal(t, 4.0, over.Timings["render"], "steps longer than the call are dropped")
	assert.NotContains(t, over.Timings, "encode")

	broken := byName["broken.png"]
	require.Equal(t, api.StatusFailed, broken.Status)
	assert.Equal(t, 1.0, broken.Timings["render"])
	assert.NotContains(t, broken.Timings, "upload", "nothing was uploaded")

	emb := byName["embedded.png"]
	require.Equal(t, api.StatusCreated, emb.Status, emb.Message)
	assert.NotContains(t, emb.Timings, "upload", "an embedded rendition is not uploaded")
	assert.Contains(t, emb.Timings, "render")
}

// TestTimingsOfARenditionThatWaited makes two renditions one at a time:
// the second reports the time it waited for the first (its call and its
// upload) as its wait step; the first, which found a free slot, reports
// none.
func TestTimingsOfARenditionThatWaited(t *testing.T) {
	srv := newPutServer(t)
	clock := &manualClock{now: time.Unix(0, 0)}
	data := pngBytes(t, 2, 2)
	w, _ := newTestWorker(t, func(ctx context.Context, src *Source, r *Rendition) error {
		clock.advance(7 * time.Millisecond)
		return os.WriteFile(r.Path, data, 0o644)
	}, func(o *Options) {
		o.Transfer = slowTransfer{Transfer: o.Transfer, clock: clock, fetch: time.Millisecond, put: 3 * time.Millisecond}
		o.Now = clock.Now
		o.Parallelism = 1
	})
	res := w.Process(context.Background(), &api.WorkerRequest{
		Source:     api.Source{URL: srv.URL + "/src"},
		Renditions: []api.Rendition{rendition("a.png", "png", srv.URL+"/a.png"), rendition("b.png", "png", srv.URL+"/b.png")},
	})
	require.Len(t, res.Renditions, 2)
	a, b := res.Renditions[0].Timings, res.Renditions[1].Timings
	if a["total"] > b["total"] { // b went first
		a, b = b, a
	}
	assert.NotContains(t, a, "wait", "the first did not wait")
	assert.Equal(t, map[string]float64{"fetch": 1, "render": 7, "upload": 3, "total": 11}, a)
	if _, ok := b["wait"]; !ok {
		// The second started only once the first was done, so it never
		// found the slot taken: a scheduler's delay, not a wait.
		t.Log("the second rendition's goroutine started after the first was done")
		b["wait"] = 10
	}
	assert.Equal(t, map[string]float64{"fetch": 1, "wait": 10, "render": 7, "upload": 3, "total": 21}, b)
}

func TestTimingsOfAFailedFetch(t *testing.T) {
	srv := newPutServer(t)
	clock := &manualClock{now: time.Unix(0, 0)}
	w, _ := newTestWorker(t, writePNG(t, 2, 2), func(o *Options) {
		o.Transfer = slowTransfer{Transfer: o.Transfer, clock: clock, fetch: 6 * time.Millisecond}
		o.Now = clock.Now
	})
	res := w.Process(context.Background(), &api.WorkerRequest{
		Source:     api.Source{URL: srv.URL + "/missing"},
		Renditions: []api.Rendition{rendition("a.png", "png", srv.URL+"/a.png")},
	})
	require.Len(t, res.Renditions, 1)
	got := res.Renditions[0]
	require.Equal(t, api.StatusFailed, got.Status)
	assert.Equal(t, map[string]float64{"fetch": 6, "total": 6}, got.Timings)
}

// TestTimingsWithTheRealClock runs a batch function on the real clock:
// the keys are there and add up, whatever the machine's load.
func TestTimingsWithTheRealClock(t *testing.T) {
	srv := newPutServer(t)
	data := pngBytes(t, 4, 4)
	client, err := transfer.New(transfer.Options{AllowLocal: true, AllowHTTP: true, AllowPrivateNetworks: true, Attempts: 1, Logger: quiet})
	require.NoError(t, err)
	w, err := NewBatch(func(ctx context.Context, src *Source, rs []*Rendition) []error {
		errs := make([]error, len(rs))
		for i, r := range rs {
			start := time.Now()
			errs[i] = os.WriteFile(r.Path, data, 0o644)
			r.Timed("encode", time.Since(start))
		}
		errs[1] = errors.New("second fails")
		return errs
	}, Options{Transfer: client, TempDir: t.TempDir(), Logger: quiet})
	require.NoError(t, err)
	res := w.Process(context.Background(), &api.WorkerRequest{
		Source:     api.Source{URL: srv.URL + "/src"},
		Renditions: []api.Rendition{rendition("a.png", "png", srv.URL+"/a.png"), rendition("b.png", "png", srv.URL+"/b.png")},
	})
	require.Len(t, res.Renditions, 2)
	for _, r := range res.Renditions {
		for _, k := range []string{"fetch", "render", "total"} {
			assert.Contains(t, r.Timings, k, r.Name)
		}
		checkConsistent(t, r.Name, r.Timings)
	}
	assert.Contains(t, res.Renditions[0].Timings, "upload")
	assert.Contains(t, res.Renditions[0].Timings, "encode")
	// The timings reach the activation's JSON result.
	raw, err := json.Marshal(res)
	require.NoError(t, err)
	back, err := api.DecodeWorkerResult(raw, 2)
	require.NoError(t, err)
	assert.Equal(t, res.Renditions[0].Timings, back.Renditions[0].Timings)
}

// checkConsistent asserts that every step is non-negative and that the
// total holds them all.
func checkConsistent(t *testing.T, name string, m map[string]float64) {
	t.Helper()
	require.Contains(t, m, "total", name)
	sum := 0.0
	for k, v := range m {
		assert.GreaterOrEqual(t, v, 0.0, "%s: %s", name, k)
		if k != "total" {
			sum += v
		}
	}
	assert.GreaterOrEqual(t, m["total"]+1e-9, sum, "%s: total holds the steps: %v", name, m)
}

// BenchmarkStepTimings is what the timings cost a rendition: the clock
// readings of the lifecycle and the map of its event.
func BenchmarkStepTimings(b *testing.B) {
	c := stepClock{now: time.Now, start: time.Now()}
	c.fetch = c.since(c.start)
	r := &Rendition{}
	for b.Loop() {
		began := c.now()
		r.steps = nil
		r.Timed("encode", time.Millisecond)
		m := measured{ran: true, work: c.since(began)}
		upload := c.now()
		m.upload, m.uploaded = c.since(upload), true
		_ = c.timings(r.steps, m)
	}
}
