package worker

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// putServer is a storage stand-in that records PUT uploads.
type putServer struct {
	*httptest.Server
	mu      sync.Mutex
	bodies  map[string][]byte
	ctypes  map[string]string
	uploads atomic.Int32
}

func newPutServer(t *testing.T) *putServer {
	s := &putServer{bodies: map[string][]byte{}, ctypes: map[string]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPut:
			b, _ := io.ReadAll(r.Body)
			s.mu.Lock()
			s.bodies[r.URL.Path] = b
			s.ctypes[r.URL.Path] = r.Header.Get("Content-Type")
			s.mu.Unlock()
			s.uploads.Add(1)
		case http.MethodGet:
			if r.URL.Path == "/missing" {
				http.NotFound(w, r)
				return
			}
			_, _ = w.Write([]byte("source bytes"))
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *putServer) body(path string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bodies[path]
}

func newTestWorker(t *testing.T, fn RenditionFunc, mod func(*Options)) (*Worker, string) {
	t.Helper()
	client, err := transfer.New(transfer.Options{AllowLocal: true, AllowHTTP: true, AllowPrivateNetworks: true, Attempts: 1, Logger: quiet})
	require.NoError(t, err)
	tmp := t.TempDir()
	opts := Options{Transfer: client, TempDir: tmp, Logger: quiet}
	if mod != nil {
		mod(&opts)
	}
	w, err := New(fn, opts)
	require.NoError(t, err)
	return w, tmp
}

func pngBytes(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	img.Set(0, 0, color.Black)
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func writePNG(t *testing.T, w, h int) RenditionFunc {
	data := pngBytes(t, w, h)
	return func(ctx context.Context, src *Source, r *Rendition) error {
		return os.WriteFile(r.Path, data, 0o644)
	}
}

func rendition(name, fmtName, target string) api.Rendition {
	return api.Rendition{Name: name, Fmt: fmtName, Target: api.Target{URL: target}}
}

func int64p(n int64) *int64 { return &n }

func TestCreatesAndUploadsWithMetadata(t *testing.T) {
	srv := newPutServer(t)
	w, tmp := newTestWorker(t, writePNG(t, 40, 30), nil)
	res := w.Process(context.Background(), &api.WorkerRequest{
		RequestID:  "r",
		Source:     api.Source{URL: srv.URL + "/src.jpg?sig=secret"},
		Renditions: []api.Rendition{rendition("a.png", "png", srv.URL+"/out/a.png?X-Amz-Signature=s")},
	})
	require.Len(t, res.Renditions, 1)
	got := res.Renditions[0]
	require.Equal(t, api.StatusCreated, got.Status, got.Message)
	stored := srv.body("/out/a.png")
	assert.Equal(t, pngBytes(t, 40, 30), stored)
	assert.Equal(t, "image/png", srv.ctypes["/out/a.png"])
	assert.EqualValues(t, len(stored), got.Metadata["repo:size"])
	assert.Len(t, got.Metadata["repo:sha1"], 40)
	assert.Equal(t, "image/png", got.Metadata["dc:format"])
	assert.Equal(t, 40, got.Metadata["tiff:imageWidth"])
	assert.Equal(t, 30, got.Metadata["tiff:imageHeight"])
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, entries, "the activation directory is removed")
}

func TestEmbedBinaryLimit(t *testing.T) {
	srv := newPutServer(t)
	w, _ := newTestWorker(t, writePNG(t, 4, 4), nil)
	small := rendition("small.png", "png", srv.URL+"/small.png")
	small.EmbedBinaryLimit = int64p(32768)
	noTarget := rendition("big.png", "png", "")
	noTarget.EmbedBinaryLimit = int64p(10)
	res := w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: srv.URL + "/src"}, Renditions: []api.Rendition{small, noTarget}})
	require.Equal(t, api.StatusCreated, res.Renditions[0].Status)
	assert.True(t, strings.HasPrefix(res.Renditions[0].Data, "data:image/png;base64,"))
	assert.EqualValues(t, 1, srv.uploads.Load(), "an embedded rendition with a target is uploaded too")
	stored := srv.body("/small.png")
	require.NotNil(t, stored)
	b64, _ := strings.CutPrefix(res.Renditions[0].Data, "data:image/png;base64,")
	assert.Equal(t, base64.StdEncoding.EncodeToString(stored), b64, "the same bytes embedded and uploaded")
	assert.Equal(t, api.ReasonRenditionTooLarge, res.Renditions[1].Reason)
}

