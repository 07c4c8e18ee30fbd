package storageevent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// fakeStater answers Stat from a map of target URL to stored request id;
// errs holds targets whose check fails.
type fakeStater struct {
	mu      sync.Mutex
	objects map[string]string
	errs    map[string]error
	calls   []string
}

func (f *fakeStater) Stat(_ context.Context, url string) (*transfer.ObjectInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, url)
	if err, ok := f.errs[url]; ok {
		return nil, err
	}
	id, ok := f.objects[url]
	if !ok {
		return nil, fmt.Errorf("wrapped: %w", transfer.ErrNotFound)
	}
	meta := map[string]string{}
	if id != "" {
		meta[api.ObjectMetaRequestID] = id
	}
	return &transfer.ObjectInfo{Size: 1, ETag: "e", Metadata: meta}, nil
}

// skipProfile makes thumb.png and meta.xmp of each upload, under
// renditions/{key}/{name} in bucket "b".
const skipProfile = `{"renditions":[{"fmt":"png","width":100,"name":"thumb.png"},{"fmt":"xmp","name":"meta.xmp"}]`

func putNotification(keys ...string) []byte {
	var recs []string
	for _, k := range keys {
		recs = append(recs, fmt.Sprintf(`{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":%q,"eTag":"etag-%s"}}}`, k, k))
	}
	return []byte(`{"Records":[` + strings.Join(recs, ",") + `]}`)
}

func idOf(key string) string {
	return RequestID(Object{Bucket: "b", Key: key, ETag: "etag-" + key})
}

func TestHandlerSkipExisting(t *testing.T) {
	thumb := func(key string) string { return "s3://b/renditions/" + key + "/thumb.png" }
	xmp := func(key string) string { return "s3://b/renditions/" + key + "/meta.xmp" }
	denied := api.Errorf(api.ReasonGeneric, "access to the target s3://b/x was denied (403)")
	tests := []struct {
		name    string
		keys    []string
		extra   string // more profile parameters
		objects map[string]string
		errs    map[string]error
		// want: per requestId sent, the rendition names left; skipped: the
		// requestIds reported as already processed.
		want    map[string][]string
		skipped []string
		stats   int
		warn    string
	}{
		{name: "first delivery: nothing exists", keys: []string{"a.jpg"},
			want: map[string][]string{idOf("a.jpg"): {"thumb.png", "meta.xmp"}}, stats: 2},
		{name: "duplicate: every rendition exists with this requestId", keys: []string{"a.jpg"},
			objects: map[string]string{thumb("a.jpg"): idOf("a.jpg"), xmp("a.jpg"): idOf("a.jpg")},
			want:    map[string][]string{}, skipped: []string{idOf("a.jpg")}, stats: 2},
		{name: "partly done: only the missing rendition is sent", keys: []string{"a.jpg"},
			objects: map[string]string{thumb("a.jpg"): idOf("a.jpg")},
			want:    map[string][]string{idOf("a.jpg"): {"meta.xmp"}}, stats: 2},
		{name: "new version: renditions of another requestId are remade", keys: []string{"a.jpg"},
			objects: map[string]string{thumb("a.jpg"): "se-older", xmp("a.jpg"): "se-older"},
			want:    map[string][]string{idOf("a.jpg"): {"thumb.png", "meta.xmp"}}, stats: 2},
		{name: "objects without metadata are remade", keys: []string{"a.jpg"},
			objects: map[string]string{thumb("a.jpg"): "", xmp("a.jpg"): ""},
			want:    map[string][]string{idOf("a.jpg"): {"thumb.png", "meta.xmp"}}, stats: 2},
		{name: "a failed check keeps the rendition", keys: []string{"a.jpg"},
			objects: map[string]string{thumb("a.jpg"): idOf("a.jpg"), xmp("a.jpg"): idOf("a.jpg")},
			errs:    map[string]error{xmp("a.jpg"): denied},
			want:    map[string][]string{idOf("a.jpg"): {"meta.xmp"}}, stats: 2, warn: "was denied (403)"},
		{name: "skipExisting false: no check", keys: []string{"a.jpg"}, extra: `,"skipExisting":false`,
			objects: map[string]string{thumb("a.jpg"): idOf("a.jpg"), xmp("a.jpg"): idOf("a.jpg")},
			want:    map[string][]string{idOf("a.jpg"): {"thumb.png", "meta.xmp"}}, stats: 0},
		{name: `skipExisting "false" as a deployment input string`, keys: []string{"a.jpg"}, extra: `,"skipExisting":"false"`,
			objects: map[string]string{thumb("a.jpg"): idOf("a.jpg"), xmp("a.jpg"): idOf("a.jpg")},
			want:    map[string][]string{idOf("a.jpg"): {"thumb.png", "meta.xmp"}}, stats: 0},
		{name: `skipExisting "" is the default`, keys: []string{"a.jpg"}, extra: `,"skipExisting":""`,
			objects: map[string]string{thumb("a.jpg"): idOf("a.jpg"), xmp("a.jpg"): idOf("a.jpg")},
			want:    map[string][]string{}, skipped: []string{idOf("a.jpg")}, stats: 2},
		{name: "several objects: one done, one new", keys: []string{"a.jpg", "b.jpg"},
			objects: map[string]string{thumb("a.jpg"): idOf("a.jpg"), xmp("a.jpg"): idOf("a.jpg")},
			want:    map[string][]string{idOf("b.jpg"): {"thumb.png", "meta.xmp"}}, skipped: []string{idOf("a.jpg")}, stats: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &fakeStater{objects: tc.objects, errs: tc.errs}
			var logs bytes.Buffer
			var gotParams json.RawMessage
			h := &Handler{
				Stater: func(params json.RawMessage) (Stater, error) {
					gotParams = params
					return st, nil
				},
				Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
			}
			params := mergeParams(t, putNotification(tc.keys...), skipProfile+tc.extra+`}`)
			res, err := h.Handle(context.Background(), params)
			require.NoError(t, err)
			assert.Len(t, st.calls, tc.stats)

			var reqs []*Request
			var skipped []Skip
			switch r := res.(type) {
			case *Request:
				reqs = []*Request{r}
			case *Batch:
				reqs, skipped = r.Requests, r.Skipped
				assert.NotNil(t, r.Requests, `"requests" is always a list`)
			default:
				t.Fatalf("result %T", res)
			}
			got := map[string][]string{}
			for _, r := range reqs {
				for _, rend := range r.Renditions {
					got[r.RequestID] = append(got[r.RequestID], renditionNameOf(rend))
				}
				// What is sent is still a valid processing request.
				_, err := api.DecodeRequest(mustJSON(t, r))
				require.NoError(t, err)
			}
			assert.Equal(t, tc.want, got)
			var gotSkipped []string
			for _, s := range skipped {
				assert.Equal(t, SkipReasonAlreadyProcessed, s.Reason)
				assert.Equal(t, "b", s.Bucket)
				assert.Equal(t, "ObjectCreated:Put", s.Event)
				assert.ElementsMatch(t, []string{"thumb.png", "meta.xmp"}, s.Renditions)
				gotSkipped = append(gotSkipped, s.RequestID)
			}
			assert.Equal(t, tc.skipped, gotSkipped)
			if tc.stats > 0 {
				assert.JSONEq(t, string(params), string(gotParams), "the Stater is built from the action parameters")
			}
			if tc.warn != "" {
				assert.Contains(t, logs.String(), tc.warn)
				assert.Contains(t, logs.String(), "cannot check whether a rendition exists")
			}
		})
	}
}

