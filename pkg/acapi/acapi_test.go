package acapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
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

	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/invoke/owtest"
	"github.com/assetcompute/assetcompute/pkg/journal"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

const token = "tok-8d7c6b5a4f3e2d1c"

// s3Server starts an in-process S3 server with the bucket "b" and returns
// a function building a new store on it (as a new process would).
func s3Server(t *testing.T) func(bucket string) *journal.S3 {
	t.Helper()
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("b"))
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(srv.Close)
	return func(bucket string) *journal.S3 {
		tc, err := transfer.New(transfer.Options{AllowHTTP: true, AllowPrivateNetworks: true, S3: transfer.S3Options{
			Endpoint: srv.URL, Region: "us-east-1", PathStyle: true, AccessKeyID: "k", SecretAccessKey: "s"}})
		require.NoError(t, err)
		c, err := tc.S3()
		require.NoError(t, err)
		s, err := journal.NewS3(journal.S3Options{Client: c, Bucket: bucket, Prefix: "j"})
		require.NoError(t, err)
		return s
	}
}

func openWhisk(t *testing.T, host string) *invoke.OpenWhisk {
	t.Helper()
	ow, err := invoke.NewOpenWhisk(invoke.OpenWhiskOptions{APIHost: host, APIKey: "u:k", Namespace: "guest",
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, PollInterval: time.Millisecond})
	require.NoError(t, err)
	return ow
}

func request(journalID string, n int) Request {
	var rs []json.RawMessage
	for i := range n {
		rs = append(rs, json.RawMessage(fmt.Sprintf(`{"fmt":"png","name":"r%d"}`, i)))
	}
	params, _ := json.Marshal(map[string]any{"requestId": "req-1", "renditions": rs})
	return Request{JournalID: journalID, RequestID: "req-1", Params: params, Renditions: rs, UserData: json.RawMessage(`{"u":1}`)}
}

// TestOpenWhiskRunnerAppendsOnce starts an activation on a controller and
// collects it from several processes at once: its events reach the
// journal exactly once, and it is no longer pending.
func TestOpenWhiskRunnerAppendsOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := owtest.New(t)
	c.Action("asset-compute/process", func(int, json.RawMessage) owtest.Reply { return owtest.Reply{} })
	newStore := s3Server(t)
	store := newStore("b")
	id, err := store.Register(ctx, "org", "key")
	require.NoError(t, err)
	runner := &OpenWhiskRunner{OpenWhisk: openWhisk(t, c.URL), Store: store, Action: "asset-compute/process"}
	req := request(id, 3)
	act, err := runner.Start(ctx, req)
	require.NoError(t, err)
	require.NotEmpty(t, act)
	var started json.RawMessage
	for _, call := range c.Calls() {
		if call.Method == http.MethodPost && strings.Contains(call.Path, "/actions/asset-compute/process") {
			started = call.Body
			assert.Equal(t, "blocking=false", call.Query, "non-blocking")
		}
	}
	assert.JSONEq(t, string(req.Params), string(started), "the process action gets the request")
	pending, err := store.PendingOf(ctx, id)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	assert.Equal(t, act, pending[0].ActivationID)

	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &OpenWhiskRunner{OpenWhisk: openWhisk(t, c.URL), Store: newStore("b"), Action: "asset-compute/process"}
			assert.NoError(t, r.Collect(ctx, id))
		}()
	}
	wg.Wait()
	es, _, err := store.Read(ctx, id, "", 100)
	require.NoError(t, err)
	require.Len(t, es, 3, "one event per rendition, appended once")
	for i, e := range es {
		var ev map[string]any
		require.NoError(t, json.Unmarshal(e.Event, &ev))
		// The controller's record has no events: every rendition failed.
		assert.Equal(t, "rendition_failed", ev["type"])
		assert.Equal(t, fmt.Sprintf("r%d", i), ev["rendition"].(map[string]any)["name"])
		assert.Equal(t, "req-1", ev["requestId"])
		assert.Contains(t, ev["errorMessage"], act)
	}
	pending, err = store.PendingOf(ctx, id)
	require.NoError(t, err)
	assert.Empty(t, pending)
	require.NoError(t, runner.Collect(ctx, id))
	es, _, _ = store.Read(ctx, id, "", 100)
	assert.Len(t, es, 3, "nothing is appended twice")
}