func TestRenditionFailures(t *testing.T) {
	srv := newPutServer(t)
	cases := []struct {
		name   string
		fn     RenditionFunc
		mod    func(*Options)
		reason api.Reason
		msg    string
	}{
		{"typed error keeps its reason", func(context.Context, *Source, *Rendition) error {
			return api.Errorf(api.ReasonSourceCorrupt, "cannot decode the source")
		}, nil, api.ReasonSourceCorrupt, "cannot decode"},
		{"plain error is generic", func(context.Context, *Source, *Rendition) error { return errors.New("oops") }, nil, api.ReasonGeneric, "oops"},
		{"panic is contained", func(context.Context, *Source, *Rendition) error { panic("kaboom") }, nil, api.ReasonGeneric, "kaboom"},
		{"no output", func(context.Context, *Source, *Rendition) error { return nil }, nil, api.ReasonGeneric, "no output"},
		{"empty output", func(_ context.Context, _ *Source, r *Rendition) error { return os.WriteFile(r.Path, nil, 0o644) }, nil, api.ReasonGeneric, "empty"},
		{"output over the limit", writePNG(t, 50, 50), func(o *Options) { o.MaxRenditionBytes = 10 }, api.ReasonRenditionTooLarge, "limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := newTestWorker(t, tc.fn, tc.mod)
			res := w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: srv.URL + "/src"},
				Renditions: []api.Rendition{rendition("x.png", "png", srv.URL+"/x.png")}})
			require.Len(t, res.Renditions, 1)
			assert.Equal(t, api.StatusFailed, res.Renditions[0].Status)
			assert.Equal(t, tc.reason, res.Renditions[0].Reason)
			assert.Contains(t, res.Renditions[0].Message, tc.msg)
		})
	}
}

func TestAllowEmptyOutput(t *testing.T) {
	srv := newPutServer(t)
	w, _ := newTestWorker(t, func(_ context.Context, _ *Source, r *Rendition) error {
		r.AllowEmpty = true
		return os.WriteFile(r.Path, nil, 0o644)
	}, nil)
	embedded := rendition("embedded.txt", "text", "")
	embedded.EmbedBinaryLimit = int64p(100)
	res := w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: srv.URL + "/src"},
		Renditions: []api.Rendition{rendition("empty.txt", "text", srv.URL+"/empty.txt"), embedded}})
	require.Len(t, res.Renditions, 2)
	for _, r := range res.Renditions {
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		assert.EqualValues(t, 0, r.Metadata["repo:size"])
		assert.Equal(t, "da39a3ee5e6b4b0d3255bfef95601890afd80709", r.Metadata["repo:sha1"], "the SHA-1 of no bytes")
	}
	assert.Equal(t, int32(1), srv.uploads.Load(), "the empty rendition is uploaded")
	assert.Empty(t, srv.body("/empty.txt"))
	assert.True(t, strings.HasPrefix(res.Renditions[1].Data, "data:text/plain") && strings.HasSuffix(res.Renditions[1].Data, ";base64,"),
		"an empty embedded rendition is a data: URI with no data: %q", res.Renditions[1].Data)
}

func TestSourceFailureFailsEveryRendition(t *testing.T) {
	srv := newPutServer(t)
	w, _ := newTestWorker(t, writePNG(t, 2, 2), nil)
	for _, tc := range []struct {
		src    string
		reason api.Reason
	}{
		{srv.URL + "/missing", api.ReasonGeneric},
		{"ftp://example.com/a.jpg", api.ReasonSourceUnsupported},
	} {
		res := w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: tc.src},
			Renditions: []api.Rendition{rendition("a.png", "png", srv.URL+"/a"), rendition("b.png", "png", srv.URL+"/b")}})
		require.Len(t, res.Renditions, 2)
		for _, r := range res.Renditions {
			assert.Equal(t, tc.reason, r.Reason, tc.src)
		}
	}
	assert.Zero(t, srv.uploads.Load())
}