func TestHandlerSkippedBatchShape(t *testing.T) {
	id := idOf("a.jpg")
	st := &fakeStater{objects: map[string]string{
		"s3://b/renditions/a.jpg/thumb.png": id, "s3://b/renditions/a.jpg/meta.xmp": id,
	}}
	h := &Handler{Stater: func(json.RawMessage) (Stater, error) { return st, nil }}
	res, err := h.Handle(context.Background(), mergeParams(t, putNotification("a.jpg"), skipProfile+`}`))
	require.NoError(t, err)
	// The form actions/process takes as a batch: no request to run, the
	// skipped object passed through.
	assert.JSONEq(t, `{"requests":[],"skipped":[{"bucket":"b","key":"a.jpg","event":"ObjectCreated:Put","requestId":"`+id+
		`","reason":"already processed: every rendition exists for this object version","renditions":["thumb.png","meta.xmp"]}]}`,
		string(mustJSON(t, res)))
}

func TestHandlerStaterErrors(t *testing.T) {
	t.Run("settings that cannot be read fail the activation", func(t *testing.T) {
		h := &Handler{Stater: func(json.RawMessage) (Stater, error) { return nil, errors.New("bad s3Endpoint") }}
		_, err := h.Handle(context.Background(), mergeParams(t, putNotification("a.jpg"), skipProfile+`}`))
		require.ErrorContains(t, err, "bad s3Endpoint")
	})
	t.Run("no Stater: no check", func(t *testing.T) {
		res, err := (&Handler{}).Handle(context.Background(), mergeParams(t, putNotification("a.jpg"), skipProfile+`}`))
		require.NoError(t, err)
		assert.Len(t, res.(*Request).Renditions, 2)
	})
	t.Run("nothing to check: the Stater is not built", func(t *testing.T) {
		h := &Handler{Stater: func(json.RawMessage) (Stater, error) { return nil, errors.New("must not be called") }}
		res, err := h.Handle(context.Background(), mergeParams(t, putNotification("renditions/a.jpg/thumb.png"), skipProfile+`}`))
		require.NoError(t, err)
		assert.Empty(t, res.(*Batch).Requests)
	})
	t.Run("a bad skipExisting is a profile error", func(t *testing.T) {
		_, err := (&Handler{}).Handle(context.Background(), mergeParams(t, putNotification("a.jpg"), skipProfile+`,"skipExisting":"maybe"}`))
		require.ErrorContains(t, err, "skipExisting")
	})
}

// blockingStater never answers before its context ends; it records when
// it was called and the deadline of the context it was given.
type blockingStater struct {
	mu    sync.Mutex
	calls []statCall
}

type statCall struct {
	at, deadline time.Time // deadline zero: none
}