// TestOpenWhiskRunnerLostActivation: an activation without a record stays
// pending until LostAfter, then fails every rendition.
func TestOpenWhiskRunnerLostActivation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := owtest.New(t)
	store := s3Server(t)("b")
	id, err := store.Register(ctx, "org", "key")
	require.NoError(t, err)
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	req := request(id, 2)
	require.NoError(t, store.AddPending(ctx, id, journal.Pending{ActivationID: "feedfacefeedface", RequestID: req.RequestID,
		Renditions: req.Renditions, UserData: req.UserData, Started: now}))
	runner := &OpenWhiskRunner{OpenWhisk: openWhisk(t, c.URL), Store: store, Action: "asset-compute/process",
		LostAfter: time.Hour, Now: func() time.Time { return now.Add(59 * time.Minute) }}
	require.NoError(t, runner.Collect(ctx, id))
	es, _, _ := store.Read(ctx, id, "", 100)
	assert.Empty(t, es, "still running")

	runner.Now = func() time.Time { return now.Add(61 * time.Minute) }
	require.NoError(t, runner.Collect(ctx, id))
	es, _, _ = store.Read(ctx, id, "", 100)
	require.Len(t, es, 2)
	var ev map[string]any
	require.NoError(t, json.Unmarshal(es[1].Event, &ev))
	assert.Equal(t, "rendition_failed", ev["type"])
	assert.Contains(t, ev["errorMessage"], "feedfacefeedface has no record")
	assert.Equal(t, map[string]any{"u": float64(1)}, ev["userData"])
}

// TestOpenWhiskRunnerBusyAndMissing: a controller that keeps answering
// 429 makes /process answer 429 with Retry-After; a missing process action
// a 503 naming it.
func TestOpenWhiskRunnerBusyAndMissing(t *testing.T) {
	t.Parallel()
	throttled := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":"Too many requests in the last minute"}`)
	}))
	t.Cleanup(throttled.Close)
	c := owtest.New(t)
	store := s3Server(t)("b")
	for _, tc := range []struct {
		host, action string
		status       int
		msg          string
	}{
		{throttled.URL, "asset-compute/process", http.StatusTooManyRequests, "too many requests"},
		{c.URL, "nowhere/process", http.StatusServiceUnavailable, "could not start the process action nowhere/process"},
	} {
		h := newHandler(t, store, &OpenWhiskRunner{OpenWhisk: openWhisk(t, tc.host), Store: store, Action: tc.action,
			StartTimeout: 50 * time.Millisecond})
		call(t, h, "POST", "/register", nil)
		res := call(t, h, "POST", "/process", map[string]any{"renditions": []any{map[string]any{"fmt": "png"}}})
		assert.Equal(t, tc.status, res.Code, "%s", res.Body)
		assert.Contains(t, res.Body.String(), tc.msg)
		if tc.status == http.StatusTooManyRequests {
			assert.Equal(t, "5", res.Header().Get("Retry-After"))
		}
	}
}

func newHandler(t *testing.T, store journal.Store, runner Runner) *Handler {
	t.Helper()
	h, err := New(Options{Verifier: NewStaticTokens(token), Store: store, Runner: runner,
		BaseURL: func(*http.Request) string { return "https://api.example/api/v1/web/ns/asset-compute/acapi" }})
	require.NoError(t, err)
	return h
}