func TestWatchdogFailsUnfinishedBeforeDeadline(t *testing.T) {
	srv := newPutServer(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	const stuck = 30 * time.Second
	hung := func(ctx context.Context, src *Source, r *Rendition) error {
		if r.Name == "slow.png" {
			// Ignores ctx, like a stuck library call, until the test ends
			// (or for 30 s, so that a worker waiting for it fails the test
			// instead of hanging it).
			select {
			case <-release:
			case <-time.After(stuck):
			}
		}
		return os.WriteFile(r.Path, pngBytes(t, 2, 2), 0o644)
	}
	w, _ := newTestWorker(t, hung, func(o *Options) { o.WatchdogMargin = 200 * time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	res := w.Process(ctx, &api.WorkerRequest{Source: api.Source{URL: srv.URL + "/src"},
		Renditions: []api.Rendition{rendition("fast.png", "png", srv.URL+"/fast"), rendition("slow.png", "png", srv.URL+"/slow")}})
	assert.Less(t, time.Since(start), stuck, "the result comes without waiting for the stuck rendition")
	require.Len(t, res.Renditions, 2)
	assert.Equal(t, api.StatusCreated, res.Renditions[0].Status)
	assert.Equal(t, api.ReasonTimeout, res.Renditions[1].Reason)
}

func TestParallelismBound(t *testing.T) {
	srv := newPutServer(t)
	var running, peak atomic.Int32
	fn := func(ctx context.Context, src *Source, r *Rendition) error {
		n := running.Add(1)
		defer running.Add(-1)
		for old := peak.Load(); n > old && !peak.CompareAndSwap(old, n); old = peak.Load() {
		}
		time.Sleep(30 * time.Millisecond)
		return os.WriteFile(r.Path, []byte("x"), 0o644)
	}
	w, _ := newTestWorker(t, fn, func(o *Options) { o.Parallelism = 2 })
	var rs []api.Rendition
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		rs = append(rs, rendition(n, "text", srv.URL+"/"+n))
	}
	res := w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: srv.URL + "/src"}, Renditions: rs})
	for _, r := range res.Renditions {
		assert.Equal(t, api.StatusCreated, r.Status, r.Message)
	}
	assert.LessOrEqual(t, peak.Load(), int32(2))
}

func TestBatchFunc(t *testing.T) {
	srv := newPutServer(t)
	client, err := transfer.New(transfer.Options{AllowHTTP: true, AllowPrivateNetworks: true, Attempts: 1})
	require.NoError(t, err)
	calls := 0
	w, err := NewBatch(func(ctx context.Context, src *Source, rs []*Rendition) []error {
		calls++
		data, _ := os.ReadFile(src.Path)
		errs := make([]error, len(rs))
		for i, r := range rs {
			if i == 1 {
				errs[i] = api.Errorf(api.ReasonRenditionFormatUnsupported, "not this one")
				continue
			}
			errs[i] = os.WriteFile(r.Path, data, 0o644)
		}
		return errs
	}, Options{Transfer: client, Logger: quiet, TempDir: t.TempDir()})
	require.NoError(t, err)
	res := w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: srv.URL + "/src"},
		Renditions: []api.Rendition{rendition("a.txt", "text", srv.URL+"/a"), rendition("b", "x", srv.URL+"/b"), rendition("c.txt", "text", srv.URL+"/c")}})
	assert.Equal(t, 1, calls, "a batch function is called once per batch")
	assert.Equal(t, api.StatusCreated, res.Renditions[0].Status)
	assert.Equal(t, api.ReasonRenditionFormatUnsupported, res.Renditions[1].Reason)
	assert.Equal(t, api.StatusCreated, res.Renditions[2].Status)
	assert.Equal(t, "source bytes", string(srv.body("/c")))
	assert.Equal(t, "text/plain; charset=utf-8", srv.ctypes["/c"])
}

func TestHandleDecodesTheWorkerRequest(t *testing.T) {
	srv := newPutServer(t)
	w, _ := newTestWorker(t, writePNG(t, 3, 3), nil)
	_, err := w.Handle(context.Background(), json.RawMessage(`{"renditions":[]}`))
	require.Error(t, err)
	params, _ := json.Marshal(api.WorkerRequest{Source: api.Source{URL: srv.URL + "/s"}, Renditions: []api.Rendition{rendition("a.png", "png", srv.URL+"/a")}})
	out, err := w.Handle(context.Background(), params)
	require.NoError(t, err)
	assert.Equal(t, api.StatusCreated, out.(*api.WorkerResult).Renditions[0].Status)
}

func TestSafeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"a.png": "a.png", "../../etc/passwd": "passwd", `..\..\x.png`: "x.png", "..": "rendition.png", "": "rendition.png", "dir/": "dir",
	} {
		assert.Equal(t, want, safeFileName(in, "png"), in)
	}
	assert.Equal(t, "rendition", filepath.Base(safeFileName("/", "")))
}