func (b *blockingStater) Stat(ctx context.Context, _ string) (*transfer.ObjectInfo, error) {
	c := statCall{at: time.Now()}
	c.deadline, _ = ctx.Deadline()
	b.mu.Lock()
	b.calls = append(b.calls, c)
	b.mu.Unlock()
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestHandlerCheckTimeoutKeepsTheWork: a check that never answers is cut
// at CheckTimeout, or at half the time left before the activation's
// deadline, and the work is kept. The bound is read from the deadline the
// check was given, against the clock before the call and when the check
// began, so that a busy machine cannot fail it.
func TestHandlerCheckTimeoutKeepsTheWork(t *testing.T) {
	tests := []struct {
		name     string
		timeout  time.Duration
		deadline time.Duration // of the activation's context; 0: none
	}{
		{"CheckTimeout", 50 * time.Millisecond, 0},
		{"half the time left before the deadline", time.Hour, 200 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			st := &blockingStater{}
			h := &Handler{
				Stater:       func(json.RawMessage) (Stater, error) { return st, nil },
				Logger:       slog.New(slog.NewJSONHandler(&logs, nil)),
				CheckTimeout: tc.timeout,
			}
			ctx := context.Background()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			before := time.Now()
			res, err := h.Handle(ctx, mergeParams(t, putNotification("a.jpg"), skipProfile+`}`))
			require.NoError(t, err)
			assert.Len(t, res.(*Request).Renditions, 2, "nothing could be checked: everything is made")
			assert.Contains(t, logs.String(), "cannot check whether a rendition exists")

			require.NotEmpty(t, st.calls)
			for _, c := range st.calls {
				require.False(t, c.deadline.IsZero(), "the check has a deadline")
				// The timeout was worked out at some now in [before, c.at].
				if act, ok := ctx.Deadline(); ok {
					// now + (act-now)/2: halfway to the activation's deadline.
					lo := before.Add(act.Sub(before) / 2)
					hi := c.at.Add(act.Sub(c.at) / 2)
					assert.False(t, c.deadline.Before(lo) || c.deadline.After(hi),
						"check deadline %v is not halfway to the activation's %v", c.deadline, act)
				} else {
					assert.False(t, c.deadline.Before(before.Add(tc.timeout)) || c.deadline.After(c.at.Add(tc.timeout)),
						"check deadline %v is not CheckTimeout after the call", c.deadline)
				}
			}
		})
	}
}

// TestSkipExistingWithS3: the real transfer client against an in-process
// S3 (gofakes3): renditions uploaded by a worker with this requestId are
// found; HEAD failures keep the work.
func TestSkipExistingWithS3(t *testing.T) {
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("b"))
	var failHead sync.Map // key -> status
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if code, ok := failHead.Load(r.URL.Path); ok && r.Method == http.MethodHead {
			w.WriteHeader(code.(int))
			return
		}
		faker.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	var logs bytes.Buffer
	client, err := transfer.New(transfer.Options{
		AllowHTTP: true, AllowPrivateNetworks: true, Attempts: 2, BackoffBase: 1,
		S3:     transfer.S3Options{Endpoint: srv.URL, Region: "us-east-1", PathStyle: true, AccessKeyID: "AKIATEST", SecretAccessKey: "SECRETKEY"},
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	require.NoError(t, err)
	ctx := context.Background()
	put := func(key, id string) {
		t.Helper()
		body := []byte("rendition")
		_, err := backend.PutObject("b", key, map[string]string{"X-Amz-Meta-Acs-Request-Id": id, "X-Amz-Meta-Acs-Rendition": key}, bytes.NewReader(body), int64(len(body)), nil)
		require.NoError(t, err)
	}
	build := func() *Batch {
		p, err := ParseProfile([]byte(skipProfile + `}`))
		require.NoError(t, err)
		n, err := Parse(putNotification("a.jpg"))
		require.NoError(t, err)
		b, err := p.Process(n)
		require.NoError(t, err)
		return b
	}
	id := idOf("a.jpg")

	b := build()
	SkipExisting(ctx, client, b, nil)
	require.Len(t, b.Requests, 1, "nothing exists yet")
	assert.Len(t, b.Requests[0].Renditions, 2)

	put("renditions/a.jpg/thumb.png", id)
	put("renditions/a.jpg/meta.xmp", id)
	b = build()
	SkipExisting(ctx, client, b, nil)
	assert.Empty(t, b.Requests)
	require.Len(t, b.Skipped, 1)
	assert.Equal(t, id, b.Skipped[0].RequestID)

	failHead.Store("/b/renditions/a.jpg/meta.xmp", http.StatusServiceUnavailable)
	b = build()
	SkipExisting(ctx, client, b, slog.New(slog.NewJSONHandler(&logs, nil)))
	require.Len(t, b.Requests, 1, "S3 unavailable: the rendition is made again")
	assert.Equal(t, "meta.xmp", renditionNameOf(b.Requests[0].Renditions[0]))
	assert.Contains(t, logs.String(), "cannot check whether a rendition exists")
	assert.NotContains(t, logs.String(), "SECRETKEY")
}