func call(t *testing.T, h http.Handler, method, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	r := httptest.NewRequest(method, path, rd)
	r.Header.Set("Authorization", "Bearer "+token)
	r.Header.Set("x-gw-ims-org-id", "org")
	r.Header.Set("x-api-key", "key")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestStoreFailureIs503: a store that fails (here a missing bucket) gives
// 503 with Retry-After and a message that names no bucket or key.
func TestStoreFailureIs503(t *testing.T) {
	t.Parallel()
	store := s3Server(t)("missing-bucket")
	h := newHandler(t, store, &OpenWhiskRunner{Store: store})
	for _, path := range []string{"/register", "/process", "/unregister"} {
		res := call(t, h, "POST", path, map[string]any{"renditions": []any{map[string]any{}}})
		assert.Equal(t, http.StatusServiceUnavailable, res.Code, path)
		assert.NotEmpty(t, res.Header().Get("Retry-After"))
		assert.Contains(t, res.Body.String(), "journal store is not available")
		assert.NotContains(t, res.Body.String(), "missing-bucket")
	}
	res := call(t, h, "GET", JournalPrefix+strings.Repeat("a", 32), nil)
	assert.Equal(t, http.StatusServiceUnavailable, res.Code)
}

// TestServeWeb rebuilds requests from raw web action parameters: method,
// path, query, headers, a plain or base64 body; the answer's headers and
// JSON body come back as the web action's result.
func TestServeWeb(t *testing.T) {
	t.Parallel()
	var got *http.Request
	var gotBody []byte
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		gotBody, _ = io.ReadAll(r.Body)
		w.Header().Set("Link", `</x?since=1>; rel="next"`)
		writeJSON(w, http.StatusCreated, map[string]any{"ok": true})
	})
	body := `{"renditions":[{"fmt":"png"}]}`
	for name, b := range map[string]string{"plain": body, "base64": base64.StdEncoding.EncodeToString([]byte(body))} {
		params, _ := json.Marshal(map[string]any{"__ow_method": "post", "__ow_path": "/events/journal/abc",
			"__ow_query": "since=3&limit=2", "__ow_body": b,
			"__ow_headers": map[string]string{"authorization": "Bearer x", "x-api-key": "k", "host": "api.example"}})
		require.True(t, IsWeb(params))
		res := ServeWeb(context.Background(), h, params)
		assert.Equal(t, http.StatusCreated, res.StatusCode, name)
		assert.JSONEq(t, `{"ok":true}`, string(res.Body), name)
		assert.Equal(t, `</x?since=1>; rel="next"`, res.Headers["Link"], name)
		assert.Equal(t, "application/json", res.Headers["Content-Type"], name)
		assert.Equal(t, http.MethodPost, got.Method, name)
		assert.Equal(t, "/events/journal/abc", got.URL.Path, name)
		assert.Equal(t, "3", got.URL.Query().Get("since"), name)
		assert.Equal(t, "Bearer x", got.Header.Get("Authorization"), name)
		assert.Equal(t, "api.example", got.Host, name)
		assert.Equal(t, body, string(gotBody), name)
	}
	assert.False(t, IsWeb(json.RawMessage(`{"renditions":[]}`)))
	for bad, want := range map[string]string{`{"__ow_method":"get","__ow_path":"//evil.example/x"}`: "//evil.example/x",
		`{"__ow_method":"get","__ow_path":"x"}`: "/x", `{"__ow_method":"get","__ow_path":"/a/../register"}`: "/a/../register"} {
		res := ServeWeb(context.Background(), h, json.RawMessage(bad))
		require.Equal(t, http.StatusCreated, res.StatusCode, bad)
		assert.Equal(t, want, got.URL.Path, "%s is taken as a path", bad)
		assert.Empty(t, got.URL.Host, bad)
		assert.Empty(t, got.Host, bad)
	}
	// A 204 has no body.
	res := ServeWeb(context.Background(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}), json.RawMessage(`{"__ow_method":"get","__ow_path":"/x"}`))
	assert.Equal(t, http.StatusNoContent, res.StatusCode)
	assert.Empty(t, res.Body)
}

// startRunner is a Runner that appends nothing and names its activation.
type startRunner struct{}

func (startRunner) Start(context.Context, Request) (string, error) { return "act-1", nil }

