package process

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// storage is a source and target server that counts what it serves.
type storage struct {
	*httptest.Server
	mu      sync.Mutex
	fetches int
	puts    map[string]int
}

func newStorage(t *testing.T) *storage {
	s := &storage{puts: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch r.Method {
		case http.MethodGet:
			s.fetches++
			_, _ = w.Write([]byte("source bytes"))
		case http.MethodPut:
			s.puts[r.URL.Path]++
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *storage) counts() (int, map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	puts := map[string]int{}
	for k, v := range s.puts {
		puts[k] = v
	}
	return s.fetches, puts
}

// workerProcessor returns an orchestrator whose thumbnail action runs the
// real worker lifecycle (fetch, make, upload) with a function that copies
// the source, and the batch sizes it was invoked with.
func workerProcessor(t *testing.T) (*Processor, func() []int) {
	t.Helper()
	client, err := transfer.New(transfer.Options{AllowHTTP: true, AllowPrivateNetworks: true, Attempts: 1, Logger: quiet})
	require.NoError(t, err)
	w, err := worker.New(func(_ context.Context, src *worker.Source, r *worker.Rendition) error {
		b, err := os.ReadFile(src.Path)
		if err != nil {
			return err
		}
		return os.WriteFile(r.Path, b, 0o644)
	}, worker.Options{Transfer: client, TempDir: t.TempDir(), Logger: quiet})
	require.NoError(t, err)
	var mu sync.Mutex
	var batches []int
	handler := func(ctx context.Context, params json.RawMessage) (any, error) {
		req, err := api.DecodeWorkerRequest(params)
		if err == nil {
			mu.Lock()
			batches = append(batches, len(req.Renditions))
			mu.Unlock()
		}
		return w.Handle(ctx, params)
	}
	p := newProcessor(t, map[string]invoke.Handler{"thumbnail": handler}, nil)
	return p, func() []int {
		mu.Lock()
		defer mu.Unlock()
		return append([]int(nil), batches...)
	}
}

func TestInvalidInstructionsFailBeforeAnyDownload(t *testing.T) {
	st := newStorage(t)
	p, batches := workerProcessor(t)
	body := fmt.Sprintf(`{"source": %q, "renditions": [
		{"fmt": "png", "name": "smart.png", "crop": "smart", "width": 100, "target": %q},
		{"fmt": "png", "name": "quality.png", "quality": 80, "target": %q},
		{"fmt": "webp", "name": "interlaced.webp", "interlace": true, "target": %q}]}`,
		st.URL+"/src.jpg", st.URL+"/smart.png", st.URL+"/quality.png", st.URL+"/interlaced.webp")
	res := p.Process(context.Background(), []byte(body))
	assertOneEventEach(t, res, 3)
	for i, field := range []string{"crop", "quality", "interlace"} {
		ev := res.Events[i]
		assert.Equal(t, api.EventRenditionFailed, ev.Type)
		assert.Equal(t, api.ReasonGeneric, ev.ErrorReason)
		assert.Contains(t, ev.ErrorMessage, field+": ")
	}
	fetches, puts := st.counts()
	assert.Zero(t, fetches, "the source is never fetched for renditions that cannot be made")
	assert.Empty(t, puts)
	assert.Empty(t, batches(), "no worker is invoked")
}

func TestOnlyValidRenditionsReachTheWorker(t *testing.T) {
	st := newStorage(t)
	p, batches := workerProcessor(t)
	body := fmt.Sprintf(`{"source": %q, "renditions": [
		{"fmt": "png", "name": "a.png", "width": 10, "target": %q},
		{"fmt": "png", "name": "b.png", "compression": "lzw", "target": %q},
		{"fmt": "jpg", "name": "c.jpg", "target": %q}]}`,
		st.URL+"/src.jpg", st.URL+"/out/a.png?X-Amz-Signature=1", st.URL+"/out/b.png", st.URL+"/out/a.png?X-Amz-Signature=2")
	res := p.Process(context.Background(), []byte(body))
	assertOneEventEach(t, res, 3)
	assert.Equal(t, api.EventRenditionCreated, res.Events[0].Type, res.Events[0].ErrorMessage)
	assert.Equal(t, api.ReasonGeneric, res.Events[1].ErrorReason)
	assert.Contains(t, res.Events[1].ErrorMessage, `compression: "lzw" is not supported for png renditions`)
	assert.Equal(t, api.ReasonGeneric, res.Events[2].ErrorReason)
	assert.Contains(t, res.Events[2].ErrorMessage, `renditions[0] ("a.png") and renditions[2] ("c.jpg") both write to `+st.URL+"/out/a.png;")
	assert.NotContains(t, res.Events[2].ErrorMessage, "X-Amz-Signature")
	fetches, puts := st.counts()
	assert.Equal(t, 1, fetches)
	assert.Equal(t, map[string]int{"/out/a.png": 1}, puts, "the first rendition is written once and never overwritten")
	assert.Equal(t, []int{1}, batches(), "the worker gets only the rendition it can make")
}

// Run checks a request built in code as DecodeRequest would.
func TestRunChecksARequestBuiltInCode(t *testing.T) {
	w := &okWorker{}
	p := newProcessor(t, map[string]invoke.Handler{"thumbnail": w.handle}, nil)
	q := 80
	req := &api.Request{RequestID: "r1", Source: api.Source{URL: "https://e.com/a.jpg"}, Renditions: []api.Rendition{
		{Name: "a.png", Fmt: "png", Target: api.Target{URL: "s3://b/a.png"}},
		{Name: "b.png", Fmt: "png", Quality: &q, Target: api.Target{URL: "s3://b/b.png"}},
		{Name: "c.png", Fmt: "png", Target: api.Target{URL: "s3://b/a.png"}},
	}}
	res := p.Run(context.Background(), req)
	assertOneEventEach(t, res, 3)
	assert.Equal(t, api.EventRenditionCreated, res.Events[0].Type)
	assert.Contains(t, res.Events[1].ErrorMessage, "quality: 80 is not honoured by png renditions")
	assert.Contains(t, res.Events[2].ErrorMessage, "both write to s3://b/a.png")
	assert.Equal(t, []int{1}, w.batches)
}