// TestRequestIDHeader: every answer, a refusal or not, a journal read
// too, carries X-Request-Id, the same as the body's requestId; a client's
// x-request-id is used as it is when it is a plain token of at most 128
// characters, and replaced otherwise (control characters, spaces, too
// long), as the hosted service documents it.
func TestRequestIDHeader(t *testing.T) {
	t.Parallel()
	h := newHandler(t, journal.NewMemory(journal.Options{}), startRunner{})
	do := func(method, path, sent string, auth bool, body any) *httptest.ResponseRecorder {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		r := httptest.NewRequest(method, path, rd)
		if auth {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		r.Header.Set("x-gw-ims-org-id", "org")
		r.Header.Set("x-api-key", "key")
		if sent != "" {
			r.Header["X-Request-Id"] = []string{sent}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	reg := do("POST", "/register", "", true, nil)
	require.Equal(t, http.StatusOK, reg.Code)
	var body Response
	require.NoError(t, json.Unmarshal(reg.Body.Bytes(), &body))
	journalPath := strings.TrimPrefix(body.Journal, "https://api.example/api/v1/web/ns/asset-compute/acapi")
	require.True(t, strings.HasPrefix(journalPath, JournalPrefix), body.Journal)

	renditions := map[string]any{"renditions": []any{map[string]any{"fmt": "png"}}}
	for _, tc := range []struct {
		name, method, path string
		auth               bool
		body               any
		status             int
	}{
		{"register", "POST", "/register", true, nil, 200},
		{"process", "POST", "/process", true, renditions, 200},
		{"process refused", "POST", "/process", true, map[string]any{}, 400},
		{"no token", "POST", "/process", false, renditions, 401},
		{"no such path", "POST", "/nowhere", true, nil, 404},
		{"wrong method", "GET", "/register", true, nil, 405},
		{"journal", "GET", journalPath + "?latest=true", true, nil, 204},
		{"no journal", "GET", JournalPrefix + strings.Repeat("0", 32), true, nil, 404},
	} {
		for _, sent := range []string{"", "aem-4f0c2b9e-1d7a-4c55-9a0e-3b6f8e2d1c00", "bad id", "bad\x01id", strings.Repeat("x", 129)} {
			res := do(tc.method, tc.path, sent, tc.auth, tc.body)
			require.Equal(t, tc.status, res.Code, "%s: %s", tc.name, res.Body)
			got := res.Header().Get("X-Request-Id")
			require.NotEmpty(t, got, "%s answers X-Request-Id", tc.name)
			switch sent {
			case "", "bad id", "bad\x01id", strings.Repeat("x", 129):
				assert.Regexp(t, `^[0-9a-f]{32}$`, got, "%s with x-request-id %q: a new id", tc.name, sent)
			default:
				assert.Equal(t, sent, got, "%s: the client's x-request-id", tc.name)
			}
			if res.Code != http.StatusNoContent {
				var b Response
				require.NoError(t, json.Unmarshal(res.Body.Bytes(), &b), "%s: %s", tc.name, res.Body)
				assert.Equal(t, got, b.RequestID, "%s: header and body agree", tc.name)
			}
		}
	}
}

// TestJournalHostedMetadataNames: journal readers get each created
// rendition's dimensions under our names (as the hosted SDK sends them)
// and under the hosted documentation's tiff:ImageWidth/tiff:ImageLength;
// a name a worker set itself is kept; other events are unchanged.
func TestJournalHostedMetadataNames(t *testing.T) {
	t.Parallel()
	store := journal.NewMemory(journal.Options{})
	h := newHandler(t, store, startRunner{})
	reg := call(t, h, "POST", "/register", nil)
	require.Equal(t, http.StatusOK, reg.Code)
	var body Response
	require.NoError(t, json.Unmarshal(reg.Body.Bytes(), &body))
	id := strings.TrimPrefix(body.Journal, "https://api.example/api/v1/web/ns/asset-compute/acapi"+JournalPrefix)
	created := `{"type":"rendition_created","requestId":"r","metadata":{"repo:size":10,"tiff:imageWidth":64,"tiff:imageHeight":48}}`
	own := `{"type":"rendition_created","metadata":{"tiff:imageWidth":64,"tiff:imageHeight":48,"tiff:ImageWidth":"set by the worker"}}`
	failed := `{"type":"rendition_failed","errorReason":"SourceCorrupt"}`
	text := `{"type":"rendition_created","metadata":{"repo:size":3,"repo:encoding":"utf-8"}}`
	require.NoError(t, store.Append(context.Background(), id, json.RawMessage(created), json.RawMessage(own), json.RawMessage(failed), json.RawMessage(text)))
	res := call(t, h, "GET", JournalPrefix+id, nil)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
	var page struct {
		Events []struct {
			Event json.RawMessage `json:"event"`
		} `json:"events"`
	}
	require.NoError(t, json.Unmarshal(res.Body.Bytes(), &page))
	require.Len(t, page.Events, 4)
	assert.JSONEq(t, `{"type":"rendition_created","requestId":"r","metadata":{"repo:size":10,"tiff:imageWidth":64,"tiff:imageHeight":48,"tiff:ImageWidth":64,"tiff:ImageLength":48}}`,
		string(page.Events[0].Event))
	assert.JSONEq(t, `{"type":"rendition_created","metadata":{"tiff:imageWidth":64,"tiff:imageHeight":48,"tiff:ImageWidth":"set by the worker","tiff:ImageLength":48}}`,
		string(page.Events[1].Event))
	assert.JSONEq(t, failed, string(page.Events[2].Event))
	assert.JSONEq(t, text, string(page.Events[3].Event))
	// The store keeps the events as appended.
	stored, _, err := store.Read(context.Background(), id, "", 10)
	require.NoError(t, err)
	assert.JSONEq(t, created, string(stored[0].Event))
}

// TestFirstLatestReadFindsEarlierEvents: a journal's first read ever,
// latest=true, answers from its oldest event, so the events of a request
// that ended before the client's reader started are found; once the
// journal has been read, latest=true answers from its end again. Both
// stores.
func TestFirstLatestReadFindsEarlierEvents(t *testing.T) {
	t.Parallel()
	for name, store := range map[string]journal.Store{"memory": journal.NewMemory(journal.Options{}), "s3": s3Server(t)("b")} {
		t.Run(name, func(t *testing.T) {
			h := newHandler(t, store, startRunner{})
			reg := call(t, h, "POST", "/register", nil)
			require.Equal(t, http.StatusOK, reg.Code, "%s", reg.Body)
			var body Response
			require.NoError(t, json.Unmarshal(reg.Body.Bytes(), &body))
			id := strings.TrimPrefix(body.Journal, "https://api.example/api/v1/web/ns/asset-compute/acapi"+JournalPrefix)
			ctx := context.Background()
			require.NoError(t, store.Append(ctx, id, json.RawMessage(`{"type":"rendition_created","n":1}`), json.RawMessage(`{"type":"rendition_created","n":2}`)))

			next := func(res *httptest.ResponseRecorder) string {
				link := res.Header().Get("Link")
				u, _, _ := strings.Cut(strings.TrimPrefix(link, "<"), ">")
				return strings.TrimPrefix(u, "/api/v1/web/ns/asset-compute/acapi")
			}
			res := call(t, h, "GET", JournalPrefix+id+"?latest=true", nil)
			require.Equal(t, http.StatusNoContent, res.Code)
			assert.Equal(t, JournalPrefix+id+"?since=0", next(res), "the first reader starts before the oldest event")
			res = call(t, h, "GET", next(res), nil)
			require.Equal(t, http.StatusOK, res.Code)
			var page JournalPage
			require.NoError(t, json.Unmarshal(res.Body.Bytes(), &page))
			assert.Len(t, page.Events, 2, "the events appended before the first read")

			res = call(t, h, "GET", JournalPrefix+id+"?latest=true", nil)
			require.Equal(t, http.StatusNoContent, res.Code)
			assert.Equal(t, JournalPrefix+id+"?since=2", next(res), "a journal read before: latest=true is its end")
		})
	}
}
